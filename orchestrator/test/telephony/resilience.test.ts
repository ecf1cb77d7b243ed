/**
 * Connection supervision and the contained ari-client defects, against the simulator.
 */
import { expect } from 'chai';
import net from 'node:net';
import { startSimulator } from '../../src/simulator/index.js';
import { createSwitch } from '../../src/telephony/index.js';
import type { NodeConnectionState } from '../../src/telephony/port.js';
import { capturingLogger, inboundCall, recorder, rig, silent, until, type Rig } from './helpers.js';

/**
 * A TCP relay that can turn into a black hole: frozen, it keeps every connection open but passes nothing either
 * way (a NAT entry or firewall that silently dropped the flow). Thawed, old connections are cut, new ones work.
 */
async function blackHoleRelay(
  targetPort: number,
): Promise<{ port: number; freeze(): void; thaw(): void; close(): Promise<void> }> {
  let frozen = false;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      open.add(from);
      from.on('data', (chunk: Buffer) => {
        if (!frozen) to.write(chunk);
      });
      from.on('close', () => {
        open.delete(from);
        to.destroy();
      });
      from.on('error', () => to.destroy());
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze: () => void (frozen = true),
    thaw: () => {
      frozen = false;
      for (const s of open) s.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('telephony: connection supervision', function () {
  this.timeout(15_000);
  let r: Rig | undefined;
  afterEach(async () => {
    await r?.stop();
    r = undefined;
  });

  it('reconnects after the socket drops, re-registers the app, and keeps routing', async () => {
    r = await rig();
    const states: NodeConnectionState[] = [];
    r.sw.onConnectionState((s) => states.push(s));
    expect(r.sim.control.dropWebSockets()).to.equal(1);
    await until(() => states.some((s) => !s.connected), 2000, 'down state');
    await until(() => states.some((s) => s.connected && s.resynced), 3000, 'resynced state');
    expect(r.sw.connectionStates()[0]!.connected).to.equal(true);
    expect(r.sim.control.stats().apps).to.include('ariadne');
    // ari-client's own reconnect never ran: exactly one socket per attempt of ours.
    expect(r.sim.control.stats().webSockets).to.equal(1);
    expect(r.sw.connection('n1')!.stats.socketsOpened).to.equal(2);
    const call = await inboundCall(r);
    await r.sw.answer(call.channelId);
  });

  it('reads the PJSIP endpoints on every connect: a phone that came back while the socket was down is online', async () => {
    r = await rig({ endpoints: { 'PJSIP/2001': { behaviour: 'answer' }, 'PJSIP/2002': { behaviour: 'unreachable' } } });
    const seen: string[] = [];
    r.sw.onEndpointState((e) => seen.push(`${e.tech}/${e.resource}:${e.state}`));
    r.sim.control.dropWebSockets();
    await until(() => !r!.sw.connectionStates()[0]!.connected, 2000, 'down');
    // While nobody listens, 2002 registers: its event goes to no one.
    r.sim.control.setEndpoint('PJSIP', '2002', { behaviour: 'answer' });
    await until(() => seen.includes('PJSIP/2002:online'), 3000, '2002 read as online after the reconnect');
    expect(seen).to.include('PJSIP/2001:online');
  });

  it('resync after a reconnect reports the channel that vanished during the gap (its watcher gets hangup)', async () => {
    r = await rig({}, { backoffMinMs: 100, backoffMaxMs: 200 });
    const gone = await inboundCall(r);
    const kept = await inboundCall(r, '+8613900000000');
    const goneEvents = recorder(r, gone.channelId).events;
    const keptEvents = recorder(r, kept.channelId).events;
    const playback = await r.sw.play({ channelId: kept.channelId }, 'tone:ring');
    const states: NodeConnectionState[] = [];
    r.sw.onConnectionState((s) => states.push(s));
    r.sim.control.dropWebSockets();
    // The caller hangs up while nobody listens: the simulator drops these events, as Asterisk would.
    r.sim.control.hangup(gone.channelId);
    const resynced = await until(() => states.find((s) => s.resynced)?.resynced, 3000, 'resync');
    expect(resynced.vanished).to.deep.equal([gone.channelId]);
    expect(resynced.channels.map((c) => c.channelId)).to.include(kept.channelId);
    expect(goneEvents).to.have.length(1);
    expect(goneEvents[0]).to.include({ type: 'hangup' });
    expect(keptEvents.some((e) => e.type === 'hangup')).to.equal(false);
    await r.sw.stopPlayback(playback.playbackId);
    expect(await playback.finished).to.equal('stopped');
  });

  it("keeps retrying past ari-client's 10 attempts while Asterisk is away, then reconnects and resyncs", async () => {
    r = await rig({}, { backoffMinMs: 10, backoffMaxMs: 30 });
    const port = r.sim.port;
    const call = await inboundCall(r);
    const events = recorder(r, call.channelId).events;
    await r.sim.stop();
    const conn = r.sw.connection('n1')!;
    const before = conn.stats.attempts;
    await until(() => conn.stats.attempts - before >= 12, 5000, '12 failed attempts');
    expect(r.sw.connectionStates()[0]!.connected).to.equal(false);
    expect(r.sw.connectionStates()[0]!.lastError).to.match(/unreachable|ECONNREFUSED/);
    const sim2 = await startSimulator({
      port,
      user: 'ariadne',
      password: 'ariadne',
      app: 'ariadne',
      playbackMs: 20,
      amiPort: null,
    });
    r.sim = sim2;
    await until(() => r!.sw.connectionStates()[0]!.connected, 3000, 'reconnected');
    // The new Asterisk does not have the old call: its watcher hears the hang-up.
    await until(() => events.some((e) => e.type === 'hangup'), 3000, 'vanished hangup');
    const again = await inboundCall(r);
    expect(again.node).to.equal('n1');
  });

  it('survives an event type missing from the served events.json and keeps routing', async () => {
    r = await rig();
    const call = await inboundCall(r);
    const events = recorder(r, call.channelId).events;
    r.sim.engine.sink(
      'ariadne',
      JSON.stringify({ type: 'ChannelFutureThing', application: 'ariadne', channel: { id: call.channelId } }),
      {},
    );
    r.sim.engine.sink('ariadne', '{"type":"ChannelFutureThing","application":"ariadne"}', {});
    await until(() => r!.sw.connection('n1')!.stats.unknownEvents === 2, 2000, 'unknown events seen');
    r.sim.control.sendDtmf(call.channelId, '7');
    await until(() => events.some((e) => e.type === 'dtmf'), 2000, 'dtmf after the unknown event');
    expect(r.sw.connectionStates()[0]!.connected).to.equal(true);
  });

  describe('REST transport', () => {
    type Seen = { method: string; path: string; status: number; socket?: boolean };
    const over = (seen: Seen[], socket: boolean) =>
      seen.filter((q) => Boolean(q.socket) === socket && q.path !== '/ari/events').map((q) => `${q.method} ${q.path}`);

    /** One call's worth of requests: answer, a bridge, the caller into it, a prompt to it, the bridge gone. */
    async function callRequests(rig: Rig): Promise<void> {
      const call = await inboundCall(rig);
      await rig.sw.answer(call.channelId);
      const bridgeId = await rig.sw.createBridge({ type: 'mixing', bridgeId: 'b1' });
      await rig.sw.addToBridge(bridgeId, call.channelId);
      await rig.sw.play({ bridgeId }, 'sound:hello-world');
      await rig.sw.destroyBridge(bridgeId);
      await rig.sw.hangup(call.channelId);
    }

    it('goes over the events socket where Asterisk offers it; requests that wait on a channel stay on HTTP', async () => {
      const seen: Seen[] = [];
      r = await rig({ onRequest: (q) => seen.push(q) });
      const conn = r.sw.connection('n1')!;
      expect(conn.restTransport).to.equal('websocket');
      await callRequests(r);
      // The endpoint states are read once the subscription holds, whenever that falls among the rest.
      expect(over(seen, true)).to.include('GET /ari/endpoints/PJSIP');
      expect(over(seen, true).filter((q) => q !== 'GET /ari/endpoints/PJSIP')).to.deep.equal([
        'POST /ari/applications/ariadne/subscription',
        'PUT /ari/applications/ariadne/eventFilter',
        'POST /ari/bridges',
        'POST /ari/bridges/b1/play',
        'DELETE /ari/bridges/b1',
        `DELETE /ari/channels/${r.inbound[0]!.channelId}`,
      ]);
      expect(over(seen, false).filter((q) => !q.includes('api-docs'))).to.deep.equal([
        `POST /ari/channels/${r.inbound[0]!.channelId}/answer`,
        'POST /ari/bridges/b1/addChannel',
      ]);
      expect(conn.stats.socketRequests).to.be.greaterThan(2);
    });

    it('stays on HTTP when configured so, or when Asterisk does not offer it (before 20.14, 21.9, 22.4)', async () => {
      for (const [simOptions, switchOptions] of [
        [{}, { restTransport: 'http' as const }],
        [{ restOverWebSocket: false }, {}],
      ] as const) {
        const seen: Seen[] = [];
        r = await rig({ ...simOptions, onRequest: (q) => seen.push(q) }, switchOptions);
        expect(r.sw.connection('n1')!.restTransport).to.equal('http');
        await callRequests(r);
        expect(over(seen, true)).to.deep.equal([]);
        expect(over(seen, false)).to.include('POST /ari/bridges/b1/play');
        expect(r.sw.connection('n1')!.stats.socketRequests).to.equal(0);
        await r.stop();
        r = undefined;
      }
    });

    it('a request in flight when the socket drops fails as unavailable at once; the next socket carries requests again', async () => {
      const seen: Seen[] = [];
      r = await rig({ onRequest: (q) => seen.push(q) }, { requestTimeoutMs: 5000 });
      const call = await inboundCall(r);
      const conn = r.sw.connection('n1')!;
      const started = Date.now();
      const inFlight = r.sw.startMoh(call.channelId).catch((e: Error & { code?: string }) => e);
      conn.dropSocket();
      const err = await inFlight;
      // The frame may have been carried out, but its answer cannot come any more: it fails now, not in 5 s.
      expect(Date.now() - started).to.be.lessThan(1000);
      expect(err).to.be.instanceOf(Error);
      expect((err as { code?: string }).code).to.equal('unavailable');
      await until(() => conn.connected && conn.restTransport === 'websocket', 3000, 'reconnected');
      // Not a count of the socket's requests: each connect also lists the phones' states over it.
      seen.length = 0;
      await r.sw.stopMoh(call.channelId);
      expect(over(seen, true)).to.include(`DELETE /ari/channels/${call.channelId}/moh`);
      expect(over(seen, false)).to.deep.equal([]);
    });

    it('a REST response that answers no request in flight is logged and ignored', async () => {
      const { logger, lines } = capturingLogger();
      r = await rig({}, { logger });
      r.sim.engine.sink(
        'ariadne',
        JSON.stringify({ type: 'RESTResponse', request_id: 'nobody', status_code: 200, reason_phrase: 'OK', uri: 'x' }),
        {},
      );
      await until(() => lines.some((l) => l.includes('answers no request in flight')), 2000, 'the warning');
      expect(r.sw.connectionStates()[0]!.connected).to.equal(true);
      expect(r.sw.connection('n1')!.stats.unknownEvents).to.equal(0);
      const call = await inboundCall(r);
      await r.sw.startMoh(call.channelId);
    });
  });

  it('a wrong password is a clear error, is retried, and the password reaches no log line or error', async () => {
    const sim = await startSimulator({
      port: 0,
      user: 'ariadne',
      password: 'right-pw-1',
      app: 'ariadne',
      amiPort: null,
    });
    const { logger, lines } = capturingLogger();
    const sw = createSwitch({
      nodes: [{ name: 'n1', ariUrl: sim.ariUrl, user: 'ariadne', password: 'Wr0ng-s3cret', app: 'ariadne' }],
      backoffMinMs: 10,
      backoffMaxMs: 20,
      requestTimeoutMs: 1000,
      logger,
    });
    try {
      await sw.start();
      const state = sw.connectionStates()[0]!;
      expect(state.connected).to.equal(false);
      expect(state.lastError).to.equal(
        `ARI at ${sim.url}/ari refused user ariadne (401); check the ARI user and password`,
      );
      const conn = sw.connection('n1')!;
      await until(() => conn.stats.attempts >= 3, 2000, 'retries');
      const err = await sw.answer('x').catch((e: Error) => e);
      expect((err as Error).message).to.match(/not connected/);
      expect((err as Error).message).to.not.include('Wr0ng-s3cret');
      expect(lines.length).to.be.greaterThan(0);
      for (const line of lines) expect(line).to.not.include('Wr0ng-s3cret');
    } finally {
      await sw.stop();
      await sim.stop();
    }
  });

  it('a password that changes while connected: the reconnect fails clearly and succeeds once it is right again', async () => {
    r = await rig({}, { backoffMinMs: 10, backoffMaxMs: 30 });
    const port = r.sim.port;
    await r.sim.stop();
    const wrong = await startSimulator({ port, user: 'ariadne', password: 'changed', app: 'ariadne', amiPort: null });
    // (The user name is shown as [redacted] here: it equals the password, and the password is never shown.)
    await until(
      () => /refused user \[redacted\] \(401\)/.test(r!.sw.connectionStates()[0]!.lastError ?? ''),
      3000,
      'auth error',
    );
    await wrong.stop();
    r.sim = await startSimulator({
      port,
      user: 'ariadne',
      password: 'ariadne',
      app: 'ariadne',
      playbackMs: 20,
      amiPort: null,
    });
    await until(() => r!.sw.connectionStates()[0]!.connected, 3000, 'reconnected');
  });

  it('nodes with different credentials in one process each use their own (swagger-client keeps them global)', async () => {
    const a = await startSimulator({ port: 0, user: 'alice', password: 'pw-a', app: 'ariadne', amiPort: null });
    const b = await startSimulator({ port: 0, user: 'bob', password: 'pw-b', app: 'ariadne', amiPort: null });
    const sw = createSwitch({
      nodes: [
        { name: 'a', ariUrl: a.ariUrl, user: 'alice', password: 'pw-a', app: 'ariadne' },
        { name: 'b', ariUrl: b.ariUrl, user: 'bob', password: 'pw-b', app: 'ariadne' },
      ],
      backoffMinMs: 10,
      backoffMaxMs: 50,
      logger: silent,
    });
    const inbound: string[] = [];
    sw.onInbound((c) => inbound.push(`${c.node}:${c.channelId}`));
    try {
      await sw.start();
      expect(sw.connectionStates().map((s) => s.connected)).to.deep.equal([true, true]);
      // Distinct ids, as Asterisk nodes with distinct `systemname`s give (see docs/telephony.md).
      const ca = a.control.placeCall({ from: '1', to: '2', channelId: 'node-a-1' }).channelId;
      const cb = b.control.placeCall({ from: '1', to: '2', channelId: 'node-b-1' }).channelId;
      await until(() => inbound.length === 2, 2000, 'both inbound');
      expect(inbound).to.have.members([`a:${ca}`, `b:${cb}`]);
      // REST on each node with its own credentials (a shared swagger-client would send bob's to a: 401).
      await sw.answer(ca);
      await sw.answer(cb);
      const list = await sw.listChannels();
      expect(list.map((c) => `${c.node}:${c.channelId}`)).to.have.members([`a:${ca}`, `b:${cb}`]);
      // A request about a channel goes to its node.
      expect(a.control.channel(ca).state).to.equal('Up');
      expect(b.control.channel(cb).state).to.equal('Up');
    } finally {
      await sw.stop();
      await a.stop();
      await b.stop();
    }
  });

  it('AMI reconnects with backoff after the session drops; a wrong secret is a clear error', async () => {
    r = await rig({}, { backoffMinMs: 10, backoffMaxMs: 40 });
    const { port, amiPort } = r.sim;
    await r.sw.reload('dialplan');
    await r.sim.stop();
    const ami = r.sw.amiConnection('n1')!;
    await until(() => !ami.connected, 2000, 'AMI down');
    const err = await r.sw.reload('dialplan').catch((e: { code?: string }) => e);
    expect((err as { code?: string }).code).to.equal('unavailable');
    // Back with the AMI secret changed: refused, clearly, and the secret is not in the message.
    const wrong = await startSimulator({
      port,
      amiPort,
      user: 'ariadne',
      password: 'ariadne',
      amiSecret: 'other',
      app: 'ariadne',
    });
    await until(() => /refused user .*Authentication failed/.test(ami.lastError ?? ''), 3000, 'AMI auth error');
    expect(ami.lastError).to.not.include('other');
    await wrong.stop();
    r.sim = await startSimulator({
      port,
      amiPort,
      user: 'ariadne',
      password: 'ariadne',
      app: 'ariadne',
      playbackMs: 20,
    });
    await until(() => ami.connected, 3000, 'AMI back');
    await r.sw.reload('pjsip');
    expect(await r.sw.amiPing()).to.deep.equal([]);
  });

  it('the caller hangs up while answer is in flight: one hangup, a typed rejection or success, nothing unhandled', async () => {
    r = await rig({ playbackMs: 200 });
    const call = await inboundCall(r);
    const events = recorder(r, call.channelId).events;
    const pb = await r.sw.play({ channelId: call.channelId }, 'sound:hello-world');
    const answering = r.sw.answer(call.channelId).then(
      () => 'ok',
      (e: { code?: string }) => e.code,
    );
    r.sim.control.hangup(call.channelId);
    expect(['ok', 'not_found', 'not_in_stasis']).to.include(await answering);
    expect(await pb.finished).to.equal('hangup');
    expect(events.filter((e) => e.type === 'hangup')).to.have.length(1);
    expect(r.sw.routeSizes()).to.deep.equal({ channels: 0, playbacks: 0, recordings: 0, targets: 0 });
  });

  it('stop() settles every pending wait', async () => {
    r = await rig({ endpoints: { 'PJSIP/2002': { behaviour: 'no-answer' } } });
    const call = await inboundCall(r);
    const pb = await r.sw.play({ channelId: call.channelId }, 'tone:ring');
    const rec = await r.sw.record({ channelId: call.channelId }, { name: 'stop-rec-1' });
    const leg = await r.sw.originate({ endpoint: 'PJSIP/2002', timeoutSeconds: 30 });
    await r.sw.stop();
    expect(await pb.finished).to.equal('stopped');
    expect((await rec.finished).status).to.equal('cancelled');
    expect(await leg.outcome).to.deep.equal({ result: 'cancelled', cause: 0 });
    expect(r.sw.connectionStates()[0]!.connected).to.equal(false);
  });

  it('another connection taking over the app marks the node down with a clear reason', async () => {
    r = await rig({}, { backoffMinMs: 10, backoffMaxMs: 5000 });
    const other = createSwitch({
      nodes: [{ name: 'x', ariUrl: r.sim.ariUrl, user: 'ariadne', password: 'ariadne', app: 'ariadne' }],
      logger: silent,
    });
    try {
      await other.start();
      await until(() => !r!.sw.connectionStates()[0]!.connected, 2000, 'replaced');
      expect(r.sw.connectionStates()[0]!.lastError).to.equal(
        'Stasis app ariadne was taken over by another connection to this node',
      );
      // The app's calls now reach the other connection, not us.
      const got: string[] = [];
      other.onInbound((c) => got.push(c.channelId));
      const { channelId } = r.sim.control.placeCall({ from: '1', to: '2' });
      await until(() => got.includes(channelId), 2000, 'inbound on the other');
      expect(r.inbound).to.have.length(0);
    } finally {
      await other.stop();
    }
  });

  it('resync settles a playback whose PlaybackFinished was lost in the gap', async () => {
    r = await rig({ playbackMs: 30 }, { backoffMinMs: 150, backoffMaxMs: 200 });
    const call = await inboundCall(r);
    await r.sw.answer(call.channelId);
    const pb = await r.sw.play({ channelId: call.channelId }, 'sound:hello-world');
    const states: NodeConnectionState[] = [];
    r.sw.onConnectionState((s) => states.push(s));
    r.sim.control.dropWebSockets(); // the 30 ms playback ends while nobody listens
    const resynced = await until(() => states.find((s) => s.resynced)?.resynced, 3000, 'resync');
    expect(resynced.playbacksEnded).to.deep.equal([pb.playbackId]);
    expect(await pb.finished).to.equal('done');
    expect(resynced.vanished).to.deep.equal([]);
  });

  it('reload and contacts without an AMI URL fail as unavailable', async () => {
    r = await rig({ amiPort: null });
    for (const p of [r.sw.reload('dialplan'), r.sw.endpointContacts()]) {
      const err = await p.catch((e: Error & { code?: string }) => e);
      expect((err as { code?: string }).code).to.equal('unavailable');
    }
  });

  it('a request that gets no reply times out as a typed error', async () => {
    r = await rig({ playbackMs: 20 }, { requestTimeoutMs: 100 });
    const call = await inboundCall(r);
    await r.sw.answer(call.channelId);
    // The simulator (like Asterisk) answers `answer` only once a channel playback has ended.
    await r.sw.play({ channelId: call.channelId }, 'tone:ring');
    const err = await r.sw.answer(call.channelId).catch((e: Error & { code?: string }) => e);
    expect((err as { code?: string }).code).to.equal('timeout');
  });

  it('closes an events socket that stops answering pings (a silent network) and reconnects when it is back', async () => {
    const sim = await startSimulator({ port: 0, user: 'ariadne', password: 'ariadne', app: 'ariadne', amiPort: null });
    const relay = await blackHoleRelay(sim.port);
    const sw = createSwitch({
      nodes: [
        {
          name: 'n1',
          ariUrl: `http://127.0.0.1:${relay.port}/ari`,
          user: 'ariadne',
          password: 'ariadne',
          app: 'ariadne',
        },
      ],
      pingIntervalMs: 100,
      requestTimeoutMs: 500,
      connectTimeoutMs: 500,
      backoffMinMs: 50,
      backoffMaxMs: 100,
      logger: silent,
    });
    const inbound: string[] = [];
    sw.onInbound((c) => inbound.push(c.channelId));
    try {
      await sw.start();
      const states: NodeConnectionState[] = [];
      sw.onConnectionState((s) => states.push(s));
      relay.freeze();
      // Nothing closes the socket: only the missed pong tells the adapter it is talking to nobody.
      await until(() => states.some((s) => !s.connected), 2000, 'the silent socket marked down');
      expect(sw.connectionStates()[0]!.connected).to.equal(false);
      relay.thaw();
      await until(() => sw.connectionStates()[0]!.connected, 5000, 'reconnected through the relay');
      const placed = sim.control.placeCall({ from: '+8613800138000', to: '4007188668' });
      await until(() => inbound.includes(placed.channelId), 2000, 'a call seen after the reconnect');
    } finally {
      await sw.stop();
      await relay.close();
      await sim.stop();
    }
  });
});
