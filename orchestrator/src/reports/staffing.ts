import { presenceBetween } from '../agents/presence.js';
import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';
import { shiftsBetween } from '../shifts/repository.js';
import { segmentsOf } from '../shifts/segments.js';
import { addDays, dayOf, INTERVAL_MS, reportDay, wallTime } from './day.js';
import { agentsNeeded, agentsToSchedule, erlangA, planServiceLevel, type StaffingTarget } from './erlang.js';

/**
 * The staffing report: per 15-minute interval of one day and one queue, how many agents its calls needed (Erlang C,
 * reports/erlang.ts) against how many agents able to take them were ready. A day already lived is read from its
 * calls; today and later days are forecast from the same weekday of the weeks before, so a supervisor plans
 * tomorrow's shifts with it; with the shrinkage the center plans for (breaks, training, absence), it also says how
 * many agents to schedule for that many on the phones. Given callers' patience (or asked to take the one their
 * calls showed), the model is Erlang A: callers who give up are counted, and fewer agents are needed.
 */

/** Same weekdays a forecast averages. */
export const FORECAST_WEEKS = 4;

export interface StaffingInterval {
  /** HH:MM on the report zone's clock. */
  readonly period: string;
  readonly start: string;
  /** Calls that entered the queue; a forecast's is a mean, to one decimal. */
  readonly offered: number;
  /** Talk time of an answered call plus the queue's wrap-up, in seconds. */
  readonly handleS: number;
  readonly agentsNeeded: number;
  /** The agents to schedule for that many on the phones, given the shrinkage. */
  readonly agentsToSchedule: number;
  /** Agents with the queue's skills logged in and not paused, on average over the interval (null: not yet). */
  readonly agentsReady: number | null;
  /** Agents with the queue's skills scheduled on the phones (shifts less their activities), on average. */
  readonly agentsScheduled: number;
  /** The service level those agents could give these calls, by the same model (null: not yet, or no calls). */
  readonly serviceLevelPct: number | null;
  /** Erlang A only: the share of callers who would give up with `agentsNeeded` agents (null: Erlang C, or no calls). */
  readonly abandonPct: number | null;
}

export interface StaffingReport {
  readonly day: string;
  readonly queueId: number;
  /** `actual`: the day's own calls; `forecast`: the mean of `basedOn`. */
  readonly basis: 'actual' | 'forecast';
  readonly basedOn: readonly string[];
  readonly serviceLevelPct: number;
  readonly targetSeconds: number;
  readonly maxOccupancyPct: number;
  readonly shrinkagePct: number;
  /** The patience the plan assumed (Erlang A), or null (Erlang C: nobody gives up). */
  readonly patienceS: number | null;
  /**
   * Callers' mean patience in the days the report is based on: their total wait over the calls abandoned (the
   * estimate for exponential patience); null when nobody gave up.
   */
  readonly observedPatienceS: number | null;
  readonly intervals: readonly StaffingInterval[];
  readonly peakAgentsNeeded: number;
  readonly peakAgentsToSchedule: number;
}

export interface StaffingQuery extends StaffingTarget {
  readonly day: string;
  readonly queueId: number;
  readonly timeZone: string;
  readonly now: Date;
  /** The queue's wrap-up time, added to each call's talk. */
  readonly wrapUpSeconds: number;
  /** Share of scheduled time off the phones (breaks, training, absence), 0–1; 0 when not given. */
  readonly shrinkage?: number;
  /** `observed`: Erlang A with the patience the basis days' calls showed (Erlang C if nobody gave up). */
  readonly patience?: number | 'observed';
}

/** The handle time assumed for an interval none of whose calls was answered: the ACD's own assumption. */
export const ASSUMED_HANDLE_SECONDS = 180;

interface IntervalCalls {
  offered: number;
  answered: number;
  abandoned: number;
  talkS: number;
  waitS: number;
}

