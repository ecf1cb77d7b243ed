import { expect } from 'chai';
import type { APIRequestContext, Page } from 'playwright-core';
import { agentOf, browserSuite, realErrors, shot, signIn, waitText, watchErrors } from './harness.js';
import { addDays, addShift, apiOf, dayIn, demoUser, otherAgents, labelOf, mondayOf, text } from './support/schedule.js';

const NAV = '[data-testid=schedule-nav]';
const WEEK = '[data-testid=schedule-week]';
const FORM = '[data-testid=shift-form]';
const EDITOR = '[data-testid=agent-editor]';

const rowOf = (agentId: number): string => `${WEEK} tbody tr[data-agent="${agentId}"]`;
const cellOf = (agentId: number, day: string): string => `${rowOf(agentId)} td[data-day="${day}"]`;

interface Agent {
  id: number;
  name: string;
}

async function setWeeklyHours(request: APIRequestContext, url: string, agentId: number, hours: number | null) {
  const res = await request.patch(`${url}/api/agents/${agentId}`, { data: { weeklyHours: hours } });
  expect(res.status(), await res.text()).to.equal(200);
  expect(((await res.json()) as { weeklyHours: number | null }).weeklyHours).to.equal(hours);
}

async function weeklyHoursOf(request: APIRequestContext, url: string, agentId: number): Promise<number | null> {
  const res = await request.get(`${url}/api/agents/${agentId}`);
  expect(res.status(), await res.text()).to.equal(200);
  return ((await res.json()) as { weeklyHours: number | null }).weeklyHours;
}

/** The week view showing the week `day` is in. */
async function showWeekOf(page: Page, day: string): Promise<void> {
  await page.fill(`${NAV} input[name=day]`, day);
  await page.waitForSelector(`${WEEK}[data-from="${mondayOf(day)}"]`);
}

/** An agent's hours cell: the scheduled time (and contract), its mark, the time on the phones. */
async function hoursOf(page: Page, agentId: number): Promise<{ scheduled: string; mark: string; phone: string }> {
  return (await page.evaluate(
    `(() => { const c = document.querySelector('${rowOf(agentId)} [data-testid=week-hours]');
      const s = c.querySelector('[data-testid=week-scheduled]');
      return { scheduled: s.textContent.trim(), mark: s.dataset.mark ?? '',
               phone: c.querySelector('[data-testid=week-phone]').textContent.trim() }; })()`,
  )) as { scheduled: string; mark: string; phone: string };
}

/** The totals row's agents scheduled, Monday to Sunday. */
async function perDay(page: Page): Promise<string[]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('${WEEK} [data-testid=week-totals] td[data-day]')].map((c) => c.textContent.trim())`,
  )) as string[];
}

/** The week's rows, by agent id, in order. */
async function rowIds(page: Page): Promise<number[]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('${WEEK} tbody tr')].map((r) => Number(r.dataset.agent))`,
  )) as number[];
}

