import { expect } from 'chai';
import { z } from 'zod';
import {
  backoffDelay,
  countJobsByState,
  createJobRunner,
  defineJob,
  enqueue,
  enqueueJob,
  enqueueJobStatement,
  getJob,
  listDeadJobs,
  PermanentJobError,
  purgeDoneJobs,
  retryDeadJob,
  type JobContext,
  type JobRunner,
} from '../../src/jobs/index.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';

const FAST = { baseMs: 5, maxMs: 20 };

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('job backoff', () => {
  it('doubles per attempt, stays under the ceiling, and jitters within [d/2, d]', () => {
    const b = { baseMs: 1000, maxMs: 10_000 };
    expect(backoffDelay(1, b, () => 1)).to.equal(1000);
    expect(backoffDelay(1, b, () => 0)).to.equal(500);
    expect(backoffDelay(3, b, () => 1)).to.equal(4000);
    expect(backoffDelay(30, b, () => 1)).to.equal(10_000);
    expect(backoffDelay(30, b, () => 0)).to.equal(5000);
  });
});

for (const dialect of DIALECTS) {
  describe(`job outbox on ${dialect}`, function () {
    let t: TestDb;
    const runners: JobRunner[] = [];
    const newRunner = (opts: Partial<Parameters<typeof createJobRunner>[0]> = {}): JobRunner => {
      const r = createJobRunner({ db: t.db, instanceId: `test-${runners.length}`, pollMs: 20, leaseMs: 5000, defaultBackoff: FAST, ...opts });
      runners.push(r);
      return r;
    };

    beforeEach(async () => {
      t = await createTestDb(dialect);
    });
    afterEach(async () => {
      for (const r of runners.splice(0)) await r.stop({ graceMs: 100 });
      await t.drop();
    });

    it('enqueue inside a rolled-back transaction stores nothing; a committed one runs once', async () => {
      const seen: number[] = [];
      const def = defineJob({ type: 'test.echo', schema: z.object({ n: z.number() }), handler: async (p) => void seen.push(p.n) });
      await t.db
        .transaction(async (trx) => {
          await enqueueJob(trx, def, { n: 1 });
          throw new Error('rollback');
        })
        .catch(() => undefined);
      await t.db.transaction(async (trx) => {
        await enqueueJob(trx, def, { n: 2 });
      });
      const r = newRunner();
      r.register(def);
      expect(await r.drain()).to.equal(1);
      expect(seen).to.deep.equal([2]);
      expect(await countJobsByState(t.db)).to.deep.equal({ pending: 0, running: 0, done: 1, dead: 0 });
    });

    it('refuses a payload that does not match the schema at enqueue', async () => {
      const def = defineJob({ type: 'test.typed', schema: z.object({ id: z.string().min(1) }), handler: async () => undefined });
      let msg = '';
      try {
        await enqueueJob(t.db, def, { id: '' });
      } catch (err) {
        msg = (err as Error).message;
      }
      expect(msg).to.match(/test\.typed: invalid payload: id/);
      expect((await countJobsByState(t.db)).pending).to.equal(0);
    });

    it('an idempotency key yields one job however often it is enqueued', async () => {
      const a = await enqueue(t.db, 'test.once', { x: 1 }, { idempotencyKey: 'k1' });
      const b = await t.db.transaction((trx) => enqueue(trx, 'test.once', { x: 2 }, { idempotencyKey: 'k1' }));
      expect(a.created).to.equal(true);
      expect(b).to.deep.equal({ id: a.id, created: false });
      expect((await countJobsByState(t.db)).pending).to.equal(1);
      expect((await getJob(t.db, a.id))?.payload).to.deep.equal({ x: 1 });
    });

    it('a keyed job as a statement of someone else\'s transaction: stored once, a second insert leaves the first', async () => {
      const def = defineJob({ type: 'test.keyed', schema: z.object({ n: z.number() }), handler: async () => undefined });
      // Checked when the statement is made, before anything reaches the commit.
      expect(() => enqueueJobStatement(def, { n: 1 }, { idempotencyKey: '' })).to.throw(/idempotency key must be 1\.\.191/);
      await t.db.transaction(async (trx) => {
        await enqueueJobStatement(def, { n: 1 }, { idempotencyKey: 'k2' })(trx);
        // The same key again in the same commit (a recording reported stored twice) neither fails nor duplicates.
        await enqueueJobStatement(def, { n: 2 }, { idempotencyKey: 'k2' })(trx);
      });
      const rows = (await t.db('jobs').where({ idempotency_key: 'k2' }).select('payload', 'state')) as { payload: string }[];
      expect(rows).to.have.length(1);
      expect(JSON.parse(rows[0]!.payload)).to.deep.equal({ n: 1 });
    });

    it('a local enqueue wakes an idle runner well before its poll interval', async () => {
      let ran = false;
      const r = newRunner({ pollMs: 60_000 });
      r.register(defineJob({ type: 'test.wake', schema: z.object({}), handler: async () => void (ran = true) }));
      r.start();
      await new Promise((res) => setTimeout(res, 50)); // let the first (empty) poll happen
      await t.db.transaction((trx) => enqueue(trx, 'test.wake', {}));
      await until('the job to run', () => ran, 3000);
    });

    it('retries with backoff, then succeeds; last_error keeps the failure', async () => {
      let calls = 0;
      const r = newRunner();
      r.register(
        defineJob({
          type: 'test.flaky',
          schema: z.object({}),
          handler: async () => {
            calls++;
            if (calls < 3) throw new Error(`boom ${calls}`);
          },
        }),
      );
      const { id } = await enqueue(t.db, 'test.flaky', {});
      r.start();
      await until('done', async () => (await getJob(t.db, id))?.state === 'done');
      const job = await getJob(t.db, id);
      expect(calls).to.equal(3);
      expect(job?.attempts).to.equal(3);
      expect(job?.lastError).to.match(/boom 2/);
    });

    it('dead-letters after maxAttempts; listed, counted, retried by an admin', async () => {
      let fail = true;
      let calls = 0;
      const r = newRunner();
      r.register(
        defineJob({
          type: 'test.doomed',
          schema: z.object({}),
          handler: async () => {
            calls++;
            if (fail) throw new Error('always');
          },
        }),
      );
      const { id } = await enqueue(t.db, 'test.doomed', {}, { maxAttempts: 3 });
      await enqueue(t.db, 'test.other', {}); // another type, no handler here: never claimed
      r.start();
      await until('dead', async () => (await getJob(t.db, id))?.state === 'dead');
      await new Promise((res) => setTimeout(res, 100));
      expect(calls).to.equal(3);
      const dead = await listDeadJobs(t.db, { limit: 10 });
      expect(dead.total).to.equal(1);
      expect(dead.items[0]?.id).to.equal(id);
      expect(dead.items[0]?.lastError).to.match(/always/);
      expect(await countJobsByState(t.db)).to.deep.equal({ pending: 1, running: 0, done: 0, dead: 1 });

      fail = false;
      expect(await retryDeadJob(t.db, id)).to.equal(true);
      expect(await retryDeadJob(t.db, id)).to.equal(false); // no longer dead
      await until('done after retry', async () => (await getJob(t.db, id))?.state === 'done');
      expect(calls).to.equal(4);
    });

    it('a permanent error or an invalid stored payload dead-letters at once', async () => {
      let calls = 0;
      const r = newRunner();
      r.register(
        defineJob({
          type: 'test.perm',
          schema: z.object({ ok: z.boolean() }),
          handler: async () => {
            calls++;
            throw new PermanentJobError('no such row');
          },
        }),
      );
      const a = await enqueue(t.db, 'test.perm', { ok: true });
      const b = await enqueue(t.db, 'test.perm', { ok: 'nope' });
      await r.drain();
      expect(calls).to.equal(1);
      const ja = await getJob(t.db, a.id);
      const jb = await getJob(t.db, b.id);
      expect([ja?.state, ja?.attempts, ja?.lastError]).to.deep.equal(['dead', 1, 'PermanentJobError: no such row']);
      expect(jb?.state).to.equal('dead');
      expect(jb?.lastError).to.match(/invalid payload/);
    });

    it('looks for lapsed leases once per interval, not on every claim', async () => {
      const r = newRunner({ leaseMs: 60_000 });
      r.register(defineJob({ type: 'test.lapsed', schema: z.object({ n: z.number() }), handler: async () => undefined }));
      const lapsedLookups: string[] = [];
      const onQuery = (q: { sql: string }): void => {
        if (/`locked_until` < \?/.test(q.sql) && !/update/i.test(q.sql)) lapsedLookups.push(q.sql);
      };
      t.db.on('query', onQuery);
      try {
        for (let n = 0; n < 4; n++) {
          await enqueue(t.db, 'test.lapsed', { n });
          expect(await r.drain(1)).to.equal(1);
        }
      } finally {
        t.db.removeListener('query', onQuery);
      }
      expect(lapsedLookups).to.have.length(1);
    });

    it('a finished job costs no read of the queue when nothing more was due; jobs left over run at once', async () => {
      // A poll far away: whatever runs here was found by an enqueue or a freed slot, never by the timer.
      const r = newRunner({ pollMs: 60_000, concurrency: 1 });
      const seen: number[] = [];
      r.register(
        defineJob({
          type: 'test.reads',
          schema: z.object({ n: z.number() }),
          handler: async (p) => void seen.push(p.n),
        }),
      );
      const dueReads: string[] = [];
      const onQuery = (q: { sql: string }): void => {
        if (/from `jobs` where `state` = \?/i.test(q.sql) && /`run_at` <= \?/.test(q.sql)) dueReads.push(q.sql);
      };
      t.db.on('query', onQuery);
      try {
        r.start();
        await until('the runner is idle', () => dueReads.length === 1);
        await enqueue(t.db, 'test.reads', { n: 1 });
        await until('the job ran', async () => (await countJobsByState(t.db)).done === 1);
        await new Promise((res) => setTimeout(res, 100));
        // One read at start, one for the enqueue; finishing the job read nothing.
        expect(dueReads).to.have.length(2);
        // Three at once with one slot: the claim leaves two due, so each freed slot reads again at once.
        await t.db.transaction(async (trx) => {
          for (const n of [2, 3, 4]) await enqueue(trx, 'test.reads', { n });
        });
        await until('all four ran', () => seen.length === 4, 3000);
        expect(seen).to.deep.equal([1, 2, 3, 4]);
      } finally {
        t.db.removeListener('query', onQuery);
      }
    });

    it('reclaims a job whose worker died (expired lease); a job used up by crashes goes dead', async () => {
      const past = new Date(Date.now() - 60_000);
      const a = await enqueue(t.db, 'test.crash', { n: 1 });
      const b = await enqueue(t.db, 'test.crash', { n: 2 }, { maxAttempts: 2 });
      const c = await enqueue(t.db, 'test.crash', { n: 3 });
      // a: held by a dead worker, attempts left. b: a dead worker's run was its last attempt. c: a live lease.
      await t.db('jobs').where('id', a.id).update({ state: 'running', attempts: 1, locked_by: 'dead:1', locked_until: past });
      await t.db('jobs').where('id', b.id).update({ state: 'running', attempts: 2, locked_by: 'dead:2', locked_until: past });
      await t.db('jobs').where('id', c.id).update({ state: 'running', attempts: 1, locked_by: 'live:3', locked_until: new Date(Date.now() + 60_000) });
      const seen: number[] = [];
      const r = newRunner();
      r.register(defineJob({ type: 'test.crash', schema: z.object({ n: z.number() }), handler: async (p) => void seen.push(p.n) }));
      await r.drain();
      expect(seen).to.deep.equal([1]);
      expect((await getJob(t.db, a.id))?.state).to.equal('done');
      expect((await getJob(t.db, a.id))?.attempts).to.equal(2);
      expect((await getJob(t.db, b.id))?.state).to.equal('dead');
      expect((await getJob(t.db, c.id))?.state).to.equal('running');
    });

    /**
     * A slow worker claims a job and stalls; its lease lapses and a fast worker runs the job to the end; then the
     * slow one wakes and tries to commit. `act` is the handler's result-writing step, told which worker it is.
     */
    async function leaseTakenOver(type: string, act: (me: 'slow' | 'fast', ctx: JobContext) => Promise<void>): Promise<number> {
      let releaseSlow: () => void = () => undefined;
      const slowGate = new Promise<void>((res) => (releaseSlow = res));
      let firstRun = true;
      const def = defineJob({
        type,
        schema: z.object({}),
        handler: async (_p, ctx) => {
          const me = firstRun ? 'slow' : 'fast';
          firstRun = false;
          if (me === 'slow') await slowGate;
          await act(me, ctx);
        },
      });
      const slow = newRunner({ leaseMs: 60_000, instanceId: 'slow' }); // no heartbeat during the test
      slow.register(def);
      const { id } = await enqueue(t.db, type, {});
      const slowRun = slow.drain(1);
      await until('slow to claim', async () => (await getJob(t.db, id))?.state === 'running');
      // Expire its lease as if the slow worker had hung past it.
      await t.db('jobs').where('id', id).update({ locked_until: new Date(Date.now() - 1000) });
      const fast = newRunner({ instanceId: 'fast' });
      fast.register(def);
      expect(await fast.drain(1)).to.equal(1);
      releaseSlow();
      await slowRun;
      return id;
    }

    it('a worker whose lease was taken over cannot commit its result (fenced)', async () => {
      const commits: string[] = [];
      const id = await leaseTakenOver('test.fence', (me, ctx) =>
        ctx.fenced(async (trx) => {
          await trx('audit_log').insert({ at: new Date(), actor: me, action: 'test.commit' });
          commits.push(me);
        }),
      );
      expect(commits).to.deep.equal(['fast']);
      const job = await getJob(t.db, id);
      expect(job?.state).to.equal('done');
      expect(job?.attempts).to.equal(2);
      expect(await t.db('audit_log').where('action', 'test.commit').count({ n: 'id' })).to.deep.equal([{ n: 1 }]);
    });

    it('a single statement fenced by holdsLease lands only while the worker holds the lease', async () => {
      await t.db('audit_log').insert({ at: new Date(), actor: 'nobody', action: 'test.lease' });
      const updates: Array<[string, number]> = [];
      const id = await leaseTakenOver('test.lease', async (me, ctx) => {
        updates.push([me, await t.db('audit_log').where('action', 'test.lease').where(ctx.holdsLease).update({ actor: me })]);
      });
      expect(updates).to.deep.equal([
        ['fast', 1],
        ['slow', 0],
      ]);
      expect((await t.db('audit_log').where('action', 'test.lease').first('actor'))?.actor).to.equal('fast');
      expect((await getJob(t.db, id))?.state).to.equal('done');
    });

    it('graceful stop finishes a short job and releases one that outlives the grace time', async () => {
      let finishedShort = false;
      const r = newRunner({ concurrency: 2 });
      r.register(
        defineJob({
          type: 'test.short',
          schema: z.object({}),
          handler: async () => {
            await new Promise((res) => setTimeout(res, 100));
            finishedShort = true;
          },
        }),
      );
      r.register(
        defineJob({
          type: 'test.long',
          schema: z.object({}),
          handler: (_p, ctx) =>
            new Promise<void>((_res, rej) => {
              ctx.signal.addEventListener('abort', () => rej(new Error('aborted')));
            }),
        }),
      );
      const s = await enqueue(t.db, 'test.short', {});
      const l = await enqueue(t.db, 'test.long', {});
      r.start();
      await until('both running', () => r.activeCount === 2);
      await r.stop({ graceMs: 300 });
      expect(finishedShort).to.equal(true);
      expect((await getJob(t.db, s.id))?.state).to.equal('done');
      const long = await getJob(t.db, l.id);
      expect([long?.state, long?.attempts, long?.lockedBy]).to.deep.equal(['pending', 0, null]);
    });

    it('aborts an attempt that outlives its timeout and counts it as a failure', async () => {
      const r = newRunner();
      r.register(
        defineJob({
          type: 'test.hang',
          schema: z.object({}),
          timeoutMs: 50,
          handler: (_p, ctx) => new Promise<void>((_res, rej) => ctx.signal.addEventListener('abort', () => rej(new Error('aborted')))),
        }),
      );
      const { id } = await enqueue(t.db, 'test.hang', {}, { maxAttempts: 1 });
      await r.drain();
      const job = await getJob(t.db, id);
      expect(job?.state).to.equal('dead');
      expect(job?.lastError).to.match(/JobTimeoutError: job test.hang ran longer than 50 ms/);
    });

    it('exports outcome counts and per-state gauges to Prometheus', async () => {
      const { Registry } = await import('prom-client');
      const registry = new Registry();
      let calls = 0;
      const r = newRunner({ metrics: registry });
      r.register(
        defineJob({
          type: 'test.metric',
          schema: z.object({}),
          handler: async () => {
            if (++calls === 1) throw new Error('once');
          },
        }),
      );
      await enqueue(t.db, 'test.metric', {});
      await r.drain();
      await new Promise((res) => setTimeout(res, 30));
      await r.drain();
      const text = await registry.metrics();
      expect(text).to.include('ariadne_jobs_finished_total{type="test.metric",outcome="retry"} 1');
      expect(text).to.include('ariadne_jobs_finished_total{type="test.metric",outcome="done"} 1');
      expect(text).to.include('ariadne_jobs{state="done"} 1');
      expect(text).to.include('ariadne_jobs{state="dead"} 0');
    });

    it('purges done jobs older than a cut-off and keeps dead ones', async () => {
      const a = await enqueue(t.db, 'test.p', {});
      const b = await enqueue(t.db, 'test.p', {});
      await t.db('jobs').where('id', a.id).update({ state: 'done', updated_at: new Date(Date.now() - 10 * 86400_000) });
      await t.db('jobs').where('id', b.id).update({ state: 'dead', updated_at: new Date(Date.now() - 10 * 86400_000) });
      expect(await purgeDoneJobs(t.db, new Date(Date.now() - 86400_000))).to.equal(1);
      expect(await getJob(t.db, a.id)).to.equal(null);
      expect((await getJob(t.db, b.id))?.state).to.equal('dead');
    });
  });
}

