import { prng } from '../../../orchestrator/src/db/seed/customers.js';

/** A repeatable random source for a benchmark (same seed → same callers, agents and skills every run). */
export function prngFor(seed: number): () => number {
  return prng(0x5eed0000 + seed);
}
