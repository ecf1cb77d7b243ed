import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { DEMO_USERS } from '../../src/db/seed/index.js';
import { agentOf, browserSuite, realErrors, shot, signIn, waitText, watchErrors } from './harness.js';

const user = (name: 'admin' | 'agent' | 'supervisor') => DEMO_USERS.find((u) => u.username === name)!;
const PRESENCE = '[data-testid=presence]';
const MY_DAY = '[data-testid=my-day]';
const fig = (name: string) => `${MY_DAY} [data-testid=my-day-${name}]`;

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector, { timeout: 10_000 })) ?? '').trim();
}

/** The card's figures as shown, keyed by their test ids. */
async function figures(page: Page): Promise<Record<string, string>> {
  const names = ['logged-in', 'paused', 'calls', 'avg-handle', 'occupancy', 'pauses'];
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await text(page, fig(n))] as const)));
}

async function setState(page: Page, button: string, state: string): Promise<void> {
  await page.click(`${PRESENCE} button:has-text("${button}")`);
  await page.waitForSelector(`${PRESENCE} .badge.state-${state}`);
}

/** Changes state, then waits for the card's read of the day that follows (a moment after the change). */
async function setStateAndRead(page: Page, button: string, state: string): Promise<void> {
  const read = page.waitForResponse((r) => r.url().endsWith('/api/agent/me/today'), { timeout: 10_000 });
  await setState(page, button, state);
  await read;
  await page.waitForTimeout(100); // rendered
}

describe("the workspace's My day card in a browser", function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite();
  let agentId: number;

  before(async () => {
    const { app } = suite.stack();
    agentId = (await agentOf(app, 'agent')).id;
  });

  it('shows the day so far, live: logged-in and paused time per reason, calls, handle time, occupancy', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'agent', user('agent').password);
    await page.waitForSelector(`${PRESENCE} .badge.state-logged_out`);
    // Nothing yet today: no time, no calls, no ready time to be occupied in.
    await waitText(page, fig('pauses'), (t) => t.includes('No pauses today'));
    expect(await figures(page)).to.deep.equal({
      'logged-in': '0:00',
      paused: '0:00',
      calls: '0',
      'avg-handle': '—',
      occupancy: '—',
      pauses: 'No pauses today.',
    });

    // Log in, lunch for a moment, back: each change of state reads the day again.
    await setState(page, 'Log in', 'available');
    await setState(page, 'Pause: lunch', 'paused');
    await page.waitForTimeout(1_500);
    await setStateAndRead(page, 'Available', 'available');
    expect(await text(page, fig('pauses'))).to.match(/^lunch [1-9] s$/);
    // h:mm on the card; the exact m:ss in its title.
    expect(await text(page, fig('logged-in'))).to.equal('0:00');
    expect(await page.getAttribute(fig('logged-in'), 'title')).to.match(/^0:0[2-9]$/);
    expect(await page.getAttribute(fig('paused'), 'title')).to.match(/^0:0[1-3]$/);
    expect(await text(page, fig('occupancy'))).to.equal('0.0%');
    expect(await text(page, fig('calls'))).to.equal('0');
    expect(await page.$(`${MY_DAY} [role=alert]`)).to.equal(null);

    // A call answered a moment ago (talk 1:35, after-call work 0:25): the next change of state brings it.
    const now = Date.now();
    await app.db('calls').insert({
      id: 'my-day-1',
      channel_id: 'ch-my-day-1',
      node: 'test',
      owner: 'test',
      caller_raw: '13800000000',
      did: '4000',
      state: 'ended',
      disposition: 'answered',
      agent_id: agentId,
      arrived_at: new Date(now - 8_000),
      answered_at: new Date(now - 5_000),
      ended_at: new Date(now - 1_000),
      talk_s: 95,
      wrap_s: 25,
    });
    await setState(page, 'Pause: break', 'paused');
    await setStateAndRead(page, 'Available', 'available');
    expect(await text(page, fig('calls'))).to.equal('1');
    expect(await text(page, fig('avg-handle'))).to.equal('2:00');
    // 120 s of calls over a few seconds ready: well over 100 %, as the figure honestly says.
    expect(await text(page, fig('occupancy'))).to.match(/^\d+\.\d%$/);
    expect(await text(page, fig('pauses'))).to.match(/^lunch \d s · break \d s$|^break \d s · lunch \d s$/);
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('renders a whole day: hours, the pauses per reason longest first with their count, beside the presence card', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    // A day fixed here rather than made in the database: its figures must not depend on the hour the test runs
    // (the first test reads the live API; the API's own test checks its sums).
    const day = {
      day: '2026-12-06',
      timeZone: 'Asia/Shanghai',
      asOf: new Date().toISOString(),
      calls: 2,
      talkS: 250,
      wrapS: 30,
      avgHandleS: 140,
      loggedInS: 4_230,
      pausedS: 2_220,
      occupancyPct: 14.1,
      pauses: [
        { reason: 'lunch', count: 2, seconds: 1_802 },
        { reason: 'break', count: 3, seconds: 418 },
      ],
    };
    await page.route('**/api/agent/me/today', (r) => r.fulfill({ json: day }));
    await signIn(page, app.url, 'agent', user('agent').password);
    await page.waitForSelector(`${PRESENCE} .badge.state-available`);
    await waitText(page, fig('calls'), (t) => t === '2');
    expect(await figures(page)).to.deep.equal({
      'logged-in': '1:10',
      paused: '0:37',
      calls: '2',
      'avg-handle': '2:20',
      occupancy: '14.1%',
      pauses: 'lunch 2×, 30 min · break 3×, 7 min',
    });
    expect(await page.getAttribute(`${MY_DAY} [data-reason=lunch]`, 'title')).to.equal('30:02');
    await shot(page, 'my-day');

    // Beside the presence card, on the same row, inside the window: nothing under the call area moves down for it.
    const top = await page.evaluate(
      `(() => { const r = (s) => document.querySelector(s).getBoundingClientRect();
        const p = r('${PRESENCE}'), d = r('${MY_DAY}');
        return { overlap: p.right > d.left && p.left < d.right && p.bottom > d.top && p.top < d.bottom,
                 sameRow: Math.abs(p.top - d.top) < 1, right: d.right, width: window.innerWidth }; })()`,
    );
    expect(top).to.include({ overlap: false, sameRow: true });
    expect((top as { right: number }).right).to.be.at.most((top as { width: number }).width);
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('a day that cannot be read says so in the card, and the rest of the workspace still works', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await page.route('**/api/agent/me/today', (r) =>
      r.fulfill({ status: 500, json: { error: { code: 'internal', message: 'day unavailable' } } }),
    );
    await signIn(page, app.url, 'agent', user('agent').password);
    await page.waitForSelector(`${PRESENCE} .badge.state-available`);
    expect(await text(page, `${MY_DAY} [role=alert]`)).to.contain('day unavailable');
    expect(await page.$(fig('calls'))).to.equal(null);
    expect(await page.$(`${PRESENCE} [role=alert]`)).to.equal(null);
    await setState(page, 'Pause: break', 'paused');
    await shot(page, 'my-day-failed');
    await setState(page, 'Available', 'available');
    // The service is back: the next change of state reads the day, and the error goes.
    await page.unroute('**/api/agent/me/today');
    await setState(page, 'Pause: meeting', 'paused');
    await waitText(page, fig('calls'), (t) => t === '1');
    expect(await page.$(`${MY_DAY} [role=alert]`)).to.equal(null);
    await setState(page, 'Available', 'available');
    expect(realErrors(errors).filter((e) => !/status of 500/.test(e))).to.deep.equal([]);
  });
});
