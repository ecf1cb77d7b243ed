import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeRedactor } from '../../src/telephony/ari-errors.js';
import { AriRest, ariRequest, restOperation } from '../../src/telephony/ari-rest.js';
import { AriWsRest, blocksSocket, type FrameSocket } from '../../src/telephony/ari-ws-rest.js';
import { SwitchError } from '../../src/telephony/port.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

/** Places the parameters of a described operation and sends it, as AriConnection.request does. */
function send<T>(rest: AriRest, opName: string, swaggerOp: object, params: Record<string, unknown>, timeoutMs: number) {
  return Promise.resolve()
    .then(() => ariRequest(opName, restOperation(swaggerOp)!, params))
    .then((request) => rest.send<T>(opName, request, timeoutMs));
}

/** Operations as ari-client's loaded description holds them (swagger 1.2 from Asterisk's api-docs). */
const ORIGINATE = {
  method: 'post',
  path: '/channels/{channelId}',
  parameters: [
    { name: 'channelId', paramType: 'path', required: true },
    { name: 'endpoint', paramType: 'query', required: true },
    { name: 'appArgs', paramType: 'query', required: false },
    { name: 'timeout', paramType: 'query', required: false },
    { name: 'variables', paramType: 'body', required: false },
  ],
};
const ADD_CHANNEL = {
  method: 'post',
  path: '/bridges/{bridgeId}/addChannel',
  parameters: [
    { name: 'bridgeId', paramType: 'path', required: true },
    { name: 'channel', paramType: 'query', required: true, allowMultiple: true },
  ],
};

describe('telephony/ari-rest placing parameters', () => {
  const FILTER = {
    method: 'put',
    path: '/applications/{applicationName}/eventFilter',
    parameters: [
      { name: 'applicationName', paramType: 'path', required: true },
      { name: 'filter', paramType: 'body', required: false },
    ],
  };

  it('a body parameter goes in under its name, except an event filter, which is the body itself', () => {
    expect(ariRequest('n channels.originate', restOperation(ORIGINATE)!, { channelId: 'c', endpoint: 'PJSIP/1', variables: { X: '1' } }).body)
      .to.deep.equal({ variables: { X: '1' } });
    const filter = { disallowed: [{ type: 'ChannelVarset' }] };
    expect(ariRequest('n applications.filter', restOperation(FILTER)!, { applicationName: 'a', filter })).to.deep.include({
      method: 'PUT',
      path: '/applications/a/eventFilter',
      body: filter,
    });
    expect(() => ariRequest('n applications.filter', restOperation(FILTER)!, { applicationName: 'a', filter: ['x'] }))
      .to.throw(SwitchError, 'filter must be a JSON object');
  });
});