describe('job outbox: two workers never run one job at once (MariaDB)', function () {
  let t: TestDb;
  before(async () => {
    t = await createTestDb('mysql');
  });
  after(async () => {
    await t.drop();
  });

  it('200 jobs over 4 runners with separate pools: each runs exactly once, never concurrently', async () => {
    const { createDb } = await import('../../src/db/knex.js');
    const pools = [0, 1, 2, 3].map(() => createDb(t.url, { pool: { min: 0, max: 4 } }));
    const runs = new Map<number, number>();
    const inFlight = new Set<number>();
    let overlaps = 0;
    const def = defineJob({
      type: 'test.race',
      schema: z.object({ n: z.number() }),
      handler: async (p) => {
        if (inFlight.has(p.n)) overlaps++;
        inFlight.add(p.n);
        await new Promise((res) => setImmediate(res));
        runs.set(p.n, (runs.get(p.n) ?? 0) + 1);
        inFlight.delete(p.n);
      },
    });
    const runners = pools.map((db, i) => {
      const r = createJobRunner({ db, instanceId: `node-${i}`, pollMs: 10, concurrency: 3 });
      r.register(def);
      return r;
    });
    try {
      const rows = Array.from({ length: 200 }, (_, n) => ({ type: 'test.race', payload: JSON.stringify({ n }), state: 'pending', attempts: 0, max_attempts: 3, run_at: new Date() }));
      await t.db.batchInsert('jobs', rows, 100);
      for (const r of runners) r.start();
      await until('all done', async () => (await countJobsByState(t.db, 'test.race')).done === 200, 15_000);
      expect(overlaps).to.equal(0);
      expect(runs.size).to.equal(200);
      expect([...runs.values()].every((v) => v === 1)).to.equal(true);
      const attempts = (await t.db('jobs').where('type', 'test.race').max({ m: 'attempts' })) as [{ m: number }];
      expect(Number(attempts[0].m)).to.equal(1);
    } finally {
      for (const r of runners) await r.stop({ graceMs: 1000 });
      for (const p of pools) await p.destroy();
    }
  });
});
