import { expect } from 'chai';
// @ts-expect-error ari-client ships no types
import ari from 'ari-client';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { Params } from '../../src/simulator/engine.js';
import { EventRecorder, http, queryString, type HttpResult } from './traceReplay.js';

type Json = Record<string, unknown>;
const AUTH = 'ariadne:ariadne';

function ariReq(sim: Simulator, method: string, path: string, query: Record<string, string> = {}, body?: unknown): Promise<HttpResult> {
  return http(sim.port, method, `/ari${path}${queryString(query)}`, { auth: AUTH, body });
}

function simReq(sim: Simulator, method: string, path: string, body?: unknown): Promise<HttpResult> {
  return http(sim.port, method, `/_sim${path}`, { body });
}

async function appSocket(sim: Simulator, app = 'ariadne', extra = ''): Promise<EventRecorder> {
  return new EventRecorder({ n: 0, log: [] }).open(sim.port, `?app=${app}&api_key=${AUTH}${extra}`);
}

const types = (r: EventRecorder, chanId?: string): string[] =>
  r.events
    .filter((e) => !chanId || ((e.channel ?? e.peer) as Json | undefined)?.id === chanId)
    .map((e) => String(e.type) + (e.type === 'Dial' ? `:${String(e.dialstatus)}` : ''));

