import { expect } from 'chai';
import { pino } from 'pino';
import { createCallCenter, type CallCenter } from '../../src/calls/index.js';
import { EventBus, type BusEvents } from '../../src/events/bus.js';
import type { RouteDecision } from '../../src/routing/types.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { AgentHooks, FakeSwitch, intercepted, recordingUploadsInto, SimpleAcd, TableRouter, waitFor } from './fakes.js';
import { SwitchError } from '../../src/telephony/port.js';
import { autoAnswerVariables } from '../../src/calls/auto-answer.js';

/**
 * The call flow against in-memory fakes (switch, ACD, router): every path of the state machine, quickly.
 * test/e2e/ runs the same kinds of calls against the real adapter, simulator, router and ACD on MariaDB.
 */

interface Ctx {
  t: TestDb;
  sw: FakeSwitch;
  acd: SimpleAcd;
  router: TableRouter;
  agents: AgentHooks;
  bus: EventBus;
  cc: CallCenter;
  queues: Record<string, number>;
  stored: string[];
  events: Array<{ name: string; payload: unknown }>;
}

const GOLD = '+8619900000001';
const STANDARD = '+8619900000004';

async function setup(
  options: {
    now?: () => Date;
    wrapUp?: number;
    announce?: number;
    /** Runs before each statement of the call center (not of the test) goes out. */
    gate?: (sql: string) => Promise<void>;
    /** Receives the call center's log lines (level and message) instead of silence. */
    logs?: Array<{ level: number; msg: string }>;
  } = {},
): Promise<Ctx> {
  const t = await createTestDb('sqlite');
  const queues: Record<string, number> = {};
  for (const name of ['general', 'vip', 'backup', 'billing']) {
    const [id] = await t.db('queues').insert({
      name,
      display_name: name,
      ring_timeout_s: 1,
      wrap_up_s: options.wrapUp ?? 1,
      announce_interval_s: options.announce ?? 0,
      callback_digit: '*',
      record_calls: name !== 'billing',
      whisper_queue_name: name === 'vip',
    });
    queues[name] = Number(id);
  }
  for (const id of [1, 2, 3]) await t.db('agents').insert({ id, name: `Agent ${id}`, endpoint: `PJSIP/200${id}` });
  const [gold] = await t.db('customers').insert({ name: '王芳', tier: 'gold', language: 'zh' });
  await t.db('customer_phones').insert({ customer_id: gold, e164: GOLD });
  await t.db('orders').insert({ customer_id: gold, order_no: '20000001', status: 'in_transit', carrier: 'SF Express' });
  const [std] = await t.db('customers').insert({ name: 'Emily', tier: 'standard', language: 'en' });
  await t.db('customer_phones').insert({ customer_id: std, e164: STANDARD });
  await t
    .db('business_hours')
    .insert({ name: 'main', timezone: 'Asia/Shanghai', weekly: JSON.stringify({ mon: [['09:00', '18:00']] }) });

  const sw = new FakeSwitch(5);
  const acd = new SimpleAcd();
  const router = new TableRouter((a): RouteDecision => {
    if (a.tier === 'gold')
      return {
        queueId: queues.general as number,
        queueName: 'general',
        priority: 50,
        requiredSkills: [],
        ruleId: 2,
        ruleName: 'gold',
      };
    if (a.ivr.menu === '2')
      return {
        queueId: queues.billing as number,
        queueName: 'billing',
        priority: 0,
        requiredSkills: [],
        ruleId: 3,
        ruleName: 'billing',
      };
    return {
      queueId: queues.general as number,
      queueName: 'general',
      priority: 0,
      requiredSkills: [],
      ruleId: 9,
      ruleName: 'default',
    };
  });
  const agents = new AgentHooks();
  const bus = new EventBus();
  const events: Ctx['events'] = [];
  for (const name of ['call.offered', 'call.connected', 'call.ended', 'call.state'] as const) {
    bus.subscribe(name, (payload: BusEvents[typeof name]) => events.push({ name, payload }));
  }
  const stored: string[] = [];
  const cc = createCallCenter({
    db: options.gate ? intercepted(t.db, options.gate) : t.db,
    switchPort: sw,
    router,
    acd,
    agents,
    bus,
    config: { telephony: { defaultCountry: 'CN' }, crm: { timeoutMs: 100 }, instanceId: 'test-1' },
    logger: options.logs
      ? pino(
          { level: 'warn' },
          { write: (line: string) => void options.logs!.push(JSON.parse(line) as { level: number; msg: string }) },
        )
      : pino({ level: process.env.CALLS_DEBUG ? 'debug' : 'silent' }),
    recordingUploads: recordingUploadsInto(t.db, stored),
    now: options.now,
    timings: { playbackTimeoutMs: 2000, transferRingSeconds: 1 },
  });
  await cc.start();
  return { t, sw, acd, router, agents, bus, cc, queues, stored, events };
}

async function callRow(ctx: Ctx, callId: string): Promise<Record<string, unknown>> {
  await ctx.cc.calls.flushed(callId);
  return (await ctx.t.db('calls').where({ id: callId }).first()) as Record<string, unknown>;
}

async function eventsOf(ctx: Ctx, callId: string): Promise<string[]> {
  await ctx.cc.calls.flushed(callId);
  const rows = (await ctx.t.db('call_events').where({ call_id: callId }).orderBy('seq')) as Array<{
    from_state: string | null;
    event: string;
    to_state: string;
    seq: number;
  }>;
  rows.forEach((r, i) => expect(r.seq).to.equal(i + 1));
  return rows.map((r) => `${r.from_state ?? '-'}>${r.event}>${r.to_state}`);
}

async function finalRow(ctx: Ctx, callId: string, state: string): Promise<Record<string, unknown>> {
  return waitFor(async () => {
    const row = await callRow(ctx, callId);
    return row?.state === state ? row : null;
  }, `call ${callId} to be ${state}`);
}

function callIdOf(ctx: Ctx, channelId: string): Promise<string> {
  return waitFor(() => ctx.cc.calls.list().find((c) => c.channelId === channelId)?.callId, 'the call to exist');
}

function stateOf(ctx: Ctx, callId: string): string | undefined {
  return ctx.cc.calls.get(callId)?.state;
}

