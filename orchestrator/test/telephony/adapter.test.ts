/**
 * The real ARI adapter (on the unmodified ari-client 2.2.0) against the simulator.
 */
import { expect } from 'chai';
import { collectDigits } from '../../src/telephony/digits.js';
import { isSwitchError, SwitchError } from '../../src/telephony/port.js';
import { http } from '../simulator/traceReplay.js';
import type { BlockedCallRejected } from '../../src/telephony/port.js';
import { inboundCall, recorder, rig, until, type Rig } from './helpers.js';

async function rejection(p: Promise<unknown>): Promise<SwitchError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(SwitchError);
    return err as SwitchError;
  }
  throw new Error('expected a rejection');
}

describe('telephony: ARI adapter against the simulator', function () {
  this.timeout(10_000);
  let r: Rig;

  beforeEach(async () => {
    r = await rig({
      endpoints: {
        'PJSIP/2001': { behaviour: 'answer', afterMs: 30 },
        'PJSIP/2002': { behaviour: 'no-answer' },
        'PJSIP/2003': { behaviour: 'busy', afterMs: 20 },
        'PJSIP/2009': { behaviour: 'unreachable' },
      },
      timeScale: 0.05,
    });
  });
  afterEach(async () => {
    await r.stop();
  });

  it('reports connection state and an inbound call with its DID and trunk', async () => {
    expect(r.sw.connectionStates()).to.have.length(1);
    expect(r.sw.connectionStates()[0]).to.include({ node: 'n1', connected: true });
    const call = await inboundCall(r, '+8613800138000', '4007188668');
    expect(call.node).to.equal('n1');
    expect(call.args).to.deep.equal(['4007188668', 'carrier-a']);
    expect(call.callerNumber).to.equal('+8613800138000');
    expect(call.state).to.equal('Ring');
    const answeredByDialplan = await inboundCall(r, '+8613800138001', '4007188668', true);
    expect(answeredByDialplan.state).to.equal('Up');
  });

  it('answers (the Up event arrives before the 204 and is reported once)', async () => {
    const call = await inboundCall(r);
    const rec = recorder(r, call.channelId);
    await r.sw.answer(call.channelId);
    expect(rec.events.filter((e) => e.type === 'answered')).to.have.length(1);
    expect(r.sim.control.channel(call.channelId).state).to.equal('Up');
  });

  it('plays to done, failed (missing sound) and timeout (unknown scheme never finishes)', async () => {
    const call = await inboundCall(r);
    await r.sw.answer(call.channelId);
    const ok = await r.sw.play({ channelId: call.channelId }, 'sound:hello-world');
    expect(await ok.finished).to.equal('done');
    const missing = await r.sw.play({ channelId: call.channelId }, 'sound:no-such-prompt');
    expect(await missing.finished).to.equal('failed');
    const never = await r.sw.play({ channelId: call.channelId }, 'bogus:thing', { timeoutMs: 100 });
    expect(await never.finished).to.equal('timeout');
    expect(r.sw.routeSizes().playbacks).to.equal(0);
  });

  it('ends a playback with stopped, and with hangup when the caller hangs up', async () => {
    const call = await inboundCall(r);
    await r.sw.answer(call.channelId);
    const tone = await r.sw.play({ channelId: call.channelId }, 'tone:ring');
    await r.sw.stopPlayback(tone.playbackId);
    expect(await tone.finished).to.equal('stopped');
    const tone2 = await r.sw.play({ channelId: call.channelId }, 'tone:ring');
    r.sim.control.hangup(call.channelId);
    expect(await tone2.finished).to.equal('hangup');
  });

  it('rejects a request about a gone channel with a typed not_found (never unhandled)', async () => {
    const err = await rejection(r.sw.answer('no-such-channel'));
    expect(err.code).to.equal('not_found');
    expect(err.status).to.equal(404);
    const err2 = await rejection(r.sw.play({ channelId: 'no-such-channel' }, 'sound:x'));
    expect(err2.code).to.equal('not_found');
    expect(r.sw.routeSizes().playbacks).to.equal(0);
  });

  it('delivers DTMF and collects digits (terminator, max digits, timeout, hangup)', async () => {
    const call = await inboundCall(r);
    await r.sw.answer(call.channelId);
    const rec = recorder(r, call.channelId);
    let p = collectDigits(r.sw, call.channelId, {
      maxDigits: 10,
      firstDigitTimeoutMs: 2000,
      interDigitTimeoutMs: 1000,
    });
    r.sim.control.sendDtmf(call.channelId, '123#', 10);
    expect(await p).to.deep.equal({ digits: '123', end: 'terminator' });
    expect(rec.events.filter((e) => e.type === 'dtmf').map((e) => (e.type === 'dtmf' ? e.digit : ''))).to.deep.equal([
      '1',
      '2',
      '3',
      '#',
    ]);
    p = collectDigits(r.sw, call.channelId, { maxDigits: 2, firstDigitTimeoutMs: 2000, interDigitTimeoutMs: 1000 });
    r.sim.control.sendDtmf(call.channelId, '45', 10);
    expect(await p).to.deep.equal({ digits: '45', end: 'max_digits' });
    p = collectDigits(r.sw, call.channelId, { maxDigits: 4, firstDigitTimeoutMs: 50, interDigitTimeoutMs: 50 });
    expect(await p).to.deep.equal({ digits: '', end: 'timeout' });
    p = collectDigits(r.sw, call.channelId, { maxDigits: 4, firstDigitTimeoutMs: 2000, interDigitTimeoutMs: 2000 });
    r.sim.control.hangup(call.channelId);
    expect((await p).end).to.equal('hangup');
  });

  it('originates: answered (StasisStart), no answer (cause 19), busy (17), unreachable (500 Allocation failed)', async () => {
    const answered = await r.sw.originate({ endpoint: 'PJSIP/2001', timeoutSeconds: 5, appArgs: ['agent', 'x'] });
    expect(await answered.outcome).to.deep.equal({ result: 'answered' });
    expect(
      r.inbound.find((c) => c.channelId === answered.channelId),
      'an originated leg is not inbound',
    ).to.equal(undefined);

    const noAnswer = await r.sw.originate({ endpoint: 'PJSIP/2002', timeoutSeconds: 2 });
    expect(await noAnswer.outcome).to.deep.equal({ result: 'no_answer', cause: 19 });

    const busy = await r.sw.originate({ endpoint: 'PJSIP/2003', timeoutSeconds: 5 });
    expect(await busy.outcome).to.deep.equal({ result: 'busy', cause: 17 });

    for (const endpoint of ['PJSIP/2009', 'PJSIP/9999']) {
      const err = await rejection(r.sw.originate({ endpoint, timeoutSeconds: 5 }));
      expect(err.code, endpoint).to.equal('unreachable');
    }
    await r.sw.hangup(answered.channelId);
    await until(() => r.sw.routeSizes().channels === 0, 2000, 'no routes left');
  });

  it('a leg hung up by us before answering ends cancelled', async () => {
    const leg = await r.sw.originate({ endpoint: 'PJSIP/2002', timeoutSeconds: 10 });
    const events = recorder(r, leg.channelId).events;
    await r.sw.hangup(leg.channelId);
    expect((await leg.outcome).result).to.equal('cancelled');
    expect(events.filter((e) => e.type === 'hangup')).to.have.length(1);
  });

  it('bridges caller and agent; hang-up from either side reaches the watchers exactly once; no routes left', async () => {
    const call = await inboundCall(r);
    await r.sw.answer(call.channelId);
    const caller = recorder(r, call.channelId);
    const agentId = 'agent-leg-1';
    const agent = recorder(r, agentId);
    const leg = await r.sw.originate({ endpoint: 'PJSIP/2001', channelId: agentId, timeoutSeconds: 5 });
    expect((await leg.outcome).result).to.equal('answered');
    const bridgeId = await r.sw.createBridge({ type: 'mixing', name: 'call-1' });
    await r.sw.addToBridge(bridgeId, [call.channelId, agentId]);
    const bridges = await r.sw.listBridges();
    expect(bridges.find((b) => b.bridgeId === bridgeId)?.channelIds).to.have.members([call.channelId, agentId]);

    r.sim.control.hangup(agentId); // the agent's phone hangs up
    await until(() => agent.events.some((e) => e.type === 'hangup'), 2000, 'agent hangup');
    await r.sw.hangup(call.channelId); // we hang up the caller
    await until(() => caller.events.some((e) => e.type === 'hangup'), 2000, 'caller hangup');
    await r.sw.destroyBridge(bridgeId);
    expect(agent.events.filter((e) => e.type === 'hangup')).to.have.length(1);
    expect(caller.events.filter((e) => e.type === 'hangup')).to.have.length(1);
    expect(r.sw.routeSizes()).to.deep.equal({ channels: 0, playbacks: 0, recordings: 0, targets: 0 });
  });

  it('sets the app event filter on connect: the types nothing routes stay on Asterisk, a call still works', async () => {
    const disallowed = async () =>
      (
        (await http(r.sim.port, 'GET', '/ari/applications/ariadne', { auth: 'ariadne:ariadne' })).body as {
          events_disallowed: { type: string }[];
        }
      ).events_disallowed.map((e) => e.type);
    for (let i = 0; (await disallowed()).length === 0; i++) {
      if (i > 200) throw new Error('no event filter set');
      await new Promise((res) => setTimeout(res, 10));
    }
    expect(await disallowed()).to.include.members([
      'ChannelVarset',
      'Dial',
      'ChannelDialplan',
      'ChannelEnteredBridge',
      'ChannelLeftBridge',
    ]);
    expect(await disallowed()).to.not.include.members([
      'StasisStart',
      'ChannelStateChange',
      'ChannelDestroyed',
      'BridgeDestroyed',
    ]);
    const before = r.sim.control.stats().eventsFiltered;
    const call = await inboundCall(r);
    await r.sw.answer(call.channelId);
    const agent = recorder(r, 'agent-leg-f');
    const leg = await r.sw.originate({ endpoint: 'PJSIP/2001', channelId: 'agent-leg-f', timeoutSeconds: 5 });
    expect((await leg.outcome).result).to.equal('answered');
    const bridgeId = await r.sw.createBridge({ type: 'mixing', name: 'call-f' });
    await r.sw.addToBridge(bridgeId, [call.channelId, 'agent-leg-f']);
    r.sim.control.hangup('agent-leg-f');
    await until(() => agent.events.some((e) => e.type === 'hangup'), 2000, 'agent hangup');
    expect(r.sim.control.stats().eventsFiltered - before).to.be.greaterThan(5);
  });

  it('records a bridge: start, pause, unpause, stop → done with a duration; stored file streams', async () => {
    const call = await inboundCall(r);
    await r.sw.answer(call.channelId);
    const bridgeId = await r.sw.createBridge({ type: 'mixing' });
    await r.sw.addToBridge(bridgeId, call.channelId);
    const rec = await r.sw.record({ bridgeId }, { name: 'rec-test-1', format: 'wav', ifExists: 'overwrite' });
    await r.sw.pauseRecording('rec-test-1');
    expect(r.sim.control.channel(call.channelId)).to.be.an('object');
    await r.sw.unpauseRecording('rec-test-1');
    await r.sw.stopRecording('rec-test-1');
    const result = await rec.finished;
    expect(result.status).to.equal('done');
    expect(result.durationSeconds).to.be.a('number');
    const stream = await r.sw.fetchStoredRecording('rec-test-1', 'n1');
    const chunks: Buffer[] = [];
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
    expect(Buffer.concat(chunks).subarray(0, 4).toString('latin1')).to.equal('RIFF');
    await r.sw.deleteStoredRecording('rec-test-1', 'n1');
    const err = await rejection(r.sw.fetchStoredRecording('rec-test-1', 'n1'));
    expect(err.code).to.equal('not_found');
  });

  it('a duplicate recording name is a conflict; a stop of an unknown recording is not_found', async () => {
    const call = await inboundCall(r);
    await r.sw.answer(call.channelId);
    const rec = await r.sw.record({ channelId: call.channelId }, { name: 'dup-1' });
    expect((await rejection(r.sw.record({ channelId: call.channelId }, { name: 'dup-1' }))).code).to.equal('conflict');
    expect((await rejection(r.sw.stopRecording('nope-1'))).code).to.equal('not_found');
    r.sim.control.hangup(call.channelId);
    expect(['done', 'hangup']).to.include((await rec.finished).status);
  });

  it('maps 409 not in Stasis, 400 bad request and 422 conflict', async () => {
    const call = await inboundCall(r);
    await r.sw.answer(call.channelId);
    const bridgeId = await r.sw.createBridge({ type: 'mixing' });
    // removeChannel of a channel not in the bridge: 422
    expect((await rejection(r.sw.removeFromBridge(bridgeId, call.channelId))).code).to.equal('conflict');
    // a duplicate bridge id: 409 other than not-in-stasis
    expect((await rejection(r.sw.createBridge({ type: 'mixing', bridgeId }))).code).to.equal('conflict');
    expect(isSwitchError(await rejection(r.sw.setVariable(call.channelId, '', 'x')), 'bad_request')).to.equal(true);
    await r.sw.setVariable(call.channelId, 'FOO', 'bar');
    expect(await r.sw.getVariable(call.channelId, 'FOO')).to.equal('bar');
  });

  it('continueInDialplan reports left_app, not hangup', async () => {
    const call = await inboundCall(r);
    const rec = recorder(r, call.channelId);
    await r.sw.continueInDialplan(call.channelId);
    await until(() => rec.events.length > 0, 2000, 'left_app');
    expect(rec.events[0]).to.deep.equal({ type: 'left_app' });
    expect(rec.events.some((e) => e.type === 'hangup')).to.equal(false);
  });

  it("visitDialplan: the line comes back with the dialplan's args and its watchers; one that ends there is null", async () => {
    r.sim.control.setEndpoint('PJSIP', '2004', { behaviour: 'machine', afterMs: 20 });
    const amd = { context: 'ariadne-amd', extension: 's', priority: 1 };
    const leg = await r.sw.originate({
      endpoint: 'PJSIP/2004',
      timeoutSeconds: 5,
      variables: { ARIADNE_CALL_ID: 'call-7' },
    });
    expect((await leg.outcome).result).to.equal('answered');
    const rec = recorder(r, leg.channelId);
    const back = await r.sw.visitDialplan(leg.channelId, amd, 2000);
    expect(back).to.deep.equal(['amd', 'call-7', 'MACHINE', 'LONGGREETING-1500-1500']);
    expect(rec.events, 'neither left the app nor hung up').to.deep.equal([]);
    expect(
      r.inbound.some((c) => c.channelId === leg.channelId),
      'its return is no inbound call',
    ).to.equal(false);
    // Back in the app: it is ours to hang up, and the hang-up is heard once.
    await r.sw.hangup(leg.channelId);
    await until(() => rec.events.some((e) => e.type === 'hangup'), 2000, 'hangup');

    // No verdict in time: the visit is null and the line, still in the dialplan, is hung up.
    const late = await r.sw.originate({ endpoint: 'PJSIP/2004', timeoutSeconds: 5 });
    expect((await late.outcome).result).to.equal('answered');
    const lateRec = recorder(r, late.channelId);
    expect(await r.sw.visitDialplan(late.channelId, amd, 1)).to.equal(null);
    await until(() => lateRec.events.some((e) => e.type === 'hangup'), 2000, 'the late line hung up');

    // A context that does not exist ends the channel in the dialplan: the visit is null, the watchers hear it end.
    const lost = await r.sw.originate({ endpoint: 'PJSIP/2001', timeoutSeconds: 5 });
    expect((await lost.outcome).result).to.equal('answered');
    const lostRec = recorder(r, lost.channelId);
    expect(await r.sw.visitDialplan(lost.channelId, { ...amd, context: 'nosuchcontext' }, 2000)).to.equal(null);
    expect(lostRec.events.filter((e) => e.type === 'hangup')).to.have.length(1);
    await until(() => r.sw.routeSizes().channels === 0, 2000, 'no routes left');
  });

  it('snoop: resolves once the snoop is in the app, so it bridges at once; it ends with the channel it snoops on', async () => {
    const call = await inboundCall(r);
    await r.sw.answer(call.channelId);
    const snoopId = await r.sw.snoop({
      channelId: call.channelId,
      spy: 'both',
      whisper: 'out',
      appArgs: ['snoop', 'c'],
    });
    expect(
      r.inbound.some((c) => c.channelId === snoopId),
      'a snoop is no inbound call',
    ).to.equal(false);
    const bridge = await r.sw.createBridge({ type: 'mixing' });
    await r.sw.addToBridge(bridge, snoopId); // no 422 "Channel not in Stasis application"
    expect(r.sim.control.channel(snoopId).bridgeId).to.equal(bridge);
    const rec = recorder(r, snoopId);
    await r.sw.hangup(call.channelId);
    await until(() => rec.events.some((e) => e.type === 'hangup'), 2000, 'the snoop gone with its channel');
    await r.sw.destroyBridge(bridge);
    const gone = await r.sw.snoop({ channelId: 'no-such-channel', spy: 'both', whisper: 'none' }).catch((e) => e);
    expect(gone).to.include({ code: 'not_found' });
    await until(() => r.sw.routeSizes().channels === 0, 2000, 'no routes left');
  });

  it('AMI: dialplan and pjsip reload, contacts, CoreShowChannels, ping', async () => {
    await r.sw.reload('dialplan');
    await r.sw.reload('pjsip');
    const contacts = await r.sw.endpointContacts();
    const endpoints = contacts.map((c) => c.endpoint);
    expect(endpoints).to.include.members(['2001', '2002', '2003']);
    expect(endpoints).to.not.include('2009'); // configured but not registered
    expect(contacts.find((c) => c.endpoint === '2001')?.uri).to.match(/^sip:2001@/);
    const call = await inboundCall(r);
    const channels = await r.sw.coreShowChannels();
    expect(channels.map((c) => c.uniqueid)).to.include(call.channelId);
    expect(await r.sw.amiPing()).to.deep.equal([]);
  });

  it('AMI: no outbound registrations is an empty list; a node without contacts too (Asterisk answers an error)', async () => {
    expect(await r.sw.outboundRegistrations()).to.deep.equal([]);
    for (const ext of ['2001', '2002', '2003']) r.sim.control.setEndpoint('PJSIP', ext, { behaviour: 'unreachable' });
    expect(await r.sw.endpointContacts()).to.deep.equal([]);
  });

  it('AMI: the blocked callers replace the AstDB family, an empty family included', async () => {
    await r.sw.setBlockedCallers(['8613812345678', 'anonymous']);
    const family = () => [...r.sim.engine.astdb.keys()].filter((k) => k.startsWith('ariadne-blocked/')).sort();
    expect(family()).to.deep.equal(['ariadne-blocked/8613812345678', 'ariadne-blocked/anonymous']);
    await r.sw.setBlockedCallers(['13812345678']);
    expect(family()).to.deep.equal(['ariadne-blocked/13812345678']);
    await r.sw.setBlockedCallers([]);
    // Asterisk refuses DBDelTree of an empty family ("Database entry not found"): still no error.
    await r.sw.setBlockedCallers([]);
    expect(family()).to.deep.equal([]);
  });

  it('AMI: a caller the dialplan rejects as blocked is reported (UserEvent AriadneBlocked), never in Stasis', async () => {
    const rejected: BlockedCallRejected[] = [];
    r.sw.onBlockedCallRejected((e) => rejected.push(e));
    await r.sw.setBlockedCallers(['8613812345678', 'anonymous']);
    try {
      const digits = r.sim.control.placeCall({ from: '+8613812345678', to: '4007188668' });
      const withheld = r.sim.control.placeCall({ from: '', to: '4007188000' });
      await until(() => (rejected.length === 2 ? true : undefined), 3000, 'two UserEvents');
      expect(rejected).to.deep.equal([
        {
          node: 'n1',
          uniqueId: digits.channelId,
          key: '8613812345678',
          callerNum: '+8613812345678',
          did: '4007188668',
        },
        { node: 'n1', uniqueId: withheld.channelId, key: 'anonymous', callerNum: '<unknown>', did: '4007188000' },
      ]);
      expect(r.inbound.some((c) => c.channelId === digits.channelId || c.channelId === withheld.channelId)).to.equal(
        false,
      );
      // Rejected unanswered with cause 21, gone.
      expect(r.sim.engine.channels.has(digits.channelId)).to.equal(false);
      // Anyone else goes on to the app.
      await inboundCall(r, '+8613812345679');
    } finally {
      await r.sw.setBlockedCallers([]);
    }
  });

  it('AMI: a change to the blocked callers writes only the keys that changed, many at once', async () => {
    const astdb = r.sim.engine.astdb;
    const written: string[] = [];
    const [set, del] = [astdb.set.bind(astdb), astdb.delete.bind(astdb)];
    astdb.set = (k: string, v: string) => (written.push(`+${k}`), set(k, v));
    astdb.delete = (k: string) => (written.push(`-${k}`), del(k));
    try {
      const many = Array.from({ length: 500 }, (_, i) => `86139${String(i).padStart(8, '0')}`);
      await r.sw.setBlockedCallers(many);
      expect(written.filter((w) => w.startsWith('+'))).to.have.length(500);
      written.length = 0;
      await r.sw.setBlockedCallers([...many.slice(1), 'anonymous']);
      expect(written).to.deep.equal([`-ariadne-blocked/${many[0]}`, '+ariadne-blocked/anonymous']);
      const family = [...astdb.keys()].filter((k) => k.startsWith('ariadne-blocked/'));
      expect(family).to.have.length(500).and.include('ariadne-blocked/anonymous');
    } finally {
      [astdb.set, astdb.delete] = [set, del];
      await r.sw.setBlockedCallers([]);
    }
  });

  it('subscribes to PJSIP endpoint states on connect, so a phone going offline and back is reported', async () => {
    const seen: string[] = [];
    r.sw.onEndpointState((e) => seen.push(`${e.tech}/${e.resource}:${e.state}`));
    await until(() => r.sim.control.stats().apps.length > 0);
    // The subscription is sent right after the socket opens; give it a moment to land.
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The states read on connect come first (the handler may be registered in time for some of them).
    const before = seen.length;
    r.sim.control.setEndpoint('PJSIP', '2001', { behaviour: 'unreachable' });
    r.sim.control.setEndpoint('PJSIP', '2001', { behaviour: 'answer' });
    await until(() => seen.length >= before + 2);
    expect(seen.slice(before)).to.deep.equal(['PJSIP/2001:offline', 'PJSIP/2001:online']);
  });

  it('a playback stopped while still queued behind another settles as stopped before its turn comes', async () => {
    const call = await inboundCall(r);
    await r.sw.answer(call.channelId);
    const first = await r.sw.play({ channelId: call.channelId }, 'tone:ring');
    const queued = await r.sw.play({ channelId: call.channelId }, 'tone:ring');
    await r.sw.stopPlayback(queued.playbackId);
    expect(await queued.finished).to.equal('stopped');
    await r.sw.stopPlayback(first.playbackId);
    expect(await first.finished).to.equal('stopped');
    expect(r.sw.routeSizes().playbacks).to.equal(0);
  });
});
