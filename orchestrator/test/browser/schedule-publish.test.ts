import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { agentOf, browserSuite, realErrors, shot, signIn, waitText, watchErrors, type AgentOfUser } from './harness.js';
import {
  addDays,
  apiOf,
  dayIn,
  demoUser,
  otherAgents,
  labelOf,
  mondayOf,
  scheduleRowOf,
  text,
} from './support/schedule.js';

const NAV = '[data-testid=schedule-nav]';
const FORM = '[data-testid=shift-form]';
const WEEK = '[data-testid=schedule-week]';
const SCHEDULE = '[data-testid=my-schedule]';
const NOTICE = '[data-testid=schedule-published-notice]';

/** Errors the test provokes on purpose: a publication refused (409, the server's answer stood in for). */
const unexpected = (errors: string[]) => realErrors(errors).filter((e) => !/status of 409/.test(e));

interface ListedShift {
  id: number;
  agentId: number;
  day: string;
  startTime: string;
  endTime: string;
  publishedAt: string | null;
}

async function shiftsOf(page: Page, url: string, from: string, to: string): Promise<ListedShift[]> {
  const res = await apiOf(page).get(`${url}/api/shifts?from=${from}&to=${to}`);
  expect(res.status(), await res.text()).to.equal(200);
  return ((await res.json()) as { shifts: ListedShift[] }).shifts;
}

/** The day view showing `day`. */
async function showDay(page: Page, day: string): Promise<void> {
  await page.fill(`${NAV} input[name=day]`, day);
  await page.waitForSelector(`[data-testid=schedule-day][data-day="${day}"]`);
}

