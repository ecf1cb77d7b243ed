import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { RunningAriadne } from '../../src/app.js';
import { createUser } from '../../src/auth/users.js';
import { agentOf, browserSuite, realErrors, shot, signIn, waitText, watchErrors, type AgentOfUser } from './harness.js';
import { addDays, addShift, apiOf, dayIn, demoUser, labelOf, scheduleRowOf, text } from './support/schedule.js';

const SCHEDULE = '[data-testid=my-schedule]';
const CARD = '[data-testid=my-shift-trades]';
const FORM = `${CARD} [data-testid=trade-form]`;
const PANEL = '[data-testid=shift-trades-panel]';
/** The colleague's sign-in: the demo has one agent user, so a second demo agent is given one here. */
const COLLEAGUE = { username: 'agent2011', password: 'ariadne-agent-2011' };

/** Errors the tests provoke on purpose: an offer the server refuses (409). */
const unexpected = (errors: string[]) => realErrors(errors).filter((e) => !/status of 409/.test(e));

/** Whose a shift is now, as the API lists it. */
async function ownerOf(page: Page, url: string, day: string, shiftId: number): Promise<number | undefined> {
  const res = await apiOf(page).get(`${url}/api/shifts?from=${day}&to=${day}`);
  expect(res.status(), await res.text()).to.equal(200);
  const { shifts } = (await res.json()) as { shifts: { id: number; agentId: number }[] };
  return shifts.find((s) => s.id === shiftId)?.agentId;
}

/** "Thu 10 Dec 10:00–14:00", as the page writes a trade's shift. */
const shiftText = async (page: Page, day: string, hours = '10:00–14:00') => `${await labelOf(page, day)} ${hours}`;

/** The agent's page, signed in, with My schedule read. */
async function workspace(page: Page, url: string, username: string, password: string): Promise<void> {
  await signIn(page, url, username, password);
  await page.waitForSelector(`${SCHEDULE} ul`);
}

/** The (signed-in) supervisor's Schedule page on `day`. */
async function scheduleOn(page: Page, url: string, day: string): Promise<void> {
  await page.goto(`${url}/#/admin/schedule`);
  await page.waitForSelector('[data-testid=schedule-day]');
  await page.fill('[data-testid=schedule-nav] input[name=day]', day);
  await page.waitForSelector(`[data-testid=schedule-day][data-day="${day}"]`);
}

/** Trade on one of My schedule's shifts: the form, its colleagues read. */
async function openTrade(page: Page, shiftId: number): Promise<void> {
  await page.click(`${SCHEDULE} li[data-shift="${shiftId}"] button:has-text("Trade")`);
  await page.waitForSelector(`${FORM} select[name=toAgentId]:not([disabled])`);
}

/** The first `n` cells' text of a table row. */
async function cells(page: Page, row: string, n: number): Promise<string[]> {
  return (await page.evaluate(
    `[...document.querySelector('${row}').cells].slice(0, ${n}).map((c) => c.textContent.trim())`,
  )) as string[];
}

async function colleagueOf(app: RunningAriadne): Promise<AgentOfUser> {
  const user = await createUser(app.db, { ...COLLEAGUE, displayName: 'Agent 2011', role: 'agent' });
  await app.db('agents').where({ endpoint: 'PJSIP/2011' }).update({ user_id: user.id });
  return agentOf(app, COLLEAGUE.username);
}

