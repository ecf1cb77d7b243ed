import { presenceBetween } from '../agents/presence.js';
import type { Db } from '../db/knex.js';
import { reportDay } from '../reports/day.js';
import { callSpans } from '../reports/presence.js';
import { shiftsBetween } from './repository.js';
import { segmentsOf, type Expected, type Segment } from './segments.js';

/**
 * Schedule adherence: how closely agents kept to their shifts. On the phones the schedule expects an agent logged
 * in and not paused; in an activity (a break, lunch, training) it expects them off the phones, paused or logged
 * out. A call that began before the activity is in adherence until it and its after-call work end: an agent does
 * not hang up on a caller for a break. Time logged in outside any shift is counted apart, as unscheduled.
 *
 * A shift is measured on the day it starts, all of it (a night shift's hours after midnight too); a shift of the
 * day before reaching into this one counts on its own day.
 */

export type Actual = 'ready' | 'paused' | 'logged_out';

/** Stretches of an agent out of adherence shorter than this are counted but not listed (a pause a little late). */
export const EXCEPTION_MIN_MS = 60_000;

export interface AdherenceException {
  readonly start: string;
  readonly end: string;
  readonly expected: Expected;
  readonly actual: Actual;
  /** The pause reason, when paused. */
  readonly reason: string | null;
}

export interface CurrentAdherence {
  /** Null: no shift now. */
  readonly expected: Expected | null;
  readonly actual: Actual;
  readonly reason: string | null;
  readonly inAdherence: boolean;
}

export interface AdherenceFigures {
  /** Scheduled time elapsed so far, activities included. */
  readonly scheduledS: number;
  readonly inAdherenceS: number;
  /** Null when nothing scheduled has elapsed. */
  readonly adherencePct: number | null;
  readonly phoneScheduledS: number;
  /** Of the time scheduled on the phones, the time logged in and not paused. */
  readonly phoneReadyS: number;
  /** Logged in outside any shift, within the day. */
  readonly unscheduledS: number;
  /** Only while the day lasts. */
  readonly current: CurrentAdherence | null;
  readonly exceptions: readonly AdherenceException[];
}

interface Stretch {
  readonly from: number;
  readonly to: number;
}

export interface PresenceStretch extends Stretch {
  readonly state: 'ready' | 'paused';
  readonly reason: string | null;
}

export interface CallStretch extends Stretch {
  /** When the call began (its talk's start): the stretch is in adherence in an activity begun after it. */
  readonly began: number;
}

/** One agent's day, in epoch milliseconds. */
export interface AgentDay {
  /** The segments of the shifts that start on the day. */
  readonly own: readonly Segment[];
  /** The segments of shifts of other days reaching into the day: neither measured nor unscheduled. */
  readonly other: readonly Segment[];
  readonly presence: readonly PresenceStretch[];
  readonly calls: readonly CallStretch[];
}

export interface DayWindow {
  readonly dayStart: number;
  readonly dayEnd: number;
  /** Now: nothing after it has happened yet. */
  readonly until: number;
}

const at = <T extends Stretch>(list: readonly T[], t: number): T | undefined =>
  list.find((s) => s.from <= t && t < s.to);

const pct = (part: number, whole: number): number | null => (whole > 0 ? Math.round((1000 * part) / whole) / 10 : null);
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

function judge(day: AgentDay, segment: Segment | undefined, t: number) {
  const presence = at(day.presence, t);
  const actual: Actual = presence?.state ?? 'logged_out';
  const reason = presence?.reason ?? null;
  let inAdherence = true;
  if (segment?.expected === 'phone') inAdherence = actual === 'ready';
  else if (segment)
    inAdherence = actual !== 'ready' || day.calls.some((c) => c.from <= t && t < c.to && c.began < segment.from);
  return { actual, reason, inAdherence };
}

/**
 * Live, from the agent's state now (agents/states.ts): whether it is what the schedule expects; null when nothing
 * is scheduled. An agent on a call or in its after-call work when an activity begins is not counted out: the live
 * view cannot tell when the call began, and an agent does not hang up on a caller for a break.
 */
export function adherenceNow(expected: Expected | null, state: string): boolean | null {
  if (expected === null) return null;
  const takingCalls = state === 'available' || state === 'reserved';
  const onCall = state === 'on_call' || state === 'wrap_up';
  return expected === 'phone' ? takingCalls || onCall : !takingCalls;
}

