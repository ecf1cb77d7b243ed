import { expect } from 'chai';
import { DEMO_CUSTOMERS, DEMO_DIRECT_DID } from '../../src/db/seed/index.js';
import { sleep, startStack, waitFor, type Stack } from './harness.js';

/**
 * ring_all end to end (adapter ↔ simulator, real ACD and agents, MariaDB): every free agent of the queue rings at
 * once, the first to answer takes the call, the other legs are hung up and their agents freed without a miss.
 */

const STANDARD = DEMO_CUSTOMERS.find((c) => c.key === 'standard2')?.phone as string;

interface OfferData {
  ringAll?: boolean;
  agents?: Array<{ agentId: number; endpoint?: string; reason?: string }>;
  reason?: string;
}

async function ringAllQueue(s: Stack, ringTimeoutSeconds: number): Promise<void> {
  await s.db('queues').where({ name: 'general' }).update({
    strategy: 'ring_all',
    ring_timeout_s: ringTimeoutSeconds,
    auto_pause_after_misses: 0,
  });
  await s.acd.reloadQueues();
}

async function agentRow(s: Stack, n: number): Promise<{ state: string; missed: number; reserved: string | null }> {
  const row = (await s
    .db('agents')
    .where({ id: s.agentId(n) })
    .first('state', 'missed_in_row', 'reserved_call_id')) as {
    state: string;
    missed_in_row: number;
    reserved_call_id: string | null;
  };
  return { state: row.state, missed: Number(row.missed_in_row), reserved: row.reserved_call_id };
}

/** The channel ids of every phone's leg, once all of them ring at the same time. */
async function allRinging(s: Stack, phones: readonly number[]): Promise<Map<number, string>> {
  return waitFor(
    () => {
      const legs = new Map<number, string>();
      const ringing = new Set(
        s.sim.control
          .channels()
          .filter((c) => c.state === 'Ringing')
          .map((c) => c.id),
      );
      for (const n of phones) {
        const leg = s.legsOf(n).find((id) => ringing.has(id));
        if (!leg) return null;
        legs.set(n, leg);
      }
      return legs;
    },
    `legs ringing on ${phones.join(', ')}`,
  );
}

