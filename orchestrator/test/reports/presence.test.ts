import { expect } from 'chai';
import { loadAgent, updatePresence } from '../../src/agents/repository.js';
import { AgentService } from '../../src/agents/service.js';
import { toDate } from '../../src/db/time.js';
import { buildDailyReport } from '../../src/reports/build.js';
import { pauseReport, presenceTimeline } from '../../src/reports/presence.js';
import { agentReport } from '../../src/reports/queries.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';
import { agent, TestClock } from '../routing/fixtures.js';

const TZ = 'Asia/Shanghai';
/** Shanghai wall time → instant (UTC+8, no daylight saving). */
const sh = (local: string): Date => new Date(`${local}+08:00`);

interface SpanRow {
  state: string;
  reason: string | null;
  from: string;
  to: string | null;
}

async function spansOf(t: TestDb, agentId: number): Promise<SpanRow[]> {
  const rows = (await t.db('agent_presence').where({ agent_id: agentId }).orderBy('id')) as Record<string, unknown>[];
  const local = (v: unknown): string | null => {
    const d = toDate(v);
    return d ? new Date(d.getTime() + 8 * 3600_000).toISOString().slice(11, 16) : null;
  };
  return rows.map((r) => ({
    state: String(r.state),
    reason: r.reason == null ? null : String(r.reason),
    from: local(r.started_at) as string,
    to: local(r.ended_at),
  }));
}