describe('calls/service (fakes)', function () {
  let ctx: Ctx;
  afterEach(async () => {
    await ctx.cc.stop();
    await ctx.t.drop();
  });

  it("recording starts when the agent answers, not after the call's writes have landed (slow database)", async () => {
    // Once the call is offered, its call_events/calls writes are held back until the test lets them go.
    let holding = false;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    ctx = await setup({
      gate: async (sql) => {
        if (holding && /call_events|[`"]calls[`"]/.test(sql)) await released;
      },
    });
    ctx.bus.subscribe('call.state', (e) => {
      if (e.to === 'offering') holding = true;
    });
    ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'answer', afterMs: 20 });
    ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);
    const ch = ctx.sw.placeCall('19900000001', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'connected', 'connected');
    try {
      await waitFor(() => ctx.sw.recordings.has(callId), 'the recording to start while the writes are held');
    } finally {
      holding = false;
      release();
    }
    ctx.sw.farHangup(ch);
    const row = await finalRow(ctx, callId, 'ended');
    const rec = await waitFor(
      async () =>
        (await ctx.t.db('recordings').where({ call_id: callId, state: 'stored' }).first()) as
          Record<string, unknown> | undefined,
      'the stored recording row',
    );
    expect(rec).to.deep.include({ name: callId, agent_id: 1, queue_id: ctx.queues.general });
    expect(row.recording_id).to.equal(rec.id);
    await waitFor(() => ctx.stored.length > 0, 'the upload queued');
    expect(ctx.stored).to.deep.equal([rec.id]);
    // The upload job rode the call's commit with the row's close.
    const job = (await ctx.t
      .db('jobs')
      .where({ idempotency_key: `recording.upload:${rec.id}` })
      .first()) as Record<string, unknown> | undefined;
    expect(job).to.deep.include({ type: 'recording.upload', state: 'pending' });
    // It carries the row as closed, so the upload's first attempt reads nothing back.
    const queue = (await ctx.t.db('queues').where({ id: ctx.queues.general }).first('retention_days')) as {
      retention_days: number;
    };
    const closed = (await ctx.t.db('recordings').where({ id: rec.id }).first()) as Record<string, unknown>;
    expect(JSON.parse(String(job?.payload))).to.deep.equal({
      recordingId: rec.id,
      closed: {
        callId,
        name: callId,
        node: closed.node,
        format: 'wav',
        startedAt: new Date(closed.started_at as string | Date).toISOString(),
        endedAt: new Date(closed.ended_at as string | Date).toISOString(),
        durationS: Number(closed.duration_s),
        retentionDays: Number(queue.retention_days),
        transcribe: false,
      },
    });
  });

  it('answers a ringing caller itself and makes no answer request for one the dialplan answered', async () => {
    ctx = await setup();
    const ringing = ctx.sw.placeCall('19900000004', '4000');
    const up = ctx.sw.placeCall('19900000004', '4000', true);
    const ids = [await callIdOf(ctx, ringing), await callIdOf(ctx, up)];
    for (const id of ids) await waitFor(() => stateOf(ctx, id) === 'queued', 'queued');
    expect(ctx.sw.answers).to.deep.equal([ringing]);
    // The events are written behind the state change: wait for both rows.
    const reasons = await waitFor(async () => {
      const rows = await ctx.t
        .db('call_events')
        .whereIn('call_id', ids)
        .where({ event: 'identify' })
        .select('call_id', 'data');
      return rows.length === 2 ? rows : undefined;
    }, 'both identify events');
    const reasonOf = (id: string): string =>
      (JSON.parse(String(reasons.find((r) => r.call_id === id)?.data)) as { reason: string }).reason;
    expect([reasonOf(ids[0] as string), reasonOf(ids[1] as string)]).to.deep.equal([
      'answered',
      'answered by the dialplan',
    ]);
  });

  it('a blocked caller is hung up as rejected before answer; a withheld number when anonymous is blocked; AstDB follows', async () => {
    ctx = await setup();
    await ctx.t.db('blocked_callers').insert([
      { number: GOLD, reason: 'abusive', created_at: new Date() },
      { number: 'anonymous', created_at: new Date() },
      // Expired: the caller is taken again.
      { number: STANDARD, created_at: new Date(), expires_at: new Date(Date.now() - 1000) },
    ]);
    await ctx.cc.blockedCallers.reload();
    // The national form of the gold number, as a carrier may send it.
    const national = GOLD.replace(/^\+86/, '0');
    const blocked = ctx.sw.placeCall(national, '4000');
    const withheld = ctx.sw.placeCall('', '4000', true);
    // A number the carrier asserts but the caller withheld falls under anonymous too.
    const asserted = ctx.sw.placeCall('+8613700000001', '4000', true, 'prohib_not_screened');
    const taken = ctx.sw.placeCall(STANDARD, '4000', false, 'allowed_not_screened');
    // Turned away at once: gone from the live calls before a test could look; the CDR has them.
    const ids = await Promise.all(
      [blocked, withheld, asserted].map((ch) =>
        waitFor(async () => {
          const row = (await ctx.t.db('calls').where({ channel_id: ch }).first('id')) as { id: string } | undefined;
          return row?.id;
        }, `the call row of ${ch}`),
      ),
    );
    for (const id of ids) {
      const row = await finalRow(ctx, id, 'ended');
      expect(row).to.deep.include({
        disposition: 'blocked',
        hangup_side: 'system',
        hangup_cause: 21,
        customer_id: null,
      });
      expect(await eventsOf(ctx, id)).to.deep.equal(['->arrive>arriving', 'arriving>blocked>ended']);
    }
    expect(ctx.sw.hangupReasons.get(blocked)).to.equal('rejected');
    expect(ctx.sw.hangupReasons.get(withheld)).to.equal('rejected');
    // Not answered: no prompt, no charge to the caller.
    expect(ctx.sw.answers).to.not.include(blocked);
    await waitFor(
      () => stateOf(ctx, ctx.cc.calls.list().find((c) => c.channelId === taken)?.callId ?? '') === 'queued',
      'the other caller queued',
    );
    const hits = await waitFor(async () => {
      const rows = (await ctx.t.db('blocked_callers').orderBy('id').select('number', 'hits')) as {
        number: string;
        hits: number;
      }[];
      return rows.map((r) => Number(r.hits)).join() === '1,2,0' ? rows : undefined;
    }, 'the hits counted');
    expect(hits.map((r) => Number(r.hits))).to.deep.equal([1, 2, 0]);
    // Every digit form of the live entries, for the dialplan's lookup.
    await waitFor(() => (ctx.sw.blockedKeys.length > 0 ? true : undefined), 'AstDB written');
    expect(ctx.sw.blockedKeys).to.include.members(['anonymous', GOLD.slice(1), GOLD.replace(/^\+86/, ''), national]);
    expect(ctx.sw.blockedKeys.some((k) => STANDARD.endsWith(k))).to.equal(false);
  });

  it('a campaign line back from answering-machine detection after a restart is hung up, not taken for a caller', async () => {
    ctx = await setup();
    // Stasis(ariadne,amd,<call id>,…) for a channel this orchestrator never sent there.
    const line = ctx.sw.placeCall('19900000004', 'amd', true);
    await waitFor(() => !ctx.sw.channels.has(line), 'the line hung up');
    expect(ctx.cc.calls.list()).to.deep.equal([]);
    expect(await ctx.t.db('calls').count({ n: '*' }).first()).to.deep.include({ n: 0 });
  });

  it('gold caller, no IVR: identified, routed with priority, offered, connected, recorded, wrap-up, ended', async () => {
    ctx = await setup();
    ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'answer', afterMs: 20 });
    ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);
    const ch = ctx.sw.placeCall('19900000001', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'connected', 'connected');
    const agentLeg = ctx.sw.originates[0];
    expect(agentLeg).to.deep.include({ endpoint: 'PJSIP/2001', callerId: GOLD, timeoutSeconds: 1 });
    expect(agentLeg?.variables).to.deep.equal({ ARIADNE_CALL_ID: callId });
    // Caller and agent share the mixing bridge; the recording runs on it, named by the call id.
    const mixing = ctx.sw.bridgeOf(ch);
    expect(mixing).to.not.equal(null);
    expect(ctx.sw.bridgeOf(agentLeg?.channelId as string)).to.equal(mixing);
    await waitFor(() => ctx.sw.recordings.has(callId), 'the recording to start');
    expect(ctx.router.seen[0]).to.deep.include({ did: '4000', callerE164: GOLD, tier: 'gold', language: 'zh' });
    const offered = ctx.events.find((e) => e.name === 'call.offered')?.payload as BusEvents['call.offered'];
    expect(offered).to.deep.include({ callId, agentId: 1, caller: GOLD });
    expect((offered.customer as { name: string; openOrders: unknown[] }).name).to.equal('王芳');

    await new Promise((r) => setTimeout(r, 30));
    ctx.sw.farHangup(ch);
    await waitFor(() => stateOf(ctx, callId) === 'wrap_up', 'wrap-up');
    expect(ctx.agents.ended).to.deep.equal([{ agentId: 1, callId, wrapUpSeconds: 1 }]);
    const row = await finalRow(ctx, callId, 'ended');
    expect(row).to.deep.include({
      caller_raw: '19900000001',
      caller_e164: GOLD,
      did: '4000',
      trunk: 'trunk1',
      tier: 'gold',
      priority: 50,
      agent_id: 1,
      disposition: 'answered',
      hangup_side: 'caller',
      hangup_cause: 16,
      queue_id: ctx.queues.general,
      owner: 'test-1',
    });
    expect(row.customer_id).to.be.a('number');
    for (const col of ['arrived_at', 'queued_at', 'offered_at', 'answered_at', 'ended_at'])
      expect(row[col], col).to.not.equal(null);
    expect(Number(row.talk_s)).to.be.greaterThan(0);
    expect(Number(row.wait_s)).to.be.at.least(0);
    // The queue's 1 s of after-call work ran out: wrap_s is that second, from the hang-up to the timer.
    expect(Number(row.wrap_s)).to.be.within(0.9, 5);
    expect(await eventsOf(ctx, callId)).to.deep.equal([
      '->arrive>arriving',
      'arriving>identify>identifying',
      'identifying>enqueue>queued',
      'queued>offer>offering',
      'offering>answer>connected',
      'connected>caller_hangup>wrap_up',
      'wrap_up>wrap_up_done>ended',
    ]);
    const rec = await waitFor(
      async () =>
        (await ctx.t.db('recordings').where({ call_id: callId }).first()) as Record<string, unknown> | undefined,
      'recording row',
    );
    await waitFor(
      async () => (await ctx.t.db('recordings').where({ id: rec.id }).first())?.state === 'stored',
      'stored',
    );
    expect(row.recording_id).to.equal(rec.id);
    expect(rec).to.deep.include({ name: callId, agent_id: 1, queue_id: ctx.queues.general });
    await waitFor(() => ctx.stored.length > 0, 'the upload queued');
    expect(ctx.stored).to.deep.equal([rec.id]);
    // Nothing left behind: bridges deleted (each asked once, not again at the end of wrap-up), no watchers, no
    // registry entry.
    expect(ctx.sw.bridges.size).to.equal(0);
    expect(ctx.sw.bridgeDestroys).to.have.length(2);
    expect(new Set(ctx.sw.bridgeDestroys).size).to.equal(2);
    expect(ctx.sw.watcherCount()).to.equal(0);
    expect(ctx.cc.calls.list()).to.deep.equal([]);
    expect(ctx.events.filter((e) => e.name === 'call.ended')).to.have.length(1);
  });

  it("ends the call's wrap-up when the agent leaves wrap-up, not on a late event from before it", async () => {
    ctx = await setup({ wrapUp: 30 });
    ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'answer', afterMs: 5 });
    ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);
    const ch = ctx.sw.placeCall('19900000001', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'connected', 'connected');
    ctx.sw.farHangup(ch);
    await waitFor(() => stateOf(ctx, callId) === 'wrap_up', 'wrap-up');
    // The agent's answer, published after the caller hung up (a slow presence write, another instance's news).
    const since = new Date();
    ctx.bus.publish('agent.state', { agentId: 1, state: 'on_call', reason: null, since });
    await new Promise((r) => setTimeout(r, 50));
    expect(stateOf(ctx, callId)).to.equal('wrap_up');
    ctx.bus.publish('agent.state', { agentId: 1, state: 'available', reason: null, since });
    await finalRow(ctx, callId, 'ended');
    const last = await ctx.t.db('call_events').where({ call_id: callId }).orderBy('seq', 'desc').first();
    expect(JSON.parse(String(last.data))).to.deep.include({ reason: 'agent ended wrap-up' });
  });

  it('agent does not answer, an unreachable one fails at once, the third answers', async () => {
    ctx = await setup();
    ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'no-answer', afterMs: 0 });
    ctx.sw.endpoints.set('PJSIP/2003', { behaviour: 'answer', afterMs: 10 });
    ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);
    ctx.acd.addAgent(2, 'PJSIP/2002', [ctx.queues.general as number]); // not registered: originate answers 500
    ctx.acd.addAgent(3, 'PJSIP/2003', [ctx.queues.general as number]);
    const ch = ctx.sw.placeCall('19900000004', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'connected', 'connected', 6000);
    expect(ctx.acd.failures.map((f) => [f.agentId, f.reason])).to.deep.include.members([
      [1, 'no_answer'],
      [2, 'unreachable'],
    ]);
    ctx.sw.farHangup(ch);
    const row = await finalRow(ctx, callId, 'ended');
    expect(row).to.deep.include({ agent_id: 3, offer_count: 3, disposition: 'answered' });
    const ev = await eventsOf(ctx, callId);
    expect(ev.filter((e) => e === 'offering>offer_failed>queued')).to.have.length(2);
    expect(ev.filter((e) => e === 'queued>offer>offering')).to.have.length(3);
  });

  const bridgeFailures: Array<[string, SwitchError, number, string]> = [
    [
      'the switch refuses it',
      new SwitchError('conflict', 'Channel not in Stasis application', 422),
      50,
      'cannot bridge caller and agent',
    ],
    // What a real Asterisk answers addChannel when one of the channels no longer exists: a race, not a fault.
    [
      'the agent hung up as it was made',
      new SwitchError('not_found', 'Channel not found', 400),
      40,
      'a party left before caller and agent were bridged',
    ],
  ];
  for (const [what, failure, level, message] of bridgeFailures) {
    it(`an answered agent who cannot be bridged (${what}) is dropped and the call goes to the next agent`, async () => {
      const logs: Array<{ level: number; msg: string }> = [];
      ctx = await setup({ logs });
      ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'answer', afterMs: 10 });
      ctx.sw.endpoints.set('PJSIP/2002', { behaviour: 'answer', afterMs: 10 });
      ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);
      const sw = ctx.sw;
      const addToBridge = sw.addToBridge.bind(sw);
      let attempts = 0;
      // The first attempt to bridge caller and agent fails; later ones work.
      sw.addToBridge = async (bridgeId, channelIds) => {
        if (typeof channelIds !== 'string' && channelIds.length === 2 && attempts++ === 0) throw failure;
        return addToBridge(bridgeId, channelIds);
      };
      const popsGone: Array<[number, string]> = [];
      ctx.bus.subscribe('call.offer_ended', (e) => popsGone.push([e.agentId, e.reason]));
      const ch = ctx.sw.placeCall('19900000004', '4000');
      const callId = await callIdOf(ctx, ch);
      await waitFor(() => ctx.acd.failures.length === 1, 'the failed bridge released agent 1');
      expect(ctx.acd.failures.map((f) => [f.agentId, f.reason])).to.deep.equal([[1, 'error']]);
      expect(popsGone).to.deep.equal([[1, 'error']]);
      ctx.acd.addAgent(2, 'PJSIP/2002', [ctx.queues.general as number], 'paused');
      ctx.acd.setAvailable(2);
      await waitFor(() => stateOf(ctx, callId) === 'connected', 'connected to agent 2', 6000);
      ctx.sw.farHangup(ch);
      const row = await finalRow(ctx, callId, 'ended');
      expect(row).to.deep.include({ agent_id: 2, offer_count: 2, disposition: 'answered' });
      const ev = await eventsOf(ctx, callId);
      expect(ev.filter((e) => e === 'offering>offer_failed>queued')).to.have.length(1);
      expect(logs.filter((l) => l.level >= 40).map((l) => [l.level, l.msg])).to.deep.equal([[level, message]]);
    });
  }

  it('ring_all: every agent rings at once; an unreachable leg drops, the first answer wins, the rest are cancelled', async () => {
    ctx = await setup();
    ctx.acd.ringAll = true;
    ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'no-answer', afterMs: 0 });
    ctx.sw.endpoints.set('PJSIP/2003', { behaviour: 'answer', afterMs: 30 });
    ctx.sw.endpoints.set('PJSIP/2004', { behaviour: 'no-answer', afterMs: 0 });
    ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);
    ctx.acd.addAgent(2, 'PJSIP/2002', [ctx.queues.general as number]); // not registered: originate answers 500
    ctx.acd.addAgent(3, 'PJSIP/2003', [ctx.queues.general as number]);
    ctx.acd.addAgent(4, 'PJSIP/2004', [ctx.queues.general as number]);
    const popsGone: Array<[number, string]> = [];
    ctx.bus.subscribe('call.offer_ended', (e) => popsGone.push([e.agentId, e.reason]));
    const ch = ctx.sw.placeCall('19900000004', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'connected', 'connected', 6000);
    await waitFor(() => ctx.acd.failures.length === 3, 'every other leg settled');
    // Every agent who rang and did not take the call is told, so their screen drops the pop.
    expect(popsGone).to.deep.equal([
      [2, 'unreachable'],
      [1, 'cancelled'],
      [4, 'cancelled'],
    ]);
    expect(ctx.acd.failures.map((f) => [f.agentId, f.reason])).to.deep.equal([
      [2, 'unreachable'],
      [1, 'cancelled'],
      [4, 'cancelled'],
    ]);
    expect(ctx.acd.answered).to.deep.equal([{ callId, agentId: 3 }]);
    expect(ctx.acd.agents.filter((a) => a.state === 'available').map((a) => a.id)).to.deep.equal([1, 4]);
    ctx.sw.farHangup(ch);
    const row = await finalRow(ctx, callId, 'ended');
    expect(row).to.deep.include({ agent_id: 3, offer_count: 1, disposition: 'answered' });
    const ev = await eventsOf(ctx, callId);
    expect(ev.filter((e) => e === 'offering>offer_failed>queued')).to.have.length(0);
  });

  it('caller abandons in queue: abandoned with the wait time, nothing left', async () => {
    ctx = await setup();
    const ch = ctx.sw.placeCall('anonymous', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'queued', 'queued');
    const holding = ctx.sw.bridgeOf(ch) as string;
    expect(ctx.sw.bridges.get(holding)).to.deep.include({ type: 'holding', moh: true });
    await new Promise((r) => setTimeout(r, 50));
    ctx.sw.farHangup(ch);
    const row = await finalRow(ctx, callId, 'abandoned');
    expect(row).to.deep.include({
      disposition: 'abandoned',
      abandoned_in: 'queued',
      hangup_side: 'caller',
      caller_e164: null,
      customer_id: null,
      caller_raw: 'anonymous',
    });
    expect(Number(row.wait_s)).to.be.at.least(0.04);
    expect(ctx.acd.waiting).to.have.length(0);
    expect(ctx.sw.destroyedBridges).to.include(holding);
    expect((await eventsOf(ctx, callId)).at(-1)).to.equal('queued>caller_hangup>abandoned');
  });

  it('caller abandons while the agent rings: the agent leg is cancelled and the reservation released', async () => {
    ctx = await setup();
    ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'no-answer', afterMs: 0 });
    ctx.acd.ringTimeoutSeconds = 5;
    ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);
    const ch = ctx.sw.placeCall('19900000004', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'offering', 'offering');
    const agentLeg = ctx.sw.originates[0]?.channelId as string;
    expect(ctx.sw.channels.has(agentLeg)).to.equal(true);
    ctx.sw.farHangup(ch);
    const row = await finalRow(ctx, callId, 'abandoned');
    expect(row).to.deep.include({ abandoned_in: 'offering', disposition: 'abandoned' });
    expect(ctx.sw.channels.has(agentLeg)).to.equal(false);
    expect(ctx.acd.failures).to.deep.equal([{ callId, agentId: 1, reason: 'caller_gone' }]);
    expect(ctx.acd.agents[0]?.state).to.equal('available');
  });

  it('callback digit in queue: callbacks row, polite hang-up, disposition callback', async () => {
    ctx = await setup();
    const ch = ctx.sw.placeCall('19900000004', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'queued', 'queued');
    ctx.sw.dtmf(ch, '*');
    const row = await finalRow(ctx, callId, 'ended');
    expect(row).to.deep.include({ disposition: 'callback', hangup_side: 'system' });
    const cb = await ctx.t.db('callbacks').where({ call_id: callId }).first();
    expect(cb).to.deep.include({ phone: STANDARD, queue_id: ctx.queues.general, state: 'pending' });
    expect(ctx.sw.played.some((p) => p.media.includes('sound:ariadne/callback-confirmed'))).to.equal(true);
    expect(ctx.sw.channels.has(ch)).to.equal(false);
    expect(ctx.acd.waiting).to.have.length(0);
  });

  it('announces position and wait at the queue interval', async () => {
    ctx = await setup({ announce: 0.05 as unknown as number });
    const ch = ctx.sw.placeCall('19900000004', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => (ctx.cc.calls.get(callId)?.announcements ?? 0) >= 2, 'two announcements');
    const played = ctx.sw.played.filter((p) => 'bridgeId' in p.target);
    expect(played[0]?.media).to.deep.equal([
      'sound:queue-youarenext',
      'sound:queue-holdtime',
      'number:2',
      'sound:queue-minutes',
    ]);
    ctx.sw.farHangup(ch);
    await finalRow(ctx, callId, 'abandoned');
  });

  it('IVR: self-service order status never reaches an agent; abandon during IVR; broken flow to default queue', async () => {
    ctx = await setup();
    await ctx.cc.flows.saveAndPublish('svc', {
      start: 'c',
      nodes: {
        c: {
          type: 'collect',
          prompt: ['sound:enter'],
          variable: 'order_no',
          minDigits: 8,
          maxDigits: 8,
          timeoutMs: 2000,
          next: 'l',
          onFailure: 'q',
        },
        l: { type: 'lookup', kind: 'order_status', input: 'order_no', found: 'bye', notFound: 'q' },
        bye: { type: 'hangup', prompt: ['sound:goodbye'] },
        q: { type: 'queue', queue: 'general' },
      },
    });
    await ctx.cc.flows.mapDid('4001', 'svc');
    const ch = ctx.sw.placeCall('19900000001', '4001');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'in_ivr', 'in IVR');
    ctx.sw.dtmf(ch, '20000001');
    const row = await finalRow(ctx, callId, 'ended');
    expect(row).to.deep.include({
      disposition: 'self_service',
      queue_id: null,
      agent_id: null,
      ivr_flow: 'svc',
      ivr_flow_version: 1,
      hangup_side: 'system',
    });
    expect(JSON.parse(row.ivr_path as string)).to.deep.equal(['c', 'l', 'bye']);
    expect(ctx.sw.played.some((p) => p.media.includes('digits:20000001'))).to.equal(true);
    expect(ctx.sw.originates).to.have.length(0);
    expect(await eventsOf(ctx, callId)).to.deep.equal([
      '->arrive>arriving',
      'arriving>identify>identifying',
      'identifying>start_ivr>in_ivr',
      'in_ivr>self_service_done>ended',
    ]);

    const ch2 = ctx.sw.placeCall('19900000004', '4001');
    const call2 = await callIdOf(ctx, ch2);
    await waitFor(() => stateOf(ctx, call2) === 'in_ivr', 'in IVR');
    ctx.sw.dtmf(ch2, '123');
    ctx.sw.farHangup(ch2);
    const row2 = await finalRow(ctx, call2, 'abandoned');
    expect(row2).to.deep.include({ abandoned_in: 'in_ivr', wait_s: null, disposition: 'abandoned' });

    await ctx.cc.flows.saveAndPublish('broken', {
      start: 'p',
      defaultQueue: 'backup',
      nodes: {
        p: { type: 'play', prompt: ['sound:no-such-prompt'], next: 'q' },
        q: { type: 'queue', queue: 'general' },
      },
    });
    await ctx.cc.flows.mapDid('4002', 'broken');
    const ch3 = ctx.sw.placeCall('19900000004', '4002');
    const call3 = await callIdOf(ctx, ch3);
    await waitFor(() => stateOf(ctx, call3) === 'queued', 'queued by fallback');
    expect(ctx.cc.calls.get(call3)?.queueId).to.equal(ctx.queues.backup);
    const ev = await eventsOf(ctx, call3);
    expect(ev.at(-1)).to.equal('in_ivr>enqueue>queued');
    const data = await ctx.t.db('call_events').where({ call_id: call3, event: 'enqueue' }).first('data');
    expect(JSON.parse(data.data as string).reason).to.match(/fallback: IVR node p: prompt failed/);
    ctx.sw.farHangup(ch3);
    await finalRow(ctx, call3, 'abandoned');
  });

  it('IVR menu choice reaches the router; after-hours flow leaves a voicemail', async () => {
    const monday3am = () => new Date('2026-11-22T19:00:00Z'); // Mon 03:00 in Shanghai
    ctx = await setup({ now: monday3am });
    await ctx.cc.flows.saveAndPublish('hours', {
      start: 'h',
      nodes: {
        h: { type: 'hours', businessHours: 'main', open: 'm', closed: 'vm' },
        m: { type: 'menu', prompt: ['sound:menu'], choices: { '2': 'q' }, onFailure: 'q' },
        q: { type: 'queue' },
        vm: { type: 'voicemail', prompt: ['sound:closed'], queue: 'general', maxSeconds: 5 },
      },
    });
    await ctx.cc.flows.mapDid('4003', 'hours');
    const ch = ctx.sw.placeCall('19900000004', '4003');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => ctx.sw.recordings.has(`vm-${callId}`), 'voicemail recording');
    await new Promise((r) => setTimeout(r, 30));
    ctx.sw.farHangup(ch);
    const row = await finalRow(ctx, callId, 'ended');
    expect(row).to.deep.include({ disposition: 'voicemail', hangup_side: 'caller' });
    const vm = await ctx.t.db('voicemails').where({ call_id: callId }).first();
    expect(vm).to.deep.include({
      recording_name: `vm-${callId}`,
      queue_id: ctx.queues.general,
      state: 'new',
      caller: STANDARD,
    });
    expect(row.recording_id).to.be.a('string');
    await waitFor(() => ctx.stored.includes(row.recording_id as string), 'the upload queued');
    expect((await eventsOf(ctx, callId)).at(-1)).to.equal('in_ivr>voicemail_done>ended');
  });

  it('hold, unhold, recording pause/resume, disposition, agent hangs up', async () => {
    ctx = await setup();
    ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'answer', afterMs: 5 });
    ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);
    const ch = ctx.sw.placeCall('19900000004', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(
      () => stateOf(ctx, callId) === 'connected' && ctx.cc.calls.get(callId)?.recording,
      'connected and recording',
    );
    const mixing = ctx.sw.bridgeOf(ch);
    await ctx.cc.calls.hold(callId);
    const holding = ctx.sw.bridgeOf(ch) as string;
    expect(holding).to.not.equal(mixing);
    expect(ctx.sw.bridges.get(holding)?.moh).to.equal(true);
    await ctx.cc.calls.unhold(callId);
    expect(ctx.sw.bridgeOf(ch)).to.equal(mixing);
    await ctx.cc.calls.pauseRecording(callId);
    expect(ctx.sw.recordings.get(callId)?.paused).to.equal(true);
    expect(ctx.cc.calls.get(callId)?.recording).to.deep.equal({ name: callId, paused: true });
    await ctx.cc.calls.resumeRecording(callId);
    expect(ctx.sw.recordings.get(callId)?.paused).to.equal(false);
    await ctx.cc.calls.setDisposition(callId, 'order_question');
    const agentLeg = ctx.sw.originates[0]?.channelId as string;
    ctx.sw.farHangup(agentLeg);
    await waitFor(() => stateOf(ctx, callId) === 'wrap_up', 'wrap-up');
    await ctx.cc.calls.setDisposition(callId, 'resolved');
    const row = await finalRow(ctx, callId, 'ended');
    expect(row).to.deep.include({ hangup_side: 'agent', agent_disposition: 'resolved', disposition: 'answered' });
    expect(ctx.sw.channels.has(ch)).to.equal(false);
    const ev = await eventsOf(ctx, callId);
    expect(ev.slice(4)).to.deep.equal([
      'offering>answer>connected',
      'connected>hold>connected',
      'connected>unhold>connected',
      'connected>recording_paused>connected',
      'connected>recording_resumed>connected',
      'connected>agent_hangup>wrap_up',
      'wrap_up>disposition>wrap_up',
      'wrap_up>wrap_up_done>ended',
    ]);
    // After the end the disposition can still be changed, with an event.
    await ctx.cc.calls.setDisposition(callId, 'escalated');
    expect((await eventsOf(ctx, callId)).at(-1)).to.equal('ended>disposition>ended');
    expect(((await ctx.cc.calls.hold(callId).catch((e: unknown) => e)) as { code: string }).code).to.equal('not_found');
  });

  it('controls on a call in the wrong state are refused with a clear code', async () => {
    ctx = await setup();
    const ch = ctx.sw.placeCall('19900000004', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'queued', 'queued');
    for (const op of [
      () => ctx.cc.calls.hold(callId),
      () => ctx.cc.calls.pauseRecording(callId),
      () => ctx.cc.calls.blindTransfer(callId, { queue: 'vip' }),
    ]) {
      const err = (await op().catch((e: unknown) => e)) as { code?: string };
      expect(err.code).to.equal('bad_state');
    }
    expect(((await ctx.cc.calls.hold('nope').catch((e: unknown) => e)) as { code: string }).code).to.equal('not_found');
    expect(
      ((await ctx.cc.calls.setDisposition(callId, 'bad code!').catch((e: unknown) => e)) as { code: string }).code,
    ).to.equal('bad_request');
    await ctx.cc.calls.hangup(callId);
    const row = await finalRow(ctx, callId, 'ended');
    expect(row).to.deep.include({ disposition: 'failed', hangup_side: 'system' });
  });

  it('blind transfer to a queue: first agent to wrap-up, second agent takes the call', async () => {
    ctx = await setup();
    ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'answer', afterMs: 5 });
    ctx.sw.endpoints.set('PJSIP/2002', { behaviour: 'answer', afterMs: 5 });
    ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);
    ctx.acd.addAgent(2, 'PJSIP/2002', [ctx.queues.billing as number]);
    const ch = ctx.sw.placeCall('19900000004', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'connected', 'connected');
    await ctx.cc.calls.blindTransfer(callId, { queue: 'billing' });
    await waitFor(
      () => stateOf(ctx, callId) === 'connected' && ctx.cc.calls.get(callId)?.agentId === 2,
      'second agent',
    );
    expect(ctx.agents.ended.map((e) => e.agentId)).to.deep.equal([1]);
    ctx.sw.farHangup(ch);
    const row = await finalRow(ctx, callId, 'ended');
    expect(row).to.deep.include({ agent_id: 2, queue_id: ctx.queues.billing, disposition: 'answered' });
    const ev = await eventsOf(ctx, callId);
    expect(ev).to.include('connected>transfer_queue>queued');
    // billing does not record: only the first conversation was recorded.
    expect(await ctx.t.db('recordings').where({ call_id: callId }).count({ n: '*' }).first()).to.deep.include({ n: 1 });
  });

  it('blind transfer to a number, and attended transfer complete and cancel', async () => {
    ctx = await setup();
    ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'answer', afterMs: 5 });
    ctx.sw.endpoints.set('PJSIP/13812345678', { behaviour: 'answer', afterMs: 5 });
    ctx.sw.endpoints.set('PJSIP/2009', { behaviour: 'answer', afterMs: 5 });
    ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);

    // Blind to a number.
    const ch = ctx.sw.placeCall('19900000004', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'connected', 'connected');
    await ctx.cc.calls.blindTransfer(callId, { number: '13812345678' });
    await waitFor(() => ctx.cc.calls.get(callId)?.transferredTo === 'PJSIP/13812345678', 'transferred');
    const party = ctx.sw.originates.find((o) => o.endpoint === 'PJSIP/13812345678')?.channelId as string;
    expect(ctx.sw.bridgeOf(party)).to.equal(ctx.sw.bridgeOf(ch));
    ctx.sw.farHangup(party);
    const row = await finalRow(ctx, callId, 'ended');
    expect(row).to.deep.include({ disposition: 'transferred', agent_id: 1 });
    expect((await eventsOf(ctx, callId)).slice(-3)).to.deep.equal([
      'connected>transfer_number>connected',
      'connected>transfer_answered>connected',
      'connected>party_hangup>ended',
    ]);

    // Attended: consult, cancel, consult again, complete.
    ctx.acd.setAvailable(1);
    const ch2 = ctx.sw.placeCall('19900000004', '4000');
    const call2 = await callIdOf(ctx, ch2);
    await waitFor(() => stateOf(ctx, call2) === 'connected', 'connected');
    const agentLeg = ctx.sw.originates.filter((o) => o.endpoint === 'PJSIP/2001').at(-1)?.channelId as string;
    await ctx.cc.calls.consult(call2, { number: 'PJSIP/2009' });
    const consult1 = ctx.sw.originates.at(-1)?.channelId as string;
    expect(ctx.sw.bridgeOf(consult1)).to.equal(ctx.sw.bridgeOf(agentLeg));
    expect(ctx.sw.bridgeOf(ch2)).to.not.equal(ctx.sw.bridgeOf(agentLeg));
    await ctx.cc.calls.cancelTransfer(call2);
    expect(ctx.sw.channels.has(consult1)).to.equal(false);
    expect(ctx.sw.bridgeOf(ch2)).to.equal(ctx.sw.bridgeOf(agentLeg));
    await ctx.cc.calls.consult(call2, { number: 'PJSIP/2009' });
    const consult2 = ctx.sw.originates.at(-1)?.channelId as string;
    await ctx.cc.calls.completeTransfer(call2);
    expect(ctx.sw.channels.has(agentLeg)).to.equal(false);
    expect(ctx.sw.bridgeOf(ch2)).to.equal(ctx.sw.bridgeOf(consult2));
    ctx.sw.farHangup(ch2);
    const row2 = await finalRow(ctx, call2, 'ended');
    expect(row2).to.deep.include({ disposition: 'transferred', hangup_side: 'caller' });
    expect((await eventsOf(ctx, call2)).slice(5)).to.deep.equal([
      'connected>consult_start>connected',
      'connected>consult_answered>connected',
      'connected>consult_cancel>connected',
      'connected>consult_start>connected',
      'connected>consult_answered>connected',
      'connected>consult_complete>connected',
      'connected>party_hangup>ended',
    ]);
  });

  it('conference: the caller joins the consultation; the party leaving, the agent dropping it or leaving', async () => {
    ctx = await setup();
    ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'answer', afterMs: 5 });
    ctx.sw.endpoints.set('PJSIP/2009', { behaviour: 'answer', afterMs: 5 });
    ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);
    const ch = ctx.sw.placeCall('19900000004', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'connected', 'connected');
    const agentLeg = ctx.sw.originates.filter((o) => o.endpoint === 'PJSIP/2001').at(-1)?.channelId as string;
    const refused = (await ctx.cc.calls.conference(callId).catch((e: unknown) => e)) as { code: string };
    expect(refused.code).to.equal('bad_state');

    // The party hangs up: the caller stays with the agent.
    await ctx.cc.calls.consult(callId, { number: 'PJSIP/2009' });
    const party1 = ctx.sw.originates.at(-1)?.channelId as string;
    expect(ctx.cc.calls.get(callId)?.conference).to.equal(false);
    await ctx.cc.calls.conference(callId);
    await ctx.cc.calls.conference(callId); // twice is once
    const bridge = ctx.sw.bridgeOf(agentLeg);
    expect([ctx.sw.bridgeOf(ch), ctx.sw.bridgeOf(party1)]).to.deep.equal([bridge, bridge]);
    expect(ctx.cc.calls.get(callId)).to.deep.include({ conference: true, consulting: 'PJSIP/2009', held: false });
    const told: Array<BusEvents['call.consult_ended']> = [];
    ctx.bus.subscribe('call.consult_ended', (e) => told.push(e));
    ctx.sw.farHangup(party1);
    await waitFor(() => ctx.cc.calls.get(callId)?.consulting === null, 'the party gone');
    expect(told).to.deep.equal([{ callId, agentId: 1, queueId: ctx.queues.general, target: 'PJSIP/2009' }]);
    expect(ctx.cc.calls.get(callId)?.conference).to.equal(false);
    expect(ctx.sw.bridgeOf(ch)).to.equal(bridge);

    // The agent drops the party.
    await ctx.cc.calls.consult(callId, { number: 'PJSIP/2009' });
    const party2 = ctx.sw.originates.at(-1)?.channelId as string;
    await ctx.cc.calls.conference(callId);
    await ctx.cc.calls.cancelTransfer(callId);
    expect(ctx.sw.channels.has(party2)).to.equal(false);
    expect(ctx.sw.bridgeOf(ch)).to.equal(bridge);

    // The agent hangs up the phone: the caller stays with the party, a transfer.
    await ctx.cc.calls.consult(callId, { number: 'PJSIP/2009' });
    const party3 = ctx.sw.originates.at(-1)?.channelId as string;
    await ctx.cc.calls.conference(callId);
    ctx.sw.farHangup(agentLeg);
    await waitFor(() => ctx.cc.calls.get(callId)?.transferredTo === 'PJSIP/2009', 'transferred');
    expect(ctx.sw.bridgeOf(ch)).to.equal(ctx.sw.bridgeOf(party3));
    ctx.sw.farHangup(party3);
    const row = await finalRow(ctx, callId, 'ended');
    expect(row).to.deep.include({ disposition: 'transferred', hangup_side: 'system' }); // the party is not the caller
    await ctx.cc.calls.flushed(callId);
    const events = (await ctx.t.db('call_events').where({ call_id: callId }).orderBy('seq')) as Array<{
      event: string;
      data: string;
    }>;
    const reasons = events.map((e) => `${e.event}: ${(JSON.parse(e.data) as { reason: string }).reason}`);
    expect(reasons.slice(-13)).to.deep.equal([
      'consult_start: consulting PJSIP/2009',
      'consult_answered: PJSIP/2009 answered',
      'consult_conference: caller joined the agent and PJSIP/2009',
      'consult_cancel: consulted party left the conference (Normal Clearing)',
      'consult_start: consulting PJSIP/2009',
      'consult_answered: PJSIP/2009 answered',
      'consult_conference: caller joined the agent and PJSIP/2009',
      'consult_cancel: agent dropped PJSIP/2009 from the conference',
      'consult_start: consulting PJSIP/2009',
      'consult_answered: PJSIP/2009 answered',
      'consult_conference: caller joined the agent and PJSIP/2009',
      'consult_complete: transferred to PJSIP/2009',
      reasons.at(-1) as string,
    ]);
    expect(reasons.at(-1)).to.match(/^party_hangup: /);
    expect(told).to.have.length(1); // dropping the party, or the agent leaving, is not news to the agent
  });

  it('supervision: listen, whisper and barge from the supervisor phone, mode changes without ringing again', async () => {
    ctx = await setup();
    ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'answer', afterMs: 5 });
    ctx.sw.endpoints.set('PJSIP/2050', { behaviour: 'answer', afterMs: 5 });
    ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);
    const ch = ctx.sw.placeCall('19900000004', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'connected', 'connected');
    const agentLeg = ctx.sw.originates.filter((o) => o.endpoint === 'PJSIP/2001').at(-1)?.channelId as string;
    const mixing = ctx.sw.bridgeOf(agentLeg);
    const sup = { userId: 7, name: 'Sue' };

    // Listen: a snoop on the agent's leg hearing both ways, bridged with the supervisor's phone, apart from the call.
    const listening = await ctx.cc.calls.monitor(callId, sup, 'listen', '2050');
    expect(listening).to.deep.equal({ callId, supervisor: sup, endpoint: 'PJSIP/2050', mode: 'listen' });
    const phone = ctx.sw.originates.at(-1) as { endpoint: string; channelId: string; appArgs: readonly string[] };
    expect(phone).to.deep.include({ endpoint: 'PJSIP/2050', appArgs: ['monitor', callId] });
    expect(ctx.sw.snoops.at(-1)).to.deep.include({ channelId: agentLeg, spy: 'both', whisper: 'none' });
    const listenSnoop = ctx.sw.snoops.at(-1)?.snoopId as string;
    const own = ctx.sw.bridgeOf(phone.channelId);
    expect(own).to.equal(ctx.sw.bridgeOf(listenSnoop)).and.not.equal(mixing);
    expect(ctx.cc.calls.get(callId)?.monitoredBy).to.deep.equal([{ ...sup, mode: 'listen' }]);

    // Whisper: a new snoop that speaks to the agent replaces the first; the phone rings once only.
    const originated = ctx.sw.originates.length;
    await ctx.cc.calls.monitor(callId, sup, 'whisper', '2050');
    expect(ctx.sw.originates).to.have.length(originated);
    expect(ctx.sw.snoops.at(-1)).to.deep.include({ channelId: agentLeg, spy: 'both', whisper: 'out' });
    expect(ctx.sw.channels.has(listenSnoop)).to.equal(false);
    expect(ctx.sw.bridgeOf(ctx.sw.snoops.at(-1)?.snoopId as string)).to.equal(own);

    // Barge: the phone joins the conversation; the snoop and the supervisor's own bridge go.
    await ctx.cc.calls.monitor(callId, sup, 'barge', '2050');
    expect(ctx.sw.bridgeOf(phone.channelId)).to.equal(mixing);
    expect(ctx.sw.bridges.has(own as string)).to.equal(false);
    expect(ctx.sw.channels.has(ctx.sw.snoops.at(-1)?.snoopId as string)).to.equal(false);

    // Back to listening, then the supervisor hangs up their phone: the call goes on.
    await ctx.cc.calls.monitor(callId, sup, 'listen', '2050');
    expect(ctx.sw.bridgeOf(phone.channelId)).to.not.equal(mixing);
    ctx.sw.farHangup(phone.channelId);
    await waitFor(() => ctx.cc.calls.get(callId)?.monitoredBy.length === 0, 'the supervisor gone');
    expect(stateOf(ctx, callId)).to.equal('connected');
    expect(() => ctx.cc.calls.stopMonitor(callId, 7)).to.throw(/not listening/);

    // Again, and the call ends: the supervisor's phone is hung up with it.
    await ctx.cc.calls.monitor(callId, sup, 'listen', 'PJSIP/2050');
    const phone2 = ctx.sw.originates.at(-1)?.channelId as string;
    ctx.sw.farHangup(ch);
    await finalRow(ctx, callId, 'wrap_up');
    await waitFor(() => !ctx.sw.channels.has(phone2), "the supervisor's phone hung up");
    const events = await eventsOf(ctx, callId);
    expect(events.filter((e) => e.includes('monitor'))).to.deep.equal([
      'connected>monitor_start>connected',
      'connected>monitor_mode>connected',
      'connected>monitor_mode>connected',
      'connected>monitor_mode>connected',
      'connected>monitor_end>connected',
      'connected>monitor_start>connected',
    ]);
    // A call in wrap-up has no conversation to listen to.
    const notConnected = (await ctx.cc.calls.monitor(callId, sup, 'listen', '2050').catch((e: unknown) => e)) as {
      code: string;
    };
    expect(notConnected.code).to.equal('bad_state');
  });

  it("auto-answer: an agent so set is rung with the intercom header; another agent's phone is not", async () => {
    ctx = await setup();
    ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'answer', afterMs: 5 });
    ctx.sw.endpoints.set('PJSIP/2002', { behaviour: 'answer', afterMs: 5 });
    ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);
    (ctx.acd.agents[0] as { autoAnswer?: boolean }).autoAnswer = true;
    const first = await callIdOf(ctx, ctx.sw.placeCall('19900000004', '4000'));
    await waitFor(() => stateOf(ctx, first) === 'connected', 'connected');
    const toAuto = ctx.sw.originates.find((o) => o.endpoint === 'PJSIP/2001');
    expect(toAuto?.variables).to.deep.equal({
      ARIADNE_CALL_ID: first,
      'PJSIP_HEADER(add,Call-Info)': '<sip:auto-answer.invalid>;answer-after=0',
    });
    ctx.acd.addAgent(2, 'PJSIP/2002', [ctx.queues.general as number]);
    const second = await callIdOf(ctx, ctx.sw.placeCall('19900000005', '4000'));
    await waitFor(() => stateOf(ctx, second) === 'connected', 'connected');
    expect(ctx.sw.originates.find((o) => o.endpoint === 'PJSIP/2002')?.variables).to.deep.equal({
      ARIADNE_CALL_ID: second,
    });
    // A phone of another technology cannot be asked: no PJSIP header for it.
    expect(autoAnswerVariables('SIP/2003', true)).to.deep.equal({});
  });

  it('supervision: a phone that does not answer is refused and leaves nothing behind; one ring at a time', async () => {
    ctx = await setup();
    ctx.sw.endpoints.set('PJSIP/2001', { behaviour: 'answer', afterMs: 5 });
    ctx.sw.endpoints.set('PJSIP/2051', { behaviour: 'busy', afterMs: 5 });
    ctx.acd.addAgent(1, 'PJSIP/2001', [ctx.queues.general as number]);
    const ch = ctx.sw.placeCall('19900000004', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'connected', 'connected');
    const busy = (await ctx.cc.calls
      .monitor(callId, { userId: 7, name: 'Sue' }, 'listen', 'PJSIP/2051')
      .catch((e: unknown) => e)) as { code: string; message: string };
    expect(busy).to.deep.include({ code: 'switch' });
    expect(busy.message).to.match(/PJSIP\/2051 did not answer \(busy\)/);
    expect(ctx.sw.snoops).to.have.length(0);
    expect(ctx.cc.calls.get(callId)?.monitoredBy).to.deep.equal([]);
    expect((await eventsOf(ctx, callId)).some((e) => e.includes('monitor'))).to.equal(false);

    // A second request while the first still rings is refused: one phone, one session.
    ctx.sw.endpoints.set('PJSIP/2052', { behaviour: 'answer', afterMs: 100 });
    const sue = { userId: 7, name: 'Sue' };
    const first = ctx.cc.calls.monitor(callId, sue, 'listen', 'PJSIP/2052');
    const again = (await ctx.cc.calls.monitor(callId, sue, 'barge', 'PJSIP/2052').catch((e: unknown) => e)) as {
      code: string;
    };
    expect(again.code).to.equal('bad_state');
    expect((await first).mode).to.equal('listen');
    expect(ctx.sw.originates.filter((o) => o.endpoint === 'PJSIP/2052')).to.have.length(1);
  });

  it('IVR transfer node: bridged to the number when it answers, to the default queue when it does not', async () => {
    ctx = await setup();
    ctx.sw.endpoints.set('PJSIP/13812345678', { behaviour: 'answer', afterMs: 5 });
    await ctx.cc.flows.saveAndPublish('xfer', {
      start: 't',
      nodes: { t: { type: 'transfer', number: '13812345678' } },
    });
    await ctx.cc.flows.saveAndPublish('xfer-bad', {
      start: 't',
      defaultQueue: 'backup',
      nodes: { t: { type: 'transfer', number: '13999999999' } },
    });
    await ctx.cc.flows.mapDid('4010', 'xfer');
    await ctx.cc.flows.mapDid('4011', 'xfer-bad');
    const ch = ctx.sw.placeCall('19900000004', '4010');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'connected', 'transferred');
    const party = ctx.sw.originates.find((o) => o.endpoint === 'PJSIP/13812345678');
    expect(party?.callerId).to.equal(STANDARD);
    expect(ctx.sw.bridgeOf(party?.channelId as string)).to.equal(ctx.sw.bridgeOf(ch));
    ctx.sw.farHangup(party?.channelId as string);
    const row = await finalRow(ctx, callId, 'ended');
    expect(row).to.deep.include({ disposition: 'transferred', agent_id: null, hangup_side: 'system' });
    expect(row.answered_at).to.not.equal(null);
    expect((await eventsOf(ctx, callId)).slice(-2)).to.deep.equal([
      'in_ivr>transfer>connected',
      'connected>party_hangup>ended',
    ]);
    expect(ctx.sw.channels.has(ch)).to.equal(false);

    const ch2 = ctx.sw.placeCall('19900000004', '4011'); // unknown endpoint: originate refused
    const call2 = await callIdOf(ctx, ch2);
    await waitFor(() => stateOf(ctx, call2) === 'queued', 'queued after the failed transfer');
    expect(ctx.cc.calls.get(call2)?.queueId).to.equal(ctx.queues.backup);
    ctx.sw.farHangup(ch2);
    await finalRow(ctx, call2, 'abandoned');
    expect(ctx.sw.bridges.size).to.equal(0);
  });

  it('queue timers: overflow to a backup queue, then max wait to voicemail', async () => {
    ctx = await setup();
    const ch = ctx.sw.placeCall('19900000004', '4000');
    const callId = await callIdOf(ctx, ch);
    await waitFor(() => stateOf(ctx, callId) === 'queued', 'queued');
    ctx.acd.fireTimer({
      type: 'overflow',
      callId,
      step: 1,
      description: 'to backup',
      newQueueId: ctx.queues.backup as number,
    });
    await waitFor(() => ctx.cc.calls.get(callId)?.queueId === ctx.queues.backup, 'moved');
    expect(ctx.acd.waiting.map((w) => w.queueId)).to.deep.equal([ctx.queues.backup]);
    ctx.acd.fireTimer({ type: 'overflow', callId, step: 2, description: 'widen skills' });
    ctx.acd.fireTimer({ type: 'max_wait', callId, action: 'voicemail' });
    await waitFor(() => ctx.sw.recordings.has(`vm-${callId}`), 'voicemail');
    ctx.sw.farHangup(ch);
    const row = await finalRow(ctx, callId, 'ended');
    expect(row).to.deep.include({ disposition: 'voicemail', queue_id: ctx.queues.backup });
    expect(await eventsOf(ctx, callId)).to.deep.equal([
      '->arrive>arriving',
      'arriving>identify>identifying',
      'identifying>enqueue>queued',
      'queued>overflow>queued',
      'queued>overflow>queued',
      'queued>voicemail_done>ended',
    ]);
  });

  it('recovery: a persisted live call whose channel is gone is ended with its CDR', async () => {
    ctx = await setup();
    const at = new Date(Date.now() - 60_000);
    await ctx.t.db('calls').insert({
      id: 'c-old',
      node: 'fake',
      channel_id: 'gone-chan',
      owner: 'test-1',
      state: 'queued',
      caller_raw: '1',
      did: '4000',
      arrived_at: at,
      queued_at: at,
      queue_id: ctx.queues.general,
    });
    await ctx.t
      .db('call_events')
      .insert({ call_id: 'c-old', seq: 1, at, from_state: null, event: 'arrive', to_state: 'arriving' });
    await ctx.t.db('calls').insert({
      id: 'c-other',
      node: 'fake',
      channel_id: 'x',
      owner: 'someone-else',
      state: 'queued',
      caller_raw: '1',
      did: '4000',
      arrived_at: at,
    });
    const report = await ctx.cc.start();
    expect(report).to.deep.include({ examined: 1, ended: 1 });
    const row = await ctx.t.db('calls').where({ id: 'c-old' }).first();
    expect(row).to.deep.include({
      state: 'ended',
      disposition: 'abandoned',
      hangup_side: 'system',
      abandoned_in: 'queued',
    });
    expect(Number(row.wait_s)).to.be.at.least(59);
    const ev = await ctx.t.db('call_events').where({ call_id: 'c-old' }).orderBy('seq');
    expect(ev.map((e: { seq: number; event: string }) => [e.seq, e.event])).to.deep.equal([
      [1, 'arrive'],
      [2, 'recovered'],
    ]);
    expect((await ctx.t.db('calls').where({ id: 'c-other' }).first()).state).to.equal('queued');
  });
});
