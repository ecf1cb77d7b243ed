import { expect } from 'chai';
import type { APIRequestContext, Page } from 'playwright-core';
import { agentOf, browserSuite, realErrors, shot, signIn, waitText, watchErrors, type AgentOfUser } from './harness.js';
import { addDays, apiOf, dayIn, demoUser, otherAgents, labelOf, scheduleRowOf, text } from './support/schedule.js';

const PANEL = '[data-testid=time-off-panel]';
const CARD = '[data-testid=my-time-off]';
const FORM = `${CARD} [data-testid=time-off-form]`;

/** Errors the tests provoke on purpose: a request overlapping another (409). */
const unexpected = (errors: string[]) => realErrors(errors).filter((e) => !/status of 409/.test(e));

async function addShift(request: APIRequestContext, url: string, agentId: number, day: string): Promise<number> {
  const res = await request.post(`${url}/api/shifts`, {
    data: { agentId, day, startTime: '10:00', endTime: '14:00' },
  });
  expect(res.status(), await res.text()).to.equal(201);
  return Number(((await res.json()) as { id: number }).id);
}

async function shiftsOn(request: APIRequestContext, url: string, day: string, agentId: number): Promise<unknown[]> {
  const res = await request.get(`${url}/api/shifts?from=${day}&to=${day}&agentId=${agentId}`);
  expect(res.status(), await res.text()).to.equal(200);
  return ((await res.json()) as { shifts: unknown[] }).shifts;
}

/** The agent's request form filled and sent. */
async function ask(page: Page, from: string, to: string, kind: string, note: string): Promise<void> {
  if (!(await page.$(FORM))) await page.click(`${CARD} button:has-text("Request time off")`);
  await page.fill(`${FORM} input[name=fromDay]`, from);
  await page.fill(`${FORM} input[name=toDay]`, to);
  await page.selectOption(`${FORM} select[name=kind]`, kind);
  await page.fill(`${FORM} input[name=note]`, note);
  await page.click(`${FORM} button[type=submit]`);
}

