import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DecryptStream, Keyring } from '../../src/recording/crypto.js';
import { readAll } from '../../src/recording/jobs.js';
import { openStore } from '../../src/recording/storage/index.js';
import { UploadThread } from '../../src/recording/upload-thread.js';
import { httpError } from '../../src/telephony/ari-errors.js';
import { isSwitchError, type StoredRecordingLocation } from '../../src/telephony/port.js';
import { makeWav, sha256 } from './support.js';

describe('recording/upload-thread UploadThread', function () {
  this.timeout(20_000);
  const wav = makeWav(16_000);
  const keyring = new Keyring({ id: 'k1', key: randomBytes(32) });
  const hanging: ServerResponse[] = [];
  /** Downloads of `slow-*` being answered now, and the most there were at once. */
  const slow = { now: 0, most: 0 };
  let server: Server;
  let origin: string;
  let dir: string;
  let thread: UploadThread;

  before(async () => {
    server = createServer((req, res) => {
      if (req.headers.authorization !== 'Basic dGVzdA==') return void res.writeHead(401).end('{"message":"Unauthorized"}');
      if (req.url === '/ari/recordings/stored/ok/file') return void res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav);
      if (req.url?.startsWith('/ari/recordings/stored/slow-')) {
        slow.most = Math.max(slow.most, ++slow.now);
        setTimeout(() => {
          slow.now--;
          res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav);
        }, 100);
        return;
      }
      // Headers and half the file, then nothing: a node that stopped answering mid-download.
      if (req.url === '/ari/recordings/stored/stalls/file') {
        res.writeHead(200, { 'content-type': 'audio/wav' });
        res.write(wav.subarray(0, wav.length / 2));
        hanging.push(res);
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Recording not found"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ariadne-upload-thread-'));
    thread = new UploadThread({ storeUrl: `file:${dir}`, keyring, verify: true, logger: pino({ level: 'silent' }) });
  });
  afterEach(async () => {
    await thread.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const location = (name: string): StoredRecordingLocation => ({
    url: `${origin}/ari/recordings/stored/${name}/file`,
    authorization: 'Basic dGVzdA==',
    timeoutMs: 2000,
    failure: (status, body) => httpError(`GET ${name}`, status, body, (s) => s),
  });
  const job = (name: string) => ({ location: location(name), recordingId: `r-${name}`, format: 'wav', key: `recordings/t/${name}.wav.enc` });

  it('downloads, encrypts and stores the file, and reports what the object holds', async () => {
    const stored = await thread.store(job('ok'), new AbortController().signal);
    expect(stored).to.deep.include({ bytes: wav.length, sha256: sha256(wav), keyId: 'k1', unfinalized: false });
    expect(stored.durationSeconds).to.equal(2);
    const store = openStore(`file:${dir}`);
    const object = await store.get('recordings/t/ok.wav.enc');
    const plain = await readAll(object.pipe(new DecryptStream('in-stream', keyring, { plainBytes: wav.length })));
    expect(plain.equals(wav)).to.equal(true);
    expect((await store.head('recordings/t/ok.wav.enc'))?.metadata).to.include({ 'recording-id': 'r-ok', 'key-id': 'k1' });
  });

  it('a reply other than 200 is the switch error the location makes of it (a 404 stays a 404)', async () => {
    const err = await thread.store(job('gone'), new AbortController().signal).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isSwitchError(err, 'not_found')).to.equal(true);
    expect((err as { status?: number }).status).to.equal(404);
    expect((err as Error).message).to.match(/Recording not found/);
  });

  it('the job\'s abort stops a stalled download in the thread, and the thread takes the next upload', async () => {
    const aborter = new AbortController();
    const stalled = thread.store(job('stalls'), aborter.signal).then(
      () => null,
      (e: unknown) => e as Error,
    );
    await new Promise((r) => setTimeout(r, 300));
    aborter.abort();
    const err = await stalled;
    expect(err).to.be.instanceOf(Error);
    expect(err?.message).to.match(/abort/i);
    expect((await thread.store(job('ok'), new AbortController().signal)).sha256).to.equal(sha256(wav));
  });

  /** Nice values of this process's threads (Linux: field 19 of /proc/self/task/<tid>/stat). */
  const threadNiceValues = (): number[] =>
    readdirSync('/proc/self/task').flatMap((tid) => {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
      } catch {
        return []; // the thread ended while we listed them
      }
    });

  it('runs at the nice value it is given, from start() on (Linux)', async function () {
    if (process.platform !== 'linux') this.skip();
    await thread.close();
    thread = new UploadThread({ storeUrl: `file:${dir}`, keyring, verify: true, nice: 7, logger: pino({ level: 'silent' }) });
    expect(threadNiceValues()).to.not.include(7);
    thread.start();
    for (let i = 0; i < 100 && !threadNiceValues().includes(7); i++) await new Promise((r) => setTimeout(r, 50));
    expect(threadNiceValues()).to.include(7);
    expect(threadNiceValues().filter((n) => n === 7)).to.have.length(1);
  });

  it('downloads through a bounded number of connections, however many uploads it is given at once', async () => {
    await thread.close();
    thread = new UploadThread({ storeUrl: `file:${dir}`, keyring, verify: true, downloadConnections: 3, logger: pino({ level: 'silent' }) });
    const names = Array.from({ length: 8 }, (_, i) => `slow-${i}`);
    const stored = await Promise.all(names.map((n) => thread.store(job(n), new AbortController().signal)));
    expect(stored.map((s) => s.sha256)).to.deep.equal(names.map(() => sha256(wav)));
    expect(slow.most).to.equal(3);
  });

  it('closing fails the uploads in the thread (their jobs retry); the next upload starts a new thread', async () => {
    const stalled = thread.store(job('stalls'), new AbortController().signal).then(
      () => null,
      (e: unknown) => e as Error,
    );
    await new Promise((r) => setTimeout(r, 300));
    await thread.close();
    expect((await stalled)?.message).to.match(/stopped/);
    expect((await thread.store(job('ok'), new AbortController().signal)).bytes).to.equal(wav.length);
  });
});
