import { z } from 'zod';
import { HttpError } from '../http/errors.js';
import { addDays, parseDay, wallInstant } from '../reports/day.js';

/**
 * A shift as a supervisor plans it: a day and times on the contact center's clock, the way rotas are written,
 * turned here into the instants the schedule is kept and compared in. An end at or before the start is on the next
 * day (a night shift); an activity starting before the shift's start is on the next day too.
 */

/** The parts of a shift spent off the phones. */
export const ACTIVITY_KINDS = ['break', 'lunch', 'meeting', 'training', 'offline'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** No shift is longer: a longer one is a typing mistake (and keeps overlap checks to a bounded window). */
export const LONGEST_SHIFT_MS = 16 * 3_600_000;
export const MAX_ACTIVITIES = 20;

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day, HH:MM (00:00–23:59)');
export const calendarDay = z.string().refine((d) => parseDay(d) !== null, 'a calendar date, YYYY-MM-DD');

export const shiftInput = z
  .object({
    agentId: z.number().int().positive(),
    /** The day the shift starts on. */
    day: calendarDay,
    startTime: timeOfDay,
    endTime: timeOfDay,
    note: z.string().trim().max(200).nullable().optional(),
    activities: z
      .array(z.object({ kind: z.enum(ACTIVITY_KINDS), startTime: timeOfDay, endTime: timeOfDay }).strict())
      .max(MAX_ACTIVITIES)
      .default([]),
  })
  .strict();
export type ShiftInput = z.infer<typeof shiftInput>;

export interface TimedActivity {
  readonly kind: ActivityKind;
  readonly start: Date;
  readonly end: Date;
}

export interface PlannedShift {
  readonly agentId: number;
  readonly day: string;
  readonly start: Date;
  readonly end: Date;
  readonly note: string | null;
  /** In time order, inside the shift, none overlapping. */
  readonly activities: readonly TimedActivity[];
}

function at(day: string, time: string, timeZone: string): Date {
  return wallInstant(day, Number(time.slice(0, 2)), Number(time.slice(3, 5)), timeZone);
}

/** `time` on `day`, or on the next day when that is not after `after` (the end of a span crossing midnight). */
function atOrNextDay(day: string, time: string, after: Date, timeZone: string, allowEqual: boolean): Date {
  const same = at(day, time, timeZone);
  const later = allowEqual ? same >= after : same > after;
  return later ? same : at(addDays(day, 1), time, timeZone);
}

const invalid = (message: string): HttpError => new HttpError(400, 'bad_request', message);

/** The shift's instants; 400 for a shift too long, or an activity outside it or overlapping another. */
export function planShift(input: ShiftInput, timeZone: string): PlannedShift {
  const start = at(input.day, input.startTime, timeZone);
  const end = atOrNextDay(input.day, input.endTime, start, timeZone, false);
  if (end.getTime() - start.getTime() > LONGEST_SHIFT_MS)
    throw invalid(`a shift lasts at most ${LONGEST_SHIFT_MS / 3_600_000} hours (${input.startTime}–${input.endTime})`);
  const activities = input.activities
    .map((a) => {
      const from = atOrNextDay(input.day, a.startTime, start, timeZone, true);
      const to = atOrNextDay(input.day, a.endTime, from, timeZone, false);
      const label = `${a.kind} ${a.startTime}–${a.endTime}`;
      if (from < start || to > end || to <= from)
        throw invalid(`the ${label} is not inside the shift (${input.startTime}–${input.endTime})`);
      return { kind: a.kind, start: from, end: to, label };
    })
    .sort((a, b) => a.start.getTime() - b.start.getTime());
  for (let i = 1; i < activities.length; i++)
    if (activities[i]!.start < activities[i - 1]!.end)
      throw invalid(`the ${activities[i - 1]!.label} and the ${activities[i]!.label} overlap`);
  return {
    agentId: input.agentId,
    day: input.day,
    start,
    end,
    note: input.note ?? null,
    activities: activities.map(({ kind, start: s, end: e }) => ({ kind, start: s, end: e })),
  };
}

/** Time on the phones the plan asks for: the shift less its activities, in milliseconds. */
export function phoneTime(shift: { start: Date; end: Date; activities: readonly TimedActivity[] }): number {
  let ms = shift.end.getTime() - shift.start.getTime();
  for (const a of shift.activities) ms -= a.end.getTime() - a.start.getTime();
  return ms;
}
