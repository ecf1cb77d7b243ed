import type { Knex } from 'knex';
import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { HttpError, notFound } from '../http/errors.js';
import { addDays, parseDay, wallInstant } from '../reports/day.js';

/**
 * When an agent can work: windows of the week on the contact center's clock (Monday 08:00–18:00, Saturday
 * 09:00–13:00), as agents state them and supervisors keep them. An agent with none is available at any time; one
 * with some is available only inside them, so a day without a window is a day they do not work. Planning from the
 * forecast keeps to them; a shift made by hand outside them is allowed and shown as such.
 *
 * Within them an agent may prefer early or late shifts (`agents.shift_preference`): planning from the forecast gives
 * them the earliest or latest of the shifts about as useful as the best (shifts/generate.ts), so a preference costs
 * little cover; a shift made by hand is not held to it.
 */

/** ISO weekdays: 1 is Monday, 7 Sunday. */
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
export const MAX_WINDOWS = 28;
const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** Which end of the day the agent would rather work, within their availability; null: no preference. */
export const SHIFT_PREFERENCES = ['early', 'late'] as const;
export type ShiftPreference = (typeof SHIFT_PREFERENCES)[number];

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day, HH:MM (00:00–23:59)');

export const availabilityInput = z
  .object({
    windows: z
      .array(
        z
          .object({
            weekday: z.number().int().min(1).max(7),
            startTime: clockTime,
            /** 24:00 is the end of the day; a window crossing midnight is two, one on each day. */
            endTime: z.union([clockTime, z.literal('24:00')], { error: 'a time of day, HH:MM (00:00–24:00)' }),
          })
          .strict(),
      )
      .max(MAX_WINDOWS),
    /** Omitted: kept as it is; null: no preference. */
    preference: z.enum(SHIFT_PREFERENCES, { error: 'early, late, or null for no preference' }).nullable().optional(),
  })
  .strict();

export interface AvailabilityWindow {
  readonly weekday: number;
  readonly startTime: string;
  readonly endTime: string;
}

export interface Availability {
  readonly agentId: number;
  /** By weekday, then start. Empty: available at any time. */
  readonly windows: readonly AvailabilityWindow[];
  readonly preference: ShiftPreference | null;
}

/** A stored preference; anything not known (a later version's, say) is no preference. */
export function preferenceOf(value: unknown): ShiftPreference | null {
  return SHIFT_PREFERENCES.find((p) => p === value) ?? null;
}

const byDayAndStart = (a: AvailabilityWindow, b: AvailabilityWindow) =>
  a.weekday - b.weekday || a.startTime.localeCompare(b.startTime);

/** 400 for a window ending at or before its start, or two overlapping on one day. */
function assertWindows(windows: readonly AvailabilityWindow[]): AvailabilityWindow[] {
  const sorted = [...windows].sort(byDayAndStart);
  for (const [i, w] of sorted.entries()) {
    if (w.endTime <= w.startTime)
      throw new HttpError(
        400,
        'bad_request',
        `the window ${w.startTime}–${w.endTime} ends before it starts (one crossing midnight is two, ending at 24:00 and starting at 00:00)`,
      );
    const prev = sorted[i - 1];
    if (prev && prev.weekday === w.weekday && w.startTime < prev.endTime)
      throw new HttpError(
        400,
        'bad_request',
        `the windows ${prev.startTime}–${prev.endTime} and ${w.startTime}–${w.endTime} overlap on ${WEEKDAY_NAMES[w.weekday - 1]}`,
      );
  }
  return sorted;
}

/** Windows of these agents (an agent without any is missing from the map). */
export async function availabilityOf(
  db: Db | Knex.Transaction,
  agentIds: readonly number[],
): Promise<Map<number, AvailabilityWindow[]>> {
  const out = new Map<number, AvailabilityWindow[]>();
  if (agentIds.length === 0) return out;
  const rows = (await db('agent_availability')
    .whereIn('agent_id', agentIds)
    .orderBy(['agent_id', 'weekday', 'start_time'])
    .select('agent_id', 'weekday', 'start_time', 'end_time')) as Record<string, unknown>[];
  for (const r of rows) {
    const list = out.get(Number(r.agent_id)) ?? [];
    list.push({ weekday: Number(r.weekday), startTime: String(r.start_time), endTime: String(r.end_time) });
    out.set(Number(r.agent_id), list);
  }
  return out;
}

