import { expect } from 'chai';
import { DEMO_CUSTOMERS, DEMO_DIRECT_DID, DEMO_USERS } from '../../src/db/seed/index.js';
import { agentOf, browserSuite, shot, signIn, watchErrors } from './harness.js';

const agentUser = DEMO_USERS.find((u) => u.username === 'agent')!;
const caller = DEMO_CUSTOMERS.find((c) => c.key === 'standard2')!;

describe('agent workspace with a ring_all queue in a browser', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite();

  it('an agent beaten to the answer sees the screen pop go, and is free again', async () => {
    const { app } = suite.stack();
    const sim = app.simulator!;
    await app.db('queues').where({ name: 'general' }).update({ strategy: 'ring_all', ring_timeout_s: 15 });
    await app.acd.reloadQueues();
    const me = await agentOf(app, 'agent');
    const colleague = (await app.db('agents').where({ endpoint: 'PJSIP/2002' }).first('id')) as { id: number };
    expect(me.endpoint).to.not.equal('PJSIP/2002');
    const [tech, resource] = me.endpoint.split('/') as [string, string];
    // The browser agent's phone rings on; the colleague's desk phone picks up after a moment.
    sim.control.setEndpoint(tech, resource, { behaviour: 'no-answer', afterMs: 0 });
    sim.control.setEndpoint('PJSIP', '2002', { behaviour: 'answer', afterMs: 1500 });

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'agent', agentUser.password);
    await page.click('[data-testid=presence] button:has-text("Log in")');
    await page.waitForSelector('[data-testid=presence] .badge.state-available');
    await app.agents.login(colleague.id);
    await app.acd.idle();

    sim.control.placeCall({ from: caller.phone, to: DEMO_DIRECT_DID });
    const pop = '[data-testid=screen-pop]';
    await page.waitForSelector(`${pop}.phase-offered`, { timeout: 20_000 });
    await shot(page, 'ring-all-offered');
    // The colleague answers: the pop goes without any wrap-up, and this agent is available again.
    await page.waitForSelector(pop, { state: 'detached', timeout: 10_000 });
    await page.waitForSelector('[data-testid=presence] .badge.state-available', { timeout: 10_000 });
    expect(await page.isVisible('[data-testid=wrap-up]')).to.equal(false);
    await shot(page, 'ring-all-withdrawn');
    const call = (await app.db('calls').where({ caller_e164: caller.phone }).first('agent_id')) as {
      agent_id: number;
    };
    expect(call.agent_id).to.equal(colleague.id);
    expect(errors.filter((e) => !/status of 401/.test(e))).to.deep.equal([]);
  });
});
