import type { ShiftPreference } from './availability.js';
import type { ActivityKind } from './plan.js';

/**
 * A rota drawn from a forecast: shifts of one length placed one at a time where they cover most of what is still
 * short (greedy set cover over the day's 15-minute intervals), each given its breaks and lunch where they cost the
 * least cover. Greedy is not optimal, but it is what planners do by hand, and it is quick, predictable and easy to
 * correct afterwards on the Schedule page.
 */

export interface PlannedActivity {
  readonly kind: ActivityKind;
  /** Interval index of the day. */
  readonly start: number;
  readonly length: number;
}

export interface GeneratedShift {
  readonly agentId: number;
  readonly start: number;
  readonly length: number;
  readonly activities: readonly PlannedActivity[];
  /**
   * Whether the shift is the kind the agent prefers (PREFERENCE below): for 'early', an early shift of the day; for
   * 'late', a late one. Null for an agent without a preference.
   */
  readonly preferenceMet: boolean | null;
}

export interface RotaInput {
  /** Agents needed on the phones per interval of the day. */
  readonly need: readonly number[];
  /** Agents already scheduled on the phones per interval (fractions from shifts not on the 15-minute grid). */
  readonly have: readonly number[];
  /** Intervals per shift. */
  readonly shiftLength: number;
  /** Agents free to be given a shift, in the order they are to be given one. */
  readonly agents: readonly number[];
  /** The first interval a shift may start in (today: the one after now). */
  readonly earliestStart?: number;
  /** Whether the agent can work a shift of `length` intervals from `start` (their availability); any, if absent. */
  readonly fits?: (agentId: number, start: number, length: number) => boolean;
  /** The agent's shift preference; none for anyone, if absent. */
  readonly preference?: (agentId: number) => ShiftPreference | null;
}

/** Cover this close to the need is enough (scheduled figures are averages over an interval, to one decimal). */
const SHORT_BY = 0.05;

/**
 * A shift is planned only if at least this share of its time on the phones covers intervals still short: nobody is
 * given eight hours to cover an hour of others' breaks.
 */
export const MIN_USEFUL_SHARE = 0.5;

/**
 * PREFERENCE. A shift's gain is the number of its intervals on the phones that cover an interval still short; the
 * starts *of use* to an agent are those their availability allows, from the earliest start on, whose gain is at least
 * MIN_USEFUL_SHARE of the shift's time on the phones. With no preference the agent takes the start of most gain, the
 * earliest of those on a tie: call it the plain start.
 *
 * With one, 'early' takes the earliest, and 'late' the latest (shifts are all the same length: the one ending
 * latest), of the plain start and the starts of use
 * - whose gain is within PREFERENCE_TOLERANCE of the shift's time on the phones (at least one interval) of the best,
 *   so a preference never costs more cover than that, and
 * - that are needed at the preferred end: an early shift's first interval, a late one's last, still short. Gain does
 *   not count idle time, and breaks and lunch placed in it cost nothing, so without this an agent would be started
 *   early to wait for the calls, or kept on after they stop.
 * A preference so never moves a shift the other way from the plain start. Where the need peaks for about a shift it
 * changes little; where the need is level for longer than a shift, it chooses which end of it the agent works.
 *
 * An early shift is one whose middle is at or before the middle of the day's need (its agents needed, weighted by
 * time); a late one, at or after it. The preference is met when the shift is of the kind preferred; missed when
 * what was still short, within the agent's availability and the tolerance, lay at the other end of the day (its
 * early shifts given to those planned before them, say).
 */
export const PREFERENCE_TOLERANCE = 0.1;

/** A rule for one activity: where it goes in the shift (a share of its length) and how far it may move. */
interface ActivityRule {
  readonly kind: ActivityKind;
  readonly length: number;
  /** Nominal start as a share of the shift's length. */
  readonly at: number;
  /** Intervals it may move either way. */
  readonly slack: number;
}

/**
 * Breaks and lunch by shift length, in 15-minute intervals: from 6 hours a 45-minute lunch near the middle and a
 * 15-minute break in each half; shorter shifts, one break in the middle.
 */
export function activityRules(shiftLength: number): ActivityRule[] {
  if (shiftLength >= 24)
    return [
      { kind: 'break', length: 1, at: 0.25, slack: 2 },
      { kind: 'lunch', length: 3, at: 0.5 - 1.5 / shiftLength, slack: 4 },
      { kind: 'break', length: 1, at: 0.75, slack: 2 },
    ];
  return [{ kind: 'break', length: 1, at: 0.5 - 0.5 / shiftLength, slack: 2 }];
}

/**
 * The activities of a shift starting at `start`, each where taking the agent off the phones leaves the least
 * shortfall: where others are on their breaks the shortfall is larger, so breaks are staggered.
 */
function placeActivities(start: number, length: number, deficit: (i: number) => number): PlannedActivity[] {
  const placed: PlannedActivity[] = [];
  for (const rule of activityRules(length)) {
    const nominal = start + Math.round(rule.at * length);
    let best: PlannedActivity | null = null;
    let bestCost = Infinity;
    // Nearest the nominal place first, so a tie keeps it there.
    for (const move of [0, ...Array.from({ length: rule.slack }, (_, k) => [k + 1, -(k + 1)]).flat()]) {
      const at = nominal + move;
      // Never first or last in the shift, nor against or over an activity already placed.
      if (at <= start || at + rule.length >= start + length) continue;
      if (placed.some((p) => at < p.start + p.length + 1 && p.start < at + rule.length + 1)) continue;
      let cost = 0;
      for (let i = at; i < at + rule.length; i++) cost += Math.max(0, deficit(i));
      if (cost < bestCost) [best, bestCost] = [{ kind: rule.kind, start: at, length: rule.length }, cost];
    }
    if (best) placed.push(best);
  }
  return placed.sort((a, b) => a.start - b.start);
}