describe('telephony/ari-rest direct ARI requests', () => {
  let server: http.Server;
  let origin: string;
  const seen: Seen[] = [];
  let reply: (res: http.ServerResponse) => void = (res) => res.writeHead(204).end();

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          authorization: req.headers.authorization,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        reply(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    seen.length = 0;
    reply = (res) => res.writeHead(204).end();
  });

  const rest = (): AriRest => new AriRest(origin, 'ariadne', 's3cret', makeRedactor(['s3cret']));

  it('places path, query and body parameters as the description says, with Basic auth', async () => {
    reply = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"a/1","state":"Down"}');
    const r = rest();
    const out = await send<{ id: string }>(
      r,
      'n channels.originate',
      ORIGINATE,
      { channelId: 'a/1', endpoint: 'PJSIP/2001', appArgs: ['agent', 'c1'], timeout: 15, variables: { X: '1' } },
      2000,
    );
    expect(out).to.deep.equal({ id: 'a/1', state: 'Down' });
    expect(seen[0]).to.deep.equal({
      method: 'POST',
      url: '/ari/channels/a%2F1?endpoint=PJSIP%2F2001&appArgs=agent%2Cc1&timeout=15',
      authorization: `Basic ${Buffer.from('ariadne:s3cret').toString('base64')}`,
      body: '{"variables":{"X":"1"}}',
    });
    await send(r, 'n bridges.addChannel', ADD_CHANNEL, { bridgeId: 'b1', channel: ['c1', 'a1'] }, 2000);
    expect(seen[1]?.url).to.equal('/ari/bridges/b1/addChannel?channel=c1%2Ca1');
    expect(seen[1]?.body).to.equal('');
    r.close();
  });

  it('refuses a request missing a required parameter without sending it', async () => {
    const err = await send(rest(), 'n channels.originate', ORIGINATE, { channelId: 'x' }, 2000).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(SwitchError);
    expect(err).to.include({ code: 'bad_request' });
    expect((err as Error).message).to.contain('missing required params: endpoint');
    expect(seen).to.have.length(0);
  });

  it("maps Asterisk's error replies to switch error codes with its message", async () => {
    reply = (res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Allocation failed"}');
    const err = (await send(
      rest(),
      'n channels.originate',
      ORIGINATE,
      { channelId: 'x', endpoint: 'PJSIP/9' },
      2000,
    ).catch((e: unknown) => e)) as SwitchError;
    expect(err.code).to.equal('unreachable');
    expect(err.message).to.equal('n channels.originate: 500 Allocation failed');
    reply = (res) => res.writeHead(404).end('{"message":"Channel not found"}');
    const missing = (await send(
      rest(),
      'n bridges.addChannel',
      ADD_CHANNEL,
      { bridgeId: 'b', channel: 'c' },
      2000,
    ).catch((e: unknown) => e)) as SwitchError;
    expect(missing.code).to.equal('not_found');
  });

  it('streams a stored recording, maps a refusal with its message, and leaves a pause in the body to the reader', async () => {
    const wav = Buffer.alloc(20_000, 3);
    reply = (res) => res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav);
    const r = rest();
    const chunks: Buffer[] = [];
    for await (const c of await r.stream('n GET file', '/recordings/stored/r1/file', 2000)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(wav)).to.equal(true);
    expect(seen[0]).to.include({ method: 'GET', url: '/ari/recordings/stored/r1/file' });
    reply = (res) => res.writeHead(404).end('{"message":"Recording not found"}');
    const missing = (await r.stream('n GET file', '/recordings/stored/r2/file', 2000).catch((e: unknown) => e)) as SwitchError;
    expect(missing).to.include({ code: 'not_found', message: 'n GET file: 404 Recording not found' });
    reply = (res) => {
      res.writeHead(200, { 'content-length': '10' });
      res.write('12345'); // and never the rest
    };
    const body = await r.stream('n GET file', '/recordings/stored/r3/file', 100);
    const first = await new Promise<Buffer>((resolve) => body.once('data', resolve));
    expect(first.toString()).to.equal('12345');
    // Well past the 100 ms reply timeout, the body is still open: the reader decides when a pause is a stall.
    await new Promise((r2) => setTimeout(r2, 300));
    expect(body.destroyed).to.equal(false);
    body.destroy();
    r.close();
  });

  it('times out a request Asterisk never answers, and a refused connection is unavailable', async () => {
    reply = () => undefined; // never replies
    const slow = (await send(rest(), 'n bridges.addChannel', ADD_CHANNEL, { bridgeId: 'b', channel: 'c' }, 100).catch(
      (e: unknown) => e,
    )) as SwitchError;
    expect(slow.code).to.equal('timeout');
    const gone = new AriRest('http://127.0.0.1:1', 'u', 'p', makeRedactor(['p']));
    const refused = (await send(gone, 'n bridges.addChannel', ADD_CHANNEL, { bridgeId: 'b', channel: 'c' }, 2000).catch(
      (e: unknown) => e,
    )) as SwitchError;
    expect(refused.code).to.equal('unavailable');
  });

  it('reads only operations it understands from the description', () => {
    expect(restOperation(undefined)).to.equal(null);
    expect(restOperation({ method: 'get' })).to.equal(null);
    expect(restOperation(ADD_CHANNEL)).to.deep.equal({
      method: 'POST',
      path: '/bridges/{bridgeId}/addChannel',
      params: [
        { name: 'bridgeId', in: 'path', required: true },
        { name: 'channel', in: 'query', required: true },
      ],
    });
  });
});

