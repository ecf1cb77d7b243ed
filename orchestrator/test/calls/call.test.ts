import { expect } from 'chai';
import { pino } from 'pino';
import { Call, isTransientDbError, type CallRow } from '../../src/calls/call.js';
import { arrivingTestRow } from './fakes.js';
import { closeCallWriter } from '../../src/calls/writer.js';
import { toDate } from '../../src/db/time.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';
import type { Db } from '../../src/db/knex.js';
import { EventBus } from '../../src/events/bus.js';

/**
 * A knex stand-in that records writes (one entry per row inserted), with transactions that roll back what they
 * wrote when they fail. `fail(what)` decides whether a statement throws (and with which error).
 */
function fakeDb(fail: (what: string[], rows: Record<string, unknown>[]) => Error | null): { db: Db; writes: string[] } {
  const writes: string[] = [];
  const attempt = async (what: string[], payload: Record<string, unknown>[]): Promise<void> => {
    const err = fail(what, payload);
    if (err) throw err;
    writes.push(...what);
  };
  const rows = (r: unknown): Record<string, unknown>[] => [r].flat() as Record<string, unknown>[];
  const update = (table: string) => (x: Record<string, unknown>) =>
    attempt([`${table}:update:${String(x.state ?? Object.keys(x).join(','))}`], [x]);
  const db = Object.assign(
    (table: string) => ({
      insert: (r: unknown) =>
        attempt(
          rows(r).map((x) => `${table}:insert:${String(x.event ?? x.state)}`),
          rows(r),
        ),
      where: () => ({ update: update(table) }),
      whereIn: () => ({ update: update(table) }),
    }),
    {
      // A merged update's CASE reads as the values it sets (what the one-row update's label shows).
      raw: (_sql: string, bindings: unknown[]) => ({
        toString: () => [...new Set(bindings.slice(1, -1).filter((_v, i) => i % 2 === 1))].join('|'),
      }),
      transaction: async (fn: (trx: unknown) => Promise<unknown>) => {
        const mark = writes.length;
        try {
          return await fn(db);
        } catch (err) {
          writes.length = mark;
          throw err;
        }
      },
    },
  ) as unknown as Db;
  return { db, writes };
}

