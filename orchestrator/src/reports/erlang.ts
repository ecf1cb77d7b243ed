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
  let agents = Math.max(1, Math.ceil(traffic / target.maxOccupancy));
  while (serviceLevel(agents, traffic, handleSeconds, target.targetSeconds) < target.serviceLevel) agents++;
  return agents;
}

/**
 * The agents to put on the schedule so that `onPhones` are on the phones: shrinkage is the share of scheduled time
 * spent off them (breaks, training, meetings, absence), 0–1.
 */
export function agentsToSchedule(onPhones: number, shrinkage: number): number {
  if (onPhones <= 0) return 0;
  return Math.ceil(onPhones / (1 - shrinkage) - 1e-9);
}