const onPhones = (i: number, shift: { start: number; length: number; activities: readonly PlannedActivity[] }) =>
  i >= shift.start &&
  i < shift.start + shift.length &&
  !shift.activities.some((a) => i >= a.start && i < a.start + a.length);

interface Candidate {
  readonly shift: GeneratedShift;
  readonly gain: number;
}

/** The plain start (PREFERENCE): most gain, the earliest on a tie; null if none is of use. */
function mostGain(useful: readonly Candidate[]): Candidate | null {
  let best: Candidate | null = null;
  for (const u of useful) if (!best || u.gain > best.gain) best = u;
  return best;
}

/**
 * The start an agent with a preference takes, and whether it met it (PREFERENCE); null if none is of use. `middle`:
 * the middle of the day's need, in intervals from the start of the day.
 */
function preferred(
  useful: readonly Candidate[],
  preference: ShiftPreference,
  o: { tolerance: number; middle: number; short: (i: number) => boolean },
): GeneratedShift | null {
  const plain = mostGain(useful);
  if (!plain) return null;
  const early = preference === 'early';
  const acceptable = (u: Candidate) =>
    u.gain >= plain.gain - o.tolerance && o.short(early ? u.shift.start : u.shift.start + u.shift.length - 1);
  const end = early ? useful.find(acceptable) : useful.findLast(acceptable);
  const shift =
    end && (early ? end.shift.start < plain.shift.start : end.shift.start > plain.shift.start)
      ? end.shift
      : plain.shift;
  const centre = shift.start + shift.length / 2;
  return { ...shift, preferenceMet: early ? centre <= o.middle : centre >= o.middle };
}

/**
 * The middle of a day's need, in intervals from the start of the day: the mean of the intervals' middles, each weighted
 * by the agents it needs (half the day, with none).
 */
export function needMiddle(need: readonly number[]): number {
  let sum = 0;
  let weighted = 0;
  need.forEach((n, i) => {
    sum += n;
    weighted += n * (i + 0.5);
  });
  return sum > 0 ? weighted / sum : need.length / 2;
}

/** Shifts, one per agent, until nothing is short, no agent is left, or no shift would be of enough use. */
export function generateRota(input: RotaInput): GeneratedShift[] {
  const intervals = input.need.length;
  const cover = input.need.map((_, i) => input.have[i] ?? 0);
  const deficit = (i: number): number => (input.need[i] ?? 0) - cover[i]!;
  const short = (i: number): boolean => deficit(i) > SHORT_BY;
  const activityTime = activityRules(input.shiftLength).reduce((n, r) => n + r.length, 0);
  const enough = Math.max(1, MIN_USEFUL_SHARE * (input.shiftLength - activityTime));
  // Gains are whole intervals: an 8-hour shift's 27 intervals on the phones allow 2.7, so two.
  const tolerance = Math.max(1, PREFERENCE_TOLERANCE * (input.shiftLength - activityTime));
  const middle = needMiddle(input.need);
  const out: GeneratedShift[] = [];
  for (const agentId of input.agents) {
    // The starts of use, earliest first.
    const useful: Candidate[] = [];
    for (let start = input.earliestStart ?? 0; start + input.shiftLength <= intervals; start++) {
      if (input.fits && !input.fits(agentId, start, input.shiftLength)) continue;
      const activities = placeActivities(start, input.shiftLength, deficit);
      const shift = { agentId, start, length: input.shiftLength, activities, preferenceMet: null };
      let gain = 0;
      for (let i = start; i < start + input.shiftLength; i++) if (short(i) && onPhones(i, shift)) gain++;
      if (gain >= enough) useful.push({ shift, gain });
    }
    const preference = input.preference?.(agentId) ?? null;
    const best = preference
      ? preferred(useful, preference, { tolerance, middle, short })
      : (mostGain(useful)?.shift ?? null);
    // Agents all able to work any shift: when one finds none of use, nor will the next. With availability, the
    // next may.
    if (!best) {
      if (input.fits) continue;
      break;
    }
    for (let i = best.start; i < best.start + best.length; i++) if (onPhones(i, best)) cover[i]!++;
    out.push(best);
  }
  return out;
}

/** Agents on the phones per interval once these shifts are worked too. */
export function coverWith(input: RotaInput, shifts: readonly GeneratedShift[]): number[] {
  const cover = input.need.map((_, i) => input.have[i] ?? 0);
  for (const s of shifts) for (let i = s.start; i < s.start + s.length; i++) if (onPhones(i, s)) cover[i]!++;
  return cover;
}

/** Intervals still short once these shifts are worked. */
export function shortIntervals(input: RotaInput, shifts: readonly GeneratedShift[]): number {
  const cover = coverWith(input, shifts);
  return input.need.filter((n, i) => n - cover[i]! > SHORT_BY).length;
}
