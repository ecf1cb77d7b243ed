import { expect } from 'chai';
import { pino, type Logger } from 'pino';
import type { Db } from '../../src/db/knex.js';
import { unbatchedStatements } from '../../src/db/statement-batch.js';
import { agentView, createAgent, loadAgent, updateAgent, UnknownSkillError } from '../../src/agents/repository.js';
import { AgentService } from '../../src/agents/service.js';
import { AgentTransitionError } from '../../src/agents/states.js';
import { EventBus, type BusEvents } from '../../src/events/bus.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';
import { toDate } from '../../src/db/time.js';
import { agent, skills, TestClock } from '../routing/fixtures.js';
import { intercepted } from '../calls/fakes.js';

async function until(fn: () => Promise<boolean>, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The same database, but `before(sql)` runs (and is awaited) just before each statement goes out: a test uses it
 * to let another writer commit at an exact point of an interleaving. Unbatched: a batched update would go out as
 * SQL text, past the query builder's `then` watched there.
 */
function interceptedUnbatched(db: Db, before: (sql: string) => Promise<void>): Db {
  return unbatchedStatements(intercepted(db, before));
}

/** A logger whose error-level lines the test can read. */
function capturing(): { logger: Logger; lines: string[]; errors: () => string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, errors: () => lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50) };
}

