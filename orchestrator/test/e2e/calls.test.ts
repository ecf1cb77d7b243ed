import { expect } from 'chai';
import { playAndWait } from '../../src/calls/media.js';
import { DEMO_CUSTOMERS, DEMO_DID, DEMO_DIRECT_DID } from '../../src/db/seed/index.js';
import { sleep, startStack, waitFor, type Stack } from './harness.js';

/**
 * The inbound call end to end: real ARI adapter ↔ simulator, real router/ACD/agents, MariaDB. Every test checks
 * the CDR and the call_events log, and that the switch is left clean (no channel, no bridge).
 */

const phone = (key: (typeof DEMO_CUSTOMERS)[number]['key']): string =>
  DEMO_CUSTOMERS.find((c) => c.key === key)?.phone as string;
const GOLD = phone('gold');
const LOGISTICS = phone('logistics');
const STANDARD = phone('standard2');
const UNKNOWN = '+8618612345678';
/** Monday 10:00 in Shanghai: the main flow is open. */
const OPEN = '2026-11-23T02:00:00Z';
/** Sunday 23:00 in Shanghai: after hours. */
const CLOSED = '2026-11-29T15:00:00Z';

function num(v: unknown): number {
  return Number(v);
}

/** The agent leg of a connected call, checked to be up on the switch and in the caller's bridge. */
async function agentLegAnswered(s: Stack, callId: string): Promise<string> {
  const leg = await waitFor(() => s.agentLeg(callId), 'the agent leg id');
  await waitFor(() => s.sim.control.channels().some((c) => c.id === leg && c.state === 'Up'), 'an answered agent leg');
  return leg;
}

const SUE = { userId: 99, name: 'Sue' };

/** A connected call of agent 2001 with Sue on it from the desk phone 2050, in `mode`. */
async function monitoredCall(s: Stack, mode: 'listen' | 'whisper') {
  await s.login(2001);
  s.phone(2050, 'answer', 50);
  const c = await s.call(STANDARD, DEMO_DIRECT_DID);
  await s.waitState(c.callId, 'connected');
  await agentLegAnswered(s, c.callId);
  await s.center.calls.monitor(c.callId, SUE, mode, 'PJSIP/2050');
  return c;
}

/** The supervisor's phone and session gone once the call is over. */
async function supervisorGone(s: Stack, callId: string): Promise<void> {
  await waitFor(() => s.legsOf(2050).length === 0, "the supervisor's phone hung up");
  await waitFor(async () => (await s.db('call_monitors').where({ call_id: callId })).length === 0, 'session gone');
  await s.expectSwitchClean();
}

