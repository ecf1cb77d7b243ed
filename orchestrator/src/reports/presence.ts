import { presenceBetween, type PresenceSpan, type PresenceState } from '../agents/presence.js';
import type { Db } from '../db/knex.js';
import { requireDate, toDate } from '../db/time.js';
import type { DayRange } from './queries.js';

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** One agent's logged-in and paused time of a day, and the paused time per reason. */
export interface PresenceDay {
  readonly agentId: number;
  loggedInS: number;
  pausedS: number;
  readonly pauses: Map<string, { count: number; seconds: number }>;
}

/** A stretch of agent_presence cut to a day: `from` and `to` in epoch milliseconds. */
interface DaySpan {
  readonly span: PresenceSpan;
  readonly from: number;
  readonly to: number;
  /** Lasts beyond `until` (still going on now, or into the next day). */
  readonly cut: boolean;
}

/** The stretches overlapping [start, end), cut to it and to `now` (today's still open ones have lasted until now). */
async function daySpans(db: Db, start: Date, end: Date, now: Date, agentIds?: readonly number[]): Promise<DaySpan[]> {
  const until = Math.min(end.getTime(), now.getTime());
  if (until <= start.getTime()) return [];
  const cut: DaySpan[] = [];
  for (const span of await presenceBetween(db, start, new Date(until), agentIds)) {
    const from = Math.max(span.startedAt.getTime(), start.getTime());
    const ends = span.endedAt?.getTime() ?? Infinity;
    const to = Math.min(ends, until);
    if (to > from) cut.push({ span, from, to, cut: ends > until });
  }
  return cut;
}

/**
 * Each agent's presence over [start, end), cut at `now` for today. A pause is counted on the day it began; its
 * time goes to each day it lasted into.
 */
export async function presenceDays(
  db: Db,
  start: Date,
  end: Date,
  now: Date,
  agentIds?: readonly number[],
): Promise<Map<number, PresenceDay>> {
  const days = new Map<number, PresenceDay>();
  for (const { span, from, to } of await daySpans(db, start, end, now, agentIds)) {
    const seconds = (to - from) / 1000;
    let day = days.get(span.agentId);
    if (!day) days.set(span.agentId, (day = { agentId: span.agentId, loggedInS: 0, pausedS: 0, pauses: new Map() }));
    day.loggedInS += seconds;
    if (span.state !== 'paused') continue;
    day.pausedS += seconds;
    const reason = span.reason ?? 'break';
    const p = day.pauses.get(reason) ?? { count: 0, seconds: 0 };
    p.seconds += seconds;
    if (span.startedAt >= start) p.count++;
    day.pauses.set(reason, p);
  }
  return days;
}

export interface TimelineSpan {
  readonly state: PresenceState;
  readonly reason: string | null;
  /** ISO instants, cut to the day (and to now, for one still going on). */
  readonly start: string;
  readonly end: string;
  /** Goes on past `end`: still going on now, or into the next day. */
  readonly open: boolean;
}

/** A call of the agent's on the timeline: talking to the caller, or the after-call work that followed. */
export interface TimelineCall {
  readonly callId: string;
  readonly kind: 'talk' | 'wrap';
  /** ISO instants, cut like the stretches. */
  readonly start: string;
  readonly end: string;
  /** Still going on at `end`. */
  readonly open: boolean;
}

export interface AgentTimeline {
  readonly agentId: number;
  readonly name: string;
  readonly loggedInS: number;
  readonly pausedS: number;
  readonly spans: TimelineSpan[];
  readonly calls: TimelineCall[];
}

/** No call is longer than this: how far before the day a call answered then may still reach into it. */
const LONGEST_CALL_MS = 12 * 3_600_000;