/** Fails the first `failures` statements with the given error. */
function flakyDb(failures: number, error: Error & { code?: string }): { db: Db; writes: string[] } {
  let left = failures;
  return fakeDb(() => (left-- > 0 ? error : null));
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Counts the transactions `db` opens from now on. */
function countTransactions(db: Db): { count: number } {
  const counter = { count: 0 };
  const transaction = db.transaction.bind(db);
  Object.assign(db, {
    transaction: (fn: never) => {
      counter.count++;
      return transaction(fn);
    },
  });
  return counter;
}

const row = (): CallRow => arrivingTestRow();

describe('calls/call write chain', () => {
  const logger = pino({ level: 'silent' });

  it('keeps the order of writes through a database outage (transient errors are retried)', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    const { db, writes } = flakyDb(3, refused);
    const call = await Call.create({ db, bus: new EventBus(), logger, now: () => new Date() }, row(), 'test');
    expect(call.transition('identify', 'answered')).to.equal(true);
    await tick(); // the first batch is on its way (failing, retried); what follows waits behind it
    call.update({ language: 'zh' });
    expect(call.transition('enqueue', 'routed')).to.equal(true);
    await call.flushed();
    // The transition made in the same turn as the arrival joined the row's insert.
    expect(writes).to.deep.equal([
      'calls:insert:identifying',
      'call_events:insert:arrive',
      'call_events:insert:identify',
      'call_events:insert:enqueue',
      'calls:update:queued',
    ]);
  });

  it('a deadlock is retried like an outage and logged as what it is', async () => {
    const deadlock = Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { code: 'ER_LOCK_DEADLOCK' });
    const { db, writes } = flakyDb(1, deadlock);
    const lines: Array<{ level: number; msg: string }> = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as { level: number; msg: string }) });
    const call = await Call.create({ db, bus: new EventBus(), logger: log, now: () => new Date() }, row(), 'test');
    call.transition('identify', 'answered');
    await call.flushed();
    expect(writes).to.deep.equal(['calls:insert:identifying', 'call_events:insert:arrive', 'call_events:insert:identify']);
    expect(lines.map((l) => [l.level, l.msg])).to.deep.equal([[40, 'call write lost a lock conflict; retrying']]);
  });

  it('one transaction per batch: a transition queued behind a slow write lands with what joined it', async () => {
    const statements: string[][] = [];
    const { db, writes } = fakeDb((what) => {
      statements.push(what);
      return null;
    });
    const transactions = countTransactions(db);
    const call = await Call.create({ db, bus: new EventBus(), logger, now: () => new Date() }, row(), 'test');
    await tick();
    call.transition('identify', 'answered');
    call.update({ caller_e164: '+8613800000000', language: 'zh' });
    call.transition('enqueue', 'routed', { patch: { queue_id: 3 } });
    call.update({ priority: 50 });
    await call.flushed();
    // Two batches, two commits: (row + arrive), then (three events in one insert + one update of the row).
    expect(transactions.count).to.equal(2);
    expect(statements).to.deep.equal([
      ['calls:insert:arriving'],
      ['call_events:insert:arrive'],
      ['call_events:insert:identify', 'call_events:insert:enqueue'],
      ['calls:update:queued'],
    ]);
    expect(writes).to.have.length(5);
  });

  it('group commit: the batches of several calls land in one transaction, their events in one insert', async () => {
    const statements: string[][] = [];
    const { db } = fakeDb((what) => {
      statements.push(what);
      return null;
    });
    const transactions = countTransactions(db);
    const deps = { db, bus: new EventBus(), logger, now: () => new Date() };
    const [a, b] = await Promise.all([
      Call.create(deps, { ...row(), id: 'a' }, 'test'),
      Call.create(deps, { ...row(), id: 'b' }, 'test'),
    ]);
    await Promise.all([a.flushed(), b.flushed()]);
    a.transition('identify', 'answered');
    b.transition('identify', 'answered');
    await Promise.all([a.flushed(), b.flushed()]);
    expect(transactions.count).to.equal(2);
    expect(statements).to.deep.equal([
      ['calls:insert:arriving', 'calls:insert:arriving'],
      ['call_events:insert:arrive', 'call_events:insert:arrive'],
      ['call_events:insert:identify', 'call_events:insert:identify'],
      ['calls:update:identifying'], // both rows' changes in one statement
    ]);
  });

  it("group commit: one call's bad statement does not lose another call's writes", async () => {
    const bad = Object.assign(new Error('Data too long for column'), { code: 'ER_DATA_TOO_LONG' });
    const { db, writes } = fakeDb((_what, payload) =>
      payload.some((r) => typeof r.disposition === 'string') ? bad : null,
    );
    const deps = { db, bus: new EventBus(), logger, now: () => new Date() };
    const a = await Call.create(deps, { ...row(), id: 'a' }, 'test');
    const b = await Call.create(deps, { ...row(), id: 'b' }, 'test');
    await Promise.all([a.flushed(), b.flushed()]);
    writes.length = 0;
    a.transition('identify', 'answered', { patch: { disposition: 'x'.repeat(999) } });
    b.transition('identify', 'answered');
    await Promise.all([a.flushed(), b.flushed()]);
    expect(writes).to.deep.equal([
      'call_events:insert:identify', // a's event, written alone after its batch failed
      'call_events:insert:identify', // b's batch, in its own commit
      'calls:update:identifying',
    ]);
  });

  it('a retried batch never inserts the same row twice (its transaction rolled back)', async () => {
    let eventFailures = 2;
    const { db, writes } = fakeDb((what) =>
      what[0]?.startsWith('call_events') && eventFailures-- > 0
        ? Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST' })
        : null,
    );
    const call = await Call.create({ db, bus: new EventBus(), logger, now: () => new Date() }, row(), 'test');
    call.transition('identify', 'answered');
    await call.flushed();
    expect(writes).to.deep.equal([
      'calls:insert:identifying',
      'call_events:insert:arrive',
      'call_events:insert:identify',
    ]);
  });

  it('gives up a write that can never succeed at once, keeps what was batched with it, and goes on', async () => {
    const bad = Object.assign(new Error('Data too long for column'), { code: 'ER_DATA_TOO_LONG' });
    const { db, writes } = fakeDb((_what, payload) =>
      payload.some((r) => typeof r.disposition === 'string') ? bad : null,
    );
    const call = await Call.create({ db, bus: new EventBus(), logger, now: () => new Date() }, row(), 'test');
    await call.flushed();
    call.update({ disposition: 'x'.repeat(999) });
    await call.flushed(); // alone: given up at once
    call.transition('identify', 'answered');
    await call.flushed();
    call.transition('enqueue', 'routed');
    call.update({ disposition: 'y'.repeat(999) });
    await call.flushed(); // batched with a good event: the event lands, the bad update is given up
    expect(writes).to.deep.equal([
      'calls:insert:arriving',
      'call_events:insert:arrive',
      'call_events:insert:identify',
      'calls:update:identifying',
      'call_events:insert:enqueue',
    ]);
  });

  it('refuses an undefined transition and changes nothing', async () => {
    const { db, writes } = flakyDb(0, new Error('unused'));
    const errors: unknown[] = [];
    const spy = pino({ level: 'error' }, { write: (line: string) => errors.push(JSON.parse(line)) });
    const call = await Call.create({ db, bus: new EventBus(), logger: spy, now: () => new Date() }, row(), 'test');
    expect(call.transition('answer', 'nonsense')).to.equal(false);
    expect(call.state).to.equal('arriving');
    await call.flushed();
    expect(writes).to.have.length(2);
    expect(errors[0]).to.deep.include({
      callId: 'c1',
      from: 'arriving',
      event: 'answer',
      msg: 'arriving -> answer -> (undefined): transition not defined',
    });
  });

  it('a frozen call (instance shutting down) neither moves nor writes', async () => {
    const { db, writes } = flakyDb(0, new Error('unused'));
    const call = await Call.create({ db, bus: new EventBus(), logger, now: () => new Date() }, row(), 'test');
    call.frozen = true;
    expect(call.transition('identify', 'late')).to.equal(false);
    call.update({ language: 'en' });
    await call.flushed();
    expect(writes).to.have.length(2);
    expect(call.state).to.equal('arriving');
  });

  it('classifies database errors', () => {
    for (const code of ['ECONNREFUSED', 'PROTOCOL_CONNECTION_LOST', 'ER_LOCK_DEADLOCK', 'SQLITE_BUSY'])
      expect(isTransientDbError(Object.assign(new Error('x'), { code }))).to.equal(true, code);
    expect(
      isTransientDbError(
        Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' }),
      ),
    ).to.equal(true);
    expect(isTransientDbError(Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' }))).to.equal(false);
    expect(isTransientDbError(null)).to.equal(false);
  });
});

