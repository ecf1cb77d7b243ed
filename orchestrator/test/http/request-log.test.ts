import { expect } from 'chai';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { requestLog } from '../../src/http/request-log.js';

describe('http request log', () => {
  it('logs a server error at error, a client error at info, and a probe at debug whatever it answers', async () => {
    const lines: Array<{ level: number; url: string; status: number }> = [];
    const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l) as { level: number; url: string; status: number }) });
    const app = express();
    app.use(requestLog(log));
    app.get('/readyz', (_req, res) => void res.status(503).json({ status: 'not_ready' }));
    app.get('/api/boom', (_req, res) => void res.status(500).json({}));
    app.get('/api/missing', (_req, res) => void res.status(404).json({}));
    app.get('/api/ok', (_req, res) => void res.json({}));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const path of ['/readyz', '/api/boom', '/api/missing', '/api/ok?token=s3cret']) await (await fetch(base + path)).arrayBuffer();
      await new Promise((r) => setImmediate(r));
    } finally {
      server.close();
    }
    expect(lines.map((l) => [l.url, l.status, l.level])).to.deep.equal([
      ['/readyz', 503, 20],
      ['/api/boom', 500, 50],
      ['/api/missing', 404, 30],
      ['/api/ok?token=[redacted]', 200, 20],
    ]);
  });
});
