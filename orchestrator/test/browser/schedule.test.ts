import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { agentOf, browserSuite, realErrors, shot, signIn, waitText, watchErrors, type AgentOfUser } from './harness.js';
import {
  addDays,
  addShift,
  apiOf,
  at,
  dayIn,
  demoUser,
  otherAgents,
  hhmm,
  scheduleRowOf,
  text,
  ZONE,
} from './support/schedule.js';

/** A day long past (a Monday): a day lived, whose adherence and staffing nothing else touches. */
const DAY = '2025-03-10';

const NAV = '[data-testid=schedule-nav]';
const FORM = '[data-testid=shift-form]';

/** Errors the tests provoke on purpose: a shift refused (400) or overlapping another (409). */
const unexpected = (errors: string[]) => realErrors(errors).filter((e) => !/status of (400|409)/.test(e));

/** The schedule's day picker to `day`, then the day's card drawn for it. */
async function showDay(page: Page, day: string): Promise<void> {
  await page.fill(`${NAV} input[name=day]`, day);
  await page.waitForSelector(`[data-testid=schedule-day][data-day="${day}"]`);
}

async function addActivity(page: Page, kind: string, from: string, to: string): Promise<void> {
  await page.click(`${FORM} [data-testid=add-activity]`);
  const last = `${FORM} .activity-row:last-of-type`;
  await page.selectOption(`${last} select[name=activityKind]`, kind);
  await page.fill(`${last} input[name=activityStart]`, from);
  await page.fill(`${last} input[name=activityEnd]`, to);
}

interface DrawnShift {
  left: number;
  width: number;
  cls: string;
  title: string;
  acts: { kind: string; left: number; width: number }[];
}

