import type { Db } from '../db/knex.js';
import { ReadThroughCache } from '../db/read-through-cache.js';
import { parseJson, toDate } from '../db/time.js';

/** Open spans of a day: [["09:00","18:00"], ...] in the business hours' own time zone. */
export type Spans = ReadonlyArray<readonly [string, string]>;

export interface BusinessHours {
  readonly name: string;
  readonly timezone: string;
  readonly weekly: Readonly<Record<string, Spans>>;
  /** ISO day (local) → open spans; an empty array = closed all day. */
  readonly holidays: ReadonlyMap<string, Spans>;
}

export type HoursState = 'open' | 'closed' | 'holiday';

type Day = 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';

/** Local calendar day, weekday and minute of the day of `at` in `timezone`. */
// Building an Intl.DateTimeFormat costs far more than using one (measured: ~1% of the orchestrator's CPU per
// routed call in `npm run bench`); one per time zone is kept. A bad zone still throws, as before.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    if (formatters.size < 1000) formatters.set(timezone, f);
  }
  return f;
}

export interface LocalTime {
  readonly day: string;
  readonly weekday: Day;
  readonly minutes: number;
}

// Using a formatter costs too (formatToParts: 0.4-0.8 % of the main thread under `full`, where every call's
// routing asks several times). Today's time zones are whole minutes off UTC, so the answer only changes when the
// UTC minute does: the last one is kept per zone.
const lastMinute = new Map<string, { minute: number; local: LocalTime }>();

export function localTime(at: Date, timezone: string): LocalTime {
  const minute = Math.floor(at.getTime() / 60_000);
  const hit = lastMinute.get(timezone);
  if (hit && hit.minute === minute) return hit.local;
  const parts = formatterFor(timezone).formatToParts(at);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const local: LocalTime = {
    day: `${get('year')}-${get('month')}-${get('day')}`,
    weekday: get('weekday').slice(0, 3).toLowerCase() as Day,
    minutes: Number(get('hour')) * 60 + Number(get('minute')),
  };
  if (lastMinute.size < 1000 || lastMinute.has(timezone)) lastMinute.set(timezone, { minute, local });
  return local;
}

function toMinutes(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
}

function inSpans(spans: Spans, minutes: number): boolean {
  // An end of "24:00" (or earlier than the start) means "until midnight".
  return spans.some(([from, to]) => {
    const a = toMinutes(from);
    let b = toMinutes(to);
    if (!(b > a)) b = 24 * 60;
    return minutes >= a && minutes < b;
  });
}

export function hoursState(hours: BusinessHours, at: Date): HoursState {
  const local = localTime(at, hours.timezone);
  const holiday = hours.holidays.get(local.day);
  if (holiday) return inSpans(holiday, local.minutes) ? 'open' : 'holiday';
  return inSpans(hours.weekly[local.weekday] ?? [], local.minutes) ? 'open' : 'closed';
}

/** Loads business hours by name with a short cache; hours edited in the admin UI apply within ttlMs (and one read). */
export class BusinessHoursStore {
  private readonly cache: ReadThroughCache<string, BusinessHours | null>;

  constructor(
    private readonly db: Db,
    ttlMs = 10_000,
  ) {
    this.cache = new ReadThroughCache((name) => this.load(name), { ttlMs });
  }

  get(name: string): Promise<BusinessHours | null> {
    return this.cache.get(name);
  }

  private async load(name: string): Promise<BusinessHours | null> {
    const row = await this.db('business_hours').where({ name }).first('id', 'name', 'timezone', 'weekly');
    if (!row) return null;
    const days = await this.db('holidays').where({ business_hours_id: row.id }).select('day', 'open_spans');
    const holidays = new Map<string, Spans>();
    for (const d of days) {
      const key = typeof d.day === 'string' ? d.day.slice(0, 10) : (toDate(d.day)?.toISOString().slice(0, 10) ?? '');
      holidays.set(key, parseJson<Spans>(d.open_spans, []));
    }
    return { name: row.name, timezone: row.timezone, weekly: parseJson(row.weekly, {}), holidays };
  }

  async state(name: string, at: Date): Promise<HoursState | null> {
    const hours = await this.get(name);
    return hours ? hoursState(hours, at) : null;
  }
}
