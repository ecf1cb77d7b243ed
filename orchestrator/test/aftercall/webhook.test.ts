import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { postJson } from '../../src/aftercall/webhook.js';

describe('aftercall: webhook answers', () => {
  let server: Server;
  let url = '';
  let status = 200;
  let delayMs = 0;
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(status).end('why not'), delayMs));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('2xx is done; 5xx, 408 and 429 are worth another try; any other 4xx is the request’s own fault', async () => {
    const outcome = async (code: number) => {
      status = code;
      return postJson(url, { a: 1 }, { timeoutMs: 2000 });
    };
    expect(await outcome(204)).to.deep.equal({ ok: true });
    for (const code of [500, 503, 408, 429])
      expect(await outcome(code), String(code)).to.include({ ok: false, retry: true });
    for (const code of [400, 401, 404, 422])
      expect(await outcome(code), String(code)).to.include({ ok: false, retry: false });
    expect(await outcome(422)).to.deep.include({ error: 'HTTP 422: why not' });
  });

  it('a target that is not there, or too slow, is retried, never thrown', async () => {
    const closed = await postJson('http://127.0.0.1:1/none', {}, { timeoutMs: 2000 });
    expect(closed).to.include({ ok: false, retry: true });
    status = 200;
    delayMs = 300;
    const slow = await postJson(url, {}, { timeoutMs: 50 });
    expect(slow).to.deep.equal({ ok: false, retry: true, error: 'no answer within 50 ms' });
    delayMs = 0;
  });
});
