import { expect } from 'chai';
import type { ConnectionOptions } from 'mysql2';
import { PacketCommitter, type BuiltStatement } from '../../src/db/packet-commit.js';
import { affectedRows, selectedRows, StatementBatcher } from '../../src/db/statement-batch.js';
import { createTestDb, type TestDb } from '../support/db.js';

/** A committer that remembers the size of every packet it sent. */
class CountingCommitter extends PacketCommitter {
  readonly packets: number[] = [];
  override commit(statements: readonly BuiltStatement[]): Promise<unknown[]> {
    this.packets.push(statements.length);
    return super.commit(statements);
  }
}

async function seedSkills(t: TestDb, names: string[]): Promise<void> {
  await t.db('skills').insert(names.map((name) => ({ name })));
}

const descriptionOf = async (t: TestDb, name: string): Promise<string | null> =>
  ((await t.db('skills').where({ name }).first('description')) as { description: string | null }).description;

describe('db/statement-batch StatementBatcher (mysql)', function () {
  this.timeout(20_000);
  let t: TestDb;
  let committer: CountingCommitter;
  let batcher: StatementBatcher;

  beforeEach(async () => {
    t = await createTestDb('mysql');
    await seedSkills(t, ['a', 'b', 'c', 'd']);
    committer = new CountingCommitter((t.db.client as { config: { connection: ConnectionOptions } }).config.connection);
    batcher = new StatementBatcher(committer);
  });
  afterEach(async () => {
    await batcher.close();
    await t.drop();
  });

  it('sends the updates made in one turn as one packet, announced like any query, each with its own count', async () => {
    const announced: string[] = [];
    t.db.on('query', (q: { sql: string; __knexUid?: string }) => announced.push(`${q.__knexUid}: ${q.sql.split(' ')[0]}`));
    const counts = await Promise.all([
      batcher.affected(t.db('skills').where({ name: 'a' }).update({ description: 'A' })),
      batcher.affected(t.db('skills').whereIn('name', ['b', 'c']).update({ description: 'BC' })),
      batcher.affected(t.db('skills').where({ name: 'nobody' }).update({ description: 'X' })),
    ]);
    expect(counts).to.deep.equal([1, 2, 0]);
    expect(committer.packets).to.deep.equal([3]);
    expect(announced, 'announced, and none ran on a pooled connection').to.deep.equal(Array(3).fill('statement-batch: update'));
    t.db.removeAllListeners('query');
    expect(await descriptionOf(t, 'a')).to.equal('A');
    expect(await descriptionOf(t, 'c')).to.equal('BC');
  });

  it('reads share the packet too: each gets its own rows, and a read after an update sees it', async () => {
    const [updated, rows, none] = await Promise.all([
      batcher.affected(t.db('skills').where({ name: 'a' }).update({ description: 'seen' })),
      batcher.rows<{ name: string; description: string | null }>(t.db('skills').whereIn('name', ['a', 'b']).orderBy('name').select('name', 'description')),
      batcher.rows(t.db('skills').where({ name: 'nobody' }).select('id')),
    ]);
    expect(updated).to.equal(1);
    expect(rows).to.deep.equal([
      { name: 'a', description: 'seen' },
      { name: 'b', description: null },
    ]);
    expect(none).to.deep.equal([]);
    expect(committer.packets).to.deep.equal([3]);
  });

  it('a failed packet still answers its reads, one by one', async () => {
    const [bad, rows] = await Promise.allSettled([
      batcher.affected(t.db('skills').where({ name: 'b' }).update({ description: 'x'.repeat(5000) })),
      batcher.rows<{ name: string }>(t.db('skills').where({ name: 'c' }).select('name')),
    ]);
    expect(bad.status).to.equal('rejected');
    expect(rows).to.deep.equal({ status: 'fulfilled', value: [{ name: 'c' }] });
  });

  it('updates made while a packet is on its way go together in the next one', async () => {
    const first = batcher.affected(t.db('skills').where({ name: 'a' }).update({ description: '1' }));
    await new Promise((r) => setImmediate(r)); // the first packet has left
    const later = ['b', 'c', 'd'].map((name) => batcher.affected(t.db('skills').where({ name }).update({ description: '2' })));
    expect(await Promise.all([first, ...later])).to.deep.equal([1, 1, 1, 1]);
    expect(committer.packets).to.deep.equal([1, 3]);
  });

  it("a statement that fails fails for its own caller only: the packet's other updates land once", async () => {
    const results = await Promise.allSettled([
      batcher.affected(t.db('skills').where({ name: 'a' }).update({ description: 'kept' })),
      // Too long for the column (strict mode): the packet fails after the first update ran, and is taken back.
      batcher.affected(t.db('skills').where({ name: 'b' }).update({ description: 'x'.repeat(5000) })),
      batcher.affected(t.db('skills').where({ name: 'c' }).update({ description: 'kept too' })),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<number>).value).to.equal(1);
    expect(String((results[1] as PromiseRejectedResult).reason)).to.match(/too long|Data too long/i);
    expect(await descriptionOf(t, 'a')).to.equal('kept');
    expect(await descriptionOf(t, 'b')).to.equal(null);
    expect(await descriptionOf(t, 'c')).to.equal('kept too');
  });

  it('a connection the server killed is replaced and the update lands', async () => {
    await batcher.affected(t.db('skills').where({ name: 'a' }).update({ description: 'before' }));
    const ids = (await t.db.raw(
      'SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()',
    )) as [Array<{ ID: number }>];
    for (const { ID } of ids[0]) await t.db.raw(`KILL CONNECTION ${Number(ID)}`).catch(() => undefined);
    expect(await batcher.affected(t.db('skills').where({ name: 'a' }).update({ description: 'after' }))).to.equal(1);
    expect(await descriptionOf(t, 'a')).to.equal('after');
  });

  it('affectedRows inside a transaction runs in it: a rollback takes it back', async () => {
    await t.db
      .transaction(async (trx) => {
        expect(await affectedRows(trx, trx('skills').where({ name: 'a' }).update({ description: 'in trx' }))).to.equal(1);
        expect(await descriptionOf({ ...t, db: trx } as TestDb, 'a')).to.equal('in trx');
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await descriptionOf(t, 'a')).to.equal(null);
  });
});

describe('db/statement-batch affectedRows (sqlite)', () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb('sqlite');
    await seedSkills(t, ['a', 'b']);
  });
  afterEach(() => t.drop());

  it('runs each update on its own and resolves with its count', async () => {
    const counts = await Promise.all([
      affectedRows(t.db, t.db('skills').where({ name: 'a' }).update({ description: 'A' })),
      affectedRows(t.db, t.db('skills').where({ name: 'zzz' }).update({ description: 'Z' })),
    ]);
    expect(counts).to.deep.equal([1, 0]);
    expect(await descriptionOf(t, 'a')).to.equal('A');
    expect(await selectedRows(t.db, t.db('skills').where({ name: 'a' }).select('name', 'description'))).to.deep.equal([{ name: 'a', description: 'A' }]);
  });
});