describe('e2e: inbound calls (adapter + simulator + MariaDB)', function () {
  this.timeout(30_000);
  let s: Stack;
  afterEach(async function () {
    if (!s) return;
    // Every call of every test: a complete CDR and a consistent event log (only if the test itself passed).
    if (this.currentTest?.state === 'passed') expect(await s.expectConsistentCalls()).to.be.greaterThan(0);
    await s.stop();
  });

  it('an identified gold customer jumps the queue', async () => {
    s = await startStack();
    const first = await s.call(STANDARD, DEMO_DIRECT_DID);
    await s.waitState(first.callId, 'queued');
    const second = await s.call(UNKNOWN, DEMO_DIRECT_DID);
    await s.waitState(second.callId, 'queued');
    const gold = await s.call(GOLD.replace('+86', ''), DEMO_DIRECT_DID);
    await s.waitState(gold.callId, 'queued');
    expect(s.acd.position(gold.callId)).to.deep.include({ position: 1, waiting: 3 });
    expect(s.acd.position(first.callId)?.position).to.equal(2);

    await s.login(2001);
    await s.waitState(gold.callId, 'connected');
    expect(s.state(first.callId)).to.equal('queued');
    expect(s.offers[0]).to.deep.include({
      callId: gold.callId,
      agentId: s.agentId(2001),
      caller: GOLD,
      queueId: s.queueId('general'),
    });
    const card = s.offers[0]?.customer as { name: string; tier: string; openOrders: Array<{ orderNo: string }> };
    expect(card).to.deep.include({ name: '王芳', tier: 'gold' });
    expect(card.openOrders.map((o) => o.orderNo)).to.deep.equal(['20000001']);

    // The agent's phone shows the caller's number; the leg carries the call id.
    const leg = await agentLegAnswered(s, gold.callId);
    expect(s.sim.control.channel(leg).caller.number).to.equal(GOLD);
    await sleep(100);
    s.sim.control.hangup(gold.channelId);
    const row = await s.finalRow(gold.callId, 'ended');
    expect(row).to.deep.include({
      caller_raw: '19900000001',
      caller_e164: GOLD,
      did: DEMO_DIRECT_DID,
      tier: 'gold',
      language: 'zh',
      queue_id: s.queueId('general'),
      priority: 50,
      agent_id: s.agentId(2001),
      disposition: 'answered',
      hangup_side: 'caller',
      hangup_cause: 16,
      owner: 'e2e-1',
      offer_count: 1,
    });
    expect(JSON.parse(row.required_skills as string)).to.deep.equal([{ skill: 'general', minLevel: 1 }]);
    expect(num(row.talk_s)).to.be.greaterThan(0.05);
    expect(num(row.wait_s)).to.be.greaterThan(0);
    expect(await s.eventNames(gold.callId)).to.deep.equal([
      '->arrive>arriving',
      'arriving>identify>identifying',
      'identifying>enqueue>queued',
      'queued>offer>offering',
      'offering>answer>connected',
      'connected>caller_hangup>wrap_up',
      'wrap_up>wrap_up_done>ended',
    ]);
    const enqueue = (await s.events(gold.callId)).find((e) => e.event === 'enqueue');
    expect(JSON.parse(enqueue?.data as string)).to.deep.include({
      queue: 'general',
      rule: 'Gold customers jump the line',
      priority: 50,
    });

    // The agent wraps up, then takes the next in line: the first standard caller.
    await s.waitState(first.callId, 'connected');
    for (const c of [first, second]) s.sim.control.hangup(c.channelId);
    expect((await s.finalRow(first.callId, 'ended')).agent_id).to.equal(s.agentId(2001));
    const abandoned = await s.finalRow(second.callId, 'abandoned');
    expect(abandoned).to.deep.include({
      caller_e164: UNKNOWN,
      customer_id: null,
      tier: null,
      abandoned_in: 'queued',
      disposition: 'abandoned',
    });
    await s.expectSwitchClean();
  });

  it('history-based routing: a repeat logistics caller reaches the logistics queue; the agent hangs up', async () => {
    s = await startStack();
    await s.login(2031); // logistics 8 (Chengdu)
    const c = await s.call(LOGISTICS, DEMO_DIRECT_DID);
    await s.waitState(c.callId, 'connected');
    const leg = await agentLegAnswered(s, c.callId);
    await sleep(50);
    s.sim.control.hangup(leg);
    await s.waitState(c.callId, 'wrap_up');
    await waitFor(async () => (await s.agentState(2031)) === 'wrap_up', 'the agent in wrap-up');
    const row = await s.finalRow(c.callId, 'ended');
    expect(row).to.deep.include({
      queue_id: s.queueId('logistics'),
      priority: 20,
      agent_id: s.agentId(2031),
      hangup_side: 'agent',
      disposition: 'answered',
    });
    const attrs = JSON.parse(row.attributes as string) as { recentCategories: string[] };
    expect(attrs.recentCategories.slice(0, 2)).to.deep.equal(['logistics', 'logistics']);
    expect((await s.eventNames(c.callId)).slice(-2)).to.deep.equal([
      'connected>agent_hangup>wrap_up',
      'wrap_up>wrap_up_done>ended',
    ]);
    await waitFor(async () => (await s.agentState(2031)) === 'available', 'the agent back after wrap-up');
    await s.expectSwitchClean();
  });

  it('an unknown and an anonymous caller are served as unknown', async () => {
    s = await startStack();
    await s.login(2001);
    await s.login(2002);
    const unknown = await s.call(UNKNOWN, DEMO_DIRECT_DID);
    const anon = await s.call('anonymous', DEMO_DIRECT_DID);
    await s.waitState(unknown.callId, 'connected');
    await s.waitState(anon.callId, 'connected');
    const pops = Object.fromEntries(s.offers.map((o) => [o.callId, o]));
    expect(pops[unknown.callId]).to.deep.include({ caller: UNKNOWN, customer: null });
    expect(pops[anon.callId]).to.deep.include({ caller: 'anonymous', customer: null });
    s.sim.control.hangup(unknown.channelId);
    s.sim.control.hangup(anon.channelId);
    const r1 = await s.finalRow(unknown.callId, 'ended');
    const r2 = await s.finalRow(anon.callId, 'ended');
    expect(r1).to.deep.include({
      caller_e164: UNKNOWN,
      customer_id: null,
      tier: null,
      queue_id: s.queueId('general'),
      priority: 0,
      disposition: 'answered',
    });
    expect(r2).to.deep.include({
      caller_raw: 'anonymous',
      caller_e164: null,
      customer_id: null,
      queue_id: s.queueId('general'),
      disposition: 'answered',
    });
    await s.expectSwitchClean();
  });

  it('IVR self-service: the order status is read back and the call never reaches an agent', async () => {
    s = await startStack({ clockAt: OPEN });
    await s.login(2001);
    const c = await s.call(GOLD, DEMO_DID);
    await s.waitState(c.callId, 'in_ivr');
    // Language 1 (zh), menu 1 (orders), 1 (order status), the 8-digit order number: typed ahead, barge-in.
    s.sim.control.sendDtmf(c.channelId, '11120000001', 30);
    await waitFor(() => s.center.calls.get(c.callId)?.ivr.self_service, 'the order status lookup', 8000);
    await sleep(200); // the read-back
    s.sim.control.hangup(c.channelId);
    const row = await s.finalRow(c.callId, 'ended');
    expect(row).to.deep.include({
      disposition: 'self_service',
      queue_id: null,
      agent_id: null,
      ivr_flow: 'main',
      ivr_flow_version: 1,
      hangup_side: 'caller',
      language: 'zh',
    });
    const path = JSON.parse(row.ivr_path as string) as string[];
    expect(path).to.include.members([
      'welcome',
      'hours',
      'language',
      'main_menu',
      'orders_menu',
      'collect_order',
      'lookup_order',
    ]);
    expect(await s.eventNames(c.callId)).to.deep.equal([
      '->arrive>arriving',
      'arriving>identify>identifying',
      'identifying>start_ivr>in_ivr',
      'in_ivr>self_service_done>ended',
    ]);
    expect(s.sim.control.stats().originates).to.equal(0);
    expect(s.offers).to.have.length(0);
    await s.expectSwitchClean();
  });

  it('IVR menu: the key pressed reaches the router (billing), the agent hears the queue name first', async () => {
    s = await startStack({
      clockAt: OPEN,
      prepare: async (db) => {
        await db('queues').where({ name: 'billing' }).update({ whisper_queue_name: true });
      },
    });
    await s.login(2011); // billing 7
    const c = await s.call(STANDARD, DEMO_DID);
    await s.waitState(c.callId, 'in_ivr');
    s.sim.control.sendDtmf(c.channelId, '12', 30); // language zh, menu 2 = billing
    await s.waitState(c.callId, 'connected');
    const leg = await agentLegAnswered(s, c.callId);
    expect(s.offers[0]?.ivr).to.deep.include({ menu: '2', language: 'zh' });
    const toAgent = s.plays.filter((p) => 'channelId' in p.target && p.target.channelId === leg).map((p) => p.media);
    expect(toAgent).to.deep.equal([['sound:ariadne/queue-billing']]);
    s.sim.control.hangup(leg);
    const row = await s.finalRow(c.callId, 'ended');
    expect(row).to.deep.include({
      queue_id: s.queueId('billing'),
      agent_id: s.agentId(2011),
      hangup_side: 'agent',
      ivr_flow: 'main',
    });
    const enqueue = (await s.events(c.callId)).find((e) => e.event === 'enqueue');
    expect(JSON.parse(enqueue?.data as string)).to.deep.include({ queue: 'billing', rule: 'Menu 2: billing' });
    expect(JSON.parse(row.attributes as string)).to.deep.include({ ivr: { menu: '2', language: 'zh', hours: 'open' } });
    await s.expectSwitchClean();
  });

  it('IVR menu: digits pressed 0 and 5 ms after entering the app are not lost (subscribe before creating)', async () => {
    s = await startStack({ clockAt: OPEN });
    await s.login(2011); // billing 7
    // Pressed at 0 ms (sent in the same tick as StasisStart, so both arrive in one WebSocket read, as they do on
    // a busy orchestrator) and at 5 ms by the caller's script.
    const { channelId } = s.sim.control.placeCall({ from: STANDARD, to: DEMO_DID, script: [{ atMs: 5, dtmf: '2' }] });
    s.sim.control.sendDtmf(channelId, '1');
    const callId = await waitFor(
      () => s.center.calls.list().find((c) => c.channelId === channelId)?.callId,
      'the call of the scripted caller',
    );
    await s.waitState(callId, 'connected');
    expect(s.offers[0]?.ivr).to.deep.include({ menu: '2', language: 'zh' });
    s.sim.control.hangup(channelId);
    expect(await s.finalRow(callId, 'ended')).to.deep.include({ queue_id: s.queueId('billing') });
    await s.expectSwitchClean();
  });

  it('an agent who does not answer, one who is unreachable, then a second agent answers', async () => {
    s = await startStack({
      prepare: async (db) => {
        await db('queues').where({ name: 'general' }).update({ auto_pause_after_misses: 1 });
      },
    });
    await s.login(2003, 'unreachable'); // configured, not registered: originate → 500, no event
    const c = await s.call(STANDARD, DEMO_DIRECT_DID);
    await waitFor(
      async () => (await s.eventNames(c.callId)).includes('offering>offer_failed>queued'),
      'the unreachable agent skipped',
    );
    await s.login(2001, 'no-answer'); // rings out after the 1 s ring timeout: cause 19
    await waitFor(
      async () => (await s.eventNames(c.callId)).filter((e) => e === 'offering>offer_failed>queued').length === 2,
      'the no-answer agent skipped',
      8000,
    );
    await s.login(2002);
    await s.waitState(c.callId, 'connected');
    s.sim.control.hangup(c.channelId);
    const row = await s.finalRow(c.callId, 'ended');
    expect(row).to.deep.include({ agent_id: s.agentId(2002), offer_count: 3, disposition: 'answered' });
    const failures = (await s.events(c.callId))
      .filter((e) => e.event === 'offer_failed')
      .map((e) => JSON.parse(e.data as string) as { agentId: number; reason: string });
    expect(failures.map((f) => [f.agentId, f.reason])).to.deep.equal([
      [s.agentId(2003), 'unreachable'],
      [s.agentId(2001), 'no_answer'],
    ]);
    // The miss paused the no-answer agent (auto-pause after 1 miss); the unreachable phone is marked offline.
    const missed = await s
      .db('agents')
      .where({ id: s.agentId(2001) })
      .first('missed_in_row', 'state');
    expect(missed.state).to.equal('paused');
    const offline = await s
      .db('agents')
      .where({ id: s.agentId(2003) })
      .first('endpoint_online');
    expect(Boolean(offline.endpoint_online)).to.equal(false);
    await s.expectSwitchClean();
  });

  it('the caller abandons in queue, while the agent rings, and during the IVR', async () => {
    s = await startStack({
      clockAt: OPEN,
      prepare: async (db) => {
        await db('queues').where({ name: 'general' }).update({ ring_timeout_s: 10 });
      },
    });
    // In queue, nobody logged in.
    const q = await s.call(STANDARD, DEMO_DIRECT_DID);
    await s.waitState(q.callId, 'queued');
    await sleep(300);
    s.sim.control.hangup(q.channelId);
    const r1 = await s.finalRow(q.callId, 'abandoned');
    expect(r1).to.deep.include({
      abandoned_in: 'queued',
      disposition: 'abandoned',
      hangup_side: 'caller',
      agent_id: null,
    });
    expect(num(r1.wait_s)).to.be.within(0.25, 5);
    expect((await s.eventNames(q.callId)).at(-1)).to.equal('queued>caller_hangup>abandoned');

    // While ringing: the agent's leg is cancelled and the agent released, not counted as a miss.
    await s.login(2001, 'no-answer');
    const r = await s.call(UNKNOWN, DEMO_DIRECT_DID);
    await s.waitState(r.callId, 'offering');
    await waitFor(() => s.legsOf(2001).length === 1, 'the agent leg ringing');
    s.sim.control.hangup(r.channelId);
    const r2 = await s.finalRow(r.callId, 'abandoned');
    expect(r2).to.deep.include({ abandoned_in: 'offering', agent_id: null });
    await waitFor(() => s.legsOf(2001).length === 0, 'the agent leg hung up');
    await waitFor(async () => (await s.agentState(2001)) === 'available', 'the agent released');
    expect(
      num(
        (
          await s
            .db('agents')
            .where({ id: s.agentId(2001) })
            .first('missed_in_row')
        ).missed_in_row,
      ),
    ).to.equal(0);

    // During the IVR.
    const i = await s.call(GOLD, DEMO_DID);
    await s.waitState(i.callId, 'in_ivr');
    await sleep(100);
    s.sim.control.hangup(i.channelId);
    const r3 = await s.finalRow(i.callId, 'abandoned');
    expect(r3).to.deep.include({ abandoned_in: 'in_ivr', wait_s: null, queue_id: null, ivr_flow: 'main' });
    expect((await s.eventNames(i.callId)).at(-1)).to.equal('in_ivr>caller_hangup>abandoned');
    await s.expectSwitchClean();
  });

  it('overflow: a logistics caller moves to the backup group after its time', async () => {
    s = await startStack({
      prepare: async (db) => {
        await db('queues')
          .where({ name: 'logistics' })
          .update({ overflow: JSON.stringify([{ afterSeconds: 1, action: 'move_queue', queue: 'backup' }]) });
      },
    });
    await s.login(2011); // billing/sales: no logistics skill, but in the backup group's pool
    const c = await s.call(LOGISTICS, DEMO_DIRECT_DID);
    await s.waitState(c.callId, 'queued');
    expect(s.center.calls.get(c.callId)?.queueId).to.equal(s.queueId('logistics'));
    await s.waitState(c.callId, 'connected', 8000);
    s.sim.control.hangup(c.channelId);
    const row = await s.finalRow(c.callId, 'ended');
    expect(row).to.deep.include({ queue_id: s.queueId('backup'), agent_id: s.agentId(2011) });
    const ev = await s.events(c.callId);
    const overflow = ev.find((e) => e.event === 'overflow');
    expect(overflow?.from_state).to.equal('queued');
    expect(JSON.parse(overflow?.data as string)).to.deep.include({ queue: 'backup' });
    await s.expectSwitchClean();
  });

  it('hold, blind transfer to a queue, attended transfer; recording started, paused, stopped', async () => {
    s = await startStack();
    await s.login(2001);
    await s.login(2012); // billing 7
    s.phone(2040, 'answer', 50); // the consulted party: a plain phone, not an agent of the queue
    const c = await s.call(STANDARD, DEMO_DIRECT_DID);
    await s.waitState(c.callId, 'connected');
    const first = await agentLegAnswered(s, c.callId);
    await waitFor(() => s.center.calls.get(c.callId)?.recording, 'the recording');
    const row0 = await s.row(c.callId);
    expect(s.sim.control.channel(c.channelId).bridgeId).to.equal(row0.mixing_bridge_id);
    expect(s.sim.control.channel(first).bridgeId).to.equal(row0.mixing_bridge_id);

    await s.center.calls.hold(c.callId);
    expect(s.sim.control.channel(c.channelId).bridgeId).to.equal(row0.holding_bridge_id);
    expect(s.sim.control.channel(first).bridgeId).to.equal(row0.mixing_bridge_id);
    await s.center.calls.unhold(c.callId);
    expect(s.sim.control.channel(c.channelId).bridgeId).to.equal(row0.mixing_bridge_id);

    await s.center.calls.pauseRecording(c.callId);
    const live = await fetch(`${s.sim.ariUrl}/recordings/live/${c.callId}`, {
      headers: { authorization: `Basic ${Buffer.from('ariadne:ariadne').toString('base64')}` },
    });
    expect(((await live.json()) as { state: string }).state).to.equal('paused');
    await s.center.calls.resumeRecording(c.callId);

    await s.center.calls.blindTransfer(c.callId, { queue: 'billing' });
    await waitFor(() => !s.sim.control.channels().some((ch) => ch.id === first), 'the first agent leg gone');
    await waitFor(
      () => s.state(c.callId) === 'connected' && s.center.calls.get(c.callId)?.agentId === s.agentId(2012),
      'the billing agent',
    );
    await waitFor(async () => (await s.agentState(2001)) !== 'on_call', 'the first agent in wrap-up');

    await s.center.calls.consult(c.callId, { number: 'PJSIP/2040' });
    expect(s.center.calls.get(c.callId)?.consulting).to.equal('PJSIP/2040');
    await s.center.calls.completeTransfer(c.callId);
    await waitFor(() => s.legsOf(2012).length === 0, 'the billing agent left the call');
    expect(s.legsOf(2040)).to.have.length(1);
    await sleep(100);
    s.sim.control.hangup(c.channelId);
    const row = await s.finalRow(c.callId, 'ended');
    expect(row).to.deep.include({
      disposition: 'transferred',
      agent_id: s.agentId(2012),
      queue_id: s.queueId('billing'),
      hangup_side: 'caller',
    });
    expect((await s.eventNames(c.callId)).slice(4)).to.deep.equal([
      'offering>answer>connected',
      'connected>hold>connected',
      'connected>unhold>connected',
      'connected>recording_paused>connected',
      'connected>recording_resumed>connected',
      'connected>transfer_queue>queued',
      'queued>offer>offering',
      'offering>answer>connected',
      'connected>consult_start>connected',
      'connected>consult_answered>connected',
      'connected>consult_complete>connected',
      'connected>party_hangup>ended',
    ]);
    // Two conversations, two recordings, both stored and handed to the upload hook; the CDR names the first.
    const recs = (await waitFor(async () => {
      const r = (await s.db('recordings').where({ call_id: c.callId }).orderBy('started_at')) as Array<
        Record<string, unknown>
      >;
      // The upload hook hears of a recording once its commit has resolved, a moment after the rows are visible.
      return r.length === 2 && r.every((x) => x.state === 'stored') && s.stored.length === 2 ? r : null;
    }, 'two stored recordings handed to the upload hook')) as Array<Record<string, unknown>>;
    expect(recs.map((r) => r.name)).to.deep.equal([c.callId, `${c.callId}-2`]);
    expect(recs.map((r) => r.agent_id)).to.deep.equal([s.agentId(2001), s.agentId(2012)]);
    expect(row.recording_id).to.equal(recs[0]?.id);
    expect(s.stored.sort()).to.deep.equal(recs.map((r) => r.id as string).sort());
    expect(s.sim.engine.storedRecordings.has(c.callId)).to.equal(true);
    await s.expectSwitchClean();
  });

  it('a supervisor listens through a snoop on the agent, whispers, barges in; the call ending hangs their phone up', async () => {
    s = await startStack();
    await s.login(2001);
    s.phone(2050, 'answer', 50); // the supervisor's desk phone
    const c = await s.call(STANDARD, DEMO_DIRECT_DID);
    await s.waitState(c.callId, 'connected');
    const agentLeg = await agentLegAnswered(s, c.callId);
    const { mixing_bridge_id: mixing } = await s.row(c.callId);
    const sue = { userId: 99, name: 'Sue' };

    await s.center.calls.monitor(c.callId, sue, 'listen', 'PJSIP/2050');
    const [phone] = s.legsOf(2050);
    const snoop = () => s.sim.control.channels().find((ch) => ch.name.startsWith(`Snoop/${agentLeg}-`));
    const listening = snoop();
    expect(listening, 'a snoop on the agent leg').to.not.equal(undefined);
    const own = s.sim.control.channel(phone as string).bridgeId;
    expect(own).to.be.a('string').and.not.equal(mixing);
    expect(s.sim.control.channel(listening!.id).bridgeId).to.equal(own);

    await s.center.calls.monitor(c.callId, sue, 'whisper', 'PJSIP/2050');
    await waitFor(() => !s.sim.control.channels().some((ch) => ch.id === listening!.id), 'the listening snoop gone');
    expect(s.sim.control.channel(snoop()!.id).bridgeId).to.equal(own);

    await s.center.calls.monitor(c.callId, sue, 'barge', 'PJSIP/2050');
    expect(s.sim.control.channel(phone as string).bridgeId).to.equal(mixing);
    await waitFor(() => snoop() === undefined, 'no snoop while barging');
    expect(s.legsOf(2050)).to.deep.equal([phone]);

    s.sim.control.hangup(c.channelId);
    await s.finalRow(c.callId, 'ended');
    await waitFor(() => s.legsOf(2050).length === 0, "the supervisor's phone hung up");
    expect((await s.eventNames(c.callId)).filter((e) => e.includes('monitor'))).to.deep.equal([
      'connected>monitor_start>connected',
      'connected>monitor_mode>connected',
      'connected>monitor_mode>connected',
    ]);
    await s.expectSwitchClean();
  });

  it('a supervisor listening when the orchestrator restarts is still on the call after it, and hung up at its end', async () => {
    s = await startStack();
    const c = await monitoredCall(s, 'listen');
    const [phone] = s.legsOf(2050);
    const own = s.sim.control.channel(phone as string).bridgeId;
    expect(await s.db('call_monitors').where({ call_id: c.callId }).first('mode', 'leg_id')).to.deep.include({
      mode: 'listen',
      leg_id: phone,
    });
    await s.center.calls.flushed();
    const { sim, t } = s;
    await s.stop(true); // the orchestrator dies; the supervisor keeps listening on the switch
    s = await startStack({ testDb: t, sim });
    await waitFor(() => s.center.calls.get(c.callId), 'the conversation taken back');
    expect(s.center.calls.monitors(c.callId)).to.deep.equal([
      { callId: c.callId, supervisor: SUE, endpoint: 'PJSIP/2050', mode: 'listen' },
    ]);
    expect(s.sim.control.channel(phone as string).bridgeId).to.equal(own);
    // Still theirs to change: barging moves the same phone into the conversation.
    await s.center.calls.monitor(c.callId, SUE, 'barge', 'PJSIP/2050');
    const { mixing_bridge_id: mixing } = await s.row(c.callId);
    expect(s.sim.control.channel(phone as string).bridgeId).to.equal(mixing);
    expect((await s.db('call_monitors').where({ call_id: c.callId }).first('mode')).mode).to.equal('barge');

    s.sim.control.hangup(c.channelId);
    await s.finalRow(c.callId, 'ended');
    await supervisorGone(s, c.callId);
  });

  it('a supervisor session left behind by a call that ended during a restart is cleared away', async () => {
    s = await startStack();
    const c = await monitoredCall(s, 'whisper');
    await s.center.calls.flushed();
    const { sim, t } = s;
    await s.stop(true);
    sim.control.hangup(c.channelId); // the caller goes while nobody watches
    s = await startStack({ testDb: t, sim });
    await s.finalRow(c.callId, 'ended');
    await supervisorGone(s, c.callId);
  });

  it('a three-way call: consult, conference the caller in, the agent leaves; one recording of it all', async () => {
    s = await startStack();
    await s.login(2001);
    s.phone(2040, 'answer', 50);
    const c = await s.call(STANDARD, DEMO_DIRECT_DID);
    await s.waitState(c.callId, 'connected');
    const agentLeg = await agentLegAnswered(s, c.callId);
    await waitFor(() => s.center.calls.get(c.callId)?.recording, 'the recording');
    const { mixing_bridge_id: mixing, holding_bridge_id: holding } = await s.row(c.callId);

    await s.center.calls.consult(c.callId, { number: 'PJSIP/2040' });
    const [party] = s.legsOf(2040);
    expect(s.sim.control.channel(c.channelId).bridgeId).to.equal(holding);
    await s.center.calls.conference(c.callId);
    const bridged = [c.channelId, agentLeg, party as string].map((id) => s.sim.control.channel(id).bridgeId);
    expect(bridged).to.deep.equal([mixing, mixing, mixing]);
    expect(s.center.calls.get(c.callId)).to.deep.include({ conference: true, held: false });

    await s.center.calls.completeTransfer(c.callId);
    await waitFor(() => s.legsOf(2001).length === 0, 'the agent left the call');
    expect(s.sim.control.channel(c.channelId).bridgeId).to.equal(mixing);
    await waitFor(async () => (await s.agentState(2001)) !== 'on_call', 'the agent in wrap-up');
    s.sim.control.hangup(c.channelId);
    const row = await s.finalRow(c.callId, 'ended');
    expect(row).to.deep.include({ disposition: 'transferred', agent_id: s.agentId(2001), hangup_side: 'caller' });
    expect((await s.eventNames(c.callId)).slice(-5)).to.deep.equal([
      'connected>consult_start>connected',
      'connected>consult_answered>connected',
      'connected>consult_conference>connected',
      'connected>consult_complete>connected',
      'connected>party_hangup>ended',
    ]);
    await waitFor(async () => {
      const recs = (await s.db('recordings').where({ call_id: c.callId })) as Array<{ state: string }>;
      return recs.length === 1 && recs[0]?.state === 'stored';
    }, 'the conversation recorded once, stored');
    await s.expectSwitchClean();
  });

  it('after hours: the main flow takes a voicemail', async () => {
    s = await startStack({ clockAt: CLOSED });
    const c = await s.call(STANDARD, DEMO_DID);
    await s.waitState(c.callId, 'in_ivr');
    s.sim.control.sendDtmf(c.channelId, '1', 30); // after-hours menu: 1 = voicemail
    await waitFor(
      () => s.sim.control.channel(c.channelId).recording === `vm-${c.callId}`,
      'the voicemail recording',
      8000,
    );
    await sleep(1100);
    s.sim.control.hangup(c.channelId);
    const row = await s.finalRow(c.callId, 'ended');
    expect(row).to.deep.include({ disposition: 'voicemail', hangup_side: 'caller', agent_id: null, ivr_flow: 'main' });
    const path = JSON.parse(row.ivr_path as string) as string[];
    expect(path.slice(0, 4)).to.deep.equal(['welcome', 'hours', 'after_hours', 'after_hours_menu']);
    const vm = await s.db('voicemails').where({ call_id: c.callId }).first();
    expect(vm).to.deep.include({
      recording_name: `vm-${c.callId}`,
      queue_id: s.queueId('general'),
      state: 'new',
      caller: STANDARD,
    });
    expect(num(vm.duration_s)).to.be.greaterThan(0);
    const rec = await s.db('recordings').where({ id: row.recording_id }).first();
    expect(rec).to.deep.include({ name: `vm-${c.callId}`, state: 'stored' });
    await waitFor(() => s.stored.includes(row.recording_id as string), 'the upload queued');
    expect(s.sim.engine.storedRecordings.has(`vm-${c.callId}`)).to.equal(true);
    expect((await s.eventNames(c.callId)).at(-1)).to.equal('in_ivr>voicemail_done>ended');
    await s.expectSwitchClean();
  });

  it('queue announcements, then the callback digit', async () => {
    s = await startStack({
      prepare: async (db) => {
        await db('queues').where({ name: 'general' }).update({ announce_interval_s: 1 });
      },
    });
    const c = await s.call(STANDARD, DEMO_DIRECT_DID);
    await s.waitState(c.callId, 'queued');
    const holding = (await s.row(c.callId)).holding_bridge_id as string;
    expect(s.sim.control.channel(c.channelId).bridgeId).to.equal(holding);
    await waitFor(() => (s.center.calls.get(c.callId)?.announcements ?? 0) >= 1, 'an announcement', 4000);
    // Alone in the queue with nobody logged in: "you are next", then the estimate, played to the call's own bridge.
    const announced = s.plays.find((p) => 'bridgeId' in p.target && p.target.bridgeId === holding);
    expect(announced?.media[0]).to.equal('sound:queue-youarenext');
    expect(announced?.media.slice(1, 2)).to.deep.equal(['sound:queue-holdtime']);
    s.sim.control.sendDtmf(c.channelId, '*');
    const row = await s.finalRow(c.callId, 'ended');
    expect(row).to.deep.include({ disposition: 'callback', hangup_side: 'system' });
    const cb = await s.db('callbacks').where({ call_id: c.callId }).first();
    expect(cb).to.deep.include({ phone: STANDARD, queue_id: s.queueId('general'), state: 'pending' });
    expect((await s.eventNames(c.callId)).at(-1)).to.equal('queued>callback_requested>ended');
    await s.expectSwitchClean();
  });

  it('what real Asterisk does: a missing prompt falls back to the queue; an unknown scheme never finishes', async () => {
    s = await startStack();
    await s.center.flows.saveAndPublish('broken', {
      start: 'p',
      defaultQueue: 'backup',
      nodes: {
        p: { type: 'play', prompt: ['sound:no-such-prompt'], next: 'q' },
        q: { type: 'queue', queue: 'general' },
      },
    });
    await s.center.flows.mapDid('4007180001', 'broken');
    const c = await s.call(STANDARD, '4007180001');
    await s.waitState(c.callId, 'queued');
    expect(s.center.calls.get(c.callId)?.queueId).to.equal(s.queueId('backup'));

    // A playback of an unknown scheme gets PlaybackStarted and nothing else: only the budget ends the wait.
    const started = Date.now();
    const bridge = (await s.row(c.callId)).holding_bridge_id as string;
    const outcome = await playAndWait(s.sw, { bridgeId: bridge }, ['bogus:thing'], { timeoutMs: 300 });
    expect(outcome).to.equal('timeout');
    expect(Date.now() - started).to.be.below(3000);
    s.sim.control.hangup(c.channelId);
    await s.finalRow(c.callId, 'abandoned');
    await s.expectSwitchClean();
  });

  it('an ARI socket drop: a caller who hangs up during the gap is found gone on resync and ends abandoned', async () => {
    s = await startStack();
    const c = await s.call(STANDARD, DEMO_DIRECT_DID);
    await s.waitState(c.callId, 'queued');
    const other = await s.call(UNKNOWN, DEMO_DIRECT_DID);
    await s.waitState(other.callId, 'queued');
    expect(s.sim.control.dropWebSockets()).to.be.greaterThan(0);
    s.sim.control.hangup(c.channelId); // its StasisEnd is lost with the socket
    const row = await s.finalRow(c.callId, 'abandoned', 15_000);
    expect(row).to.deep.include({ abandoned_in: 'queued', disposition: 'abandoned' });
    // The other caller survived the gap and is still served.
    expect(s.state(other.callId)).to.equal('queued');
    await s.login(2001);
    await s.waitState(other.callId, 'connected');
    s.sim.control.hangup(other.channelId);
    await s.finalRow(other.callId, 'ended');
    await s.expectSwitchClean();
  });

  it('recovery after a restart: a gone caller is ended, a waiting caller queued again, a conversation watched again', async () => {
    s = await startStack();
    await s.login(2002);
    const talking = await s.call(GOLD, DEMO_DIRECT_DID);
    await s.waitState(talking.callId, 'connected');
    const agentLeg = await agentLegAnswered(s, talking.callId);
    const gone = await s.call(STANDARD, DEMO_DIRECT_DID);
    const alive = await s.call(UNKNOWN, DEMO_DIRECT_DID);
    await s.waitState(gone.callId, 'queued');
    await s.waitState(alive.callId, 'queued');
    await s.center.calls.flushed();
    const { sim, t } = s;
    await s.stop(true); // the orchestrator dies; the switch keeps its channels and bridges
    sim.control.hangup(gone.channelId);
    s = await startStack({ testDb: t, sim });
    const r1 = await s.finalRow(gone.callId, 'ended');
    expect(r1).to.deep.include({ disposition: 'abandoned', hangup_side: 'system', abandoned_in: 'queued' });
    expect((await s.eventNames(gone.callId)).at(-1)).to.equal('queued>recovered>ended');

    // The conversation goes on; the agent hangs up after the restart: wrap-up and a complete CDR.
    expect(s.state(talking.callId)).to.equal('connected');
    await sleep(50);
    sim.control.hangup(agentLeg);
    const r0 = await s.finalRow(talking.callId, 'ended');
    expect(r0).to.deep.include({
      agent_id: s.agentId(2002),
      disposition: 'answered',
      hangup_side: 'agent',
    });
    expect(num(r0.talk_s)).to.be.greaterThan(0.05);
    expect((await s.eventNames(talking.callId)).slice(-2)).to.deep.equal([
      'connected>agent_hangup>wrap_up',
      'wrap_up>wrap_up_done>ended',
    ]);
    // Its recording, started before the restart, is closed and handed to the upload hook by the new instance.
    expect(r0.recording_id).to.be.a('string');
    const rec = await waitFor(async () => {
      const r = await s.db('recordings').where({ id: r0.recording_id }).first();
      return r?.state === 'stored' ? (r as Record<string, unknown>) : null;
    }, 'the recording stored');
    expect(rec.name).to.equal(talking.callId);
    await waitFor(() => s.stored.includes(r0.recording_id as string), 'the upload queued');

    // The waiting caller is queued again and reaches the agent once free.
    await s.login(2001);
    await waitFor(
      async () => (await s.row(alive.callId)).state === 'connected',
      'the recovered caller connected',
      8000,
    );
    sim.control.hangup(alive.channelId);
    const r2 = await s.finalRow(alive.callId, 'ended');
    expect(r2).to.deep.include({ disposition: 'answered' });
    expect([s.agentId(2001), s.agentId(2002)]).to.include(r2.agent_id);
    await s.expectSwitchClean();
  });
});

describe('e2e: the call center forgets an erased caller', function () {
  this.timeout(30_000);
  it("an erased caller's card is not served from the identification cache", async () => {
    const s = await startStack();
    try {
      const first = await s.center.identifier.identify(GOLD);
      expect(first.source).to.equal('local');
      expect((await s.center.identifier.identify(GOLD)).source).to.equal('cache');
      s.bus.publish('customer.erased', { numbers: [first.caller.e164!] });
      expect((await s.center.identifier.identify(GOLD)).source).to.equal('local');
    } finally {
      await s.stop();
    }
  });
});
