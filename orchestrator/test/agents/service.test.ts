import { expect } from 'chai';
import { agentView, createAgent, loadAgent, updateAgent, UnknownSkillError } from '../../src/agents/repository.js';
import { AgentService } from '../../src/agents/service.js';
import { AgentTransitionError } from '../../src/agents/states.js';
import { EventBus, type BusEvents } from '../../src/events/bus.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';
import { agent, skills, TestClock } from '../routing/fixtures.js';

async function until(fn: () => Promise<boolean>, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
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
      await svc.pause(id, 'coffee').catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(AgentTransitionError);
      expect((err as Error).message).to.contain('logged_out -> pause -> (undefined)');
      const after = await loadAgent(t.db, id);
      expect(after?.state).to.equal('logged_out');
      expect(after?.version).to.equal(before?.version);
      expect(events).to.have.length(0);
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
