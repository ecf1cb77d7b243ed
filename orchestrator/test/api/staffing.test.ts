import { expect } from 'chai';
import { call, startHarness, type Harness } from './harness.js';

/** testConfig() has no Asterisk configured: the contact center's zone is the demo's, Asia/Shanghai. */
const sh = (local: string): Date => new Date(`${local}+08:00`);

interface Interval {
  period: string;
  offered: number;
  handleS: number;
  agentsNeeded: number;
  agentsToSchedule: number;
  agentsReady: number | null;
  serviceLevelPct: number | null;
}

describe('api: staffing report (GET /api/reports/staffing)', function () {
  this.timeout(20_000);
  let h: Harness;
  let sales: number;
  let support: number;
  const get = async (query: string, token = h.users.admin.token) =>
    call(h, 'GET', `/api/reports/staffing?${query}`, { token });
  const at = (intervals: Interval[], period: string): Interval => {
    const found = intervals.find((i) => i.period === period);
    if (!found) throw new Error(`no interval ${period}`);
    return found;
  };

  before(async () => {
    // Sunday noon; the Saturday before is the day lived.
    h = await startHarness({ deps: { now: () => sh('2026-12-06T12:00:00') } });
    const queue = async (name: string) =>
      Number((await h.t.db('queues').insert({ name, display_name: name, wrap_up_s: 20, overflow: '[]' }))[0]);
    sales = await queue('sales');
    support = await queue('support');
    const [orders] = (await h.t.db('skills').insert({ name: 'orders' })) as number[];
    await h.t.db('queue_skills').insert({ queue_id: sales, skill_id: orders, min_level: 3 });
    // Alice can take sales' calls; Bob's level is too low, so his time does not count for sales.
    await h.t.db('agent_skills').insert([
      { agent_id: h.users.agent.agentId, skill_id: orders, level: 5 },
      { agent_id: h.users.agent2.agentId, skill_id: orders, level: 1 },
    ]);
    await h.t.db('supervisor_queues').insert({ user_id: h.users.supervisor.id, queue_id: support });
    // Saturday 09:00: 50 calls of 160 s talk (+ 20 s wrap-up): 10 Erlangs.
    await h.t.db('report_queue_intervals').insert({
      queue_id: sales,
      interval_start: sh('2026-12-05T09:00:00'),
      offered: 50,
      answered: 50,
      answered_in_sl: 20,
      talk_s_sum: 50 * 160,
    });
    const ready = (agentId: number | null, from: string, to: string | null) => ({
      agent_id: agentId,
      state: 'ready',
      started_at: sh(from),
      ended_at: to === null ? null : sh(to),
    });
    await h.t
      .db('agent_presence')
      .insert([
        ready(h.users.agent.agentId, '2026-12-05T09:00:00', '2026-12-05T09:45:00'),
        ready(h.users.agent.agentId, '2026-12-05T09:52:30', '2026-12-05T10:00:00'),
        ready(h.users.agent2.agentId, '2026-12-05T09:00:00', '2026-12-05T10:00:00'),
        ready(h.users.agent.agentId, '2026-12-06T08:00:00', null),
      ]);
  });
  after(() => h.close());

  it('a day lived: the agents its calls needed (Erlang C) against those ready with the skills', async () => {
    const r = await get(`day=2026-12-05&queueId=${sales}`);
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.include({
      day: '2026-12-05',
      queueId: sales,
      queue: 'sales',
      basis: 'actual',
      basedOn: ['2026-12-05'],
      serviceLevelPct: 80,
      targetSeconds: 20,
      maxOccupancyPct: 85,
      shrinkagePct: 0,
      peakAgentsNeeded: 14,
      peakAgentsToSchedule: 14,
    });
    const intervals = r.body.intervals as Interval[];
    expect(intervals).to.have.length(96);
    expect(at(intervals, '09:00')).to.deep.include({
      offered: 50,
      handleS: 180,
      agentsNeeded: 14,
      agentsReady: 1,
      serviceLevelPct: 0,
    });
    expect(at(intervals, '09:45')).to.deep.include({ agentsReady: 0.5, agentsNeeded: 0, serviceLevelPct: null });
    // No calls: the ACD's assumed handle time, nobody needed.
    expect(at(intervals, '08:00')).to.deep.include({ offered: 0, handleS: 180, agentsNeeded: 0, agentsReady: 0 });
    // The same rows as CSV, for a spreadsheet.
    const csv = await get(`day=2026-12-05&queueId=${sales}&format=csv`);
    expect(csv.headers.get('content-type')).to.match(/^text\/csv/);
    const lines = String(csv.body).trim().split(/\r?\n/);
    expect(lines[0]).to.equal(
      'period,start,offered,handleS,agentsNeeded,agentsToSchedule,agentsScheduled,agentsReady,serviceLevelPct,abandonPct',
    );
    expect(lines).to.have.length(97);
    expect(lines).to.include(`09:00,${sh('2026-12-05T09:00:00').toISOString()},50,180,14,14,0,1,0,`);
    // With the shrinkage planned for, more agents on the schedule than on the phones.
    const shrunk = await get(`day=2026-12-05&queueId=${sales}&shrinkagePct=30`);
    expect(shrunk.body).to.deep.include({ shrinkagePct: 30, peakAgentsNeeded: 14, peakAgentsToSchedule: 20 });
    expect(at(shrunk.body.intervals as Interval[], '09:00')).to.deep.include({
      agentsNeeded: 14,
      agentsToSchedule: 20,
    });
    expect((await get(`day=2026-12-05&queueId=${sales}&shrinkagePct=95`)).status).to.equal(400);
    // Another target asks for more agents.
    const strict = await get(`day=2026-12-05&queueId=${sales}&serviceLevelPct=95&targetSeconds=10`);
    expect(at(strict.body.intervals as Interval[], '09:00').agentsNeeded).to.be.greaterThan(14);
  });

  it('callers who give up (Erlang A): fewer agents than Erlang C, the share who would give up; the patience their calls showed', async () => {
    // Support's Saturday 10:00: 50 calls of 180 s, 5 gave up; 1,500 s waited in all: 300 s of patience each.
    await h.t.db('report_queue_intervals').insert({
      queue_id: support,
      interval_start: sh('2026-12-05T10:00:00'),
      offered: 50,
      answered: 45,
      abandoned: 5,
      answered_in_sl: 30,
      talk_s_sum: 45 * 160,
      wait_s_sum: 1500,
    });
    const plain = await get(`day=2026-12-05&queueId=${support}`);
    expect(plain.body).to.deep.include({ patienceS: null, observedPatienceS: 300 });
    const c = at(plain.body.intervals as Interval[], '10:00');
    expect(c).to.deep.include({ abandonPct: null });

    const a = await get(`day=2026-12-05&queueId=${support}&patienceS=60`);
    expect(a.body).to.deep.include({ patienceS: 60, observedPatienceS: 300 });
    const withA = at(a.body.intervals as Interval[], '10:00') as Interval & { abandonPct: number };
    expect(withA.agentsNeeded).to.be.below(c.agentsNeeded);
    expect(withA.abandonPct).to.be.greaterThan(0).and.below(20);
    const observed = await get(`day=2026-12-05&queueId=${support}&patienceS=observed`);
    expect(observed.body.patienceS).to.equal(300);
    const withObserved = at(observed.body.intervals as Interval[], '10:00');
    // More patient callers give up less and need agents closer to Erlang C's.
    expect(withObserved.agentsNeeded).to.be.at.least(withA.agentsNeeded).and.at.most(c.agentsNeeded);

    // Nobody gave up in sales' day: observed patience falls back to Erlang C.
    const none = await get(`day=2026-12-05&queueId=${sales}&patienceS=observed`);
    expect(none.body).to.deep.include({ patienceS: null, observedPatienceS: null, peakAgentsNeeded: 14 });
    const bad = await get(`day=2026-12-05&queueId=${sales}&patienceS=soon`);
    expect(bad.status).to.equal(400);
    expect(bad.body.error.message).to.match(/patienceS/);
    await h.t.db('report_queue_intervals').where({ queue_id: support }).delete();
  });

  it('a day ahead is forecast from the same weekday of the four weeks before; today shows who was ready so far', async () => {
    const next = await get(`day=2026-12-12&queueId=${sales}`);
    expect(next.body).to.deep.include({
      basis: 'forecast',
      basedOn: ['2026-11-14', '2026-11-21', '2026-11-28', '2026-12-05'],
      peakAgentsNeeded: 5,
    });
    // 12.5 calls of 180 s a quarter of an hour (2.5 Erlangs): 5 agents for 80 % in 20 s; nobody is ready yet.
    expect(at(next.body.intervals as Interval[], '09:00')).to.deep.include({
      offered: 12.5,
      handleS: 180,
      agentsNeeded: 5,
      agentsReady: null,
      serviceLevelPct: null,
    });
    const today = await get(`queueId=${sales}`);
    expect(today.body).to.deep.include({ day: '2026-12-06', basis: 'forecast' });
    expect(today.body.basedOn).to.deep.equal(['2026-11-08', '2026-11-15', '2026-11-22', '2026-11-29']);
    const intervals = today.body.intervals as Interval[];
    expect(at(intervals, '07:45').agentsReady).to.equal(0);
    expect(at(intervals, '11:45').agentsReady).to.equal(1);
    expect(at(intervals, '12:00').agentsReady).to.equal(null);
  });

  it('refuses what it cannot answer, and keeps supervisors to their queues', async () => {
    const cases: [string, RegExp][] = [
      ['day=2026-12-05', /queueId/],
      [`queueId=${sales}&serviceLevelPct=100`, /serviceLevelPct/],
      [`queueId=${sales}&targetSeconds=0`, /targetSeconds/],
      [`queueId=${sales}&day=2026-02-30`, /not a calendar date/],
      [`queueId=${sales}&day=2028-01-10`, /at most 366 days ahead/],
    ];
    for (const [query, reason] of cases) {
      const r = await get(query);
      expect(r.status, query).to.equal(400);
      expect(JSON.stringify(r.body.error), query).to.match(reason);
    }
    expect((await get('queueId=999')).status).to.equal(404);
    expect((await get(`queueId=${sales}`, h.users.supervisor.token)).status).to.equal(404);
    expect((await get(`queueId=${support}`, h.users.supervisor.token)).status).to.equal(200);
    expect((await get(`queueId=${support}`, h.users.agent.token)).status).to.equal(403);
  });
});
