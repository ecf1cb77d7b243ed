/**
 * Erlang C: how many agents a stream of calls needs so that enough of them are answered in time. The standard model
 * of a contact center's queue (calls arrive at random, wait in one line, none abandon), used for the staffing
 * report. No maintained npm package implements it; the formula is a few lines.
 */

/** The chance that a call waits at all, with `agents` agents and `traffic` Erlangs (calls × handle time / period). */
export function waitProbability(agents: number, traffic: number): number {
  if (traffic <= 0) return 0;
  if (agents <= traffic) return 1;
  // Erlang B by its recurrence (stable for thousands of agents, unlike the factorials), then C from B.
  let b = 1;
  for (let k = 1; k <= agents; k++) b = (traffic * b) / (k + traffic * b);
  return (agents * b) / (agents - traffic * (1 - b));
}

/** The share of calls answered within `targetSeconds`. */
export function serviceLevel(agents: number, traffic: number, handleSeconds: number, targetSeconds: number): number {
  if (traffic <= 0) return 1;
  if (agents <= traffic) return 0;
  const waits = waitProbability(agents, traffic);
  return Math.max(0, 1 - waits * Math.exp((-(agents - traffic) * targetSeconds) / handleSeconds));
}

export interface StaffingTarget {
  /** Share of calls to answer within targetSeconds, 0–1 (0.8 for "80/20"). */
  readonly serviceLevel: number;
  readonly targetSeconds: number;
  /** The busiest share of their time agents may be kept on calls, 0–1: more agents than the service level alone asks. */
  readonly maxOccupancy: number;
  /** Callers' mean patience before they hang up: Erlang A instead of C (erlangA); unset, nobody gives up. */
  readonly patienceSeconds?: number;
}

/** The share answered in time with `agents` agents, by Erlang C, or A when callers' patience is given. */
export function planServiceLevel(
  agents: number,
  traffic: number,
  handleSeconds: number,
  target: StaffingTarget,
): number {
  return target.patienceSeconds
    ? erlangA(agents, traffic, handleSeconds, target.patienceSeconds, target.targetSeconds).serviceLevel
    : serviceLevel(agents, traffic, handleSeconds, target.targetSeconds);
}

/** The fewest agents that answer `calls` calls of `handleSeconds` in `periodSeconds` as `target` asks; 0 for none. */
export function agentsNeeded(
  calls: number,
  handleSeconds: number,
  periodSeconds: number,
  target: StaffingTarget,
): number {
  const traffic = (calls * handleSeconds) / periodSeconds;
  if (!(traffic > 0)) return 0;
  if (!target.patienceSeconds) {
    let agents = Math.max(1, Math.ceil(traffic / target.maxOccupancy));
    while (serviceLevel(agents, traffic, handleSeconds, target.targetSeconds) < target.serviceLevel) agents++;
    return agents;
  }
  // Fewer agents than the calls' share answered in time cannot answer that share: the search starts there.
  let agents = Math.max(1, Math.floor(traffic * target.serviceLevel));
  for (;;) {
    const model = erlangA(agents, traffic, handleSeconds, target.patienceSeconds, target.targetSeconds);
    // Occupancy counts only the calls answered: those who gave up took no agent time.
    const occupancy = (traffic * (1 - model.abandonment)) / agents;
    if (model.serviceLevel >= target.serviceLevel && occupancy <= target.maxOccupancy) return agents;
    agents++;
  }
}

/**
 * The agents to put on the schedule so that `onPhones` are on the phones: shrinkage is the share of scheduled time
 * spent off them (breaks, training, meetings, absence), 0–1.
 */
export function agentsToSchedule(onPhones: number, shrinkage: number): number {
  if (onPhones <= 0) return 0;
  return Math.ceil(onPhones / (1 - shrinkage) - 1e-9);
}

/** What Erlang A says of a queue whose callers give up after a while. */
export interface AbandonmentModel {
  /** Share of calls answered within the target (of all calls, as the reports count: answered + abandoned). */
  readonly serviceLevel: number;
  /** Share of calls that hang up before an agent answers. */
  readonly abandonment: number;
  readonly waitProbability: number;
}

/**
 * Erlang A (Palm's M/M/n+M): Erlang C with callers who hang up after an exponentially distributed patience. With
 * abandonment the queue stays finite even with fewer agents than the traffic, and a plan needs fewer agents than
 * Erlang C says (the callers who give up take no agent time), at the price of the abandonment it reports.
 *
 * The queue's states are weighed in log space (thousands of agents do not overflow) and cut where the rest weighs
 * nothing; a caller who finds k−1 ahead reaches an agent after k steps, each a service completion or an
 * abandonment ahead of them, and is answered within the target if that happens before the target and before their
 * own patience runs out: a small triangular system of linear equations, integrated exactly over short linear steps.
 */
export function erlangA(
  agents: number,
  traffic: number,
  handleSeconds: number,
  patienceSeconds: number,
  targetSeconds: number,
): AbandonmentModel {
  if (!(traffic > 0)) return { serviceLevel: 1, abandonment: 0, waitProbability: 0 };
  const mu = 1 / handleSeconds;
  const theta = 1 / patienceSeconds;
  const lambda = traffic * mu;
  const n = Math.max(0, Math.floor(agents));

  // log p_j, unnormalised, until the states left weigh nothing.
  const logs: number[] = [0];
  let peak = 0;
  for (let j = 1; ; j++) {
    const rate = j <= n ? j * mu : n * mu + (j - n) * theta;
    const next = logs[j - 1]! + Math.log(lambda / rate);
    logs.push(next);
    peak = Math.max(peak, next);
    if (j > n && lambda < rate && next < peak - 46) break;
    if (j > n + 200_000) break;
  }
  const weights = logs.map((l) => Math.exp(l - peak));
  const total = weights.reduce((a, b) => a + b, 0);
  const p = weights.map((w) => w / total);

  let waiting = 0;
  let queueLength = 0;
  for (let j = n; j < p.length; j++) {
    waiting += p[j]!;
    queueLength += (j - n) * p[j]!;
  }
  const abandonment = Math.min(1, (theta / lambda) * queueLength);

  // u[k] at the target: a caller in position k is answered within it (and before giving up).
  let answeredInTime = 0;
  for (let j = 0; j < Math.min(n, p.length); j++) answeredInTime += p[j]!;
  if (targetSeconds > 0 && waiting > 0) {
    const positions = p.length - n;
    const fastest = n * mu + positions * theta;
    const steps = Math.min(5_000, Math.max(200, Math.ceil(targetSeconds * fastest)));
    const h = targetSeconds / steps;
    let before = new Float64Array(steps + 1).fill(1); // position 0: with an agent
    for (let k = 1; k <= positions; k++) {
      const mass = p[n + k - 1]!;
      const r = n * mu + (k - 1) * theta;
      const a = r + theta;
      const decay = Math.exp(-a * h);
      const c0 = a * h > 1e-8 ? (1 - decay) / a : h;
      const c1 = a * h > 1e-8 ? (a * h - 1 + decay) / (a * a * h) : h / 2;
      const now = new Float64Array(steps + 1);
      for (let s = 0; s < steps; s++)
        now[s + 1] = now[s]! * decay + r * (before[s]! * c0 + (before[s + 1]! - before[s]!) * c1);
      answeredInTime += mass * now[steps]!;
      before = now;
    }
  }
  return { serviceLevel: Math.min(1, answeredInTime), abandonment, waitProbability: waiting };
}