for (const dialect of DIALECTS) {
  describe(`reports: agent presence history (${dialect})`, function () {
    this.timeout(20_000);
    let t: TestDb;
    before(async () => {
      t = await createTestDb(dialect);
    });
    after(() => t.drop());

    it('keeps a stretch per presence: logging in and out and each pause, none for the steps of a call', async () => {
      const clock = new TestClock(sh('2026-12-01T08:00:00').getTime());
      const svc = new AgentService({ db: t.db, now: clock.now });
      const id = await agent(t.db, 'Ann');
      const at = (local: string): void => {
        clock.ms = sh(`2026-12-01T${local}:00`).getTime();
      };
      try {
        await svc.login(id);
        at('08:10');
        await svc.login(id); // logging in again changes nothing
        await svc.tryReserve((await loadAgent(t.db, id))!, 'call-1');
        await svc.answer(id, 'call-1');
        at('08:15');
        await svc.callEnded(id, 'call-1', 30);
        await svc.endWrapUp(id);
        expect(await spansOf(t, id)).to.deep.equal([{ state: 'ready', reason: null, from: '08:00', to: null }]);

        at('12:00');
        await svc.pause(id, 'lunch');
        at('12:30');
        await svc.pause(id, 'training'); // another reason: another stretch
        await svc.pause(id, 'training'); // the same: none
        at('13:00');
        await svc.unpause(id);
        at('14:00');
        await svc.tryReserve((await loadAgent(t.db, id))!, 'call-2');
        await svc.releaseOffer(id, 'call-2', true, 1); // the automatic pause after a missed offer
        at('14:05');
        await svc.unpause(id);
        at('17:00');
        await svc.logout(id);
      } finally {
        svc.stop();
      }
      expect(await spansOf(t, id)).to.deep.equal([
        { state: 'ready', reason: null, from: '08:00', to: '12:00' },
        { state: 'paused', reason: 'lunch', from: '12:00', to: '12:30' },
        { state: 'paused', reason: 'training', from: '12:30', to: '13:00' },
        { state: 'ready', reason: null, from: '13:00', to: '14:00' },
        { state: 'paused', reason: 'no answer', from: '14:00', to: '14:05' },
        { state: 'ready', reason: null, from: '14:05', to: '17:00' },
      ]);
    });

    it('writes no stretch when the agent changed meanwhile (the conditional update lost)', async () => {
      const id = await agent(t.db, 'Dora');
      const stale = (await loadAgent(t.db, id))!;
      await t
        .db('agents')
        .where({ id })
        .update({ version: stale.version + 1 });
      const now = sh('2026-12-02T09:00:00');
      const change = { state: 'ready', reason: null } as const;
      expect(await updatePresence(t.db, id, stale.version, { state: 'available' }, now, change)).to.equal(false);
      expect(await spansOf(t, id)).to.deep.equal([]);
      expect(await updatePresence(t.db, id, stale.version + 1, { state: 'available' }, now, change)).to.equal(true);
      expect(await spansOf(t, id)).to.deep.equal([{ state: 'ready', reason: null, from: '09:00', to: null }]);
      await t.db('agents').where({ id }).delete(); // and its history with it, out of the reports below
      expect(await spansOf(t, id)).to.deep.equal([]);
    });

    describe('the daily build and the reports', () => {
      let ann: number;
      let bob: number;
      let carl: number;
      const now = sh('2026-12-07T01:00:00');

      before(async () => {
        [ann, bob, carl] = [await agent(t.db, 'Ann2'), await agent(t.db, 'Bob2'), await agent(t.db, 'Carl2')];
        const span = (agentId: number, state: string, reason: string | null, from: string, to: string | null) => ({
          agent_id: agentId,
          state,
          reason,
          started_at: sh(from),
          ended_at: to ? sh(to) : null,
        });
        await t.db('agent_presence').insert([
          // Across midnight: the 6th gets its part from 00:00.
          span(ann, 'ready', null, '2026-12-05T22:00:00', '2026-12-06T12:00:00'),
          span(ann, 'paused', 'lunch', '2026-12-06T12:00:00', '2026-12-06T13:00:00'),
          span(ann, 'ready', null, '2026-12-06T13:00:00', '2026-12-06T17:00:00'),
          // A break begun on the 5th counts as the 5th's pause, with its time shared by both days.
          span(bob, 'paused', 'break', '2026-12-05T23:30:00', '2026-12-06T00:30:00'),
          // Still logged in: counted until now.
          span(bob, 'ready', null, '2026-12-06T00:30:00', null),
          span(carl, 'ready', null, '2026-12-06T09:00:00', '2026-12-06T10:00:00'),
        ]);
        await t.db('calls').insert({
          id: 'presence-call',
          node: 'n',
          owner: 'o',
          channel_id: 'ch',
          caller_raw: '1',
          did: '1',
          state: 'ended',
          agent_id: ann,
          arrived_at: sh('2026-12-06T10:00:00'),
          answered_at: sh('2026-12-06T10:00:10'),
          ended_at: sh('2026-12-06T10:50:10'),
          talk_s: 3000,
          wrap_s: 600,
          disposition: 'answered',
        });
        for (const day of ['2026-12-05', '2026-12-06', '2026-12-07']) await buildDailyReport(t.db, day, TZ, now);
      });

      it('sums each agent’s logged-in and paused time per day, cut at midnight and at now, with occupancy', async () => {
        const report = await agentReport(t.db, { from: '2026-12-06', to: '2026-12-06', timeZone: TZ });
        const figures = report.rows.map((r) => [r.name, r.calls, r.loggedInS, r.pausedS, r.occupancyPct]);
        expect(figures).to.deep.equal([
          // 12 h before lunch, 1 h lunch, 4 h after; 3,600 s handled of 57,600 s ready.
          ['Ann2', 1, 61_200, 3_600, 6.3],
          ['Bob2', 0, 86_400, 1_800, 0],
          // Logged in without a call: in the report all the same.
          ['Carl2', 0, 3_600, 0, 0],
        ]);
        expect(report.totals).to.include({ loggedInS: 151_200, pausedS: 5_400 });
        const today = await agentReport(t.db, { from: '2026-12-07', to: '2026-12-07', timeZone: TZ });
        expect(today.rows.map((r) => [r.name, r.loggedInS])).to.deep.equal([['Bob2', 3_600]]);
      });

      it('draws a day’s timeline per agent: stretches cut to the day and to now, the last one still open', async () => {
        const timeline = await presenceTimeline(
          t.db,
          sh('2026-12-06T00:00:00'),
          sh('2026-12-07T00:00:00'),
          sh('2026-12-06T12:30:00'),
        );
        const local = (iso: string): string => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(11, 16);
        expect(
          timeline.map((a) => [
            a.name,
            a.loggedInS,
            a.pausedS,
            a.spans.map((p) => `${p.state} ${p.reason ?? ''} ${local(p.start)}-${local(p.end)}${p.open ? '…' : ''}`),
          ]),
        ).to.deep.equal([
          ['Ann2', 45_000, 1_800, ['ready  00:00-12:00', 'paused lunch 12:00-12:30…']],
          ['Bob2', 45_000, 1_800, ['paused break 00:00-00:30', 'ready  00:30-12:30…']],
          ['Carl2', 3_600, 0, ['ready  09:00-10:00']],
        ]);
        const bob2 = await presenceTimeline(t.db, sh('2026-12-06T00:00:00'), sh('2026-12-07T00:00:00'), now, [bob]);
        expect(bob2.map((a) => [a.name, a.spans.at(-1)?.open])).to.deep.equal([['Bob2', true]]);
        expect(await presenceTimeline(t.db, sh('2026-12-08T00:00:00'), sh('2026-12-09T00:00:00'), now)).to.deep.equal(
          [],
        );
      });

      it('draws the calls on it: talk and after-call work, a call still going on cut at now', async () => {
        await t.db('calls').insert({
          id: 'talking-now',
          node: 'n',
          owner: 'o',
          channel_id: 'ch-now',
          caller_raw: '1',
          did: '1',
          state: 'connected',
          agent_id: bob,
          arrived_at: sh('2026-12-06T12:19:00'),
          answered_at: sh('2026-12-06T12:20:00'),
        });
        try {
          const timeline = await presenceTimeline(
            t.db,
            sh('2026-12-06T00:00:00'),
            sh('2026-12-07T00:00:00'),
            sh('2026-12-06T12:30:00'),
          );
          const local = (iso: string): string => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(11, 19);
          expect(
            timeline.map((a) => [
              a.name,
              a.calls.map((c) => `${c.callId} ${c.kind} ${local(c.start)}-${local(c.end)}${c.open ? '…' : ''}`),
            ]),
          ).to.deep.equal([
            ['Ann2', ['presence-call talk 10:00:10-10:50:10', 'presence-call wrap 10:50:10-11:00:10']],
            ['Bob2', ['talking-now talk 12:20:00-12:30:00…']],
            ['Carl2', []],
          ]);
        } finally {
          await t.db('calls').where({ id: 'talking-now' }).delete();
        }
      });

      it('reports pauses per agent and reason: counted on the day they began, their time on each day', async () => {
        const report = await pauseReport(t.db, { from: '2026-12-05', to: '2026-12-06', timeZone: TZ });
        expect(report.rows).to.deep.equal([
          { agentId: ann, name: 'Ann2', reason: 'lunch', pauses: 1, pausedS: 3_600 },
          { agentId: bob, name: 'Bob2', reason: 'break', pauses: 1, pausedS: 3_600 },
        ]);
        expect(report.totals).to.deep.equal({ pauses: 2, pausedS: 7_200 });
        const sixth = await pauseReport(t.db, { from: '2026-12-06', to: '2026-12-06', timeZone: TZ, agentIds: [bob] });
        expect(sixth.rows).to.deep.equal([{ agentId: bob, name: 'Bob2', reason: 'break', pauses: 0, pausedS: 1_800 }]);
      });
    });
  });
}