for (const dialect of DIALECTS) {
  describe(`calls/call group commit on ${dialect}`, function () {
    this.timeout(20_000);
    let t: TestDb;
    beforeEach(async () => {
      t = await createTestDb(dialect);
    });
    afterEach(async () => {
      await closeCallWriter(t.db);
      await t.drop();
    });

    it("one statement for several rows' changes of the same columns: each row gets its own values", async () => {
      const deps = { db: t.db, bus: new EventBus(), logger: pino({ level: 'silent' }), now: () => new Date() };
      const calls = await Promise.all(['a', 'b', 'c'].map((id) => Call.create(deps, { ...row(), id }, 'test')));
      await Promise.all(calls.map((c) => c.flushed()));
      const queuedAt = [new Date('2026-12-03T10:00:01.250Z'), new Date('2026-12-03T10:00:02.500Z'), null];
      calls.forEach((c, i) => c.update({ priority: i * 10, queued_at: queuedAt[i], wait_s: i === 1 ? 1.25 : null }));
      calls[2]!.update({ language: 'en' }); // a different set of columns: a statement of its own
      await Promise.all(calls.map((c) => c.flushed()));
      const rows = (await t.db('calls').orderBy('id').select('id', 'priority', 'queued_at', 'wait_s', 'language')) as {
        id: string;
        priority: number;
        queued_at: unknown;
        wait_s: unknown;
        language: string | null;
      }[];
      expect(rows.map((r) => [r.id, Number(r.priority), toDate(r.queued_at)?.toISOString() ?? null])).to.deep.equal([
        ['a', 0, '2026-12-03T10:00:01.250Z'],
        ['b', 10, '2026-12-03T10:00:02.500Z'],
        ['c', 20, null],
      ]);
      expect(rows.map((r) => (r.wait_s === null ? null : Number(r.wait_s)))).to.deep.equal([null, 1.25, null]);
      expect(rows.map((r) => r.language)).to.deep.equal([null, null, 'en']);
    });
  });
}
