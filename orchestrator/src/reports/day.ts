/**
 * Report days are calendar days of the contact center's time zone, so "Monday" in a report is the Monday its
 * supervisors lived through; a day changing its UTC offset (daylight saving) is 23 or 25 hours long.
 */

export const INTERVAL_MS = 15 * 60_000;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface ReportDay {
  /** YYYY-MM-DD in the report's zone. */
  readonly day: string;
  /** Local midnight, as an instant. */
  readonly start: Date;
  /** The next day's local midnight (exclusive). */
  readonly end: Date;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    // Throws a RangeError for a zone Intl does not know: callers turn it into a configuration or request error.
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    partsFormatters.set(timeZone, f);
  }
  return f;
}

interface Wall {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

function wallClock(at: Date, timeZone: string): Wall {
  const parts = formatterFor(timeZone).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** The zone's offset from UTC at `at`, in milliseconds (east positive). */
function offsetAt(at: Date, timeZone: string): number {
  const w = wallClock(at, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant of local midnight at the start of y-m-d (the first instant of the day, should midnight not exist). */
function localMidnight(y: number, m: number, d: number, timeZone: string): Date {
  const guess = Date.UTC(y, m - 1, d);
  let t = guess - offsetAt(new Date(guess), timeZone);
  // The offset at the guess may differ from the offset at the answer when a transition lies between: one more
  // pass settles it.
  t = guess - offsetAt(new Date(t), timeZone);
  const w = wallClock(new Date(t), timeZone);
  // A zone whose clocks jump over midnight (e.g. 00:00 → 01:00): the day begins at the jump.
  if (w.day !== d) t += offsetAt(new Date(t + 86_400_000), timeZone) - offsetAt(new Date(t), timeZone);
  return new Date(t);
}

/** Parses YYYY-MM-DD; null when it is not a real calendar date. */
export function parseDay(day: string): { y: number; m: number; d: number } | null {
  const match = DAY_PATTERN.exec(day);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return null;
  return { y, m, d };
}

export function reportDay(day: string, timeZone: string): ReportDay {
  const parsed = parseDay(day);
  if (!parsed) throw new RangeError(`"${day}" is not a calendar date (YYYY-MM-DD)`);
  const next = new Date(Date.UTC(parsed.y, parsed.m - 1, parsed.d + 1));
  return {
    day,
    start: localMidnight(parsed.y, parsed.m, parsed.d, timeZone),
    end: localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone),
  };
}

/**
 * The instant a day's wall-clock time shows in the zone. A time a clock change skips (02:30 as clocks jump from
 * 02:00 to 03:00) falls as far on as the jump; a time shown twice is its first showing's.
 */
export function wallInstant(day: string, hour: number, minute: number, timeZone: string): Date {
  const parsed = parseDay(day);
  if (!parsed) throw new RangeError(`"${day}" is not a calendar date (YYYY-MM-DD)`);
  const guess = Date.UTC(parsed.y, parsed.m - 1, parsed.d, hour, minute);
  // A clock change moves the offset by at most a few hours: the offsets half a day either side are the two the
  // time may be read with.
  const before = guess - offsetAt(new Date(guess - 43_200_000), timeZone);
  const after = guess - offsetAt(new Date(guess + 43_200_000), timeZone);
  const shows = (t: number): boolean => {
    const w = wallClock(new Date(t), timeZone);
    return w.hour === hour && w.minute === minute;
  };
  const showing = [before, after].filter(shows);
  return new Date(showing.length > 0 ? Math.min(...showing) : before);
}

/** The report day (YYYY-MM-DD) an instant falls in. */
export function dayOf(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** The day before or after `day`, by calendar. */
export function addDays(day: string, n: number): string {
  const parsed = parseDay(day);
  if (!parsed) throw new RangeError(`"${day}" is not a calendar date (YYYY-MM-DD)`);
  return new Date(Date.UTC(parsed.y, parsed.m - 1, parsed.d + n)).toISOString().slice(0, 10);
}

/** The Monday and Sunday of the week `day` falls in: the schedule's weeks run Monday to Sunday. */
export function weekOf(day: string): { monday: string; sunday: string } {
  const parsed = parseDay(day);
  if (!parsed) throw new RangeError(`"${day}" is not a calendar date (YYYY-MM-DD)`);
  const sinceMonday = (new Date(Date.UTC(parsed.y, parsed.m - 1, parsed.d)).getUTCDay() + 6) % 7;
  const monday = addDays(day, -sinceMonday);
  return { monday, sunday: addDays(monday, 6) };
}

/** Days from `from` to `to`, both included (0 when to is before from). */
export function daysBetween(from: string, to: string): number {
  const a = parseDay(from);
  const b = parseDay(to);
  if (!a || !b) throw new RangeError('not calendar dates (YYYY-MM-DD)');
  return Math.max(0, Math.round((Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / 86_400_000) + 1);
}

/** HH:MM of an instant on the zone's wall clock, the label of a 15-minute interval. */
export function wallTime(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
}

/** The `n` whole days before the one `now` falls in, oldest first. */
export function daysBefore(now: Date, n: number, timeZone: string): ReportDay[] {
  const today = dayOf(now, timeZone);
  return Array.from({ length: n }, (_, i) => reportDay(addDays(today, i - n), timeZone));
}
