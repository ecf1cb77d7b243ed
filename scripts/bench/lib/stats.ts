/**
 * Percentiles and summaries for the benchmarks. Pure: no I/O, no clock, so the unit test can hold them exactly.
 *
 * Percentiles use the nearest-rank method (the value at rank ceil(p/100 * n) of the sorted sample): every
 * figure we print is a latency some call really had, never an interpolation between two calls.
 */

export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentile of an ascending-sorted sample; NaN for an empty one. p in [0, 100]. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const n = sorted.length;
  if (n === 0) return NaN;
  if (p === 0) return sorted[0] as number;
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n, Math.max(1, rank)) - 1] as number;
}

/** Nearest-rank percentile of an unsorted sample (copied, never reordered in place). */
export function percentile(values: readonly number[], p: number): number {
  return percentileSorted(sortedCopy(values), p);
}

function sortedCopy(values: readonly number[]): number[] {
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`sample holds a non-finite value: ${v}`);
  return [...values].sort((a, b) => a - b);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = sortedCopy(values);
  const n = sorted.length;
  if (n === 0) return { n: 0, min: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n,
    min: sorted[0] as number,
    p50: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
    max: sorted[n - 1] as number,
    mean: sum / n,
  };
}

/** a / b, or null when either side is missing or b is zero (a ratio we cannot state is not 0 or Infinity). */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

/** Rounds for display and JSON: enough digits to compare runs, no float noise. */
export function round(value: number | null | undefined, digits = 2): number | null {
  if (value == null || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A summary rounded for the JSON output. */
export function roundSummary(s: Summary, digits = 3): Record<keyof Summary, number | null> {
  return {
    n: s.n,
    min: round(s.min, digits),
    p50: round(s.p50, digits),
    p90: round(s.p90, digits),
    p99: round(s.p99, digits),
    max: round(s.max, digits),
    mean: round(s.mean, digits),
  };
}

/**
 * Rising offered rates: geometric steps from `start` by `factor` up to `max`, each rounded to a whole number
 * and strictly increasing.
 */
export function risingRates(start: number, factor: number, max: number): number[] {
  if (!(start > 0) || !(factor > 1) || !(max >= start))
    throw new RangeError('risingRates: need start > 0, factor > 1, max >= start');
  const out: number[] = [];
  for (let r = start; r <= max * 1.0001; r *= factor) {
    const v = Math.round(r);
    if (out.length === 0 || v > (out[out.length - 1] as number)) out.push(v);
  }
  return out;
}

/** The verdict on one offered-rate step of an open-loop load test. */
export interface StepVerdictInput {
  readonly offered: number;
  readonly completed: number;
  readonly failed: number;
  readonly latencyP50: number;
  /** p50 latency at the low reference step: what an unloaded system does. */
  readonly referenceP50: number;
}

export interface StepVerdictRules {
  /** Share of the calls that must complete successfully within the step's grace time (default 0.99). */
  readonly minCompletedShare: number;
  /** The median may grow to this multiple of the unloaded median ... */
  readonly maxP50Factor: number;
  /** ... or by this many milliseconds, whichever is larger. */
  readonly maxP50SlackMs: number;
}

export const DEFAULT_STEP_RULES: StepVerdictRules = { minCompletedShare: 0.99, maxP50Factor: 3, maxP50SlackMs: 20 };

/**
 * A step is sustained when (nearly) every call completed in time and the median latency has not run away from
 * the unloaded one. Once calls queue behind a saturated process their latency grows with the backlog, and the
 * median leaves the band within a step; the median is used rather than p99 because on a shared, noisy machine a
 * single stall of a neighbour moves p99 of a short step but not its median.
 */
export function stepSustained(
  s: StepVerdictInput,
  rules: StepVerdictRules = DEFAULT_STEP_RULES,
): { ok: boolean; why: string } {
  if (s.offered <= 0) return { ok: false, why: 'no calls offered' };
  const share = s.completed / s.offered;
  if (share < rules.minCompletedShare)
    return { ok: false, why: `${s.completed}/${s.offered} completed in time (${s.failed} failed)` };
  const limit = Math.max(s.referenceP50 * rules.maxP50Factor, s.referenceP50 + rules.maxP50SlackMs);
  if (!(s.latencyP50 <= limit)) return { ok: false, why: `p50 ${s.latencyP50.toFixed(1)} ms > ${limit.toFixed(1)} ms` };
  return { ok: true, why: 'ok' };
}
