import { expect } from 'chai';
import { forecastDays } from '../../src/reports/staffing.js';
import { agentOf, browserSuite, realErrors, shot, signIn, waitText, watchErrors, type AgentOfUser } from './harness.js';
import { addDays, apiOf, at, dayIn, demoUser, hhmm, minutesIn, scheduleRowOf, text } from './support/schedule.js';

const NAV = '[data-testid=schedule-nav]';
const PLAN = '[data-testid=plan-form]';

/** Errors the tests provoke on purpose: a day lived refused (400). */
const unexpected = (errors: string[]) => realErrors(errors).filter((e) => !/status of 400/.test(e));

interface Plan {
  shifts: {
    agentId: number;
    agentName: string;
    startTime: string;
    endTime: string;
    activities: { kind: string; startTime: string; endTime: string }[];
  }[];
  coverage: { period: string; needed: number; before: number; after: number }[];
  shortIntervals: number;
  created: unknown[] | null;
  skipped: { agentId: number; reason: string }[];
}

describe('the schedule in a browser: plan from forecast, the break reminder', function () {
  this.timeout(180_000);
  const { newPage, ...suite } = browserSuite();
  let url: string;
  let me: AgentOfUser;

  before(async () => {
    const { app } = suite.stack();
    url = app.url;
    me = await agentOf(app, 'agent');
  });

  it("a supervisor previews a queue's day planned from its forecast (shifts, cover, intervals still short), then applies it", async () => {
    const { app } = suite.stack();
    const db = app.db;
    // A queue of the supervisor's whose calls need an extra skill: only the seven agents given it can be planned.
    const [queueId] = (
      await db('queues').insert({ name: 'plan', display_name: 'Planned', wrap_up_s: 0, overflow: '[]' })
    ).map(Number) as [number];
    const [otherId] = (
      await db('queues').insert({ name: 'plan-other', display_name: 'Not mine', wrap_up_s: 0, overflow: '[]' })
    ).map(Number) as [number];
    const [skill] = (await db('skills').insert({ name: 'plan-skill' })).map(Number) as [number];
    await db('queue_skills').insert({ queue_id: queueId, skill_id: skill, min_level: 1 });
    const supervisor = (await db('users').where({ username: 'supervisor' }).first('id')) as { id: number };
    await db('supervisor_queues').insert({ user_id: supervisor.id, queue_id: queueId });
    const agents: number[] = [];
    for (let k = 0; k < 7; k++) {
      const [id] = (await db('agents').insert({ name: `Plan ${'ABCDEFG'[k]}`, endpoint: `PJSIP/38${k}` })).map(
        Number,
      ) as [number];
      await db('agent_skills').insert({ agent_id: id, skill_id: skill, level: 1 });
      agents.push(id);
    }
    // The day planned, two weeks ahead; its forecast the four same weekdays lived before today: 16 calls of 180 s a
    // quarter hour from 09:00 to 17:00, 6 more in the hour from 11:00.
    const today = dayIn(Date.now());
    const day = addDays(today, 14);
    const rows = [];
    for (const d of forecastDays(day, today))
      for (let q = 0; q < 32; q++) {
        const offered = q >= 8 && q < 12 ? 22 : 16;
        rows.push({
          queue_id: queueId,
          interval_start: new Date(at(d, '09:00:00').getTime() + q * 900_000),
          offered,
          answered: offered,
          answered_in_sl: offered,
          talk_s_sum: offered * 180,
        });
      }
    await db('report_queue_intervals').insert(rows);

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, url, 'supervisor', demoUser('supervisor').password);
    await page.goto(`${url}/#/admin/schedule`);
    await page.waitForSelector('[data-testid=schedule-day]');
    await page.fill(`${NAV} input[name=day]`, day);
    await page.waitForSelector(`[data-testid=schedule-day][data-day="${day}"]`);
    await page.click('[data-testid=plan-forecast]');
    await page.waitForSelector(`${PLAN} select[name=queueId] option[value="${queueId}"]`, { state: 'attached' });
    // The supervisor's queues only; the shown day; the staffing report's targets.
    const queues = (await page.evaluate(
      `[...document.querySelectorAll('${PLAN} select[name=queueId] option')].map((o) => o.value)`,
    )) as string[];
    expect(queues).to.include(String(queueId)).and.not.include(String(otherId));
    expect(await page.inputValue(`${PLAN} input[name=day]`)).to.equal(day);
    expect(await page.inputValue(`${PLAN} input[name=shiftHours]`)).to.equal('8');
    expect(await page.inputValue(`${PLAN} input[name=serviceLevelPct]`)).to.equal('80');
    expect(await page.inputValue(`${PLAN} input[name=targetSeconds]`)).to.equal('20');
    await page.selectOption(`${PLAN} select[name=queueId]`, String(queueId));

    // A day lived: the server's 400, in the form.
    await page.fill(`${PLAN} input[name=day]`, addDays(today, -3));
    await page.click(`${PLAN} button:has-text("Preview")`);
    await waitText(page, `${PLAN} [role=alert]`, (t) => t.includes('has been lived'));
    expect(await page.$('[data-testid=plan-apply]')).to.equal(null);
    await page.fill(`${PLAN} input[name=day]`, day);

    await page.click(`${PLAN} button:has-text("Preview")`);
    await page.waitForSelector('[data-testid=plan-preview]');
    expect(await page.$(`${PLAN} [role=alert]`)).to.equal(null);
    // What the page shows is the server's plan: the same body asked for directly.
    const res = await apiOf(page).post(`${url}/api/shifts/plan`, { data: { day, queueId } });
    expect(res.status(), await res.text()).to.equal(200);
    const plan = (await res.json()) as Plan;
    expect(plan.shifts.length).to.be.within(5, 7);
    expect(plan.shortIntervals).to.be.above(0);
    const summary = await text(page, '[data-testid=plan-summary]');
    expect(summary).to.equal(
      `Planned · forecast · ${plan.shifts.length} shifts of 8 h proposed · ${plan.shortIntervals} intervals still short`,
    );
    const listed = (await page.evaluate(
      `[...document.querySelectorAll('[data-testid=plan-shifts] tbody tr')].map((r) => [...r.cells].map((c) => c.textContent.trim()))`,
    )) as string[][];
    expect(listed).to.deep.equal(
      plan.shifts.map((s) => [
        s.agentName,
        `${s.startTime}–${s.endTime}`,
        s.activities.map((a) => `${a.kind} ${a.startTime}–${a.endTime}`).join(' · '),
      ]),
    );
    expect(listed[0]![2]).to.match(/^break \S+ · lunch \S+ · break \S+$/);
    // The cover: a chart, and the intervals needing agents to unfold, those still short marked.
    expect(await page.$$('[data-testid=plan-chart] canvas')).to.not.be.empty;
    const legend = await text(page, '[data-testid=plan-chart] .u-legend');
    for (const l of ['Still short', 'With the plan', 'Scheduled before', 'Needed']) expect(legend).to.contain(l);
    await page.click('[data-testid=plan-intervals] summary');
    const intervals = (await page.evaluate(
      `[...document.querySelectorAll('[data-testid=plan-intervals] tbody tr')].map((r) => ({
        period: r.dataset.period, short: r.classList.contains('short'), cells: [...r.cells].slice(1).map((c) => c.textContent.trim()) }))`,
    )) as { period: string; short: boolean; cells: string[] }[];
    const needing = plan.coverage.filter((c) => c.needed > 0);
    expect(intervals.map((i) => i.period)).to.deep.equal(needing.map((c) => c.period));
    expect(intervals[0]!.period).to.equal('09:00');
    expect(intervals.filter((i) => i.short)).to.have.length(plan.shortIntervals);
    const peak = needing.findIndex((c) => c.period === '11:00');
    expect(intervals[peak]!.cells).to.deep.equal([String(needing[peak]!.needed), '0', String(needing[peak]!.after)]);
    await shot(page, 'schedule-plan-preview');

    // A changed form is a new question: Apply waits for its preview.
    await page.fill(`${PLAN} input[name=shiftHours]`, '6');
    expect(await page.$('[data-testid=plan-apply]')).to.equal(null);
    expect(await page.$('[data-testid=plan-preview]')).to.equal(null);
    await page.fill(`${PLAN} input[name=shiftHours]`, '8');
    await page.click(`${PLAN} button:has-text("Preview")`);
    await page.waitForSelector('[data-testid=plan-apply]');
    expect(await text(page, '[data-testid=plan-apply]')).to.equal(`Apply: make ${plan.shifts.length} shifts`);

    // Made as drafts unless unticked: a day ahead being planned is for supervisors' eyes until published.
    expect(await page.isChecked('[data-testid=plan-draft]')).to.equal(true);
    const applied = page.waitForResponse(
      (r) => r.url().endsWith('/api/shifts/plan') && r.request().method() === 'POST',
    );
    await page.click('[data-testid=plan-apply]');
    expect((await (await applied).request().postDataJSON()) as { apply?: boolean; draft?: boolean }).to.deep.include({
      apply: true,
      draft: true,
    });
    const result = await waitText(page, '[data-testid=plan-result]', (t) => t.includes('Made'));
    expect(result).to.match(
      new RegExp(
        `^Made ${plan.shifts.length} shifts for Planned on .+ 2\\d{3}\\. ${plan.shortIntervals} intervals still short\\. ` +
          'They are drafts: their agents see them once published\\.',
      ),
    );
    expect(await page.$(PLAN)).to.equal(null);
    expect(await page.$('[data-testid=plan-skipped]')).to.equal(null);
    // The day reloaded: a row per shift made, as planned.
    for (const s of plan.shifts) {
      await page.waitForSelector(`${scheduleRowOf(s.agentId)} .shift-bar[data-draft]`);
      expect(await text(page, `${scheduleRowOf(s.agentId)} [data-testid=shift-summary]`)).to.match(
        new RegExp(`^${s.startTime}–${s.endTime} · .+ · draft$`),
      );
    }
    const made = (await db('shifts').whereIn('agent_id', agents).where({ day }).select('agent_id', 'published_at')) as {
      agent_id: number;
      published_at: unknown;
    }[];
    expect(made.map((m) => Number(m.agent_id)).sort()).to.deep.equal(plan.shifts.map((s) => s.agentId).sort());
    expect(made.filter((m) => m.published_at !== null)).to.deep.equal([]);
    await waitText(page, '[data-testid=drafts-count]', (t) => t === `${plan.shifts.length} drafts on this day`);
    await shot(page, 'schedule-plan-applied');

    // Again: the agents planned have their shift; whoever is left is proposed, or nobody.
    await page.click('[data-testid=plan-forecast]');
    expect(await page.$('[data-testid=plan-result]')).to.not.equal(null);
    await page.selectOption(`${PLAN} select[name=queueId]`, String(queueId));
    await page.click(`${PLAN} button:has-text("Preview")`);
    await page.waitForSelector('[data-testid=plan-preview]');
    const left = agents.length - plan.shifts.length;
    const again = await text(page, '[data-testid=plan-summary]');
    if (left === 0) {
      expect(again).to.contain('0 shifts of 8 h proposed');
      expect(await text(page, '[data-testid=plan-none]')).to.contain("None of the queue's agents");
      expect(await page.isDisabled('[data-testid=plan-apply]')).to.equal(true);
    } else expect(again).to.not.contain(` ${plan.shifts.length} shifts`);
    await page.click(`${PLAN} button:has-text("Cancel")`);
    expect(await page.$(PLAN)).to.equal(null);

    // One refused as the shifts are made (another supervisor gave the agent a shift meanwhile): named with why.
    await page.route('**/api/shifts/plan', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as Plan;
      const first = plan.shifts[0]!;
      await route.fulfill({
        response,
        json: {
          ...body,
          shifts: [first],
          created: [],
          skipped: [{ agentId: first.agentId, reason: "it overlaps the agent's shift 09:00–17:00" }],
        },
      });
    });
    await page.click('[data-testid=plan-forecast]');
    await page.selectOption(`${PLAN} select[name=queueId]`, String(queueId));
    await page.click(`${PLAN} button:has-text("Preview")`);
    await page.click('[data-testid=plan-apply]');
    await waitText(page, '[data-testid=plan-result]', (t) => t.startsWith('Made 0 shifts'));
    expect(await text(page, '[data-testid=plan-result]')).to.contain('; skipped 1:');
    expect(await text(page, '[data-testid=plan-skipped]')).to.equal(
      `${plan.shifts[0]!.agentName}: it overlaps the agent's shift 09:00–17:00`,
    );
    await page.unroute('**/api/shifts/plan');
    await page.click('[data-testid=plan-result] button:has-text("Dismiss")');
    expect(await page.$('[data-testid=plan-result]')).to.equal(null);
    expect(errors.filter((e) => /status of 400/.test(e))).to.have.length(1);
    expect(unexpected(errors)).to.deep.equal([]);
  });

  it('the workspace reminds the agent when a scheduled lunch begins, and pauses them for it', async () => {
    const { app } = suite.stack();
    // The demo's rota off the agent's days: only the shift below.
    const seeded = (await app.db('shifts').where({ agent_id: me.id }).pluck('id')) as number[];
    await app.db('shift_activities').whereIn('shift_id', seeded).delete();
    await app.db('shifts').whereIn('id', seeded).delete();
    // A shift begun half an hour ago (or at midnight), its lunch begun a minute ago for 45 minutes.
    const now = Date.now();
    const today = dayIn(now);
    const minutes = minutesIn(now);
    const start = Math.max(0, minutes - 30);
    const lunch = Math.max(start, minutes - 1);
    const [lunchFrom, lunchTo] = [hhmm(lunch), hhmm(lunch + 45)];
    const staff = await newPage();
    const staffErrors = watchErrors(staff);
    await signIn(staff, url, 'supervisor', demoUser('supervisor').password);
    const added = await apiOf(staff).post(`${url}/api/shifts`, {
      data: {
        agentId: me.id,
        day: today,
        startTime: hhmm(start),
        endTime: hhmm(start + 180),
        activities: [{ kind: 'lunch', startTime: lunchFrom, endTime: lunchTo }],
      },
    });
    expect(added.status(), await added.text()).to.equal(201);
    const lunchStart = Date.parse(((await added.json()) as { activities: { start: string }[] }).activities[0]!.start);

    // The browser's clock a minute before the lunch: nothing to say yet.
    const page = await newPage();
    const errors = watchErrors(page);
    await page.clock.install({ time: lunchStart - 60_000 });
    await signIn(page, url, 'agent', demoUser('agent').password);
    // The shift read (listed under today, or under tomorrow should the browser's minute back cross midnight).
    await waitText(page, '[data-testid=my-schedule]', (t) => t.includes(`${hhmm(start)}–${hhmm(start + 180)}`));
    await page.click('[data-testid=presence] button:has-text("Log in")');
    await page.waitForSelector('[data-testid=presence] .badge.state-available');
    expect(await page.$('[data-testid=break-reminder]')).to.equal(null);

    // The lunch begins: at the next look (every 15 s), the notice.
    await page.clock.fastForward(75_000);
    const notice = await waitText(page, '[data-testid=break-reminder]', (t) => t.includes('lunch'));
    expect(notice).to.equal(`Your lunch is scheduled now (${lunchFrom}–${lunchTo}).Pause: lunchDismiss`);
    await shot(page, 'schedule-break-reminder');
    // Dismissed: gone (for this page; opened again, the lunch is still on and the notice is back).
    await page.click('[data-testid=break-reminder] button:has-text("Dismiss")');
    expect(await page.$('[data-testid=break-reminder]')).to.equal(null);
    await page.reload();
    await page.waitForSelector('[data-testid=break-reminder]');

    // Its button pauses with the reason named as the activity; paused, the notice goes and does not come back.
    await page.click('[data-testid=break-reminder] button:has-text("Pause: lunch")');
    await page.waitForSelector('[data-testid=presence] .badge.state-paused');
    expect(await page.$('[data-testid=break-reminder]')).to.equal(null);
    expect((await agentOf(app, 'agent')).pauseReason).to.equal('lunch');
    await page.click('[data-testid=presence] button:has-text("Available")');
    await page.waitForSelector('[data-testid=presence] .badge.state-available');
    await page.clock.fastForward(20_000);
    await page.waitForTimeout(300);
    expect(await page.$('[data-testid=break-reminder]')).to.equal(null);
    await page.click('[data-testid=presence] button:has-text("Log out")');
    await page.waitForSelector('[data-testid=presence] .badge.state-logged_out');
    expect(realErrors(errors)).to.deep.equal([]);
    expect(realErrors(staffErrors)).to.deep.equal([]);
  });
});