describe('time off in a browser (asked in the workspace, granted on the Schedule page)', function () {
  this.timeout(180_000);
  const { newPage, ...suite } = browserSuite();
  let url: string;
  let me: AgentOfUser;
  let other: { id: number; name: string };
  let today: string;

  before(async () => {
    const { app } = suite.stack();
    url = app.url;
    me = await agentOf(app, 'agent');
    other = (await otherAgents(app, me.id, 1))[0]!;
    today = dayIn(Date.now());
    // The demo's rota, gone for both agents: the tests' own shifts are the only ones they have.
    const seeded = (await app.db('shifts').whereIn('agent_id', [me.id, other.id]).pluck('id')) as number[];
    await app.db('shift_activities').whereIn('shift_id', seeded).delete();
    await app.db('shifts').whereIn('id', seeded).delete();
    // And the demo's request waiting for a decision: the tests count their own.
    await app.db('time_off').delete();
  });

  it('the agent asks for days off (a 409 overlap in the form), the supervisor grants them with their shift removed, the agent is told; another request cancelled', async () => {
    const { app } = suite.stack();
    const [from, to] = [addDays(today, 3), addDays(today, 4)];
    const later = addDays(today, 12);
    const staff = await newPage();
    const staffErrors = watchErrors(staff);
    await signIn(staff, url, 'supervisor', demoUser('supervisor').password);
    // A shift on the first of the days, in the agent's week.
    await addShift(apiOf(staff), url, me.id, from);

    const agent = await newPage();
    const errors = watchErrors(agent);
    await signIn(agent, url, 'agent', demoUser('agent').password);
    await agent.waitForSelector('[data-testid=presence] .badge.state-logged_out');
    await waitText(agent, '[data-testid=my-schedule]', (t) => t.includes('10:00–14:00'));
    expect(await agent.$(`[data-testid=my-schedule] li[data-day="${from}"]`)).to.not.equal(null);
    expect(await text(agent, `${CARD} [data-testid=my-time-off-none]`)).to.equal('No time off asked for.');

    // Two days of vacation: pending.
    await ask(agent, from, to, 'vacation', 'family trip');
    await agent.waitForSelector(`${CARD} li[data-status=pending]`);
    expect(await agent.$(FORM)).to.equal(null);
    const [fromLabel, toLabel] = [await labelOf(agent, from), await labelOf(agent, to)];
    expect(await text(agent, `${CARD} li[data-status=pending]`)).to.equal(
      `${fromLabel} – ${toLabel}vacation pending · family tripCancel`,
    );

    // Overlapping it: the server's 409, in the form, which stays open.
    await ask(agent, to, addDays(to, 2), 'personal', '');
    await waitText(agent, `${FORM} [role=alert]`, (t) =>
      t.includes(`it overlaps time off pending from ${from} to ${to}`),
    );
    await shot(agent, 'time-off-workspace-conflict');
    // Another, later: pending too.
    await ask(agent, later, later, 'personal', 'moving house');
    await waitText(agent, CARD, (t) => t.includes('moving house'));
    expect(await agent.$$(`${CARD} li[data-status=pending]`)).to.have.length(2);
    await shot(agent, 'time-off-workspace-pending');

    // The supervisor: two waiting, the vacation covering one shift.
    await staff.click('header nav >> text=Schedule');
    await staff.waitForSelector('[data-testid=schedule-day]');
    expect(await text(staff, '[data-testid=time-off-count]')).to.equal('2');
    await staff.click('[data-testid=time-off-button]');
    await staff.waitForSelector(`${PANEL} [data-testid=time-off-requests]`);
    const vacation = (await app.db('time_off').where({ agent_id: me.id, kind: 'vacation' }).first('id')) as {
      id: number;
    };
    const row = `${PANEL} tr[data-time-off="${vacation.id}"]`;
    const cells = (await staff.evaluate(
      `[...document.querySelector('${row}').cells].slice(0, 5).map((c) => c.textContent.trim())`,
    )) as string[];
    expect(cells).to.deep.equal([
      me.name,
      `${fromLabel} – ${toLabel} · 2 days`,
      'vacation',
      'family trip',
      '1 shift on those days',
    ]);
    await shot(staff, 'time-off-panel');

    await staff.fill(`${row} input[name=decisionNote]`, 'Enjoy it');
    let asked = '';
    staff.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await staff.click(`${row} [data-testid=time-off-grant]`);
    await waitText(staff, `${PANEL} [data-testid=time-off-result]`, (t) =>
      t.startsWith(`Granted ${me.name}'s vacation, ${fromLabel} – ${toLabel}: 1 shift removed.`),
    );
    expect(asked).to.contain('Their 1 shift on those days will be removed.');
    await waitText(staff, '[data-testid=time-off-count]', (t) => t === '1');
    expect(await staff.$(row)).to.equal(null);
    expect(await shiftsOn(apiOf(staff), url, from, me.id)).to.deep.equal([]);

    // The day: no shift for the agent, the row saying why.
    await staff.click(`${PANEL} [data-testid=time-off-result] button:has-text("Show")`);
    await staff.waitForSelector(`[data-testid=schedule-day][data-day="${from}"]`);
    await waitText(staff, `${scheduleRowOf(me.id)} [data-testid=time-off-label]`, (t) => t === 'vacation');
    expect(await staff.$$(`${scheduleRowOf(me.id)} .shift-bar`)).to.have.length(0);
    expect(await text(staff, `${scheduleRowOf(me.id)} [data-testid=shift-summary]`)).to.equal(
      `vacation, ${fromLabel} – ${toLabel}`,
    );
    await staff.click(`${PANEL} button:has-text("Close")`);
    await shot(staff, 'time-off-day');

    // The agent is told over the WebSocket; the list and My schedule read again.
    await waitText(agent, '[data-testid=time-off-notice]', (t) =>
      t.startsWith(`Your vacation from ${fromLabel} to ${toLabel} was granted: “Enjoy it”.`),
    );
    await agent.waitForSelector(`${CARD} li[data-time-off="${vacation.id}"][data-status=approved]`);
    expect(await text(agent, `${CARD} li[data-time-off="${vacation.id}"] [data-testid=time-off-status]`)).to.equal(
      'granted',
    );
    expect(await text(agent, `${CARD} li[data-time-off="${vacation.id}"] [data-testid=time-off-reply]`)).to.equal(
      'Supervisor: “Enjoy it”',
    );
    await agent.waitForSelector(`[data-testid=my-schedule] li[data-day="${from}"]`, { state: 'detached' });
    await shot(agent, 'time-off-workspace-granted');

    // The later one, cancelled by the agent: gone from the list.
    const personal = (await app.db('time_off').where({ agent_id: me.id, kind: 'personal' }).first('id')) as {
      id: number;
    };
    let cancelAsked = '';
    agent.once('dialog', (d) => {
      cancelAsked = d.message();
      void d.accept();
    });
    await agent.click(`${CARD} li[data-time-off="${personal.id}"] button:has-text("Cancel")`);
    await agent.waitForSelector(`${CARD} li[data-time-off="${personal.id}"]`, { state: 'detached' });
    expect(cancelAsked).to.equal(`Cancel your personal time off on ${await labelOf(agent, later)}?`);
    expect(
      ((await app.db('time_off').where({ id: personal.id }).first('status')) as { status: string }).status,
    ).to.equal('cancelled');
    await agent.click('[data-testid=time-off-notice] button:has-text("Dismiss")');
    expect(await agent.$('[data-testid=time-off-notice]')).to.equal(null);

    expect(errors.filter((e) => /status of 409/.test(e))).to.have.length(1);
    expect(unexpected(errors)).to.deep.equal([]);
    expect(unexpected(staffErrors)).to.deep.equal([]);
  });

  it('the supervisor records a sick day for an agent: granted at once, their shift removed, the day says so', async () => {
    const { app } = suite.stack();
    const day = addDays(today, 5);
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, url, 'supervisor', demoUser('supervisor').password);
    await addShift(apiOf(page), url, other.id, day);
    await page.goto(`${url}/#/admin/schedule`);
    await page.waitForSelector('[data-testid=schedule-day]');
    await page.click('[data-testid=time-off-button]');
    const form = `${PANEL} [data-testid=time-off-record]`;
    await page.waitForSelector(form);
    await page.selectOption(`${form} select[name=agentId]`, String(other.id));
    await page.fill(`${form} input[name=fromDay]`, day);
    await page.fill(`${form} input[name=toDay]`, day);
    // Sick is the form's default kind.
    expect(await page.inputValue(`${form} select[name=kind]`)).to.equal('sick');
    await page.fill(`${form} input[name=note]`, 'flu');
    await page.click(`${form} button[type=submit]`);
    const label = await labelOf(page, day);
    await waitText(page, `${PANEL} [data-testid=time-off-result]`, (t) =>
      t.startsWith(`Recorded ${other.name}'s sick leave, ${label}: 1 shift removed.`),
    );
    const saved = (await app.db('time_off').where({ agent_id: other.id }).first()) as Record<string, unknown>;
    expect(saved).to.deep.include({ kind: 'sick', status: 'approved', note: 'flu' });
    expect(await shiftsOn(apiOf(page), url, day, other.id)).to.deep.equal([]);
    // Nothing waiting for a decision: no count.
    expect(await page.$('[data-testid=time-off-count]')).to.equal(null);

    await page.click(`${PANEL} [data-testid=time-off-result] button:has-text("Show")`);
    await page.waitForSelector(`[data-testid=schedule-day][data-day="${day}"]`);
    await waitText(page, `${scheduleRowOf(other.id)} [data-testid=time-off-label]`, (t) => t === 'sick');
    expect(await text(page, `${scheduleRowOf(other.id)} [data-testid=shift-summary]`)).to.equal('sick');
    expect(await page.$$(`${scheduleRowOf(other.id)} .shift-bar`)).to.have.length(0);
    await shot(page, 'time-off-recorded');

    // A shift on that day is refused now, in the shift form.
    await page.click('[data-testid=add-shift]');
    await page.selectOption('[data-testid=shift-form] select[name=agentId]', String(other.id));
    await page.click('[data-testid=shift-form] button[type=submit]');
    await waitText(page, '[data-testid=shift-form] [role=alert]', (t) =>
      t.includes(`the agent has sick time off from ${day} to ${day}`),
    );
    expect(errors.filter((e) => /status of 409/.test(e))).to.have.length(1);
    expect(unexpected(errors)).to.deep.equal([]);
  });
});
