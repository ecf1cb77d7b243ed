import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeRedactor } from '../../src/telephony/ari-errors.js';
import { AriRest, restOperation } from '../../src/telephony/ari-rest.js';
import { SwitchError } from '../../src/telephony/port.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
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
    const out = await r.send<{ id: string }>(
      'n channels.originate',
      restOperation(ORIGINATE)!,
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
    await r.send('n bridges.addChannel', restOperation(ADD_CHANNEL)!, { bridgeId: 'b1', channel: ['c1', 'a1'] }, 2000);
    expect(seen[1]?.url).to.equal('/ari/bridges/b1/addChannel?channel=c1%2Ca1');
    expect(seen[1]?.body).to.equal('');
    r.close();
  });

  it('refuses a request missing a required parameter without sending it', async () => {
    const err = await rest()
      .send('n channels.originate', restOperation(ORIGINATE)!, { channelId: 'x' }, 2000)
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SwitchError);
    expect(err).to.include({ code: 'bad_request' });
    expect((err as Error).message).to.contain('missing required params: endpoint');
    expect(seen).to.have.length(0);
  });

  it("maps Asterisk's error replies to switch error codes with its message", async () => {
    reply = (res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Allocation failed"}');
    const err = (await rest()
      .send('n channels.originate', restOperation(ORIGINATE)!, { channelId: 'x', endpoint: 'PJSIP/9' }, 2000)
      .catch((e: unknown) => e)) as SwitchError;
    expect(err.code).to.equal('unreachable');
    expect(err.message).to.equal('n channels.originate: 500 Allocation failed');
    reply = (res) => res.writeHead(404).end('{"message":"Channel not found"}');
    const missing = (await rest()
      .send('n bridges.addChannel', restOperation(ADD_CHANNEL)!, { bridgeId: 'b', channel: 'c' }, 2000)
      .catch((e: unknown) => e)) as SwitchError;
    expect(missing.code).to.equal('not_found');
  });

  it('times out a request Asterisk never answers, and a refused connection is unavailable', async () => {
    reply = () => undefined; // never replies
    const slow = (await rest()
      .send('n bridges.addChannel', restOperation(ADD_CHANNEL)!, { bridgeId: 'b', channel: 'c' }, 100)
      .catch((e: unknown) => e)) as SwitchError;
    expect(slow.code).to.equal('timeout');
    const gone = new AriRest('http://127.0.0.1:1', 'u', 'p', makeRedactor(['p']));
    const refused = (await gone
      .send('n bridges.addChannel', restOperation(ADD_CHANNEL)!, { bridgeId: 'b', channel: 'c' }, 2000)
      .catch((e: unknown) => e)) as SwitchError;
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
