import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { DEMO_USERS } from '../../src/db/seed/index.js';
import { browserSuite, realErrors, shot, signIn, waitText, watchErrors, type Stack } from './harness.js';

const user = (name: 'admin' | 'supervisor') => DEMO_USERS.find((u) => u.username === name)!;

// The demo on the simulator reports in Asia/Shanghai (UTC+8 all year), so local times below are fixed instants.
// A day long past: nothing the stack does on its own (start-up build, today's schedule) touches it.
const ZONE = 'Asia/Shanghai';
const DAY = '2025-03-10';
const NEXT = '2025-03-11';
const at = (day: string, hhmmss: string) => new Date(`${day}T${hhmmss}+08:00`);
const plus = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

/** Errors without the 401 probe and without the refused requests a test provokes on purpose (each test counts those itself). */
const unexpected = (errors: string[]) => realErrors(errors).filter((e) => !/status of 400/.test(e));

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector, { timeout: 10_000 })) ?? '').trim();
}

async function rows(page: Page, table: string, part: 'thead' | 'tbody' | 'tfoot'): Promise<string[][]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('[data-testid=${table}] ${part} tr')].map((r) => [...r.cells].map((c) => c.textContent.trim()))`,
  )) as string[][];
}

/** Fills the report form and applies it, then waits until the queue, agent and pause tables show that range. */
async function applyRange(
  page: Page,
  from: string,
  to: string,
  by: 'total' | 'day' | 'interval',
  queue: { id: number; label: string } | null = null,
  allQueues = 'all queues',
) {
  await page.selectOption('select[name=by]', by);
  await page.fill('input[name=from]', from);
  if (by !== 'interval') await page.fill('input[name=to]', to);
  await page.selectOption('select[name=queueId]', queue ? String(queue.id) : '');
  await page.click('[data-testid=report-form] button[type=submit]');
  const range = from === to ? from : `${from} – ${to}`;
  const byText = { total: 'total', day: 'per day', interval: 'per 15 minutes' }[by];
  // The heading names what the rows are about; it changes only once the new answer is on the page.
  const heading = `${range} · ${byText} · ${queue ? queue.label : allQueues} · days in ${ZONE}`;
  await waitText(page, '[data-testid=queue-range]', (t) => t === heading);
  await waitText(page, '[data-testid=agent-range]', (t) => t.endsWith(range));
  await waitText(page, '[data-testid=pause-range]', (t) => t.endsWith(range));
}

describe('reports page in a browser (whole orchestrator, seeded calls)', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite();
  let stack: Stack;
  const q = { general: { id: 0, label: '' }, billing: { id: 0, label: '' } };
  const agentA = { id: 0, name: '' };
  const agentB = { id: 0, name: '' };

  before(async function () {
    stack = suite.stack();
    const db = stack.app.db;

    for (const name of ['general', 'billing'] as const) {
      const row = (await db('queues').where({ name }).first('id', 'display_name')) as {
        id: number;
        display_name: string;
      };
      q[name].id = Number(row.id);
      q[name].label = row.display_name;
    }
    // Each queue its own target, so the service level is known to be judged per queue.
    await db('queues').where({ id: q.general.id }).update({ service_level_s: 20 });
    await db('queues').where({ id: q.billing.id }).update({ service_level_s: 30 });
    const agents = (await db('agents').orderBy('id').limit(2).select('id', 'name')) as { id: number; name: string }[];
    expect(agents).to.have.length(2);
    Object.assign(agentA, { id: Number(agents[0]!.id), name: agents[0]!.name });
    Object.assign(agentB, { id: Number(agents[1]!.id), name: agents[1]!.name });

    // Waits are chosen so the average over offered calls and over answered calls agree (25 s): the page's numbers
    // do not hinge on which one the report means.
    const base = { node: 'test', owner: 'test', caller_raw: '13800000000', did: '4000', state: 'ended' };
    const answered = (
      id: string,
      queueId: number,
      agentId: number,
      queued: Date,
      wait: number,
      talk: number,
      wrap: number,
    ) => ({
      ...base,
      id,
      channel_id: `ch-${id}`,
      queue_id: queueId,
      agent_id: agentId,
      arrived_at: plus(queued, -20),
      queued_at: queued,
      offered_at: plus(queued, wait - 5),
      answered_at: plus(queued, wait),
      ended_at: plus(queued, wait + talk),
      wait_s: wait,
      talk_s: talk,
      wrap_s: wrap,
      disposition: 'answered',
    });
    const q1 = at(DAY, '09:02:00');
    const q3 = at(DAY, '09:25:00');
    await db('calls').insert([
      answered('rpt-1', q.general.id, agentA.id, q1, 10, 120, 30), // in SL (20 s)
      answered('rpt-2', q.general.id, agentA.id, at(DAY, '09:20:00'), 40, 60, 20), // outside SL
      {
        ...base,
        id: 'rpt-3',
        channel_id: 'ch-rpt-3',
        state: 'abandoned',
        queue_id: q.general.id,
        arrived_at: plus(q3, -20),
        queued_at: q3,
        ended_at: plus(q3, 25),
        wait_s: 25,
        disposition: 'abandoned',
      },
      answered('rpt-4', q.billing.id, agentB.id, at(DAY, '14:05:00'), 25, 200, 20), // in SL (30 s)
      answered('rpt-5', q.general.id, agentA.id, at(NEXT, '10:00:00'), 25, 40, 10), // outside SL
    ]);
    const failed = (callId: string, when: Date, data: unknown) => ({
      call_id: callId,
      seq: 1,
      at: when,
      from_state: 'offering',
      event: 'offer_failed',
      to_state: 'queued',
      data: JSON.stringify(data),
    });
    await db('call_events').insert([
      failed('rpt-2', at(DAY, '09:20:20'), { agentId: agentB.id, reason: 'no_answer' }),
      failed('rpt-3', at(DAY, '09:25:15'), {
        ringAll: true,
        agents: [
          { agentId: agentA.id, reason: 'no_answer' },
          { agentId: agentB.id, reason: 'no_answer' },
        ],
      }),
    ]);

    // Their shifts on DAY (none on NEXT): ready stretches with a lunch and breaks between them, as presence records
    // them. A: 09:00–13:00, 55 min paused; B: 09:00–18:00, 1 h 30 min paused.
    const shift = (agentId: number, spans: [from: string, to: string, pause: string | null][]) =>
      spans.map(([from, to, reason]) => ({
        agent_id: agentId,
        state: reason === null ? 'ready' : 'paused',
        reason,
        started_at: at(DAY, from),
        ended_at: at(DAY, to),
      }));
    await db('agent_presence').insert([
      ...shift(agentA.id, [
        ['09:00:00', '11:00:00', null],
        ['11:00:00', '11:15:00', 'break'],
        ['11:15:00', '12:00:00', null],
        ['12:00:00', '12:40:00', 'lunch'],
        ['12:40:00', '13:00:00', null],
      ]),
      ...shift(agentB.id, [
        ['09:00:00', '10:30:00', null],
        ['10:30:00', '10:45:00', 'break'],
        ['10:45:00', '12:30:00', null],
        ['12:30:00', '13:30:00', 'lunch'],
        ['13:30:00', '16:00:00', null],
        ['16:00:00', '16:15:00', 'break'],
        ['16:15:00', '18:00:00', null],
      ]),
    ]);

    // Build both days through the API as an admin would (the schedule only builds today and yesterday).
    const ctx = (await newPage()).context();
    const login = await ctx.request.post(`${stack.app.url}/api/auth/login`, {
      data: { username: 'admin', password: user('admin').password },
    });
    expect(login.status()).to.equal(200);
    for (const day of [DAY, NEXT]) {
      const res = await ctx.request.post(`${stack.app.url}/api/reports/rebuild`, { data: { day } });
      expect(res.status(), await res.text()).to.equal(200);
    }
  });

  it('admin: defaults to the last 7 days, shows per-queue and per-agent numbers, totals and a chart', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    const todayBefore = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date());
    await signIn(page, stack.app.url, 'admin', user('admin').password);
    await page.goto(`${stack.app.url}/#/reports`);
    await page.waitForSelector('[data-testid=queue-section]');
    const todayAfter = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date());

    // Defaults: the report zone's today and the six days before it, by day.
    const to = await page.inputValue('input[name=to]');
    expect([todayBefore, todayAfter]).to.include(to);
    const sixBefore = new Date(`${to}T00:00:00Z`);
    sixBefore.setUTCDate(sixBefore.getUTCDate() - 6);
    expect(await page.inputValue('input[name=from]')).to.equal(sixBefore.toISOString().slice(0, 10));
    expect(await page.inputValue('select[name=by]')).to.equal('day');
    expect(await text(page, '[data-testid=queue-range]')).to.contain(ZONE);

    // One day in total: one row per queue (ordered by name), and the totals.
    await applyRange(page, DAY, DAY, 'total');
    expect(await rows(page, 'queue-report', 'tbody')).to.deep.equal([
      [DAY, q.billing.label, '1', '1', '0', '100%', '0%', '0:25', '0:25', '3:20'],
      [DAY, q.general.label, '3', '2', '1', '33.3%', '33.3%', '0:25', '0:40', '1:30'],
    ]);
    expect(await rows(page, 'queue-report', 'tfoot')).to.deep.equal([
      ['Total', '4', '3', '1', '50%', '25%', '0:25', '0:40', '2:07'],
    ]);
    expect(await page.$('[data-testid=report-chart]'), 'no chart for a total').to.equal(null);

    // Agents that day: answered calls with talk and wrap-up, missed offers (single and ring-all), and presence:
    // logged in, paused, and occupancy = (talk + wrap-up) ÷ (logged in − paused).
    const [first, second] = [agentA, agentB].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const agentRow = (a: typeof agentA) =>
      a.id === agentA.id
        ? [agentA.name, '2', '1', '3:00', '0:50', '1:55', '4:00:00', '55:00', '2.1%'] // 230 s of 11100 s ready
        : [agentB.name, '1', '2', '3:20', '0:20', '3:40', '9:00:00', '1:30:00', '0.8%']; // 220 s of 27000 s
    expect(await rows(page, 'agent-report', 'tbody')).to.deep.equal([agentRow(first!), agentRow(second!)]);
    expect(await rows(page, 'agent-report', 'tfoot')).to.deep.equal([
      ['Total', '3', '3', '6:20', '1:10', '2:30', '13:00:00', '2:25:00', '1.2%'], // 450 s of 38100 s
    ]);

    // By day over two days: a row per day and queue, and a chart of offered vs answered per day.
    await applyRange(page, DAY, NEXT, 'day');
    expect(await rows(page, 'queue-report', 'tbody')).to.deep.equal([
      [DAY, q.billing.label, '1', '1', '0', '100%', '0%', '0:25', '0:25', '3:20'],
      [DAY, q.general.label, '3', '2', '1', '33.3%', '33.3%', '0:25', '0:40', '1:30'],
      [NEXT, q.general.label, '1', '1', '0', '0%', '0%', '0:25', '0:25', '0:40'],
    ]);
    expect(await rows(page, 'queue-report', 'tfoot')).to.deep.equal([
      ['Total', '5', '4', '1', '40%', '20%', '0:25', '0:40', '1:45'],
    ]);
    await page.waitForSelector('[data-testid=report-chart] canvas');
    const legend = await text(page, '[data-testid=report-chart] .u-legend');
    expect(legend).to.contain('Offered');
    expect(legend).to.contain('Answered');
    // Hovering the first day's bars puts that day's sums over all queues in the legend.
    const over = (await page.$('[data-testid=report-chart] .u-over'))!;
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.9);
    await waitText(page, '[data-testid=report-chart] .u-legend', (t) => t.includes(DAY));
    const values = (await page.evaluate(
      `[...document.querySelectorAll('[data-testid=report-chart] .u-legend .u-series')].map((s) => s.textContent.trim())`,
    )) as string[];
    expect(values).to.deep.equal([`Day${DAY}`, 'Offered4', 'Answered3']);
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.9);
    await waitText(page, '[data-testid=report-chart] .u-legend', (t) => t.includes(NEXT));
    expect(await text(page, '[data-testid=report-chart] .u-legend')).to.contain('Offered1');
    await page.mouse.move(0, 0);
    await shot(page, 'reports-by-day');

    // The queue filter narrows the queue table to that queue.
    await applyRange(page, DAY, NEXT, 'day', q.general);
    expect((await rows(page, 'queue-report', 'tbody')).map((r) => r.slice(0, 3))).to.deep.equal([
      [DAY, q.general.label, '3'],
      [NEXT, q.general.label, '1'],
    ]);

    // By interval: one day only (To follows From and is locked), quarter hours from local midnight.
    await page.selectOption('select[name=by]', 'interval');
    await page.fill('input[name=from]', DAY);
    expect(await page.isDisabled('input[name=to]')).to.equal(true);
    expect(await page.inputValue('input[name=to]')).to.equal(DAY);
    await applyRange(page, DAY, DAY, 'interval');
    expect((await rows(page, 'queue-report', 'tbody')).map((r) => r.slice(0, 5))).to.deep.equal([
      ['09:00', q.general.label, '1', '1', '0'],
      ['09:15', q.general.label, '2', '1', '1'],
      ['14:00', q.billing.label, '1', '1', '0'],
    ]);
    await page.waitForSelector('[data-testid=report-chart] canvas');
    await shot(page, 'reports-by-interval');

    // A range without calls says so instead of showing empty tables.
    await applyRange(page, '2025-01-01', '2025-01-02', 'day');
    expect(await text(page, '[data-testid=queue-empty]')).to.contain('No queued calls');
    expect(await text(page, '[data-testid=agent-empty]')).to.contain('No agent');
    expect(await text(page, '[data-testid=pause-empty]')).to.contain('No agent paused');
    expect(await page.$('[data-testid=queue-report]')).to.equal(null);
    expect(await page.$('[data-testid=agent-report]')).to.equal(null);
    expect(await page.$('[data-testid=pause-report]')).to.equal(null);
    expect(await page.$('[data-testid=report-chart]')).to.equal(null);
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('admin: lists pause reasons per agent with totals, and presence without pauses', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.app.url, 'admin', user('admin').password);
    await page.goto(`${stack.app.url}/#/reports`);
    await page.waitForSelector('[data-testid=pause-section]');
    await applyRange(page, DAY, DAY, 'total');

    // By agent name, then reason: each reason's pauses begun that day and the time they took.
    const byName = [agentA, agentB].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const pauseRows = (a: typeof agentA) =>
      a.id === agentA.id
        ? [
            [agentA.name, 'break', '1', '15:00'],
            [agentA.name, 'lunch', '1', '40:00'],
          ]
        : [
            [agentB.name, 'break', '2', '30:00'],
            [agentB.name, 'lunch', '1', '1:00:00'],
          ];
    expect(await rows(page, 'pause-report', 'tbody')).to.deep.equal(byName.flatMap(pauseRows));
    expect(await rows(page, 'pause-report', 'tfoot')).to.deep.equal([['Total', '5', '2:25:00']]);
    // The pause table adds up to the agent table's paused time.
    expect((await rows(page, 'agent-report', 'tfoot'))[0]!.slice(6, 8)).to.deep.equal(['13:00:00', '2:25:00']);
    await shot(page, 'reports-pauses');

    // The next day A answered a call but was never logged in (no presence recorded): no ready time, no occupancy,
    // and nobody paused.
    await applyRange(page, NEXT, NEXT, 'total');
    expect(await rows(page, 'agent-report', 'tbody')).to.deep.equal([
      [agentA.name, '1', '0', '0:40', '0:10', '0:50', '0:00', '0:00', '—'],
    ]);
    expect(await text(page, '[data-testid=pause-empty]')).to.contain('No agent paused');
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it("admin: one day shows each agent's presence on a timeline, several days a hint", async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.app.url, 'admin', user('admin').password);
    await page.goto(`${stack.app.url}/#/reports`);
    await page.waitForSelector('[data-testid=pause-section]');
    await applyRange(page, DAY, DAY, 'total');
    await waitText(page, '[data-testid=presence-range]', (t) => t.includes(DAY));
    expect(await text(page, '[data-testid=presence-range]')).to.equal(
      `when each agent was logged in, ${DAY} · ${ZONE} time`,
    );

    // The day's clock along the top, every three hours.
    expect(
      await page.evaluate(
        `[...document.querySelectorAll('[data-testid=presence-report] .presence-axis span')].map((s) => s.textContent.trim())`,
      ),
    ).to.deep.equal(['00:00', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00', '24:00']);

    // A row per agent by name: a segment per stretch ready or paused, each placed by its time of day, then the sums.
    type Row = { agent: number; name: string; titles: string[]; lefts: string[]; summary: string; label: string };
    const presenceRows = (await page.evaluate(
      `[...document.querySelectorAll('[data-testid=presence-report] .presence-row')].map((r) => ({
        agent: Number(r.dataset.agent),
        name: r.querySelector('.presence-name').textContent.trim(),
        titles: [...r.querySelectorAll('.presence-seg')].map((s) => s.getAttribute('title')),
        lefts: [...r.querySelectorAll('.presence-seg')].map((s) => s.style.left),
        summary: r.querySelector('[data-testid=presence-summary]').textContent.trim(),
        label: r.querySelector('[role=img]').getAttribute('aria-label'),
      }))`,
    )) as Row[];
    const byName = [agentA, agentB].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    expect(presenceRows.map((r) => [r.agent, r.name])).to.deep.equal(byName.map((a) => [a.id, a.name]));
    const rowOf = (id: number) => presenceRows.find((r) => r.agent === id)!;
    const a = rowOf(agentA.id);
    expect(a.titles).to.deep.equal([
      'ready · 09:00–11:00',
      'paused · break · 11:00–11:15',
      'ready · 11:15–12:00',
      'paused · lunch · 12:00–12:40',
      'ready · 12:40–13:00',
    ]);
    // 09:00 is 37.5% of the day, noon half of it.
    expect(a.lefts[0]).to.equal('37.5%');
    expect(a.lefts[3]).to.equal('50%');
    expect(a.summary).to.equal('4:00:00 logged in · 55:00 paused');
    expect(a.label).to.equal(`${agentA.name}: ${a.titles.join('; ')}. ${a.summary}. 2 calls.`);
    const b = rowOf(agentB.id);
    expect(b.titles).to.have.length(7);
    expect(b.titles.filter((t) => t.startsWith('paused'))).to.deep.equal([
      'paused · break · 10:30–10:45',
      'paused · lunch · 12:30–13:30',
      'paused · break · 16:00–16:15',
    ]);
    expect(b.summary).to.equal('9:00:00 logged in · 1:30:00 paused');
    expect(b.label).to.match(/\. 1 call\.$/);
    // A day long past: no "now" line, nothing open.
    expect(await page.$('[data-testid=presence-section] .presence-now')).to.equal(null);
    expect(await page.$('[data-testid=presence-section] .presence-seg.open')).to.equal(null);
    expect(await page.$('[data-testid=presence-section] .presence-call.open')).to.equal(null);

    // Each agent's calls on their own bar: the talk (answered → hung up) and the after-call work after it, placed
    // by time of day like the stretches, the talk a link to the call.
    type CallSeg = {
      call: string;
      kind: string;
      tag: string;
      href: string | null;
      title: string;
      left: number;
      width: number;
    };
    const callsOf = async (agentId: number) =>
      (await page.evaluate(
        `[...document.querySelectorAll('[data-testid=presence-report] [data-agent="${agentId}"] .presence-call')].map((c) => ({
          call: c.dataset.call,
          kind: c.dataset.kind,
          tag: c.tagName.toLowerCase(),
          href: c.getAttribute('href'),
          title: c.getAttribute('title'),
          left: parseFloat(c.style.left),
          width: parseFloat(c.style.width),
        }))`,
      )) as CallSeg[];
    const callsA = await callsOf(agentA.id);
    expect(callsA.map((c) => [c.call, c.kind, c.tag, c.href, c.title])).to.deep.equal([
      ['rpt-1', 'talk', 'a', '#/calls/rpt-1', 'Talk 09:02:10–09:04:10 (2:00)'],
      ['rpt-1', 'wrap', 'span', null, 'After-call work 09:04:10–09:04:40 (0:30)'],
      ['rpt-2', 'talk', 'a', '#/calls/rpt-2', 'Talk 09:20:40–09:21:40 (1:00)'],
      ['rpt-2', 'wrap', 'span', null, 'After-call work 09:21:40–09:22:00 (0:20)'],
    ]);
    // 09:02:10 is 32530 s into the day's 86400, and the talk 120 s of it; the wrap starts where the talk ends.
    const dayPct = (s: number) => (s / 86400) * 100;
    expect(callsA[0]!.left).to.be.closeTo(dayPct(32530), 0.001);
    expect(callsA[0]!.width).to.be.closeTo(dayPct(120), 0.001);
    expect(callsA[1]!.left).to.be.closeTo(callsA[0]!.left + callsA[0]!.width, 0.001);
    expect(callsA[2]!.left).to.be.closeTo(dayPct(33640), 0.001); // 09:20:40
    const callsB = await callsOf(agentB.id);
    expect(callsB.map((c) => [c.call, c.kind, c.title])).to.deep.equal([
      ['rpt-4', 'talk', 'Talk 14:05:25–14:08:45 (3:20)'],
      ['rpt-4', 'wrap', 'After-call work 14:08:45–14:09:05 (0:20)'],
    ]);
    expect(callsB[0]!.left).to.be.closeTo(dayPct(50725), 0.001); // 14:05:25
    const legend = await text(page, '[data-testid=presence-section] .presence-legend');
    expect(legend).to.contain('on a call');
    expect(legend).to.contain('after-call work');
    // The strip lies in the bar's lower half: the stretch's colour stays visible above each call.
    const [bar, talk] = (await page.evaluate(
      `(() => {
        const r = document.querySelector('[data-testid=presence-report] [data-agent="${agentA.id}"]');
        return [r.querySelector('.presence-bar'), r.querySelector('.presence-call')].map((e) => {
          const b = e.getBoundingClientRect();
          return { top: b.top, bottom: b.bottom, height: b.height };
        });
      })()`,
    )) as { top: number; bottom: number; height: number }[];
    expect(talk!.height).to.be.greaterThan(2);
    expect(talk!.top).to.be.greaterThan(bar!.top + bar!.height / 2 - 1);
    expect(talk!.bottom).to.be.at.most(bar!.bottom);
    await page.mouse.move(0, 0);
    await shot(page, 'reports-presence');

    // A talk segment opens its call.
    await page.click(`[data-testid=presence-report] [data-agent="${agentA.id}"] a[data-call="rpt-1"]`);
    await page.waitForSelector('[data-testid=timeline]', { state: 'attached' });
    expect(page.url()).to.match(/#\/calls\/rpt-1$/);
    expect(await text(page, 'dl.facts code')).to.equal('rpt-1');
    await page.goBack();
    await page.waitForSelector('[data-testid=pause-section]');

    // The next day nobody was logged in.
    await applyRange(page, NEXT, NEXT, 'total');
    await waitText(page, '[data-testid=presence-range]', (t) => t.includes(NEXT));
    expect(await text(page, '[data-testid=presence-empty]')).to.equal('No agent was logged in on this day.');
    expect(await page.$('[data-testid=presence-report]')).to.equal(null);

    // Several days: a hint instead of the timeline.
    await applyRange(page, DAY, NEXT, 'day');
    expect(await text(page, '[data-testid=presence-hint]')).to.equal(
      'Choose a single day to see when each agent was logged in and paused.',
    );
    expect(await page.$('[data-testid=presence-section]')).to.equal(null);
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('admin: today\'s presence is live: a "now" line, the open stretch fading out, the automatic pause marked', async () => {
    const { db } = stack.app;
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date());
    const midnight = at(today, '00:00:00').getTime();
    // Three stretches over the last three hours (or since midnight, if that is nearer): ready, the automatic pause
    // after missed offers, and ready again, still going on.
    const now = Date.now();
    const t0 = Math.max(midnight, now - 3 * 3600_000);
    const step = Math.floor((now - t0) / 3);
    const t1 = new Date(t0 + step);
    const t2 = new Date(t0 + 2 * step);
    await db('agent_presence').insert([
      { agent_id: agentB.id, state: 'ready', reason: null, started_at: new Date(t0), ended_at: t1 },
      { agent_id: agentB.id, state: 'paused', reason: 'no answer', started_at: t1, ended_at: t2 },
      { agent_id: agentB.id, state: 'ready', reason: null, started_at: t2, ended_at: null },
    ]);
    // A call over and wrapped up in the first ready stretch, and one still going on in the last.
    const call = { node: 'test', owner: 'test', caller_raw: '13800000000', did: '4000', queue_id: q.general.id };
    const answeredAt = new Date(t0 + Math.floor(step / 4));
    const endedAt = new Date(t0 + Math.floor(step / 2));
    await db('calls').insert([
      {
        ...call,
        id: 'rpt-today-1',
        channel_id: 'ch-rpt-today-1',
        state: 'ended',
        agent_id: agentB.id,
        arrived_at: answeredAt,
        queued_at: answeredAt,
        answered_at: answeredAt,
        ended_at: endedAt,
        wrap_s: Math.floor(step / 4000),
        disposition: 'answered',
      },
      {
        ...call,
        id: 'rpt-today-2',
        channel_id: 'ch-rpt-today-2',
        state: 'connected',
        agent_id: agentB.id,
        arrived_at: new Date(t2.getTime() + Math.floor(step / 2)),
        queued_at: new Date(t2.getTime() + Math.floor(step / 2)),
        answered_at: new Date(t2.getTime() + Math.floor(step / 2)),
      },
    ]);
    try {
      const page = await newPage();
      const errors = watchErrors(page);
      await signIn(page, stack.app.url, 'admin', user('admin').password);
      await page.goto(`${stack.app.url}/#/reports`);
      await page.waitForSelector('[data-testid=pause-section]');
      await applyRange(page, today, today, 'total');
      await waitText(page, '[data-testid=presence-range]', (t) => t.includes(today));
      expect(await text(page, '[data-testid=presence-range]')).to.match(/ · as of \d\d:\d\d$/);
      const segments = (await page.evaluate(
        `[...document.querySelectorAll('[data-testid=presence-report] [data-agent="${agentB.id}"] .presence-seg')].map((s) => ({ cls: s.className, title: s.getAttribute('title') }))`,
      )) as { cls: string; title: string }[];
      expect(segments.map((s) => s.cls)).to.deep.equal([
        'presence-seg ready',
        'presence-seg paused no-answer',
        'presence-seg ready open',
      ]);
      expect(segments[1]!.title).to.match(/^paused · no answer · \d\d:\d\d–\d\d:\d\d$/);
      expect(segments[2]!.title).to.match(/^ready · \d\d:\d\d–now$/);
      const calls = (await page.evaluate(
        `[...document.querySelectorAll('[data-testid=presence-report] [data-agent="${agentB.id}"] .presence-call')].map((c) => ({ cls: c.className, call: c.dataset.call, title: c.getAttribute('title') }))`,
      )) as { cls: string; call: string; title: string }[];
      expect(calls.map((c) => [c.call, c.cls])).to.deep.equal([
        ['rpt-today-1', 'presence-call talk'],
        ['rpt-today-1', 'presence-call wrap'],
        ['rpt-today-2', 'presence-call talk open'],
      ]);
      expect(calls[0]!.title).to.match(/^Talk \d\d:\d\d:\d\d–\d\d:\d\d:\d\d \(\d+:\d\d(:\d\d)?\)$/);
      // The call still going on ends "now", like the stretch it falls in.
      expect(calls[2]!.title).to.match(/^Talk \d\d:\d\d:\d\d–now \(\d+:\d\d(:\d\d)?\)$/);
      expect(
        await page.getAttribute(`[data-testid=presence-report] [data-agent="${agentB.id}"] [role=img]`, 'aria-label'),
      ).to.match(/\. 2 calls\.$/);
      expect(await page.$$('[data-testid=presence-section] .presence-now')).to.have.length(1);
      await page.mouse.move(0, 0);
      await shot(page, 'reports-presence-today');
      expect(realErrors(errors)).to.deep.equal([]);
    } finally {
      await db('calls').whereIn('id', ['rpt-today-1', 'rpt-today-2']).delete();
      await db('agent_presence').where({ agent_id: agentB.id }).where('started_at', '>=', new Date(t0)).delete();
    }
  });

  it('admin: CSV links download the same report as text/csv', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.app.url, 'admin', user('admin').password);
    await page.goto(`${stack.app.url}/#/reports`);
    await page.waitForSelector('[data-testid=queue-section]');
    await applyRange(page, DAY, DAY, 'total');

    const href = await page.getAttribute('[data-testid=queues-csv]', 'href');
    expect(href).to.equal(`/api/reports/queues?from=${DAY}&to=${DAY}&by=total&format=csv`);
    const res = (await page.evaluate(
      `fetch(${JSON.stringify(href)}).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), body: await r.text() }))`,
    )) as { status: number; type: string; body: string };
    expect(res.status).to.equal(200);
    expect(res.type).to.match(/^text\/csv/);
    const lines = res.body.trim().split(/\r?\n/);
    for (const key of ['period', 'queue', 'offered', 'answered', 'abandoned', 'serviceLevelPct', 'avgWaitS'])
      expect(lines[0]).to.contain(key);
    expect(lines.slice(1).filter((l) => l.includes('general'))).to.have.length(1);

    // A plain click downloads it: the session cookie is all the link needs.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=queues-csv]')]);
    expect(download.suggestedFilename()).to.equal(`queues-${DAY}-${DAY}-total.csv`);
    expect(readFileSync((await download.path())!, 'utf8')).to.equal(res.body);

    const [agents] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=agents-csv]')]);
    expect(agents.suggestedFilename()).to.equal(`agents-${DAY}-${DAY}.csv`);
    const agentLines = readFileSync((await agents.path())!, 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(agentLines[0]).to.contain('name,calls,missed,talkS,wrapS,avgHandleS,loggedInS,pausedS,occupancyPct');
    expect(agentLines).to.have.length(3);

    expect(await page.getAttribute('[data-testid=pauses-csv]', 'href')).to.equal(
      `/api/reports/pauses?from=${DAY}&to=${DAY}&format=csv`,
    );
    const [pauses] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=pauses-csv]')]);
    expect(pauses.suggestedFilename()).to.equal(`pauses-${DAY}-${DAY}.csv`);
    const pauseLines = readFileSync((await pauses.path())!, 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(pauseLines[0]).to.equal('agentId,name,reason,pauses,pausedS');
    // Two reasons for each of the two agents.
    expect(pauseLines.slice(1).map((l) => l.split(',').slice(2))).to.have.deep.members([
      ['break', '1', '900'],
      ['lunch', '1', '2400'],
      ['break', '2', '1800'],
      ['lunch', '1', '3600'],
    ]);
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it("admin: a reversed range shows the API's error, not a blank page", async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.app.url, 'admin', user('admin').password);
    await page.goto(`${stack.app.url}/#/reports`);
    await page.waitForSelector('[data-testid=queue-section]');
    const api = (await page.evaluate(
      `fetch('/api/reports/queues?from=${NEXT}&to=${DAY}&by=day').then(async (r) => ({ status: r.status, body: await r.json() }))`,
    )) as { status: number; body: { error: { message: string } } };
    expect(api.status).to.equal(400);
    expect(api.body.error.message).to.be.a('string').and.not.equal('');

    await page.selectOption('select[name=by]', 'day');
    await page.fill('input[name=from]', NEXT);
    await page.fill('input[name=to]', DAY);
    await page.click('[data-testid=report-form] button[type=submit]');
    await page.waitForSelector('[data-testid=queue-section]', { state: 'detached', timeout: 10_000 });
    // Both reports refuse the range with the same words; the page says it once.
    await page.waitForSelector('[data-testid=agent-section]', { state: 'detached', timeout: 10_000 });
    const alerts = (await page.evaluate(
      `[...document.querySelectorAll('main [role=alert]')].map((e) => e.textContent.trim())`,
    )) as string[];
    expect(alerts).to.deep.equal([api.body.error.message]);
    expect(await text(page, 'main h1')).to.equal('Reports');
    await shot(page, 'reports-bad-range');

    // Fixing the range brings the tables back.
    await applyRange(page, DAY, DAY, 'total');
    expect(await page.$('main [role=alert]')).to.equal(null);
    // The test's own request above plus the page's two refused reports.
    expect(errors.filter((e) => /status of 400/.test(e))).to.have.length(3);
    expect(unexpected(errors)).to.deep.equal([]);
  });

  it('admin: rebuilds a day from the page and sees the result', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.app.url, 'admin', user('admin').password);
    await page.goto(`${stack.app.url}/#/reports`);
    await page.waitForSelector('[data-testid=rebuild]');
    await page.fill('[data-testid=rebuild] input[name=day]', DAY);
    await page.click('[data-testid=rebuild] button[type=submit]');
    const result = await text(page, '[data-testid=rebuild-result]');
    expect(result).to.match(new RegExp(`^Rebuilt ${DAY}: 4 calls, 3 intervals, 2 agents in \\d+ ms\\.$`));

    // A day the server refuses: its message, in the rebuild card. A date input cannot hold a bad date, so the field
    // becomes a text box, as in a browser without a date picker.
    await page.fill('[data-testid=rebuild] input[name=day]', '');
    await page.evaluate(
      `(() => { const i = document.querySelector('[data-testid=rebuild] input[name=day]'); i.type = 'text'; })()`,
    );
    await page.fill('[data-testid=rebuild] input[name=day]', '2025-13-40');
    await page.click('[data-testid=rebuild] button[type=submit]');
    const refused = await text(page, '[data-testid=rebuild] [role=alert]');
    expect(refused).to.not.equal('');
    expect(await page.$('[data-testid=rebuild-result]')).to.equal(null);
    await shot(page, 'reports-rebuild');
    expect(errors.filter((e) => /status of 400/.test(e))).to.have.length(1);
    expect(unexpected(errors)).to.deep.equal([]);
  });

  it('admin: staffing shows the agents a day needed against those ready, and forecasts a day ahead', async () => {
    const { db } = stack.app;
    // Both agents may take general's calls (its one skill, at level 1), so both count as ready for it.
    const general = (await db('skills').where({ name: 'general' }).first('id')) as { id: number };
    for (const agentId of [agentA.id, agentB.id])
      if (!(await db('agent_skills').where({ agent_id: agentId, skill_id: general.id }).first()))
        await db('agent_skills').insert({ agent_id: agentId, skill_id: general.id, level: 5 });
    const wrap = Number(
      ((await db('queues').where({ id: q.general.id }).first('wrap_up_s')) as { wrap_up_s: number }).wrap_up_s,
    );

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.app.url, 'admin', user('admin').password);
    await page.goto(`${stack.app.url}/#/reports`);
    const form = '[data-testid=staffing-form]';
    await page.waitForSelector(form);
    await page.selectOption(`${form} select[name=queueId]`, String(q.general.id));
    await page.fill(`${form} input[name=day]`, DAY);
    await page.click(`${form} button[type=submit]`);
    await waitText(page, '[data-testid=staffing-summary]', (t) => t.includes(DAY));
    // The day's abandoned call tells how patient its callers were.
    expect(await text(page, '[data-testid=staffing-summary]')).to.match(
      new RegExp(
        `^${q.general.label} · ${DAY}, its own calls · 80% within 20 s, agents at most 85% busy · peak 1 agent · their calls showed \\d+:\\d\\d$`,
      ),
    );
    const byPeriod = new Map((await rows(page, 'staffing-report', 'tbody')).map((r) => [r[0], r.slice(1)]));
    // 09:00: one call of 2:00 talk and the wrap-up, two agents ready; 09:15: two calls (one abandoned), one answered
    // of 1:00; 10:30, B on a break: one ready for no call.
    const handle = (talk: number) => `${Math.floor((talk + wrap) / 60)}:${String((talk + wrap) % 60).padStart(2, '0')}`;
    expect(byPeriod.get('09:00')!.slice(0, 4)).to.deep.equal(['1', handle(120), '1', '2']);
    expect(Number.parseFloat(byPeriod.get('09:00')![4]!)).to.be.greaterThan(80);
    expect(byPeriod.get('09:15')!.slice(0, 4)).to.deep.equal(['2', handle(60), '1', '2']);
    expect(byPeriod.get('10:30')).to.deep.equal(['0', '—', '0', '1', '—']);
    // Nobody ready and no call: no row (the night).
    expect(byPeriod.has('03:00')).to.equal(false);
    await shot(page, 'reports-staffing');
    // The CSV has every interval of the day the page shows.
    const href = await page.getAttribute('[data-testid=staffing-csv]', 'href');
    expect(href).to.contain(`/api/reports/staffing?queueId=${q.general.id}&day=${DAY}&`);
    const csv = (await page.evaluate(
      `fetch(${JSON.stringify(href)}).then(async (r) => ({ type: r.headers.get('content-type'), body: await r.text() }))`,
    )) as { type: string; body: string };
    expect(csv.type).to.match(/^text\/csv/);
    const lines = csv.body.trim().split(/\r?\n/);
    expect(lines[0]).to.equal(
      'period,start,offered,handleS,agentsNeeded,agentsToSchedule,agentsScheduled,agentsReady,serviceLevelPct,abandonPct',
    );
    expect(lines).to.have.length(97);

    // With half the agents' time off the phones, twice as many on the schedule: a column of its own.
    await page.fill(`${form} input[name=shrinkagePct]`, '50');
    await page.click(`${form} button[type=submit]`);
    await waitText(page, '[data-testid=staffing-summary]', (t) => t.includes('to schedule'));
    expect(await text(page, '[data-testid=staffing-summary]')).to.contain(
      `${q.general.label} · ${DAY}, its own calls · 80% within 20 s, agents at most 85% busy · peak 1 agent on the phones, 2 to schedule at 50% shrinkage`,
    );
    const shrunk = new Map((await rows(page, 'staffing-report', 'tbody')).map((r) => [r[0], r.slice(1)]));
    expect(shrunk.get('09:00')!.slice(0, 5)).to.deep.equal(['1', handle(120), '1', '2', '2']);
    await shot(page, 'reports-staffing-shrinkage');
    await page.fill(`${form} input[name=shrinkagePct]`, '0');

    // Callers who give up as that day's did (Erlang A): a column of who would.
    await page.selectOption(`${form} select[name=patienceS]`, 'observed');
    await page.click(`${form} button[type=submit]`);
    await waitText(page, '[data-testid=staffing-summary]', (t) => t.includes('(Erlang A)'));
    const heads = await rows(page, 'staffing-report', 'thead');
    expect(heads[0]).to.include('Give up');
    const givingUp = new Map((await rows(page, 'staffing-report', 'tbody')).map((r) => [r[0], r.slice(1)]));
    expect(givingUp.get('09:15')!.at(-1)).to.match(/^\d+(\.\d)?%$/);
    await shot(page, 'reports-staffing-erlang-a');
    await page.selectOption(`${form} select[name=patienceS]`, '');

    // A day ahead is a forecast, nobody ready in it yet.
    const ahead = new Date(Date.now() + 3 * 86_400_000);
    const aheadDay = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(ahead);
    await page.fill(`${form} input[name=day]`, aheadDay);
    await page.click(`${form} button[type=submit]`);
    const summary = await waitText(page, '[data-testid=staffing-summary]', (t) => t.includes(aheadDay));
    expect(summary).to.match(
      new RegExp(`${aheadDay}, forecast from \\d{4}-\\d{2}-\\d{2}(, \\d{4}-\\d{2}-\\d{2}){3} ·`),
    );
    // The demo's rota has shifts ahead, so a Scheduled column may come before the agents ready: found by its heading.
    const ready = (await rows(page, 'staffing-report', 'thead'))[0]!.indexOf('Agents ready');
    expect(ready).to.be.greaterThan(0);
    for (const row of await rows(page, 'staffing-report', 'tbody')) expect(row[ready]).to.equal('—');

    // A target the API refuses is said so, in its words.
    await page.fill(`${form} input[name=targetSeconds]`, '4000');
    await page.click(`${form} button[type=submit]`);
    expect(await waitText(page, '[data-testid=staffing-section] [role=alert]', (t) => t !== '')).to.contain(
      'targetSeconds',
    );
    expect(unexpected(errors)).to.deep.equal([]);
  });

  it('supervisor: sees only the queues they supervise, and no rebuild', async () => {
    const { db } = stack.app;
    const sup = (await db('users').where({ username: 'supervisor' }).first('id')) as { id: number };
    await db('supervisor_queues').where({ user_id: sup.id, queue_id: q.billing.id }).delete();
    expect(await db('supervisor_queues').where({ user_id: sup.id, queue_id: q.general.id }).first()).to.not.equal(
      undefined,
    );

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.app.url, 'supervisor', user('supervisor').password);
    await page.goto(`${stack.app.url}/#/reports`);
    await page.waitForSelector('[data-testid=queue-section]');
    const options = (await page.evaluate(
      `[...document.querySelectorAll('select[name=queueId] option')].map((o) => o.textContent.trim())`,
    )) as string[];
    expect(options).to.include(q.general.label);
    expect(options).to.not.include(q.billing.label);

    await applyRange(page, DAY, DAY, 'total', null, 'all my queues');
    expect(await rows(page, 'queue-report', 'tbody')).to.deep.equal([
      [DAY, q.general.label, '3', '2', '1', '33.3%', '33.3%', '0:25', '0:40', '1:30'],
    ]);
    expect((await rows(page, 'queue-report', 'tfoot'))[0]!.slice(0, 4)).to.deep.equal(['Total', '3', '2', '1']);
    expect(await page.$('[data-testid=rebuild]')).to.equal(null);
    await shot(page, 'reports-supervisor');
    expect(realErrors(errors)).to.deep.equal([]);
  });
  it("admin: the campaigns section counts each campaign's calls of the days by what became of them", async () => {
    const { db } = stack.app;
    const campaign = (await db('campaigns').orderBy('id').first('id', 'name', 'queue_id')) as {
      id: number;
      name: string;
      queue_id: number;
    };
    const at = new Date('2025-03-11T10:00:00+08:00');
    const placed = (disposition: string, talk: number | null) => ({
      id: randomUUID(),
      node: 'n',
      channel_id: `ch-${randomUUID()}`,
      owner: 'o',
      state: 'ended',
      direction: 'outbound',
      caller_raw: '+8613900001111',
      did: '',
      arrived_at: at,
      answered_at: talk === null ? null : at,
      ended_at: at,
      talk_s: talk,
      disposition,
      queue_id: campaign.queue_id,
      campaign_id: campaign.id,
    });
    await db('calls').insert([
      placed('answered', 120),
      placed('machine', null),
      placed('machine_message', null),
      placed('busy', null),
    ]);
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, stack.app.url, 'admin', user('admin').password);
    await page.goto(`${stack.app.url}/#/reports`);
    await page.waitForSelector('[data-testid=queue-section]');
    await applyRange(page, '2025-03-11', '2025-03-11', 'total');
    await waitText(page, '[data-testid=campaign-report] tbody', (t) => t.includes(campaign.name));
    expect(await rows(page, 'campaign-report', 'tbody')).to.deep.equal([
      [campaign.name, '4', '1', '25%', '1', '1', '1', '0', '0', '0', '2:00'],
    ]);
    expect(await page.getAttribute('[data-testid=campaign-report-csv]', 'href')).to.equal(
      '/api/reports/campaigns?from=2025-03-11&to=2025-03-11&format=csv',
    );
    await shot(page, 'reports-campaigns');
    // A day without campaign calls says so.
    await applyRange(page, DAY, DAY, 'total');
    expect(await waitText(page, '[data-testid=campaign-report-empty]', (t) => t !== '')).to.equal(
      'No campaign calls in this period.',
    );
    expect(realErrors(errors)).to.deep.equal([]);
  });
});