export async function getAvailability(db: Db, agentId: number): Promise<Availability> {
  const agent = (await db('agents').where({ id: agentId }).first('id', 'shift_preference')) as
    Record<string, unknown> | undefined;
  if (!agent) throw notFound(`agent ${agentId}`);
  return {
    agentId,
    windows: (await availabilityOf(db, [agentId])).get(agentId) ?? [],
    preference: preferenceOf(agent.shift_preference),
  };
}

/**
 * Replaces the agent's windows (none: available at any time) and, unless `preference` is undefined, their shift
 * preference (null: none).
 */
export async function setAvailability(
  db: Db,
  agentId: number,
  windows: readonly AvailabilityWindow[],
  preference?: ShiftPreference | null,
): Promise<Availability> {
  const sorted = assertWindows(windows);
  const kept = await db.transaction(async (trx) => {
    const agent = (await trx('agents').where({ id: agentId }).forUpdate().first('id', 'shift_preference')) as
      Record<string, unknown> | undefined;
    if (!agent) throw notFound(`agent ${agentId}`);
    await trx('agent_availability').where({ agent_id: agentId }).delete();
    if (sorted.length > 0)
      await trx('agent_availability').insert(
        sorted.map((w) => ({ agent_id: agentId, weekday: w.weekday, start_time: w.startTime, end_time: w.endTime })),
      );
    if (preference === undefined) return preferenceOf(agent.shift_preference);
    await trx('agents').where({ id: agentId }).update({ shift_preference: preference });
    return preference;
  });
  return { agentId, windows: sorted, preference: kept };
}

/** The ISO weekday (1 Monday … 7 Sunday) of a calendar day. */
export function weekdayOf(day: string): number {
  const p = parseDay(day);
  if (!p) throw new RangeError(`"${day}" is not a calendar date (YYYY-MM-DD)`);
  return ((new Date(Date.UTC(p.y, p.m - 1, p.d)).getUTCDay() + 6) % 7) + 1;
}

const instant = (day: string, time: string, timeZone: string): Date =>
  time === '24:00'
    ? wallInstant(addDays(day, 1), 0, 0, timeZone)
    : wallInstant(day, Number(time.slice(0, 2)), Number(time.slice(3, 5)), timeZone);

/**
 * Whether [start, end) lies inside the windows, as instants: those of `day` and of the day after (a night shift
 * runs into it), adjoining windows joined. Windows on the wall clock, so a clock change moves them with the clock.
 */
export function withinAvailability(
  windows: readonly AvailabilityWindow[] | undefined,
  day: string,
  start: Date,
  end: Date,
  timeZone: string,
): boolean {
  if (!windows || windows.length === 0) return true;
  const spans = [day, addDays(day, 1)]
    .flatMap((d) =>
      windows
        .filter((w) => w.weekday === weekdayOf(d))
        .map((w) => [instant(d, w.startTime, timeZone).getTime(), instant(d, w.endTime, timeZone).getTime()]),
    )
    .sort((a, b) => a[0]! - b[0]!);
  let reached = start.getTime();
  for (const [from, to] of spans) {
    if (from! > reached) break;
    reached = Math.max(reached, to!);
    if (reached >= end.getTime()) return true;
  }
  return false;
}

/** Agents of these whose windows leave no time at all on `day`'s weekday: nothing can be planned for them then. */
export function unavailableOn(windows: Map<number, AvailabilityWindow[]>, day: string): Set<number> {
  const weekday = weekdayOf(day);
  return new Set([...windows].filter(([, list]) => !list.some((w) => w.weekday === weekday)).map(([id]) => id));
}