/** The queue's intervals of one day, by their offset from its midnight in milliseconds. */
async function dayIntervals(
  db: Db,
  queueId: number,
  day: string,
  timeZone: string,
): Promise<Map<number, IntervalCalls>> {
  const { start, end } = reportDay(day, timeZone);
  const rows = (await db('report_queue_intervals')
    .where({ queue_id: queueId })
    .where('interval_start', '>=', start)
    .where('interval_start', '<', end)
    .select('interval_start', 'offered', 'answered', 'abandoned', 'talk_s_sum', 'wait_s_sum')) as Record<
    string,
    unknown
  >[];
  const out = new Map<number, IntervalCalls>();
  for (const r of rows) {
    const at = toDate(r.interval_start);
    if (!at) continue;
    out.set(at.getTime() - start.getTime(), {
      offered: Number(r.offered),
      answered: Number(r.answered),
      abandoned: Number(r.abandoned),
      talkS: Number(r.talk_s_sum),
      waitS: Number(r.wait_s_sum),
    });
  }
  return out;
}

/** The agents a queue's calls may be offered to: every skill it asks for, at its level at least. */
export async function eligibleAgents(db: Db, queueId: number): Promise<number[]> {
  const asks = (await db('queue_skills').where({ queue_id: queueId }).select('skill_id', 'min_level')) as {
    skill_id: number;
    min_level: number;
  }[];
  const q = db('agents').select('agents.id');
  for (const skill of asks)
    q.whereExists((w) =>
      w
        .select(db.raw('1'))
        .from('agent_skills as s')
        .whereRaw('s.agent_id = agents.id')
        .where('s.skill_id', skill.skill_id)
        .where('s.level', '>=', skill.min_level),
    );
  return ((await q) as { id: number }[]).map((r) => Number(r.id));
}

/** Agent-milliseconds per interval offset (from `start`) of the stretches, cut to [start, until). */
function perInterval(stretches: Iterable<{ from: number; to: number }>, start: Date, until: Date): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of stretches) {
    let from = Math.max(s.from, start.getTime());
    const to = Math.min(s.to, until.getTime());
    while (from < to) {
      const offset = Math.floor((from - start.getTime()) / INTERVAL_MS) * INTERVAL_MS;
      const next = Math.min(to, start.getTime() + offset + INTERVAL_MS);
      out.set(offset, (out.get(offset) ?? 0) + (next - from));
      from = next;
    }
  }
  return out;
}

/** Ready agent-milliseconds per interval offset over [start, until). */
async function readyTime(db: Db, agentIds: readonly number[], start: Date, until: Date): Promise<Map<number, number>> {
  if (agentIds.length === 0 || until <= start) return new Map();
  const spans = await presenceBetween(db, start, until, agentIds);
  return perInterval(
    spans
      .filter((span) => span.state === 'ready')
      .map((span) => ({ from: span.startedAt.getTime(), to: span.endedAt?.getTime() ?? until.getTime() })),
    start,
    until,
  );
}

/**
 * Agent-milliseconds scheduled on the phones per interval offset of the day (shifts/). Drafts count for a day to come
 * (they are the plan being made), not for a day lived (what was never published was nobody's schedule).
 */
