import { expect } from 'chai';
import { verifyPassword } from '../../src/auth/passwords.js';
import { CustomerIdentifier } from '../../src/crm/identify.js';
import { normaliseCallerId } from '../../src/crm/phone.js';
import { BusinessHoursStore } from '../../src/ivr/hours.js';
import { FlowRepository } from '../../src/ivr/flows.js';
import {
  DEMO_CUSTOMERS,
  DEMO_DID,
  DEMO_DIRECT_DID,
  DEMO_CAMPAIGN,
  DEMO_DO_NOT_CALL,
  DEMO_ORDER_STATUS_DID,
  DEMO_USERS,
  demoMobile,
  seedCustomers,
  seedDemo,
} from '../../src/db/seed/index.js';
import { RuleRouter } from '../../src/routing/router.js';
import { validateExpression } from '../../src/routing/expressions.js';
import { adherenceReport } from '../../src/shifts/adherence.js';
import { createTestDb, DIALECTS } from '../support/db.js';
import { nextState, type CallState } from '../../src/calls/states.js';
import { toDate } from '../../src/db/time.js';
import { agentReport, buildDailyReport, daysBefore, pauseReport } from '../../src/reports/index.js';
import { listTrades } from '../../src/shifts/trades.js';
import { day as dayOfRow } from '../../src/db/rows.js';

const count = async (q: Promise<Array<Record<string, unknown>>> | unknown): Promise<number> =>
  Number(((await q) as Array<{ n: unknown }>)[0]?.n ?? 0);