describe('simulator', function () {
  this.timeout(15_000);
  let sim: Simulator;
  let ws: EventRecorder;

  beforeEach(async () => {
    sim = await startSimulator({ playbackMs: 20, amiPort: null, endpoints: { 'PJSIP/agent1': { behaviour: 'answer', afterMs: 10 } } });
    ws = await appSocket(sim);
  });
  afterEach(async () => {
    ws.close();
    await sim.stop();
  });

  describe('control API', () => {
    it('POST /_sim/calls puts the call into the app with the DID and trunk as Stasis arguments', async () => {
      const res = await simReq(sim, 'POST', '/calls', { from: '+8613800138000', to: '4007188668', trunk: 'carrier-b' });
      expect(res.status).to.equal(201);
      const { channelId } = res.body as { channelId: string };
      await ws.waitFor(() => ws.events.length >= 1, 2000, 'StasisStart');
      const e = ws.events[0]!;
      expect(e.type).to.equal('StasisStart');
      expect(e.args).to.deep.equal(['4007188668', 'carrier-b']);
      const ch = e.channel as Json;
      expect(ch.id).to.equal(channelId);
      // dialplans/inbound.conf answers before Stasis (priority 4), so the channel arrives Up at priority 5.
      expect(ch.state).to.equal('Up');
      expect(ch.dialplan).to.include({ context: 'ariadne-inbound', exten: '4007188668', priority: 5, app_name: 'Stasis' });
      expect(ch.caller).to.deep.equal({ name: '', number: '+8613800138000' });
      expect(e.application).to.equal('ariadne');
      const v = await ariReq(sim, 'GET', `/channels/${channelId}/variable`, { variable: 'ARIADNE_DID' });
      expect(v.body).to.deep.equal({ value: '4007188668' });
      // A dialplan without Answer() hands the app a ringing channel.
      await simReq(sim, 'POST', '/calls', { from: '1', to: '2', answered: false });
      await ws.waitFor(() => ws.events.length >= 2, 2000, 'second StasisStart');
      expect((ws.events[1]!.channel as Json).state).to.equal('Ring');
      expect(types(ws)).to.deep.equal(['StasisStart', 'StasisStart']);
    });

    it('rejects a call without from/to with 400 and a message', async () => {
      const res = await simReq(sim, 'POST', '/calls', { from: '1' });
      expect(res.status).to.equal(400);
      const answered = await simReq(sim, 'POST', '/calls', { from: '1', to: '2', answered: 'yes' });
      expect([answered.status, answered.body]).to.deep.equal([400, { message: '"answered" must be true or false' }]);
      expect((res.body as Json).message).to.be.a('string');
      const bad = await http(sim.port, 'POST', '/_sim/calls', { body: '{not json' });
      expect(bad.status).to.equal(400);
    });

    it('caller scripts send DTMF and hang up at the given times; DELETE /_sim/channels hangs up', async () => {
      const res = await simReq(sim, 'POST', '/calls', { from: '100', to: '200', script: [{ atMs: 10, dtmf: '1' }, { atMs: 30, dtmf: '3' }], hangupAfterMs: 60, answered: false });
      const { channelId } = res.body as { channelId: string };
      await ws.waitFor(() => ws.events.some((e) => e.type === 'StasisEnd'), 2000, 'StasisEnd');
      expect(types(ws)).to.deep.equal(['StasisStart', 'ChannelDtmfReceived', 'ChannelDtmfReceived', 'ChannelHangupRequest', 'StasisEnd']);
      expect(ws.events.filter((e) => e.type === 'ChannelDtmfReceived').map((e) => [e.digit, e.duration_ms])).to.deep.equal([['1', 180], ['3', 180]]);
      expect((await simReq(sim, 'GET', `/channels/${channelId}`)).status).to.equal(404);

      const second = (await simReq(sim, 'POST', '/calls', { from: '100', to: '200' })).body as { channelId: string };
      expect((await simReq(sim, 'POST', `/channels/${second.channelId}/dtmf`, { digits: '5' })).status).to.equal(204);
      expect((await simReq(sim, 'DELETE', `/channels/${second.channelId}`)).status).to.equal(204);
      await ws.waitFor(() => ws.events.filter((e) => e.type === 'StasisEnd').length === 2, 2000, 'second StasisEnd');
      expect((await simReq(sim, 'DELETE', '/channels/nope')).status).to.equal(404);
    });

    it('a scripted caller answers a prompt: a step with afterMedia waits for that media to play to it, once', async () => {
      const { channelId } = (
        await simReq(sim, 'POST', '/calls', { from: '100', to: '200', script: [{ atMs: 5, afterMedia: 'sound:ariadne/survey-question', dtmf: '4' }] })
      ).body as { channelId: string };
      await ws.waitFor(() => ws.events.some((e) => e.type === 'StasisStart'), 2000, 'StasisStart');
      await new Promise((r) => setTimeout(r, 50));
      expect(types(ws), 'nothing before the prompt').to.not.include('ChannelDtmfReceived');
      expect((await ariReq(sim, 'POST', `/channels/${channelId}/play`, { media: 'sound:beep' })).status).to.equal(201);
      expect((await ariReq(sim, 'POST', `/channels/${channelId}/play`, { media: 'sound:ariadne/survey-question' })).status).to.equal(201);
      await ws.waitFor(() => ws.events.some((e) => e.type === 'ChannelDtmfReceived'), 2000, 'the key after the prompt');
      expect(ws.events.filter((e) => e.type === 'ChannelDtmfReceived').map((e) => e.digit)).to.deep.equal(['4']);
      await ariReq(sim, 'POST', `/channels/${channelId}/play`, { media: 'sound:ariadne/survey-question' });
      await new Promise((r) => setTimeout(r, 100));
      expect(ws.events.filter((e) => e.type === 'ChannelDtmfReceived'), 'once').to.have.length(1);
      expect((await simReq(sim, 'POST', '/calls', { from: '1', to: '2', script: [{ atMs: 1, afterMedia: 7 }] })).status).to.equal(400);
      expect((await simReq(sim, 'DELETE', `/channels/${channelId}`)).status).to.equal(204);
    });

    it('endpoints: never PUT → Allocation failed; unreachable → offline and Allocation failed; busy → cause 17', async () => {
      const none = await ariReq(sim, 'POST', '/channels', { endpoint: 'PJSIP/ghost', app: 'ariadne' });
      expect([none.status, none.body]).to.deep.equal([500, { error: 'Allocation failed' }]);
      const put = await simReq(sim, 'PUT', '/endpoints/PJSIP/off', { behaviour: 'unreachable' });
      expect(put.body).to.deep.equal({ technology: 'PJSIP', resource: 'off', state: 'offline', channel_ids: [] });
      const off = await ariReq(sim, 'POST', '/channels', { endpoint: 'PJSIP/off', app: 'ariadne' });
      expect(off.status).to.equal(500);
      expect((await simReq(sim, 'PUT', '/endpoints/PJSIP/x', { behaviour: 'maybe' })).status).to.equal(400);

      await simReq(sim, 'PUT', '/endpoints/PJSIP/busy', { behaviour: 'busy', afterMs: 5 });
      const o = await ariReq(sim, 'POST', '/channels', { endpoint: 'PJSIP/busy', app: 'ariadne', channelId: 'b1' });
      expect(o.status).to.equal(200);
      await ws.waitFor(() => ws.events.some((e) => e.type === 'ChannelDestroyed'), 2000, 'ChannelDestroyed');
      expect(types(ws, 'b1')).to.deep.equal(['Dial:', 'ChannelStateChange', 'Dial:RINGING', 'Dial:BUSY', 'ChannelDestroyed']);
      const d = ws.events.find((e) => e.type === 'ChannelDestroyed')!;
      expect([d.cause, d.cause_txt, d.tech_cause]).to.deep.equal([17, 'User busy', 486]);
    });

    it('a number at a trunk (PJSIP/<number>@<trunk>) goes out as the trunk behaves, unless the number has its own', async () => {
      const noTrunk = await ariReq(sim, 'POST', '/channels', { endpoint: 'PJSIP/+8613800138000@carrier-a', app: 'ariadne' });
      expect([noTrunk.status, noTrunk.body]).to.deep.equal([500, { error: 'Allocation failed' }]);
      await simReq(sim, 'PUT', '/endpoints/PJSIP/carrier-a', { behaviour: 'answer', afterMs: 5 });
      await simReq(sim, 'PUT', '/endpoints/PJSIP/+8613800000017@carrier-a', { behaviour: 'busy', afterMs: 5 });
      const ok = await ariReq(sim, 'POST', '/channels', { endpoint: 'PJSIP/+8613800138000@carrier-a', app: 'ariadne', channelId: 't1' });
      expect((ok.body as Json).name).to.match(/^PJSIP\/carrier-a-/);
      await ariReq(sim, 'POST', '/channels', { endpoint: 'PJSIP/+8613800000017@carrier-a', app: 'ariadne', channelId: 't2' });
      await ws.waitFor(() => types(ws, 't1').includes('StasisStart') && types(ws, 't2').includes('ChannelDestroyed'), 2000, 'answered and busy');
      expect(types(ws, 't2')).to.include('Dial:BUSY');
    });

    it('no-answer endpoints ring until the originate timeout (cause 19) or until answered by the control API', async () => {
      await simReq(sim, 'PUT', '/endpoints/PJSIP/slow', { behaviour: 'no-answer' });
      await ariReq(sim, 'POST', '/channels', { endpoint: 'PJSIP/slow', app: 'ariadne', channelId: 'n1', timeout: '1' });
      await ariReq(sim, 'POST', '/channels', { endpoint: 'PJSIP/slow', app: 'ariadne', channelId: 'n2', timeout: '30', appArgs: 'agent,x' });
      await ws.waitFor(() => ws.events.filter((e) => e.type === 'Dial').length >= 4, 2000, 'both ringing');
      expect((await simReq(sim, 'POST', '/channels/n2/answer')).status).to.equal(204);
      await ws.waitFor(() => types(ws, 'n2').includes('StasisStart'), 2000, 'n2 StasisStart');
      const start = ws.events.find((e) => e.type === 'StasisStart')!;
      expect(start.args).to.deep.equal(['agent', 'x']);
      await ws.waitFor(() => types(ws, 'n1').includes('ChannelDestroyed'), 3000, 'n1 timeout');
      expect(types(ws, 'n1')).to.deep.equal(['Dial:', 'ChannelStateChange', 'Dial:RINGING', 'ChannelDestroyed']);
      expect((await simReq(sim, 'POST', '/channels/n2/answer')).status).to.equal(409);
    });

    it('an endpoint with talkMs hangs up by itself after answering (agent side)', async () => {
      await simReq(sim, 'PUT', '/endpoints/PJSIP/talker', { behaviour: 'answer', afterMs: 5, talkMs: 40 });
      await ariReq(sim, 'POST', '/channels', { endpoint: 'PJSIP/talker', app: 'ariadne', channelId: 't1' });
      await ws.waitFor(() => types(ws, 't1').includes('ChannelDestroyed'), 2000, 'agent hangs up');
      expect(types(ws, 't1').filter((t) => t !== 'ChannelVarset')).to.deep.equal(['Dial:', 'ChannelStateChange', 'Dial:RINGING', 'ChannelStateChange', 'Dial:ANSWER', 'StasisStart', 'ChannelHangupRequest', 'StasisEnd', 'ChannelDestroyed']);
      // As in trace b when the agent hangs up: the RTP quality varsets, then STASISSTATUS after StasisEnd.
      expect(ws.events.filter((e) => e.type === 'ChannelVarset').map((e) => e.variable)).to.deep.equal(['STASISSTATUS', 'RTPAUDIOQOS', 'RTPAUDIOQOSJITTER', 'RTPAUDIOQOSLOSS', 'RTPAUDIOQOSRTT', 'RTPAUDIOQOSMES', 'STASISSTATUS']);
      expect(ws.events.find((e) => e.type === 'ChannelDestroyed')).to.include({ cause: 16, cause_txt: 'Normal Clearing' });
    });

    it('lists channels with their bridge and playback state, and counts in /_sim/stats', async () => {
      const { channelId } = sim.control.placeCall({ from: '1', to: '2', answered: false });
      await ariReq(sim, 'POST', `/channels/${channelId}/answer`);
      const b = (await ariReq(sim, 'POST', '/bridges', { type: 'mixing', bridgeId: 'br1' })).body as Json;
      expect(b.id).to.equal('br1');
      await ariReq(sim, 'POST', '/bridges/br1/addChannel', { channel: channelId });
      const list = (await simReq(sim, 'GET', '/channels')).body as Json[];
      expect(list).to.have.length(1);
      expect(list[0]).to.include({ id: channelId, state: 'Up', bridgeId: 'br1', stasisApp: 'ariadne' });
      const stats = (await simReq(sim, 'GET', '/stats')).body as Json;
      expect(stats).to.include({ channelsLive: 1, channelsTotal: 1, bridgesLive: 1, callsPlaced: 1, webSockets: 1 });
      expect(stats.eventsSent).to.be.greaterThan(2);
    });
  });

  describe('ARI behaviour', () => {
    it('eventFilter: a disallowed type never reaches the app, an allowed list lets only its types through', async () => {
      const filter = (body: unknown) => ariReq(sim, 'PUT', '/applications/ariadne/eventFilter', {}, body);
      expect((await ariReq(sim, 'PUT', '/applications/nobody/eventFilter', {}, {})).body).to.deep.equal({ message: 'Application not found' });
      const set = await filter({ disallowed: [{ type: 'ChannelVarset' }, { type: 'ChannelStateChange' }] });
      expect(set.status).to.equal(200);
      expect(set.body).to.deep.include({ events_allowed: [], events_disallowed: [{ type: 'ChannelVarset' }, { type: 'ChannelStateChange' }] });
      const a = sim.control.placeCall({ from: '1', to: '2' });
      await ariReq(sim, 'POST', `/channels/${a.channelId}/answer`);
      await ariReq(sim, 'POST', `/channels/${a.channelId}/variable`, { variable: 'X', value: '1' });
      await ariReq(sim, 'DELETE', `/channels/${a.channelId}`);
      await ws.waitFor(() => types(ws, a.channelId).includes('StasisEnd'), 2000, 'StasisEnd');
      expect(types(ws, a.channelId)).to.deep.equal(['StasisStart', 'ChannelHangupRequest', 'StasisEnd']);
      expect(sim.control.stats().eventsFiltered).to.be.greaterThan(1);

      // Setting only `allowed` keeps the disallowed list; a malformed list is refused and changes nothing.
      expect((await filter({ allowed: [{ type: 'StasisStart' }, { type: 'ChannelVarset' }] })).body).to.deep.include({
        events_allowed: [{ type: 'StasisStart' }, { type: 'ChannelVarset' }],
        events_disallowed: [{ type: 'ChannelVarset' }, { type: 'ChannelStateChange' }],
      });
      for (const bad of [{ allowed: 'StasisStart' }, { allowed: [{}] }, { disallowed: [{ type: '' }] }, { disallowed: null }]) {
        const res = await filter(bad);
        expect(res.status, JSON.stringify(bad)).to.equal(400);
        expect(res.body).to.deep.equal({ message: 'Invalid format definition' });
      }
      const b = sim.control.placeCall({ from: '1', to: '2' });
      await ariReq(sim, 'POST', `/channels/${b.channelId}/variable`, { variable: 'X', value: '1' });
      await ariReq(sim, 'DELETE', `/channels/${b.channelId}`);
      await new Promise((r) => setTimeout(r, 100));
      expect(types(ws, b.channelId)).to.deep.equal(['StasisStart']);

      // An empty body clears both lists.
      expect((await filter({})).body).to.deep.include({ events_allowed: [], events_disallowed: [] });
      const c = sim.control.placeCall({ from: '1', to: '2' });
      await ariReq(sim, 'POST', `/channels/${c.channelId}/variable`, { variable: 'X', value: '1' });
      await ws.waitFor(() => types(ws, c.channelId).includes('ChannelVarset'), 2000, 'varset');
    });

    it('addChannel moves a channel out of the bridge it is in (no removeChannel needed), as Asterisk does', async () => {
      const { channelId } = sim.control.placeCall({ from: '1', to: '2' });
      await ariReq(sim, 'POST', `/channels/${channelId}/answer`);
      await ariReq(sim, 'POST', '/bridges', { type: 'holding', bridgeId: 'hold1' });
      await ariReq(sim, 'POST', '/bridges', { type: 'mixing', bridgeId: 'mix1' });
      await ariReq(sim, 'POST', '/bridges/hold1/addChannel', { channel: channelId });
      expect((await ariReq(sim, 'POST', '/bridges/mix1/addChannel', { channel: channelId })).status).to.equal(204);
      await ws.waitFor(() => ws.events.filter((e) => e.type === 'ChannelEnteredBridge').length >= 2, 2000, 'entered');
      const moves = ws.events
        .filter((e) => e.type === 'ChannelEnteredBridge' || e.type === 'ChannelLeftBridge')
        .map((e) => `${String(e.type)}:${String((e.bridge as Json).id)}`);
      expect(moves).to.deep.equal(['ChannelEnteredBridge:hold1', 'ChannelLeftBridge:hold1', 'ChannelEnteredBridge:mix1']);
      expect(((await ariReq(sim, 'GET', '/bridges/hold1')).body as Json).channels).to.deep.equal([]);
      expect(((await ariReq(sim, 'GET', '/bridges/mix1')).body as Json).channels).to.deep.equal([channelId]);
    });

    it('plays sound:, digits:, recording:; a missing sound fails; DELETE /playbacks stops one', async () => {
      const { channelId } = sim.control.placeCall({ from: '1', to: '2' });
      await ariReq(sim, 'POST', `/channels/${channelId}/answer`);
      const p1 = await ariReq(sim, 'POST', `/channels/${channelId}/play`, { media: 'sound:hello-world', playbackId: 'p1' });
      expect(p1.status).to.equal(201);
      expect(p1.headers.location).to.equal('/ari/playbacks/p1');
      await ariReq(sim, 'POST', `/channels/${channelId}/play/p2`, { media: 'sound:no-such-file' });
      await ariReq(sim, 'POST', `/channels/${channelId}/play`, { media: 'tone:ring', playbackId: 'p3' });
      await ws.waitFor(() => ws.events.filter((e) => e.type === 'PlaybackStarted').length === 3, 2000, 'three started');
      expect((await ariReq(sim, 'GET', '/playbacks/p3')).body).to.include({ id: 'p3', state: 'playing' });
      expect((await ariReq(sim, 'DELETE', '/playbacks/p3')).status).to.equal(204);
      await ws.waitFor(() => ws.events.filter((e) => e.type === 'PlaybackFinished').length === 3, 2000, 'three finished');
      const fin = ws.events.filter((e) => e.type === 'PlaybackFinished').map((e) => [(e.playback as Json).id, (e.playback as Json).state]);
      expect(fin).to.deep.equal([['p1', 'done'], ['p2', 'failed'], ['p3', 'done']]);
      expect((await ariReq(sim, 'GET', '/playbacks/p3')).status).to.equal(404);
      const badOp = await ariReq(sim, 'POST', '/playbacks/p3/control', { operation: 'pause' });
      expect(badOp.status).to.equal(404);
    });

    it('a synchronous command waits for the playback in progress (Asterisk runs channel commands in order)', async () => {
      const { channelId } = sim.control.placeCall({ from: '1', to: '2', answered: false });
      await ariReq(sim, 'POST', `/channels/${channelId}/play`, { media: 'tone:ring', playbackId: 'slow1' });
      let replied = false;
      const answered = ariReq(sim, 'POST', `/channels/${channelId}/answer`).then((r) => {
        replied = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(types(ws)).to.not.include('ChannelStateChange');
      expect(replied).to.equal(false);
      expect((await ariReq(sim, 'DELETE', '/playbacks/slow1')).status).to.equal(204);
      expect((await answered).status).to.equal(204);
      expect(types(ws).slice(-2)).to.deep.equal(['PlaybackFinished', 'ChannelStateChange']);
    });

    it('a playback stopped before it started reports PlaybackFinished (done) at once; one dropped by a hang-up reports nothing', async () => {
      const first = sim.control.placeCall({ from: '1', to: '2' }).channelId;
      const second = sim.control.placeCall({ from: '1', to: '3' }).channelId;
      // Play and stop in one turn of the simulator's loop, as when a caller's key lands before the prompt starts (the
      // capture f_playback_stopped_while_queued covers a playback canceled behind another).
      const play = (channelId: string, playbackId: string): void => {
        sim.engine.play({ channel: sim.engine.channels.get(channelId)! }, new Params(new URLSearchParams({ media: 'sound:hello-world' }), null), playbackId);
      };
      play(first, 'early');
      sim.engine.stopPlayback('early');
      play(second, 'dropped');
      sim.engine.stopPlayback('dropped');
      sim.control.hangup(second); // before its turn comes
      await ws.waitFor(() => ws.events.some((e) => e.type === 'PlaybackFinished'), 2000, 'PlaybackFinished');
      await new Promise((r) => setTimeout(r, 60));
      const playbackEvents = ws.events
        .filter((e) => String(e.type).startsWith('Playback'))
        .map((e) => `${String(e.type)}:${String((e.playback as Json).id)}:${String((e.playback as Json).state)}`);
      expect(playbackEvents).to.deep.equal(['PlaybackFinished:early:done']);
    });

    it('records a channel: pause/unpause/stop, stored list, GET file returns a real WAV, delete', async () => {
      const { channelId } = sim.control.placeCall({ from: '1', to: '2' });
      await ariReq(sim, 'POST', `/channels/${channelId}/answer`);
      const rec = await ariReq(sim, 'POST', `/channels/${channelId}/record`, { name: 'r1', format: 'wav', ifExists: 'overwrite' });
      expect(rec.status).to.equal(201);
      expect(rec.body).to.deep.equal({ name: 'r1', format: 'wav', state: 'queued', target_uri: `channel:${channelId}` });
      expect((await ariReq(sim, 'POST', '/recordings/live/r1/pause')).status).to.equal(204);
      expect((await ariReq(sim, 'GET', '/recordings/live/r1')).body).to.include({ state: 'paused' });
      expect((await ariReq(sim, 'DELETE', '/recordings/live/r1/pause')).status).to.equal(204);
      expect((await ariReq(sim, 'POST', '/recordings/live/r1/mute')).status).to.equal(204);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await ariReq(sim, 'POST', '/recordings/live/r1/stop')).status).to.equal(204);
      const fin = ws.events.find((e) => e.type === 'RecordingFinished')!;
      expect(fin.recording).to.deep.include({ name: 'r1', state: 'done', duration: 1 });
      expect((await ariReq(sim, 'GET', '/recordings/stored')).body).to.deep.equal([{ name: 'r1', format: 'wav' }]);
      const file = await new Promise<Buffer>((resolve, reject) => {
        fetch(`${sim.url}/ari/recordings/stored/r1/file`, { headers: { authorization: 'Basic ' + Buffer.from(AUTH).toString('base64') } })
          .then(async (r) => {
            expect(r.headers.get('content-type')).to.equal('audio/wav');
            resolve(Buffer.from(await r.arrayBuffer()));
          })
          .catch(reject);
      });
      expect(file.subarray(0, 4).toString('ascii')).to.equal('RIFF');
      expect(file.subarray(8, 12).toString('ascii')).to.equal('WAVE');
      expect(file.readUInt32LE(24)).to.equal(8000);
      expect(file.readUInt32LE(40)).to.be.within(16_000, 20_000); // ~1.1 s of 16-bit 8 kHz
      expect((await ariReq(sim, 'DELETE', '/recordings/stored/r1')).status).to.equal(204);
      expect((await ariReq(sim, 'GET', '/recordings/stored/r1')).status).to.equal(404);
      const cancel = await ariReq(sim, 'POST', `/channels/${channelId}/record`, { name: 'r2', format: 'wav' });
      expect(cancel.status).to.equal(201);
      expect((await ariReq(sim, 'DELETE', '/recordings/live/r2')).status).to.equal(204);
      expect((await ariReq(sim, 'GET', '/recordings/stored/r2')).status).to.equal(404);
    });

    it('hold, moh, mute, variables, snoop, continue', async () => {
      const { channelId } = sim.control.placeCall({ from: '1', to: '2', answered: false });
      await ariReq(sim, 'POST', `/channels/${channelId}/answer`);
      expect((await ariReq(sim, 'POST', `/channels/${channelId}/hold`)).status).to.equal(204);
      expect((await ariReq(sim, 'DELETE', `/channels/${channelId}/hold`)).status).to.equal(204);
      expect((await ariReq(sim, 'POST', `/channels/${channelId}/moh`, { mohClass: 'default' })).status).to.equal(204);
      expect((await ariReq(sim, 'POST', `/channels/${channelId}/mute`, { direction: 'in' })).status).to.equal(204);
      expect((await ariReq(sim, 'POST', `/channels/${channelId}/dtmf`, { dtmf: '12#' })).status).to.equal(204);
      expect((await ariReq(sim, 'POST', `/channels/${channelId}/variable`, { variable: 'FOO', value: 'bar' })).status).to.equal(204);
      expect((await ariReq(sim, 'GET', `/channels/${channelId}/variable`, { variable: 'FOO' })).body).to.deep.equal({ value: 'bar' });
      expect((await ariReq(sim, 'GET', `/channels/${channelId}/variable`)).body).to.deep.equal({ message: 'Variable name is required' });
      const view = sim.control.channel(channelId);
      expect(view).to.include({ moh: 'default', muted: 'in', held: false });
      const snoop = await ariReq(sim, 'POST', `/channels/${channelId}/snoop`, { app: 'ariadne', spy: 'both', snoopId: 'snoop1' });
      expect(snoop.status).to.equal(200);
      expect((snoop.body as Json).name).to.match(/^Snoop\//);
      await ws.waitFor(() => types(ws, 'snoop1').includes('StasisStart'), 2000, 'snoop in app');
      expect((await ariReq(sim, 'POST', `/channels/${channelId}/continue`)).status).to.equal(204);
      await ws.waitFor(() => types(ws, channelId).includes('StasisEnd'), 2000, 'StasisEnd');
      expect(types(ws, channelId)).to.deep.equal(['StasisStart', 'ChannelStateChange', 'ChannelHold', 'ChannelUnhold', 'ChannelVarset', 'StasisEnd']);
      // i_snoop: a snoop ends with its channel by leaving Stasis, and the app hears no more of it.
      await ws.waitFor(() => types(ws, 'snoop1').includes('StasisEnd'), 2000, 'snoop ends with its channel');
      expect(types(ws, 'snoop1')).to.deep.equal(['StasisStart', 'StasisEnd']);
    });

    it('multiple apps and sockets: events go to the app of the channel; subscribeAll sees everything', async () => {
      const other = await appSocket(sim, 'other');
      const all = await appSocket(sim, 'watch', '&subscribeAll=true');
      sim.control.placeCall({ from: '1', to: '2', app: 'other', answered: false });
      await other.waitFor(() => other.events.length >= 1, 2000, 'other StasisStart');
      await all.waitFor(() => all.events.length >= 1, 2000, 'ChannelCreated');
      const { channelId } = sim.control.placeCall({ from: '1', to: '3', app: 'other', answered: false });
      await ariReq(sim, 'POST', `/channels/${channelId}/answer`);
      await all.waitFor(() => types(all).includes('ChannelStateChange'), 2000, 'ChannelStateChange');
      expect(ws.events).to.deep.equal([]);
      // StasisStart/StasisEnd go only to the app the channel is in; subscribeAll sees the rest.
      expect(types(all)).to.deep.equal(['ChannelCreated', 'ChannelCreated', 'ChannelStateChange']);
      expect(all.events[0]!.application).to.equal('watch');
      expect(types(other)).to.deep.equal(['StasisStart', 'StasisStart', 'ChannelStateChange']);
      const apps = (await ariReq(sim, 'GET', '/applications')).body as Json[];
      expect(apps.map((a) => a.name).sort()).to.deep.equal(['ariadne', 'other', 'watch']);
      other.close();
      all.close();
    });

    it('move hands a channel to another app: StasisEnd to the old one, StasisStart with args to the new one', async () => {
      const other = await appSocket(sim, 'other');
      const { channelId } = sim.control.placeCall({ from: '1', to: '2' });
      expect((await ariReq(sim, 'POST', `/channels/${channelId}/move`, { app: 'other', appArgs: 'x,y' })).status).to.equal(204);
      await other.waitFor(() => other.events.length >= 1, 2000, 'StasisStart in other');
      expect(types(ws)).to.deep.equal(['StasisStart', 'StasisEnd']);
      expect(other.events[0]).to.deep.include({ type: 'StasisStart', args: ['x', 'y'], application: 'other' });
      expect(sim.control.channel(channelId).stasisApp).to.equal('other');
      other.close();
    });

    it('an app that is not connected: the call falls to the dialplan fallback and never enters Stasis', async () => {
      const res = sim.control.placeCall({ from: '1', to: '2', app: 'nobody' });
      expect(res.inStasis).to.equal(false);
      expect(sim.engine.channels.size).to.equal(0);
    });

    it('error shapes: unknown route, wrong method, unknown channel, bad credentials, malformed body', async () => {
      expect(await pick(ariReq(sim, 'GET', '/nosuch'))).to.deep.equal([404, { message: 'Resource not found' }]);
      const m = await ariReq(sim, 'PUT', '/channels');
      expect([m.status, m.headers.allow, m.body]).to.deep.equal([405, 'OPTIONS,GET,POST', { message: 'Invalid method' }]);
      expect(await pick(ariReq(sim, 'GET', '/channels/none'))).to.deep.equal([404, { message: 'Channel not found' }]);
      // A bridge's channel list answers a gone channel with 400, as res/ari/resource_bridges.c does.
      await ariReq(sim, 'POST', '/bridges/err1', { type: 'mixing' });
      expect(await pick(ariReq(sim, 'POST', '/bridges/err1/addChannel', { channel: 'none' }))).to.deep.equal([400, { message: 'Channel not found' }]);
      expect(await pick(ariReq(sim, 'POST', '/bridges/err1/removeChannel', { channel: 'none' }))).to.deep.equal([400, { message: 'Channel not found' }]);
      expect(await pick(ariReq(sim, 'POST', '/bridges/none/addChannel', { channel: 'none' }))).to.deep.equal([404, { message: 'Bridge not found' }]);
      const unauth = await http(sim.port, 'GET', '/ari/channels', { auth: 'ariadne:nope' });
      expect([unauth.status, unauth.headers['www-authenticate'], unauth.body]).to.deep.equal([401, 'Basic realm="Asterisk REST Interface"', { message: 'Authentication required' }]);
      const key = await http(sim.port, 'GET', '/ari/channels?api_key=ariadne:ariadne');
      expect(key.status).to.equal(200);
      const broken = await http(sim.port, 'POST', '/ari/channels', { auth: AUTH, body: '{"endpoint":' });
      expect(broken.status).to.equal(400);
      expect(await pick(ariReq(sim, 'DELETE', '/channels/none', { reason: 'bogus' }))).to.deep.equal([404, { message: 'Channel not found' }]);
    });
  });

  describe('more ARI behaviour', () => {
    it('EndpointStateChange reaches an app subscribed to the endpoint', async () => {
      const sub = await ariReq(sim, 'POST', '/applications/ariadne/subscription', { eventSource: 'endpoint:PJSIP/agent1' });
      expect(sub.status).to.equal(200);
      expect((sub.body as Json).endpoint_ids).to.deep.equal(['PJSIP/agent1']);
      await simReq(sim, 'PUT', '/endpoints/PJSIP/agent1', { behaviour: 'unreachable' });
      await ws.waitFor(() => ws.events.length >= 1, 2000, 'EndpointStateChange');
      expect(ws.events[0]).to.deep.include({ type: 'EndpointStateChange', endpoint: { technology: 'PJSIP', resource: 'agent1', state: 'offline', channel_ids: [] } });
      const bad = await ariReq(sim, 'POST', '/applications/nope/subscription', { eventSource: 'endpoint:PJSIP/agent1' });
      expect(bad.status).to.equal(404);
    });

    it('endpoint: (all endpoints) brings PeerStatusChange, never EndpointStateChange, and none of their channels', async () => {
      const sub = await ariReq(sim, 'POST', '/applications/ariadne/subscription', { eventSource: 'endpoint:' });
      expect((sub.body as Json).endpoint_ids).to.deep.equal(['__AST_ENDPOINT_ALL_TOPIC']);
      await simReq(sim, 'PUT', '/endpoints/PJSIP/agent2', { behaviour: 'unreachable' });
      await ws.waitFor(() => ws.events.length >= 1, 2000, 'PeerStatusChange');
      expect(ws.events[0]).to.deep.include({
        type: 'PeerStatusChange',
        endpoint: { technology: 'PJSIP', resource: 'agent2', state: 'offline', channel_ids: [] },
        peer: { peer_status: 'Unreachable' },
      });
      await simReq(sim, 'PUT', '/endpoints/PJSIP/agent2', { behaviour: 'answer' });
      await ws.waitFor(() => ws.events.length >= 2, 2000, 'back online');
      expect(ws.events[1]).to.deep.include({ type: 'PeerStatusChange', peer: { peer_status: 'Reachable' } });
      // A caller's key press arrives once: the all-endpoints subscription carries no channel's messages.
      const { channelId } = sim.control.placeCall({ from: '1', to: '2' });
      await ws.waitFor(() => ws.events.some((e) => e.type === 'StasisStart'), 2000, 'StasisStart');
      sim.control.sendDtmf(channelId, '5');
      await ws.waitFor(() => ws.events.some((e) => e.type === 'ChannelDtmfReceived'), 2000, 'DTMF');
      await new Promise((r) => setTimeout(r, 50));
      expect(types(ws).filter((t) => t === 'ChannelDtmfReceived')).to.have.length(1);
      expect(types(ws)).to.not.include('EndpointStateChange');
    });

    it("endpoint:<technology> also forwards its channels' events: an app in Stasis with the channel hears each twice", async () => {
      const { channelId } = sim.control.placeCall({ from: '1', to: '2' });
      await ws.waitFor(() => ws.events.some((e) => e.type === 'StasisStart'), 2000, 'StasisStart');
      const name = String(((ws.events.find((e) => e.type === 'StasisStart')!.channel as Json).name));
      const tech = name.slice(0, name.indexOf('/'));
      await ariReq(sim, 'POST', '/applications/ariadne/subscription', { eventSource: `endpoint:${tech}` });
      sim.control.sendDtmf(channelId, '5');
      await ws.waitFor(() => types(ws).filter((t) => t === 'ChannelDtmfReceived').length >= 2, 2000, 'DTMF twice');
      await ariReq(sim, 'POST', `/channels/${channelId}/play`, { media: 'sound:beep', playbackId: 'twice' });
      await ws.waitFor(() => types(ws).filter((t) => t === 'PlaybackFinished').length >= 2, 3000, 'PlaybackFinished twice');
      // Unsubscribed, one of each again.
      await ariReq(sim, 'DELETE', '/applications/ariadne/subscription', { eventSource: `endpoint:${tech}` });
      const before = types(ws).length;
      sim.control.sendDtmf(channelId, '6');
      await ws.waitFor(() => types(ws).slice(before).includes('ChannelDtmfReceived'), 2000, 'DTMF once');
      await new Promise((r) => setTimeout(r, 50));
      expect(types(ws).slice(before).filter((t) => t === 'ChannelDtmfReceived')).to.have.length(1);
    });

    it('records a bridge and plays the stored recording back with recording:', async () => {
      const { channelId } = sim.control.placeCall({ from: '1', to: '2' });
      await ariReq(sim, 'POST', `/channels/${channelId}/answer`);
      await ariReq(sim, 'POST', '/bridges/br9', { type: 'holding', name: 'hold' });
      await ariReq(sim, 'POST', '/bridges/br9/addChannel', { channel: channelId, role: 'participant' });
      const rec = await ariReq(sim, 'POST', '/bridges/br9/record', { name: 'call-9', format: 'wav', maxDurationSeconds: '1' });
      expect(rec.body).to.deep.equal({ name: 'call-9', format: 'wav', state: 'queued', target_uri: 'bridge:br9' });
      await ws.waitFor(() => ws.events.some((e) => e.type === 'RecordingFinished'), 3000, 'max duration reached');
      expect((ws.events.find((e) => e.type === 'RecordingFinished')!.recording as Json).duration).to.equal(1);
      await ariReq(sim, 'POST', `/channels/${channelId}/play`, { media: 'recording:call-9', playbackId: 'pr' });
      await ws.waitFor(() => ws.events.some((e) => e.type === 'PlaybackFinished'), 3000, 'played');
      expect((ws.events.find((e) => e.type === 'PlaybackFinished')!.playback as Json).state).to.equal('done');
      expect((await ariReq(sim, 'DELETE', '/bridges/br9')).status).to.equal(204);
      expect(types(ws).slice(-2)).to.deep.equal(['ChannelLeftBridge', 'BridgeDestroyed']);
    });

    it('POST /_sim/websockets/drop closes the sockets abruptly; a new socket receives events again', async () => {
      const { channelId } = sim.control.placeCall({ from: '1', to: '2' });
      const res = await simReq(sim, 'POST', '/websockets/drop');
      expect(res.body).to.deep.equal({ dropped: 1 });
      await new Promise((r) => setTimeout(r, 50));
      sim.control.sendDtmf(channelId, '8');
      expect(sim.control.stats().eventsDropped).to.equal(1);
      // A new call while the app has no socket: Stasis() fails and the dialplan fallback takes it.
      expect(sim.control.placeCall({ from: '1', to: '2' }).inStasis).to.equal(false);
      const again = await appSocket(sim);
      sim.control.sendDtmf(channelId, '9');
      await again.waitFor(() => again.events.length >= 1, 2000, 'DTMF after reconnect');
      expect(again.events[0]).to.include({ type: 'ChannelDtmfReceived', digit: '9' });
      again.close();
    });
  });

  describe('ari-client 2.2.0 against the simulator', () => {
    it('answers, bridges an originated agent, and sees Asterisk error messages', async () => {
      ws.close();
      const client = await ari.connect(sim.url, 'ariadne', 'ariadne');
      const seen: string[] = [];
      client.on('StasisStart', async (e: Json, ch: { id: string; answer: () => Promise<void> }) => {
        seen.push(`StasisStart ${(e.args as string[]).join(',')}`);
        if ((e.args as string[])[0] === 'agent') {
          const bridge = client.Bridge();
          await bridge.create({ type: 'mixing' });
          await bridge.addChannel({ channel: [(e.args as string[])[1], ch.id] });
          seen.push('bridged');
        } else {
          await ch.answer();
          await client.channels.originate({ endpoint: 'PJSIP/agent1', app: 'ariadne', appArgs: `agent,${ch.id}` });
        }
      });
      client.on('ChannelEnteredBridge', () => seen.push('entered'));
      await client.start('ariadne');
      sim.control.placeCall({ from: '+8613800138000', to: '4007188668' });
      const deadline = Date.now() + 3000;
      while (!seen.includes('bridged') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(seen.filter((s) => s !== 'entered')).to.deep.equal(['StasisStart 4007188668,carrier-a', `StasisStart agent,${sim.control.channels().find((c) => c.kind === 'inbound')!.id}`, 'bridged']);
      let message = '';
      try {
        await client.channels.get({ channelId: 'missing' });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(JSON.parse(message)).to.deep.equal({ message: 'Channel not found' });
      client.stop();
    });

    it('reconnects after the simulator drops every WebSocket; channels stay in Stasis', async () => {
      ws.close();
      const client = await ari.connect(sim.url, 'ariadne', 'ariadne');
      let connects = 0;
      const dtmf: string[] = [];
      client.on('WebSocketConnected', () => connects++);
      client.on('ChannelDtmfReceived', (e: Json) => dtmf.push(String(e.digit)));
      await client.start('ariadne');
      const { channelId } = sim.control.placeCall({ from: '1', to: '2' });
      const closedAt = connects;
      await new Promise((r) => setTimeout(r, 50));
      expect(sim.control.dropWebSockets()).to.equal(1);
      const deadline = Date.now() + 5000;
      while (connects === closedAt && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(connects).to.be.greaterThan(closedAt);
      expect(sim.control.channel(channelId).stasisApp).to.equal('ariadne');
      sim.control.sendDtmf(channelId, '7');
      while (!dtmf.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(dtmf).to.deep.equal(['7']);
      client.stop();
    });
  });

  describe('load', () => {
    it('holds 10,000 concurrent channels in Stasis, lists them, and tears them down', async function () {
      this.timeout(60_000);
      const ids: string[] = [];
      for (let i = 0; i < 10_000; i++) ids.push(sim.control.placeCall({ from: String(i), to: '4007188668' }).channelId);
      expect(sim.control.stats().channelsLive).to.equal(10_000);
      await ws.waitFor(() => ws.events.length >= 10_000, 30_000, '10,000 StasisStart');
      const list = await ariReq(sim, 'GET', '/channels');
      expect((list.body as unknown[]).length).to.equal(10_000);
      for (const id of ids) sim.control.hangup(id);
      expect(sim.control.stats().channelsLive).to.equal(0);
      expect(sim.engine.channels.size).to.equal(0);
    });
  });
});

async function pick(p: Promise<HttpResult>): Promise<[number, unknown]> {
  const r = await p;
  return [r.status, r.body];
}
