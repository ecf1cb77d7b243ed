import { expect } from 'chai';
import { wallboardSeed } from '../../src/api/wallboard.js';
import { DIRECT_DIAL_CONTEXT } from '../../src/calls/dial-out.js';
import { CallControlError } from '../../src/calls/service.js';
import { todayPerQueue } from '../../src/reports/repository.js';
import { DEMO_CUSTOMERS, DEMO_DIRECT_DID } from '../../src/db/seed/index.js';
import { sleep, startStack, waitFor, type Stack } from './harness.js';

/**
 * Calls agents place, end to end: real ARI adapter ↔ simulator (numbers go out through the carrier trunk
 * `carrier-a`), real ACD and agents, MariaDB. The agent's phone rings first; the customer's number once they pick up.
 */

const GOLD = DEMO_CUSTOMERS.find((c) => c.key === 'gold')?.phone as string;
const TRUNK = 'carrier-a';

describe('e2e: outbound calls (adapter + simulator + MariaDB)', function () {
  this.timeout(30_000);
  let s: Stack;
  afterEach(async function () {
    if (!s) return;
    if (this.currentTest?.state === 'passed') expect(await s.expectConsistentCalls()).to.be.greaterThan(0);
    await s.stop();
  });

  type Behaviour = 'answer' | 'busy' | 'no-answer' | 'unreachable' | 'congestion';
  const carrier = (behaviour: Behaviour, afterMs = 100, trunk = TRUNK): void => {
    s.sim.control.setEndpoint('PJSIP', trunk, { behaviour, afterMs });
  };
  const place = (n: number, number: string, queueId: number | null = null) =>
    s.center.calls.placeCall({
      agent: { id: s.agentId(n), name: `Agent ${n}`, endpoint: `PJSIP/${n}` },
      number,
      queueId,
    });
  /** The customer's leg of the call, on the switch (its id is the call's channel_id from the start). */
  const customerLeg = (callId: string) => {
    const channelId = s.center.calls.get(callId)?.channelId;
    return s.sim.control.channels().find((c) => c.id === channelId);
  };

  it('the agent picks up, hears ringback, the customer answers: bridged, recorded, identified, wrapped up', async () => {
    s = await startStack({ outbound: { trunk: TRUNK, ringS: 5, callerId: '+8657188886666' } });
    carrier('answer', 300);
    await s.login(2001);
    const general = s.queueId('general');
    const { callId } = await place(2001, GOLD, general);

    await s.waitState(callId, 'dialing');
    // The agent hears ringback on their own channel while the customer's phone rings.
    const agentLeg = (await s.agentLeg(callId)) as string;
    await waitFor(
      () =>
        s.plays.some((p) => 'channelId' in p.target && p.target.channelId === agentLeg && p.media[0] === 'tone:ring'),
      'ringback to the agent',
    );
    // The agent's answer is a write of its own, after the call's `dial`.
    await waitFor(async () => (await s.agentState(2001)) === 'on_call', 'the agent on the call while dialling');
    await s.waitState(callId, 'connected');
    // Answered, the customer joins the agent in the call's bridge.
    await waitFor(() => customerLeg(callId)?.bridgeId, "the customer's leg bridged");
    const customer = customerLeg(callId);
    expect(customer?.name.startsWith(`PJSIP/${TRUNK}-`), 'dialled through the trunk').to.equal(true);
    expect(customer?.caller.number, 'the number presented').to.equal('+8657188886666');
    const agent = s.sim.control.channels().find((c) => c.id === agentLeg);
    expect(agent?.bridgeId).to.be.a('string');
    expect(customer?.bridgeId).to.equal(agent?.bridgeId);
    // The screen pop of an outbound call names the number called and the customer found for it.
    expect(s.offers[0]).to.deep.include({ callId, direction: 'outbound', caller: GOLD, queueId: general });
    expect((s.offers[0]?.customer as { name?: string } | null)?.name).to.be.a('string');

    await sleep(100);
    s.sim.control.hangup(customer?.id as string);
    const row = await s.finalRow(callId, 'ended');
    expect(row).to.deep.include({
      direction: 'outbound',
      caller_e164: GOLD,
      did: '+8657188886666',
      trunk: TRUNK,
      agent_id: s.agentId(2001),
      queue_id: general,
      disposition: 'answered',
      hangup_side: 'caller',
      queued_at: null,
    });
    expect(row.customer_id).to.be.a('number');
    expect(Number(row.talk_s)).to.be.greaterThan(0.05);
    expect(await s.eventNames(callId)).to.deep.equal([
      '->arrive>arriving',
      'arriving>dial>dialing',
      'dialing>answer>connected',
      'connected>caller_hangup>wrap_up',
      'wrap_up>wrap_up_done>ended',
    ]);
    // general records its calls: the conversation was recorded and handed to the upload.
    const rec = await waitFor(async () => {
      const r = await s.db('recordings').where({ call_id: callId }).first();
      return r?.state === 'stored' ? (r as Record<string, unknown>) : null;
    }, 'the recording stored');
    await waitFor(() => s.stored.includes(String(rec.id)), 'the upload queued');
    await waitFor(async () => (await s.agentState(2001)) === 'available', 'the agent free after wrap-up');
    await s.expectSwitchClean();
    // The queue's figures count callers who waited in it: the call made for it is not one.
    const dayStart = new Date(Date.now() - 3_600_000);
    expect((await todayPerQueue(s.db, dayStart)).find((q) => q.queueId === general)).to.deep.include({
      offered: 0,
      answered: 0,
    });
    expect((await wallboardSeed(s.db, dayStart)).today).to.deep.equal([]);
  });

  it('an outbound call is held and transferred to a queue like any other; then it counts in that queue', async () => {
    s = await startStack({ outbound: { trunk: TRUNK, ringS: 5 } });
    carrier('answer', 50);
    await s.login(2001);
    const { callId } = await place(2001, GOLD);
    await s.waitState(callId, 'connected');
    await waitFor(() => customerLeg(callId)?.bridgeId, "the customer's leg bridged");
    const customer = customerLeg(callId)?.id as string;
    const row0 = await s.row(callId);
    await s.center.calls.hold(callId);
    expect(s.sim.control.channel(customer).bridgeId).to.not.equal(row0.mixing_bridge_id);
    await s.center.calls.unhold(callId);
    expect(s.sim.control.channel(customer).bridgeId).to.equal(row0.mixing_bridge_id);

    await s.login(2012); // billing
    await s.center.calls.blindTransfer(callId, { queue: 'billing' });
    await waitFor(
      () =>
        s.center.calls.get(callId)?.state === 'connected' && s.center.calls.get(callId)?.agentId === s.agentId(2012),
      'the billing agent took the customer',
    );
    s.sim.control.hangup(customer);
    const row = await s.finalRow(callId, 'ended');
    expect(row).to.deep.include({ direction: 'outbound', agent_id: s.agentId(2012), queue_id: s.queueId('billing') });
    expect(row.queued_at).to.not.equal(null);
    expect(await s.eventNames(callId)).to.include('connected>transfer_queue>queued');
    const billing = (await todayPerQueue(s.db, new Date(Date.now() - 3_600_000))).find(
      (q) => q.queueId === s.queueId('billing'),
    );
    expect(billing).to.deep.include({ offered: 1, answered: 1 });
    await s.expectSwitchClean();
  });

  it('busy and unanswered numbers end the call at once and free the agent; nothing is recorded', async () => {
    s = await startStack({ outbound: { trunk: TRUNK, ringS: 1 } });
    await s.login(2001);
    carrier('busy', 100);
    const busy = await place(2001, '+8613800000001');
    const r1 = await s.finalRow(busy.callId, 'ended');
    expect(r1).to.deep.include({ disposition: 'busy', hangup_side: 'caller', hangup_cause: 17, answered_at: null });
    expect((await s.eventNames(busy.callId)).slice(1)).to.deep.equal([
      'arriving>dial>dialing',
      'dialing>not_answered>ended',
    ]);
    await waitFor(async () => (await s.agentState(2001)) === 'available', 'the agent free after a busy number');

    carrier('no-answer');
    const unanswered = await place(2001, '+8613800000002');
    const r2 = await s.finalRow(unanswered.callId, 'ended', 10_000);
    expect(r2).to.deep.include({ disposition: 'no_answer', hangup_side: 'system', answered_at: null });
    await waitFor(async () => (await s.agentState(2001)) === 'available', 'the agent free after no answer');
    expect(await s.db('recordings').count({ n: '*' }).first()).to.deep.include({ n: 0 });
    await s.expectSwitchClean();
  });

  it("the agent's phone does not pick up: nothing is dialled and the agent is not counted a miss", async () => {
    s = await startStack({ outbound: { trunk: TRUNK, ringS: 5 } });
    carrier('answer');
    await s.login(2001, 'no-answer');
    const { callId } = await place(2001, GOLD);
    const row = await s.finalRow(callId, 'ended', 10_000);
    expect(row).to.deep.include({ disposition: 'not_placed', hangup_side: 'agent' });
    // The agent's workspace hears how it ended, though they never picked up.
    expect(s.ended.find((e) => e.callId === callId)).to.deep.include({
      agentId: s.agentId(2001),
      disposition: 'not_placed',
    });
    expect((await s.eventNames(callId)).slice(1)).to.deep.equal(['arriving>not_placed>ended']);
    expect(s.sim.control.channels().filter((c) => c.name.startsWith(`PJSIP/${TRUNK}-`))).to.deep.equal([]);
    // The reservation's release is a write of its own, after the call's end.
    const agent = await waitFor(async () => {
      const a = await s
        .db('agents')
        .where({ id: s.agentId(2001) })
        .first('state', 'missed_in_row');
      return a?.state === 'reserved' ? null : a;
    }, 'the reservation released');
    expect(agent).to.deep.include({ state: 'available', missed_in_row: 0 });
  });

  it('while the agent dials, no caller is offered to them; cancelling frees them for the waiting caller', async () => {
    s = await startStack({ outbound: { trunk: TRUNK, ringS: 20 } });
    carrier('no-answer');
    await s.login(2001);
    const { callId } = await place(2001, '+8613800000003');
    await s.waitState(callId, 'dialing');
    const ringing = await waitFor(() => customerLeg(callId), "the customer's phone ringing");
    const inbound = await s.call(GOLD, DEMO_DIRECT_DID);
    await s.waitState(inbound.callId, 'queued');
    await sleep(400); // several ACD ticks: the agent on the outbound call is never offered the caller
    expect(s.state(inbound.callId)).to.equal('queued');

    await s.center.calls.hangup(callId);
    const row = await s.finalRow(callId, 'ended');
    expect(row).to.deep.include({ disposition: 'cancelled', hangup_side: 'agent' });
    expect((await s.eventNames(callId)).at(-1)).to.equal('dialing>agent_hangup>ended');
    await waitFor(
      () => !s.sim.control.channels().some((c) => c.id === ringing.id),
      "the customer's ringing leg hung up",
    );
    // The agent is free again at once, and the waiting caller reaches them.
    await s.waitState(inbound.callId, 'connected');
    s.sim.control.hangup(inbound.channelId);
    await s.finalRow(inbound.callId, 'ended');
    await s.expectSwitchClean();
  });

  it('a trunk that cannot carry the call (down, congested) hands it to the backup; a busy number rings once', async () => {
    s = await startStack({ outbound: { trunk: TRUNK, backupTrunk: 'carrier-b', ringS: 5 } });
    carrier('answer', 50, 'carrier-b');
    const general = s.queueId('general');
    const dialledFor = (callId: string): string[] =>
      s.originates
        .filter((o) => o.variables?.ARIADNE_CALL_ID === callId && o.appArgs?.[0] === 'outbound')
        .map((o) => o.endpoint);

    // carrier-a is not registered: Asterisk cannot make the channel at all.
    carrier('unreachable');
    await s.login(2001);
    const down = await place(2001, GOLD, general);
    await s.waitState(down.callId, 'connected');
    await waitFor(() => customerLeg(down.callId)?.bridgeId, "the customer's leg bridged");
    expect(customerLeg(down.callId)?.name.startsWith('PJSIP/carrier-b-'), 'carried by the backup').to.equal(true);
    s.sim.control.hangup(customerLeg(down.callId)?.id as string);
    const r1 = await s.finalRow(down.callId, 'ended');
    expect(r1).to.deep.include({ disposition: 'answered', trunk: 'carrier-b' });
    expect(dialledFor(down.callId)).to.deep.equal([`PJSIP/${GOLD}@${TRUNK}`, `PJSIP/${GOLD}@carrier-b`]);

    // carrier-a answers 503 (cause 34): the leg existed and failed; the next trunk rings on the same channel id.
    carrier('congestion', 50);
    await s.login(2002);
    const congested = await place(2002, GOLD, general);
    await s.waitState(congested.callId, 'connected');
    await waitFor(() => customerLeg(congested.callId)?.bridgeId, "the customer's leg bridged");
    expect(customerLeg(congested.callId)?.name.startsWith('PJSIP/carrier-b-')).to.equal(true);
    expect(s.center.calls.get(congested.callId)?.state, 'the failed first leg did not end the call').to.equal(
      'connected',
    );
    s.sim.control.hangup(customerLeg(congested.callId)?.id as string);
    expect(await s.finalRow(congested.callId, 'ended')).to.deep.include({
      disposition: 'answered',
      trunk: 'carrier-b',
    });
    expect(dialledFor(congested.callId)).to.have.length(2);

    // Busy is about the number, not the trunk: the customer is not rung a second time.
    carrier('busy', 50);
    await s.login(2003);
    const busy = await place(2003, GOLD, general);
    expect(await s.finalRow(busy.callId, 'ended')).to.deep.include({ disposition: 'busy', trunk: TRUNK });
    expect(dialledFor(busy.callId)).to.deep.equal([`PJSIP/${GOLD}@${TRUNK}`]);
    await s.expectSwitchClean();
  });

  it('a paused agent places a call, recorded, and is back in the same pause after it; a logged-out one cannot', async () => {
    s = await startStack({ outbound: { trunk: TRUNK } });
    carrier('answer', 100);
    let refused: unknown;
    await place(2001, GOLD).catch((err: unknown) => (refused = err));
    expect(refused).to.be.instanceOf(CallControlError);
    expect((refused as CallControlError).code).to.equal('bad_state');
    expect(await s.db('calls').count({ n: '*' }).first()).to.deep.include({ n: 0 });

    const pauseReasonOf = async (n: number) =>
      (
        (await s
          .db('agents')
          .where({ id: s.agentId(n) })
          .first('pause_reason')) as { pause_reason: string | null }
      ).pause_reason;
    await s.login(2001);
    await s.agents.pause(s.agentId(2001), 'Break');
    const { callId } = await place(2001, GOLD);
    await s.waitState(callId, 'connected');
    await waitFor(() => customerLeg(callId)?.bridgeId, "the customer's leg bridged");
    expect(await s.agentState(2001)).to.equal('on_call');
    // While on the call, the pause waits on the row: no queue may offer a caller meanwhile, and none after it.
    expect(await pauseReasonOf(2001)).to.equal('break');
    const waiting = await s.call(GOLD, DEMO_DIRECT_DID);
    await s.waitState(waiting.callId, 'queued');
    s.sim.control.hangup(customerLeg(callId)?.id as string);
    await s.waitState(callId, 'wrap_up');
    // The call is in wrap-up a moment before its agent's row is (agents.callEnded writes it): end it from there.
    await waitFor(async () => (await s.agentState(2001)) === 'wrap_up', 'the agent in wrap-up');
    await s.agents.endWrapUp(s.agentId(2001));
    await s.finalRow(callId, 'ended');
    await waitFor(async () => (await s.agentState(2001)) === 'paused', 'the agent back in the pause');
    expect(await pauseReasonOf(2001)).to.equal('break');
    await waitFor(async () => {
      const r = await s.db('recordings').where({ call_id: callId }).first();
      return r?.state === 'stored';
    }, 'the recording stored');
    await sleep(200);
    expect(
      s.offers.filter((o) => o.callId === waiting.callId),
      'no offer to a paused agent',
    ).to.deep.equal([]);
    s.sim.control.hangup(waiting.channelId);
    await s.finalRow(waiting.callId, 'abandoned');
  });

  it('recovery after a restart: a call still being placed is ended and both legs hung up', async () => {
    s = await startStack({ outbound: { trunk: TRUNK, ringS: 20 } });
    carrier('no-answer');
    await s.login(2001);
    const { callId } = await place(2001, '+8613800000004');
    await s.waitState(callId, 'dialing');
    await waitFor(() => customerLeg(callId), "the customer's phone ringing");
    await s.center.calls.flushed();
    const { sim, t } = s;
    await s.stop(true);
    s = await startStack({ testDb: t, sim, outbound: { trunk: TRUNK } });
    const row = await s.finalRow(callId, 'ended');
    expect(row).to.deep.include({ disposition: 'failed', hangup_side: 'system', abandoned_in: null });
    expect((await s.eventNames(callId)).at(-1)).to.equal('dialing>recovered>ended');
    await waitFor(async () => (await s.agentState(2001)) === 'available', 'the agent released by recovery');
    await s.expectSwitchClean();
  });

  describe('numbers dialled on a desk phone', () => {
    const COMPANY = '+8657188886666';
    /**
     * The phone's call as [outbound-dial] (dialplans/outbound.conf) hands it over: `dialout,<E.164>,<trunk>,<backup>,
     * <presentation>`, with the caller id the dialplan set, into the app unanswered as Asterisk does.
     */
    const dialOut = (phone: number, number: string, o: { backup?: string; presentation?: string } = {}): string =>
      s.sim.control.placeCall({
        from: COMPANY,
        callerName: 'Ariadne',
        to: number,
        endpoint: `PJSIP/${phone}`,
        context: 'outbound-dial',
        args: ['dialout', number, TRUNK, o.backup ?? '', o.presentation ?? 'allowed_not_screened'],
        answered: false,
      }).channelId;
    /** The call Ariadne made of the phone's call: its agent leg is the phone's own channel. */
    const callOf = (phoneChannel: string): Promise<string> =>
      waitFor(async () => {
        const row = (await s.db('calls').where({ agent_channel_id: phoneChannel }).first('id')) as
          { id: string } | undefined;
        return row?.id;
      }, 'the dialled call');

    it("an available agent's dialled number is placed by Ariadne: ringback, then bridged and recorded, with its CDR", async () => {
      s = await startStack({ outbound: { trunk: TRUNK } });
      carrier('answer', 300);
      await s.login(2001);
      const phone = dialOut(2001, GOLD);
      const callId = await callOf(phone);
      await s.waitState(callId, 'dialing');
      // The phone is told the far end rings (it plays its own ringback) and is not answered yet.
      await waitFor(() => s.sim.control.channel(phone).ringing, 'ringing indicated to the phone');
      expect(s.sim.control.channel(phone).state).to.equal('Ring');
      await waitFor(async () => (await s.agentState(2001)) === 'on_call', 'the agent on the call while dialling');

      await s.waitState(callId, 'connected');
      await waitFor(() => customerLeg(callId)?.bridgeId, "the customer's leg bridged");
      const customer = customerLeg(callId);
      expect(customer?.name.startsWith(`PJSIP/${TRUNK}-`)).to.equal(true);
      expect(customer?.caller.number, 'the caller id the dialplan set').to.equal(COMPANY);
      expect(s.sim.control.channel(phone)).to.deep.include({ state: 'Up', bridgeId: customer?.bridgeId });
      expect(s.offers.find((o) => o.callId === callId)).to.deep.include({ caller: GOLD, queueId: null });

      await sleep(100);
      s.sim.control.hangup(customer?.id as string);
      // A call made for no queue has the default wrap-up (30 s); the agent ends it, as from the workspace.
      await s.waitState(callId, 'wrap_up');
      await waitFor(async () => (await s.agentState(2001)) === 'wrap_up', 'the agent in wrap-up');
      await s.agents.endWrapUp(s.agentId(2001));
      const row = await s.finalRow(callId, 'ended');
      expect(row).to.deep.include({
        direction: 'outbound',
        caller_e164: GOLD,
        did: COMPANY,
        trunk: TRUNK,
        agent_id: s.agentId(2001),
        agent_channel_id: phone,
        disposition: 'answered',
        hangup_side: 'caller',
      });
      expect(row.customer_id).to.be.a('number');
      expect(await s.eventNames(callId)).to.deep.equal([
        '->arrive>arriving',
        'arriving>dial>dialing',
        'dialing>answer>connected',
        'connected>caller_hangup>wrap_up',
        'wrap_up>wrap_up_done>ended',
      ]);
      await waitFor(async () => {
        const r = await s.db('recordings').where({ call_id: callId }).first();
        return r?.state === 'stored';
      }, 'the recording stored');
      expect(s.continues).to.deep.equal([]);
      await s.expectSwitchClean();
    });

    it('a busy number frees the agent; a listed number is refused; an agent on a call or a stranger’s phone dials directly', async () => {
      s = await startStack({ outbound: { trunk: TRUNK } });
      carrier('busy', 50);
      await s.login(2001);
      const busyPhone = dialOut(2001, '+8613800000001');
      const busy = await callOf(busyPhone);
      expect(await s.finalRow(busy, 'ended')).to.deep.include({ disposition: 'busy', hangup_cause: 17 });
      await waitFor(() => !s.sim.control.channels().some((c) => c.id === busyPhone), 'the phone hung up');
      await waitFor(async () => (await s.agentState(2001)) === 'available', 'the agent free after a busy number');

      // A number on the do-not-call list is refused on any phone: the agent hears why.
      await s.db('do_not_call').insert({ e164: GOLD, reason: 'asked', created_at: new Date() });
      const listed = dialOut(2001, GOLD);
      await waitFor(
        () =>
          s.plays.some(
            (p) =>
              'channelId' in p.target &&
              p.target.channelId === listed &&
              p.media[0] === 'sound:ariadne/number-do-not-call',
          ),
        'the refusal played to the phone',
      );
      await waitFor(() => !s.sim.control.channels().some((c) => c.id === listed), 'the phone hung up');
      expect(await s.agentState(2001)).to.equal('available');
      await s.db('do_not_call').delete();

      // A paused agent's number is placed by Ariadne too (busy here), and the pause resumes.
      await s.agents.pause(s.agentId(2001), 'Break');
      const paused = await callOf(dialOut(2001, '+8613800000002'));
      expect(await s.finalRow(paused, 'ended')).to.deep.include({ disposition: 'busy', agent_id: s.agentId(2001) });
      await waitFor(async () => (await s.agentState(2001)) === 'paused', 'the agent back in the pause');

      // An agent already on a call (a second line of the phone) is not reserved again: that call dials directly.
      carrier('answer', 50);
      await s.agents.unpause(s.agentId(2001));
      const first = await callOf(dialOut(2001, '+8613800000003'));
      await s.waitState(first, 'connected');
      const second = dialOut(2001, GOLD);
      await waitFor(() => s.continues.find((c) => c.channelId === second), 'the busy agent’s second call let go');
      const stranger = dialOut(2009, GOLD);
      await waitFor(() => s.continues.find((c) => c.channelId === stranger), 'the unknown phone’s call let go');
      expect(s.continues).to.deep.equal([
        { channelId: second, context: DIRECT_DIAL_CONTEXT, extension: GOLD, priority: 1 },
        { channelId: stranger, context: DIRECT_DIAL_CONTEXT, extension: GOLD, priority: 1 },
      ]);
      expect(await s.db('calls').count({ n: '*' }).first()).to.deep.include({ n: 3 });
      for (const ch of s.sim.control.channels().filter((c) => c.id === second || c.id === stranger))
        s.sim.control.hangup(ch.id);
      s.sim.control.hangup(customerLeg(first)?.id as string);
      await s.waitState(first, 'wrap_up');
      await waitFor(async () => (await s.agentState(2001)) === 'wrap_up', 'the agent in wrap-up');
      await s.agents.endWrapUp(s.agentId(2001));
      await s.finalRow(first, 'ended');
    });

    it('a phone Ariadne last saw unreachable is reachable once it dials: its number is still placed by Ariadne', async () => {
      s = await startStack({ outbound: { trunk: TRUNK } });
      carrier('busy', 50);
      await s.login(2001);
      // As after the phone registers again: Asterisk keeps the contact Unreachable until its next qualify.
      await s.agents.setEndpointOnline('PJSIP/2001', false);
      const phone = dialOut(2001, GOLD);
      const callId = await callOf(phone);
      expect(await s.finalRow(callId, 'ended')).to.deep.include({ disposition: 'busy', agent_id: s.agentId(2001) });
      expect(s.continues).to.deep.equal([]);
      const agent = await s
        .db('agents')
        .where({ id: s.agentId(2001) })
        .first('endpoint_online');
      expect(agent).to.deep.equal({ endpoint_online: 1 });
    });

    it('the agent hangs up while it rings: cancelled and freed; the backup trunk and a withheld number are kept', async () => {
      s = await startStack({ outbound: { trunk: TRUNK } });
      carrier('unreachable');
      carrier('no-answer', 100, 'carrier-b');
      await s.login(2001);
      const phone = dialOut(2001, GOLD, { backup: 'carrier-b', presentation: 'prohib_passed_screen' });
      const callId = await callOf(phone);
      const ringing = await waitFor(() => customerLeg(callId), "the customer's phone ringing");
      expect(ringing.name.startsWith('PJSIP/carrier-b-'), 'the dialplan’s backup trunk').to.equal(true);
      const leg = s.originates.find((o) => o.channelId === ringing.id && o.endpoint.endsWith('@carrier-b'));
      expect(leg?.variables).to.deep.include({ 'CONNECTEDLINE(pres,i)': 'prohib_passed_screen' });

      s.sim.control.hangup(phone);
      const row = await s.finalRow(callId, 'ended');
      expect(row).to.deep.include({ disposition: 'cancelled', hangup_side: 'agent', trunk: 'carrier-b' });
      expect((await s.eventNames(callId)).at(-1)).to.equal('dialing>agent_hangup>ended');
      await waitFor(() => !s.sim.control.channels().some((c) => c.id === ringing.id), "the customer's leg hung up");
      await waitFor(async () => (await s.agentState(2001)) === 'available', 'the agent free');
      await s.expectSwitchClean();
    });
  });
});
