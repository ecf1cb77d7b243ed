import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import { requireDate } from '../db/time.js';
import { HttpError } from '../http/errors.js';
import { addDays, dayOf, INTERVAL_MS, reportDay, wallTime, weekOf } from '../reports/day.js';
import { eligibleAgents, staffingReport, type StaffingQuery } from '../reports/staffing.js';
import { coverWith, generateRota, shortIntervals, type GeneratedShift, type RotaInput } from './generate.js';
import type { ActivityKind, ShiftInput } from './plan.js';
import { addShift, type Shift, type ShiftWriter } from './repository.js';
import {
  availabilityOf,
  preferenceOf,
  unavailableOn,
  withinAvailability,
  type AvailabilityWindow,
  type ShiftPreference,
} from './availability.js';
import { agentsOff } from './time-off.js';

/**
 * Planning one queue's day from its forecast: the staffing report's agents needed per interval, less those already
 * scheduled, covered by new shifts for the queue's agents free that day (freeAgents, generate.ts). Previewed, then
 * applied; run it queue after queue, and each plan counts the shifts the ones before it made.
 */

export interface RotaRequest extends Omit<StaffingQuery, 'day' | 'queueId' | 'shrinkage'> {
  readonly day: string;
  readonly queueId: number;
  readonly shiftHours: number;
  readonly apply: boolean;
}

export interface ProposedShift {
  readonly agentId: number;
  readonly agentName: string;
  readonly startTime: string;
  readonly endTime: string;
  readonly activities: readonly { kind: ActivityKind; startTime: string; endTime: string }[];
  /** The agent's shift preference, and whether the shift met it (generate.ts, PREFERENCE); null without one. */
  readonly preference: ShiftPreference | null;
  readonly preferenceMet: boolean | null;
}

export interface RotaPlan {
  readonly day: string;
  readonly queueId: number;
  readonly shiftHours: number;
  readonly basis: 'actual' | 'forecast';
  readonly shifts: readonly ProposedShift[];
  /** Set when applied: the shifts made, and those refused (a shift made for the agent meanwhile). */
  readonly created: readonly Shift[] | null;
  readonly skipped: readonly { agentId: number; agentName: string; day: string; reason: string }[];
  /** Per interval: agents needed, scheduled before the plan and with it. */
  readonly coverage: readonly { period: string; needed: number; before: number; after: number }[];
  /** Intervals still short with every shift worked (no agents left to plan). */
  readonly shortIntervals: number;
}

/** Milliseconds each agent is scheduled in the week (shifts starting Monday to Sunday), of these agents. */
export async function weekScheduled(
  db: Db | Knex.Transaction,
  day: string,
  agentIds: readonly number[],
): Promise<Map<number, number>> {
  const { monday, sunday } = weekOf(day);
  const rows = (await db('shifts')
    .whereIn('agent_id', agentIds)
    .whereBetween('day', [monday, sunday])
    .select('agent_id', 'starts_at', 'ends_at')) as Record<string, unknown>[];
  const out = new Map<number, number>();
  for (const r of rows) {
    const ms =
      requireDate(r.ends_at, 'shifts.ends_at').getTime() - requireDate(r.starts_at, 'shifts.starts_at').getTime();
    out.set(Number(r.agent_id), (out.get(Number(r.agent_id)) ?? 0) + ms);
  }
  return out;
}

/**
 * The queue's agents free to be given a shift of `shiftMs` that day: no shift and no time off then, some of their
 * availability on that weekday, and within their contracted hours for the week with it; those with the fewest shifts
 * in the fortnight around it first. Each with their availability, which the shift must then fit, and their shift
 * preference.
 */
async function freeAgents(
  db: Db,
  queueId: number,
  day: string,
  shiftMs: number,
): Promise<
  { id: number; name: string; windows: readonly AvailabilityWindow[] | undefined; preference: ShiftPreference | null }[]