/** An agent's shift bars as drawn: where they sit on the day (percent) and their activities within them. */
async function barsOf(page: Page, agentId: number): Promise<DrawnShift[]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('${scheduleRowOf(agentId)} .shift-bar')].map((b) => ({
      left: parseFloat(b.style.left), width: parseFloat(b.style.width), cls: b.className, title: b.title,
      acts: [...b.querySelectorAll('.shift-act')].map((a) => ({
        kind: a.dataset.kind, left: parseFloat(a.style.left), width: parseFloat(a.style.width) })) }))`,
  )) as DrawnShift[];
}

interface ListedShift {
  id: number;
  note: string | null;
  activities: { kind: string }[];
}

/** An agent's shifts starting on `day`, as the API lists them. */
async function shiftsOn(page: Page, url: string, day: string, agentId: number): Promise<ListedShift[]> {
  const res = await apiOf(page).get(`${url}/api/shifts?from=${day}&to=${day}&agentId=${agentId}`);
  expect(res.status(), await res.text()).to.equal(200);
  return ((await res.json()) as { shifts: ListedShift[] }).shifts;
}

describe('the schedule in a browser (shifts, adherence, My schedule, staffing)', function () {
  this.timeout(180_000);
  const { newPage, ...suite } = browserSuite();
  let url: string;
  /** The demo `agent` user's agent (the workspace), and two other agents. */
  let me: AgentOfUser;
  const other = [
    { id: 0, name: '' },
    { id: 0, name: '' },
  ];
  /** Ten days ahead: outside the workspace's week, so its card starts empty. */
  let ahead: string;

  before(async () => {
    const { app } = suite.stack();
    url = app.url;
    me = await agentOf(app, 'agent');
    (await otherAgents(app, me.id, 2)).forEach((r, i) => Object.assign(other[i]!, r));
    ahead = addDays(dayIn(Date.now()), 10);
  });

  it('a supervisor adds a shift with a break and lunch through the form, drawn on the day; overlaps and bad activities are refused in the form', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, url, 'supervisor', demoUser('supervisor').password);
    const todayBefore = dayIn(Date.now());
    await page.click('header nav >> text=Schedule');
    await page.waitForSelector('[data-testid=schedule-day]');
    // Today on the contact center's clock, not the browser's: the demo's rota, nobody logged in yet.
    expect([todayBefore, dayIn(Date.now())]).to.include(await page.inputValue(`${NAV} input[name=day]`));
    await shot(page, 'schedule-rota');
    // The nav with Schedule in it still fits a supervisor's pages on one line at 1400 px.
    expect(await page.evaluate(`document.querySelector('header.topbar').getBoundingClientRect().height`)).to.be.below(
      60,
    );

    await showDay(page, ahead);
    expect(await text(page, '[data-testid=schedule-empty]')).to.contain('Nobody is scheduled on this day.');
    // Nothing to adhere to on a day ahead.
    expect(await page.$('[data-testid=adherence]')).to.equal(null);

    await page.click('[data-testid=add-shift]');
    expect(await text(page, `${FORM} h2`)).to.equal('Add a shift');
    expect(await page.inputValue(`${FORM} input[name=day]`)).to.equal(ahead);
    await page.selectOption(`${FORM} select[name=agentId]`, String(me.id));
    await page.fill(`${FORM} input[name=startTime]`, '09:00');
    await page.fill(`${FORM} input[name=endTime]`, '17:00');
    await page.fill(`${FORM} input[name=note]`, 'opening');
    await addActivity(page, 'break', '10:30', '10:45');
    await addActivity(page, 'lunch', '12:00', '12:30');
    await shot(page, 'schedule-form');
    await page.click(`${FORM} button[type=submit]`);
    await page.waitForSelector(`${scheduleRowOf(me.id)} .shift-bar`);
    expect(await page.$(FORM)).to.equal(null);

    // 09:00–17:00 is 9/24 to 17/24 of the day; the break and lunch sit within it.
    const [bar, ...more] = await barsOf(page, me.id);
    expect(more).to.deep.equal([]);
    expect(bar!.left).to.be.closeTo(37.5, 0.01);
    expect(bar!.width).to.be.closeTo(33.333, 0.01);
    expect(bar!.title).to.equal('09:00–17:00 · break 10:30–10:45 · lunch 12:00–12:30 · opening');
    expect(bar!.acts.map((a) => a.kind)).to.deep.equal(['break', 'lunch']);
    expect(bar!.acts[0]!.left).to.be.closeTo(18.75, 0.01); // 1 h 30 of 8 h
    expect(bar!.acts[0]!.width).to.be.closeTo(3.125, 0.01); // 15 min of 8 h
    expect(bar!.acts[1]!.left).to.be.closeTo(37.5, 0.01);
    expect(await text(page, `${scheduleRowOf(me.id)} [data-testid=shift-summary]`)).to.equal(
      '09:00–17:00 · 7:15 on the phones',
    );
    const legend = await text(page, '[data-testid=schedule-day] .presence-legend');
    for (const k of ['on the phones', 'break', 'lunch', 'meeting', 'training', 'offline']) expect(legend).to.contain(k);
    const saved = await shiftsOn(page, url, ahead, me.id);
    expect(saved.map((x) => [x.note, x.activities.map((y) => y.kind)])).to.deep.equal([
      ['opening', ['break', 'lunch']],
    ]);
    await shot(page, 'schedule-day');

    // Another shift for the same agent overlapping it: the server's 409, in the form, which stays open.
    await page.click('[data-testid=add-shift]');
    await page.selectOption(`${FORM} select[name=agentId]`, String(me.id));
    await page.fill(`${FORM} input[name=startTime]`, '16:00');
    await page.fill(`${FORM} input[name=endTime]`, '20:00');
    await page.click(`${FORM} button[type=submit]`);
    await waitText(page, `${FORM} [role=alert]`, (t) => t.includes("overlaps the agent's shift 09:00–17:00"));
    await shot(page, 'schedule-form-conflict');
    // A break outside the shift: the 400's reason, in the form.
    await page.fill(`${FORM} input[name=startTime]`, '17:00');
    await addActivity(page, 'break', '21:00', '21:15');
    await page.click(`${FORM} button[type=submit]`);
    await waitText(page, `${FORM} [role=alert]`, (t) => t.includes('is not inside the shift'));
    await page.click(`${FORM} button:has-text("Cancel")`);
    expect(await page.$(FORM)).to.equal(null);
    expect(await shiftsOn(page, url, ahead, me.id)).to.have.length(1);
    expect(errors.filter((e) => /status of 409/.test(e))).to.have.length(1);
    expect(errors.filter((e) => /status of 400/.test(e))).to.have.length(1);
    expect(unexpected(errors)).to.deep.equal([]);
  });

  it('a click on the shift opens it in the form: edited with PUT, then deleted', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, url, 'supervisor', demoUser('supervisor').password);
    await page.goto(`${url}/#/admin/schedule`);
    await page.waitForSelector('[data-testid=schedule-day]');
    await showDay(page, ahead);
    await page.click(`${scheduleRowOf(me.id)} .shift-bar`);
    expect(await text(page, `${FORM} h2`)).to.equal('Edit shift');
    expect(await page.inputValue(`${FORM} select[name=agentId]`)).to.equal(String(me.id));
    expect(await page.inputValue(`${FORM} input[name=startTime]`)).to.equal('09:00');
    expect(await page.inputValue(`${FORM} input[name=endTime]`)).to.equal('17:00');
    expect(await page.inputValue(`${FORM} input[name=note]`)).to.equal('opening');
    expect(await page.$$(`${FORM} .activity-row`)).to.have.length(2);

    // An hour longer, no lunch, no note.
    await page.fill(`${FORM} input[name=endTime]`, '18:00');
    await page.click(`${FORM} button[aria-label="Remove activity 2"]`);
    await page.fill(`${FORM} input[name=note]`, '');
    const put = page.waitForResponse((r) => r.request().method() === 'PUT' && /\/api\/shifts\/\d+$/.test(r.url()));
    await page.click(`${FORM} button[type=submit]`);
    expect((await put).status()).to.equal(200);
    await waitText(
      page,
      `${scheduleRowOf(me.id)} [data-testid=shift-summary]`,
      (t) => t === '09:00–18:00 · 8:45 on the phones',
    );
    const [bar] = await barsOf(page, me.id);
    expect(bar!.title).to.equal('09:00–18:00 · break 10:30–10:45');
    expect(bar!.acts.map((a) => a.kind)).to.deep.equal(['break']);
    expect((await shiftsOn(page, url, ahead, me.id)).map((x) => x.note)).to.deep.equal([null]);

    await page.click(`${scheduleRowOf(me.id)} .shift-bar`);
    page.once('dialog', (d) => void d.accept());
    await page.click(`${FORM} button:has-text("Delete shift")`);
    await page.waitForSelector('[data-testid=schedule-empty]');
    expect(await page.$(FORM)).to.equal(null);
    expect(await shiftsOn(page, url, ahead, me.id)).to.deep.equal([]);
    expect(unexpected(errors)).to.deep.equal([]);
  });

  it('copies a week a week on, reporting the shifts copied and those skipped as overlapping', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, url, 'supervisor', demoUser('supervisor').password);
    const api = apiOf(page);
    const [a, b] = other as [{ id: number; name: string }, { id: number; name: string }];
    await addShift(api, url, { agentId: a.id, day: ahead, startTime: '09:00', endTime: '17:00' });
    // A night shift two days on, and a shift already where A's would be copied to (so it is skipped).
    await addShift(api, url, { agentId: b.id, day: addDays(ahead, 2), startTime: '22:00', endTime: '06:00' });
    await addShift(api, url, { agentId: a.id, day: addDays(ahead, 7), startTime: '08:00', endTime: '10:00' });

    await page.goto(`${url}/#/admin/schedule`);
    await page.waitForSelector('[data-testid=schedule-day]');
    await showDay(page, ahead);
    // The form says what goes where; the copies are drafts unless unticked (the week after is still being planned).
    await page.click('[data-testid=copy-week]');
    expect(await text(page, '[data-testid=copy-what]')).to.match(
      /^Every shift from .+ to .+, to the same days a week on: .+ to .+\. A shift that would overlap one already there is skipped\.$/,
    );
    expect(await page.isChecked('[data-testid=copy-draft]')).to.equal(true);
    await shot(page, 'schedule-copy-form');
    const posted = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/shifts/copy'));
    await page.click('[data-testid=copy-form] button[type=submit]');
    expect(((await posted).postDataJSON() as { draft?: boolean }).draft).to.equal(true);
    const result = await waitText(page, '[data-testid=copy-result]', (t) => t.includes('Copied'));
    expect(await page.$('[data-testid=copy-form]')).to.equal(null);
    expect(result).to.match(/^Copied 1 draft shift to .+; skipped 1 that would overlap:/);
    expect(await text(page, '[data-testid=copy-skipped]')).to.match(
      new RegExp(`^${a.name} on .+: it overlaps the agent's shift 08:00–10:00`),
    );
    await shot(page, 'schedule-copied');

    // The week after: A's own shift only; B's night shift copied, cut at midnight and going on the next morning.
    await page.click('[data-testid=copy-result] button:has-text("Show")');
    await page.waitForSelector(`[data-testid=schedule-day][data-day="${addDays(ahead, 7)}"]`);
    expect((await barsOf(page, a.id)).map((s) => s.title)).to.deep.equal(['08:00–10:00']);
    await showDay(page, addDays(ahead, 9));
    const [night] = await barsOf(page, b.id);
    expect(night!.left).to.be.closeTo((22 / 24) * 100, 0.01);
    expect(night!.cls).to.contain('continues');
    // Copied as a draft: marked so, and counted to publish.
    expect(night!.cls).to.contain('draft');
    expect(night!.title).to.equal('22:00–06:00 · draft, not published');
    expect(await text(page, '[data-testid=drafts-count]')).to.equal('1 draft on this day');
    await showDay(page, addDays(ahead, 10));
    const [morning] = await barsOf(page, b.id);
    expect(morning!.left).to.equal(0);
    expect(morning!.width).to.be.closeTo(25, 0.01);
    expect(morning!.cls).to.contain('from-before');
    expect(await text(page, `${scheduleRowOf(b.id)} [data-testid=shift-summary]`)).to.match(
      /^from .+ 22:00–06:00 · 8:00 on the phones · draft$/,
    );
    // The night shift is the day before's: nothing to publish on this one.
    expect(await page.$('[data-testid=drafts-bar]')).to.equal(null);
    expect(unexpected(errors)).to.deep.equal([]);
  });

  it("a day lived: each agent's adherence to the shift, the time ready on the phones, unscheduled time, the exceptions", async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, url, 'supervisor', demoUser('supervisor').password);
    const api = apiOf(page);
    const [a, b] = other as [{ id: number; name: string }, { id: number; name: string }];
    // A: 09:00–17:00 with lunch 12:00–13:00; logged in ten minutes late, lunch taken as planned, gone an hour early.
    await addShift(api, url, {
      agentId: a.id,
      day: DAY,
      startTime: '09:00',
      endTime: '17:00',
      activities: [{ kind: 'lunch', startTime: '12:00', endTime: '13:00' }],
    });
    const span = (agentId: number, from: string, to: string, reason: string | null = null) => ({
      agent_id: agentId,
      state: reason === null ? 'ready' : 'paused',
      reason,
      started_at: at(DAY, from),
      ended_at: at(DAY, to),
    });
    // B: no shift, half an hour logged in in the evening.
    await app
      .db('agent_presence')
      .insert([
        span(a.id, '09:10:00', '12:00:00'),
        span(a.id, '12:00:00', '13:00:00', 'lunch'),
        span(a.id, '13:00:00', '16:00:00'),
        span(b.id, '18:00:00', '18:30:00'),
      ]);

    await page.goto(`${url}/#/admin/schedule`);
    await page.waitForSelector('[data-testid=schedule-day]');
    await showDay(page, DAY);
    const adherenceOf = (id: number) => `${scheduleRowOf(id)} [data-testid=adherence]`;
    await page.waitForSelector(adherenceOf(a.id));
    // 8 h scheduled, 1 h 10 out of it: 6 h 50 of 8 h; ready 5 h 50 of the 7 h on the phones.
    expect(await text(page, `${adherenceOf(a.id)} [data-testid=adherence-pct]`)).to.equal('85.4%');
    expect(await text(page, `${adherenceOf(a.id)} [data-testid=adherence-phone]`)).to.equal(
      'ready 5:50 of 7:00 on the phones',
    );
    // Never logged in off shift: not said.
    expect(await page.$(`${adherenceOf(a.id)} [data-testid=adherence-unscheduled]`)).to.equal(null);
    expect(await text(page, `${adherenceOf(a.id)} .adherence-figures`)).to.equal(
      '85.4% in adherence · ready 5:50 of 7:00 on the phones',
    );
    // A day lived has no live badge.
    expect(await page.$('[data-testid=adherence-live]')).to.equal(null);
    await page.click(`${adherenceOf(a.id)} [data-testid=adherence-exceptions] summary`);
    expect(await text(page, `${adherenceOf(a.id)} [data-testid=adherence-exceptions] summary`)).to.equal(
      '2 exceptions',
    );
    const exceptions = (await page.evaluate(
      `[...document.querySelectorAll('${adherenceOf(a.id)} [data-testid=adherence-exceptions] li')].map((l) => l.textContent.trim())`,
    )) as string[];
    expect(exceptions).to.deep.equal([
      '09:00–09:10 (10 min): scheduled on the phones, was logged out',
      '16:00–17:00 (1 h): scheduled on the phones, was logged out',
    ]);
    // B: logged in off any shift, so listed without a bar.
    expect(await text(page, `${scheduleRowOf(b.id)} [data-testid=shift-summary]`)).to.equal('not scheduled');
    expect(await page.$(`${adherenceOf(b.id)} [data-testid=adherence-pct]`)).to.equal(null);
    expect(await text(page, `${adherenceOf(b.id)} [data-testid=adherence-unscheduled]`)).to.equal(
      '0:30 logged in off shift',
    );
    // The scheduled agent first.
    const order = (await page.evaluate(
      `[...document.querySelectorAll('[data-testid=schedule] .presence-row')].map((r) => Number(r.dataset.agent))`,
    )) as number[];
    expect(order).to.deep.equal([a.id, b.id]);
    expect(await text(page, '[data-testid=adherence-total]')).to.equal('· adherence 85.4%');
    await shot(page, 'schedule-adherence');
    expect(unexpected(errors)).to.deep.equal([]);
  });

  it("today: the agent's My schedule card lists their shifts; logged in during the shift they are in adherence, paused out of it", async () => {
    const { app } = suite.stack();
    // The demo's rota has the agent on some days of the week: off it, so the card starts empty.
    const seeded = (await app.db('shifts').where({ agent_id: me.id }).pluck('id')) as number[];
    await app.db('shift_activities').whereIn('shift_id', seeded).delete();
    await app.db('shifts').whereIn('id', seeded).delete();
    const agentPage = await newPage();
    const errors = watchErrors(agentPage);
    await signIn(agentPage, url, 'agent', demoUser('agent').password);
    await agentPage.waitForSelector('[data-testid=presence] .badge.state-logged_out');
    await waitText(agentPage, '[data-testid=my-schedule]', (t) => t.includes('No shift scheduled.'));

    // A shift begun half an hour ago (or at midnight) for three hours, and one in two days.
    const page = await newPage();
    const staffErrors = watchErrors(page);
    await signIn(page, url, 'supervisor', demoUser('supervisor').password);
    const api = apiOf(page);
    const now = Date.now();
    const today = dayIn(now);
    const clock = new Intl.DateTimeFormat('en-GB', {
      timeZone: ZONE,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(now);
    const minutes = Math.max(0, Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5)) - 30);
    const [start, end] = [hhmm(minutes), hhmm(minutes + 180)];
    await addShift(api, url, { agentId: me.id, day: today, startTime: start, endTime: end });
    await addShift(api, url, {
      agentId: me.id,
      day: addDays(today, 2),
      startTime: '10:00',
      endTime: '14:00',
      activities: [{ kind: 'training', startTime: '10:00', endTime: '11:00' }],
    });

    await agentPage.reload();
    await waitText(agentPage, '[data-testid=my-schedule-today]', (t) => t.includes(`${start}–${end}`));
    expect(await text(agentPage, `[data-testid=my-schedule] li[data-day="${addDays(today, 2)}"]`)).to.contain(
      '10:00–14:00',
    );
    expect(await agentPage.$('[data-testid=my-schedule-none]')).to.equal(null);
    // Under My day, beside the presence card, inside the window.
    const box = (await agentPage.evaluate(
      `(() => { const r = (s) => document.querySelector(s).getBoundingClientRect();
        const p = r('[data-testid=presence]'), d = r('[data-testid=my-day]'), s = r('[data-testid=my-schedule]');
        return { besides: s.left >= p.right, under: s.top >= d.bottom, aligned: Math.abs(s.left - d.left) < 1,
                 inside: s.right <= window.innerWidth }; })()`,
    )) as Record<string, boolean>;
    expect(box).to.deep.equal({ besides: true, under: true, aligned: true, inside: true });
    await agentPage.click('[data-testid=presence] button:has-text("Log in")');
    await agentPage.waitForSelector('[data-testid=presence] .badge.state-available');
    await shot(agentPage, 'schedule-my-schedule');

    // The supervisor sees today live: in adherence, with a figure for the shift so far.
    await page.goto(`${url}/#/admin/schedule`);
    await page.waitForSelector(`[data-testid=schedule-day][data-day="${today}"]`);
    const live = `${scheduleRowOf(me.id)} [data-testid=adherence-live]`;
    await waitText(page, live, (t) => t === 'In adherence');
    expect(await text(page, `${scheduleRowOf(me.id)} [data-testid=adherence-pct]`)).to.match(/^\d+(\.\d)?%$/);
    expect(await page.$$(`${scheduleRowOf(me.id)} .presence-now`)).to.have.length(1);
    expect(await text(page, '[data-testid=schedule-range]')).to.contain('today');
    await shot(page, 'schedule-today');

    // Paused while due on the phones: out of adherence, saying why.
    await agentPage.click('[data-testid=presence] button:has-text("Pause: lunch")');
    await agentPage.waitForSelector('[data-testid=presence] .badge.state-paused');
    await page.reload();
    await waitText(page, live, (t) => t === 'Out of adherence');
    expect(await text(page, `${scheduleRowOf(me.id)} .adherence-live`)).to.equal(
      'Out of adherence now: on the phones, paused (lunch)',
    );
    await agentPage.click('[data-testid=presence] button:has-text("Log out")');
    await agentPage.waitForSelector('[data-testid=presence] .badge.state-logged_out');
    expect(realErrors(errors)).to.deep.equal([]);
    expect(unexpected(staffErrors)).to.deep.equal([]);
  });

  it('staffing shows the agents the shifts put on the phones, marked where fewer than needed; no column on a day without shifts', async () => {
    const { app } = suite.stack();
    const general = (await app.db('queues').where({ name: 'general' }).first('id')) as { id: number };
    // A call at 10:00 (A on the phones) and one at 12:00 (A at lunch, nobody else scheduled): one agent needed each.
    const call = (id: string, queued: Date) => ({
      id,
      channel_id: `ch-${id}`,
      node: 'test',
      owner: 'test',
      caller_raw: '13800000000',
      did: '4000',
      state: 'ended',
      disposition: 'answered',
      queue_id: general.id,
      agent_id: other[0]!.id,
      arrived_at: queued,
      queued_at: queued,
      offered_at: queued,
      answered_at: new Date(queued.getTime() + 5_000),
      ended_at: new Date(queued.getTime() + 65_000),
      wait_s: 5,
      talk_s: 60,
      wrap_s: 10,
    });
    await app.db('calls').insert([call('sch-1', at(DAY, '10:02:00')), call('sch-2', at(DAY, '12:03:00'))]);
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, url, 'admin', demoUser('admin').password);
    const api = apiOf(page);
    const rebuilt = await api.post(`${url}/api/reports/rebuild`, { data: { day: DAY } });
    expect(rebuilt.status(), await rebuilt.text()).to.equal(200);

    await page.goto(`${url}/#/reports`);
    const form = '[data-testid=staffing-form]';
    await page.waitForSelector(form);
    await page.selectOption(`${form} select[name=queueId]`, String(general.id));
    await page.fill(`${form} input[name=day]`, DAY);
    await page.click(`${form} button[type=submit]`);
    await waitText(page, '[data-testid=staffing-summary]', (t) => t.includes(DAY));
    const table = (await page.evaluate(
      `(() => { const t = document.querySelector('[data-testid=staffing-report]');
        const heads = [...t.querySelectorAll('thead th')].map((c) => c.textContent.trim());
        const col = heads.indexOf('Scheduled');
        return { heads, rows: Object.fromEntries([...t.querySelectorAll('tbody tr')].map((r) => [r.cells[0].textContent.trim(),
          { scheduled: r.cells[col].textContent.trim(), needed: r.cells[heads.indexOf('Agents needed')].textContent.trim(),
            marked: r.cells[col].classList.contains('warn') }])) }; })()`,
    )) as { heads: string[]; rows: Record<string, { scheduled: string; needed: string; marked: boolean }> };
    expect(table.heads).to.include('Scheduled');
    expect(table.heads.indexOf('Scheduled')).to.equal(table.heads.indexOf('Agents needed') + 1);
    expect(table.rows['10:00']).to.deep.equal({ scheduled: '1', needed: '1', marked: false });
    expect(table.rows['12:00']).to.deep.equal({ scheduled: '0', needed: '1', marked: true });
    // Scheduled, no calls: a row all the same.
    expect(table.rows['09:00']).to.deep.include({ scheduled: '1', marked: false });
    expect(table.rows['16:45']).to.deep.include({ scheduled: '1', marked: false });
    expect(table.rows['17:00']).to.equal(undefined);
    await shot(page, 'schedule-staffing');

    // A day without a shift: the table as before.
    await page.fill(`${form} input[name=day]`, addDays(DAY, 1));
    await page.click(`${form} button[type=submit]`);
    await waitText(page, '[data-testid=staffing-summary]', (t) => t.includes(addDays(DAY, 1)));
    const heads = (await page.evaluate(
      `[...document.querySelectorAll('[data-testid=staffing-section] thead th')].map((c) => c.textContent.trim())`,
    )) as string[];
    expect(heads).to.not.include('Scheduled');
    expect(unexpected(errors)).to.deep.equal([]);
  });
});