describe('telephony/ari-ws-rest requests over the events socket', () => {
  /** A socket that records frames; `fail` makes its next send report an error, as ws does for a closed socket. */
  function fakeSocket(): FrameSocket & { frames: Record<string, unknown>[]; fail?: Error } {
    const s = {
      frames: [] as Record<string, unknown>[],
      fail: undefined as Error | undefined,
      send(data: string, cb?: (err?: Error) => void) {
        s.frames.push(JSON.parse(data) as Record<string, unknown>);
        cb?.(s.fail);
      },
    };
    return s;
  }
  const redact = makeRedactor(['s3cret']);
  const request = (params: Record<string, unknown>) =>
    ariRequest('n channels.originate', restOperation(ORIGINATE)!, params);

  it('sends a RESTRequest frame with the path, query pairs and JSON body, and settles from its RESTResponse', async () => {
    const ws = new AriWsRest(redact);
    const sock = fakeSocket();
    const reply = ws.send<{ id: string }>(
      sock,
      'n channels.originate',
      request({ channelId: 'a/1', endpoint: 'PJSIP/2001', appArgs: ['agent', 'c1'], variables: { X: '1' } }),
      2000,
    );
    expect(sock.frames[0]).to.deep.equal({
      type: 'RESTRequest',
      request_id: '1',
      method: 'POST',
      uri: 'channels/a%2F1',
      query_strings: [
        { name: 'endpoint', value: 'PJSIP/2001' },
        { name: 'appArgs', value: 'agent,c1' },
      ],
      content_type: 'application/json',
      message_body: '{"variables":{"X":"1"}}',
    });
    expect(
      ws.settle({ type: 'RESTResponse', request_id: '1', status_code: 200, message_body: '{"id":"a/1"}' }),
    ).to.equal(true);
    expect(await reply).to.deep.equal({ id: 'a/1' });
    expect(ws.settle({ type: 'RESTResponse', request_id: '1', status_code: 200 })).to.equal(false);
    expect(ws.pending).to.equal(0);
  });

  it("maps an error response like an HTTP one, with Asterisk's message", async () => {
    const ws = new AriWsRest(redact);
    const reply = ws.send(fakeSocket(), 'n channels.hangup', request({ channelId: 'x', endpoint: 'e' }), 2000);
    ws.settle({
      type: 'RESTResponse',
      request_id: '1',
      status_code: 404,
      reason_phrase: 'Not Found',
      message_body: '{"message":"Channel not found"}',
    });
    const err = (await reply.catch((e: unknown) => e)) as SwitchError;
    expect(err).to.be.instanceOf(SwitchError);
    expect(err.code).to.equal('not_found');
    expect(err.message).to.equal('n channels.hangup: 404 Channel not found');
  });

  it('times out an unanswered request, fails what is in flight when the socket goes, and a failed send', async () => {
    const ws = new AriWsRest(redact);
    const sock = fakeSocket();
    const slow = ws.send(sock, 'n a', request({ channelId: 'x', endpoint: 'e' }), 50);
    expect(((await slow.catch((e: unknown) => e)) as SwitchError).code).to.equal('timeout');
    const inFlight = ws.send(sock, 'n b', request({ channelId: 'y', endpoint: 'e' }), 2000);
    ws.failAll('closed (1006)');
    const lost = (await inFlight.catch((e: unknown) => e)) as SwitchError;
    expect(lost.code).to.equal('unavailable');
    expect(lost.message).to.equal('n b: events socket closed (1006) before the reply');
    sock.fail = new Error('WebSocket is not open: readyState 3 (CLOSED)');
    const unsent = (await ws
      .send(sock, 'n c', request({ channelId: 'z', endpoint: 'e' }), 2000)
      .catch((e: unknown) => e)) as SwitchError;
    expect(unsent.code).to.equal('unavailable');
    expect(ws.pending).to.equal(0);
  });

  it('keeps the requests that wait on a channel off the socket', () => {
    expect(blocksSocket('channels', 'answer')).to.equal(true);
    expect(blocksSocket('bridges', 'addChannel')).to.equal(true);
    expect(blocksSocket('bridges', 'removeChannel')).to.equal(true);
    expect(blocksSocket('channels', 'play')).to.equal(false);
    expect(blocksSocket('channels', 'hangup')).to.equal(false);
    expect(blocksSocket('bridges', 'create')).to.equal(false);
  });
});
