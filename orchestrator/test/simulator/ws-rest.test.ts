/**
 * ARI REST over WebSocket in the simulator, against Asterisk's handling of RESTRequest frames
 * (res/ari/ari_websocket_requests.c): the same answers as over HTTP, Asterisk's validation errors, and one frame
 * at a time per socket.
 */
import { expect } from 'chai';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { AriRequestInfo } from '../../src/simulator/server.js';

type Json = Record<string, unknown>;
const AUTH = `Basic ${Buffer.from('ariadne:ariadne').toString('base64')}`;

class RestSocket {
  readonly frames: Json[] = [];
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Json);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(sim: Simulator): Promise<RestSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${sim.port}/ari/events?app=ariadne`, { headers: { authorization: AUTH } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RestSocket(ws);
  }

  responses(): Json[] {
    return this.frames.filter((f) => f.type === 'RESTResponse');
  }

  async nextResponses(n: number): Promise<Json[]> {
    const start = Date.now();
    while (this.responses().length < n) {
      if (Date.now() - start > 3000) throw new Error(`timed out waiting for ${n} REST responses`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
    return this.responses().splice(0, n);
  }

  /** Sends one frame and resolves with the response that follows it. */
  async ask(frame: Json | string): Promise<Json> {
    const before = this.responses().length;
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    return (await this.nextResponses(before + 1))[before]!;
  }
}

async function http(sim: Simulator, method: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sim.url}/ari${path}`, { method, headers: { authorization: AUTH } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

describe('simulator: ARI REST over WebSocket', () => {
  let sim: Simulator;
  let sock: RestSocket;
  const seen: AriRequestInfo[] = [];

  beforeEach(async () => {
    seen.length = 0;
    sim = await startSimulator({ port: 0, user: 'ariadne', password: 'ariadne', app: 'ariadne', amiPort: null, onRequest: (r) => seen.push(r) });
    sock = await RestSocket.open(sim);
  });
  afterEach(async () => {
    sock.ws.terminate();
    await sim.stop();
  });

  it('answers a request with the same status and body as HTTP, in the fields and order Asterisk packs them', async () => {
    const created = await sock.ask({
      type: 'RESTRequest',
      transaction_id: 't1',
      request_id: 'r1',
      method: 'POST',
      uri: 'bridges',
      query_strings: [
        { name: 'type', value: 'mixing' },
        { name: 'bridgeId', value: 'b 1' },
      ],
    });
    expect(Object.keys(created)).to.deep.equal([
      'type',
      'transaction_id',
      'request_id',
      'status_code',
      'reason_phrase',
      'uri',
      'content_type',
      'message_body',
      'application',
      'timestamp',
      'asterisk_id',
    ]);
    expect(created).to.deep.include({
      transaction_id: 't1',
      request_id: 'r1',
      status_code: 200,
      reason_phrase: 'OK',
      uri: 'bridges',
      content_type: 'application/json',
      application: 'ariadne',
    });
    const viaHttp = await http(sim, 'GET', '/bridges/b%201');
    expect(JSON.parse(created.message_body as string)).to.deep.equal(viaHttp.body);

    // A query string in the uri works too; the response's uri is the path alone.
    const got = await sock.ask({ type: 'RESTRequest', request_id: 'r2', method: 'GET', uri: 'bridges/b%201?x=1' });
    expect(got).to.deep.include({ request_id: 'r2', status_code: 200, uri: 'bridges/b%201', transaction_id: '' });

    // 204: no body, so neither content_type nor message_body.
    const gone = await sock.ask({ type: 'RESTRequest', request_id: 'r3', method: 'DELETE', uri: 'bridges/b%201' });
    expect(gone).to.include({ status_code: 204, reason_phrase: 'No Content' });
    expect(gone).to.not.have.any.keys('content_type', 'message_body');
    expect((await http(sim, 'GET', '/bridges/b%201')).status).to.equal(404);
    expect(seen.filter((r) => r.socket).map((r) => `${r.method} ${r.path} ${r.status}`)).to.deep.equal([
      'POST /ari/bridges 200',
      'GET /ari/bridges/b%201 200',
      'DELETE /ari/bridges/b%201 204',
    ]);
  });

  it("takes a JSON body and answers ARI's errors as HTTP would", async () => {
    const { channelId } = sim.control.placeCall({ from: '1000', to: '5000' });
    const set = await sock.ask({
      type: 'RESTRequest',
      request_id: 'v',
      method: 'POST',
      uri: `channels/${channelId}/variable`,
      content_type: 'application/json',
      message_body: JSON.stringify({ variable: 'X', value: 'y' }),
    });
    expect(set.status_code).to.equal(204);
    const missing = await sock.ask({ type: 'RESTRequest', request_id: 'm', method: 'DELETE', uri: 'channels/nope' });
    const viaHttp = await http(sim, 'DELETE', '/channels/nope');
    expect(missing).to.include({ status_code: viaHttp.status, reason_phrase: 'Not Found' });
    expect(JSON.parse(missing.message_body as string)).to.deep.equal(viaHttp.body);
    const wrongMethod = await sock.ask({ type: 'RESTRequest', request_id: 'w', method: 'PUT', uri: 'bridges' });
    expect(wrongMethod).to.include({ status_code: 405, reason_phrase: 'Method Not Allowed' });
  });

  it("refuses malformed frames with Asterisk's status and wording, and keeps the socket", async () => {
    const cases: Array<[Json | string, string, string]> = [
      ['not json', 'Failed to parse request message JSON', ''],
      [{ request_id: 'a', method: 'GET', uri: 'bridges' }, 'Bad request', "No 'type' property."],
      [{ type: 'Other', request_id: 'b', method: 'GET', uri: 'bridges' }, 'Bad request', 'Unknown request type.'],
      [{ type: 'RESTRequest', request_id: 'c', method: 'GET' }, 'Bad request', "Empty or missing 'uri' property."],
      [{ type: 'RESTRequest', request_id: 'd', method: 'FETCH', uri: 'bridges' }, 'Bad request', "Unknown or missing 'method' property."],
      [{ type: 'RESTRequest', request_id: 'e', method: 'GET', uri: 'bridges', query_strings: [{ name: 1 }] }, 'Bad request', "Unable to parse 'query_strings' array."],
      [{ type: 'RESTRequest', request_id: 'f', method: 'POST', uri: 'bridges', message_body: '{}' }, 'Bad request', "No 'content_type' for 'message_body'."],
      [
        { type: 'RESTRequest', request_id: 'g', method: 'POST', uri: 'bridges', content_type: 'application/json', message_body: '{' },
        'Bad request',
        "Unable to parse 'message_body' as 'application/json'.",
      ],
      [{ type: 'RESTRequest', request_id: 'h', method: 'POST', uri: 'bridges', content_type: 'text/plain', message_body: 'x' }, 'Bad request', 'Unknown content type.'],
    ];
    for (const [frame, reason, message] of cases) {
      const res = await sock.ask(frame);
      expect(res.status_code, JSON.stringify(frame)).to.equal(400);
      expect(res.reason_phrase, JSON.stringify(frame)).to.equal(reason);
      if (typeof frame === 'object') expect(res.request_id).to.equal(frame.request_id);
      if (message) expect(JSON.parse(res.message_body as string)).to.deep.equal({ message });
      else expect(res).to.not.have.property('message_body');
    }
    const fine = await sock.ask({ type: 'RESTRequest', request_id: 'ok', method: 'GET', uri: 'bridges' });
    expect(fine.status_code).to.equal(200);
  });

  it('answers the frames of one socket in the order they came', async () => {
    for (let i = 0; i < 20; i++) {
      sock.ws.send(
        JSON.stringify({ type: 'RESTRequest', request_id: String(i), method: 'POST', uri: `bridges/q${i}`, query_strings: [{ name: 'type', value: 'holding' }] }),
      );
    }
    const answers = await sock.nextResponses(20);
    expect(answers.map((a) => a.request_id)).to.deep.equal(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(answers.every((a) => a.status_code === 200)).to.equal(true);
  });

  it("refuses a binary reply (a stored recording's file) with 406: those are fetched over HTTP", async () => {
    const { channelId } = sim.control.placeCall({ from: '1000', to: '5000' });
    await http(sim, 'POST', `/channels/${channelId}/answer`);
    await http(sim, 'POST', `/channels/${channelId}/record?name=r1&format=wav&maxDurationSeconds=1`);
    const start = Date.now();
    while ((await http(sim, 'GET', '/recordings/stored/r1')).status !== 200) {
      if (Date.now() - start > 3000) throw new Error('the recording was not stored');
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await sock.ask({ type: 'RESTRequest', request_id: 'f', method: 'GET', uri: 'recordings/stored/r1/file' });
    expect(res).to.include({ status_code: 406, reason_phrase: 'Not Acceptable.  Use HTTP GET' });
    expect(res).to.not.have.property('message_body');
    const file = await fetch(`${sim.url}/ari/recordings/stored/r1/file`, { headers: { authorization: AUTH } });
    expect(file.status).to.equal(200);
  });

  it('an Asterisk without it: events.json does not describe it and frames go unanswered', async () => {
    const old = await startSimulator({ port: 0, user: 'ariadne', password: 'ariadne', app: 'other', amiPort: null, restOverWebSocket: false });
    try {
      const doc = (await (await fetch(`${old.url}/ari/api-docs/events.json`, { headers: { authorization: AUTH } })).json()) as {
        models: Record<string, { subTypes?: string[] }>;
      };
      expect(doc.models).to.not.have.any.keys('RESTRequest', 'RESTResponse', 'RESTHeader', 'RESTQueryStringParameter');
      expect(doc.models.Event!.subTypes).to.include('StasisStart').and.not.include('RESTResponse');
      const oldSock = await RestSocket.open(old);
      oldSock.ws.send(JSON.stringify({ type: 'RESTRequest', request_id: '1', method: 'GET', uri: 'bridges' }));
      await new Promise((r) => setTimeout(r, 200));
      expect(oldSock.responses()).to.have.length(0);
      oldSock.ws.terminate();
    } finally {
      await old.stop();
    }
  });
});