> {
  const skilled = await eligibleAgents(db, queueId);
  const off = await agentsOff(db, day, skilled);
  const windows = await availabilityOf(db, skilled);
  const unavailable = unavailableOn(windows, day);
  const eligible = skilled.filter((id) => !off.has(id) && !unavailable.has(id));
  if (eligible.length === 0) return [];
  const [rows, scheduled] = await Promise.all([
    db('agents as a')
      .whereIn('a.id', eligible)
      .whereNotExists((q) =>
        q.select(db.raw('1')).from('shifts as s').whereRaw('s.agent_id = a.id').where('s.day', day),
      )
      .leftJoin('shifts as w', (j) =>
        j.on('w.agent_id', 'a.id').andOnBetween('w.day', [addDays(day, -6), addDays(day, 6)]),
      )
      .groupBy('a.id', 'a.name', 'a.weekly_hours', 'a.shift_preference')
      .orderByRaw('count(w.id), a.id')
      .select('a.id', 'a.name', 'a.weekly_hours', 'a.shift_preference') as Promise<Record<string, unknown>[]>,
    weekScheduled(db, day, eligible),
  ]);
  return rows
    .filter(
      (r) =>
        r.weekly_hours == null || (scheduled.get(Number(r.id)) ?? 0) + shiftMs <= Number(r.weekly_hours) * 3_600_000,
    )
    .map((r) => ({
      id: Number(r.id),
      name: String(r.name),
      windows: windows.get(Number(r.id)),
      preference: preferenceOf(r.shift_preference),
    }));
}

export async function planRota(db: Db, o: RotaRequest, writer: ShiftWriter): Promise<RotaPlan> {
  const today = dayOf(o.now, o.timeZone);
  if (o.day < today) throw new HttpError(400, 'bad_request', `${o.day} has been lived: only today or later is planned`);
  const staffing = await staffingReport(db, { ...o, shrinkage: 0 });
  const shiftLength = Math.round((o.shiftHours * 3_600_000) / INTERVAL_MS);
  const agents = await freeAgents(db, o.queueId, o.day, shiftLength * INTERVAL_MS);
  const { start } = reportDay(o.day, o.timeZone);
  const nowIndex = Math.ceil((o.now.getTime() - start.getTime()) / INTERVAL_MS);
  const windows = new Map(agents.map((a) => [a.id, a.windows]));
  const preferences = new Map(agents.map((a) => [a.id, a.preference]));
  const at = (index: number): Date => new Date(start.getTime() + index * INTERVAL_MS);
  const input: RotaInput = {
    // Intervals already past need nothing more.
    need: staffing.intervals.map((i, k) => (k < nowIndex ? 0 : i.agentsNeeded)),
    have: staffing.intervals.map((i) => i.agentsScheduled),
    shiftLength,
    agents: agents.map((a) => a.id),
    earliestStart: Math.max(0, nowIndex),
    fits: (agentId, from, length) =>
      withinAvailability(windows.get(agentId), o.day, at(from), at(from + length), o.timeZone),
    preference: (agentId) => preferences.get(agentId) ?? null,
  };
  const generated = generateRota(input);
  const clock = (index: number): string => wallTime(at(index), o.timeZone);
  const nameOf = new Map(agents.map((a) => [a.id, a.name]));
  const proposed = generated.map((g: GeneratedShift) => ({
    agentId: g.agentId,
    agentName: nameOf.get(g.agentId) ?? `agent ${g.agentId}`,
    startTime: clock(g.start),
    endTime: clock(g.start + g.length),
    activities: g.activities.map((a) => ({
      kind: a.kind,
      startTime: clock(a.start),
      endTime: clock(a.start + a.length),
    })),
    preference: preferences.get(g.agentId) ?? null,
    preferenceMet: g.preferenceMet,
  }));

  let created: Shift[] | null = null;
  const skipped: { agentId: number; agentName: string; day: string; reason: string }[] = [];
  if (o.apply) {
    created = [];
    for (const p of proposed) {
      const shift: ShiftInput = {
        agentId: p.agentId,
        day: o.day,
        startTime: p.startTime,
        endTime: p.endTime,
        activities: [...p.activities],
      };
      try {
        created.push(await addShift(db, shift, writer));
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        skipped.push({ agentId: p.agentId, agentName: p.agentName, day: o.day, reason: err.message });
      }
    }
  }

  // Applied: the cover of the shifts made, not of those refused.
  const worked = generated.filter((g) => !skipped.some((k) => k.agentId === g.agentId));
  const after = coverWith(input, worked);
  return {
    day: o.day,
    queueId: o.queueId,
    shiftHours: o.shiftHours,
    basis: staffing.basis,
    shifts: proposed,
    created,
    skipped,
    coverage: staffing.intervals.map((i, k) => ({
      period: i.period,
      needed: input.need[k]!,
      before: i.agentsScheduled,
      after: Math.round(after[k]! * 10) / 10,
    })),
    shortIntervals: shortIntervals(input, worked),
  };
}
