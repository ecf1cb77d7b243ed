import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { forecastDays } from '../../src/reports/staffing.js';
import { agentOf, browserSuite, realErrors, shot, signIn, waitText, watchErrors, type AgentOfUser } from './harness.js';
import { addDays, addShift, apiOf, at, dayIn, demoUser, scheduleRowOf, text } from './support/schedule.js';

const CARD = '[data-testid=my-availability]';
const EDITOR = '[data-testid=availability-editor]';
const STAFF_CARD = '[data-testid=agent-availability]';

interface Window {
  weekday: number;
  startTime: string;
  endTime: string;
}

/** Errors the tests provoke on purpose: windows the server refuses (400). */
const unexpected = (errors: string[]) => realErrors(errors).filter((e) => !/status of 400/.test(e));

/** The ISO weekday (1 Monday … 7 Sunday) of a calendar day. */
const weekdayOf = (day: string): number => ((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;

/** A weekday's short name as the page writes it ("Mon" in the browser's language), asked of the page itself. */
async function weekdayName(page: Page, weekday: number): Promise<string> {
  return (await page.evaluate(
    `new Date(Date.UTC(2024, 0, ${weekday}, 12)).toLocaleDateString(undefined, { timeZone: 'UTC', weekday: 'short' })`,
  )) as string;
}

/** A window's field in the editor under `scope`: the day's `index`th window's start or end. */
const field = (scope: string, weekday: number, index: number, name: 'startTime' | 'endTime') =>
  `${scope} ${EDITOR} li[data-weekday="${weekday}"] [data-index="${index}"] input[name=${name}]`;

async function windowsOf(page: Page, url: string, agentId: number): Promise<Window[]> {
  const res = await apiOf(page).get(`${url}/api/agents/${agentId}/availability`);
  expect(res.status(), await res.text()).to.equal(200);
  return ((await res.json()) as { windows: Window[] }).windows;
}

/** The (signed-in) supervisor's Schedule page on `day`. */
async function scheduleOn(page: Page, url: string, day: string): Promise<void> {
  await page.goto(`${url}/#/admin/schedule`);
  await page.waitForSelector('[data-testid=schedule-day]');
  await page.fill('[data-testid=schedule-nav] input[name=day]', day);
  await page.waitForSelector(`[data-testid=schedule-day][data-day="${day}"]`);
}

describe('availability in a browser (stated in the workspace, marked on the Schedule page, kept by staff)', function () {
  this.timeout(180_000);
  const { newPage, ...suite } = browserSuite();
  let url: string;
  let me: AgentOfUser;
  let today: string;

  before(async () => {
    const { app } = suite.stack();
    url = app.url;
    me = await agentOf(app, 'agent');
    today = dayIn(Date.now());
    // The demo's rota, gone for the agent: the test's own shift is the only one on its day.
    const seeded = (await app.db('shifts').where({ agent_id: me.id }).pluck('id')) as number[];
    await app.db('shift_activities').whereIn('shift_id', seeded).delete();
    await app.db('shifts').whereIn('id', seeded).delete();
  });

  it('the agent states their week in the workspace: two windows on a day, one until midnight, an overlap refused (400), then saved and summed up', async () => {
    const agent = await newPage();
    const errors = watchErrors(agent);
    await signIn(agent, url, 'agent', demoUser('agent').password);
    await waitText(agent, `${CARD} [data-testid=availability-summary]`, (t) => t === 'Any time');
    await agent.click(`${CARD} button:has-text("Edit")`);
    await agent.waitForSelector(`${CARD} ${EDITOR} [data-testid=availability-any]`);
    expect(await agent.$$(`${CARD} ${EDITOR} li[data-state=any]`)).to.have.length(7);

    // Monday: a first window (office hours, corrected), then a second one overlapping it.
    const day = (weekday: number) => `${CARD} ${EDITOR} li[data-weekday="${weekday}"]`;
    await agent.click(`${day(1)} button:has-text("+ window")`);
    expect(await agent.inputValue(field(CARD, 1, 0, 'startTime'))).to.equal('09:00');
    // Typed short, tidied on leaving the field.
    await agent.fill(field(CARD, 1, 0, 'startTime'), '8');
    await agent.fill(field(CARD, 1, 0, 'endTime'), '12:00');
    expect(await agent.inputValue(field(CARD, 1, 0, 'startTime'))).to.equal('08:00');
    await agent.click(`${day(1)} button:has-text("+ window")`);
    // The second starts where the first ends.
    expect(await agent.inputValue(field(CARD, 1, 1, 'startTime'))).to.equal('12:00');
    await agent.fill(field(CARD, 1, 1, 'startTime'), '11:00');
    await agent.fill(field(CARD, 1, 1, 'endTime'), '13:00');
    // The others days are now days off; Tuesday like Monday.
    expect(await agent.$$(`${CARD} ${EDITOR} li[data-state=off]`)).to.have.length(6);
    await agent.click(`${day(2)} button:has-text("same as")`);
    // Friday evening into Saturday night: until midnight, then from 00:00.
    await agent.click(`${day(5)} button:has-text("+ window")`);
    await agent.fill(field(CARD, 5, 0, 'startTime'), '18:00');
    await agent.fill(field(CARD, 5, 0, 'endTime'), '24:00');
    await agent.click(`${day(6)} button:has-text("+ window")`);
    await agent.fill(field(CARD, 6, 0, 'startTime'), '00:00');
    await agent.fill(field(CARD, 6, 0, 'endTime'), '0200');

    await agent.click(`${CARD} ${EDITOR} button[type=submit]`);
    await waitText(
      agent,
      `${CARD} ${EDITOR} [role=alert]`,
      (t) => t === 'the windows 08:00–12:00 and 11:00–13:00 overlap on Monday',
    );
    expect(await agent.inputValue(field(CARD, 6, 0, 'endTime'))).to.equal('02:00');
    expect(await windowsOf(agent, url, me.id)).to.deep.equal([]);
    await shot(agent, 'availability-workspace-overlap');

    // Monday's second window from 13:00 (Tuesday's copy too): saved, the card sums the week up.
    await agent.fill(field(CARD, 1, 1, 'startTime'), '13:00');
    await agent.fill(field(CARD, 2, 1, 'startTime'), '13:00');
    await agent.fill(field(CARD, 1, 1, 'endTime'), '17:00');
    await agent.fill(field(CARD, 2, 1, 'endTime'), '17:00');
    expect(await agent.$(`${CARD} ${EDITOR} [role=alert]`)).to.equal(null);
    await shot(agent, 'availability-workspace-editor');
    await agent.click(`${CARD} ${EDITOR} button[type=submit]`);
    await agent.waitForSelector(`${CARD} ${EDITOR}`, { state: 'detached' });
    const [mon, tue, fri, sat] = await Promise.all([1, 2, 5, 6].map((d) => weekdayName(agent, d)));
    expect(await text(agent, `${CARD} [data-testid=availability-summary]`)).to.equal(
      `${mon}–${tue} 08:00–12:00 & 13:00–17:00, ${fri} 18:00–24:00, ${sat} 00:00–02:00`,
    );
    expect(await windowsOf(agent, url, me.id)).to.deep.equal([
      { weekday: 1, startTime: '08:00', endTime: '12:00' },
      { weekday: 1, startTime: '13:00', endTime: '17:00' },
      { weekday: 2, startTime: '08:00', endTime: '12:00' },
      { weekday: 2, startTime: '13:00', endTime: '17:00' },
      { weekday: 5, startTime: '18:00', endTime: '24:00' },
      { weekday: 6, startTime: '00:00', endTime: '02:00' },
    ]);
    await shot(agent, 'availability-workspace-summary');

    // Late shifts preferred: saved with the same windows, and in the summary.
    await agent.click(`${CARD} button:has-text("Edit")`);
    await agent.waitForSelector(`${CARD} ${EDITOR} select[name=preference]`);
    expect(await agent.inputValue(`${CARD} ${EDITOR} select[name=preference]`)).to.equal('');
    expect(await agent.isDisabled(`${CARD} ${EDITOR} button[type=submit]`)).to.equal(true);
    await agent.selectOption(`${CARD} ${EDITOR} select[name=preference]`, 'late');
    expect(await agent.isDisabled(`${CARD} ${EDITOR} button[type=submit]`)).to.equal(false);
    await shot(agent, 'availability-workspace-preference');
    await agent.click(`${CARD} ${EDITOR} button[type=submit]`);
    await agent.waitForSelector(`${CARD} ${EDITOR}`, { state: 'detached' });
    await waitText(
      agent,
      `${CARD} [data-testid=availability-summary]`,
      (t) =>
        t === `${mon}–${tue} 08:00–12:00 & 13:00–17:00, ${fri} 18:00–24:00, ${sat} 00:00–02:00 · late shifts preferred`,
    );
    const saved = await apiOf(agent).get(`${url}/api/agents/${me.id}/availability`);
    expect(((await saved.json()) as { preference: unknown }).preference).to.equal('late');
    expect(await windowsOf(agent, url, me.id)).to.have.length(6);
    await shot(agent, 'availability-workspace-summary-preference');

    expect(errors.filter((e) => /status of 400/.test(e))).to.have.length(1);
    expect(unexpected(errors)).to.deep.equal([]);
  });

  it("a supervisor sees a shift outside the agent's availability marked on the Schedule page, and widens the availability from the Agents page: the mark goes", async () => {
    const day = addDays(today, 2);
    const weekday = weekdayOf(day);
    const staff = await newPage();
    const errors = watchErrors(staff);
    await signIn(staff, url, 'supervisor', demoUser('supervisor').password);
    // The agent works mornings that weekday; the shift made by hand runs into the afternoon.
    const put = await apiOf(staff).put(`${url}/api/agents/${me.id}/availability`, {
      data: { windows: [{ weekday, startTime: '08:00', endTime: '12:00' }] },
    });
    expect(put.status(), await put.text()).to.equal(200);
    const shiftId = await addShift(apiOf(staff), url, { agentId: me.id, day, startTime: '10:00', endTime: '14:00' });

    await scheduleOn(staff, url, day);
    const bar = `${scheduleRowOf(me.id)} .shift-bar[data-shift="${shiftId}"]`;
    await staff.waitForSelector(`${bar}[data-outside]`);
    expect(await staff.getAttribute(bar, 'title')).to.equal("10:00–14:00 · outside the agent's availability");
    expect(await text(staff, '[data-testid=schedule-day] .presence-legend')).to.contain('outside availability');
    await shot(staff, 'availability-schedule-day-outside');
    // The week marks it too.
    await staff.click('[data-testid=schedule-view] button:has-text("Week")');
    await staff.waitForSelector(`[data-testid=week-grid] tr[data-agent="${me.id}"] .week-shift[data-outside]`);
    await shot(staff, 'availability-schedule-week-outside');

    // The Agents page: the agent's availability, the afternoon added to that day.
    await staff.click('header nav >> text=Agents');
    await staff.click(`[data-testid=agents] tbody tr:has(td:text-is("${me.name}")) button:has-text("Availability")`);
    const window0 = (name: 'startTime' | 'endTime') => field(STAFF_CARD, weekday, 0, name);
    await staff.waitForSelector(window0('endTime'));
    expect(await staff.inputValue(window0('startTime'))).to.equal('08:00');
    expect(await staff.inputValue(window0('endTime'))).to.equal('12:00');
    expect(await staff.$$(`${STAFF_CARD} ${EDITOR} li[data-state=off]`)).to.have.length(6);
    // The agent's preference (late, stated in the workspace, kept when the windows were replaced), made early.
    const preference = `${STAFF_CARD} ${EDITOR} select[name=preference]`;
    expect(await staff.inputValue(preference)).to.equal('late');
    await staff.fill(window0('endTime'), '18:00');
    await staff.selectOption(preference, 'early');
    await staff.click(`${STAFF_CARD} ${EDITOR} button[type=submit]`);
    const name = await weekdayName(staff, weekday);
    await waitText(
      staff,
      `${STAFF_CARD} [data-testid=availability-saved]`,
      (t) => t === `Saved: ${name} 08:00–18:00 · early shifts preferred.`,
    );
    // The editor starts afresh from what was saved.
    expect(await staff.inputValue(preference)).to.equal('early');
    await shot(staff, 'availability-agent-editor');
    expect(await windowsOf(staff, url, me.id)).to.deep.equal([{ weekday, startTime: '08:00', endTime: '18:00' }]);
    const saved = await apiOf(staff).get(`${url}/api/agents/${me.id}/availability`);
    expect(((await saved.json()) as { preference: unknown }).preference).to.equal('early');

    // Back on the day: the shift inside the availability now, unmarked.
    await scheduleOn(staff, url, day);
    await staff.waitForSelector(bar);
    expect(await staff.getAttribute(bar, 'data-outside')).to.equal(null);
    expect(await staff.getAttribute(bar, 'title')).to.equal('10:00–14:00');
    // Nothing refused here: no error at all.
    expect(realErrors(errors)).to.deep.equal([]);
  });
  it("a supervisor's plan from the forecast marks each shift that met or missed its agent's preference", async () => {
    const { app } = suite.stack();
    const db = app.db;
    // A queue of the supervisor's with three agents of its own: one preferring late shifts, one early ones, and one
    // preferring late shifts but available only in the morning of the day planned.
    const [queueId] = (
      await db('queues').insert({ name: 'prefs', display_name: 'Preferences', wrap_up_s: 0, overflow: '[]' })
    ).map(Number) as [number];
    const [skill] = (await db('skills').insert({ name: 'prefs-skill' })).map(Number) as [number];
    await db('queue_skills').insert({ queue_id: queueId, skill_id: skill, min_level: 1 });
    const supervisor = (await db('users').where({ username: 'supervisor' }).first('id')) as { id: number };
    await db('supervisor_queues').insert({ user_id: supervisor.id, queue_id: queueId });
    const agents: number[] = [];
    for (const name of ['Pref Late', 'Pref Early', 'Pref Mornings']) {
      const [id] = (await db('agents').insert({ name, endpoint: `PJSIP/39${agents.length}` })).map(Number) as [number];
      await db('agent_skills').insert({ agent_id: id, skill_id: skill, level: 1 });
      agents.push(id);
    }
    const [late, early, mornings] = agents as [number, number, number];
    // Its calls from 09:00 to 17:00 on the four same weekdays before, two weeks ahead: 4-hour shifts may go anywhere
    // in that.
    const today = dayIn(Date.now());
    const day = addDays(today, 14);
    const rows = [];
    for (const d of forecastDays(day, today))
      for (let q = 0; q < 32; q++)
        rows.push({
          queue_id: queueId,
          interval_start: new Date(at(d, '09:00:00').getTime() + q * 900_000),
          offered: 16,
          answered: 16,
          answered_in_sl: 16,
          talk_s_sum: 16 * 180,
        });
    await db('report_queue_intervals').insert(rows);

    const staff = await newPage();
    const errors = watchErrors(staff);
    await signIn(staff, url, 'supervisor', demoUser('supervisor').password);
    const state = async (agentId: number, body: object) => {
      const res = await apiOf(staff).put(`${url}/api/agents/${agentId}/availability`, { data: body });
      expect(res.status(), await res.text()).to.equal(200);
    };
    await state(late, { windows: [], preference: 'late' });
    await state(early, { windows: [], preference: 'early' });
    await state(mornings, {
      windows: [{ weekday: weekdayOf(day), startTime: '09:00', endTime: '13:00' }],
      preference: 'late',
    });

    await scheduleOn(staff, url, day);
    await staff.click('[data-testid=plan-forecast]');
    const PLAN = '[data-testid=plan-form]';
    await staff.waitForSelector(`${PLAN} select[name=queueId] option[value="${queueId}"]`, { state: 'attached' });
    await staff.selectOption(`${PLAN} select[name=queueId]`, String(queueId));
    await staff.fill(`${PLAN} input[name=shiftHours]`, '4');
    await staff.click(`${PLAN} button:has-text("Preview")`);
    await staff.waitForSelector('[data-testid=plan-shifts]');
    const row = (agentId: number) => `[data-testid=plan-shifts] tr[data-agent="${agentId}"]`;
    const shown = async (agentId: number) => ({
      hours: (await text(staff, `${row(agentId)} td.period`)).replace(/\s.*$/, ''),
      mark: await text(staff, `${row(agentId)} .preference-mark`),
      met: await staff.getAttribute(`${row(agentId)} .preference-mark`, 'data-met'),
    });
    // The late agent the end of the day, the early one its start; the third late but kept to their morning: missed.
    expect(await shown(late)).to.deep.equal({ hours: '13:00–17:00', mark: '✓ prefers late', met: 'true' });
    expect(await shown(early)).to.deep.equal({ hours: '09:00–13:00', mark: '✓ prefers early', met: 'true' });
    expect(await shown(mornings)).to.deep.equal({ hours: '09:00–13:00', mark: '✗ prefers late', met: 'false' });
    expect(await staff.getAttribute(`${row(mornings)} .preference-mark`, 'title')).to.equal(
      'Prefers late shifts, but this is an early one: what was still short lay there',
    );
    await shot(staff, 'availability-plan-preferences');
    expect(realErrors(errors)).to.deep.equal([]);
  });
});
