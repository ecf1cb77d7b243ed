import { expect } from 'chai';
import { agentOf, browserSuite, realErrors, signIn, watchErrors } from './harness.js';
import { addDays, apiOf, dayIn, demoUser } from './support/schedule.js';

/** What the workspace and the Schedule page learn over the WebSocket, without reading again on their own. */
describe('browser: the schedule live', function () {
  this.timeout(120_000);
  const suite = browserSuite();

  it("a shift made for the agent shows in their workspace at once; their request for time off in the supervisor's count", async () => {
    const { app } = suite.stack();
    const url = app.url;
    const me = await agentOf(app, 'agent');
    // Nothing of the demo's: the agent's shifts and the requests waiting are the test's own.
    await app.db('shifts').where({ agent_id: me.id }).delete();
    await app.db('time_off').delete();

    const desk = await suite.newPage();
    const deskErrors = watchErrors(desk);
    await signIn(desk, url, 'agent', demoUser('agent').password);
    await desk.waitForSelector('[data-testid=my-schedule-none]');
    const office = await suite.newPage();
    const officeErrors = watchErrors(office);
    await signIn(office, url, 'supervisor', demoUser('supervisor').password);
    await office.goto(`${url}/#/admin/schedule`);
    await office.waitForSelector('[data-testid=time-off-button]');
    expect(await office.locator('[data-testid=time-off-count]').count()).to.equal(0);

    const tomorrow = addDays(dayIn(Date.now()), 1);
    const made = await apiOf(office).post(`${url}/api/shifts`, {
      data: { agentId: me.id, day: tomorrow, startTime: '10:00', endTime: '18:00' },
    });
    expect(made.status(), await made.text()).to.equal(201);
    // The workspace reads its shifts every ten minutes on its own: only the push brings it this soon.
    await desk.waitForSelector('[data-testid=my-schedule] >> text=10:00–18:00', { timeout: 10_000 });

    const asked = await apiOf(desk).post(`${url}/api/time-off`, {
      data: { fromDay: addDays(tomorrow, 10), toDay: addDays(tomorrow, 11), kind: 'vacation' },
    });
    expect(asked.status(), await asked.text()).to.equal(201);
    await office.waitForSelector('[data-testid=time-off-count] >> text=1', { timeout: 10_000 });
    expect(realErrors(deskErrors)).to.deep.equal([]);
    expect(realErrors(officeErrors)).to.deep.equal([]);
  });
});