/** The agents' talk and after-call work over [start, until), from the calls table (a call in progress runs to now). */
export async function callSpans(
  db: Db,
  start: Date,
  until: number,
  agentIds?: readonly number[],
): Promise<Map<number, TimelineCall[]>> {
  const q = db('calls')
    .where('answered_at', '>=', new Date(start.getTime() - LONGEST_CALL_MS))
    .where('answered_at', '<', new Date(until))
    .whereNotNull('agent_id')
    .orderBy('answered_at')
    .select('id', 'agent_id', 'state', 'answered_at', 'ended_at', 'wrap_s');
  if (agentIds) q.whereIn('agent_id', agentIds);
  const out = new Map<number, TimelineCall[]>();
  const add = (agentId: number, call: Omit<TimelineCall, 'start' | 'end' | 'open'>, from: number, to: number): void => {
    const a = Math.max(from, start.getTime());
    const b = Math.min(to, until);
    if (b <= a) return;
    const list = out.get(agentId) ?? [];
    list.push({ ...call, start: new Date(a).toISOString(), end: new Date(b).toISOString(), open: to > until });
    out.set(agentId, list);
  };
  for (const r of (await q) as Record<string, unknown>[]) {
    const agentId = Number(r.agent_id);
    const callId = String(r.id);
    const answered = requireDate(r.answered_at, 'calls.answered_at').getTime();
    const ended = toDate(r.ended_at)?.getTime();
    // Still talking: it runs on past now, so it is open.
    add(agentId, { callId, kind: 'talk' }, answered, ended ?? Infinity);
    if (ended === undefined) continue;
    const wrapS = r.wrap_s == null ? null : Number(r.wrap_s);
    const wrapEnd = wrapS !== null ? ended + wrapS * 1000 : r.state === 'wrap_up' ? Infinity : ended;
    add(agentId, { callId, kind: 'wrap' }, ended, wrapEnd);
  }
  return out;
}

/**
 * Each agent's presence through one day as it happened (straight from agent_presence, so today's is current): the
 * stretches ready and paused, cut to the day and to now, by agent name. Agents not logged in that day are left out.
 */
export async function presenceTimeline(
  db: Db,
  start: Date,
  end: Date,
  now: Date,
  agentIds?: readonly number[],
): Promise<AgentTimeline[]> {
  const until = Math.min(end.getTime(), now.getTime());
  const [spans, names, calls] = await Promise.all([
    daySpans(db, start, end, now, agentIds),
    db('agents').select('id', 'name') as Promise<{ id: unknown; name: unknown }[]>,
    callSpans(db, start, until, agentIds),
  ]);
  const nameOf = new Map(names.map((a) => [Number(a.id), String(a.name)]));
  const byAgent = new Map<number, { loggedIn: number; paused: number; spans: TimelineSpan[] }>();
  for (const { span, from, to, cut } of spans) {
    let agent = byAgent.get(span.agentId);
    if (!agent) byAgent.set(span.agentId, (agent = { loggedIn: 0, paused: 0, spans: [] }));
    agent.loggedIn += to - from;
    if (span.state === 'paused') agent.paused += to - from;
    agent.spans.push({
      state: span.state,
      reason: span.reason,
      start: new Date(from).toISOString(),
      end: new Date(to).toISOString(),
      open: cut,
    });
  }
  return [...byAgent]
    .map(([agentId, a]) => ({
      agentId,
      name: nameOf.get(agentId) ?? `agent ${agentId}`,
      loggedInS: round1(a.loggedIn / 1000),
      pausedS: round1(a.paused / 1000),
      spans: a.spans,
      calls: calls.get(agentId) ?? [],
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.agentId - b.agentId);
}

export interface PauseReportRow {
  agentId: number;
  name: string;
  reason: string;
  pauses: number;
  pausedS: number;
}

/** Paused time per agent and reason over whole days, from the table the daily build keeps, with totals. */
export async function pauseReport(
  db: Db,
  range: DayRange & { agentIds?: readonly number[] },
): Promise<{ rows: PauseReportRow[]; totals: { pauses: number; pausedS: number } }> {
  const q = db('report_agent_pauses as r')
    .join('agents as a', 'a.id', 'r.agent_id')
    .whereBetween('r.day', [range.from, range.to])
    .groupBy('r.agent_id', 'a.name', 'r.reason')
    .orderBy([{ column: 'a.name' }, { column: 'r.reason' }])
    .select('r.agent_id', 'a.name', 'r.reason')
    .sum({ pauses: 'r.pauses', paused: 'r.paused_s' });
  if (range.agentIds) q.whereIn('r.agent_id', range.agentIds);
  const raw = (await q) as Record<string, unknown>[];
  let [pauses, paused] = [0, 0];
  const rows = raw.map((r) => {
    const row = {
      agentId: Number(r.agent_id),
      name: String(r.name),
      reason: String(r.reason),
      pauses: Number(r.pauses ?? 0),
      pausedS: round1(Number(r.paused ?? 0)),
    };
    pauses += row.pauses;
    paused += Number(r.paused ?? 0);
    return row;
  });
  return { rows, totals: { pauses, pausedS: round1(paused) } };
}