async function scheduledTime(
  db: Db,
  agentIds: readonly number[],
  day: { start: Date; end: Date },
  timeZone: string,
  publishedOnly: boolean,
): Promise<Map<number, number>> {
  if (agentIds.length === 0) return new Map();
  const shifts = await shiftsBetween(db, day.start, day.end, { agentIds, timeZone, publishedOnly });
  const onPhones = shifts.flatMap(segmentsOf).filter((s) => s.expected === 'phone');
  return perInterval(onPhones, day.start, day.end);
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Callers' mean patience shown by these days: their whole wait over the calls abandoned; null if none was. */
function observedPatience(days: readonly Map<number, IntervalCalls>[]): number | null {
  let waitS = 0;
  let abandoned = 0;
  for (const d of days)
    for (const c of d.values()) {
      waitS += c.waitS;
      abandoned += c.abandoned;
    }
  return abandoned > 0 && waitS > 0 ? waitS / abandoned : null;
}

/** The last FORECAST_WEEKS days lived (before `today`) on the weekday of `day`, oldest first. */
export function forecastDays(day: string, today: string): string[] {
  let last = addDays(day, -7);
  while (last >= today) last = addDays(last, -7);
  return Array.from({ length: FORECAST_WEEKS }, (_, i) => addDays(last, -7 * (FORECAST_WEEKS - 1 - i)));
}

export async function staffingReport(db: Db, o: StaffingQuery): Promise<StaffingReport> {
  const { start, end } = reportDay(o.day, o.timeZone);
  const today = dayOf(o.now, o.timeZone);
  const forecast = o.day >= today;
  const basedOn = forecast ? forecastDays(o.day, today) : [o.day];
  const days = await Promise.all(basedOn.map((d) => dayIntervals(db, o.queueId, d, o.timeZone)));
  // Who was ready is known up to now: for a day lived and today so far.
  const until = Math.min(end.getTime(), o.now.getTime());
  const eligible = await eligibleAgents(db, o.queueId);
  const [ready, scheduled] = await Promise.all([
    until > start.getTime() ? readyTime(db, eligible, start, new Date(until)) : null,
    scheduledTime(db, eligible, { start, end }, o.timeZone, !forecast),
  ]);
  const observedPatienceS = observedPatience(days);
  const patienceS = o.patience === 'observed' ? observedPatienceS : (o.patience ?? null);
  const target: StaffingTarget = { ...o, patienceSeconds: patienceS ?? undefined };

  const intervals: StaffingInterval[] = [];
  for (let offset = 0; start.getTime() + offset < end.getTime(); offset += INTERVAL_MS) {
    const sum: IntervalCalls = { offered: 0, answered: 0, abandoned: 0, talkS: 0, waitS: 0 };
    for (const d of days) {
      const c = d.get(offset);
      if (!c) continue;
      sum.offered += c.offered;
      sum.answered += c.answered;
      sum.talkS += c.talkS;
    }
    const offered = days.length > 0 ? sum.offered / days.length : 0;
    const handleS = Math.round(sum.answered > 0 ? sum.talkS / sum.answered + o.wrapUpSeconds : ASSUMED_HANDLE_SECONDS);
    const needed = agentsNeeded(offered, handleS, INTERVAL_MS / 1000, target);
    const agentsReady =
      ready && start.getTime() + offset < until ? round1((ready.get(offset) ?? 0) / INTERVAL_MS) : null;
    const traffic = (offered * handleS) / (INTERVAL_MS / 1000);
    const at = new Date(start.getTime() + offset);
    intervals.push({
      period: wallTime(at, o.timeZone),
      start: at.toISOString(),
      offered: round1(offered),
      handleS,
      agentsNeeded: needed,
      agentsToSchedule: agentsToSchedule(needed, o.shrinkage ?? 0),
      agentsReady,
      agentsScheduled: round1((scheduled.get(offset) ?? 0) / INTERVAL_MS),
      serviceLevelPct:
        agentsReady === null || offered === 0
          ? null
          : round1(100 * planServiceLevel(Math.floor(agentsReady), traffic, handleS, target)),
      abandonPct:
        patienceS === null || offered === 0
          ? null
          : round1(100 * erlangA(needed, traffic, handleS, patienceS, o.targetSeconds).abandonment),
    });
  }
  return {
    day: o.day,
    queueId: o.queueId,
    basis: forecast ? 'forecast' : 'actual',
    basedOn,
    serviceLevelPct: round1(o.serviceLevel * 100),
    targetSeconds: o.targetSeconds,
    maxOccupancyPct: round1(o.maxOccupancy * 100),
    shrinkagePct: round1((o.shrinkage ?? 0) * 100),
    patienceS: patienceS === null ? null : round1(patienceS),
    observedPatienceS: observedPatienceS === null ? null : round1(observedPatienceS),
    intervals,
    peakAgentsNeeded: Math.max(0, ...intervals.map((i) => i.agentsNeeded)),
    peakAgentsToSchedule: Math.max(0, ...intervals.map((i) => i.agentsToSchedule)),
  };
}