/** One agent's adherence over a day (pure: the loader below gathers its inputs). */
export function measureAdherence(day: AgentDay, w: DayWindow): AdherenceFigures {
  const ownEnd = Math.max(w.dayEnd, ...day.own.map((s) => s.to));
  const hi = Math.min(ownEnd, w.until);
  const points = new Set<number>([w.dayStart, w.dayEnd, hi]);
  for (const list of [day.own, day.other, day.presence, day.calls]) for (const s of list) points.add(s.from).add(s.to);
  const cuts = [...points].filter((p) => p >= w.dayStart && p <= hi).sort((a, b) => a - b);

  let scheduled = 0;
  let inAdherence = 0;
  let phoneScheduled = 0;
  let phoneReady = 0;
  let unscheduled = 0;
  const exceptions: { from: number; to: number; expected: Expected; actual: Actual; reason: string | null }[] = [];
  for (let i = 1; i < cuts.length; i++) {
    const [from, to] = [cuts[i - 1]!, cuts[i]!];
    const length = to - from;
    const segment = at(day.own, from);
    if (!segment) {
      if (from < w.dayEnd && !at(day.other, from) && at(day.presence, from)) unscheduled += length;
      continue;
    }
    const verdict = judge(day, segment, from);
    scheduled += length;
    if (segment.expected === 'phone') {
      phoneScheduled += length;
      if (verdict.actual === 'ready') phoneReady += length;
    }
    if (verdict.inAdherence) {
      inAdherence += length;
      continue;
    }
    const last = exceptions.at(-1);
    if (
      last?.to === from &&
      last.expected === segment.expected &&
      last.actual === verdict.actual &&
      last.reason === verdict.reason
    )
      last.to = to;
    else exceptions.push({ from, to, expected: segment.expected, actual: verdict.actual, reason: verdict.reason });
  }

  let current: CurrentAdherence | null = null;
  if (w.until >= w.dayStart && w.until < w.dayEnd) {
    const t = w.until - 1;
    const segment = at(day.own, t) ?? at(day.other, t);
    current = { expected: segment?.expected ?? null, ...judge(day, segment, t) };
  }
  return {
    scheduledS: seconds(scheduled),
    inAdherenceS: seconds(inAdherence),
    adherencePct: pct(inAdherence, scheduled),
    phoneScheduledS: seconds(phoneScheduled),
    phoneReadyS: seconds(phoneReady),
    unscheduledS: seconds(unscheduled),
    current,
    exceptions: exceptions
      .filter((e) => e.to - e.from >= EXCEPTION_MIN_MS)
      .map((e) => ({
        start: new Date(e.from).toISOString(),
        end: new Date(e.to).toISOString(),
        expected: e.expected,
        actual: e.actual,
        reason: e.reason,
      })),
  };
}

export interface AgentAdherence extends AdherenceFigures {
  readonly agentId: number;
  readonly name: string;
}

export interface AdherenceReport {
  readonly day: string;
  readonly from: string;
  readonly to: string;
  readonly asOf: string;
  readonly agents: AgentAdherence[];
  readonly totals: { scheduledS: number; inAdherenceS: number; adherencePct: number | null };
}

