/**
 * The benchmark contact center, written straight into a fresh database before the orchestrator starts: one queue
 * with recording on and no wrap-up, routing rules the router evaluates for every call (tier, menu choice,
 * default), a short IVR (one prompt, one DTMF choice) on the bench DID, agents logged in and available on
 * endpoints the simulator answers, and customers with orders and history for identification.
 */
import { seedCustomers, type SeedCustomersResult } from '../../../orchestrator/src/db/seed/customers.js';
import type { Db } from '../../../orchestrator/src/db/knex.js';
import { FlowRepository } from '../../../orchestrator/src/ivr/flows.js';
import type { FlowDocumentInput } from '../../../orchestrator/src/ivr/schema.js';
import type { SimClient } from './sim.js';

export const BENCH_DID = '4007180001';
export const BENCH_APP = 'ariadne';

/** The caller hears one prompt and presses 1; the router then picks the queue. */
export const BENCH_FLOW: FlowDocumentInput = {
  format: 1,
  start: 'menu',
  language: 'zh',
  defaultQueue: 'bench',
  nodes: {
    menu: {
      type: 'menu',
      prompt: ['sound:ariadne/main-menu'],
      choices: { '1': 'route', '0': 'route' },
      variable: 'menu',
      // Short, so a caller whose key press got lost (docs/benchmarks.md, finding 3) reaches the queue within a
      // step's grace time and shows in the set-up p99 instead of failing the step.
      timeoutMs: 1500,
      retries: 0,
      onFailure: 'route',
    },
    route: { type: 'queue' },
  },
};

export interface CenterOptions {
  readonly agents: number;
  /** Endpoint resource prefix: agent n dials PJSIP/<prefix><n>. */
  readonly endpointPrefix: string;
  readonly customers: number;
  readonly recordCalls?: boolean;
}

export interface Center {
  readonly agentEndpoints: string[];
  readonly customers: SeedCustomersResult;
}

export async function seedCenter(db: Db, o: CenterOptions): Promise<Center> {
  const [skillId] = await db('skills').insert({ name: 'bench', description: 'benchmark agents' });
  const [queueId] = await db('queues').insert({
    name: 'bench',
    display_name: 'Bench',
    strategy: 'longest_idle',
    ring_timeout_s: 20,
    wrap_up_s: 0,
    max_wait_s: 600,
    max_wait_action: 'hangup',
    announce_interval_s: 30,
    record_calls: o.recordCalls ?? true,
    whisper_queue_name: false,
    auto_pause_after_misses: 0,
    overflow: '[]',
  });
  await db('queue_skills').insert({ queue_id: queueId, skill_id: skillId, min_level: 1 });
  const skills = JSON.stringify([{ skill: 'bench', minLevel: 1 }]);
  await db('routing_rules').insert([
    {
      position: 10,
      name: 'Diamond first',
      expression: 'tier == "diamond"',
      queue_id: queueId,
      priority: 90,
      required_skills: skills,
      enabled: true,
      is_default: false,
    },
    {
      position: 20,
      name: 'Gold jumps the line',
      expression: 'tier == "gold"',
      queue_id: queueId,
      priority: 50,
      required_skills: skills,
      enabled: true,
      is_default: false,
    },
    {
      position: 30,
      name: 'Menu 1',
      expression: 'ivr.menu == "1"',
      queue_id: queueId,
      priority: 0,
      required_skills: skills,
      enabled: true,
      is_default: false,
    },
    {
      position: 40,
      name: 'Default',
      expression: 'true',
      queue_id: queueId,
      priority: 0,
      required_skills: skills,
      enabled: true,
      is_default: true,
    },
  ]);
  const flows = new FlowRepository(db, 0);
  await flows.saveAndPublish('bench', BENCH_FLOW, 'bench', 'benchmark: one prompt, one DTMF choice');
  await flows.mapDid(BENCH_DID, 'bench', 'benchmark DID');

  const now = new Date();
  const agentEndpoints: string[] = [];
  const rows: Record<string, unknown>[] = [];
  for (let n = 1; n <= o.agents; n++) {
    const endpoint = `PJSIP/${o.endpointPrefix}${n}`;
    agentEndpoints.push(endpoint);
    rows.push({
      name: `Bench agent ${n}`,
      endpoint,
      site: 'main',
      capacity: 1,
      state: 'available',
      state_since: now,
      endpoint_online: true,
    });
  }
  for (let i = 0; i < rows.length; i += 1000) await db('agents').insert(rows.slice(i, i + 1000));
  const ids = (await db('agents').select('id')) as Array<{ id: number }>;
  const skillRows = ids.map((r) => ({ agent_id: r.id, skill_id: skillId, level: 5 }));
  for (let i = 0; i < skillRows.length; i += 1000) await db('agent_skills').insert(skillRows.slice(i, i + 1000));
  const customers = await seedCustomers(db, o.customers);
  await db.raw('ANALYZE TABLE customers, customer_phones, orders, contacts, agents');
  return { agentEndpoints, customers };
}

/** Makes every agent endpoint exist on the simulator: it rings `ringMs`, answers, and hangs up after `talkMs` (0 = never). */
export async function registerAgentPhones(
  sim: SimClient,
  endpoints: readonly string[],
  ringMs: number,
  talkMs: number,
): Promise<void> {
  const queue = [...endpoints];
  const worker = async (): Promise<void> => {
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) {
      await sim.setEndpoint(e.slice('PJSIP/'.length), { behaviour: 'answer', afterMs: ringMs, talkMs });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}
