import { expect } from 'chai';
import { pino } from 'pino';
import { Call, isTransientDbError, type CallRow } from '../../src/calls/call.js';
import type { Db } from '../../src/db/knex.js';
import { EventBus } from '../../src/events/bus.js';

/** A knex stand-in that records writes and fails the first `failures` of them with the given error. */
function flakyDb(failures: number, error: Error & { code?: string }): { db: Db; writes: string[] } {
  const writes: string[] = [];
  let left = failures;
  const attempt = async (what: string): Promise<void> => {
    if (left > 0) {
      left--;
      throw error;
    }
    writes.push(what);
  };
  const db = ((table: string) => ({
    insert: (row: Record<string, unknown>) => attempt(`${table}:insert:${String(row.event ?? row.state)}`),
    where: () => ({
      update: (row: Record<string, unknown>) =>
        attempt(`${table}:update:${String(row.state ?? Object.keys(row).join(','))}`),
    }),
  })) as unknown as Db;
  return { db, writes };
}

function row(): CallRow {
  return {
    id: 'c1',
    node: 'n',
    channel_id: 'ch',
    owner: 'o',
    state: 'arriving',
    caller_raw: '1',
    caller_e164: null,
    caller_name: null,
    did: '1',
    trunk: null,
    customer_id: null,
    tier: null,
    language: null,
    queue_id: null,
    priority: 0,
    required_skills: null,
    agent_id: null,
    arrived_at: new Date(),
    queued_at: null,
    offered_at: null,
    answered_at: null,
    ended_at: null,
    wait_s: null,
    talk_s: null,
    disposition: null,
    hangup_side: null,
    hangup_cause: null,
    recording_id: null,
    ivr_path: null,
    attributes: null,
    agent_disposition: null,
    agent_channel_id: null,
    holding_bridge_id: null,
    mixing_bridge_id: null,
    abandoned_in: null,
    offer_count: 0,
    ivr_flow: null,
    ivr_flow_version: null,
  };
}

describe('calls/call write chain', () => {
  const logger = pino({ level: 'silent' });

  it('keeps the order of writes through a database outage (transient errors are retried)', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    const { db, writes } = flakyDb(3, refused);
    const call = await Call.create({ db, bus: new EventBus(), logger, now: () => new Date() }, row(), 'test');
    expect(call.transition('identify', 'answered')).to.equal(true);
    call.update({ language: 'zh' });
    expect(call.transition('enqueue', 'routed')).to.equal(true);
    await call.flushed();
    expect(writes).to.deep.equal([
      'calls:insert:arriving',
      'call_events:insert:arrive',
      'call_events:insert:identify',
      'calls:update:identifying',
      'calls:update:language',
      'call_events:insert:enqueue',
      'calls:update:queued',
    ]);
  });

  it('a retry never inserts the same row twice (row landed, event failed)', async () => {
    const writes: string[] = [];
    let eventFailures = 2;
    const db = ((table: string) => ({
      insert: async (r: Record<string, unknown>) => {
        if (table === 'call_events' && eventFailures-- > 0)
          throw Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST' });
        writes.push(`${table}:insert:${String(r.event ?? r.state)}`);
      },
      where: () => ({
        update: async (r: Record<string, unknown>) => writes.push(`${table}:update:${String(r.state)}`),
      }),
    })) as unknown as Db;
    const call = await Call.create({ db, bus: new EventBus(), logger, now: () => new Date() }, row(), 'test');
    call.transition('identify', 'answered');
    await call.flushed();
    expect(writes).to.deep.equal([
      'calls:insert:arriving',
      'call_events:insert:arrive',
      'call_events:insert:identify',
      'calls:update:identifying',
    ]);
  });

  it('gives up a write that can never succeed at once, and goes on with the next', async () => {
    const bad = Object.assign(new Error('Cannot add or update a child row: a foreign key constraint fails'), {
      code: 'ER_NO_REFERENCED_ROW_2',
    });
    const { db, writes } = flakyDb(1, bad);
    const call = await Call.create({ db, bus: new EventBus(), logger, now: () => new Date() }, row(), 'test');
    call.transition('identify', 'answered');
    await call.flushed();
    expect(writes).to.deep.equal(['call_events:insert:identify', 'calls:update:identifying']);
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
