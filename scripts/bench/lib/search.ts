/**
 * Finding the sustained rate: a warm-up step, a low reference step (what the unloaded system does), then rising
 * offered rates until a step is not sustained (calls fail, or the median latency leaves the band around the
 * reference: calls have started to wait; a lost step is confirmed by running it again), then bisection steps
 * between the last rate held and the first lost.
 */
import { DEFAULT_STEP_RULES, stepSustained, type StepVerdictRules, type Summary } from './stats.js';

export interface StepOutcome {
  /** Nominal offered rate (calls/s). */
  readonly rate: number;
  readonly durationMs: number;
  readonly offered: number;
  readonly completed: number;
  readonly failed: number;
  /** Completed calls per second of the step. */
  readonly achievedCps: number;
  /** The latency the verdict uses (end to end, as the harness sees it). */
  readonly latency: Summary;
  /** Other distributions and facts (set-up from the CDR, CPU per process, ...). */
  readonly extra?: Record<string, unknown>;
  /** Set when the step could not be judged (e.g. the system never drained). */
  readonly broken?: string;
  /** Set when the calls held but work they left (e.g. recording uploads) fell behind: lost, and run once more. */
  readonly behind?: string;
}

export interface JudgedStep extends StepOutcome {
  readonly phase: 'warmup' | 'reference' | 'rising' | 'confirm' | 'bisect';
  readonly sustained: boolean;
  readonly why: string;
}

export interface SearchOptions {
  readonly runStep: (rate: number, phase: JudgedStep['phase']) => Promise<StepOutcome>;
  readonly warmupRate: number;
  readonly referenceRate: number;
  /** First rising rate (default: referenceRate * factor). */
  readonly startRate?: number;
  readonly factor: number;
  readonly maxRate: number;
  readonly bisections: number;
  readonly maxSteps: number;
  /** Stop rising when this much time has gone (ms since the search began). */
  readonly budgetMs: number;
  readonly rules?: StepVerdictRules;
  readonly log?: (line: string) => void;
}

export interface SearchResult {
  /** Highest sustained completed-calls-per-second (null if even the reference step failed). */
  readonly sustainedCps: number | null;
  readonly best: JudgedStep | null;
  readonly steps: JudgedStep[];
  readonly referenceP50: number | null;
}

export async function findSustainedRate(o: SearchOptions): Promise<SearchResult> {
  const rules = o.rules ?? DEFAULT_STEP_RULES;
  const began = Date.now();
  const steps: JudgedStep[] = [];
  const log = o.log ?? (() => undefined);
  let referenceP50: number | null = null;
  let best: JudgedStep | null = null;

  const judge = (s: StepOutcome, phase: JudgedStep['phase']): JudgedStep => {
    if (s.broken) return { ...s, phase, sustained: false, why: s.broken };
    if (s.behind) return { ...s, phase, sustained: false, why: s.behind };
    const v = stepSustained(
      {
        offered: s.offered,
        completed: s.completed,
        failed: s.failed,
        latencyP50: s.latency.p50,
        referenceP50: referenceP50 ?? s.latency.p50,
      },
      rules,
    );
    return { ...s, phase, sustained: v.ok, why: v.why };
  };
  const run = async (rate: number, phase: JudgedStep['phase']): Promise<JudgedStep> => {
    const s = judge(await o.runStep(rate, phase), phase);
    steps.push(s);
    log(
      `  ${phase.padEnd(9)} ${String(rate).padStart(5)}/s: ${s.completed}/${s.offered} done, ${s.achievedCps.toFixed(1)} calls/s, ` +
        `p50 ${s.latency.p50.toFixed(1)} ms, p99 ${s.latency.p99.toFixed(1)} ms → ${s.sustained ? 'held' : `lost (${s.why})`}`,
    );
    if (s.sustained && phase !== 'warmup' && (!best || s.achievedCps > best.achievedCps)) best = s;
    return s;
  };

  // A lost step is run once more before it counts: on a shared machine a neighbour's burst can spoil one step.
  const runConfirmed = async (rate: number, phase: 'rising' | 'bisect'): Promise<boolean> => {
    const s = await run(rate, phase);
    if (s.sustained) return true;
    if (s.broken) return false;
    return (await run(rate, 'confirm')).sustained;
  };

  await run(o.warmupRate, 'warmup');
  let ref = await run(o.referenceRate, 'reference');
  if (!ref.sustained && !ref.broken) ref = await run(o.referenceRate, 'confirm');
  if (ref.broken || ref.completed / Math.max(1, ref.offered) < rules.minCompletedShare) {
    return { sustainedCps: null, best: null, steps, referenceP50: null };
  }
  referenceP50 = ref.latency.p50;

  let lastHeld = o.referenceRate;
  let firstLost: number | null = null;
  for (
    let rate = Math.round(o.startRate ?? o.referenceRate * o.factor);
    rate <= o.maxRate;
    rate = Math.max(rate + 1, Math.round(rate * o.factor))
  ) {
    if (steps.length >= o.maxSteps || Date.now() - began > o.budgetMs) break;
    if (await runConfirmed(rate, 'rising')) lastHeld = rate;
    else {
      firstLost = rate;
      break;
    }
  }
  for (let i = 0; i < o.bisections && firstLost !== null && steps.length < o.maxSteps + o.bisections; i++) {
    if (firstLost / lastHeld < 1.08) break;
    const mid = Math.round(Math.sqrt(lastHeld * firstLost));
    if (mid <= lastHeld || mid >= firstLost) break;
    if (await runConfirmed(mid, 'bisect')) lastHeld = mid;
    else firstLost = mid;
  }
  const b = best as JudgedStep | null;
  return { sustainedCps: b ? b.achievedCps : null, best: b, steps, referenceP50 };
}
