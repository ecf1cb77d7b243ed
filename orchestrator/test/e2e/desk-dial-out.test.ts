import { expect } from 'chai';
import { DIRECT_DIAL_CONTEXT } from '../../src/calls/dial-out.js';
import { DEMO_CUSTOMERS } from '../../src/db/seed/index.js';
import { sleep, startStack, waitFor, type Stack } from './harness.js';

/**
 * Numbers dialled on an agent's desk phone, end to end: the dialplan ([outbound-dial] in dialplans/outbound.conf) hands
 * them to the app as `dialout,<E.164>,<trunk>,<backup>,<presentation>`; the simulator places the phone's call into
 * the app as Asterisk would, unanswered. Real ARI adapter, ACD and agents, MariaDB.
 */

const GOLD = DEMO_CUSTOMERS.find((c) => c.key === 'gold')?.phone as string;
const TRUNK = 'carrier-a';
const COMPANY = '+8657188886666';

describe('e2e: numbers dialled on a desk phone (adapter + simulator + MariaDB)', function () {
  this.timeout(30_000);
  let s: Stack;
  afterEach(async function () {
    if (!s) return;
    if (this.currentTest?.state === 'passed') expect(await s.expectConsistentCalls()).to.be.greaterThan(0);
    await s.stop();
  });

  const carrier = (behaviour: 'answer' | 'busy' | 'no-answer' | 'unreachable', afterMs = 100, trunk = TRUNK) =>
    s.sim.control.setEndpoint('PJSIP', trunk, { behaviour, afterMs });
  /** The phone's call as [outbound-dial] hands it over, with the caller id the dialplan set. */
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
  const customerLeg = (callId: string) => {
    const channelId = s.center.calls.get(callId)?.channelId;
    return s.sim.control.channels().find((c) => c.id === channelId);
  };

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

  it('a busy number frees the agent; a listed number is refused; a paused agent or a stranger’s phone dials directly', async () => {
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

    await s.agents.pause(s.agentId(2001), 'Break');
    const paused = dialOut(2001, GOLD);
    await waitFor(() => s.continues.find((c) => c.channelId === paused), 'the paused agent’s call let go');
    const stranger = dialOut(2009, GOLD);
    await waitFor(() => s.continues.find((c) => c.channelId === stranger), 'the unknown phone’s call let go');
    expect(s.continues).to.deep.equal([
      { channelId: paused, context: DIRECT_DIAL_CONTEXT, extension: GOLD, priority: 1 },
      { channelId: stranger, context: DIRECT_DIAL_CONTEXT, extension: GOLD, priority: 1 },
    ]);
    expect(await s.db('calls').count({ n: '*' }).first()).to.deep.include({ n: 1 });
    expect(await s.agentState(2001)).to.equal('paused');
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
