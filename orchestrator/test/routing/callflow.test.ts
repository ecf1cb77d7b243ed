import { expect } from 'chai';
import { pino } from 'pino';
import { loadAgent } from '../../src/agents/repository.js';
import { createCallCenter, type CallCenter } from '../../src/calls/index.js';
import { EventBus } from '../../src/events/bus.js';
import { createRouting, type Routing } from '../../src/routing/index.js';
import { createRule } from '../../src/routing/repository.js';
import { FakeSwitch, waitFor } from '../calls/fakes.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { agent, queue, skills } from './fixtures.js';

/**
 * The contract in routing/types.ts exercised by the real call flow (calls/) on the fake switch: the real router
 * picks the queue, the real ACD reserves agents in the database, the agent service times wrap-up.
 */
describe('routing with the call flow (sqlite, fake switch)', function () {
  let t: TestDb;
  let sw: FakeSwitch;
  let routing: Routing;
  let cc: CallCenter;
  let ids: { general: number; vip: number; a1: number; a2: number };

  beforeEach(async () => {
    t = await createTestDb('sqlite');
    await skills(t.db, 'general', 'vip');
    const general = await queue(t.db, 'general', {
      ringTimeoutS: 5,
      wrapUpS: 1,
      announceIntervalS: 0,
      recordCalls: false,
      autoPauseAfterMisses: 1,
      skills: [{ skill: 'general', minLevel: 1 }],
    });
    const vip = await queue(t.db, 'vip', { ringTimeoutS: 5, wrapUpS: 1, announceIntervalS: 0, recordCalls: false });
    const a1 = await agent(t.db, 'Ann', { skills: [{ skill: 'general', level: 5 }] });
    const a2 = await agent(t.db, 'Bo', {
      skills: [
        { skill: 'general', level: 5 },
        { skill: 'vip', level: 5 },
      ],
    });
    await createRule(
      t.db,
      {
        name: 'VIP by DID',
        expression: 'did == "4009"',
        queueId: vip,
        priority: 80,
        requiredSkills: [{ skill: 'vip', minLevel: 1 }],
      },
      () => null,
    );
    await createRule(t.db, { name: 'Default', expression: 'true', queueId: general, isDefault: true }, () => null);
    ids = { general, vip, a1, a2 };
    // Below the API's 5 s minimum, to keep the no-answer test short.
    await t.db('queues').update({ ring_timeout_s: 1 });
    sw = new FakeSwitch(5);
    const bus = new EventBus();
    routing = createRouting({
      db: t.db,
      bus,
      logger: pino({ level: 'silent' }),
      router: { watchIntervalMs: 0, timeZone: 'UTC' },
      acd: { tickMs: 200, refreshMs: 0 },
    });
    await routing.start();
    cc = createCallCenter({
      db: t.db,
      switchPort: sw,
      router: routing.router,
      acd: routing.acd,
      agents: routing.agents,
      bus,
      config: { telephony: { defaultCountry: 'CN' }, crm: { timeoutMs: 100 }, instanceId: 'rt-1' },
      logger: pino({ level: 'silent' }),
      timings: { playbackTimeoutMs: 1000 },
    });
    await cc.start();
  });
  afterEach(async () => {
    await cc.stop();
    await routing.stop();
    await t.drop();
  });

  const endpointOf = async (id: number): Promise<string> => (await loadAgent(t.db, id))!.endpoint;
  const agentState = async (id: number): Promise<string | undefined> => (await loadAgent(t.db, id))?.state;

  it('routes by rule, reserves, connects; the agent goes on_call, wrap_up, then available', async () => {
    sw.endpoints.set(await endpointOf(ids.a2), { behaviour: 'answer', afterMs: 10 });
    await routing.agents.login(ids.a2);
    const ch = sw.placeCall('13800138000', '4009');
    const callId = await waitFor(() => cc.calls.list().find((c) => c.channelId === ch)?.callId, 'the call');
    await waitFor(() => cc.calls.get(callId)?.state === 'connected', 'connected');
    expect(cc.calls.get(callId)).to.deep.include({ queueId: ids.vip, priority: 80, agentId: ids.a2 });
    expect(await agentState(ids.a2)).to.equal('on_call');
    sw.farHangup(ch);
    await waitFor(async () => (await agentState(ids.a2)) === 'wrap_up', 'agent wrap-up');
    await waitFor(async () => (await agentState(ids.a2)) === 'available', 'agent available after wrap-up', 4000);
    expect((await loadAgent(t.db, ids.a2))?.callsToday).to.equal(1);
  });

  it('no answer: the call goes back to the queue and on to the next agent; the misser is auto-paused', async () => {
    sw.endpoints.set(await endpointOf(ids.a1), { behaviour: 'no-answer', afterMs: 0 });
    sw.endpoints.set(await endpointOf(ids.a2), { behaviour: 'answer', afterMs: 10 });
    await routing.agents.login(ids.a1);
    await new Promise((r) => setTimeout(r, 5));
    await routing.agents.login(ids.a2);
    const ch = sw.placeCall('13800138001', '4000');
    const callId = await waitFor(() => cc.calls.list().find((c) => c.channelId === ch)?.callId, 'the call');
    // Ann (longest idle) rings out after the queue's 1 s ring timeout.
    await waitFor(() => cc.calls.get(callId)?.state === 'connected', 'connected to the second agent', 5000);
    expect(cc.calls.get(callId)?.agentId).to.equal(ids.a2);
    const ann = await loadAgent(t.db, ids.a1);
    expect(ann).to.deep.include({ state: 'paused', pauseReason: 'no answer', missedInRow: 1 });
  });

  it('caller hangs up while waiting: the ACD forgets the call; a later login offers nothing', async () => {
    const ch = sw.placeCall('13800138002', '4000');
    const callId = await waitFor(() => cc.calls.list().find((c) => c.channelId === ch)?.callId, 'the call');
    await waitFor(() => cc.calls.get(callId)?.state === 'queued', 'queued');
    expect(routing.acd.position(callId)?.position).to.equal(1);
    sw.farHangup(ch);
    await waitFor(() => routing.acd.position(callId) === null, 'removed from the queue');
    await routing.agents.login(ids.a1);
    await routing.acd.idle();
    expect(await agentState(ids.a1)).to.equal('available');
    expect(sw.originates).to.have.length(0);
  });
});