/** The ISO weekday (1 Monday … 7 Sunday) of a calendar day. */
const weekdayOf = (day: string): number => ((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;

describe('publishing the schedule in a browser (drafts only staff see, published to the agents, discarded)', function () {
  this.timeout(180_000);
  const { newPage, ...suite } = browserSuite();
  let url: string;
  /** The demo `agent` user's agent (the workspace), and another agent. */
  let me: AgentOfUser;
  const other = { id: 0, name: '' };
  let today: string;

  before(async () => {
    const { app } = suite.stack();
    url = app.url;
    me = await agentOf(app, 'agent');
    Object.assign(other, (await otherAgents(app, me.id, 1))[0]);
    today = dayIn(Date.now());
    // The demo's rota off the agent's days: My schedule holds only the test's shifts.
    const seeded = (await app.db('shifts').where({ agent_id: me.id }).pluck('id')) as number[];
    await app.db('shift_activities').whereIn('shift_id', seeded).delete();
    await app.db('shifts').whereIn('id', seeded).delete();
  });

  it("drafts made in the form and by another supervisor show dashed and counted, not in the agent's workspace; Publish shows them there at once, with a notice; unticking a draft publishes it", async () => {
    const day = addDays(today, 2);
    const agent = await newPage();
    const agentErrors = watchErrors(agent);
    await signIn(agent, url, 'agent', demoUser('agent').password);
    await agent.waitForSelector(`${SCHEDULE} [data-testid=my-schedule-none]`);

    const staff = await newPage();
    const errors = watchErrors(staff);
    await signIn(staff, url, 'supervisor', demoUser('supervisor').password);
    await staff.goto(`${url}/#/admin/schedule`);
    await staff.waitForSelector('[data-testid=schedule-day]');
    await showDay(staff, day);
    // The demo's rota that day is published: nothing to publish.
    expect(await staff.$('[data-testid=drafts-bar]')).to.equal(null);

    // A draft for the agent through the form: unticked by default, ticked here.
    await staff.click('[data-testid=add-shift]');
    expect(await staff.isChecked(`${FORM} [data-testid=shift-draft]`)).to.equal(false);
    expect(await text(staff, `${FORM} label:has([data-testid=shift-draft])`)).to.equal(
      'Draft — its agent does not see it until published',
    );
    await staff.selectOption(`${FORM} select[name=agentId]`, String(me.id));
    await staff.fill(`${FORM} input[name=startTime]`, '10:00');
    await staff.fill(`${FORM} input[name=endTime]`, '16:00');
    await staff.check(`${FORM} [data-testid=shift-draft]`);
    await shot(staff, 'schedule-publish-form-draft');
    const posted = staff.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/shifts'));
    await staff.click(`${FORM} button[type=submit]`);
    expect(((await posted).postDataJSON() as { draft?: boolean }).draft).to.equal(true);
    const mine = `${scheduleRowOf(me.id)} .shift-bar`;
    await staff.waitForSelector(`${mine}[data-draft]`);
    expect(await staff.getAttribute(mine, 'class')).to.contain('draft');
    expect(await text(staff, `${mine} .shift-draft-label`)).to.equal('Draft');
    expect(await staff.getAttribute(mine, 'title')).to.equal('10:00–16:00 · draft, not published');
    expect(await text(staff, `${scheduleRowOf(me.id)} [data-testid=shift-summary]`)).to.equal(
      '10:00–16:00 · 6:00 on the phones · draft',
    );
    // Dashed: not told by colour alone.
    const frame = (await staff.evaluate(
      `getComputedStyle(document.querySelector('${mine}'), '::before').borderTopStyle`,
    )) as string;
    expect(frame).to.equal('dashed');
    expect(await text(staff, '[data-testid=schedule-day] .presence-legend')).to.contain('draft, not published');
    await waitText(staff, '[data-testid=drafts-count]', (t) => t === '1 draft on this day');

    // Another supervisor's draft (the API, outside this page): the page reads the day again on the push.
    const made = await apiOf(staff).post(`${url}/api/shifts`, {
      data: { agentId: other.id, day, startTime: '06:00', endTime: '09:00', draft: true },
    });
    expect(made.status(), await made.text()).to.equal(201);
    await waitText(staff, '[data-testid=drafts-count]', (t) => t === '2 drafts on this day');
    await staff.waitForSelector(`${scheduleRowOf(other.id)} .shift-bar[data-draft]`);
    await shot(staff, 'schedule-publish-drafts-day');

    // The agent sees none of it: no push, and nothing when the workspace reads again.
    await agent.reload();
    await agent.waitForSelector(`${SCHEDULE} [data-testid=my-schedule-none]`);
    expect((await shiftsOf(agent, url, day, day)).map((s) => s.agentId)).to.deep.equal([]);

    // The draft opens in the form ticked.
    await staff.click(mine);
    expect(await staff.isChecked(`${FORM} [data-testid=shift-draft]`)).to.equal(true);
    expect(await text(staff, `${FORM} button[type=submit]`)).to.equal('Save');
    await staff.click(`${FORM} button:has-text("Cancel")`);

    // Publish refused (the server's answer stood in for): said in the page, the drafts still there.
    await staff.route('**/api/shifts/publish', (route) =>
      route.fulfill({
        status: 409,
        json: { error: { code: 'conflict', message: 'the schedule is being published by someone else' } },
      }),
    );
    await staff.click('[data-testid=publish-drafts]');
    await waitText(staff, '[data-testid=drafts] [role=alert]', (t) =>
      t.includes('the schedule is being published by someone else'),
    );
    await staff.unroute('**/api/shifts/publish');
    expect(await text(staff, '[data-testid=drafts-count]')).to.equal('2 drafts on this day');

    // Published: the bar goes, the shifts are drawn as any other; the agent is told and sees theirs.
    await staff.click('[data-testid=publish-drafts]');
    const label = await labelOf(staff, day);
    await waitText(staff, '[data-testid=drafts-result]', (t) =>
      t.startsWith(`Published 2 shifts on ${label}: 2 agents told.`),
    );
    expect(await staff.$('[data-testid=drafts] [role=alert]')).to.equal(null);
    await staff.waitForSelector('[data-testid=drafts-bar]', { state: 'detached' });
    await staff.waitForSelector(`${mine}:not([data-draft])`);
    expect(await text(staff, `${scheduleRowOf(me.id)} [data-testid=shift-summary]`)).to.equal(
      '10:00–16:00 · 6:00 on the phones',
    );
    await waitText(agent, NOTICE, (t) => t.startsWith(`Your schedule for ${label} was published`));
    await agent.waitForSelector(`${SCHEDULE} li[data-day="${day}"] >> text=10:00–16:00`);
    await shot(agent, 'schedule-publish-workspace-notice');
    await agent.click(`${NOTICE} button:has-text("Dismiss")`);
    expect(await agent.$(NOTICE)).to.equal(null);
    expect((await shiftsOf(agent, url, day, day)).map((s) => s.agentId)).to.deep.equal([me.id]);

    // A published shift edited: the form says so, offers no draft, and the PUT leaves it as it is.
    await staff.click(mine);
    expect(await staff.$(`${FORM} [data-testid=shift-draft]`)).to.equal(null);
    expect(await text(staff, `${FORM} [data-testid=shift-published]`)).to.equal('Published: its agent sees it.');
    const put = staff.waitForRequest((r) => r.method() === 'PUT');
    await staff.click(`${FORM} button[type=submit]`);
    expect((await put).postDataJSON()).to.not.have.property('draft');
    await staff.waitForSelector(FORM, { state: 'detached' });

    // A draft the next day, then unticked in the form: Save and publish sends draft: false; My schedule shows it.
    const next = addDays(day, 1);
    await showDay(staff, next);
    await staff.click('[data-testid=add-shift]');
    await staff.selectOption(`${FORM} select[name=agentId]`, String(me.id));
    await staff.fill(`${FORM} input[name=startTime]`, '12:00');
    await staff.fill(`${FORM} input[name=endTime]`, '18:00');
    await staff.check(`${FORM} [data-testid=shift-draft]`);
    await staff.click(`${FORM} button[type=submit]`);
    await staff.waitForSelector(`${mine}[data-draft]`);
    await staff.click(mine);
    await staff.uncheck(`${FORM} [data-testid=shift-draft]`);
    expect(await text(staff, `${FORM} button[type=submit]`)).to.equal('Save and publish');
    const publishing = staff.waitForRequest((r) => r.method() === 'PUT');
    await staff.click(`${FORM} button[type=submit]`);
    expect(((await publishing).postDataJSON() as { draft?: boolean }).draft).to.equal(false);
    await staff.waitForSelector(`${mine}:not([data-draft])`);
    await agent.waitForSelector(`${SCHEDULE} li[data-day="${next}"] >> text=12:00–18:00`);

    expect(errors.filter((e) => /status of 409/.test(e))).to.have.length(1);
    expect(unexpected(errors)).to.deep.equal([]);
    expect(realErrors(agentErrors)).to.deep.equal([]);
  });

  it("the week view: the demo's drafts dashed and labelled, counted for the week; Discard drafts (asked first) removes only them", async () => {
    const staff = await newPage();
    const errors = watchErrors(staff);
    await signIn(staff, url, 'supervisor', demoUser('supervisor').password);
    // The demo's rota is planned from today for a week; the day after, copied as drafts.
    const draftDay = addDays(today, 7);
    const monday = mondayOf(draftDay);
    const sunday = addDays(monday, 6);
    const before = await shiftsOf(staff, url, monday, sunday);
    const drafts = before.filter((s) => s.publishedAt === null);
    const published = before.filter((s) => s.publishedAt !== null);
    expect(drafts.length).to.be.above(0);
    expect([...new Set(drafts.map((s) => s.day))]).to.deep.equal([draftDay]);

    await staff.goto(`${url}/#/admin/schedule/week`);
    await staff.waitForSelector(WEEK);
    await staff.fill(`${NAV} input[name=day]`, draftDay);
    await staff.waitForSelector(`${WEEK}[data-from="${monday}"]`);
    await waitText(staff, '[data-testid=drafts-count]', (t) => t === `${drafts.length} drafts on these days`);
    const drawn = (await staff.evaluate(
      `[...document.querySelectorAll('${WEEK} .week-shift[data-draft]')].map((b) => ({
        id: Number(b.dataset.shift), day: b.closest('td').dataset.day, label: b.querySelector('.week-draft-label')?.textContent,
        title: b.title }))`,
    )) as { id: number; day: string; label: string | undefined; title: string }[];
    expect(drawn.map((d) => d.id).sort()).to.deep.equal(drafts.map((s) => s.id).sort());
    for (const d of drawn) {
      expect(d.day).to.equal(draftDay);
      expect(d.label).to.equal('Draft');
      expect(d.title).to.match(/ · draft, not published$/);
    }
    expect(await staff.$$(`${WEEK} .week-shift:not([data-draft])`)).to.have.length(published.length);
    expect(await text(staff, `${WEEK} .week-legend`)).to.contain('draft, not published');
    await shot(staff, 'schedule-publish-drafts-week');

    // Asked first: cancelled, nothing goes.
    let asked = '';
    staff.once('dialog', (d) => {
      asked = d.message();
      void d.dismiss();
    });
    await staff.click('[data-testid=discard-drafts]');
    expect(asked).to.equal(
      `Discard the ${drafts.length} drafts from ${await labelOf(staff, monday)} to ${await labelOf(staff, sunday)}? ` +
        'They are removed; published shifts stay as they are.',
    );
    expect((await shiftsOf(staff, url, monday, sunday)).length).to.equal(before.length);

    staff.once('dialog', (d) => void d.accept());
    await staff.click('[data-testid=discard-drafts]');
    await waitText(staff, '[data-testid=drafts-result]', (t) => t.startsWith(`Discarded ${drafts.length} drafts`));
    await staff.waitForSelector('[data-testid=drafts-bar]', { state: 'detached' });
    expect(await staff.$$(`${WEEK} .week-shift[data-draft]`)).to.have.length(0);
    expect(await staff.$$(`${WEEK} .week-shift`)).to.have.length(published.length);
    const after = await shiftsOf(staff, url, monday, sunday);
    expect(after.map((s) => s.id).sort()).to.deep.equal(published.map((s) => s.id).sort());
    await shot(staff, 'schedule-publish-discarded-week');
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('a draft today is not measured: its adherence line says so', async () => {
    const staff = await newPage();
    const errors = watchErrors(staff);
    await signIn(staff, url, 'supervisor', demoUser('supervisor').password);
    const made = await apiOf(staff).post(`${url}/api/shifts`, {
      data: { agentId: me.id, day: today, startTime: '08:00', endTime: '20:00', draft: true },
    });
    expect(made.status(), await made.text()).to.equal(201);
    await staff.goto(`${url}/#/admin/schedule`);
    await staff.waitForSelector(`[data-testid=schedule-day][data-day="${today}"]`);
    await staff.waitForSelector(`${scheduleRowOf(me.id)} .shift-bar[data-draft]`);
    await waitText(
      staff,
      `${scheduleRowOf(me.id)} [data-testid=adherence]`,
      (t) => t === 'A draft: adherence is measured once it is published.',
    );
    const id = Number(((await made.json()) as { id: number }).id);
    const removed = await apiOf(staff).delete(`${url}/api/shifts/${id}`);
    expect(removed.status(), await removed.text()).to.equal(204);
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it("an agent's change of availability shows on an open Schedule page without reading it again", async () => {
    const day = addDays(today, 2);
    const staff = await newPage();
    const errors = watchErrors(staff);
    await signIn(staff, url, 'supervisor', demoUser('supervisor').password);
    await staff.goto(`${url}/#/admin/schedule`);
    await staff.waitForSelector('[data-testid=schedule-day]');
    await showDay(staff, day);
    // The agent's 10:00–16:00 published above, inside their availability (none stated: any time).
    const bar = `${scheduleRowOf(me.id)} .shift-bar`;
    await staff.waitForSelector(`${bar}:not([data-outside])`);

    const agent = await newPage();
    const agentErrors = watchErrors(agent);
    await signIn(agent, url, 'agent', demoUser('agent').password);
    const put = await apiOf(agent).put(`${url}/api/agents/${me.id}/availability`, {
      data: { windows: [{ weekday: weekdayOf(day), startTime: '08:00', endTime: '12:00' }] },
    });
    expect(put.status(), await put.text()).to.equal(200);
    await staff.waitForSelector(`${bar}[data-outside]`);
    expect(await staff.getAttribute(bar, 'title')).to.equal("10:00–16:00 · outside the agent's availability");
    expect(realErrors(errors)).to.deep.equal([]);
    expect(realErrors(agentErrors)).to.deep.equal([]);
  });
});
