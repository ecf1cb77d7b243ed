import { expect } from 'chai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { logger } from '../../src/logger.js';
import { scheduleRetention } from '../../src/recording/retention.js';
import { createS3Store } from '../../src/recording/storage/index.js';
import { S3_ENV } from './support.js';

describe('retention schedule', () => {
  it('runs the sweep on its cron expression, never two at once, and stops', async () => {
    let runs = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const schedule = scheduleRetention(
      '* * * * * *', // every second (node-cron's optional seconds field)
      async () => {
        runs++;
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        await new Promise((r) => setTimeout(r, 1500)); // longer than the period
        concurrent--;
      },
      logger,
    );
    try {
      const end = Date.now() + 5000;
      while (runs < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(runs).to.be.greaterThan(0);
      await new Promise((r) => setTimeout(r, 1200));
      expect(maxConcurrent).to.equal(1);
    } finally {
      schedule.stop();
    }
  });
  it('refuses an invalid expression', () => {
    expect(() => scheduleRetention('every hour', async () => undefined, logger)).to.throw(/not a valid cron expression/);
  });
});

describe('S3 server-side encryption flag', () => {
  it('sends x-amz-server-side-encryption on puts when the URL asks for it, and not otherwise', async () => {
    // A bare local endpoint that records what the SDK sends (s3rver accepts but does not keep the header).
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers['x-amz-server-side-encryption'] as string | undefined);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { ETag: '"0"' });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const base = `s3://sse/p?endpoint=http://127.0.0.1:${port}&forcePathStyle=true`;
    const sealed = createS3Store(`${base}&sse=AES256`, S3_ENV);
    const plain = createS3Store(base, S3_ENV);
    try {
      expect(sealed.target).to.match(/sse=AES256/);
      await sealed.put('recordings/a.enc', Readable.from([Buffer.from('x')]));
      await plain.put('recordings/b.enc', Readable.from([Buffer.from('y')]));
      expect(seen).to.deep.equal(['AES256', undefined]);
    } finally {
      sealed.close();
      plain.close();
      server.close();
    }
  });
});