for (const dialect of DIALECTS) {
  describe(`agents/service AgentService (${dialect})`, function () {
    let t: TestDb;
    let bus: EventBus;
    let events: BusEvents['agent.state'][];
    let svc: AgentService;
    let id: number;

    before(async () => {
      t = await createTestDb(dialect);
      await skills(t.db, 'orders', 'billing');
    });
    after(async () => t.drop());
    beforeEach(async () => {
      bus = new EventBus();
      events = [];
      bus.subscribe('agent.state', (e) => events.push(e));
      svc = new AgentService({ db: t.db, bus });
      id = await agent(t.db, `a${Math.random()}`, { skills: [{ skill: 'orders', level: 5 }] });
    });
    afterEach(() => svc.stop());

    it('logs in bound to an endpoint, publishes agent.state, logs out', async () => {
      const a = await svc.login(id, 'PJSIP/softphone-9');
      expect(a.state).to.equal('available');
      expect(a.boundEndpoint).to.equal('PJSIP/softphone-9');
      expect(events.at(-1)).to.include({ agentId: id, state: 'available' });
      const stored = await loadAgent(t.db, id);
      expect(stored?.state).to.equal('available');
      expect(stored?.boundEndpoint).to.equal('PJSIP/softphone-9');
      const out = await svc.logout(id);
      expect(out.state).to.equal('logged_out');
      expect((await loadAgent(t.db, id))?.boundEndpoint).to.equal(null);
    });

    it('refuses an endpoint another logged-in agent is using', async () => {
      const other = await agent(t.db, `b${Math.random()}`);
      await svc.login(other, 'PJSIP/shared-1');
      let err: unknown;
      await svc.login(id, 'PJSIP/shared-1').catch((e: unknown) => (err = e));
      expect((err as Error).message).to.match(/PJSIP\/shared-1 is in use by/);
      expect((err as { code: string }).code).to.equal('conflict');
      await svc.logout(other);
      expect((await svc.login(id, 'PJSIP/shared-1')).state).to.equal('available');
      await svc.logout(id);
    });

    it('refuses a bad endpoint at login', async () => {
      let err: unknown;
      await svc.login(id, 'not a dial string').catch((e: unknown) => (err = e));
      expect((err as Error).message).to.match(/not a dial string/);
      expect((await loadAgent(t.db, id))?.state).to.equal('logged_out');
    });

    it('pauses with a reason and unpauses', async () => {
      await svc.login(id);
      const p = await svc.pause(id, 'lunch');
      expect(p.state).to.equal('paused');
      expect(p.pauseReason).to.equal('lunch');
      expect(events.at(-1)).to.include({ state: 'paused', reason: 'lunch' });
      const u = await svc.unpause(id);
      expect(u.state).to.equal('available');
      expect(u.pauseReason).to.equal(null);
    });

    it('rejects an invalid transition with from -> event -> (undefined) and changes nothing', async () => {
      const before = await loadAgent(t.db, id);
      let err: unknown;
      await svc.pause(id, 'break').catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(AgentTransitionError);
      expect((err as Error).message).to.contain('logged_out -> pause -> (undefined)');
      const after = await loadAgent(t.db, id);
      expect(after?.state).to.equal('logged_out');
      expect(after?.version).to.equal(before?.version);
      expect(events).to.have.length(0);
    });

    it("a person's refused request is logged at info; a refused step of the call flow is an error", async () => {
      const log = capturing();
      const logged = new AgentService({ db: t.db, logger: log.logger });
      const refusals = (level: number) =>
        log.lines
          .map((l) => JSON.parse(l) as { level: number; msg: string })
          .filter((l) => l.level === level && l.msg.endsWith('transition not defined'))
          .map((l) => l.msg);
      for (const refused of [() => logged.unpause(id), () => logged.endWrapUp(id), () => logged.logout(id)])
        expect(await refused().catch((e: unknown) => e)).to.be.instanceOf(AgentTransitionError);
      expect(refusals(30)).to.deep.equal([
        'logged_out -> unpause -> (undefined): transition not defined',
        'logged_out -> wrap_up_done -> (undefined): transition not defined',
        'logged_out -> logout -> (undefined): transition not defined',
      ]);
      expect(log.errors()).to.deep.equal([]);
      await logged.callEnded(id, 'no-such-call', 5).catch(() => undefined);
      expect(refusals(50)).to.deep.equal(['logged_out -> last_call_ended -> (undefined): transition not defined']);
      logged.stop();
    });

    it('times wrap-up from callEnded and frees the agent when it runs out', async () => {
      await svc.login(id);
      const a = (await loadAgent(t.db, id))!;
      const r = await svc.tryReserve(a, 'call-1');
      expect(r?.state).to.equal('reserved');
      await svc.answer(id, 'call-1');
      expect((await loadAgent(t.db, id))?.state).to.equal('on_call');
      const w = await svc.callEnded(id, 'call-1', 0.2);
      expect(w.state).to.equal('wrap_up');
      expect(w.wrapUpUntil).to.be.instanceOf(Date);
      await until(async () => (await loadAgent(t.db, id))?.state === 'available', 'wrap-up to end');
      expect(events.map((e) => e.state)).to.include.members(['reserved', 'on_call', 'wrap_up', 'available']);
    });

    it('extends wrap-up, and endWrapUp ends it early', async () => {
      await svc.login(id);
      await svc.tryReserve((await loadAgent(t.db, id))!, 'call-2');
      await svc.answer(id, 'call-2');
      await svc.callEnded(id, 'call-2', 0.15);
      const ext = await svc.extendWrapUp(id, 30);
      expect(ext.wrapUpUntil!.getTime() - Date.now()).to.be.greaterThan(25_000);
      await new Promise((r) => setTimeout(r, 300));
      expect((await loadAgent(t.db, id))?.state).to.equal('wrap_up');
      const done = await svc.endWrapUp(id);
      expect(done.state).to.equal('available');
    });

    it('callEnded with no wrap-up time goes straight back to available', async () => {
      await svc.login(id);
      await svc.tryReserve((await loadAgent(t.db, id))!, 'call-3');
      await svc.answer(id, 'call-3');
      expect((await svc.callEnded(id, 'call-3', 0)).state).to.equal('available');
    });

    it('a paused agent places a call and goes back to the same pause after it, in the presence history too', async () => {
      await svc.login(id);
      await svc.pause(id, 'lunch');
      const paused = (await loadAgent(t.db, id))!;
      // A caller's offer never takes a paused agent; a call the agent places does.
      expect(await svc.tryReserve(paused, 'offer-x')).to.equal(null);
      const r = await svc.tryReserve(paused, 'dial-1', 'dial');
      expect(r).to.include({ state: 'reserved', pauseReason: 'lunch', reservedCallId: 'dial-1' });
      expect(await loadAgent(t.db, id)).to.include({ state: 'reserved', pauseReason: 'lunch' });
      await svc.answer(id, 'dial-1');
      expect((await svc.callEnded(id, 'dial-1', 0.15)).state).to.equal('wrap_up');
      await until(async () => (await loadAgent(t.db, id))?.state === 'paused', 'wrap-up to end in the pause');
      expect((await loadAgent(t.db, id))?.pauseReason).to.equal('lunch');
      const stretches = (await t
        .db('agent_presence')
        .where({ agent_id: id })
        .orderBy('id')
        .select('state', 'reason', 'ended_at')) as { state: string; reason: string | null; ended_at: unknown }[];
      expect(stretches.map((x) => [x.state, x.reason])).to.deep.equal([
        ['ready', null],
        ['paused', 'lunch'],
        ['ready', null],
        ['paused', 'lunch'],
      ]);
      expect(stretches.filter((x) => x.ended_at === null)).to.have.length(1);

      // A call whose phone never picked up, and one ended with no wrap-up time: straight back to the pause.
      await svc.tryReserve((await loadAgent(t.db, id))!, 'dial-2', 'dial');
      expect(await svc.releaseOffer(id, 'dial-2', false, 1)).to.include({ state: 'paused', pauseReason: 'lunch' });
      await svc.tryReserve((await loadAgent(t.db, id))!, 'dial-3', 'dial');
      await svc.answer(id, 'dial-3');
      expect(await svc.callEnded(id, 'dial-3', 0)).to.include({ state: 'paused', pauseReason: 'lunch' });
      // Ending the wrap-up by hand goes back to the pause too: calls come only to an agent who asked for them.
      await svc.tryReserve((await loadAgent(t.db, id))!, 'dial-4', 'dial');
      await svc.answer(id, 'dial-4');
      await svc.callEnded(id, 'dial-4', 60);
      expect(await svc.endWrapUp(id)).to.include({ state: 'paused', pauseReason: 'lunch' });
      expect(events.map((e) => e.state).slice(-4)).to.deep.equal(['reserved', 'on_call', 'wrap_up', 'paused']);
    });

    it('an agent in wrap-up places a call: the wrap-up ends, and the new call has its own', async () => {
      await svc.login(id);
      await svc.tryReserve((await loadAgent(t.db, id))!, 'call-w1');
      await svc.answer(id, 'call-w1');
      await svc.callEnded(id, 'call-w1', 60);
      const r = await svc.tryReserve((await loadAgent(t.db, id))!, 'call-w2', 'dial');
      expect(r).to.include({ state: 'reserved', pauseReason: null, wrapUpUntil: null });
      expect((await loadAgent(t.db, id))?.wrapUpUntil).to.equal(null);
      await svc.answer(id, 'call-w2');
      expect(await svc.callEnded(id, 'call-w2', 0)).to.include({ state: 'available' });
    });

    it('callEnded for a reservation whose answer was never recorded counts the call and wraps up', async () => {
      await svc.login(id);
      await svc.tryReserve((await loadAgent(t.db, id))!, 'lost-answer');
      const a = await svc.callEnded(id, 'lost-answer', 30);
      expect(a).to.deep.include({ state: 'wrap_up', activeCalls: 0, reservedCallId: null, callsToday: 1 });
      await svc.endWrapUp(id);
    });

    it('callEnded in a state without a call is refused and logged, not silently applied', async () => {
      await svc.login(id);
      let err: unknown;
      await svc.callEnded(id, 'nothing', 5).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(AgentTransitionError);
      expect((err as Error).message).to.contain('available -> last_call_ended -> (undefined)');
      expect((await loadAgent(t.db, id))?.state).to.equal('available');
    });

    it('an agent who hangs up while their answer is being written goes back to available (not stuck on_call)', async () => {
      await svc.login(id);
      await svc.tryReserve((await loadAgent(t.db, id))!, 'answer-race');
      // callEnded reads the agent still reserved; the call flow's answer commits just before callEnded's own.
      let answered = false;
      const log = capturing();
      const hangingUp = new AgentService({
        db: interceptedUnbatched(t.db, async (sql) => {
          if (answered || !/^update/i.test(sql)) return;
          answered = true;
          await svc.answer(id, 'answer-race');
        }),
        logger: log.logger,
      });
      const a = await hangingUp.callEnded(id, 'answer-race', 0);
      expect(answered).to.equal(true);
      expect(a.state).to.equal('available');
      expect(await loadAgent(t.db, id)).to.deep.include({
        state: 'available',
        activeCalls: 0,
        reservedCallId: null,
        callsToday: 1,
      });
      expect(log.errors()).to.deep.equal([]);
      hangingUp.stop();
    });

    it('callEnded with no wrap-up time: one conditional update, on_call -> available, no wrap_up to race the sweep', async () => {
      await svc.login(id);
      await svc.tryReserve((await loadAgent(t.db, id))!, 'sweep-race');
      await svc.answer(id, 'sweep-race');
      events.length = 0;
      const sweeper = new AgentService({ db: t.db, now: () => new Date(Date.now() + 2000) });
      const writes: string[] = [];
      let swept = -1;
      const log = capturing();
      const ending = new AgentService({
        db: interceptedUnbatched(t.db, async (sql) => {
          if (!/^update/i.test(sql)) return;
          writes.push(sql);
          // Right before callEnded writes, another orchestrator's sweep runs: it has no wrap-up to end.
          if (writes.length === 1) swept = await sweeper.sweep();
        }),
        bus,
        logger: log.logger,
      });
      const a = await ending.callEnded(id, 'sweep-race', 0);
      expect(swept).to.equal(0);
      expect(writes).to.have.length(1);
      expect(a).to.deep.include({ state: 'available', activeCalls: 0, wrapUpUntil: null });
      expect((await loadAgent(t.db, id))?.state).to.equal('available');
      expect(events.map((e) => e.state)).to.deep.equal(['available']);
      expect(log.errors()).to.deep.equal([]);
      ending.stop();
    });

    it('answer and callEnded of an offer made here start from the row this process knows: no read, one update each', async () => {
      await svc.login(id);
      const statements: string[] = [];
      const counted = new AgentService({
        db: interceptedUnbatched(t.db, async (sql) => void statements.push(sql.split(' ')[0]!.toLowerCase())),
        bus,
      });
      const reserved = await counted.tryReserve((await loadAgent(t.db, id))!, 'known-row');
      expect(reserved?.state).to.equal('reserved');
      await counted.answer(id, 'known-row');
      const a = await counted.callEnded(id, 'known-row', 0);
      expect(statements).to.deep.equal(['update', 'update', 'update']);
      expect(a).to.deep.include({ state: 'available', activeCalls: 0, callsToday: 1 });
      expect((await loadAgent(t.db, id))?.state).to.equal('available');
      counted.stop();
    });

    it('a row changed by another orchestrator since this one knew it is re-read, never overwritten', async () => {
      await svc.login(id);
      const reserved = await svc.tryReserve((await loadAgent(t.db, id))!, 'stale-known');
      expect(reserved?.state).to.equal('reserved');
      // Another orchestrator releases the reservation meanwhile (its version moves on).
      const other = new AgentService({ db: t.db });
      expect(await other.releaseOffer(id, 'stale-known', false, 0)).to.not.equal(null);
      const refused = await svc.answer(id, 'stale-known').then(
        () => null,
        (err: Error) => err.message,
      );
      expect(refused).to.match(/available -> answer/);
      expect(await loadAgent(t.db, id)).to.deep.include({ state: 'available', reservedCallId: null, activeCalls: 0 });
      // An admin edit moves the version too: the next cached transition re-reads and still applies.
      await svc.tryReserve((await loadAgent(t.db, id))!, 'after-edit');
      await updateAgent(t.db, id, { capacity: 2 });
      const answered = await svc.answer(id, 'after-edit');
      expect(answered).to.deep.include({ state: 'on_call', capacity: 2, activeCalls: 1 });
      expect(await loadAgent(t.db, id)).to.deep.include({ state: 'on_call', capacity: 2, activeCalls: 1 });
      other.stop();
    });

    it('a sweep that finds the wrap-up already ended does nothing and logs no error', async () => {
      await svc.login(id);
      await svc.tryReserve((await loadAgent(t.db, id))!, 'sweep-late');
      await svc.answer(id, 'sweep-late');
      await svc.callEnded(id, 'sweep-late', 60);
      svc.stop();
      let ended = false;
      const log = capturing();
      const sweeper = new AgentService({
        db: interceptedUnbatched(t.db, async (sql) => {
          // The sweep listed the agent; the wrap-up ends (callEnded, the agent) before the sweep reads them.
          if (!ended && /where [`"]id[`"] = \?/i.test(sql)) {
            ended = true;
            await svc.endWrapUp(id);
          }
        }),
        logger: log.logger,
        now: () => new Date(Date.now() + 120_000),
      });
      expect(await sweeper.sweep()).to.equal(0);
      expect(ended).to.equal(true);
      expect((await loadAgent(t.db, id))?.state).to.equal('available');
      expect(log.errors()).to.deep.equal([]);
    });

    it("the wrap-up timer finds the wrap-up ended by another orchestrator's sweep: no error", async () => {
      const log = capturing();
      const timed = new AgentService({ db: t.db, logger: log.logger });
      await timed.login(id);
      await timed.tryReserve((await loadAgent(t.db, id))!, 'timer-late');
      await timed.answer(id, 'timer-late');
      await timed.callEnded(id, 'timer-late', 0.1);
      const other = new AgentService({ db: t.db, now: () => new Date(Date.now() + 1000) });
      expect(await other.sweep()).to.equal(1);
      // The timer (0.1 s) fires and decides: either 'already done' (debug) or the refusal (error).
      await until(
        async () => log.lines.some((l) => /already done|wrap_up_done/.test(l) && !/"to":"wrap_up"/.test(l)),
        'the wrap-up timer to fire',
      );
      expect(log.errors()).to.deep.equal([]);
      expect((await loadAgent(t.db, id))?.state).to.equal('available');
      timed.stop();
    });

    it('the sweep ends wrap-ups that ran out (after a restart, or another orchestrator)', async () => {
      const clock = new TestClock();
      const s2 = new AgentService({ db: t.db, bus, now: clock.now });
      await s2.login(id);
      await s2.tryReserve((await loadAgent(t.db, id))!, 'call-4');
      await s2.answer(id, 'call-4');
      await s2.callEnded(id, 'call-4', 60);
      s2.stop(); // the timer is gone, as after a restart
      expect(await s2.sweep()).to.equal(0);
      clock.advance(61);
      expect(await s2.sweep()).to.equal(1);
      expect((await loadAgent(t.db, id))?.state).to.equal('available');
    });

    it('auto-pauses after N missed offers in a row with reason "no answer"', async () => {
      await svc.login(id);
      for (let i = 1; i <= 2; i++) {
        await svc.tryReserve((await loadAgent(t.db, id))!, `m${i}`);
        const a = await svc.releaseOffer(id, `m${i}`, true, 3);
        expect(a?.state).to.equal('available');
        expect(a?.missedInRow).to.equal(i);
      }
      await svc.tryReserve((await loadAgent(t.db, id))!, 'm3');
      const a = await svc.releaseOffer(id, 'm3', true, 3);
      expect(a?.state).to.equal('paused');
      expect(a?.pauseReason).to.equal('no answer');
      expect((await svc.unpause(id)).missedInRow).to.equal(0);
    });

    it('setEndpointOnline marks the agents on that endpoint and tells listeners', async () => {
      const changes: number[] = [];
      svc.onChange((c) => changes.push(c.agent.id));
      await svc.login(id, 'PJSIP/desk-77');
      const ids = await svc.setEndpointOnline('PJSIP/desk-77', false);
      expect(ids).to.deep.equal([id]);
      expect((await loadAgent(t.db, id))?.endpointOnline).to.equal(false);
      expect(changes).to.include(id);
      expect(await svc.tryReserve((await loadAgent(t.db, id))!, 'x')).to.equal(null);
      await svc.setEndpointOnline('PJSIP/desk-77', true);
      expect((await loadAgent(t.db, id))?.endpointOnline).to.equal(true);
    });

    it('endpointStateChanged takes the switch event shape; unknown counts as online', async () => {
      await svc.login(id, 'PJSIP/desk-88');
      svc.endpointStateChanged({ tech: 'PJSIP', resource: 'desk-88', state: 'offline' });
      await until(async () => (await loadAgent(t.db, id))?.endpointOnline === false, 'offline');
      svc.endpointStateChanged({ tech: 'PJSIP', resource: 'desk-88', state: 'unknown' });
      await until(async () => (await loadAgent(t.db, id))?.endpointOnline === true, 'online again');
    });

    it('the sweep logs out an agent off calls whose phone stayed away too long, not one whose phone came back', async () => {
      const clock = new TestClock();
      const sweeper = new AgentService({ db: t.db, now: clock.now, offlineLogoutMs: 600_000 });
      const other = await agent(t.db, `b${Math.random()}`);
      const onCall = await agent(t.db, `c${Math.random()}`);
      try {
        await sweeper.login(id, 'PJSIP/soft-1');
        await sweeper.login(other, 'PJSIP/soft-2');
        await sweeper.login(onCall, 'PJSIP/soft-3');
        await sweeper.pause(id, 'lunch');
        await sweeper.tryReserve((await loadAgent(t.db, onCall))!, 'long-call');
        await sweeper.answer(onCall, 'long-call');
        for (const phone of ['PJSIP/soft-1', 'PJSIP/soft-2', 'PJSIP/soft-3'])
          await sweeper.setEndpointOnline(phone, false);
        clock.advance(599);
        await sweeper.sweep();
        expect((await loadAgent(t.db, id))?.state, 'not yet').to.equal('paused');
        await sweeper.setEndpointOnline('PJSIP/soft-2', true); // back in time
        clock.advance(2);
        await sweeper.sweep();
        expect(await loadAgent(t.db, id)).to.include({ state: 'logged_out', boundEndpoint: null, pauseReason: null });
        expect((await loadAgent(t.db, other))?.state).to.equal('available');
        expect((await loadAgent(t.db, onCall))?.state, 'a call in progress is not cut short').to.equal('on_call');
        const open = await t.db('agent_presence').where({ agent_id: id }).whereNull('ended_at');
        expect(open, 'the presence history ends with the logout').to.have.length(0);
        // Nobody was there since the phone went away: the lunch ends then, not at the sweep ten minutes later.
        const wentAway = (await t.db('agent_presence').where({ agent_id: id }).orderBy('id', 'desc').first()) as {
          reason: string;
          started_at: unknown;
          ended_at: unknown;
        };
        expect(wentAway.reason).to.equal('lunch');
        expect(toDate(wentAway.ended_at)?.getTime()).to.equal(clock.now().getTime() - 601_000);
      } finally {
        sweeper.stop();
      }
    });

    it('a reservation with a stale version changes nothing', async () => {
      await svc.login(id);
      const seen = (await loadAgent(t.db, id))!;
      await svc.pause(id, 'meeting');
      expect(await svc.tryReserve(seen, 'y')).to.equal(null);
      const now = await loadAgent(t.db, id);
      expect(now?.state).to.equal('paused');
      expect(now?.reservedCallId).to.equal(null);
    });

    it('CRUD validates input and names unknown skills', async () => {
      let err: unknown;
      await createAgent(t.db, { name: 'x', endpoint: 'nope' }).catch((e: unknown) => (err = e));
      expect(String(err)).to.match(/dial string/);
      err = undefined;
      await createAgent(t.db, { name: 'x', endpoint: 'PJSIP/4999', skills: [{ skill: 'juggling', level: 3 }] }).catch(
        (e: unknown) => (err = e),
      );
      expect(err).to.be.instanceOf(UnknownSkillError);
      expect(await t.db('agents').where({ endpoint: 'PJSIP/4999' }).first()).to.equal(undefined);
      const v = await updateAgent(t.db, id, { skills: [{ skill: 'billing', level: 9 }] });
      expect(v?.skills).to.deep.equal([{ skill: 'billing', level: 9 }]);
      expect(agentView((await loadAgent(t.db, id))!).skills).to.deep.equal([{ skill: 'billing', level: 9 }]);
    });
  });
}
