import { expect } from 'chai';
import { pino } from 'pino';
import { Call } from '../../src/calls/call.js';
import { closeCallWriter } from '../../src/calls/writer.js';
import { EventBus } from '../../src/events/bus.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { arrivingTestRow } from './fakes.js';

/** The call writer's group commit on MariaDB: one multi-statement packet per commit on its own connection. */
describe('calls/writer group commit as one packet (mysql)', function () {
  this.timeout(20_000);
  let t: TestDb;
  /** What the writer logged as lost for good, by call. */
  let lost: string[] = [];
  const logger = pino(
    { level: 'error' },
    {
      write: (line: string) => {
        const entry = JSON.parse(line) as { msg?: string; callId?: string };
        if (entry.msg === 'call write failed for good') lost.push(String(entry.callId));
      },
    },
  );

  const newCall = (id: string): Promise<Call> =>
    Call.create({ db: t.db, bus: new EventBus(), logger, now: () => new Date() }, arrivingTestRow(id), 'test');
  const eventsOf = async (id: string): Promise<string[]> =>
    (await t.db('call_events').where('call_id', id).orderBy('seq').pluck('event')) as string[];

  beforeEach(async () => {
    lost = [];
    t = await createTestDb('mysql');
  });
  afterEach(async () => {
    await closeCallWriter(t.db);
    await t.drop();
  });

  it('lands the batches of several calls in one commit, through no pooled connection', async () => {
    const pooled: string[] = [];
    t.db.on('query', (q: { sql: string }) => pooled.push(q.sql));
    const calls = await Promise.all(['a', 'b', 'c'].map(newCall));
    for (const c of calls) c.transition('identify', 'answered', { patch: { language: 'zh' } });
    await Promise.all(calls.map((c) => c.flushed()));
    expect(pooled, 'every write went through the packet connection').to.deep.equal([]);
    for (const id of ['a', 'b', 'c']) {
      expect(await eventsOf(id)).to.deep.equal(['arrive', 'identify']);
      expect(await t.db('calls').where({ id }).first('state', 'language')).to.deep.equal({
        state: 'identifying',
        language: 'zh',
      });
    }
  });

  it("a bad statement takes back the packet's earlier statements, then every good write still lands once", async () => {
    const a = await newCall('a');
    const b = await newCall('b');
    await Promise.all([a.flushed(), b.flushed()]);
    // b's patch is too long for its column: the packet fails after a's statements ran, and is rolled back.
    a.transition('identify', 'answered', { patch: { language: 'zh' } });
    b.transition('identify', 'answered', { patch: { disposition: 'x'.repeat(999) } });
    await Promise.all([a.flushed(), b.flushed()]);
    expect(await eventsOf('a')).to.deep.equal(['arrive', 'identify']);
    expect(await eventsOf('b')).to.deep.equal(['arrive', 'identify']);
    expect(await t.db('calls').where({ id: 'a' }).first('state', 'language')).to.deep.equal({
      state: 'identifying',
      language: 'zh',
    });
    expect((await t.db('calls').where({ id: 'b' }).first('disposition')).disposition).to.equal(null);
    // Only b's bad update was lost: a's retry found nothing of its own half-written (no duplicate event).
    expect(lost).to.deep.equal(['b']);
  });

  it('a connection the server killed is replaced and the write lands', async () => {
    const a = await newCall('a');
    await a.flushed();
    a.transition('identify', 'answered');
    await a.flushed();
    // Kill every other connection to the test database, the writer's own among them.
    const ids = (await t.db.raw(
      'SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()',
    )) as [Array<{ ID: number }>];
    for (const { ID } of ids[0]) await t.db.raw(`KILL CONNECTION ${Number(ID)}`).catch(() => undefined);
    a.transition('enqueue', 'routed', { patch: { queue_id: null, priority: 7 } });
    await a.flushed();
    expect(await eventsOf('a')).to.deep.equal(['arrive', 'identify', 'enqueue']);
    expect((await t.db('calls').where({ id: 'a' }).first('priority')).priority).to.equal(7);
  });
});
