import { expect } from 'chai';
import { AgentService } from '../../src/agents/service.js';
import { endpointOfChannel, FeatureCodes, type FeatureOutcome } from '../../src/agents/feature-codes.js';
import { logger } from '../../src/logger.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createSwitch } from '../../src/telephony/index.js';
import type { InboundChannel, SwitchPort } from '../../src/telephony/port.js';
import { createTestDb, type TestDb } from '../support/db.js';

describe('agents/feature-codes (desk phone *11 / *12 / *13 / *14)', function () {
  this.timeout(20_000);
  let t: TestDb;
  let sim: Simulator;
  let port: SwitchPort & { stop(): Promise<void> };
  let agents: AgentService;
  let features: FeatureCodes;
  let agentId: number;
  const outcomes: FeatureOutcome[] = [];

  before(async () => {
    t = await createTestDb('sqlite');
    [agentId] = (await t.db('agents').insert({ name: 'Agent 2001', endpoint: 'PJSIP/2001' })).map(Number) as [number];
    sim = await startSimulator({ playbackMs: 10, amiPort: null });
    port = createSwitch({
      nodes: [{ name: 'sim', url: sim.url, user: 'ariadne', password: 'ariadne', app: 'ariadne' }],
    });
    agents = new AgentService({ db: t.db, logger });
    features = new FeatureCodes({ db: t.db, switchPort: port, agents, logger });
    // The test drives handle() itself so it can await each outcome.
    port.onInbound((ch: InboundChannel) => {
      if (ch.args[0] === 'feature') void features.handle(ch).then((o) => outcomes.push(o));
    });
    await port.start();
  });

  after(async () => {
    await port?.stop();
    await sim?.stop();
    await t?.drop();
  });

  async function dial(action: string, code = ''): Promise<FeatureOutcome> {
    const before = outcomes.length;
    sim.control.placeCall({
      from: '2001',
      to: 's',
      endpoint: 'PJSIP/2001',
      context: 'agent-feature',
      args: ['feature', action, code],
    });
    const deadline = Date.now() + 5000;
    while (outcomes.length === before) {
      if (Date.now() > deadline) throw new Error(`no outcome for ${action}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return outcomes[outcomes.length - 1]!;
  }

  it('finds the endpoint in an Asterisk channel name', () => {
    expect(endpointOfChannel('PJSIP/2001-0000002c')).to.equal('PJSIP/2001');
    expect(endpointOfChannel('garbage')).to.equal(null);
  });

  it('logs in, pauses with a reason code, unpauses and logs out the calling agent, hanging up each time', async () => {
    expect(await dial('login')).to.deep.equal({ ok: true, agentId, action: 'login' });
    expect((await agents.get(agentId))?.state).to.equal('available');

    await dial('pause', '2');
    const paused = await agents.get(agentId);
    expect(paused?.state).to.equal('paused');
    expect(paused?.pauseReason).to.equal('lunch');

    await dial('unpause');
    expect((await agents.get(agentId))?.state).to.equal('available');
    await dial('logout');
    expect((await agents.get(agentId))?.state).to.equal('logged_out');
    // Every feature channel was answered, told and hung up: none is left on the switch.
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.control.channels()).to.have.length(0);
  });

  it('pauses with the reason an admin gave a code, the first reason for a plain *13, and refuses a code not in use', async () => {
    await t.db('pause_reasons').insert({ name: 'quality review', code: '42' });
    await dial('login');
    await dial('pause', '42');
    expect((await agents.get(agentId))?.pauseReason).to.equal('quality review');
    await dial('pause');
    expect((await agents.get(agentId))?.pauseReason).to.equal('break');
    const unused = await dial('pause', '9');
    expect(unused).to.deep.equal({ ok: false, reason: 'no pause reason has code 9' });
    expect((await agents.get(agentId))?.pauseReason).to.equal('break');
    await dial('logout');
  });

  it('refuses an unknown action or a phone that belongs to no agent, without changing anyone', async () => {
    const unknown = await dial('teleport');
    expect(unknown.ok).to.equal(false);
    const before = outcomes.length;
    sim.control.placeCall({
      from: '2999',
      to: 's',
      endpoint: 'PJSIP/2999',
      context: 'agent-feature',
      args: ['feature', 'login', ''],
    });
    while (outcomes.length === before) await new Promise((r) => setTimeout(r, 20));
    const stranger = outcomes[outcomes.length - 1]!;
    expect(stranger.ok).to.equal(false);
    expect(!stranger.ok && stranger.reason).to.include('no agent has endpoint PJSIP/2999');
    expect((await agents.get(agentId))?.state).to.equal('logged_out');
  });
});
