import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { browserSuite, realErrors, shot, signIn, waitText, watchErrors } from './harness.js';
import { at, demoUser } from './support/schedule.js';

// The demo reports in Asia/Shanghai (UTC+8 all year), so a wall time there is a fixed instant. Two days long past
// (a Monday and a Tuesday): days lived, which nothing else in the stack touches.
const DAY = '2025-03-10';
const NEXT = '2025-03-11';

const SECTION = '[data-testid=adherence-summary-section]';

async function rows(page: Page, part: 'thead' | 'tbody' | 'tfoot'): Promise<string[][]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('[data-testid=adherence-summary] ${part} tr')].map((r) => [...r.cells].map((c) => c.textContent.trim()))`,
  )) as string[][];
}

/** The table's rows by agent id (the table is by name, which says nothing of the order of the ids). */
async function byAgent(page: Page): Promise<Record<string, string[]>> {
  return (await page.evaluate(
    `Object.fromEntries([...document.querySelectorAll('[data-testid=adherence-summary] tbody tr')].map((r) => [r.dataset.agent, [...r.cells].map((c) => c.textContent.trim())]))`,
  )) as Record<string, string[]>;
}

async function applyRange(page: Page, from: string, to: string): Promise<void> {
  await page.selectOption('select[name=by]', 'day');
  await page.fill('input[name=from]', from);
  await page.fill('input[name=to]', to);
  await page.click('[data-testid=report-form] button[type=submit]');
}

describe('the adherence report over days in a browser (Reports page)', function () {
  this.timeout(180_000);
  const { newPage, ...suite } = browserSuite();
  const a = { id: 0, name: '' };
  const b = { id: 0, name: '' };

  before(async () => {
    const { app } = suite.stack();
    const agents = (await app.db('agents').orderBy('id').limit(2).select('id', 'name')) as {
      id: number;
      name: string;
    }[];
    Object.assign(a, { id: Number(agents[0]!.id), name: agents[0]!.name });
    Object.assign(b, { id: Number(agents[1]!.id), name: agents[1]!.name });
  });

  it('sums each agent over the days (scheduled, adherence, phone ready, unscheduled, exceptions) with totals, and downloads it as CSV', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'supervisor', demoUser('supervisor').password);
    const request = page.context().request;
    // A: Monday 09:00–17:00 with lunch 12:00–13:00, Tuesday 09:00–13:00.
    for (const body of [
      {
        agentId: a.id,
        day: DAY,
        startTime: '09:00',
        endTime: '17:00',
        activities: [{ kind: 'lunch', startTime: '12:00', endTime: '13:00' }],
      },
      { agentId: a.id, day: NEXT, startTime: '09:00', endTime: '13:00' },
    ]) {
      const res = await request.post(`${app.url}/api/shifts`, { data: body });
      expect(res.status(), await res.text()).to.equal(201);
    }
    const span = (agentId: number, day: string, from: string, to: string, reason: string | null = null) => ({
      agent_id: agentId,
      state: reason === null ? 'ready' : 'paused',
      reason,
      started_at: at(day, from),
      ended_at: at(day, to),
    });
    // Monday: ten minutes late, lunch as planned, gone an hour early (6:50 of 8:00 in adherence, two exceptions);
    // Tuesday kept to the minute. B: no shift, half an hour logged in on Monday evening.
    await app
      .db('agent_presence')
      .insert([
        span(a.id, DAY, '09:10:00', '12:00:00'),
        span(a.id, DAY, '12:00:00', '13:00:00', 'lunch'),
        span(a.id, DAY, '13:00:00', '16:00:00'),
        span(a.id, NEXT, '09:00:00', '13:00:00'),
        span(b.id, DAY, '18:00:00', '18:30:00'),
      ]);

    await page.click('header nav >> text=Reports');
    await page.waitForSelector(SECTION);
    await applyRange(page, DAY, NEXT);
    await waitText(page, '[data-testid=adherence-summary-range]', (t) =>
      t.startsWith(`each agent against their shifts, ${DAY} – ${NEXT}`),
    );
    expect(await rows(page, 'thead')).to.deep.equal([
      ['Agent', 'Days', 'Scheduled', 'In adherence', 'Adherence', 'Phone ready', 'Unscheduled', 'Exceptions'],
    ]);
    // A: 12 h scheduled, 10 h 50 in adherence (90.3%); ready 9 h 50 of the 11 h on the phones (89.4%).
    // B: no day scheduled, 30 minutes logged in off shift.
    expect(await byAgent(page)).to.deep.equal({
      [a.id]: [a.name, '2', '12:00:00', '10:50:00', '90.3%', '89.4%', '0:00', '2'],
      [b.id]: [b.name, '0', '0:00', '0:00', '—', '—', '30:00', '0'],
    });
    expect(await rows(page, 'tfoot')).to.deep.equal([
      ['Total', '', '12:00:00', '10:50:00', '90.3%', '89.4%', '30:00', '2'],
    ]);
    // Under 90 % is marked; 90.3 % is not.
    const marked = (await page.evaluate(
      `[...document.querySelectorAll('[data-testid=adherence-summary] tbody td.warn')].length`,
    )) as number;
    expect(marked).to.equal(0);
    await shot(page, 'adherence-summary');

    // One day: Monday alone, under 90 % and marked.
    await applyRange(page, DAY, DAY);
    await waitText(page, '[data-testid=adherence-summary-range]', (t) =>
      t.startsWith(`each agent against their shifts, ${DAY} ·`),
    );
    expect((await byAgent(page))[a.id]).to.deep.equal([
      a.name,
      '1',
      '8:00:00',
      '6:50:00',
      '85.4%',
      '83.3%',
      '0:00',
      '2',
    ]);
    expect(
      await page.getAttribute(
        `[data-testid=adherence-summary] tbody tr[data-agent="${a.id}"] td:nth-child(5)`,
        'class',
      ),
    ).to.contain('warn');

    // The CSV: the same figures, every column of the API's.
    await applyRange(page, DAY, NEXT);
    await waitText(page, '[data-testid=adherence-summary-range]', (t) => t.includes(`${DAY} – ${NEXT}`));
    expect(await page.getAttribute('[data-testid=adherence-summary-csv]', 'href')).to.equal(
      `/api/reports/adherence/summary?from=${DAY}&to=${NEXT}&format=csv`,
    );
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=adherence-summary-csv]'),
    ]);
    expect(download.suggestedFilename()).to.equal(`adherence-${DAY}-${NEXT}.csv`);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).to.equal(
      'agentId,name,days,scheduledS,inAdherenceS,adherencePct,phoneScheduledS,phoneReadyS,phoneReadyPct,unscheduledS,exceptions',
    );
    const csv = Object.fromEntries(lines.slice(1).map((l) => [l.split(',')[0], l.split(',').slice(2)]));
    expect(csv).to.deep.equal({
      [a.id]: ['2', '43200', '39000', '90.3', '39600', '35400', '89.4', '0', '2'],
      [b.id]: ['0', '0', '0', '', '0', '0', '', '1800', '0'],
    });

    // More than 31 days: a hint instead of the table, and no request refused.
    await applyRange(page, DAY, '2025-04-30');
    await page.waitForSelector('[data-testid=adherence-summary-hint]');
    expect(await page.$(SECTION)).to.equal(null);
    expect(await page.$('main [role=alert]')).to.equal(null);
    expect(realErrors(errors)).to.deep.equal([]);
  });
});
