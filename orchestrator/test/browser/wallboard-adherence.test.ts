import { expect } from 'chai';
import { DEMO_USERS } from '../../src/db/seed/index.js';
import { agentOf, browserSuite, realErrors, shot, signIn, watchErrors } from './harness.js';
import { clock, dayIn } from './support/schedule.js';

const password = (name: 'agent' | 'supervisor') => DEMO_USERS.find((u) => u.username === name)!.password;

const chip = (agentId: number) => `[data-testid=agent-chip-${agentId}]`;
const COUNT = '[data-testid=agents-out-of-adherence]';

describe('browser: the wallboard against the schedule', function () {
  this.timeout(120_000);
  const suite = browserSuite();

  it('a supervisor sees an agent due on the phones who has not logged in, until they do', async () => {
    const { app } = suite.stack();
    const url = app.url;
    const agent = await agentOf(app, 'agent');
    // Only this test's shift: the demo rota would put other agents on (or off) schedule now.
    await app.db('shift_activities').delete();
    await app.db('shifts').delete();
    // Told, as a change through the API would: the wallboard otherwise holds the rota until its minute's reread
    // (the demo's early shift begins at 07:45 in Shanghai, when the wallboard would count its no-shows).
    app.bus.publish('schedule.changed', { agentIds: 'all' });

    const wall = await suite.newPage();
    const errors = watchErrors(wall);
    await signIn(wall, url, 'supervisor', password('supervisor'));
    await wall.goto(`${url}/#/wallboard`);
    await wall.waitForSelector('[data-testid=agents-available]');
    await wall.waitForSelector(COUNT, { state: 'detached' });

    // A shift from an hour ago to three hours on (across midnight if it must), made through the API as a
    // supervisor would: the wallboard rereads the schedule at once.
    const from = Date.now() - 3_600_000;
    const made = await wall.context().request.post(`${url}/api/shifts`, {
      data: { agentId: agent.id, day: dayIn(from), startTime: clock(from), endTime: clock(from + 4 * 3_600_000) },
    });
    expect(made.status(), await made.text()).to.equal(201);
    await wall.waitForSelector(`${chip(agent.id)}.off-schedule`);
    expect(await wall.textContent(chip(agent.id))).to.contain('due: on the phones');
    expect(await wall.textContent(COUNT)).to.contain('1 off schedule');
    await shot(wall, 'wallboard-off-schedule');

    // The agent logs in: on schedule, the alert gone.
    const desk = await suite.newPage();
    await signIn(desk, url, 'agent', password('agent'));
    const login = await desk.context().request.post(`${url}/api/agent/login`, { data: {} });
    expect(login.status(), await login.text()).to.equal(200);
    await wall.waitForSelector(`${chip(agent.id)}:not(.off-schedule)`);
    await wall.waitForSelector(COUNT, { state: 'detached' });
    await shot(wall, 'wallboard-on-schedule');
    expect(realErrors(errors)).to.deep.equal([]);
    await desk.context().request.post(`${url}/api/agent/logout`, { data: {} });
  });
});
