import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error ari-client ships no types
import ari from 'ari-client';
import type { Simulator } from '../../src/simulator/index.js';
import {
  bodyShape,
  EventRecorder,
  FIXTURES,
  headerNames,
  http,
  loadTrace,
  normalise,
  queryString,
  replay,
  startLabSimulator,
  type ReplayResult,
  type TraceEntry,
} from './traceReplay.js';

const API_DOCS = join(FIXTURES, '..', '..', '..', 'src', 'simulator', 'api-docs');

/** One test per capture in fixtures/asterisk/traces (see traceReplay.ts for how the comparison works). */
describe('simulator contract: replay of real Asterisk 22 captures', function () {
  this.timeout(20_000);
  let last: ReplayResult | null = null;
  afterEach(async () => {
    last?.ws1.close();
    await last?.sim.stop();
    last = null;
  });

  async function run(name: string): Promise<ReplayResult> {
    last = await replay(name);
    expect(last.mismatches, last.mismatches.join('\n')).to.deep.equal([]);
    return last;
  }

  it('a: inbound call, answer, playback, DTMF, caller hangs up (no ChannelDestroyed for the inbound channel)', async () => {
    const r = await run('a_inbound_playback_dtmf_caller_hangup');
    const types = r.ws1.events.map((e) => e.type);
    expect(types).to.not.include('ChannelDestroyed');
    // ChannelStateChange(Up) reaches the client before the 204 of the answer request.
    const up = r.log.indexOf('event:ChannelStateChange');
    const answered = r.log.findIndex((l) => l.includes('/answer 204'));
    expect(up).to.be.greaterThan(-1);
    expect(up).to.be.lessThan(answered);
  });

  it('b: caller bridged with an originated agent, bridge recording, agent hangs up (ChannelDestroyed cause 16)', async () => {
    const r = await run('b_inbound_bridged_agent_recording_agent_hangup');
    const fin = r.ws1.events.find((e) => e.type === 'RecordingFinished') as { recording: { duration: number } } | undefined;
    expect(fin?.recording.duration).to.equal(3);
  });

  it('c1: agent does not answer, originate times out (cause 19, no final Dial), failover to another agent', async () => {
    const r = await run('c1_agent_no_answer_timeout_then_failover');
    const dials = r.ws1.events.filter((e) => e.type === 'Dial' && (e.peer as { id: string }).id === 'agent-c1-2002');
    expect(dials.map((d) => d.dialstatus)).to.deep.equal(['', 'RINGING']);
  });

  it('c3: originate to a configured but unregistered endpoint: 500 Allocation failed, no event', async () => {
    const r = await run('c3_agent_endpoint_unregistered');
    expect(r.ws1.events).to.deep.equal([]);
  });

  it('c4: originate to an unknown endpoint: 500 Allocation failed, no event', async () => {
    const r = await run('c4_agent_endpoint_nonexistent');
    expect(r.ws1.events).to.deep.equal([]);
  });

  it('c5: create + dial, ring timeout: HangupRequest(32, soft), StasisEnd, Destroyed(19), later DELETE 404', async () => {
    await run('c5_create_dial_ring_timeout');
  });

  it('c6: create + dial, answered, the app hangs up', async () => {
    await run('c6_create_dial_answered');
  });

  it('d: caller hangs up in a holding bridge; the bridge outlives it until DELETE', async () => {
    await run('d_caller_hangup_in_holding_bridge_moh');
  });

  it('f: a playback stopped while queued behind another is canceled: shown as done, PlaybackFinished when its turn comes', async () => {
    const r = await run('f_playback_stopped_while_queued');
    const playbackEvents = r.ws1.events
      .filter((e) => String(e.type).startsWith('Playback'))
      .map((e) => `${String(e.type)}:${String((e.playback as { id: string }).id)}:${String((e.playback as { state: string }).state)}`);
    expect(playbackEvents).to.deep.equal([
      'PlaybackStarted:pq-ahead:playing',
      'PlaybackFinished:pq-ahead:done',
      'PlaybackFinished:pq-behind:done',
    ]);
  });

  it("g: endpoint:PJSIP brings the caller's DTMF twice, endpoint: once; all endpoints cannot be unsubscribed (501)", async () => {
    // The phone was SIPp playing its RFC 4733 pcaps, whose digits last 280 ms.
    last = await replay('g_endpoint_subscriptions', { simOptions: { dtmfDurationMs: 280 } });
    const r = last;
    expect(r.mismatches, r.mismatches.join('\n')).to.deep.equal([]);
    const digits = r.ws1.events.filter((e) => e.type === 'ChannelDtmfReceived').map((e) => String(e.digit));
    expect(digits).to.deep.equal(['5', '5', '6']);
  });

  it('h: a line continued into [ariadne-amd] comes back to Stasis with the verdict; hung up there, the app still hears it', async () => {
    const r = await run('h_amd_visit');
    const back = r.ws1.events.filter((e) => e.type === 'StasisStart').map((e) => e.args);
    expect(back).to.deep.equal([[], ['amd', 'call-1', 'NOTSURE', 'TOOLONG-4900'], []]);
    const amdStatus = r.ws1.events
      .filter((e) => e.type === 'ChannelVarset' && e.variable === 'AMDSTATUS')
      .map((e) => String(e.value));
    expect(amdStatus).to.deep.equal(['NOTSURE', 'HANGUP']);
  });

  it('i: snoops on a channel enter the app after the reply, bridge, end with StasisEnd alone, and go with their channel', async () => {
    const r = await run('i_snoop');
    const snoops = r.ws1.events
      .filter((e) => String((e.channel as { name?: string } | undefined)?.name ?? '').startsWith('Snoop/'))
      .map((e) => String(e.type));
    expect(snoops).to.deep.equal([
      'StasisStart',
      'ChannelEnteredBridge',
      'StasisStart',
      'ChannelHangupRequest',
      'ChannelLeftBridge',
      'StasisEnd',
      'StasisEnd',
    ]);
  });

  it('errors_rest_and_ws: status codes, status texts and bodies of every error, WebSocket refusals', async () => {
    await run('errors_rest_and_ws');
  });

  it('rest_snapshots_idle: the 18 read-only GETs on an idle system answer with the same status and shapes', async () => {
    last = await replay('rest_snapshots_idle', {
      ws1: false,
      setup: (sim) => sim.control.addStoredRecording('rec-b-call', 3020),
      // Bodies here describe the machine (kernel, sound files, module list, endpoint order): compare shapes.
      shapeOnlyPaths: /./,
    });
    expect(last.mismatches, last.mismatches.join('\n')).to.deep.equal([]);
  });

  describe('00_connect_ari_client: what ari-client 2.2.0 does on connect', () => {
    let sim: Simulator;
    const seen: { method: string; path: string; status: number }[] = [];
    before(async () => {
      sim = await startLabSimulator({ onRequest: (r) => seen.push(r) });
    });
    after(async () => {
      await sim.stop();
    });

    it('serves every api-doc like Asterisk: 401 without auth, then 200 with basePath from the Host header', async () => {
      const trace = loadTrace('00_connect_ari_client');
      const responses = new Map(trace.filter((e) => e.dir === 'response').map((e) => [e.id, e] as const));
      const host = `127.0.0.1:${sim.port}`;
      for (const req of trace.filter((e): e is TraceEntry & { path: string } => e.dir === 'request' && !e.websocket_upgrade)) {
        const want = responses.get(req.id)!;
        const got = await http(sim.port, req.method!, req.path + queryString(req.query ?? {}), { auth: req.auth === 'basic' ? 'ari:ari' : null });
        expect(got.status, req.path).to.equal(want.status);
        expect(got.statusText, req.path).to.equal(want.status_text);
        expect(headerNames(got.headers), req.path).to.deep.equal(headerNames(want.headers ?? {}));
        if (want.status !== 200) continue;
        const file = req.path.slice('/ari/api-docs/'.length);
        const captured = readFileSync(join(API_DOCS, file), 'utf8');
        expect(got.text, file).to.equal(captured.split('http://127.0.0.1:8088/ari').join(`http://${host}/ari`));
        // The trace's Content-Length was measured with Host 127.0.0.1:18088.
        const lengthThere = Number(want.headers!['Content-Length']);
        const occurrences = captured.split('http://127.0.0.1:8088/ari').length - 1;
        expect(Number(got.headers['content-length']) - occurrences * (host.length - '127.0.0.1:18088'.length), file).to.equal(lengthThere);
      }
    });

    it('ari-client 2.2.0 connects unmodified with the same requests and gets events', async () => {
      seen.length = 0;
      const trace = loadTrace('00_connect_ari_client');
      const client = await ari.connect(`http://127.0.0.1:${sim.port}`, 'ari', 'ari');
      const events: string[] = [];
      client.on('StasisStart', (e: { type: string }) => events.push(e.type));
      await client.start('callcenter');
      const expected = trace
        .filter((e) => e.dir === 'response')
        .map((e) => `${e.method} ${e.path} ${e.status}`)
        .sort();
      expect(seen.map((r) => `${r.method} ${r.path} ${r.status}`).sort()).to.deep.equal(expected);
      sim.control.placeCall({ from: '1000', to: '5000', endpoint: 'PJSIP/1000', context: 'from-caller', args: [], app: 'callcenter' });
      const deadline = Date.now() + 2000;
      while (!events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      client.stop();
      expect(events).to.deep.equal(['StasisStart']);
    });
  });

  for (const name of ['e1_app_queue_agent_answers_caller_hangs_up', 'e2_app_queue_no_answer_caller_abandons']) {
    // app_queue itself is not simulated (Ariadne routes in the orchestrator; the dialplan queue is only the
    // fallback). What these captures do pin down is the subscribeAll observer socket: it is accepted, and the
    // channel events it receives have the captured shapes.
    it(`${name.slice(0, 2)}: a subscribeAll observer socket receives channel events shaped as in the capture`, async () => {
      const trace = loadTrace(name);
      const up = trace.find((e) => e.dir === 'request' && e.websocket_upgrade)!;
      const captured = trace.filter((e) => e.dir === 'event' && e.event && e.conn === up.conn).map((e) => e.event!);
      const sim = await startLabSimulator();
      try {
        const seq = { n: 0, log: [] as string[] };
        const app = await new EventRecorder(seq).open(sim.port, '?app=callcenter&api_key=ari:ari');
        const observer = await new EventRecorder(seq).open(sim.port, queryString(up.query ?? {}));
        const { channelId } = sim.control.placeCall({ from: '1000', callerName: 'Caller 1000', to: '5001', endpoint: 'PJSIP/1000', context: 'from-caller', args: [], app: 'callcenter' });
        await app.waitFor(() => app.events.length >= 1, 2000, 'StasisStart');
        await http(sim.port, 'POST', `/ari/channels/${channelId}/answer`, { auth: 'ari:ari' });
        await http(sim.port, 'POST', `/ari/channels${queryString({ endpoint: 'PJSIP/2001', app: 'callcenter', channelId: 'agent-e', callerId: '"Caller 1000" <1000>' })}`, { auth: 'ari:ari' });
        await app.waitFor(() => app.events.some((e) => e.type === 'StasisStart' && (e.channel as { id: string }).id === 'agent-e'), 2000, 'agent');
        await http(sim.port, 'DELETE', '/ari/channels/agent-e', { auth: 'ari:ari' });
        sim.control.hangup(channelId);
        await observer.waitFor(() => observer.events.filter((e) => e.type === 'ChannelDestroyed').length >= 2, 2000, 'both ChannelDestroyed');
        const types = new Set(observer.events.map((e) => String(e.type)));
        for (const t of ['ChannelCreated', 'ChannelStateChange', 'Dial', 'ChannelHangupRequest', 'ChannelDestroyed']) {
          expect(types, t).to.include(t);
          const mine = observer.events.find((e) => e.type === t)!;
          let theirs = captured.find((e) => e.type === t && ('cause' in e) === ('cause' in mine) && ('soft' in e) === ('soft' in mine))!;
          expect(theirs, `a captured ${t} with the same optional fields`).to.not.equal(undefined);
          // A Dial placed by the dialplan names its `caller`; one placed by originate has none (trace b).
          if (t === 'Dial' && !('caller' in mine)) {
            const { caller: _caller, ...rest } = theirs;
            theirs = rest;
          }
          expect(JSON.stringify(bodyShape(normalise(mine))), t).to.equal(JSON.stringify(bodyShape(normalise(theirs))));
          expect(mine.application).to.equal('observer');
        }
        app.close();
        observer.close();
      } finally {
        await sim.stop();
      }
    });
  }
});