for (const dialect of DIALECTS) {
  describe(`db/seed seedDemo (${dialect})`, function () {
    this.timeout(60_000);

    it('seeds a working contact center, once', async () => {
      const t = await createTestDb(dialect);
      try {
        const r = await seedDemo(t.db, { customers: 300 });
        expect(r).to.deep.include({ skipped: false, agents: 50, queues: 8 });
        expect(Object.keys(r.queueIds).sort()).to.deep.equal([
          'backup',
          'billing',
          'general',
          'logistics',
          'orders',
          'sales',
          'technical',
          'vip',
        ]);
        expect(Object.keys(r.agentIds)).to.include.members(['PJSIP/2001', 'PJSIP/2050']);
        // The demo's do-not-call list holds the number the README tells a newcomer to try.
        expect((await t.db('do_not_call').select('e164')).map((x: { e164: string }) => x.e164)).to.deep.equal([
          DEMO_DO_NOT_CALL,
        ]);
        // A paused campaign of customers' numbers, each a pending contact with the customer's name.
        const campaign = await t.db('campaigns').first('id', 'name', 'state', 'queue_id', 'hours');
        expect(campaign).to.deep.include({ name: DEMO_CAMPAIGN.name, state: 'paused', queue_id: r.queueIds.general });
        const contacts = (await t.db('campaign_contacts').where({ campaign_id: campaign.id })) as {
          state: string;
          name: string | null;
        }[];
        expect(contacts).to.have.length(DEMO_CAMPAIGN.contacts);
        expect(contacts.every((c) => c.state === 'pending' && c.name)).to.equal(true);
        expect((await t.db('agents').distinct('site')).map((x: { site: string }) => x.site).sort()).to.deep.equal([
          'chengdu',
          'shanghai',
        ]);
        // Every queue can be served by someone with its skills.
        for (const [name, id] of Object.entries(r.queueIds)) {
          const reqs = await t.db('queue_skills').where({ queue_id: id });
          for (const req of reqs as Array<{ skill_id: number; min_level: number }>) {
            const n = await count(
              t
                .db('agent_skills')
                .where({ skill_id: req.skill_id })
                .where('level', '>=', req.min_level)
                .count({ n: '*' }),
            );
            expect(n, `agents for queue ${name}`).to.be.greaterThan(0);
          }
        }
        // Rules compile in the router's language; the router routes the demo customers as documented.
        const rules = (await t.db('routing_rules').orderBy('position')) as Array<{
          expression: string;
          is_default: unknown;
        }>;
        for (const rule of rules) expect(validateExpression(rule.expression), rule.expression).to.equal(null);
        expect(rules.filter((x) => Boolean(Number(x.is_default)))).to.have.length(1);
        const router = new RuleRouter({ db: t.db, timeZone: 'Asia/Shanghai', watchIntervalMs: 0 });
        await router.start();
        const identify = new CustomerIdentifier({ db: t.db, defaultCountry: 'CN' });
        const routeFor = async (phone: string, ivr: Record<string, string> = {}) => {
          const id = await identify.identify(phone);
          return router.route({
            did: DEMO_DIRECT_DID,
            callerE164: id.caller.e164,
            customerId: id.customer?.customerId ?? null,
            tier: id.customer?.tier ?? null,
            language: id.customer?.language ?? 'zh',
            ivr,
            recentCategories: id.customer?.recentCategories ?? [],
            now: new Date(),
          });
        };
        const phone = (k: string): string => DEMO_CUSTOMERS.find((c) => c.key === k)?.phone as string;
        expect((await routeFor(phone('gold'))).queueName).to.equal('general');
        expect((await routeFor(phone('gold'))).priority).to.equal(50);
        expect((await routeFor(phone('diamond'))).queueName).to.equal('vip');
        expect((await routeFor(phone('logistics'))).queueName).to.equal('logistics');
        expect((await routeFor(phone('standard2'), { menu: '2' })).queueName).to.equal('billing');
        expect((await routeFor(phone('standard2'))).queueName).to.equal('general');
        router.stop();

        // Flows and DIDs.
        const flows = new FlowRepository(t.db, 0);
        expect((await flows.forDid(DEMO_DID))?.name).to.equal('main');
        expect((await flows.forDid(DEMO_ORDER_STATUS_DID))?.name).to.equal('order-status');
        expect(await flows.forDid(DEMO_DIRECT_DID)).to.equal(null);
        // Hours: Monday 10:00 Shanghai open, 22:00 closed, National Day a holiday.
        const hours = new BusinessHoursStore(t.db);
        expect(await hours.state('main', new Date('2026-11-23T02:00:00Z'))).to.equal('open');
        expect(await hours.state('main', new Date('2026-11-23T14:00:00Z'))).to.equal('closed');
        expect(await hours.state('main', new Date('2026-10-01T03:00:00Z'))).to.equal('holiday');

        // Users can log in with the documented passwords.
        for (const u of DEMO_USERS) {
          const row = await t.db('users').where({ username: u.username }).first();
          expect(row.role).to.equal(u.role);
          expect(await verifyPassword(u.password, row.password_hash)).to.equal(true);
          expect(row.password_hash).to.match(/^scrypt\$\d+\$\d+\$\d+\$/);
        }
        expect((await t.db('agents').where({ endpoint: 'PJSIP/2001' }).first()).user_id).to.be.a('number');

        // Customers: valid, unique Chinese mobiles; orders with shipping data.
        expect(await count(t.db('customers').count({ n: '*' }))).to.equal(300 + DEMO_CUSTOMERS.length);
        const phones = (await t.db('customer_phones').select('e164')).map((p: { e164: string }) => p.e164);
        expect(new Set(phones).size).to.equal(phones.length);
        for (const p of phones) expect(normaliseCallerId(p, 'CN').e164, p).to.equal(p);
        expect(phones.filter((p) => /^\+8613\d{9}$/.test(p))).to.have.length(300);
        const shipped = await t.db('orders').where({ status: 'in_transit' }).first();
        expect(shipped.carrier).to.be.a('string');
        expect(String(shipped.order_no)).to.match(/^\d{8}$/);
        expect(await count(t.db('contacts').count({ n: '*' }))).to.be.greaterThan(100);

        expect((await seedDemo(t.db)).skipped).to.equal(true);
        expect(await count(t.db('queues').count({ n: '*' }))).to.equal(8);
      } finally {
        await t.drop();
      }
    });

    it('fills past days with calls whose events follow the call state machine, and whose reports add up', async () => {
      const t = await createTestDb(dialect);
      try {
        const days = daysBefore(new Date('2026-12-06T12:00:00+08:00'), 2, 'Asia/Shanghai');
        const r = await seedDemo(t.db, {
          customers: 100,
          historyDays: days,
          schedule: { timeZone: 'Asia/Shanghai', days: ['2026-12-06'] },
          // Before the planned day, so its shifts are still to come and traded.
          now: new Date('2026-12-05T20:00:00+08:00'),
        });
        expect(r.history?.calls).to.be.within(2 * 400, 2 * 800);
        const calls = (await t
          .db('calls')
          .select('id', 'arrived_at', 'queue_id', 'answered_at', 'disposition')) as Record<string, unknown>[];
        expect(calls).to.have.length(r.history?.calls ?? -1);
        for (const c of calls) {
          const at = toDate(c.arrived_at)?.getTime() ?? 0;
          expect(at).to.be.at.least(days[0]!.start.getTime()).and.below(days[1]!.end.getTime());
        }
        const events = (await t
          .db('call_events')
          .orderBy(['call_id', 'seq'])
          .select('call_id', 'seq', 'from_state', 'event', 'to_state')) as {
          call_id: string;
          seq: number;
          from_state: string | null;
          event: string;
          to_state: string;
        }[];
        expect(events).to.have.length(r.history?.events ?? -1);
        let previous: (typeof events)[number] | undefined;
        for (const e of events) {
          const first = previous?.call_id !== e.call_id;
          if (first) expect([e.seq, e.event, e.from_state]).to.deep.equal([1, 'arrive', null]);
          else
            expect(nextState(previous!.to_state as CallState, e.event), `${previous!.to_state} -> ${e.event}`).to.equal(
              e.to_state,
            );
          previous = e;
        }
        const queued = calls.filter((c) => c.queue_id !== null).length;
        let offered = 0;
        for (const { day } of days) offered += (await buildDailyReport(t.db, day, 'Asia/Shanghai')).calls;
        expect(offered).to.equal(queued);
        expect(calls.filter((c) => c.disposition === 'self_service').length).to.be.greaterThan(0);
        expect(calls.filter((c) => c.disposition === 'abandoned').length).to.be.greaterThan(0);

        // A rota: 8 agents a day, each with one shift and its pauses; the calls go to the agents on shift then.
        const spans = (await t.db('agent_presence').select('agent_id', 'state', 'started_at', 'ended_at')) as Record<
          string,
          unknown
        >[];
        expect(spans).to.have.length(r.history?.presenceSpans ?? -1);
        expect(new Set(spans.map((p) => p.agent_id)).size).to.equal(16);
        const working = (at: Date, agentId: unknown): boolean =>
          spans.some((p) => p.agent_id === agentId && toDate(p.started_at)! <= at && at <= toDate(p.ended_at)!);
        const answered = (await t.db('calls').whereNotNull('agent_id').select('agent_id', 'queued_at')) as Record<
          string,
          unknown
        >[];
        const byShift = answered.filter((c) => working(toDate(c.queued_at)!, c.agent_id)).length;
        expect(byShift / answered.length, 'calls taken by an agent logged in then').to.be.greaterThan(0.85);
        const report = await agentReport(t.db, { from: days[0]!.day, to: days[1]!.day, timeZone: 'Asia/Shanghai' });
        expect(report.totals.pausedS).to.be.greaterThan(0);
        expect(report.totals.occupancyPct).to.be.within(40, 90);
        const pauses = await pauseReport(t.db, { from: days[0]!.day, to: days[1]!.day, timeZone: 'Asia/Shanghai' });
        expect(new Set(pauses.rows.map((p) => p.reason))).to.include.members(['break', 'lunch']);

        // The same rota as shifts, for the days lived and the day after: the agents kept to it, give or take a
        // break taken a little early or late.
        expect(r.shifts).to.equal(3 * 8);
        // And a request for days off waiting for a supervisor, after the days planned.
        const waiting = (await t.db('time_off').select('status', 'from_day')) as Record<string, unknown>[];
        expect(waiting.map((w) => w.status)).to.deep.equal(['pending']);
        // Two of the planned day's shifts traded: one accepted and waiting for a supervisor, one open to anyone.
        const trades = await listTrades(
          t.db,
          {},
          { now: new Date('2026-12-05T20:00:00+08:00'), timeZone: 'Asia/Shanghai' },
        );
        expect(trades.map((x) => [x.status, x.toAgentId === null])).to.have.deep.members([
          ['accepted', false],
          ['offered', true],
        ]);
        expect(trades.every((x) => x.shift?.day === '2026-12-06')).to.equal(true);
        // The day after the planned one begun as drafts: its rota, not yet published.
        const drafts = (await t.db('shifts').whereNull('published_at').select('day')) as Record<string, unknown>[];
        expect(drafts).to.have.length(8);
        expect(new Set(drafts.map((d) => dayOfRow(d.day)))).to.deep.equal(new Set(['2026-12-07']));
        expect(await t.db('shifts').where('day', '<=', '2026-12-06').whereNull('published_at')).to.be.empty;
        const adherence = await adherenceReport(t.db, {
          day: days[0]!.day,
          timeZone: 'Asia/Shanghai',
          now: new Date('2026-12-06T12:00:00+08:00'),
        });
        expect(adherence.agents.filter((a) => a.scheduledS > 0)).to.have.length(8);
        expect(adherence.totals.adherencePct).to.be.within(85, 99.9);
        // In up to 10 minutes early, out up to 15 minutes late.
        expect(adherence.agents.every((a) => a.unscheduledS <= 25 * 60)).to.equal(true);
      } finally {
        await t.drop();
      }
    });

    it('alwaysOpen keeps the main hours open at any time', async () => {
      const t = await createTestDb(dialect);
      try {
        await seedDemo(t.db, { customers: 0, alwaysOpen: true });
        const hours = new BusinessHoursStore(t.db);
        expect(await hours.state('main', new Date('2026-11-23T14:00:00Z'))).to.equal('open');
        expect(await hours.state('main', new Date('2026-10-01T03:00:00Z'))).to.equal('open');
        expect(await hours.state('shanghai', new Date('2026-10-01T03:00:00Z'))).to.equal('holiday');
      } finally {
        await t.drop();
      }
    });

    it('seedCustomers appends without colliding (ids, phones, order numbers)', async () => {
      const t = await createTestDb(dialect);
      try {
        const a = await seedCustomers(t.db, 120, { batchSize: 50 });
        const b = await seedCustomers(t.db, 80, { batchSize: 50, seed: 7 });
        expect(b.firstCustomerId).to.equal(a.firstCustomerId + 120);
        expect(await count(t.db('customers').count({ n: '*' }))).to.equal(200);
        expect(await count(t.db('customer_phones').countDistinct({ n: 'e164' }))).to.equal(200);
        expect(await count(t.db('orders').countDistinct({ n: 'order_no' }))).to.equal(a.orders + b.orders);
        const p = await t
          .db('customer_phones')
          .where({ e164: demoMobile(b.phoneOffset + 5) })
          .first();
        expect(p.customer_id).to.equal(b.firstCustomerId + 5);
        expect((await seedCustomers(t.db, 0)).customers).to.equal(0);
        const err = await seedCustomers(t.db, -1).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(Error);
      } finally {
        await t.drop();
      }
    });
  });
}
