import { createAgent } from '../../src/agents/repository.js';
import { AgentService } from '../../src/agents/service.js';
import type { Db } from '../../src/db/knex.js';
import { EventBus } from '../../src/events/bus.js';
import { AcdEngine, type AcdOptions } from '../../src/routing/acd.js';
import { createQueue, createSkill, type QueueInput } from '../../src/routing/repository.js';
import type { AgentOffer, QueueTimerEvent, SkillRequirement, WaitingCall } from '../../src/routing/types.js';

/** A clock tests move by hand. */
export class TestClock {
  constructor(public ms = Date.UTC(2026, 10, 23, 8, 0, 0)) {}
  now = (): Date => new Date(this.ms);
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export async function skills(db: Db, ...names: string[]): Promise<void> {
  for (const name of names) await createSkill(db, { name });
}

export async function queue(db: Db, name: string, extra: QueueInput = {}): Promise<number> {
  const q = await createQueue(db, { name, displayName: name, ...extra });
  return q.id;
}

let endpointSeq = 3000;

export async function agent(
  db: Db,
  name: string,
  opts: { skills?: { skill: string; level: number }[]; site?: string; capacity?: number; autoAnswer?: boolean } = {},
): Promise<number> {
  const a = await createAgent(db, {
    name,
    endpoint: `PJSIP/${++endpointSeq}`,
    site: opts.site ?? 'main',
    capacity: opts.capacity ?? 1,
    autoAnswer: opts.autoAnswer ?? false,
    skills: opts.skills ?? [],
  });
  return a.id;
}

export interface Harness {
  readonly agents: AgentService;
  readonly acd: AcdEngine;
  readonly bus: EventBus;
  readonly clock: TestClock;
  readonly offers: AgentOffer[];
  readonly timers: QueueTimerEvent[];
  call(id: string, queueId: number, o?: { priority?: number; skills?: SkillRequirement[]; at?: Date }): WaitingCall;
  /** Waits until `n` offers were made (or fails after 3 s). */
  offersAtLeast(n: number): Promise<AgentOffer[]>;
  stop(): Promise<void>;
}

export async function harness(
  db: Db,
  o: { clock?: TestClock; acd?: Partial<Pick<AcdOptions, 'ringAllMax' | 'retryMs'>> } = {},
): Promise<Harness> {
  const clock = o.clock ?? new TestClock();
  const bus = new EventBus();
  const agents = new AgentService({ db, bus, now: clock.now });
  const acd = new AcdEngine({ db, agents, bus, now: clock.now, tickMs: 0, refreshMs: 0, ...o.acd });
  const offers: AgentOffer[] = [];
  const timers: QueueTimerEvent[] = [];
  acd.onOffer((x) => offers.push(x));
  acd.onTimer((x) => timers.push(x));
  await acd.start();
  return {
    agents,
    acd,
    bus,
    clock,
    offers,
    timers,
    call: (id, queueId, c = {}) => ({
      callId: id,
      queueId,
      priority: c.priority ?? 0,
      requiredSkills: c.skills ?? [],
      enqueuedAt: c.at ?? clock.now(),
      node: 'ast1',
    }),
    async offersAtLeast(n) {
      const until = Date.now() + 3000;
      for (;;) {
        await acd.idle();
        if (offers.length >= n) return offers;
        if (Date.now() > until) throw new Error(`expected ${n} offers, got ${offers.length}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async stop() {
      await acd.stop();
      agents.stop();
    },
  };
}