describe('shift trades in a browser (offered and taken in the workspace, decided on the Schedule page)', function () {
  this.timeout(180_000);
  const { newPage, ...suite } = browserSuite();
  let url: string;
  let me: AgentOfUser;
  /** Another skill group's agent (billing and sales, not orders and logistics): each side lacks the other's. */
  let colleague: AgentOfUser;
  let today: string;

  before(async () => {
    const { app } = suite.stack();
    url = app.url;
    me = await agentOf(app, 'agent');
    colleague = await colleagueOf(app);
    today = dayIn(Date.now());
    // The demo's rota, gone for both: the tests' own shifts are the only ones they have.
    const seeded = (await app.db('shifts').whereIn('agent_id', [me.id, colleague.id]).pluck('id')) as number[];
    await app.db('shift_activities').whereIn('shift_id', seeded).delete();
    await app.db('shifts').whereIn('id', seeded).delete();
    // And the demo's trades (one waiting, one open to anyone): the tests count their own.
    await app.db('shift_trades').delete();
  });

  it('a swap offered from My schedule, accepted by the colleague in their workspace, approved on the Schedule page: the shifts change hands', async () => {
    const [day, swapDay] = [addDays(today, 2), addDays(today, 3)];
    const staff = await newPage();
    const staffErrors = watchErrors(staff);
    await signIn(staff, url, 'supervisor', demoUser('supervisor').password);
    const mine = await addShift(apiOf(staff), url, { agentId: me.id, day, startTime: '10:00', endTime: '14:00' });
    const theirs = await addShift(apiOf(staff), url, {
      agentId: colleague.id,
      day: swapDay,
      startTime: '10:00',
      endTime: '14:00',
    });
    await scheduleOn(staff, url, day);
    expect(await staff.$('[data-testid=shift-trades-count]')).to.equal(null);

    // The agent: Trade on the shift, the colleague, a swap for one of their shifts, a note.
    const agent = await newPage();
    const errors = watchErrors(agent);
    await workspace(agent, url, 'agent', demoUser('agent').password);
    expect(await text(agent, `${CARD} [data-testid=my-shift-trades-none]`)).to.match(/^No trades\./);
    await openTrade(agent, mine);
    const [shiftLabel, swapLabel] = [await shiftText(agent, day), await shiftText(agent, swapDay)];
    expect(await text(agent, `${FORM} h3`)).to.equal(`Trade ${shiftLabel}`);
    await agent.selectOption(`${FORM} select[name=toAgentId]`, String(colleague.id));
    await agent.check(`${FORM} input[name=kind][value=swap]`);
    await agent.selectOption(`${FORM} select[name=swapShiftId]`, String(theirs));
    expect(await text(agent, `${FORM} [data-testid=trade-form-lacks]`)).to.equal(
      `${colleague.name} lacks logistics, orders, which you have: the supervisor will see it.`,
    );
    await agent.fill(`${FORM} input[name=note]`, 'dentist');
    await shot(agent, 'shift-trades-form');
    await agent.click(`${FORM} button[type=submit]`);
    const offered = `${CARD} li[data-side=mine][data-status=offered]`;
    await agent.waitForSelector(offered);
    expect(await agent.$(FORM)).to.equal(null);
    expect(await text(agent, offered)).to.equal(
      `${shiftLabel}to ${colleague.name}, for their ${swapLabel} offered · dentist` +
        `${colleague.name} lacks logistics, orders · you lack billing, salesWithdraw`,
    );
    // My schedule: the shift spoken for, no Trade on it.
    expect(await text(agent, `${SCHEDULE} li[data-shift="${mine}"] [data-testid=my-schedule-trade]`)).to.equal(
      'in a trade',
    );

    // The colleague, in their own workspace: the offer made to them, accepted.
    const other = await newPage();
    const otherErrors = watchErrors(other);
    await workspace(other, url, COLLEAGUE.username, COLLEAGUE.password);
    const toMe = `${CARD} li[data-side=to-me]`;
    await other.waitForSelector(toMe);
    expect(await text(other, toMe)).to.equal(
      `${shiftLabel}from ${me.name}, for your ${swapLabel} offered · dentist` +
        `You lack logistics, orders · ${me.name} lacks billing, salesAcceptDecline`,
    );
    await shot(other, 'shift-trades-offered-to-colleague');
    await other.click(`${toMe} button:has-text("Accept")`);
    await other.waitForSelector(`${CARD} li[data-side=taken][data-status=accepted]`);
    // The agent who offered it is told as it happens.
    await agent.waitForSelector(`${CARD} li[data-side=mine][data-status=accepted]`);

    // The supervisor: the count as it is accepted, the panel with both shifts, both agents and what each lacks.
    await waitText(staff, '[data-testid=shift-trades-count]', (t) => t === '1');
    await staff.click('[data-testid=shift-trades-button]');
    const row = `${PANEL} tr[data-trade]`;
    await staff.waitForSelector(row);
    expect(await text(staff, `${PANEL} [data-testid=shift-trades-waiting]`)).to.equal('1');
    expect(await cells(staff, row, 5)).to.deep.equal([
      shiftLabel,
      `${me.name}lacks billing, sales`,
      `${colleague.name}lacks logistics, orders`,
      swapLabel,
      'dentist',
    ]);
    // The day shown is the shift's: the agent's, until approved.
    expect(await staff.$$(`${scheduleRowOf(me.id)} .shift-bar`)).to.have.length(1);
    await shot(staff, 'shift-trades-panel');
    await staff.fill(`${row} input[name=decisionNote]`, 'fine by me');
    await staff.click(`${row} [data-testid=shift-trade-approve]`);
    await waitText(staff, `${PANEL} [data-testid=shift-trade-result]`, (t) =>
      t.startsWith(
        `Approved: ${me.name}'s ${shiftLabel} goes to ${colleague.name}, ${colleague.name}'s ${swapLabel} to ${me.name}.`,
      ),
    );
    expect(await text(staff, `${PANEL} [data-testid=shift-trades-none]`)).to.equal('No trades waiting.');
    expect(await staff.$('[data-testid=shift-trades-count]')).to.equal(null);
    // The day read again: the shift on the colleague's row now.
    await staff.waitForSelector(`${scheduleRowOf(colleague.id)} .shift-bar`);
    expect(await staff.$$(`${scheduleRowOf(me.id)} .shift-bar`)).to.have.length(0);
    await shot(staff, 'shift-trades-approved-day');
    expect(await ownerOf(staff, url, day, mine)).to.equal(colleague.id);
    expect(await ownerOf(staff, url, swapDay, theirs)).to.equal(me.id);

    // The agent's My schedule reads again (schedule.changed): the shift gone, the colleague's in its place.
    await agent.waitForSelector(`${SCHEDULE} li[data-shift="${mine}"]`, { state: 'detached' });
    await agent.waitForSelector(`${SCHEDULE} li[data-shift="${theirs}"]`);
    const approved = `${CARD} li[data-side=mine][data-status=approved]`;
    await agent.waitForSelector(approved);
    expect(await text(agent, `${approved} [data-testid=trade-status]`)).to.equal('approved');
    expect(await text(agent, `${approved} [data-testid=trade-reply]`)).to.equal('Supervisor: “fine by me”');
    await shot(agent, 'shift-trades-approved-workspace');

    expect(realErrors(errors)).to.deep.equal([]);
    expect(unexpected(otherErrors)).to.deep.equal([]);
    expect(unexpected(staffErrors)).to.deep.equal([]);
  });

  it('a colleague busy then: no give-away, a swap that leaves them double-booked refused in the form; the swap that works, refused by the supervisor with a note the agent reads', async () => {
    const [day, nextDay] = [addDays(today, 4), addDays(today, 5)];
    const staff = await newPage();
    const staffErrors = watchErrors(staff);
    await signIn(staff, url, 'supervisor', demoUser('supervisor').password);
    const mine = await addShift(apiOf(staff), url, { agentId: me.id, day, startTime: '10:00', endTime: '14:00' });
    // The colleague works 12:00–18:00 that day, and the next day too.
    const clash = await addShift(apiOf(staff), url, {
      agentId: colleague.id,
      day,
      startTime: '12:00',
      endTime: '18:00',
    });
    const later = await addShift(apiOf(staff), url, {
      agentId: colleague.id,
      day: nextDay,
      startTime: '10:00',
      endTime: '14:00',
    });
    await scheduleOn(staff, url, day);

    const agent = await newPage();
    const errors = watchErrors(agent);
    await workspace(agent, url, 'agent', demoUser('agent').password);
    await openTrade(agent, mine);
    const option = `${FORM} option[value="${colleague.id}"]`;
    expect(await text(agent, option)).to.equal(`${colleague.name} — works 12:00–18:00 then (lacks logistics, orders)`);
    // A give-away to them cannot be made: not offered.
    expect(await agent.isDisabled(option)).to.equal(true);
    await agent.check(`${FORM} input[name=kind][value=swap]`);
    expect(await agent.isDisabled(option)).to.equal(false);
    await agent.selectOption(`${FORM} select[name=toAgentId]`, String(colleague.id));
    // For their next day's shift they would still work 12:00–18:00 over it: the server's 409, in the form.
    await agent.selectOption(`${FORM} select[name=swapShiftId]`, String(later));
    await agent.click(`${FORM} button[type=submit]`);
    await waitText(
      agent,
      `${FORM} [role=alert]`,
      (t) => t === `${colleague.name} already has a shift 12:00–18:00 on ${day} overlapping it`,
    );
    await shot(agent, 'shift-trades-form-conflict');
    // For the shift that keeps them busy, it can be made.
    await agent.selectOption(`${FORM} select[name=swapShiftId]`, String(clash));
    await agent.click(`${FORM} button[type=submit]`);
    const offered = `${CARD} li[data-side=mine][data-status=offered]`;
    await agent.waitForSelector(offered);
    const clashLabel = await shiftText(agent, day, '12:00–18:00');
    expect(await text(agent, `${offered} .my-trade-what`)).to.match(
      new RegExp(`^to ${colleague.name}, for their ${clashLabel} offered`),
    );

    const other = await newPage();
    const otherErrors = watchErrors(other);
    await workspace(other, url, COLLEAGUE.username, COLLEAGUE.password);
    await other.click(`${CARD} li[data-side=to-me] button:has-text("Accept")`);
    await other.waitForSelector(`${CARD} li[data-side=taken][data-status=accepted]`);

    // The supervisor refuses it, saying why.
    await waitText(staff, '[data-testid=shift-trades-count]', (t) => t === '1');
    await staff.click('[data-testid=shift-trades-button]');
    const row = `${PANEL} tr[data-trade]`;
    await staff.fill(`${row} input[name=decisionNote]`, 'we need you both that afternoon');
    await staff.click(`${row} [data-testid=shift-trade-refuse]`);
    const shiftLabel = await shiftText(staff, day);
    await waitText(staff, `${PANEL} [data-testid=shift-trade-result]`, (t) =>
      t.startsWith(`Refused ${me.name}'s trade of ${shiftLabel} with ${colleague.name}.`),
    );
    expect(await ownerOf(staff, url, day, mine)).to.equal(me.id);
    expect(await ownerOf(staff, url, day, clash)).to.equal(colleague.id);

    // The agent reads the refusal and the note; the shift is theirs to trade again.
    const refused = `${CARD} li[data-side=mine][data-status=rejected]`;
    await agent.waitForSelector(refused);
    expect(await text(agent, `${refused} [data-testid=trade-status]`)).to.equal('refused');
    expect(await text(agent, `${refused} [data-testid=trade-reply]`)).to.equal(
      'Supervisor: “we need you both that afternoon”',
    );
    await agent.waitForSelector(`${SCHEDULE} li[data-shift="${mine}"] button:has-text("Trade")`);
    await shot(agent, 'shift-trades-refused-workspace');

    expect(errors.filter((e) => /status of 409/.test(e))).to.have.length(1);
    expect(unexpected(errors)).to.deep.equal([]);
    expect(unexpected(otherErrors)).to.deep.equal([]);
    expect(unexpected(staffErrors)).to.deep.equal([]);
  });
});
