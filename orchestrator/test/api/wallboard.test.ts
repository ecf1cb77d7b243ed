import { expect } from 'chai';
import { queueAlerts, Wallboard } from '../../src/api/wallboard.js';
import { EventBus } from '../../src/events/bus.js';
import { logger } from '../../src/logger.js';
import { createTestDb, type TestDb } from '../support/db.js';

async function waitUntil<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const found = probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('not within 2 s');
}

/** The test's times are wall times of the machine it runs on. */
const PROCESS_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

describe('wallboard', () => {
  let t: TestDb;
  let qid: number;
  let now = new Date('2026-11-23T10:00:00');
  before(async () => {
    t = await createTestDb('sqlite');
    const [id] = await t
      .db('queues')
      .insert({ name: 'sales', display_name: 'Sales', service_level_s: 20, overflow: '[]' });
    qid = Number(id);
    await t.db('agents').insert({ name: 'Ann', endpoint: 'PJSIP/1', state: 'available' });
    const base = { node: 'n', owner: 'o', caller_raw: '1', did: '1', queue_id: qid, direction: 'inbound' };
    await t.db('calls').insert([
      // Waiting since before start-up: must show with its real wait.
      {
        ...base,
        id: 'wait-1',
        channel_id: 'a',
        state: 'queued',
        arrived_at: new Date(now.getTime() - 70_000),
        queued_at: new Date(now.getTime() - 60_000),
      },
      {
        ...base,
        id: 'done-1',
        channel_id: 'b',
        state: 'ended',
        arrived_at: new Date(now.getTime() - 3_600_000),
        queued_at: new Date(now.getTime() - 3_600_000),
        answered_at: new Date(now.getTime() - 3_590_000),
        wait_s: 10,
      },
      {
        ...base,
        id: 'gone-1',
        channel_id: 'c',
        state: 'abandoned',
        arrived_at: new Date(now.getTime() - 1_800_000),
        queued_at: new Date(now.getTime() - 1_800_000),
      },
      // Placed by an agent for the queue, never waiting in it: not one of its calls.
      {
        ...base,
        id: 'out-1',
        channel_id: 'e',
        state: 'ended',
        direction: 'outbound',
        arrived_at: new Date(now.getTime() - 1_200_000),
        answered_at: new Date(now.getTime() - 1_190_000),
      },
      // Yesterday: not counted.
      {
        ...base,
        id: 'old-1',
        channel_id: 'd',
        state: 'ended',
        arrived_at: new Date(now.getTime() - 86_400_000),
        queued_at: new Date(now.getTime() - 86_400_000),
        answered_at: new Date(now.getTime() - 86_390_000),
        wait_s: 5,
      },
    ]);
  });
  after(async () => t.drop());

  it('starts from the database, then counts from bus events; service level and day rollover', async () => {
    const bus = new EventBus();
    const wb = new Wallboard(t.db, bus, () => now, logger, PROCESS_ZONE, 0);
    await wb.start();
    let q = wb.snapshot().queues[0]!;
    expect(q).to.deep.include({
      name: 'sales',
      displayName: 'Sales',
      waiting: 1,
      longestWaitS: 60,
      answeredToday: 1,
      abandonedToday: 1,
      serviceLevelPct: 50,
    });
    expect(wb.snapshot().agents.byState).to.deep.equal({ available: 1 });

    // wait-1 is answered after 60 s: beyond the 20 s service level.
    bus.publish('call.state', {
      callId: 'wait-1',
      from: 'offering',
      to: 'connected',
      queueId: qid,
      agentId: 1,
      at: now,
    });
    // A new call waits 5 s and is answered inside the service level; another abandons.
    bus.publish('call.state', { callId: 'n-1', from: 'in_ivr', to: 'queued', queueId: qid, agentId: null, at: now });
    bus.publish('call.state', {
      callId: 'n-1',
      from: 'queued',
      to: 'offering',
      queueId: qid,
      agentId: 1,
      at: new Date(now.getTime() + 1000),
    });
    bus.publish('call.state', {
      callId: 'n-1',
      from: 'offering',
      to: 'queued',
      queueId: qid,
      agentId: null,
      at: new Date(now.getTime() + 3000),
    });
    now = new Date(now.getTime() + 5000);
    q = wb.snapshot().queues[0]!;
    expect(q).to.deep.include({ waiting: 1, longestWaitS: 5 });
    bus.publish('call.state', { callId: 'n-1', from: 'offering', to: 'connected', queueId: qid, agentId: 1, at: now });
    bus.publish('call.state', { callId: 'n-2', from: 'in_ivr', to: 'queued', queueId: qid, agentId: null, at: now });
    bus.publish('call.state', { callId: 'n-2', from: 'queued', to: 'abandoned', queueId: qid, agentId: null, at: now });
    // A call that never queued does not count.
    bus.publish('call.state', {
      callId: 'ivr-only',
      from: 'in_ivr',
      to: 'abandoned',
      queueId: null,
      agentId: null,
      at: now,
    });
    q = wb.snapshot().queues[0]!;
    expect(q).to.deep.include({ waiting: 0, answeredToday: 3, abandonedToday: 2, serviceLevelPct: 40 });

    let changes = 0;
    wb.onChange(() => (changes += 1));
    bus.publish('agent.state', { agentId: 1, state: 'on_call', reason: null, since: now });
    expect(changes).to.equal(1);
    expect(wb.snapshot().agents.byState).to.deep.equal({ on_call: 1 });

    // Another orchestrator paused the agent later (database only); an older row never overrides the bus.
    await t
      .db('agents')
      .where({ name: 'Ann' })
      .update({ state: 'paused', pause_reason: 'break', state_since: new Date(now.getTime() + 60_000) });
    await wb.resyncAgents();
    expect(wb.snapshot().agents.list[0]).to.include({ state: 'paused', reason: 'break' });
    expect(changes).to.equal(2);
    bus.publish('agent.state', {
      agentId: 1,
      state: 'available',
      reason: null,
      since: new Date(now.getTime() + 120_000),
    });
    await t
      .db('agents')
      .where({ name: 'Ann' })
      .update({ state: 'paused', state_since: new Date(now.getTime() + 90_000) });
    await wb.resyncAgents();
    expect(wb.snapshot().agents.list[0]).to.include({ state: 'available' });
    changes = 1;

    now = new Date('2026-11-24T00:00:01');
    q = wb.snapshot().queues[0]!;
    expect(q).to.deep.include({ answeredToday: 0, abandonedToday: 0, serviceLevelPct: null });
    wb.stop();
    bus.publish('agent.state', { agentId: 1, state: 'paused', reason: 'x', since: now });
    expect(changes).to.equal(1);
  });

  it('alerts: waiting at or above the level, the longest wait at or past it, the service level below its target; 0 is off', () => {
    const levels = { waitS: 60, waiting: 3, serviceLevelPct: 80 };
    expect(queueAlerts({ waiting: 2, longestWaitS: 59, serviceLevelPct: 80 }, levels)).to.deep.equal([]);
    expect(queueAlerts({ waiting: 3, longestWaitS: 60, serviceLevelPct: 79.9 }, levels)).to.deep.equal([
      'waiting',
      'longest_wait',
      'service_level',
    ]);
    // No day's figure yet is no alert; nobody waiting has no wait.
    expect(queueAlerts({ waiting: 0, longestWaitS: 0, serviceLevelPct: null }, levels)).to.deep.equal([]);
    const off = { waitS: 0, waiting: 0, serviceLevelPct: 0 };
    expect(queueAlerts({ waiting: 50, longestWaitS: 5000, serviceLevelPct: 1 }, off)).to.deep.equal([]);
  });

  it("reads each queue's alert levels and follows a change of them", async () => {
    const bus = new EventBus();
    const wb = new Wallboard(t.db, bus, () => now, logger, PROCESS_ZONE, 0);
    await wb.start();
    expect(wb.snapshot().queues[0]!.alertLevels).to.deep.equal({ waitS: 60, waiting: 0, serviceLevelPct: 80 });
    await t.db('queues').where({ id: qid }).update({ alert_wait_s: 0, alert_waiting: 1, service_level_target_pct: 0 });
    bus.publish('queue.changed', { queueId: qid });
    const q = await waitUntil(() => {
      const board = wb.snapshot().queues[0]!;
      return board.alertLevels.waiting === 1 ? board : undefined;
    });
    expect(q.alertLevels).to.deep.equal({ waitS: 0, waiting: 1, serviceLevelPct: 0 });
    expect(q.waiting).to.be.greaterThan(0);
    expect(q.alerts).to.deep.equal(['waiting']);
    await t
      .db('queues')
      .where({ id: qid })
      .update({ alert_wait_s: 60, alert_waiting: 0, service_level_target_pct: 80 });
    wb.stop();
  });

  it('a 25-hour day (summer time ends) is one day, and the next starts at midnight in the zone', async () => {
    // 2027-10-31 has 25 hours in Berlin (after every call in the database).
    let at = new Date('2027-10-31T00:30:00+02:00');
    const bus = new EventBus();
    const wb = new Wallboard(t.db, bus, () => at, logger, 'Europe/Berlin', 0);
    await wb.start();
    bus.publish('call.state', { callId: 'dst-1', from: 'in_ivr', to: 'queued', queueId: qid, agentId: null, at });
    bus.publish('call.state', { callId: 'dst-1', from: 'offering', to: 'connected', queueId: qid, agentId: 1, at });
    expect(wb.snapshot().queues[0]).to.deep.include({ answeredToday: 1 });
    at = new Date('2027-10-31T23:59:00+01:00'); // 24 h 59 min after the day began
    expect(wb.snapshot().queues[0]).to.deep.include({ answeredToday: 1 });
    at = new Date('2027-11-01T00:00:01+01:00');
    expect(wb.snapshot().queues[0]).to.deep.include({ answeredToday: 0 });
    wb.stop();
  });

  it('shows each agent against their shift now, counts those out of adherence, and follows a change of the plan', async () => {
    const bus = new EventBus();
    const at = new Date('2026-11-24T12:05:00Z');
    const wb = new Wallboard(t.db, bus, () => at, logger, 'UTC', 0);
    const ann = Number((await t.db('agents').where({ name: 'Ann' }).first('id')).id);
    const ben = Number((await t.db('agents').insert({ name: 'Ben', endpoint: 'PJSIP/2', state: 'logged_out' }))[0]);
    await t.db('agents').where({ id: ann }).update({ state: 'available', pause_reason: null });
    try {
      const shiftId = Number(
        (
          await t.db('shifts').insert({
            agent_id: ann,
            day: '2026-11-24',
            starts_at: new Date('2026-11-24T09:00:00Z'),
            ends_at: new Date('2026-11-24T17:00:00Z'),
            created_at: at,
            published_at: at,
          })
        )[0],
      );
      await t.db('shift_activities').insert({
        shift_id: shiftId,
        kind: 'lunch',
        starts_at: new Date('2026-11-24T12:00:00Z'),
        ends_at: new Date('2026-11-24T12:45:00Z'),
      });
      await wb.start();
      // Ann is available at lunch time: out; Ben has no shift: nothing to say.
      const agent = (name: string) => wb.snapshot().agents.list.find((a) => a.name === name)!;
      expect(agent('Ann')).to.deep.include({ scheduled: 'lunch', inAdherence: false });
      expect(agent('Ben')).to.deep.include({ scheduled: null, inAdherence: null });
      expect(wb.snapshot().agents.outOfAdherence).to.equal(1);
      bus.publish('agent.state', { agentId: ann, state: 'paused', reason: 'lunch', since: at });
      expect(agent('Ann').inAdherence).to.equal(true);
      expect(wb.snapshot().agents.outOfAdherence).to.equal(0);

      // Ben is given a shift now and has not logged in: out, once the schedule is reread.
      await t.db('shifts').insert({
        agent_id: ben,
        day: '2026-11-24',
        starts_at: new Date('2026-11-24T12:00:00Z'),
        ends_at: new Date('2026-11-24T20:00:00Z'),
        created_at: at,
        published_at: at,
      });
      bus.publish('schedule.changed', { agentIds: [ben] });
      await waitUntil(() => (agent('Ben').scheduled === 'phone' ? true : undefined));
      expect(agent('Ben').inAdherence).to.equal(false);
      expect(wb.snapshot().agents.outOfAdherence).to.equal(1);
    } finally {
      wb.stop();
      await t.db('shifts').delete();
      await t.db('agents').where({ id: ben }).delete();
      await t.db('agents').where({ id: ann }).update({ state: 'available' });
    }
  });
});
