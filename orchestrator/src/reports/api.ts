import { stringify } from 'csv-stringify/sync';
import { daysBetween, dayOf, parseDay } from './day.js';

/** What the HTTP API asks of reports beyond the queries: the rules of a requested range, and CSV exports. */

/** A year and a day: a year-on-year comparison fits, an accidental decade does not. */
export const MAX_REPORT_DAYS = 366;

export type RangeCheck = { ok: true; from: string; to: string } | { ok: false; message: string };

/**
 * `to` defaults to today and `from` to `to` (no dates: today; only `from`: from then until today); both must be
 * calendar days, to not before from, at most MAX_REPORT_DAYS apart.
 */
export function checkRange(
  asked: { from?: string; to?: string; by?: string },
  now: Date,
  timeZone: string,
): RangeCheck {
  const today = dayOf(now, timeZone);
  const to = asked.to ?? today;
  const from = asked.from ?? to;
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!parseDay(value)) return { ok: false, message: `${name}: "${value}" is not a calendar date (YYYY-MM-DD)` };
  }
  const days = daysBetween(from, to);
  if (days === 0) return { ok: false, message: `to (${to}) is before from (${from})` };
  if (days > MAX_REPORT_DAYS)
    return { ok: false, message: `at most ${MAX_REPORT_DAYS} days at once (asked for ${days})` };
  if (asked.by === 'interval' && from !== to)
    return { ok: false, message: '15-minute intervals are for one day: from and to must be equal' };
  return { ok: true, from, to };
}

/** Rows as CSV with a header of their keys (the JSON's own names, so a script can read either). */
export function toCsv(rows: readonly object[], columns: readonly string[]): string {
  return stringify(rows as Record<string, unknown>[], { header: true, columns: [...columns] });
}