/** Every agent with a shift starting on the day or logged in during it, by name. */
export async function adherenceReport(
  db: Db,
  o: { day: string; timeZone: string; now: Date; agentIds?: readonly number[] },
): Promise<AdherenceReport> {
  const { start, end } = reportDay(o.day, o.timeZone);
  const shifts = await shiftsBetween(db, start, end, {
    agentIds: o.agentIds,
    timeZone: o.timeZone,
    publishedOnly: true,
  });
  const lastEnd = Math.max(end.getTime(), ...shifts.filter((s) => s.day === o.day).map((s) => Date.parse(s.end)));
  const until = new Date(Math.min(lastEnd, o.now.getTime()));
  const [presence, calls, names] = await Promise.all([
    until > start ? presenceBetween(db, start, until, o.agentIds) : Promise.resolve([]),
    until > start ? callSpans(db, start, until.getTime(), o.agentIds) : Promise.resolve(new Map()),
    db('agents').select('id', 'name') as Promise<{ id: unknown; name: unknown }[]>,
  ]);

  const days = new Map<
    number,
    { own: Segment[]; other: Segment[]; presence: PresenceStretch[]; calls: CallStretch[] }
  >();
  const dayOfAgent = (agentId: number) => {
    let d = days.get(agentId);
    if (!d) days.set(agentId, (d = { own: [], other: [], presence: [], calls: [] }));
    return d;
  };
  for (const s of shifts) dayOfAgent(s.agentId)[s.day === o.day ? 'own' : 'other'].push(...segmentsOf(s));
  for (const p of presence)
    dayOfAgent(p.agentId).presence.push({
      from: p.startedAt.getTime(),
      to: p.endedAt?.getTime() ?? o.now.getTime(),
      state: p.state,
      reason: p.reason,
    });
  for (const [agentId, list] of calls) {
    const began = new Map<string, number>();
    for (const c of list) began.set(c.callId, Math.min(began.get(c.callId) ?? Infinity, Date.parse(c.start)));
    const d = days.get(agentId);
    if (d)
      for (const c of list)
        d.calls.push({ from: Date.parse(c.start), to: Date.parse(c.end), began: began.get(c.callId)! });
  }

  const nameOf = new Map(names.map((a) => [Number(a.id), String(a.name)]));
  const window: DayWindow = { dayStart: start.getTime(), dayEnd: end.getTime(), until: o.now.getTime() };
  const agents = [...days]
    .filter(([, d]) => d.own.length > 0 || d.presence.some((p) => p.from < end.getTime()))
    .map(([agentId, d]) => ({
      agentId,
      name: nameOf.get(agentId) ?? `agent ${agentId}`,
      ...measureAdherence(d, window),
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.agentId - b.agentId);
  const scheduledS = agents.reduce((n, a) => n + a.scheduledS, 0);
  const inAdherenceS = agents.reduce((n, a) => n + a.inAdherenceS, 0);
  return {
    day: o.day,
    from: start.toISOString(),
    to: end.toISOString(),
    asOf: until.toISOString(),
    agents,
    totals: {
      scheduledS: seconds(scheduledS * 1000),
      inAdherenceS: seconds(inAdherenceS * 1000),
      adherencePct: pct(inAdherenceS, scheduledS),
    },
  };
}

export interface AdherenceSummaryRow {
  readonly agentId: number;
  readonly name: string;
  /** Days with scheduled time elapsed (a shift begun). */
  readonly days: number;
  readonly scheduledS: number;
  readonly inAdherenceS: number;
  readonly adherencePct: number | null;
  readonly phoneScheduledS: number;
  readonly phoneReadyS: number;
  /** Of the time scheduled on the phones, the share ready (conformance to the plan's phone time). */
  readonly phoneReadyPct: number | null;
  readonly unscheduledS: number;
  /** Stretches out of adherence of a minute or more. */
  readonly exceptions: number;
}

/** Adherence over whole days, per agent: each day measured as adherenceReport does, then summed. */
export async function adherenceSummary(
  db: Db,
  o: { days: readonly string[]; timeZone: string; now: Date; agentIds?: readonly number[] },
): Promise<{ rows: AdherenceSummaryRow[]; totals: Omit<AdherenceSummaryRow, 'agentId' | 'name' | 'days'> }> {
  const byAgent = new Map<number, { name: string; days: number; figures: number[]; exceptions: number }>();
  // One day at a time: a month of a large center's presence is never in memory at once.
  for (const day of o.days) {
    const report = await adherenceReport(db, { ...o, day });
    for (const a of report.agents) {
      const row = byAgent.get(a.agentId) ?? { name: a.name, days: 0, figures: [0, 0, 0, 0, 0], exceptions: 0 };
      if (a.scheduledS > 0) row.days++;
      [a.scheduledS, a.inAdherenceS, a.phoneScheduledS, a.phoneReadyS, a.unscheduledS].forEach(
        (v, i) => (row.figures[i]! += v),
      );
      row.exceptions += a.exceptions.length;
      byAgent.set(a.agentId, row);
    }
  }
  const rows = [...byAgent]
    .map(([agentId, r]) => {
      const [scheduled, inAdherence, phoneScheduled, phoneReady, unscheduled] = r.figures.map(
        (v) => Math.round(v * 10) / 10,
      ) as [number, number, number, number, number];
      return {
        agentId,
        name: r.name,
        days: r.days,
        scheduledS: scheduled,
        inAdherenceS: inAdherence,
        adherencePct: pct(inAdherence, scheduled),
        phoneScheduledS: phoneScheduled,
        phoneReadyS: phoneReady,
        phoneReadyPct: pct(phoneReady, phoneScheduled),
        unscheduledS: unscheduled,
        exceptions: r.exceptions,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.agentId - b.agentId);
  const sum = (f: (r: AdherenceSummaryRow) => number): number => seconds(rows.reduce((n, r) => n + f(r), 0) * 1000);
  const [scheduledS, inAdherenceS] = [sum((r) => r.scheduledS), sum((r) => r.inAdherenceS)];
  const [phoneScheduledS, phoneReadyS] = [sum((r) => r.phoneScheduledS), sum((r) => r.phoneReadyS)];
  return {
    rows,
    totals: {
      scheduledS,
      inAdherenceS,
      adherencePct: pct(inAdherenceS, scheduledS),
      phoneScheduledS,
      phoneReadyS,
      phoneReadyPct: pct(phoneReadyS, phoneScheduledS),
      unscheduledS: sum((r) => r.unscheduledS),
      exceptions: rows.reduce((n, r) => n + r.exceptions, 0),
    },
  };
}
