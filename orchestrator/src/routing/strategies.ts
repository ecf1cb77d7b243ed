import type { AgentRecord } from '../agents/repository.js';
import type { Strategy } from './repository.js';
import type { SkillRequirement } from './types.js';

/**
 * Agent ordering per queue strategy: the best candidate comes first. Agents who already missed this call come
 * after everyone else in every strategy, so a caller is not rung back to the same phone while others are free.
 *
 * ring_all rings every eligible agent at once (see pickTop); the order only decides who is left out when there
 * are more than the ring-all cap: agents who missed the call last, then the longest idle first.
 */
export interface RankContext {
  readonly strategy: Strategy;
  readonly required: readonly SkillRequirement[];
  /** Agents who were offered this call and did not take it. */
  readonly tried: ReadonlySet<number>;
  /** round_robin: the agent this queue offered last. */
  readonly lastAgentId: number;
}

/** When the agent became free: the start of their current idle stretch. */
export function idleSince(a: AgentRecord): number {
  return a.stateSince.getTime();
}

export function skillScore(a: AgentRecord, required: readonly SkillRequirement[]): number {
  let score = 0;
  for (const r of required) score += a.skills.get(r.skill) ?? 0;
  return score;
}

function byIdle(a: AgentRecord, b: AgentRecord): number {
  return idleSince(a) - idleSince(b) || a.id - b.id;
}

export function compareFor(ctx: RankContext): (a: AgentRecord, b: AgentRecord) => number {
  const tried = (a: AgentRecord, b: AgentRecord): number => Number(ctx.tried.has(a.id)) - Number(ctx.tried.has(b.id));
  switch (ctx.strategy) {
    case 'fewest_calls':
      return (a, b) => tried(a, b) || a.callsToday - b.callsToday || byIdle(a, b);
    case 'skill_score':
      return (a, b) => tried(a, b) || skillScore(b, ctx.required) - skillScore(a, ctx.required) || byIdle(a, b);
    case 'round_robin': {
      // The next id after the last one offered, wrapping around.
      const after = (x: AgentRecord): number => (x.id > ctx.lastAgentId ? x.id - ctx.lastAgentId : x.id + 1e12);
      return (a, b) => tried(a, b) || after(a) - after(b);
    }
    case 'ring_all':
    case 'longest_idle':
    default:
      return (a, b) => tried(a, b) || byIdle(a, b);
  }
}

/** The best of `candidates` without sorting them all (one pass). */
export function pickBest(candidates: Iterable<AgentRecord>, ctx: RankContext): AgentRecord | null {
  const cmp = compareFor(ctx);
  let best: AgentRecord | null = null;
  for (const c of candidates) if (best === null || cmp(c, best) < 0) best = c;
  return best;
}

/** The best `n` of `candidates`, best first (ring_all: everyone it rings at once, up to its cap). */
export function pickTop(candidates: Iterable<AgentRecord>, ctx: RankContext, n: number): AgentRecord[] {
  if (n <= 0) return [];
  return [...candidates].sort(compareFor(ctx)).slice(0, n);
}
