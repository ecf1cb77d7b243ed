import { presenceBetween } from '../agents/presence.js';
import type { Db } from '../db/knex.js';
import type { DayRange } from './queries.js';

/** One agent's logged-in and paused time of a day, and the paused time per reason. */
export interface PresenceDay {
  readonly agentId: number;
  loggedInS: number;
  pausedS: number;
  readonly pauses: Map<string, { count: number; seconds: number }>;
}

/**
 * Each agent's presence over [start, end), cut at `now` for today (a stretch still open has lasted until now). A
 * pause is counted on the day it began; its time goes to each day it lasted into.
 */
export async function presenceDays(db: Db, start: Date, end: Date, now: Date): Promise<Map<number, PresenceDay>> {
  const until = Math.min(end.getTime(), now.getTime());
  const days = new Map<number, PresenceDay>();
  if (until <= start.getTime()) return days;
  for (const span of await presenceBetween(db, start, new Date(until))) {
    const from = Math.max(span.startedAt.getTime(), start.getTime());
    const to = Math.min(span.endedAt?.getTime() ?? until, until);
    if (to <= from) continue;
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

export interface PauseReportRow {
  agentId: number;
  name: string;
  reason: string;
  pauses: number;
  pausedS: number;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

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
