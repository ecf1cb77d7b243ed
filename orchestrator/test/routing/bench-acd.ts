/**
 * Enter-queue → offer latency of the ACD with 1,000 agents and 100 queues (DESIGN.md targets: p99 < 5 ms).
 * Not a test (no timed assertions): run by hand, `npx tsx orchestrator/test/routing/bench-acd.ts [mysql|sqlite]`.
 * It also times a plain one-row UPDATE on the same database, since the reservation UPDATE (one commit) is the
 * only database work on the path and dominates the tail.
 */
import { performance } from 'node:perf_hooks';
import { AgentService } from '../../src/agents/service.js';
import { EventBus } from '../../src/events/bus.js';
import { AcdEngine } from '../../src/routing/acd.js';
import { createTestDb, dropTestTemplate } from '../support/db.js';

const dialect = (process.argv[2] ?? 'mysql') as 'mysql' | 'sqlite';
const CALLS = 3000;
const WARMUP = 300;
const SKILLS = 20;
const STRATEGIES = ['longest_idle', 'fewest_calls', 'skill_score', 'round_robin', 'ring_all'];

function pct(values: number[], p: number): string {
  const s = [...values].sort((a, b) => a - b);
  return (s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN).toFixed(3);
}

const t = await createTestDb(dialect);
const db = t.db;
try {
  for (let i = 0; i < SKILLS; i++) await db('skills').insert({ name: `s${i}` });
  const queues: number[] = [];
  for (let i = 0; i < 100; i++) {
    const [id] = await db('queues').insert({
      name: `q${i}`,
      display_name: `q${i}`,
      overflow: '[]',
      strategy: STRATEGIES[i % STRATEGIES.length],
    });
    queues.push(Number(id));
  }
  const rows = Array.from({ length: 1000 }, (_, i) => ({
    name: `a${i}`,
    endpoint: `PJSIP/${10000 + i}`,
    state: 'available',
    site: 'main',
  }));
  for (let i = 0; i < rows.length; i += 200) await db('agents').insert(rows.slice(i, i + 200));
  const agentIds = ((await db('agents').select('id')) as { id: number }[]).map((r) => Number(r.id));
  const links = new Map<string, { agent_id: number; skill_id: number; level: number }>();
  for (const id of agentIds)
    for (let k = 0; k < 3; k++)
      links.set(`${id}-${k}`, { agent_id: id, skill_id: 1 + ((id * 7 + k * 5) % SKILLS), level: 1 + ((id + k) % 10) });
  const uniq = new Map([...links.values()].map((x) => [`${x.agent_id}-${x.skill_id}`, x]));
  const list = [...uniq.values()];
  for (let i = 0; i < list.length; i += 500) await db('agent_skills').insert(list.slice(i, i + 500));

  const bus = new EventBus();
  const agents = new AgentService({ db, bus });
  const acd = new AcdEngine({ db, agents, bus, tickMs: 0, refreshMs: 0 });
  const started = new Map<string, number>();
  const latency: number[] = [];
  acd.onOffer((o) => latency.push(performance.now() - (started.get(o.callId) ?? 0)));
  await acd.start();
  for (let i = 0; i < CALLS; i++) {
    const callId = `c${i}`;
    started.set(callId, performance.now());
    acd.enqueue({
      callId,
      queueId: queues[i % 100] as number,
      priority: i % 10 === 0 ? 50 : 0,
      requiredSkills: [{ skill: `s${i % SKILLS}`, minLevel: 1 + (i % 3) }],
      enqueuedAt: new Date(),
      node: 'n',
    });
    await acd.idle();
    // ring_all queues reserve several agents per call: release them all.
    const offered = acd.offeredAgents(callId);
    if (offered.length > 0) {
      acd.remove(callId);
      for (const agentId of offered) await acd.offerFailed(callId, agentId, 'caller_gone');
    }
  }
  const measured = latency.slice(WARMUP);
  const update: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const s0 = performance.now();
    await db('agents').where({ id: agentIds[i] }).update({ calls_today: i });
    update.push(performance.now() - s0);
  }
  console.log(
    `${dialect}: ${latency.length}/${CALLS} offered; enter-queue → offer p50 ${pct(measured, 0.5)} ms, p99 ${pct(measured, 0.99)} ms (after ${WARMUP} warm-up calls)`,
  );
  console.log(`${dialect}: plain one-row UPDATE p50 ${pct(update, 0.5)} ms, p99 ${pct(update, 0.99)} ms`);
  await acd.stop();
} finally {
  await t.drop();
  await dropTestTemplate();
}