describe('e2e: ring_all (adapter + simulator + MariaDB)', function () {
  this.timeout(30_000);
  let s: Stack;
  afterEach(async function () {
    if (!s) return;
    if (this.currentTest?.state === 'passed') expect(await s.expectConsistentCalls()).to.be.greaterThan(0);
    await s.stop();
  });

  it('three agents ring at once, the second answers: the other legs end, those agents are free with no miss', async () => {
    s = await startStack();
    await ringAllQueue(s, 5);
    await s.login(2001, 'no-answer');
    await s.login(2002, 'answer', 600);
    await s.login(2003, 'no-answer');
    await s.login(2004, 'unreachable'); // configured, not registered: its originate fails and that leg just drops
    const c = await s.call(STANDARD, DEMO_DIRECT_DID);
    // All three ring at the same time, each showing the caller's number.
    const legs = await allRinging(s, [2001, 2002, 2003]);
    for (const leg of legs.values()) {
      const ch = s.sim.control.channels().find((x) => x.id === leg);
      expect(ch?.state).to.equal('Ringing');
      expect(ch?.caller.number).to.equal(STANDARD);
    }
    await s.waitState(c.callId, 'connected');
    await waitFor(() => s.legsOf(2001).length === 0 && s.legsOf(2003).length === 0, 'the other legs hung up');
    await waitFor(async () => (await agentRow(s, 2001)).state === 'available', 'agent 2001 free');
    await waitFor(async () => (await agentRow(s, 2003)).state === 'available', 'agent 2003 free');
    for (const n of [2001, 2003])
      expect(await agentRow(s, n), `agent ${n}`).to.deep.equal({
        state: 'available',
        missed: 0,
        reserved: null,
      });
    // The agent's answer is its own write, which may land a moment after the call's.
    await waitFor(async () => (await agentRow(s, 2002)).state === 'on_call', 'agent 2002 on the call');
    // The unreachable phone was dropped from the ring and marked offline.
    const offline = await s
      .db('agents')
      .where({ id: s.agentId(2004) })
      .first('endpoint_online', 'state', 'missed_in_row');
    expect(Boolean(offline.endpoint_online)).to.equal(false);
    expect(Number(offline.missed_in_row)).to.equal(0);
    // The caller talks to 2002, in one bridge.
    const winner = legs.get(2002) as string;
    const caller = s.sim.control.channels().find((x) => x.id === c.channelId);
    expect(caller?.bridgeId).to.be.a('string');
    const inBridge = s.sim.control.channels().filter((x) => x.bridgeId === caller?.bridgeId);
    expect(inBridge.map((x) => x.id).sort()).to.deep.equal([c.channelId, winner].sort());
    const row = await s.row(c.callId);
    expect(row).to.deep.include({ agent_id: s.agentId(2002), agent_channel_id: winner, offer_count: 1 });
    const events = await s.events(c.callId);
    const offer = events.find((e) => e.event === 'offer');
    const data = JSON.parse(offer?.data as string) as OfferData;
    expect(data.ringAll).to.equal(true);
    expect(data.agents?.map((a) => a.agentId).sort()).to.deep.equal(
      [2001, 2002, 2003, 2004].map((n) => s.agentId(n)).sort(),
    );
    expect(events.filter((e) => e.event === 'offer_failed')).to.have.length(0);
    expect(s.offers.filter((o) => o.callId === c.callId)).to.have.length(4);
    s.sim.control.hangup(c.channelId);
    const final = await s.finalRow(c.callId, 'ended');
    expect(final).to.deep.include({ disposition: 'answered', agent_id: s.agentId(2002) });
    await s.expectSwitchClean();
  });

  it('nobody answers: every agent counts a miss, and the call is back at the head of its queue', async () => {
    s = await startStack();
    await ringAllQueue(s, 1);
    for (const n of [2001, 2002, 2003]) await s.login(n, 'no-answer');
    const first = await s.call(STANDARD, DEMO_DIRECT_DID);
    await allRinging(s, [2001, 2002, 2003]);
    // A second caller arrives while everyone rings for the first; nobody is free for them.
    const second = await s.call('+8613900000077', DEMO_DIRECT_DID);
    await s.waitState(second.callId, 'queued');
    await waitFor(
      async () => (await s.eventNames(first.callId)).includes('offering>offer_failed>queued'),
      'the ring-all offer timing out',
      8000,
    );
    await waitFor(() => [2001, 2002, 2003].every((n) => s.legsOf(n).length === 0), 'every leg ended');
    for (const n of [2001, 2002, 2003]) {
      await waitFor(async () => (await agentRow(s, n)).missed === 1, `agent ${n} to count a miss`);
      expect((await agentRow(s, n)).state, `agent ${n}`).to.equal('available');
    }
    // Everyone is in their retry time: the first caller waits at the head, the second behind.
    const queueId = s.queueId('general');
    expect(s.acd.waitingCalls(queueId).map((w) => w.callId)).to.deep.equal([first.callId, second.callId]);
    expect(s.acd.position(first.callId)?.position).to.equal(1);
    const failed = (await s.events(first.callId)).filter((e) => e.event === 'offer_failed');
    expect(failed).to.have.length(1);
    const data = JSON.parse(failed[0]?.data as string) as OfferData;
    expect(data.reason).to.equal('no_answer');
    expect(data.agents?.map((a) => a.reason)).to.deep.equal(['no_answer', 'no_answer', 'no_answer']);
    expect((await s.row(first.callId)).agent_id).to.equal(null);
    s.sim.control.hangup(first.channelId);
    s.sim.control.hangup(second.channelId);
    await s.finalRow(first.callId, 'abandoned');
    await s.finalRow(second.callId, 'abandoned');
    await s.expectSwitchClean();
  });

  it('the caller hangs up while all ring: every leg ends, every agent is free, the CDR says abandoned while ringing', async () => {
    s = await startStack();
    await ringAllQueue(s, 10);
    for (const n of [2001, 2002, 2003]) await s.login(n, 'no-answer');
    const c = await s.call(STANDARD, DEMO_DIRECT_DID);
    await allRinging(s, [2001, 2002, 2003]);
    await s.waitState(c.callId, 'offering');
    await sleep(100);
    s.sim.control.hangup(c.channelId);
    const row = await s.finalRow(c.callId, 'abandoned');
    expect(row).to.deep.include({
      abandoned_in: 'offering',
      disposition: 'abandoned',
      hangup_side: 'caller',
      agent_id: null,
    });
    await waitFor(() => [2001, 2002, 2003].every((n) => s.legsOf(n).length === 0), 'every leg hung up');
    for (const n of [2001, 2002, 2003]) {
      await waitFor(async () => (await agentRow(s, n)).state === 'available', `agent ${n} free`);
      expect(await agentRow(s, n), `agent ${n}`).to.deep.equal({ state: 'available', missed: 0, reserved: null });
    }
    expect((await s.eventNames(c.callId)).at(-1)).to.equal('offering>caller_hangup>abandoned');
    await s.expectSwitchClean();
  });

  it('two agents answer in the same instant: one bridge, the loser hung up and free again', async () => {
    s = await startStack();
    await ringAllQueue(s, 10);
    for (const n of [2001, 2002]) await s.login(n, 'no-answer');
    const c = await s.call(STANDARD, DEMO_DIRECT_DID);
    const legs = await allRinging(s, [2001, 2002]);
    const [l1, l2] = [legs.get(2001) as string, legs.get(2002) as string];
    s.sim.control.answer(l1);
    s.sim.control.answer(l2);
    await s.waitState(c.callId, 'connected');
    const winnerLeg = await waitFor(() => s.agentLeg(c.callId), 'the winning leg');
    const [winner, loser] = winnerLeg === l1 ? [2001, 2002] : [2002, 2001];
    expect([l1, l2]).to.include(winnerLeg);
    await waitFor(() => s.legsOf(loser).length === 0, 'the losing leg hung up');
    await waitFor(async () => (await agentRow(s, loser)).state === 'available', 'the loser free');
    expect(await agentRow(s, loser)).to.deep.equal({ state: 'available', missed: 0, reserved: null });
    await waitFor(async () => (await agentRow(s, winner)).state === 'on_call', 'the winner on the call');
    // Exactly one bridge holds the caller, with the winner; no other bridge has an agent leg.
    const bridged = s.sim.control.channels().filter((x) => x.bridgeId !== null && !x.name.startsWith('Local/'));
    const caller = bridged.find((x) => x.id === c.channelId);
    expect(
      bridged
        .filter((x) => x.bridgeId === caller?.bridgeId)
        .map((x) => x.id)
        .sort(),
    ).to.deep.equal([c.channelId, winnerLeg].sort());
    expect(bridged.filter((x) => x.id === l1 || x.id === l2)).to.have.length(1);
    const names = await s.eventNames(c.callId);
    expect(names.filter((e) => e.endsWith('>answer>connected'))).to.have.length(1);
    expect((await s.row(c.callId)).agent_id).to.equal(s.agentId(winner));
    s.sim.control.hangup(c.channelId);
    await s.finalRow(c.callId, 'ended');
    await s.expectSwitchClean();
  });
});
