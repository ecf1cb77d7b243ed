import { expect } from 'chai';
import { loadAgent } from '../../src/agents/repository.js';
import { createDb, type Db } from '../../src/db/knex.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { agent, harness, queue, type Harness } from './fixtures.js';

/**
 * Two orchestrators sharing one MariaDB, each with its own connection pool, ACD and agent service, racing for
 * the same agents: the conditional reservation UPDATE lets exactly one win each agent.
 */
describe('routing/acd reservation race between two orchestrators (mysql)', function () {
  let t: TestDb;
  let dbs: Db[];
  let one: Harness;
  let two: Harness;
  let qid: number;
  const updates: string[] = [];

  before(async () => {
    t = await createTestDb('mysql');
    qid = await queue(t.db, 'race');
    dbs = [createDb(t.url, { pool: { min: 1, max: 5 } }), createDb(t.url, { pool: { min: 1, max: 5 } })];
    for (const db of dbs) db.on('query', (q: { sql: string }) => /^update/i.test(q.sql) && updates.push(q.sql));
  });
  after(async () => {
    await one?.stop();
    await two?.stop();
    for (const db of dbs) await db.destroy();
    await t.drop();
  });

  it('one agent, two calls entering two ACDs at once: exactly one offer, every round', async () => {
    const a = await agent(t.db, 'Contested');
    one = await harness(dbs[0] as Db);
    two = await harness(dbs[1] as Db);
    await one.agents.login(a);
    await two.acd.refresh();
    let contested = 0;
    for (let round = 0; round < 25; round++) {
      updates.length = 0;
      const before = [one.offers.length, two.offers.length] as const;
      one.acd.enqueue(one.call(`one-${round}`, qid));
      two.acd.enqueue(two.call(`two-${round}`, qid));
      await Promise.all([one.acd.idle(), two.acd.idle()]);
      const made = [...one.offers.slice(before[0]), ...two.offers.slice(before[1])];
      if (updates.filter((s) => /reserved_call_id/.test(s)).length >= 2) contested++;
      expect(made, `round ${round}`).to.have.length(1);
      const winner = made[0]!;
      const row = await loadAgent(t.db, a);
      expect(row?.state).to.equal('reserved');
      expect(row?.reservedCallId).to.equal(winner.callId);
      // Both calls leave; the agent is freed for the next round and both ACDs see it.
      const [won, lost] = winner.callId.startsWith('one-') ? [one, two] : [two, one];
      lost.acd.remove(winner.callId.startsWith('one-') ? `two-${round}` : `one-${round}`);
      won.acd.remove(winner.callId);
      await won.acd.offerFailed(winner.callId, a, 'caller_gone');
      await lost.acd.refresh();
      expect((await loadAgent(t.db, a))?.state).to.equal('available');
    }
    // The race was real: both orchestrators tried the reservation in (nearly) every round.
    expect(contested).to.be.greaterThan(20);
  });

  it('three agents, ten calls split over two ACDs: three offers, three different agents, none twice', async () => {
    await t.db('agents').update({ state: 'logged_out' });
    const ids = [await agent(t.db, 'P1'), await agent(t.db, 'P2'), await agent(t.db, 'P3')];
    for (const id of ids) await one.agents.login(id);
    await one.acd.refresh();
    await two.acd.refresh();
    const before = [one.offers.length, two.offers.length] as const;
    for (let i = 0; i < 5; i++) {
      one.acd.enqueue(one.call(`m1-${i}`, qid));
      two.acd.enqueue(two.call(`m2-${i}`, qid));
    }
    await Promise.all([one.acd.idle(), two.acd.idle()]);
    const made = [...one.offers.slice(before[0]), ...two.offers.slice(before[1])];
    expect(made).to.have.length(3);
    expect(new Set(made.map((o) => o.agentId))).to.deep.equal(new Set(ids));
    for (const o of made) expect((await loadAgent(t.db, o.agentId))?.reservedCallId).to.equal(o.callId);
  });

  it('ring_all: two ACDs ringing everyone for their calls at once never reserve one agent for both', async () => {
    // The calls of the test before leave.
    for (let i = 0; i < 5; i++) for (const id of [`m1-${i}`, `m2-${i}`]) [one, two].forEach((h) => h.acd.remove(id));
    await t.db('agents').update({ state: 'logged_out', reserved_call_id: null });
    const ra = await queue(t.db, 'race-ring-all', { strategy: 'ring_all' });
    await one.acd.reloadQueues();
    await two.acd.reloadQueues();
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await agent(t.db, `G${i}`));
    for (let round = 0; round < 10; round++) {
      await t.db('agents').update({ state: 'logged_out', reserved_call_id: null });
      for (const id of ids) await one.agents.login(id);
      await one.acd.refresh(true);
      await two.acd.refresh(true);
      const before = [one.offers.length, two.offers.length] as const;
      one.acd.enqueue(one.call(`g1-${round}`, ra));
      two.acd.enqueue(two.call(`g2-${round}`, ra));
      await Promise.all([one.acd.idle(), two.acd.idle()]);
      const made = [...one.offers.slice(before[0]), ...two.offers.slice(before[1])];
      expect(made.length, `round ${round}`).to.be.within(1, 2);
      const rung = made.flatMap((o) => (o.group ?? []).map((g) => ({ agentId: g.agentId, callId: o.callId })));
      // Every agent rings for exactly one call, and the database says so.
      expect(new Set(rung.map((r) => r.agentId)).size, `round ${round}`).to.equal(rung.length);
      expect(new Set(rung.map((r) => r.agentId))).to.deep.equal(new Set(ids));
      for (const r of rung) expect((await loadAgent(t.db, r.agentId))?.reservedCallId).to.equal(r.callId);
      for (const o of made) {
        const h = o.callId.startsWith('g1-') ? one : two;
        h.acd.remove(o.callId);
        for (const g of o.group ?? []) await h.acd.offerFailed(o.callId, g.agentId, 'caller_gone');
      }
      for (const o of [one, two]) for (const id of [`g1-${round}`, `g2-${round}`]) o.acd.remove(id);
    }
  });
});
