import { compileExpression } from 'filtrex';
import { hoursState, localTime, type BusinessHours } from '../ivr/hours.js';
import type { CallAttributes } from './types.js';

/**
 * The rule expression language: filtrex over a flat set of names derived from the call attributes, plus helper
 * functions. docs/routing.md is the user-facing reference; keep both in step.
 *
 * Unknown names are errors (caught by validate() at save time, and a non-match with a logged reason at run time),
 * except `ivr.<name>`, which is "" when the IVR did not set it, so `ivr.menu == "1"` is simply false.
 */

export type Evaluator = (scope: Scope) => unknown;

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** What an expression sees: the call's names plus what the helpers need. */
export interface Scope {
  readonly vars: Readonly<Record<string, unknown>>;
  readonly ivr: Readonly<Record<string, string>>;
  readonly recent: readonly string[];
  readonly minutes: number;
  readonly now: Date;
}

export interface ScopeOptions {
  /** Time zone for hour/weekday/time (IANA). */
  readonly timeZone: string;
  /** Business hours by name, for in_hours("name"). */
  readonly hours?: ReadonlyMap<string, BusinessHours>;
}

const TIER_RANK: Record<string, number> = { standard: 0, gold: 1, diamond: 2 };

/** The names an expression may use, with the value each takes for `attributes`. */
export function buildScope(a: CallAttributes, o: ScopeOptions): Scope {
  const now = a.now instanceof Date && !Number.isNaN(a.now.getTime()) ? a.now : new Date();
  const local = localTime(now, o.timeZone);
  const hour = Math.floor(local.minutes / 60);
  const minute = local.minutes % 60;
  const recent = (a.recentCategories ?? []).map((c) => String(c));
  const ivr: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.ivr ?? {})) ivr[k] = String(v);
  const vars: Record<string, unknown> = {
    did: a.did ?? '',
    callerE164: a.callerE164 ?? '',
    caller: a.callerE164 ?? '',
    customerId: a.customerId ?? 0,
    known: a.customerId !== null && a.customerId !== undefined,
    tier: a.tier ?? 'standard',
    tierRank: TIER_RANK[a.tier ?? 'standard'] ?? 0,
    language: a.language ?? '',
    ivr,
    ivr_menu: ivr.menu ?? '',
    recentCategories: recent,
    lastCategory: recent[0] ?? '',
    recentTotal: recent.length,
    hour,
    minute,
    time: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`,
    weekday: local.weekday,
    weekdayNum: local.weekday === 'sun' ? 7 : DAY_NAMES.indexOf(local.weekday),
    weekend: local.weekday === 'sat' || local.weekday === 'sun',
    date: local.day,
    now: now.toISOString(),
  };
  return { vars, ivr, recent, minutes: local.minutes, now };
}

function toMinutes(hhmm: unknown): number {
  const m = typeof hhmm === 'string' ? /^(\d{1,2}):(\d{2})$/.exec(hhmm) : null;
  if (!m) throw new TypeError(`"${String(hhmm)}" is not a time such as "09:30"`);
  const v = Number(m[1]) * 60 + Number(m[2]);
  if (Number(m[1]) > 24 || Number(m[2]) > 59 || v > 24 * 60)
    throw new TypeError(`"${String(hhmm)}" is not a time such as "09:30"`);
  return v;
}

function count(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1000)
    throw new TypeError(`the count must be a whole number from 1, got ${JSON.stringify(n)}`);
  return n;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string in double quotes, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Helper functions, bound to the scope being evaluated (filtrex functions get only their arguments, so the
 * current scope is held while one evaluation runs; evaluation is synchronous, so this cannot interleave).
 */
let current: Scope | null = null;
let currentHours: ReadonlyMap<string, BusinessHours> = new Map();

function scope(): Scope {
  if (!current) throw new Error('no call in scope');
  return current;
}

export const FUNCTIONS: Readonly<Record<string, (...args: unknown[]) => unknown>> = {
  /** last(n, "cat"): the last n contacts (at least n) were all about "cat". */
  last: (n, category) => {
    const k = count(n);
    const c = str(category, 'the category');
    const r = scope().recent;
    return r.length >= k && r.slice(0, k).every((x) => x === c);
  },
  /** countLast(n, "cat"): how many of the last n contacts were about "cat". */
  countLast: (n, category) => {
    const c = str(category, 'the category');
    return scope()
      .recent.slice(0, count(n))
      .filter((x) => x === c).length;
  },
  /** recentCount("cat"): how many of the recent contacts (all the CRM gave) were about "cat". */
  recentCount: (category) => {
    const c = str(category, 'the category');
    return scope().recent.filter((x) => x === c).length;
  },
  /** recent("cat"): any recent contact about "cat". */
  recent: (category) => {
    const c = str(category, 'the category');
    return scope().recent.includes(c);
  },
  /** ivr_value("name"): an IVR variable, "" when unset. */
  ivr_value: (name) => scope().ivr[str(name, 'the IVR variable name')] ?? '',
  /** ivr_set("name"): whether the IVR set that variable. */
  ivr_set: (name) => Object.prototype.hasOwnProperty.call(scope().ivr, str(name, 'the IVR variable name')),
  /** between("09:00", "18:00"): local time in [from, to); a span over midnight ("22:00", "06:00") works. */
  between: (from, to) => {
    const a = toMinutes(from);
    const b = toMinutes(to);
    const m = scope().minutes;
    return a <= b ? m >= a && m < b : m >= a || m < b;
  },
  /** in_hours("support"): the named business hours are open now (holidays included). */
  in_hours: (name) => {
    const hours = currentHours.get(str(name, 'the business hours name'));
    if (!hours) throw new TypeError(`unknown business hours "${String(name)}"`);
    return hoursState(hours, scope().now) === 'open';
  },
  starts_with: (s, prefix) => str(s, 'the text').startsWith(str(prefix, 'the prefix')),
  ends_with: (s, suffix) => str(s, 'the text').endsWith(str(suffix, 'the suffix')),
  contains: (s, part) => str(s, 'the text').includes(str(part, 'the part')),
  lower: (s) => str(s, 'the text').toLowerCase(),
  len: (v) => (Array.isArray(v) ? v.length : str(v, 'the text').length),
};

/** Names only the scope knows (documented list; used for "did you mean" in errors). */
export const VARIABLES = [
  'did',
  'caller',
  'callerE164',
  'customerId',
  'known',
  'tier',
  'tierRank',
  'language',
  'ivr.<name>',
  'ivr_menu',
  'recentCategories',
  'lastCategory',
  'recentTotal',
  'hour',
  'minute',
  'time',
  'weekday',
  'weekdayNum',
  'weekend',
  'date',
  'now',
] as const;

class UnknownName extends Error {
  constructor(readonly symbol: string) {
    super(`unknown name "${symbol}" (names: ${VARIABLES.join(', ')}; strings need double quotes)`);
    this.name = 'UnknownName';
  }
}

/** Compiles an expression (throws a readable Error when it does not parse). */
export function compileRule(expression: string): Evaluator {
  let fn: (obj: unknown) => unknown;
  try {
    fn = compileExpression(expression, {
      extraFunctions: FUNCTIONS as Record<string, (...args: unknown[]) => unknown>,
      // filtrex has no boolean literals; the default rule's expression is "true".
      constants: { true: true, false: false },
      customProp: (name: string, _get: (n: string) => unknown, obj: unknown) => {
        const s = obj as Scope;
        if (name.startsWith('ivr.') && name.length > 4) return s.ivr[name.slice(4)] ?? '';
        if (Object.prototype.hasOwnProperty.call(s.vars, name)) return s.vars[name];
        throw new UnknownName(name);
      },
    });
  } catch (err) {
    throw new Error(readable(err), { cause: err });
  }
  return (s: Scope) => fn(s);
}

/** Runs a compiled rule; `value` is what it gave, `error` why it could not be evaluated. */
export function evaluate(
  rule: Evaluator,
  s: Scope,
  hours: ReadonlyMap<string, BusinessHours> = new Map(),
): { value: unknown; error: string | null } {
  current = s;
  currentHours = hours;
  try {
    const value = rule(s);
    if (value instanceof Error) return { value: null, error: readable(value) };
    return { value, error: null };
  } catch (err) {
    return { value: null, error: readable(err) };
  } finally {
    current = null;
  }
}

/** filtrex's parse errors span lines ("Parse error on line 1: ... Expecting ..."): one line for the admin. */
export function readable(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const lines = msg
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length <= 1) return lines[0] ?? 'invalid expression';
  if (/^Lexical error/.test(lines[0] ?? '')) {
    const text = lines[1] ?? '';
    const at = (lines[2] ?? '').indexOf('^');
    const rest = at >= 0 ? text.slice(at) : text;
    return `cannot parse near "${rest.slice(0, 40)}": unrecognised text (compare with ==, combine with and/or/not, put strings in double quotes)`;
  }
  if (/^Parse error/.test(lines[0] ?? '')) {
    const where = lines[1] ?? '';
    const expecting = lines.find((l) => l.startsWith('Expecting')) ?? lines[lines.length - 1];
    return `cannot parse near "${where.replace(/^\.\.\./, '')}": ${expecting}`;
  }
  return lines.join(' ');
}

/** Sample calls the validator runs an expression on (every branch of a typical rule gets exercised). */
function samples(hours: ReadonlyMap<string, BusinessHours>): Scope[] {
  const at = new Date('2026-03-02T10:30:00Z');
  const base: CallAttributes = {
    did: '4008001000',
    callerE164: '+8613800000000',
    customerId: 1,
    tier: 'gold',
    language: 'zh',
    ivr: { menu: '1' },
    recentCategories: ['logistics', 'billing'],
    now: at,
  };
  const empty: CallAttributes = {
    did: '',
    callerE164: null,
    customerId: null,
    tier: null,
    language: 'en',
    ivr: {},
    recentCategories: [],
    now: new Date('2026-03-07T23:10:00Z'),
  };
  void hours;
  return [buildScope(base, { timeZone: 'UTC' }), buildScope(empty, { timeZone: 'UTC' })];
}

/**
 * Checks an expression for the admin: it must parse, use only known names and functions with the right kinds
 * of values, and yield true or false. Returns a clear message, or null when it is fine.
 */
export function validateExpression(
  expression: string,
  hours: ReadonlyMap<string, BusinessHours> = new Map(),
): string | null {
  if (typeof expression !== 'string' || expression.trim() === '')
    return 'the expression is empty (use true for a catch-all)';
  if (expression.length > 4000) return 'the expression is longer than 4000 characters';
  let rule: Evaluator;
  try {
    rule = compileRule(expression);
  } catch (err) {
    return (err as Error).message;
  }
  for (const s of samples(hours)) {
    const { value, error } = evaluate(rule, s, hours);
    if (error) {
      // A business-hours name unknown here may exist when the router runs; the router's own check knows them.
      if (/unknown business hours/.test(error) && hours.size === 0) continue;
      return error;
    }
    if (typeof value !== 'boolean') return `the expression must be true or false, but gives ${JSON.stringify(value)}`;
  }
  return null;
}
