import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import express from 'express';
import type { AuthUser } from '../../src/auth/types.js';
import {
  countJobsByState,
  createJobRunner,
  enqueue,
  enqueueJob,
  getJob,
  listDeadJobs,
  retryDeadJob,
} from '../../src/jobs/index.js';
import { encryptedSize } from '../../src/recording/crypto.js';
import { readAll } from '../../src/recording/jobs.js';
import { signLink } from '../../src/recording/links.js';
import {
  createRecordingPipeline,
  getRecording,
  insertRecording,
  type RecordingPipeline,
} from '../../src/recording/index.js';
import type { ObjectStore } from '../../src/recording/storage/index.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { FakeSource, makeWav, S3_ENV, sha256, startLocalS3, type LocalS3 } from './support.js';

const KEY_A = `key-a:${randomBytes(32).toString('base64')}`;
const KEY_B = `key-b:${randomBytes(32).toString('base64')}`;
const CHUNK = 4096;

async function list(store: ObjectStore, prefix = 'recordings/'): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out.sort();
}

const setups = [
  { name: 'filesystem store + SQLite', dialect: 'sqlite' as const, s3: false },
  { name: 'S3 store (s3rver) + MariaDB', dialect: 'mysql' as const, s3: true },
];

for (const setup of setups) {
  describe(`recording pipeline: ${setup.name}`, function () {
    this.timeout(30_000);
    let s3: LocalS3 | null = null;
    let t: TestDb;
    let dir: string;
    let source: FakeSource;
    let pipeline: RecordingPipeline;
    let primaryUrl: string;
    let replicaUrl: string;
    let queueId: number;
    let agentIds: number[];
    let userIds: Record<'admin' | 'supervisor' | 'agent', number>;
    const extra: RecordingPipeline[] = [];

    before(async () => {
      if (setup.s3) s3 = await startLocalS3(['primary', 'replica']);
    });
    after(async () => {
      await s3?.destroy();
    });

    const makePipeline = (opts: { masterKey?: string; oldKeys?: string[] } = {}): RecordingPipeline =>
      createRecordingPipeline({
        db: t.db,
        switchPort: source,
        config: {
          storage: {
            url: primaryUrl,
            replicaUrls: [replicaUrl],
            masterKey: opts.masterKey ?? KEY_A,
            oldKeys: opts.oldKeys ?? [],
            retentionDays: 30,
            uploadConcurrency: 4,
            uploadThread: true,
            uploadThreadNice: 10,
          },
          http: { port: 0, host: '127.0.0.1' },
          instanceId: `test-${randomUUID().slice(0, 8)}`,
        },
        env: S3_ENV,
        retentionCron: null,
        jobs: { pollMs: 20, backoff: { baseMs: 5, maxMs: 20 } },
        chunkBytes: CHUNK,
      });

    beforeEach(async () => {
      t = await createTestDb(setup.dialect);
      dir = mkdtempSync(join(tmpdir(), 'ariadne-rec-'));
      const run = randomUUID().slice(0, 8);
      primaryUrl = s3 ? s3.url('primary', run) : `file:${join(dir, 'primary')}`;
      replicaUrl = s3 ? s3.url('replica', run) : `file:${join(dir, 'replica')}`;
      source = new FakeSource();
      const [q] = await t
        .db('queues')
        .insert({ name: 'support', display_name: 'Support', retention_days: 7, overflow: '[]' });
      queueId = Number(q);
      agentIds = [];
      userIds = { admin: 0, supervisor: 0, agent: 0 };
      for (const role of ['admin', 'supervisor', 'agent'] as const) {
        const [u] = await t
          .db('users')
          .insert({ username: `${role}-user`, display_name: role, password_hash: 'x', role });
        userIds[role] = Number(u);
      }
      for (const n of [1, 2]) {
        const [a] = await t.db('agents').insert({ name: `Agent ${n}`, endpoint: `PJSIP/200${n}` });
        agentIds.push(Number(a));
      }
      pipeline = makePipeline();
    });
    afterEach(async () => {
      for (const p of extra.splice(0)) await p.stop();
      await pipeline?.stop();
      await t?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    async function newCallRecording(
      wav: Buffer | null,
      opts: { agent?: number; queue?: boolean; startedAt?: Date } = {},
    ): Promise<{ id: string; callId: string; name: string }> {
      const callId = randomUUID();
      await t
        .db('calls')
        .insert({
          id: callId,
          node: 'asterisk-1',
          channel_id: `ch-${callId}`,
          owner: 'test',
          state: 'ended',
          caller_raw: '1001',
          did: '100',
          arrived_at: new Date(),
        });
      const id = await insertRecording(t.db, {
        callId,
        name: callId,
        node: 'asterisk-1',
        queueId: opts.queue === false ? null : queueId,
        agentId: opts.agent ?? agentIds[0],
        startedAt: opts.startedAt ?? new Date('2026-11-23T10:00:00Z'),
      });
      if (wav) source.files.set(callId, wav);
      return { id, callId, name: callId };
    }

    /** Runs due jobs until none is left, waiting out short backoffs. */
    async function settle(rounds = 50): Promise<void> {
      for (let i = 0; i < rounds; i++) {
        await pipeline.runner.drain();
        const c = await countJobsByState(t.db);
        if (c.pending === 0 && c.running === 0) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('jobs did not settle');
    }

    async function uploadJob(recordingId: string) {
      const row = (await t
        .db('jobs')
        .where('type', 'recording.upload')
        .where('idempotency_key', `recording.upload:${recordingId}`)
        .first('id')) as { id: number };
      return getJob(t.db, Number(row.id));
    }

    it('uploads: encrypted object under a deterministic key, row filled in, replica copied, Asterisk file deleted', async () => {
      const wav = makeWav(30_000);
      const r = await newCallRecording(wav);
      await pipeline.onRecordingStored(r.id, undefined, { endedAt: new Date('2026-11-23T10:05:00Z') });
      await settle();

      const rec = await getRecording(t.db, r.id);
      const key = `recordings/2026/11/23/${r.callId}/${r.id}.wav.enc`;
      expect(rec?.state).to.equal('uploaded');
      expect(rec?.storageKey).to.equal(key);
      expect(rec?.bytes).to.equal(wav.length);
      expect(rec?.sha256).to.equal(sha256(wav));
      expect(rec?.keyId).to.equal('key-a');
      expect(rec?.durationS).to.equal(3.75);
      expect(rec?.storageTarget).to.equal(pipeline.primary.target);
      expect(rec?.retainUntil?.toISOString()).to.equal('2026-11-30T10:05:00.000Z'); // the queue keeps 7 days

      const stored = await readAll(await pipeline.primary.get(key));
      expect(stored.length).to.equal(encryptedSize(wav.length, 'key-a', CHUNK));
      expect(stored.includes(wav.subarray(2000, 2032)), 'no plaintext audio in the object').to.equal(false);
      expect(await list(pipeline.primary)).to.deep.equal([key]);

      const replica = pipeline.replicas[0] as ObjectStore;
      expect((await readAll(await replica.get(key))).equals(stored)).to.equal(true);
      const rows = await t
        .db('recording_replicas')
        .where('recording_id', r.id)
        .select('target', 'state', 'storage_key');
      expect(rows).to.deep.equal([{ target: replica.target, state: 'stored', storage_key: key }]);

      // The upload job deletes the node's file itself: upload and replica, no third job.
      expect(source.deleted).to.deep.equal([r.name]);
      expect(await countJobsByState(t.db)).to.deep.equal({ pending: 0, running: 0, done: 2, dead: 0 });

      // A second "stored" notice changes nothing: no new job, no second download.
      await pipeline.onRecordingStored(r.id);
      await settle();
      expect(source.fetches).to.equal(1);
    });

    it('a node that refuses the deletion keeps its file until recording.delete_source gets it; a re-run upload finishes it too', async () => {
      const wav = makeWav(5_000);
      const r = await newCallRecording(wav);
      source.failDeletes = 2; // the upload job's own try, then the first try of the job it hands over to
      await pipeline.onRecordingStored(r.id);
      await settle();
      expect((await getRecording(t.db, r.id))?.state).to.equal('uploaded');
      expect(source.deleted).to.deep.equal([r.name]);
      const handedOver = (await t.db('jobs').where('type', 'recording.delete_source').select('state', 'attempts')) as {
        state: string;
        attempts: number;
      }[];
      expect(handedOver.map((j) => [j.state, Number(j.attempts)])).to.deep.equal([['done', 2]]);

      // An upload job run again on an uploaded row (its worker died after storing, before deleting) deletes the file.
      source.files.set(r.name, wav);
      await enqueue(t.db, 'recording.upload', { recordingId: r.id }, { idempotencyKey: `rerun:${r.id}` });
      await settle();
      expect(source.deleted).to.deep.equal([r.name, r.name]);
      expect(source.fetches, 'nothing downloaded again').to.equal(1);
    });

    it('a recording without a queue is kept for the configured default', async () => {
      const r = await newCallRecording(makeWav(100), { queue: false });
      await pipeline.onRecordingStored(r.id, undefined, { endedAt: new Date('2026-11-23T10:00:00Z') });
      await settle();
      expect((await getRecording(t.db, r.id))?.retainUntil?.toISOString()).to.equal('2026-12-23T10:00:00.000Z');
    });

    it('an upload queued with the recording as the call flow closed it reads nothing back on its first attempt; a retry reads the row', async () => {
      const endedAt = new Date('2026-11-23T10:05:00Z');
      // The payload says 3 days, the row's queue 7: which one the upload used shows whether it read the row.
      const queueClosed = async (r: { id: string; callId: string; name: string }): Promise<void> => {
        await t.db('recordings').where('id', r.id).update({ state: 'stored', ended_at: endedAt, duration_s: 300 });
        const closed = {
          callId: r.callId,
          name: r.name,
          node: 'asterisk-1',
          format: 'wav',
          startedAt: new Date('2026-11-23T10:00:00Z'),
          endedAt,
          durationS: 300,
          retentionDays: 3,
          transcribe: false,
        };
        const upload = pipeline.queueUploadWith(r.id, closed);
        await t.db.transaction(async (trx) => {
          for (const statement of upload.statements) await statement(trx);
        });
        upload.committed();
      };
      const first = await newCallRecording(makeWav(5_000));
      await queueClosed(first);
      await settle();
      expect(await getRecording(t.db, first.id)).to.deep.include({
        state: 'uploaded',
        retainUntil: new Date('2026-11-26T10:05:00Z'),
      });
      expect(source.deleted).to.deep.equal([first.name]);

      const retried = await newCallRecording(makeWav(5_000));
      source.faults.push('unavailable');
      await queueClosed(retried);
      await settle();
      expect(await getRecording(t.db, retried.id)).to.deep.include({
        state: 'uploaded',
        retainUntil: new Date('2026-11-30T10:05:00Z'),
      });
      expect((await uploadJob(retried.id))?.attempts).to.equal(2);
    });

    it('drill: storage down during upload → retried, then stored once; the Asterisk file is kept meanwhile', async () => {
      const wav = makeWav(200_000); // larger than the stream buffers, so an unreleased download would show
      const r = await newCallRecording(wav);
      const blocker = join(dir, 'primary');
      if (s3) await s3.stop();
      else writeFileSync(blocker, 'not a directory'); // the store's root cannot be created
      await pipeline.onRecordingStored(r.id);
      await pipeline.runner.drain(1);
      const failed = await uploadJob(r.id);
      expect(failed?.state).to.equal('pending');
      expect(failed?.attempts).to.equal(1);
      expect(failed?.lastError, String(failed?.lastError)).to.match(/StorageError/);
      expect((await getRecording(t.db, r.id))?.state).to.equal('stored');
      expect(source.deleted).to.deep.equal([]);
      expect(source.openStreams(), 'the failed attempt released its download').to.equal(0);

      if (s3) await s3.restart();
      else rmSync(blocker);
      await settle();
      const rec = await getRecording(t.db, r.id);
      expect(rec?.state).to.equal('uploaded');
      expect(rec?.sha256).to.equal(sha256(wav));
      expect((await uploadJob(r.id))?.attempts).to.equal(2);
      expect(await list(pipeline.primary)).to.deep.equal([rec?.storageKey]);
      expect(source.deleted).to.deep.equal([r.name]);
    });

    it('drill: truncated, padded, reset and unreachable downloads fail their attempt and are retried; nothing partial is stored', async () => {
      const wav = makeWav(25_000);
      const r = await newCallRecording(wav);
      source.faults.push('truncate', 'pad', 'error-mid', 'unavailable', 'unknown-node');
      await pipeline.onRecordingStored(r.id);
      const errors: string[] = [];
      for (let i = 0; i < 5; i++) {
        await pipeline.runner.drain(1);
        const j = await uploadJob(r.id);
        errors.push(String(j?.lastError));
        expect(await list(pipeline.primary), `after failure ${i + 1}`).to.deep.equal([]);
        await new Promise((res) => setTimeout(res, 25));
      }
      expect(errors[0]).to.match(/truncated/);
      expect(errors[1]).to.match(/corrupt/);
      expect(errors[2]).to.match(/socket hang up/);
      expect(errors[3]).to.match(/SwitchError \[unavailable\]/);
      expect(errors[4]).to.match(/not known on any node/); // not Asterisk's 404: retried, not "missing"
      await settle();
      const rec = await getRecording(t.db, r.id);
      expect(rec?.state).to.equal('uploaded');
      expect(rec?.sha256).to.equal(sha256(wav));
      expect((await uploadJob(r.id))?.attempts).to.equal(6);
      expect(source.fetches).to.equal(6);
    });

    it('drill: a store that keeps a damaged or overlong copy fails the read-back; the row waits for a good copy', async () => {
      const wav = makeWav(25_000);
      const r = await newCallRecording(wav);
      const store = pipeline.primary as { put: ObjectStore['put'] };
      const put = store.put.bind(store);
      const damage: ((b: Buffer) => Buffer)[] = [
        (b) => Buffer.concat([b.subarray(0, 500), Buffer.from([b[500]! ^ 1]), b.subarray(501)]),
        (b) => Buffer.concat([b, Buffer.from([0])]),
      ];
      store.put = async (key, body, options) => {
        const bytes = await readAll(body);
        const harm = damage.shift();
        return put(key, Readable.from([harm ? harm(bytes) : bytes]), options);
      };
      await pipeline.onRecordingStored(r.id);
      const errors: string[] = [];
      for (let i = 0; i < 2; i++) {
        await pipeline.runner.drain(1);
        errors.push(String((await uploadJob(r.id))?.lastError));
        expect((await getRecording(t.db, r.id))?.state, `after damaged copy ${i + 1}`).to.equal('stored');
        expect(source.deleted).to.deep.equal([]);
        await new Promise((res) => setTimeout(res, 25));
      }
      expect(errors[0]).to.match(/failed authentication/);
      expect(errors[1]).to.match(/failed authentication|bytes, expected/);
      await settle();
      const rec = await getRecording(t.db, r.id);
      expect(rec?.state).to.equal('uploaded');
      expect(rec?.sha256).to.equal(sha256(wav));
      expect(source.deleted).to.deep.equal([r.name]);
    });

    it('drill: a file Asterisk does not have is marked missing and audited, not retried', async () => {
      const r = await newCallRecording(null);
      await pipeline.onRecordingStored(r.id);
      await settle();
      const rec = await getRecording(t.db, r.id);
      expect(rec?.state).to.equal('missing');
      expect(rec?.error).to.match(/no stored recording named/);
      const job = await uploadJob(r.id);
      expect([job?.state, job?.attempts]).to.deep.equal(['done', 1]);
      expect(source.fetches).to.equal(1);
      const audit = await t.db('audit_log').where({ action: 'recording.missing', target_id: r.id }).count({ n: 'id' });
      expect(Number((audit[0] as { n: number }).n)).to.equal(1);
      expect(await countJobsByState(t.db)).to.deep.equal({ pending: 0, running: 0, done: 1, dead: 0 });
    });

    it('drill: dead-letters after N attempts; an admin retry then uploads', async () => {
      const wav = makeWav(1000);
      const r = await newCallRecording(wav);
      source.faults.push('unavailable', 'unavailable', 'unavailable');
      const { id } = await enqueueJob(t.db, pipeline.jobs.upload, { recordingId: r.id }, { maxAttempts: 3 });
      await settle();
      const dead = await listDeadJobs(t.db);
      expect(dead.items.map((j) => [j.id, j.attempts])).to.deep.equal([[id, 3]]);
      expect((await getRecording(t.db, r.id))?.state).to.equal('recording');
      expect(await retryDeadJob(t.db, id)).to.equal(true);
      await settle();
      expect((await getRecording(t.db, r.id))?.state).to.equal('uploaded');
    });

    it('drill: worker killed mid-upload → its expired lease is reclaimed; exactly one object, one result', async () => {
      const wav = makeWav(40_000);
      const r = await newCallRecording(wav);
      source.faults.push('stall');
      await pipeline.onRecordingStored(r.id);
      // Worker A: claims and stalls mid-download (long lease so it never renews during the test).
      const a = createJobRunner({ db: t.db, instanceId: 'worker-a', leaseMs: 600_000 });
      pipeline.jobs.registerOn(a);
      const aRun = a.drain(1);
      const deadline = Date.now() + 5000;
      while (source.fetches < 1 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
      expect(source.fetches).to.equal(1);
      // A "dies": its lease runs out. Worker B (the pipeline's runner) takes the job over and finishes it.
      await t
        .db('jobs')
        .where('type', 'recording.upload')
        .update({ locked_until: new Date(Date.now() - 1000) });
      await settle();
      const rec = await getRecording(t.db, r.id);
      expect(rec?.state).to.equal('uploaded');
      // A wakes up and completes its own put (same key) but can no longer commit anything.
      source.release();
      await aRun;
      await settle();
      expect(await list(pipeline.primary)).to.deep.equal([rec?.storageKey]);
      const job = await uploadJob(r.id);
      expect([job?.state, job?.attempts]).to.deep.equal(['done', 2]);
      expect(source.deleted).to.deep.equal([r.name]);
      expect(await t.db('jobs').where('type', 'recording.delete_source').count({ n: 'id' })).to.deep.equal([{ n: 0 }]);
      // Whichever put landed last, the object decrypts to the original audio.
      const app = express();
      app.use((_req, res, next) => {
        res.locals.user = {
          id: userIds.admin,
          username: 'admin',
          displayName: 'A',
          role: 'admin',
          agentId: null,
        } satisfies AuthUser;
        next();
      });
      app.use('/api/recordings', pipeline.routes);
      const server = app.listen(0, '127.0.0.1');
      await new Promise((res) => server.once('listening', res));
      try {
        const res = await fetch(
          `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/recordings/${r.id}/audio`,
        );
        expect(sha256(Buffer.from(await res.arrayBuffer()))).to.equal(sha256(wav));
      } finally {
        server.close();
      }
    });

    it('retention: past retain_until → every copy deleted, row marked deleted, audited; once', async () => {
      const r = await newCallRecording(makeWav(5000));
      await pipeline.onRecordingStored(r.id);
      await settle();
      const key = (await getRecording(t.db, r.id))?.storageKey as string;
      // Recorded now, so its retention (7 days) is still ahead whatever day the test runs.
      const keep = await newCallRecording(makeWav(100), { startedAt: new Date() });
      await pipeline.onRecordingStored(keep.id);
      await settle();
      await t
        .db('recordings')
        .where('id', r.id)
        .update({ retain_until: new Date(Date.now() - 60_000) });

      expect((await pipeline.sweepRetention()).queued).to.equal(1);
      expect((await pipeline.sweepRetention()).queued).to.equal(0); // a second orchestrator's sweep adds nothing
      await settle();
      const rec = await getRecording(t.db, r.id);
      expect(rec?.state).to.equal('deleted');
      expect(rec?.deletedAt).to.be.instanceOf(Date);
      expect(await pipeline.primary.head(key)).to.equal(null);
      expect(await (pipeline.replicas[0] as ObjectStore).head(key)).to.equal(null);
      expect(await t.db('recording_replicas').where('recording_id', r.id).pluck('state')).to.deep.equal(['deleted']);
      const audit = (await t
        .db('audit_log')
        .where({ action: 'recording.deleted', target_id: r.id })
        .select('details')) as { details: string }[];
      expect(audit.length).to.equal(1);
      expect(JSON.parse(audit[0]?.details ?? '{}').reason).to.equal('retention');
      expect((await getRecording(t.db, keep.id))?.state).to.equal('uploaded');
      expect((await list(pipeline.primary)).length).to.equal(1);
    });

    it('a recording left "stored" without an upload job (crash before the notice) is picked up by the sweep', async () => {
      const wav = makeWav(2000);
      const r = await newCallRecording(wav);
      const fresh = await newCallRecording(makeWav(100));
      await t
        .db('recordings')
        .where('id', r.id)
        .update({ state: 'stored', ended_at: new Date(Date.now() - 5 * 60_000) });
      await t.db('recordings').where('id', fresh.id).update({ state: 'stored', ended_at: new Date() }); // its notice is still on the way
      const first = await pipeline.sweepRetention();
      expect(first.requeuedUploads).to.equal(1);
      expect((await pipeline.sweepRetention()).requeuedUploads).to.equal(0);
      await settle();
      expect((await getRecording(t.db, r.id))?.sha256).to.equal(sha256(wav));
      expect((await getRecording(t.db, fresh.id))?.state).to.equal('stored');
    });

    describe('playback', () => {
      let server: Server;
      let base: string;
      let wav: Buffer;
      let own: string;
      let other: string;
      let app: express.Express;
      const users: Record<string, AuthUser> = {};

      beforeEach(async () => {
        users.admin = { id: userIds.admin, username: 'admin', displayName: 'Admin', role: 'admin', agentId: null };
        users.supervisor = {
          id: userIds.supervisor,
          username: 'sup',
          displayName: 'Sup',
          role: 'supervisor',
          agentId: null,
          queueIds: [queueId],
        };
        users.otherSupervisor = { ...users.supervisor, queueIds: [] };
        users.agent = {
          id: userIds.agent,
          username: 'agent1',
          displayName: 'Agent 1',
          role: 'agent',
          agentId: agentIds[0] as number,
        };
        wav = makeWav(50_000); // 100,044 bytes: many 4 KiB chunks
        own = (await newCallRecording(wav, { agent: agentIds[0] })).id;
        other = (await newCallRecording(makeWav(1000), { agent: agentIds[1] })).id;
        await pipeline.onRecordingStored(own);
        await pipeline.onRecordingStored(other);
        await settle();
        app = express();
        app.use((req, res, next) => {
          const who = req.headers['x-test-user'];
          if (typeof who === 'string' && users[who]) res.locals.user = users[who];
          next();
        });
        app.use('/api/recordings', pipeline.routes);
        app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
          res.status(500).json({ error: { code: 'internal', message: err.message } });
        });
        server = app.listen(0, '127.0.0.1');
        await new Promise((res) => server.once('listening', res));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/recordings`;
      });
      afterEach(() => {
        server.close();
      });

      const get = (id: string, user?: string, range?: string) =>
        fetch(`${base}/${id}/audio`, {
          headers: { ...(user ? { 'x-test-user': user } : {}), ...(range ? { range } : {}) },
        });

      it('streams the whole file to an admin, and ranges: first bytes, middle, suffix, 416', async () => {
        const full = await get(own, 'admin');
        expect(full.status).to.equal(200);
        expect(full.headers.get('content-type')).to.equal('audio/wav');
        expect(full.headers.get('accept-ranges')).to.equal('bytes');
        expect(Buffer.from(await full.arrayBuffer()).equals(wav)).to.equal(true);

        const first = await get(own, 'admin', 'bytes=0-43');
        expect(first.status).to.equal(206);
        expect(first.headers.get('content-range')).to.equal(`bytes 0-43/${wav.length}`);
        expect(Buffer.from(await first.arrayBuffer()).equals(wav.subarray(0, 44))).to.equal(true);

        const mid = await get(own, 'admin', 'bytes=4090-12300'); // spans chunk boundaries
        expect(mid.status).to.equal(206);
        expect(mid.headers.get('content-length')).to.equal(String(12300 - 4090 + 1));
        expect(Buffer.from(await mid.arrayBuffer()).equals(wav.subarray(4090, 12301))).to.equal(true);

        const suffix = await get(own, 'admin', 'bytes=-500');
        expect(suffix.status).to.equal(206);
        expect(suffix.headers.get('content-range')).to.equal(
          `bytes ${wav.length - 500}-${wav.length - 1}/${wav.length}`,
        );
        expect(Buffer.from(await suffix.arrayBuffer()).equals(wav.subarray(wav.length - 500))).to.equal(true);

        expect(first.headers.get('etag')).to.equal(`"${sha256(wav)}"`);
        const sameFile = await fetch(`${base}/${own}/audio`, {
          headers: { 'x-test-user': 'admin', range: 'bytes=0-9', 'if-range': `"${sha256(wav)}"` },
        });
        expect(sameFile.status).to.equal(206);
        await sameFile.arrayBuffer();
        const otherFile = await fetch(`${base}/${own}/audio`, {
          headers: { 'x-test-user': 'admin', range: 'bytes=0-9', 'if-range': '"something-else"' },
        });
        expect(otherFile.status).to.equal(200);
        expect((await otherFile.arrayBuffer()).byteLength).to.equal(wav.length);

        const bad = await get(own, 'admin', `bytes=${wav.length}-`);
        expect(bad.status).to.equal(416);
        expect(bad.headers.get('content-range')).to.equal(`bytes */${wav.length}`);
      });

      it('plays from a replica when the primary copy is gone', async () => {
        const key = (await getRecording(t.db, own))?.storageKey as string;
        await pipeline.primary.delete(key);
        const res = await get(own, 'admin', 'bytes=100-199');
        expect(res.status).to.equal(206);
        expect(Buffer.from(await res.arrayBuffer()).equals(wav.subarray(100, 200))).to.equal(true);
        await (pipeline.replicas[0] as ObjectStore).delete(key);
        expect((await get(own, 'admin')).status).to.equal(503);
      });

      it('authorisation: supervisor yes, agent own yes, agent other no, nobody 401; every play audited', async () => {
        expect((await get(own, 'supervisor')).status).to.equal(200);
        // A supervisor of other queues does not hear this queue's calls.
        expect((await get(own, 'otherSupervisor')).status).to.equal(403);
        expect((await get(own, 'agent')).status).to.equal(200);
        expect((await get(other, 'agent')).status).to.equal(403);
        expect((await get(own)).status).to.equal(401);
        expect((await get('no-such-recording', 'admin')).status).to.equal(404);
        const plays = (await t
          .db('audit_log')
          .where('action', 'recording.play')
          .orderBy('id')
          .select('actor', 'target_id')) as { actor: string; target_id: string }[];
        expect(plays).to.deep.equal([
          { actor: 'sup', target_id: own },
          { actor: 'agent1', target_id: own },
        ]);
      });

      it('signed links: created for an allowed user, usable without a session; expired or tampered → 401', async () => {
        const denied = await fetch(`${base}/${other}/link`, { method: 'POST', headers: { 'x-test-user': 'agent' } });
        expect(denied.status).to.equal(403);
        expect((await fetch(`${base}/${own}/link`, { method: 'POST' })).status).to.equal(401);
        const badTtl = await fetch(`${base}/${own}/link`, {
          method: 'POST',
          headers: { 'x-test-user': 'agent', 'content-type': 'application/json' },
          body: JSON.stringify({ ttlSeconds: 999_999 }),
        });
        expect(badTtl.status).to.equal(400);

        const made = await fetch(`${base}/${own}/link`, {
          method: 'POST',
          headers: { 'x-test-user': 'agent', 'content-type': 'application/json' },
          body: JSON.stringify({ ttlSeconds: 60 }),
        });
        expect(made.status).to.equal(201);
        const { url, expiresAt } = (await made.json()) as { url: string; expiresAt: string };
        expect(url).to.match(new RegExp(`^/api/recordings/${own}/audio\\?exp=\\d+&sig=[A-Za-z0-9_-]{43}$`));
        expect(Date.parse(expiresAt) - Date.now()).to.be.within(50_000, 61_000);
        const origin = base.replace('/api/recordings', '');
        const ok = await fetch(`${origin}${url}`, { headers: { range: 'bytes=0-3' } });
        expect(ok.status).to.equal(206);
        expect(Buffer.from(await ok.arrayBuffer()).toString('ascii')).to.equal('RIFF');

        const u = new URL(`${origin}${url}`);
        const sig = u.searchParams.get('sig') as string;
        const exp = Number(u.searchParams.get('exp'));
        const tamperedSig = await fetch(
          `${base}/${own}/audio?exp=${exp}&sig=${(sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)}`,
        );
        expect(tamperedSig.status).to.equal(401);
        const tamperedExp = await fetch(`${base}/${own}/audio?exp=${exp + 3600}&sig=${sig}`);
        expect(tamperedExp.status).to.equal(401);
        const otherId = await fetch(`${base}/${other}/audio?exp=${exp}&sig=${sig}`);
        expect(otherId.status).to.equal(401);
        const pastExp = Math.floor(Date.now() / 1000) - 5;
        const expired = await fetch(
          `${base}/${own}/audio?exp=${pastExp}&sig=${signLink(pipeline.keyring.derive('recording-links'), own, pastExp)}`,
        );
        expect(expired.status).to.equal(401);
        expect(((await expired.json()) as { error: { message: string } }).error.message).to.match(/expired/);

        const linkPlays = await t
          .db('audit_log')
          .where({ action: 'recording.play', actor: 'signed-link' })
          .count({ n: 'id' });
        expect(Number((linkPlays[0] as { n: number }).n)).to.equal(1);
      });

      it('key rotation: after switching to a new master key, old recordings still play and new ones use the new key', async () => {
        const rotated = makePipeline({ masterKey: KEY_B, oldKeys: [KEY_A] });
        extra.push(rotated);
        const fresh = await newCallRecording(makeWav(3000));
        await pipeline.stop(); // only the rotated orchestrator works from here on
        await rotated.onRecordingStored(fresh.id);
        for (let i = 0; i < 20 && (await countJobsByState(t.db)).pending > 0; i++) await rotated.runner.drain();
        expect((await getRecording(t.db, fresh.id))?.keyId).to.equal('key-b');
        const app2 = express();
        app2.use((_req, res, next) => {
          res.locals.user = users.admin;
          next();
        });
        app2.use('/api/recordings', rotated.routes);
        const s2 = app2.listen(0, '127.0.0.1');
        await new Promise((res) => s2.once('listening', res));
        try {
          const b2 = `http://127.0.0.1:${(s2.address() as AddressInfo).port}/api/recordings`;
          const old = await fetch(`${b2}/${own}/audio`);
          expect(Buffer.from(await old.arrayBuffer()).equals(wav)).to.equal(true);
          expect((await fetch(`${b2}/${fresh.id}/audio`)).status).to.equal(200);
        } finally {
          s2.close();
        }
        // Without the old key the old recording cannot be opened: a 503, never garbage.
        const forgetful = makePipeline({ masterKey: KEY_B });
        extra.push(forgetful);
        const app3 = express();
        app3.use((_req, res, next) => {
          res.locals.user = users.admin;
          next();
        });
        app3.use('/api/recordings', forgetful.routes);
        const s3srv = app3.listen(0, '127.0.0.1');
        await new Promise((res) => s3srv.once('listening', res));
        try {
          const res = await fetch(
            `http://127.0.0.1:${(s3srv.address() as AddressInfo).port}/api/recordings/${own}/audio`,
          );
          expect(res.status).to.equal(503);
        } finally {
          s3srv.close();
        }
      });
    });
  });
}
