import type { Backoff } from './types.js';

export const DEFAULT_BACKOFF: Backoff = { baseMs: 5_000, maxMs: 30 * 60_000 };

/**
 * Delay before the next attempt after `attempts` failed ones: exponential with a ceiling, then "equal jitter"
 * (half fixed, half random) so a burst of failures does not come back as a burst of retries.
 */
export function backoffDelay(attempts: number, backoff: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(1, attempts);
  const exp = backoff.baseMs * 2 ** Math.min(n - 1, 40);
  const capped = Math.min(backoff.maxMs, exp);
  return Math.round(capped / 2 + (capped / 2) * random());
}
