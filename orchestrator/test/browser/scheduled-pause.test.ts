import { expect } from 'chai';
import { agentOf, browserSuite, realErrors, shot, signIn, waitText, watchErrors } from './harness.js';
import { apiOf, dayIn, demoUser, hhmm, minutesIn } from './support/schedule.js';

describe('the schedule in a browser: ARIADNE_SCHEDULED_ACTIVITIES=pause', function () {
  this.timeout(180_000);
  const { newPage, ...suite } = browserSuite({ env: () => ({ ARIADNE_SCHEDULED_ACTIVITIES: 'pause' }) });

  it('pauses an available agent when their lunch begins, and the workspace says why', async () => {
    const { app } = suite.stack();
    const me = await agentOf(app, 'agent');
    // The demo's rota off the agent's days: only the shift below.
    const seeded = (await app.db('shifts').where({ agent_id: me.id }).pluck('id')) as number[];
    await app.db('shift_activities').whereIn('shift_id', seeded).delete();
    await app.db('shifts').whereIn('id', seeded).delete();

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'agent', demoUser('agent').password);
    await page.click('[data-testid=presence] button:has-text("Log in")');
    await page.waitForSelector('[data-testid=presence] .badge.state-available');

    // A shift begun half an hour ago (or at midnight), its lunch beginning this minute.
    const now = Date.now();
    const minutes = minutesIn(now);
    const start = Math.max(0, minutes - 30);
    const [lunchFrom, lunchTo] = [hhmm(minutes), hhmm(minutes + 45)];
    const staff = await newPage();
    await signIn(staff, app.url, 'supervisor', demoUser('supervisor').password);
    const added = await apiOf(staff).post(`${app.url}/api/shifts`, {
      data: {
        agentId: me.id,
        day: dayIn(now),
        startTime: hhmm(start),
        endTime: hhmm(start + 180),
        activities: [{ kind: 'lunch', startTime: lunchFrom, endTime: lunchTo }],
      },
    });
    expect(added.status(), await added.text()).to.equal(201);

    // The orchestrator looks every 15 s: paused, and told why.
    const notice = await waitText(page, '[data-testid=scheduled-pause]', (t) => t.includes('lunch'), 30_000);
    expect(notice).to.equal(
      `Paused for your lunch (${lunchFrom}–${lunchTo}), as scheduled. Unpause when you are back. Dismiss`,
    );
    await page.waitForSelector('[data-testid=presence] .badge.state-paused');
    expect((await agentOf(app, 'agent')).pauseReason).to.equal('lunch');
    await shot(page, 'scheduled-pause');

    // Back early: available, and not paused again for this lunch.
    await page.click('[data-testid=scheduled-pause] button:has-text("Dismiss")');
    await page.click('[data-testid=presence] button:has-text("Available")');
    await page.waitForSelector('[data-testid=presence] .badge.state-available');
    await page.waitForTimeout(16_000);
    expect((await agentOf(app, 'agent')).state).to.equal('available');
    expect(await page.$('[data-testid=scheduled-pause]')).to.equal(null);
    expect(realErrors(errors)).to.deep.equal([]);
  });
});
