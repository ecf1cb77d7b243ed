import { expect } from 'chai';
import { loadAgent } from '../../src/agents/repository.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';
import { agent, harness, queue, skills, type Harness } from './fixtures.js';
import type { QueueInput } from '../../src/routing/repository.js';

let seq = 0;
const uniq = (p: string): string => `${p}${++seq}`;
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

for (const dialect of DIALECTS) {
  describe(`routing/acd AcdEngine (${dialect})`, function () {
    let t: TestDb;
    let h: Harness;

    before(async () => {
      t = await createTestDb(dialect);
      await skills(t.db, 'orders', 'billing', 'general');
    });
    after(async () => t.drop());
    beforeEach(async () => {
      // Every test starts with nobody logged in; agents of earlier tests stay logged out.
      await t.db('agents').update({ state: 'logged_out', reserved_call_id: null, active_calls: 0 });
    });
    afterEach(async () => h?.stop());

    async function setup(q: QueueInput = {}): Promise<number> {
      const id = await queue(t.db, uniq('q'), q);
      h = await harness(t.db);
      return id;
    }
    async function login(...ids: number[]): Promise<void> {
      for (const id of ids) {
        await h.agents.login(id);
        h.clock.advance(1);
      }
    }

    it('offers the waiting call to a free agent with one reservation (agents.state = reserved)', async () => {
      const qid = await setup();
      const a = await agent(t.db, 'Ann');
      await login(a);
      h.acd.enqueue(h.call('c1', qid));
      const [offer] = await h.offersAtLeast(1);
      expect(offer).to.deep.include({
        callId: 'c1',
        queueId: qid,
        agentId: a,
        agentName: 'Ann',
        ringTimeoutSeconds: 20,
      });
      expect(offer?.endpoint).to.match(/^PJSIP\//);
      const row = await loadAgent(t.db, a);
      expect(row?.state).to.equal('reserved');
      expect(row?.reservedCallId).to.equal('c1');
      expect(h.acd.position('c1')).to.equal(null);
      await h.acd.offerAnswered('c1', a);
      expect((await loadAgent(t.db, a))?.state).to.equal('on_call');
    });

    it('touches the database once per offer: the reservation UPDATE', async () => {
      const qid = await setup();
      const a = await agent(t.db, 'Quentin');
      await login(a);
      const sql: string[] = [];
      const on = (q: { sql: string }): void => {
        sql.push(q.sql);
      };
      t.db.on('query', on);
      h.acd.enqueue(h.call('q1', qid));
      await h.offersAtLeast(1);
      t.db.off('query', on);
      expect(sql).to.have.length(1);
      expect(sql[0]).to.match(/^update/i);
    });

    it('a gold or diamond caller (higher priority) jumps ahead of standard callers', async () => {
      const qid = await setup();
      const a = await agent(t.db, 'Bo');
      h.acd.enqueue(h.call('std1', qid, { priority: 0 }));
      h.clock.advance(1);
      h.acd.enqueue(h.call('std2', qid, { priority: 0 }));
      h.clock.advance(1);
      h.acd.enqueue(h.call('gold', qid, { priority: 50 }));
      expect(h.acd.position('gold')).to.deep.include({ position: 1, waiting: 3 });
      expect(h.acd.position('std1')?.position).to.equal(2);
      expect(h.acd.position('std2')?.position).to.equal(3);
      await login(a);
      const [offer] = await h.offersAtLeast(1);
      expect(offer?.callId).to.equal('gold');
      expect(h.acd.position('std1')?.position).to.equal(1);
    });

    it('estimates the wait from position, handle time and staffed agents', async () => {
      const qid = await setup();
      const a = await agent(t.db, 'Est1');
      const b = await agent(t.db, 'Est2');
      await login(a, b);
      await h.agents.pause(a, 'break');
      await h.agents.pause(b, 'break');
      for (const id of ['e1', 'e2', 'e3', 'e4']) h.acd.enqueue(h.call(id, qid));
      // Paused agents are not staff: 4 × 180 s default handle time.
      expect(h.acd.position('e4')).to.deep.equal({ position: 4, waiting: 4, estimatedWaitSeconds: 720 });
      await h.agents.unpause(a);
      await h.offersAtLeast(1);
      // e1 is being offered; e4 is now third with one agent staffed.
      expect(h.acd.position('e4')).to.deep.equal({ position: 3, waiting: 3, estimatedWaitSeconds: 540 });
    });

    it('longest_idle: the agent free the longest', async () => {
      const qid = await setup({ strategy: 'longest_idle' });
      const [a, b, c] = [await agent(t.db, 'L1'), await agent(t.db, 'L2'), await agent(t.db, 'L3')];
      await login(b as number, c as number, a as number);
      h.acd.enqueue(h.call('li', qid));
      expect((await h.offersAtLeast(1))[0]?.agentId).to.equal(b);
    });

    it('longest_idle: the agent free the longest by the recorded time, not by the order they were loaded', async () => {
      const qid = await setup({ strategy: 'longest_idle' });
      const [a, b, c] = [await agent(t.db, 'O1'), await agent(t.db, 'O2'), await agent(t.db, 'O3')];
      await login(a as number, b as number, c as number);
      const base = Date.now() - 60_000;
      await t.db('agents').where({ id: a }).update({ state_since: new Date(base + 3000) });
      await t.db('agents').where({ id: b }).update({ state_since: new Date(base + 2000) });
      await t.db('agents').where({ id: c }).update({ state_since: new Date(base + 1000) });
      await h.acd.refresh(true);
      h.acd.enqueue(h.call('lo1', qid));
      expect((await h.offersAtLeast(1))[0]?.agentId).to.equal(c);
    });

    it('fewest_calls: the agent with the fewest calls today', async () => {
      const qid = await setup({ strategy: 'fewest_calls' });
      const [a, b, c] = [await agent(t.db, 'F1'), await agent(t.db, 'F2'), await agent(t.db, 'F3')];
      await login(a as number, b as number, c as number);
      await t.db('agents').where({ id: a }).update({ calls_today: 9 });
      await t.db('agents').where({ id: b }).update({ calls_today: 2 });
      await t.db('agents').where({ id: c }).update({ calls_today: 5 });
      await h.acd.refresh(true);
      h.acd.enqueue(h.call('fc', qid));
      expect((await h.offersAtLeast(1))[0]?.agentId).to.equal(b);
    });

    it('skill_score: the most skilled agent for the required skills', async () => {
      const qid = await setup({ strategy: 'skill_score' });
      const a = await agent(t.db, 'S1', { skills: [{ skill: 'orders', level: 4 }] });
      const b = await agent(t.db, 'S2', { skills: [{ skill: 'orders', level: 9 }] });
      const c = await agent(t.db, 'S3', { skills: [{ skill: 'orders', level: 6 }] });
      await login(a, b, c);
      h.acd.enqueue(h.call('ss', qid, { skills: [{ skill: 'orders', minLevel: 1 }] }));
      expect((await h.offersAtLeast(1))[0]?.agentId).to.equal(b);
    });

    it('round_robin: each next call goes to the next agent in turn', async () => {
      const qid = await setup({ strategy: 'round_robin' });
      const ids = [await agent(t.db, 'R1'), await agent(t.db, 'R2'), await agent(t.db, 'R3')];
      await login(...[...ids].reverse());
      const got: number[] = [];
      for (let i = 0; i < 4; i++) {
        h.acd.enqueue(h.call(`rr${i}`, qid));
        const offers = await h.offersAtLeast(i + 1);
        const o = offers[i]!;
        got.push(o.agentId);
        // The caller hangs up while it rings: agent released, call gone.
        h.acd.remove(o.callId);
        await h.acd.offerFailed(o.callId, o.agentId, 'caller_gone');
      }
      expect(got).to.deep.equal([ids[0], ids[1], ids[2], ids[0]]);
      expect((await loadAgent(t.db, ids[0] as number))?.missedInRow).to.equal(0);
    });

    it('ring_all: one offer reserves every free eligible agent at once, longest idle first', async () => {
      const qid = await setup({ strategy: 'ring_all' });
      const orders = [{ skill: 'orders', level: 5 }];
      const [a, b, c] = [
        await agent(t.db, 'RA1', { skills: orders }),
        await agent(t.db, 'RA2', { skills: orders }),
        await agent(t.db, 'RA3', { skills: orders }),
      ];
      const unskilled = await agent(t.db, 'RA4', { skills: [{ skill: 'billing', level: 9 }] });
      const paused = await agent(t.db, 'RA5', { skills: orders });
      await login(b, c, a, unskilled, paused);
      await h.agents.pause(paused, 'lunch');
      h.acd.enqueue(h.call('ra', qid, { skills: [{ skill: 'orders', minLevel: 1 }] }));
      const [offer] = await h.offersAtLeast(1);
      await settle();
      await h.acd.idle();
      expect(h.offers).to.have.length(1);
      expect(offer?.group?.map((g) => g.agentId)).to.deep.equal([b, c, a]);
      expect(offer).to.deep.include({ callId: 'ra', agentId: b, agentName: 'RA2' });
      for (const g of offer?.group ?? []) expect(g.endpoint).to.match(/^PJSIP\//);
      for (const id of [a, b, c]) {
        const row = await loadAgent(t.db, id);
        expect(row, `agent ${id}`).to.deep.include({ state: 'reserved', reservedCallId: 'ra' });
      }
      expect((await loadAgent(t.db, unskilled))?.state).to.equal('available');
      expect(h.acd.offeredAgents('ra').sort()).to.deep.equal([a, b, c].sort());
      expect(h.acd.position('ra')).to.equal(null);
    });

    it('ring_all: the first to answer takes the call; the others go back to available, no miss, no retry wait', async () => {
      const qid = await setup({ strategy: 'ring_all', autoPauseAfterMisses: 1 });
      const [a, b, c] = [await agent(t.db, 'RB1'), await agent(t.db, 'RB2'), await agent(t.db, 'RB3')];
      await login(a, b, c);
      h.acd.enqueue(h.call('rb', qid));
      const [offer] = await h.offersAtLeast(1);
      expect(offer?.group).to.have.length(3);
      await h.acd.offerAnswered('rb', b);
      await h.acd.offerFailed('rb', a, 'cancelled');
      await h.acd.offerFailed('rb', c, 'cancelled');
      expect((await loadAgent(t.db, b))?.state).to.equal('on_call');
      for (const id of [a, c]) {
        const row = await loadAgent(t.db, id);
        expect(row, `agent ${id}`).to.deep.include({ state: 'available', reservedCallId: null, missedInRow: 0 });
      }
      // Not back in the queue, and the released agents are offered the next call at once (no retry wait).
      expect(h.acd.position('rb')).to.equal(null);
      expect(h.acd.offeredAgents('rb')).to.deep.equal([]);
      h.acd.enqueue(h.call('rb2', qid));
      const offers = await h.offersAtLeast(2);
      expect(new Set(offers[1]?.group?.map((g) => g.agentId))).to.deep.equal(new Set([a, c]));
    });

    it('ring_all: nobody answers: every agent gets a miss, the call is back at the head once the last leg ended', async () => {
      const qid = await setup({ strategy: 'ring_all', autoPauseAfterMisses: 0 });
      const [a, b, c] = [await agent(t.db, 'RC1'), await agent(t.db, 'RC2'), await agent(t.db, 'RC3')];
      await login(a, b, c);
      h.acd.enqueue(h.call('rc', qid));
      await h.offersAtLeast(1);
      h.clock.advance(1);
      h.acd.enqueue(h.call('rc-later', qid));
      await h.acd.offerFailed('rc', a, 'no_answer');
      await h.acd.offerFailed('rc', b, 'no_answer');
      // One leg still rings: the call is still being offered.
      expect(h.acd.position('rc')).to.equal(null);
      await h.acd.offerFailed('rc', c, 'no_answer');
      expect(h.acd.position('rc')).to.deep.include({ position: 1, waiting: 2 });
      for (const id of [a, b, c]) {
        const row = await loadAgent(t.db, id);
        expect(row, `agent ${id}`).to.deep.include({ state: 'available', missedInRow: 1 });
      }
      // Like app_queue's `retry`, nobody is rung again before the retry time; then everyone is rung again.
      await settle();
      await h.acd.idle();
      expect(h.offers).to.have.length(1);
      h.clock.advance(5);
      h.acd.tick();
      const offers = await h.offersAtLeast(2);
      expect(offers[1]?.callId).to.equal('rc');
      expect(offers[1]?.group).to.have.length(3);
    });

    it('ring_all: the caller leaves while all ring: every agent released, no miss, the call gone', async () => {
      const qid = await setup({ strategy: 'ring_all' });
      const [a, b] = [await agent(t.db, 'RD1'), await agent(t.db, 'RD2')];
      await login(a, b);
      h.acd.enqueue(h.call('rd', qid));
      await h.offersAtLeast(1);
      expect(h.acd.remove('rd')).to.equal(false);
      await h.acd.offerFailed('rd', a, 'caller_gone');
      await h.acd.offerFailed('rd', b, 'caller_gone');
      for (const id of [a, b]) {
        const row = await loadAgent(t.db, id);
        expect(row, `agent ${id}`).to.deep.include({ state: 'available', reservedCallId: null, missedInRow: 0 });
      }
      expect(h.acd.position('rd')).to.equal(null);
      await settle();
      await h.acd.idle();
      expect(h.offers).to.have.length(1);
    });

    it('ring_all: an unreachable leg alone does not requeue while others ring; busy is no miss', async () => {
      const qid = await setup({ strategy: 'ring_all', autoPauseAfterMisses: 0 });
      const [a, b] = [await agent(t.db, 'RE1'), await agent(t.db, 'RE2')];
      await login(a, b);
      h.acd.enqueue(h.call('re', qid));
      await h.offersAtLeast(1);
      await h.acd.offerFailed('re', a, 'unreachable');
      expect(h.acd.position('re')).to.equal(null);
      expect(h.acd.offeredAgents('re')).to.deep.equal([b]);
      await h.acd.offerFailed('re', b, 'busy');
      expect(h.acd.position('re')?.position).to.equal(1);
      expect((await loadAgent(t.db, b))?.missedInRow).to.equal(0);
    });

    it('ring_all: at most the cap of agents ring for one call; the next call rings the rest', async () => {
      const id = await queue(t.db, uniq('q'), { strategy: 'ring_all' });
      h = await harness(t.db, { acd: { ringAllMax: 2 } });
      const [a, b, c] = [await agent(t.db, 'RF1'), await agent(t.db, 'RF2'), await agent(t.db, 'RF3')];
      await login(c, a, b);
      h.acd.enqueue(h.call('rf1', id));
      h.clock.advance(1);
      h.acd.enqueue(h.call('rf2', id));
      const offers = await h.offersAtLeast(2);
      const byCall = new Map(offers.map((o) => [o.callId, o.group?.map((g) => g.agentId)]));
      // Longest idle first: c and a ring for the first caller, b for the second.
      expect(byCall.get('rf1')).to.deep.equal([c, a]);
      expect(byCall.get('rf2')).to.deep.equal([b]);
    });

    it('offers only agents whose skills cover the requirement', async () => {
      const qid = await setup();
      const a = await agent(t.db, 'K1', { skills: [{ skill: 'orders', level: 9 }] });
      const b = await agent(t.db, 'K2', { skills: [{ skill: 'billing', level: 3 }] });
      const c = await agent(t.db, 'K3', {
        skills: [
          { skill: 'billing', level: 6 },
          { skill: 'orders', level: 2 },
        ],
      });
      await login(a, b, c);
      h.acd.enqueue(h.call('sk1', qid, { skills: [{ skill: 'billing', minLevel: 5 }] }));
      expect((await h.offersAtLeast(1))[0]?.agentId).to.equal(c);
      h.acd.enqueue(h.call('sk2', qid, { skills: [{ skill: 'billing', minLevel: 5 }] }));
      await settle();
      await h.acd.idle();
      expect(h.offers).to.have.length(1);
      expect(h.acd.position('sk2')?.position).to.equal(1);
      // A later call with a different need is not blocked by the one nobody can take.
      h.acd.enqueue(h.call('sk3', qid, { skills: [{ skill: 'orders', minLevel: 5 }] }));
      expect((await h.offersAtLeast(2))[1]).to.deep.include({ callId: 'sk3', agentId: a });
    });

    it('overflow widen_skills: after its time the levels drop to 1, then the requirement goes', async () => {
      const qid = await setup({
        overflow: [
          { afterSeconds: 10, action: 'widen_skills' },
          { afterSeconds: 20, action: 'widen_skills' },
        ],
      });
      const a = await agent(t.db, 'W1', { skills: [{ skill: 'orders', level: 4 }] });
      const b = await agent(t.db, 'W2', { skills: [{ skill: 'general', level: 4 }] });
      await login(a, b);
      h.acd.enqueue(h.call('w1', qid, { skills: [{ skill: 'orders', minLevel: 8 }] }));
      h.acd.enqueue(
        h.call('w2', qid, {
          skills: [
            { skill: 'orders', minLevel: 8 },
            { skill: 'billing', minLevel: 2 },
          ],
        }),
      );
      await settle();
      h.clock.advance(9);
      h.acd.tick();
      await h.acd.idle();
      expect(h.offers).to.have.length(0);
      expect(h.timers).to.have.length(0);
      h.clock.advance(1);
      h.acd.tick();
      const offers = await h.offersAtLeast(1);
      expect(offers[0]).to.deep.include({ callId: 'w1', agentId: a });
      expect(h.timers.filter((e) => e.callId === 'w1')).to.deep.equal([
        { type: 'overflow', callId: 'w1', step: 1, description: 'skill levels lowered to 1' },
      ]);
      h.clock.advance(10);
      h.acd.tick();
      // w2 needs billing nobody has: only the second widening lets b take it.
      expect((await h.offersAtLeast(2))[1]).to.deep.include({ callId: 'w2', agentId: b });
      expect(h.timers.filter((e) => e.callId === 'w2').map((e) => e.type === 'overflow' && e.step)).to.deep.equal([
        1, 2,
      ]);
    });

    it('overflow add_site: a backup site joins the pool only after its time', async () => {
      const qid = await setup({ overflow: [{ afterSeconds: 30, action: 'add_site', site: 'chengdu' }] });
      const a = await agent(t.db, 'Site1', { site: 'chengdu' });
      await login(a);
      h.acd.enqueue(h.call('as', qid));
      await settle();
      await h.acd.idle();
      expect(h.offers).to.have.length(0);
      h.clock.advance(30);
      h.acd.tick();
      expect((await h.offersAtLeast(1))[0]?.agentId).to.equal(a);
      expect(h.timers[0]).to.deep.include({ type: 'overflow', step: 1, description: 'agents of site chengdu added' });
    });

    it('overflow move_queue: tells the call flow to move the call to the other queue', async () => {
      const other = uniq('general');
      const otherId = await queue(t.db, other);
      const qid = await setup({ overflow: [{ afterSeconds: 45, action: 'move_queue', queue: other }] });
      h.acd.enqueue(h.call('mq', qid));
      h.clock.advance(44);
      h.acd.tick();
      expect(h.timers).to.have.length(0);
      h.clock.advance(1);
      h.acd.tick();
      expect(h.timers).to.deep.equal([
        { type: 'overflow', callId: 'mq', step: 1, description: `move to queue ${other}`, newQueueId: otherId },
      ]);
      h.acd.tick();
      expect(h.timers).to.have.length(1);
    });

    it('max wait: emits the configured action once', async () => {
      const target = uniq('overflowq');
      await queue(t.db, target);
      const qid = await setup({ maxWaitS: 60, maxWaitAction: 'queue', maxWaitTarget: target });
      h.acd.enqueue(h.call('mw', qid));
      h.clock.advance(59);
      h.acd.tick();
      expect(h.timers).to.have.length(0);
      h.clock.advance(1);
      h.acd.tick();
      h.acd.tick();
      expect(h.timers).to.deep.equal([{ type: 'max_wait', callId: 'mw', action: 'queue', target }]);
      // Still waiting until the call flow acts.
      expect(h.acd.position('mw')?.position).to.equal(1);
    });

    it('join_when_empty = false: a call to a queue nobody staffs gets no_agents', async () => {
      const qid = await setup({ joinWhenEmpty: false, maxWaitAction: 'callback' });
      await agent(t.db, 'Nobody');
      h.acd.enqueue(h.call('na', qid));
      await settle();
      expect(h.timers).to.deep.equal([{ type: 'no_agents', callId: 'na', action: 'callback' }]);
    });

    it('join_when_empty = false: no event while a skilled agent is logged in (even if busy)', async () => {
      const qid = await setup({ joinWhenEmpty: false });
      const a = await agent(t.db, 'Busy');
      await login(a);
      await h.agents.tryReserve((await loadAgent(t.db, a))!, 'elsewhere');
      await h.acd.refresh();
      h.acd.enqueue(h.call('nb', qid));
      await settle();
      expect(h.timers).to.have.length(0);
    });

    it('leave_when_empty: when the last agent logs out, waiting callers get no_agents', async () => {
      const qid = await setup({ leaveWhenEmpty: true, maxWaitAction: 'voicemail' });
      const a = await agent(t.db, 'Leaver', { skills: [{ skill: 'billing', level: 5 }] });
      await login(a);
      await h.agents.pause(a, 'meeting');
      await h.agents.logout(a);
      h.acd.enqueue(h.call('lw', qid, { skills: [{ skill: 'billing', minLevel: 5 }] }));
      h.acd.tick();
      expect(h.timers).to.deep.equal([{ type: 'no_agents', callId: 'lw', action: 'voicemail' }]);
    });

    it('no answer: the call returns to the head of its queue; after N misses the agent is paused "no answer"', async () => {
      const qid = await setup({ autoPauseAfterMisses: 2 });
      const a = await agent(t.db, 'Misser');
      h.acd.enqueue(h.call('first', qid));
      h.clock.advance(1);
      h.acd.enqueue(h.call('second', qid));
      await login(a);
      let offers = await h.offersAtLeast(1);
      expect(offers[0]?.callId).to.equal('first');
      await h.acd.offerFailed('first', a, 'no_answer');
      await h.acd.idle();
      expect(h.offers, 'not rung again before the retry time').to.have.length(1);
      h.clock.advance(5);
      h.acd.tick();
      offers = await h.offersAtLeast(2);
      expect(offers[1]?.callId).to.equal('first');
      expect((await loadAgent(t.db, a))?.missedInRow).to.equal(1);
      await h.acd.offerFailed('first', a, 'no_answer');
      await h.acd.idle();
      const row = await loadAgent(t.db, a);
      expect(row?.state).to.equal('paused');
      expect(row?.pauseReason).to.equal('no answer');
      expect(row?.reservedCallId).to.equal(null);
      expect(h.acd.position('first')?.position).to.equal(1);
      expect(h.acd.position('second')?.position).to.equal(2);
      expect(h.offers).to.have.length(2);
    });

    it('an agent waiting out the retry time is out of the free pool: callers arriving meanwhile do not look', async () => {
      const qid = await setup();
      const a = await agent(t.db, uniq('Cooling'));
      await login(a);
      h.acd.enqueue(h.call('missed', qid));
      await h.offersAtLeast(1);
      await h.acd.offerFailed('missed', a, 'no_answer');
      await h.acd.idle();
      const looks = countLooks();
      for (let i = 0; i < 20; i++) h.acd.enqueue(h.call(`meanwhile${i}`, qid));
      await settle();
      await h.acd.idle();
      expect(looks.n).to.equal(0);
      expect(h.offers).to.have.length(1);
      h.clock.advance(5);
      h.acd.tick();
      const offers = await h.offersAtLeast(2);
      expect(offers[1]).to.deep.include({ callId: 'missed', agentId: a });
    });

    it('busy or unreachable releases the agent without counting a miss', async () => {
      const qid = await setup({ autoPauseAfterMisses: 1 });
      const a = await agent(t.db, 'Busy2');
      await login(a);
      h.acd.enqueue(h.call('bz', qid));
      await h.offersAtLeast(1);
      await h.acd.offerFailed('bz', a, 'busy');
      await h.acd.idle();
      const row = await loadAgent(t.db, a);
      expect(row?.missedInRow).to.equal(0);
      // A busy phone is not rung again at once (no spin with one caller and one agent) ...
      expect(row?.state).to.equal('available');
      expect(h.offers).to.have.length(1);
      h.clock.advance(4.999);
      h.acd.tick();
      await h.acd.idle();
      expect(h.offers).to.have.length(1);
      // ... but after the retry time it is.
      h.clock.advance(0.001);
      h.acd.tick();
      expect((await h.offersAtLeast(2))[1]?.agentId).to.equal(a);
    });

    it('a caller leaving mid-offer: remove() then offerFailed(caller_gone) frees the agent and forgets the call', async () => {
      const qid = await setup();
      const a = await agent(t.db, 'Gone');
      await login(a);
      h.acd.enqueue(h.call('gone', qid));
      await h.offersAtLeast(1);
      expect(h.acd.remove('gone')).to.equal(false);
      await h.acd.offerFailed('gone', a, 'caller_gone');
      await h.acd.idle();
      expect((await loadAgent(t.db, a))?.state).to.equal('available');
      expect(h.acd.position('gone')).to.equal(null);
      expect(h.offers).to.have.length(1);
      h.acd.enqueue(h.call('next', qid));
      expect((await h.offersAtLeast(2))[1]).to.deep.include({ callId: 'next', agentId: a });
    });

    it('remove() of a waiting call: true, and it is never offered', async () => {
      const qid = await setup();
      const a = await agent(t.db, 'Remover');
      h.acd.enqueue(h.call('r1', qid));
      h.acd.enqueue(h.call('r2', qid));
      expect(h.acd.remove('r1')).to.equal(true);
      expect(h.acd.remove('r1')).to.equal(false);
      expect(h.acd.position('r2')).to.deep.include({ position: 1, waiting: 1 });
      await login(a);
      await h.offersAtLeast(1);
      await settle();
      expect(h.offers.map((o) => o.callId)).to.deep.equal(['r2']);
    });

    it('across queues, a freed agent takes the highest priority, then the longest waiting call', async () => {
      const q1 = await setup();
      const q2 = await queue(t.db, uniq('q'));
      const a = await agent(t.db, 'Shared');
      h.acd.enqueue(h.call('old-std', q1, { priority: 0 }));
      h.clock.advance(5);
      h.acd.enqueue(h.call('new-gold', q2, { priority: 50 }));
      h.clock.advance(5);
      h.acd.enqueue(h.call('newer-gold', q1, { priority: 50 }));
      await login(a);
      expect((await h.offersAtLeast(1))[0]?.callId).to.equal('new-gold');
    });

    it('reserves agents for different calls concurrently (up to 64 commits in flight), each agent once', async () => {
      const qid = await setup();
      const ids: number[] = [];
      for (let i = 0; i < 70; i++) ids.push(await agent(t.db, uniq('Par')));
      await login(...ids);
      // Every reservation takes a while (a commit on a busy database); count how many overlap.
      let inFlight = 0;
      let most = 0;
      const reserve = h.agents.tryReserve.bind(h.agents);
      h.agents.tryReserve = async (a, callId) => {
        most = Math.max(most, ++inFlight);
        try {
          await new Promise((r) => setTimeout(r, 20));
          return await reserve(a, callId);
        } finally {
          inFlight--;
        }
      };
      for (let i = 0; i < 70; i++) h.acd.enqueue(h.call(`par${i}`, qid, { priority: i % 2 ? 50 : 0 }));
      const offers = await h.offersAtLeast(70);
      expect(most).to.equal(64);
      expect(new Set(offers.map((o) => o.callId)).size).to.equal(70);
      expect(new Set(offers.map((o) => o.agentId)).size).to.equal(70);
      for (const o of offers) expect((await loadAgent(t.db, o.agentId))?.reservedCallId).to.equal(o.callId);
    });

    /** Counts the ACD's looks for free agents (one per call it tries to place), from here on. */
    function countLooks(): { readonly n: number } {
      const engine = h.acd as unknown as { eligible: (...args: unknown[]) => unknown };
      const look = engine.eligible.bind(h.acd);
      const counter = { n: 0 };
      engine.eligible = (...args) => {
        counter.n++;
        return look(...args);
      };
      return counter;
    }

    it('a backlog of callers: one agent freed costs one look, not one per waiting caller', async () => {
      const qid = await setup();
      for (let i = 0; i < 300; i++) h.acd.enqueue(h.call(`backlog${i}`, qid));
      await settle();
      const looks = countLooks();
      const a = await agent(t.db, uniq('Freed'));
      await login(a);
      const [offer] = await h.offersAtLeast(1);
      await h.acd.idle();
      expect(offer?.callId).to.equal('backlog0');
      expect(h.offers).to.have.length(1);
      // The first caller takes the agent; the rest wait for its reservation instead of each looking again.
      expect(looks.n).to.equal(1);
    });

    it('a backlog nobody free can take: the first look makes the rest with the same need skip theirs', async () => {
      const qid = await setup();
      const a = await agent(t.db, uniq('Junior'), { skills: [{ skill: 'billing', level: 1 }] });
      await login(a);
      const need = [{ skill: 'billing', minLevel: 5 }];
      const looks = countLooks();
      for (let i = 0; i < 300; i++) h.acd.enqueue(h.call(`senior${i}`, qid, { skills: need }));
      await settle();
      await h.acd.idle();
      expect(h.offers).to.have.length(0);
      expect(looks.n).to.be.below(10);
    });

    it('a call to a queue created after start: the ACD reads the queues and offers', async () => {
      h = await harness(t.db);
      const a = await agent(t.db, 'Newq', { skills: [{ skill: 'orders', level: 2 }] });
      await login(a);
      const qid = await queue(t.db, uniq('late'), { ringTimeoutS: 33 });
      h.acd.enqueue(h.call('late', qid));
      expect((await h.offersAtLeast(1))[0]).to.deep.include({ callId: 'late', agentId: a, ringTimeoutSeconds: 33 });
    });

    it('the sweep releases a reservation left by an orchestrator that died mid-offer', async () => {
      const qid = await setup();
      const a = await agent(t.db, 'Orphaned');
      await login(a);
      // Another orchestrator reserved the agent and died: nobody will call offerFailed.
      const { AgentService } = await import('../../src/agents/service.js');
      const dead = new AgentService({ db: t.db, now: h.clock.now });
      expect(await dead.tryReserve((await loadAgent(t.db, a))!, 'lost-call')).to.not.equal(null);
      await h.acd.refresh();
      h.acd.enqueue(h.call('waiting', qid));
      await settle();
      await h.acd.idle();
      expect(h.offers).to.have.length(0);
      h.clock.advance(299);
      expect(await h.agents.sweep()).to.equal(0);
      h.clock.advance(2);
      expect(await h.agents.sweep()).to.equal(1);
      expect((await h.offersAtLeast(1))[0]).to.deep.include({ callId: 'waiting', agentId: a });
    });

    it('sees changes made by another orchestrator after a refresh', async () => {
      const qid = await setup();
      const a = await agent(t.db, 'Elsewhere');
      await login(a);
      // Another orchestrator (its own agent service on the same database) pauses the agent.
      const { AgentService } = await import('../../src/agents/service.js');
      await new AgentService({ db: t.db }).pause(a, 'meeting');
      const heard: string[] = [];
      h.bus.subscribe('agent.state', (e) => heard.push(`${e.agentId}:${e.state}:${e.reason}`));
      await h.acd.refresh();
      // This orchestrator's wallboard hears about it too.
      expect(heard).to.deep.equal([`${a}:paused:meeting`]);
      h.acd.enqueue(h.call('el', qid));
      await settle();
      await h.acd.idle();
      expect(h.offers).to.have.length(0);
      expect(h.acd.agentView(a)?.state).to.equal('paused');
    });

    it('respects wrap-up: the next call waits until the agent is available again', async () => {
      const qid = await setup();
      const a = await agent(t.db, 'Wrapper');
      await login(a);
      h.acd.enqueue(h.call('wr1', qid));
      await h.offersAtLeast(1);
      await h.acd.offerAnswered('wr1', a);
      await h.agents.callEnded(a, 'wr1', 0.25);
      h.acd.enqueue(h.call('wr2', qid));
      await settle();
      await h.acd.idle();
      expect(h.offers).to.have.length(1);
      expect((await loadAgent(t.db, a))?.state).to.equal('wrap_up');
      const offers = await h.offersAtLeast(2);
      expect(offers[1]).to.deep.include({ callId: 'wr2', agentId: a });
    });

    it('never offers a paused agent; unpausing offers at once', async () => {
      const qid = await setup();
      const a = await agent(t.db, 'Pauser');
      await login(a);
      await h.agents.pause(a, 'lunch');
      h.acd.enqueue(h.call('pz', qid));
      await settle();
      await h.acd.idle();
      expect(h.offers).to.have.length(0);
      await h.agents.unpause(a);
      expect((await h.offersAtLeast(1))[0]?.agentId).to.equal(a);
    });

    it('skips agents whose endpoint is offline', async () => {
      const qid = await setup();
      const a = await agent(t.db, 'Off1');
      const b = await agent(t.db, 'On2');
      await login(a, b);
      const endpoint = (await loadAgent(t.db, a))!.endpoint;
      await h.agents.setEndpointOnline(endpoint, false);
      h.acd.enqueue(h.call('off', qid));
      expect((await h.offersAtLeast(1))[0]?.agentId).to.equal(b);
      await h.agents.setEndpointOnline(endpoint, true);
      h.acd.enqueue(h.call('on', qid));
      expect((await h.offersAtLeast(2))[1]?.agentId).to.equal(a);
    });

    it("an offer says whether the agent's phone answers on its own", async () => {
      const qid = await setup();
      const headset = await agent(t.db, 'Headset', { autoAnswer: true });
      await login(headset);
      h.acd.enqueue(h.call('auto-a', qid));
      expect((await h.offersAtLeast(1))[0]).to.deep.include({ callId: 'auto-a', agentId: headset, autoAnswer: true });
    });

    it('honours capacity: an agent with capacity 2 gets a second call while on the first', async () => {
      const qid = await setup();
      const one = await agent(t.db, 'Cap1', { capacity: 1 });
      await login(one);
      h.acd.enqueue(h.call('cap-a', qid));
      await h.offersAtLeast(1);
      await h.acd.offerAnswered('cap-a', one);
      h.acd.enqueue(h.call('cap-b', qid));
      await settle();
      await h.acd.idle();
      expect(h.offers).to.have.length(1);
      const two = await agent(t.db, 'Cap2', { capacity: 2 });
      await h.acd.refresh(true);
      await login(two);
      expect((await h.offersAtLeast(2))[1]).to.deep.include({ callId: 'cap-b', agentId: two });
      await h.acd.offerAnswered('cap-b', two);
      h.acd.enqueue(h.call('cap-c', qid));
      expect((await h.offersAtLeast(3))[2]).to.deep.include({ callId: 'cap-c', agentId: two });
      await h.acd.offerAnswered('cap-c', two);
      let row = await loadAgent(t.db, two);
      expect(row).to.deep.include({ state: 'on_call', activeCalls: 2, reservedCallId: null });
      h.acd.enqueue(h.call('cap-d', qid));
      await settle();
      await h.acd.idle();
      expect(h.offers).to.have.length(3);
      await h.agents.callEnded(two, 'cap-b', 30);
      row = await loadAgent(t.db, two);
      expect(row).to.deep.include({ state: 'on_call', activeCalls: 1 });
      expect((await h.offersAtLeast(4))[3]).to.deep.include({ callId: 'cap-d', agentId: two });
    });

    it('an agent with room for a second call but a pause due after this one is offered none', async () => {
      const qid = await setup();
      const two = await agent(t.db, 'Cap2', { capacity: 2 });
      await login(two);
      h.acd.enqueue(h.call('due-a', qid));
      await h.offersAtLeast(1);
      await h.acd.offerAnswered('due-a', two);
      expect(await h.agents.pauseWhenFree(two, 'lunch')).to.equal('after_call');
      h.acd.enqueue(h.call('due-b', qid));
      await settle();
      await h.acd.idle();
      expect(h.offers).to.have.length(1);
      const after = await h.agents.callEnded(two, 'due-a', 0);
      expect([after.state, after.pauseReason]).to.deep.equal(['paused', 'lunch']);
    });
  });
}