describe('the schedule week and contracted hours in a browser', function () {
  this.timeout(180_000);
  const { newPage, ...suite } = browserSuite();
  let url: string;
  const a: Agent = { id: 0, name: '' };
  const b: Agent = { id: 0, name: '' };
  /** A week five weeks on, its days Monday to Sunday: beyond the demo's rota and its request for time off. */
  let days: string[];

  before(async () => {
    const { app } = suite.stack();
    url = app.url;
    const me = await agentOf(app, 'agent');
    const [first, second] = await otherAgents(app, me.id, 2);
    Object.assign(a, first);
    Object.assign(b, second);
    // The demo's rota and time off, gone for both: the tests' own are the only ones they have.
    const seeded = (await app.db('shifts').whereIn('agent_id', [a.id, b.id]).pluck('id')) as number[];
    await app.db('shift_activities').whereIn('shift_id', seeded).delete();
    await app.db('shifts').whereIn('id', seeded).delete();
    await app.db('time_off').whereIn('agent_id', [a.id, b.id]).delete();
    const monday = mondayOf(addDays(dayIn(Date.now()), 35));
    days = Array.from({ length: 7 }, (_, i) => addDays(monday, i));
  });

  it("the week's grid: shifts on their days, a night shift marked, time off hatched, the hours against the contract; an empty day adds a shift", async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, url, 'admin', demoUser('admin').password);
    const api = apiOf(page);
    const [mon, tue, wed, thu, fri] = days as [string, string, string, string, string];
    // A: four 8-hour shifts, the first with a break and lunch (7:15 on the phones), the third a night shift.
    await addShift(api, url, {
      agentId: a.id,
      day: mon,
      startTime: '09:00',
      endTime: '17:00',
      activities: [
        { kind: 'break', startTime: '10:30', endTime: '10:45' },
        { kind: 'lunch', startTime: '12:00', endTime: '12:30' },
      ],
    });
    await addShift(api, url, { agentId: a.id, day: tue, startTime: '09:00', endTime: '17:00' });
    await addShift(api, url, { agentId: a.id, day: wed, startTime: '22:00', endTime: '06:00' });
    await addShift(api, url, { agentId: a.id, day: thu, startTime: '09:00', endTime: '17:00' });
    // B: a morning on Monday, then two days of vacation recorded (granted at once).
    await addShift(api, url, { agentId: b.id, day: mon, startTime: '10:00', endTime: '14:00' });
    const off = await api.post(`${url}/api/time-off`, {
      data: { agentId: b.id, fromDay: tue, toDay: wed, kind: 'vacation' },
    });
    expect(off.status(), await off.text()).to.equal(201);

    await page.goto(`${url}/#/admin/schedule/week`);
    await page.waitForSelector(WEEK);
    expect(await page.getAttribute('[data-testid=schedule-view] button:has-text("Week")', 'aria-pressed')).to.equal(
      'true',
    );
    // A Wednesday picked: its week, Monday to Sunday.
    await showWeekOf(page, wed);
    const heads = (await page.evaluate(
      `[...document.querySelectorAll('${WEEK} thead th')].map((c) => c.textContent.trim())`,
    )) as string[];
    expect(heads).to.deep.equal(['Agent', ...(await Promise.all(days.map((d) => labelOf(page, d)))), 'Hours']);
    expect(await rowIds(page)).to.include.members([a.id, b.id]);

    // A's shifts on their days; the night shift ⁺¹; the activities in the tooltip; Friday to Sunday empty.
    expect(await text(page, cellOf(a.id, mon))).to.equal('09:00–17:00');
    expect(await page.getAttribute(`${cellOf(a.id, mon)} .week-shift`, 'title')).to.equal(
      '09:00–17:00 · break 10:30–10:45 · lunch 12:00–12:30 · 7:15 on the phones',
    );
    expect(await page.$$(`${cellOf(a.id, mon)} .week-shift-strip .shift-act`)).to.have.length(2);
    expect(await text(page, cellOf(a.id, tue))).to.equal('09:00–17:00');
    expect(await text(page, cellOf(a.id, wed))).to.equal('22:00–06:00 ⁺¹');
    expect(await page.getAttribute(`${cellOf(a.id, wed)} .week-shift`, 'title')).to.match(
      /^22:00–06:00 \(ends the next day\)/,
    );
    // The night shift belongs to Wednesday: Thursday has only its own.
    expect(await page.$$(`${cellOf(a.id, thu)} .week-shift`)).to.have.length(1);
    expect(await text(page, cellOf(a.id, thu))).to.equal('09:00–17:00');
    for (const d of days.slice(4)) {
      expect(await page.$$(`${cellOf(a.id, d)} .week-shift`)).to.have.length(0);
      expect(await page.$(`${cellOf(a.id, d)} button.week-add`)).to.not.equal(null);
    }
    // B: Monday's shift, then the vacation on both days, hatched, and no + on them.
    expect(await text(page, cellOf(b.id, mon))).to.equal('10:00–14:00');
    for (const d of [tue, wed]) {
      expect(await text(page, `${cellOf(b.id, d)} [data-testid=week-off]`)).to.equal('vacation');
      expect(await page.$(`${cellOf(b.id, d)} button.week-add`)).to.equal(null);
    }
    const hatch = (await page.evaluate(
      `getComputedStyle(document.querySelector('${cellOf(b.id, tue)} .week-off')).backgroundImage`,
    )) as string;
    expect(hatch).to.contain('repeating-linear-gradient');
    expect(await page.$(`${cellOf(b.id, thu)} [data-testid=week-off]`)).to.equal(null);

    // Hours: the shifts' lengths and their time on the phones; no contract yet.
    expect(await hoursOf(page, a.id)).to.deep.equal({ scheduled: '32:00', mark: '', phone: '31:15 on the phones' });
    expect(await hoursOf(page, b.id)).to.deep.equal({ scheduled: '4:00', mark: '', phone: '4:00 on the phones' });
    // Agents scheduled per day (nobody else has a shift that week).
    expect(await perDay(page)).to.deep.equal(['2', '1', '1', '1', '0', '0', '0']);
    expect(await text(page, `${WEEK} [data-testid=week-total-hours]`)).to.equal('36:0035:15 on the phones');

    // Seven days fit 1400 px: nothing scrolls sideways, every cell wide enough for a night shift on one line.
    const fit = (await page.evaluate(
      `(() => { const s = document.querySelector('${WEEK} .week-scroll');
        const night = document.querySelector('${cellOf(a.id, wed)} .week-shift');
        return { page: document.documentElement.scrollWidth <= window.innerWidth, grid: s.scrollWidth <= s.clientWidth,
                 night: night.scrollWidth <= night.clientWidth }; })()`,
    )) as Record<string, boolean>;
    expect(fit).to.deep.equal({ page: true, grid: true, night: true });
    await shot(page, 'schedule-week');

    // Contracts (the admin, through the API): A 40 hours, 8 short (one shift: unmarked); B 20, 16 short (marked).
    await setWeeklyHours(api, url, a.id, 40);
    await setWeeklyHours(api, url, b.id, 20);
    await page.reload();
    await showWeekOf(page, wed);
    expect(await hoursOf(page, a.id)).to.deep.equal({
      scheduled: '32:00 of 40:00',
      mark: '',
      phone: '31:15 on the phones',
    });
    expect(await hoursOf(page, b.id)).to.deep.equal({
      scheduled: '4:00 of 20:00',
      mark: 'under',
      phone: '4:00 on the phones',
    });
    expect(await page.getAttribute(`${rowOf(b.id)} [data-testid=week-scheduled]`, 'class')).to.contain('short');

    // A's empty Friday: the form for a new shift, A and Friday filled in; 12 hours saved, over the contract.
    await page.click(`${cellOf(a.id, fri)} button.week-add`);
    expect(await text(page, `${FORM} h2`)).to.equal('Add a shift');
    expect(await page.inputValue(`${FORM} select[name=agentId]`)).to.equal(String(a.id));
    expect(await page.inputValue(`${FORM} input[name=day]`)).to.equal(fri);
    await page.fill(`${FORM} input[name=startTime]`, '08:00');
    await page.fill(`${FORM} input[name=endTime]`, '20:00');
    await shot(page, 'schedule-week-add');
    await page.click(`${FORM} button[type=submit]`);
    await waitText(page, cellOf(a.id, fri), (t) => t === '08:00–20:00');
    expect(await page.$(FORM)).to.equal(null);
    expect(await page.getAttribute(WEEK, 'data-from')).to.equal(mon);
    expect(await hoursOf(page, a.id)).to.deep.equal({
      scheduled: '44:00 of 40:00',
      mark: 'over',
      phone: '43:15 on the phones',
    });
    const over = `${rowOf(a.id)} [data-testid=week-scheduled]`;
    expect(await page.getAttribute(over, 'class')).to.contain('warn');
    expect(await page.getAttribute(over, 'title')).to.equal("4:00 over the contract's 40 hours");
    expect(await perDay(page)).to.deep.equal(['2', '1', '1', '1', '1', '0', '0']);
    await shot(page, 'schedule-week-over');
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('Day and Week switch with the address; a shift opens in the form; previous and next move a week; all agents; a day heading opens the day', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, url, 'supervisor', demoUser('supervisor').password);
    const [mon, tue, wed] = days as [string, string, string];
    await page.goto(`${url}/#/admin/schedule`);
    await page.waitForSelector('[data-testid=schedule-day]');
    await page.fill(`${NAV} input[name=day]`, wed);
    await page.waitForSelector(`[data-testid=schedule-day][data-day="${wed}"]`);
    await page.click('[data-testid=schedule-view] button:has-text("Week")');
    await page.waitForSelector(`${WEEK}[data-from="${mon}"]`);
    expect(await page.evaluate('location.hash')).to.equal('#/admin/schedule/week');
    expect(await page.getAttribute(`header nav a[href="#/admin/schedule"]`, 'class')).to.equal('active');
    // The day picked stays the week's.
    expect(await page.inputValue(`${NAV} input[name=day]`)).to.equal(wed);

    // A's Monday shift in the form; the lunch taken out and saved: half an hour more on the phones.
    await page.click(`${cellOf(a.id, mon)} .week-shift`);
    expect(await text(page, `${FORM} h2`)).to.equal('Edit shift');
    expect(await page.inputValue(`${FORM} select[name=agentId]`)).to.equal(String(a.id));
    expect(await page.inputValue(`${FORM} input[name=day]`)).to.equal(mon);
    expect(await page.inputValue(`${FORM} input[name=startTime]`)).to.equal('09:00');
    expect(await page.$$(`${FORM} .activity-row`)).to.have.length(2);
    await page.click(`${FORM} button[aria-label="Remove activity 2"]`);
    await page.click(`${FORM} button[type=submit]`);
    await waitText(page, `${rowOf(a.id)} [data-testid=week-phone]`, (t) => t === '43:45 on the phones');
    expect(await page.getAttribute(`${cellOf(a.id, mon)} .week-shift`, 'title')).to.equal(
      '09:00–17:00 · break 10:30–10:45 · 7:45 on the phones',
    );

    // The week after: nobody scheduled; all agents shows every agent, A with nothing of the contract's 40 hours.
    await page.click(`${NAV} button[aria-label="Next week"]`);
    await page.waitForSelector(`${WEEK}[data-from="${addDays(mon, 7)}"]`);
    expect(await page.inputValue(`${NAV} input[name=day]`)).to.equal(addDays(wed, 7));
    expect(await text(page, `${WEEK} [data-testid=week-empty]`)).to.contain('Nobody is scheduled or off this week.');
    await page.check(`${WEEK} [data-testid=week-all-agents]`);
    await page.waitForSelector(rowOf(a.id));
    const everyone = (await (await apiOf(page).get(`${url}/api/agents?pageSize=500`)).json()) as { items: Agent[] };
    expect((await rowIds(page)).sort()).to.deep.equal(everyone.items.map((x) => x.id).sort());
    expect(await hoursOf(page, a.id)).to.deep.equal({
      scheduled: '0:00 of 40:00',
      mark: 'under',
      phone: '0:00 on the phones',
    });
    expect(await page.$$(`${rowOf(a.id)} button.week-add`)).to.have.length(7);
    expect(await perDay(page)).to.deep.equal(['0', '0', '0', '0', '0', '0', '0']);
    await shot(page, 'schedule-week-all-agents');

    // Two weeks back: the week before the shifts, all agents still on; then forward to them again.
    await page.click(`${NAV} button[aria-label="Previous week"]`);
    await page.waitForSelector(`${WEEK}[data-from="${mon}"]`);
    expect(await page.$$(`${rowOf(a.id)} .week-shift`)).to.have.length(5);
    await page.click(`${NAV} button[aria-label="Previous week"]`);
    await page.waitForSelector(`${WEEK}[data-from="${addDays(mon, -7)}"]`);
    expect(await page.isChecked(`${WEEK} [data-testid=week-all-agents]`)).to.equal(true);
    expect(await page.$$(`${rowOf(a.id)} button.week-add`)).to.have.length(7);
    await page.uncheck(`${WEEK} [data-testid=week-all-agents]`);
    await page.waitForSelector(`${WEEK} [data-testid=week-empty]`);
    await page.click(`${NAV} button[aria-label="Next week"]`);
    await page.waitForSelector(`${WEEK}[data-from="${mon}"]`);
    expect(await rowIds(page)).to.include.members([a.id, b.id]);

    // Tuesday's heading: the day view of that day, B off on it.
    await page.click(`${WEEK} thead th[data-day="${tue}"] button`);
    await page.waitForSelector(`[data-testid=schedule-day][data-day="${tue}"]`);
    expect(await page.evaluate('location.hash')).to.equal('#/admin/schedule');
    expect(await page.$(WEEK)).to.equal(null);
    expect(await text(page, `[data-testid=schedule] [data-agent="${b.id}"] [data-testid=time-off-label]`)).to.equal(
      'vacation',
    );
    // Opened at its address, the week view again (of today's week).
    await page.goto(`${url}/#/admin/schedule/week`);
    await page.reload();
    await page.waitForSelector(`${WEEK}[data-from="${mondayOf(dayIn(Date.now()))}"]`);
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it("the agent editor sets and clears an agent's contracted hours a week", async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, url, 'admin', demoUser('admin').password);
    const api = apiOf(page);
    await page.goto(`${url}/#/admin/agents`);
    const edit = `[data-testid=agents] tr:has(td:text-is("${b.name}")) button:has-text("Edit")`;
    await page.click(edit);
    // The 20 hours set through the API above.
    expect(await page.inputValue(`${EDITOR} input[name=weeklyHours]`)).to.equal('20');
    await page.fill(`${EDITOR} input[name=weeklyHours]`, '');
    await shot(page, 'agent-editor-weekly-hours');
    await page.click(`${EDITOR} button[type=submit]`);
    await page.waitForSelector(EDITOR, { state: 'detached' });
    expect(await weeklyHoursOf(api, url, b.id)).to.equal(null);

    await page.click(edit);
    expect(await page.inputValue(`${EDITOR} input[name=weeklyHours]`)).to.equal('');
    await page.fill(`${EDITOR} input[name=weeklyHours]`, '36');
    await page.click(`${EDITOR} button[type=submit]`);
    await page.waitForSelector(EDITOR, { state: 'detached' });
    expect(await weeklyHoursOf(api, url, b.id)).to.equal(36);
    // The other fields as they were: the agent still answers calls with their skills.
    await page.click(edit);
    expect(await page.inputValue(`${EDITOR} input[name=weeklyHours]`)).to.equal('36');
    expect(await page.inputValue(`${EDITOR} input[name=name]`)).to.equal(b.name);
    expect(realErrors(errors)).to.deep.equal([]);
  });
});
