import { expect } from 'chai';
import { buildDailyReport, missedAgentIds } from '../../src/reports/build.js';
import { agentReport, queueReport } from '../../src/reports/queries.js';
import { createReportSchedule } from '../../src/reports/schedule.js';
import { logger } from '../../src/logger.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';

const TZ = 'Asia/Shanghai';
/** Shanghai wall time → instant (UTC+8, no daylight saving). */
const sh = (local: string): Date => new Date(`${local}+08:00`);

for (const dialect of DIALECTS) {
  describe(`reports: the daily build (${dialect})`, function () {
    this.timeout(20_000);
    let t: TestDb;
    let sales: number;
    let support: number;
    let ann: number;
    let bob: number;
    let n = 0;

    const call = (row: Record<string, unknown>): Record<string, unknown> => {
      n++;
      return {
        id: `c${n}`,
        node: 'n',
        owner: 'o',
        channel_id: `ch${n}`,
        caller_raw: '1',
        did: '1',
        state: 'ended',
        ...row,
      };
    };
    const answered = (queue: number, agent: number, queued: string, wait: number, talk: number, wrap: number) => {
      const queuedAt = sh(queued);
      const answeredAt = new Date(queuedAt.getTime() + wait * 1000);
      return call({
        queue_id: queue,
        agent_id: agent,
        arrived_at: new Date(queuedAt.getTime() - 5000),
        queued_at: queuedAt,
        answered_at: answeredAt,
        ended_at: new Date(answeredAt.getTime() + talk * 1000),
        wait_s: wait,
        talk_s: talk,
        wrap_s: wrap,
        disposition: 'answered',
      });
    };
    const abandoned = (queue: number, queued: string, wait: number) =>
      call({
        queue_id: queue,
        state: 'abandoned',
        disposition: 'abandoned',
        arrived_at: new Date(sh(queued).getTime() - 5000),
        queued_at: sh(queued),
        ended_at: new Date(sh(queued).getTime() + wait * 1000),
        wait_s: wait,
      });

    before(async () => {
      t = await createTestDb(dialect);
      const q = async (name: string) =>
        Number(
          (
            await t.db('queues').insert({ name, display_name: name.toUpperCase(), service_level_s: 20, overflow: '[]' })
          )[0],
        );
      sales = await q('sales');
      support = await q('support');
      const a = async (name: string, endpoint: string) => Number((await t.db('agents').insert({ name, endpoint }))[0]);
      ann = await a('Ann', 'PJSIP/1');
      bob = await a('Bob', 'PJSIP/2');
      const rows = [
        // 09:00–09:15 on the 6th, sales: two answered (one inside the 20 s service level), one abandoned.
        answered(sales, ann, '2026-12-06T09:01:00', 10, 100, 20),
        answered(sales, bob, '2026-12-06T09:14:59', 30, 200, 10),
        abandoned(sales, '2026-12-06T09:05:00', 45),
        // 09:15 on the dot belongs to the next interval.
        answered(support, ann, '2026-12-06T09:15:00', 5, 60, 0),
        // The first and last instants of the day.
        answered(support, bob, '2026-12-06T00:00:00', 1, 30, 5),
        abandoned(support, '2026-12-06T23:59:59', 2),
        // Another day on either side: not the 6th's.
        answered(sales, ann, '2026-12-05T23:59:50', 1, 10, 1),
        answered(sales, ann, '2026-12-07T00:00:00', 1, 10, 1),
        // Never reached a queue (served by the IVR): in no queue report.
        call({ arrived_at: sh('2026-12-06T10:00:00'), disposition: 'self_service' }),
      ];
      await t.db('calls').insert(rows);
      const ev = (callId: string, seq: number, at: string, data: unknown) => ({
        call_id: callId,
        seq,
        at: sh(at),
        from_state: 'offering',
        event: 'offer_failed',
        to_state: 'queued',
        data: JSON.stringify(data),
      });
      await t.db('call_events').insert([
        ev('c1', 1, '2026-12-06T09:01:05', { agentId: bob, reason: 'no_answer' }),
        ev('c1', 2, '2026-12-06T09:01:08', {
          reason: 'no_answer',
          ringAll: true,
          agents: [{ agentId: ann }, { agentId: bob }],
        }),
        ev('c2', 1, '2026-12-05T23:00:00', { agentId: bob, reason: 'no_answer' }), // the 5th
        ev('c3', 1, '2026-12-06T09:06:00', { agentId: 9999, reason: 'busy' }), // an agent since deleted
        ev('c4', 1, '2026-12-06T09:16:00', 'not json'),
      ]);
    });
    after(() => t.drop());

    it('counts each queue per 15 minutes by when the call entered it, and each agent by the calls they answered', async () => {
      const result = await buildDailyReport(t.db, '2026-12-06', TZ);
      expect(result).to.deep.include({ day: '2026-12-06', calls: 6, intervals: 4, agents: 2 });

      const intervals = (await t.db('report_queue_intervals').orderBy(['interval_start', 'queue_id'])).map((r) => ({
        queue: Number(r.queue_id),
        start: new Date(r.interval_start instanceof Date ? r.interval_start : Number(r.interval_start)).toISOString(),
        offered: Number(r.offered),
        answered: Number(r.answered),
        abandoned: Number(r.abandoned),
        inSl: Number(r.answered_in_sl),
        waitSum: Number(r.wait_s_sum),
        waitMax: Number(r.wait_s_max),
        talkSum: Number(r.talk_s_sum),
      }));
      expect(intervals).to.deep.equal([
        {
          queue: support,
          start: sh('2026-12-06T00:00:00').toISOString(),
          offered: 1,
          answered: 1,
          abandoned: 0,
          inSl: 1,
          waitSum: 1,
          waitMax: 1,
          talkSum: 30,
        },
        {
          queue: sales,
          start: sh('2026-12-06T09:00:00').toISOString(),
          offered: 3,
          answered: 2,
          abandoned: 1,
          inSl: 1,
          waitSum: 85,
          waitMax: 45,
          talkSum: 300,
        },
        {
          queue: support,
          start: sh('2026-12-06T09:15:00').toISOString(),
          offered: 1,
          answered: 1,
          abandoned: 0,
          inSl: 1,
          waitSum: 5,
          waitMax: 5,
          talkSum: 60,
        },
        {
          queue: support,
          start: sh('2026-12-06T23:45:00').toISOString(),
          offered: 1,
          answered: 0,
          abandoned: 1,
          inSl: 0,
          waitSum: 2,
          waitMax: 2,
          talkSum: 0,
        },
      ]);

      const agents = (await t.db('report_agent_days').orderBy('agent_id')).map((r) => ({
        agent: Number(r.agent_id),
        calls: Number(r.calls),
        missed: Number(r.missed),
        talk: Number(r.talk_s),
        wrap: Number(r.wrap_s),
      }));
      expect(agents).to.deep.equal([
        { agent: ann, calls: 2, missed: 1, talk: 160, wrap: 20 },
        { agent: bob, calls: 2, missed: 2, talk: 230, wrap: 15 },
      ]);
    });

    it('replaces the day when built again, and leaves the other days alone', async () => {
      await buildDailyReport(t.db, '2026-12-05', TZ);
      await t.db('calls').insert(abandoned(sales, '2026-12-06T09:10:00', 7));
      const again = await buildDailyReport(t.db, '2026-12-06', TZ);
      expect(again.calls).to.equal(7);
      const sums = await t.db('report_queue_intervals').sum({ offered: 'offered' }).first();
      expect(Number(sums?.offered)).to.equal(8); // 7 on the 6th, 1 on the 5th
      // The 5th: Ann's call answered at 23:59:51, Bob's missed offer at 23:00; the 6th: both again.
      const days = await t.db('report_agent_days').orderBy(['day', 'agent_id']).select('agent_id', 'calls', 'missed');
      expect(days.map((d) => [Number(d.agent_id), Number(d.calls), Number(d.missed)])).to.deep.equal([
        [ann, 1, 0],
        [bob, 0, 1],
        [ann, 2, 1],
        [bob, 2, 2],
      ]);
    });

    it('reads the queue report per day, per interval and in total, with ratios from the sums', async () => {
      const byDay = await queueReport(t.db, { from: '2026-12-05', to: '2026-12-06', timeZone: TZ, by: 'day' });
      expect(byDay.rows.map((r) => [r.period, r.queue, r.offered])).to.deep.equal([
        ['2026-12-05', 'sales', 1],
        ['2026-12-06', 'sales', 4],
        ['2026-12-06', 'support', 3],
      ]);
      const sales6 = byDay.rows[1];
      expect(sales6).to.deep.include({
        start: sh('2026-12-06T00:00:00').toISOString(),
        displayName: 'SALES',
        answered: 2,
        abandoned: 2,
        answeredInSl: 1,
        serviceLevelPct: 25,
        abandonedPct: 50,
        avgWaitS: 23, // (10 + 30 + 45 + 7) / 4
        maxWaitS: 45,
        avgTalkS: 150,
      });
      expect(byDay.totals).to.deep.include({ offered: 8, answered: 5, abandoned: 3 });

      const byInterval = await queueReport(t.db, {
        from: '2026-12-06',
        to: '2026-12-06',
        timeZone: TZ,
        by: 'interval',
        queueIds: [support],
      });
      expect(byInterval.rows.map((r) => r.period)).to.deep.equal(['00:00', '09:15', '23:45']);

      const total = await queueReport(t.db, { from: '2026-12-06', to: '2026-12-06', timeZone: TZ, by: 'total' });
      expect(total.rows.map((r) => [r.period, r.start, r.queue, r.offered])).to.deep.equal([
        [null, null, 'sales', 4],
        [null, null, 'support', 3],
      ]);
    });

    it('reads the agent report summed over the days, with handle time per call', async () => {
      // No presence history here (reports/presence.test.ts has it): no logged-in time, no occupancy.
      const noPresence = { loggedInS: 0, pausedS: 0, occupancyPct: null };
      const report = await agentReport(t.db, { from: '2026-12-05', to: '2026-12-06', timeZone: TZ });
      expect(report.rows).to.deep.equal([
        { agentId: ann, name: 'Ann', calls: 3, missed: 1, talkS: 170, wrapS: 21, avgHandleS: 63.7, ...noPresence },
        { agentId: bob, name: 'Bob', calls: 2, missed: 3, talkS: 230, wrapS: 15, avgHandleS: 122.5, ...noPresence },
      ]);
      expect(report.totals).to.deep.equal({
        calls: 5,
        missed: 4,
        talkS: 400,
        wrapS: 36,
        avgHandleS: 87.2,
        ...noPresence,
      });
      const bobOnly = await agentReport(t.db, { from: '2026-12-06', to: '2026-12-06', timeZone: TZ, agentIds: [bob] });
      expect(bobOnly.rows.map((r) => r.name)).to.deep.equal(['Bob']);
    });

    it('builds yesterday as well through the first hour of a day, and only today after it', async () => {
      const built = async (at: string) => {
        const schedule = createReportSchedule({ db: t.db, timeZone: TZ, logger, cron: null, now: () => sh(at) });
        return (await schedule.runOnce()).map((r) => r.day);
      };
      expect(await built('2026-12-07T00:30:00')).to.deep.equal(['2026-12-06', '2026-12-07']);
      expect(await built('2026-12-07T01:00:00')).to.deep.equal(['2026-12-07']);
    });
  });
}

describe('reports: missed offers in an offer_failed event', () => {
  it('names the one agent rung, every agent of a ring-all, and nobody for data it cannot read', () => {
    expect(missedAgentIds('{"agentId":7,"reason":"no_answer"}')).to.deep.equal([7]);
    expect(missedAgentIds('{"ringAll":true,"agents":[{"agentId":1},{"agentId":2},{"x":3}]}')).to.deep.equal([1, 2]);
    expect(missedAgentIds('{"agentId":"7"}')).to.deep.equal([]);
    expect(missedAgentIds('null')).to.deep.equal([]);
    expect(missedAgentIds('[')).to.deep.equal([]);
    expect(missedAgentIds(null)).to.deep.equal([]);
  });
});
