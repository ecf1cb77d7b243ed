import { expect } from 'chai';
import { createRule, updateRule, deleteRule } from '../../src/routing/repository.js';
import { EventBus } from '../../src/events/bus.js';
import { RuleRouter } from '../../src/routing/router.js';
import type { CallAttributes } from '../../src/routing/types.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';
import { queue, skills } from './fixtures.js';

const call = (a: Partial<CallAttributes> = {}): CallAttributes => ({
  did: '4008001000',
  callerE164: '+8613800138000',
  customerId: 1,
  tier: 'standard',
  language: 'zh',
  ivr: {},
  recentCategories: [],
  now: new Date('2026-11-23T03:00:00Z'),
  ...a,
});

for (const dialect of DIALECTS) {
  describe(`routing/router RuleRouter (${dialect})`, function () {
    let t: TestDb;
    let router: RuleRouter;
    let q: Record<string, number>;
    const ok = (): null => null;
    let ids: Record<string, number>;

    before(async () => {
      t = await createTestDb(dialect);
      await skills(t.db, 'general', 'vip', 'logistics', 'billing');
      q = {
        general: await queue(t.db, 'general', { skills: [{ skill: 'general', minLevel: 1 }] }),
        vip: await queue(t.db, 'vip'),
        logistics: await queue(t.db, 'logistics', { skills: [{ skill: 'logistics', minLevel: 3 }] }),
        billing: await queue(t.db, 'billing'),
        night: await queue(t.db, 'night'),
      };
      const r = (
        name: string,
        expression: string,
        queueId: number,
        priority: number,
        extra: Record<string, unknown> = {},
      ) => createRule(t.db, { name, expression, queueId, priority, ...extra }, ok);
      ids = {
        diamond: (
          await r('Diamond to VIP', 'tier == "diamond"', q.vip as number, 90, {
            requiredSkills: [{ skill: 'vip', minLevel: 1 }],
          })
        ).id,
        history: (await r('Repeat logistics', 'last(3, "logistics")', q.logistics as number, 20)).id,
        menu2: (await r('Menu 2', 'ivr.menu == "2"', q.billing as number, 0)).id,
        night: (await r('Night', 'not between("08:00", "20:00")', q.night as number, 0, { enabled: false })).id,
        def: (await r('Default', 'false', q.general as number, 0, { isDefault: true, position: 1 })).id,
      };
      router = new RuleRouter({ db: t.db, timeZone: 'Asia/Shanghai', watchIntervalMs: 0 });
      await router.start();
    });
    after(async () => {
      router.stop();
      await t.drop();
    });

    it('first match wins, in position order, with the rule priority and skills', async () => {
      const d = await router.route(
        call({ tier: 'diamond', recentCategories: ['logistics', 'logistics', 'logistics'] }),
      );
      expect(d).to.deep.include({
        queueId: q.vip,
        queueName: 'vip',
        priority: 90,
        ruleId: ids.diamond,
        ruleName: 'Diamond to VIP',
      });
      expect(d.requiredSkills).to.deep.equal([{ skill: 'vip', minLevel: 1 }]);
    });

    it('routes on contact history (the last three contacts were about logistics); skills default to the queue', async () => {
      const d = await router.route(call({ recentCategories: ['logistics', 'logistics', 'logistics', 'billing'] }));
      expect(d.queueName).to.equal('logistics');
      expect(d.priority).to.equal(20);
      expect(d.requiredSkills).to.deep.equal([{ skill: 'logistics', minLevel: 3 }]);
      const two = await router.route(call({ recentCategories: ['logistics', 'logistics', 'billing'] }));
      expect(two.queueName).to.equal('general');
    });

    it('uses the default rule when nothing else matches, whatever its position or expression', async () => {
      const d = await router.route(call({ ivr: { menu: '9' } }));
      expect(d).to.deep.include({ queueName: 'general', ruleId: ids.def, ruleName: 'Default' });
      expect(d.requiredSkills).to.deep.equal([{ skill: 'general', minLevel: 1 }]);
    });

    it('skips disabled rules, and test() explains every rule', async () => {
      const r = await router.test(call({ ivr: { menu: '2' }, now: new Date('2026-11-23T15:00:00Z') }));
      expect(r.decision.queueName).to.equal('billing');
      expect(r.matchedRuleId).to.equal(ids.menu2);
      expect(r.fallback).to.equal(false);
      const outcome = Object.fromEntries(r.rules.map((x) => [x.name, x.outcome]));
      expect(outcome).to.deep.equal({
        'Diamond to VIP': 'no_match',
        'Repeat logistics': 'no_match',
        'Menu 2': 'matched',
        Night: 'not_reached',
        Default: 'not_reached',
      });
      const none = await router.test(call({ ivr: { menu: '7' }, now: new Date('2026-11-23T15:00:00Z') }));
      expect(none.rules.find((x) => x.name === 'Night')?.outcome).to.equal('disabled');
      expect(none.rules.find((x) => x.name === 'Default')?.outcome).to.equal('default');
      expect(r.variables).to.include({ hour: 23, weekday: 'mon', tier: 'standard' });
      expect(r.reason).to.match(/Menu 2/);
    });

    it('picks up edits on reload(), without a restart', async () => {
      await updateRule(t.db, ids.night as number, { enabled: true }, ok);
      // Not yet: rules are compiled once.
      expect((await router.route(call({ now: new Date('2026-11-23T15:00:00Z') }))).queueName).to.equal('general');
      await router.reload();
      expect((await router.route(call({ now: new Date('2026-11-23T15:00:00Z') }))).queueName).to.equal('night');
      await updateRule(t.db, ids.night as number, { enabled: false }, ok);
      expect(await router.reloadIfChanged()).to.equal(true);
      expect(await router.reloadIfChanged()).to.equal(false);
      // An edit in the same millisecond as the one before it leaves updated_at as it was: still seen.
      const stamp = (await t.db('routing_rules').where({ id: ids.night }).first('updated_at')) as { updated_at: unknown };
      await t.db('routing_rules').where({ id: ids.night }).update({ enabled: true, updated_at: stamp.updated_at });
      expect(await router.reloadIfChanged()).to.equal(true);
      await updateRule(t.db, ids.night as number, { enabled: false }, ok);
      await router.reload();
    });

    it('reloads on queue.changed when given the bus', async () => {
      const bus = new EventBus();
      const r2 = new RuleRouter({ db: t.db, bus, timeZone: 'Asia/Shanghai', watchIntervalMs: 0 });
      await r2.start();
      try {
        const late = call({ now: new Date('2026-11-23T15:00:00Z') });
        expect((await r2.route(late)).queueName).to.equal('general');
        await updateRule(t.db, ids.night as number, { enabled: true }, ok);
        bus.publish('queue.changed', { queueId: q.night as number });
        const until = Date.now() + 2000;
        while ((await r2.route(late)).queueName !== 'night') {
          if (Date.now() > until) throw new Error('no reload after queue.changed');
          await new Promise((res) => setTimeout(res, 10));
        }
      } finally {
        r2.stop();
        await updateRule(t.db, ids.night as number, { enabled: false }, ok);
        await router.reload();
      }
    });

    it('a rule that fails at run time or does not compile never matches and is reported', async () => {
      const broken = await t.db('routing_rules').insert({
        position: 0,
        name: 'Broken',
        expression: 'tier ==',
        queue_id: q.night,
        priority: 0,
        required_skills: '[]',
        enabled: true,
        is_default: false,
      });
      const typo = await createRule(
        t.db,
        { name: 'Typo', expression: 'tierr == "gold"', queueId: q.night as number, position: 0 },
        ok,
      );
      await router.reload();
      const r = await router.test(call());
      expect(r.decision.queueName).to.equal('general');
      const byName = Object.fromEntries(r.rules.map((x) => [x.name, x]));
      expect(byName.Broken?.outcome).to.equal('error');
      expect(byName.Broken?.detail).to.match(/cannot parse/);
      expect(byName.Typo?.outcome).to.equal('error');
      expect(byName.Typo?.detail).to.match(/unknown name "tierr"/);
      await t
        .db('routing_rules')
        .whereIn('id', [Number(broken[0]), typo.id])
        .delete();
      await router.reload();
    });

    it('without a default rule, falls back to a safe queue and says so', async () => {
      await updateRule(t.db, ids.def as number, { isDefault: false }, ok);
      await router.reload();
      const r = await router.test(call());
      expect(r.fallback).to.equal(true);
      expect(r.matchedRuleId).to.equal(null);
      expect(r.decision).to.deep.include({ queueName: 'general', ruleId: 0, ruleName: 'fallback' });
      await updateRule(t.db, ids.def as number, { isDefault: true }, ok);
      await router.reload();
    });

    it('in_hours() uses the business hours tables, holidays included', async () => {
      const [hid] = await t.db('business_hours').insert({
        name: 'support',
        timezone: 'Asia/Shanghai',
        weekly: JSON.stringify({ mon: [['09:00', '18:00']], tue: [['09:00', '18:00']] }),
      });
      await t
        .db('holidays')
        .insert({ business_hours_id: hid, day: '2026-11-24', name: 'Closed day', open_spans: null });
      const rule = await createRule(
        t.db,
        { name: 'After hours', expression: 'not in_hours("support")', queueId: q.night as number, position: 0 },
        (e) => router.validate(e),
      );
      await router.reload();
      expect(router.validate('in_hours("nope")')).to.match(/unknown business hours "nope"/);
      // Monday 11:00 Shanghai: open.
      expect((await router.route(call({ now: new Date('2026-11-23T03:00:00Z') }))).queueName).to.equal('general');
      // Monday 20:00 Shanghai: closed.
      expect((await router.route(call({ now: new Date('2026-11-23T12:00:00Z') }))).queueName).to.equal('night');
      // Tuesday 11:00 Shanghai, a holiday: closed.
      expect((await router.route(call({ now: new Date('2026-11-24T03:00:00Z') }))).queueName).to.equal('night');
      await deleteRule(t.db, rule.id);
      await router.reload();
    });

    it('rule CRUD validates the expression, the queue and the skills', async () => {
      const check = (e: string) => router.validate(e);
      let err: unknown;
      await createRule(t.db, { name: 'x', expression: 'tier = "gold"', queueId: q.vip }, check).catch(
        (e: unknown) => (err = e),
      );
      expect(String(err)).to.match(/expression: cannot parse/);
      err = undefined;
      await createRule(t.db, { name: 'x', expression: 'true', queueId: 99999 }, check).catch((e: unknown) => (err = e));
      expect(String(err)).to.match(/unknown queue id 99999/);
      err = undefined;
      await createRule(
        t.db,
        { name: 'x', expression: 'true', queueId: q.vip, requiredSkills: [{ skill: 'nope', minLevel: 1 }] },
        check,
      ).catch((e: unknown) => (err = e));
      expect(String(err)).to.match(/unknown skill: nope/);
      const made = await createRule(t.db, { name: 'ok', expression: 'language == "en"', queueId: q.vip }, check);
      expect(made.position).to.be.greaterThan(0);
      expect(await deleteRule(t.db, made.id)).to.equal(true);
    });
  });
}
