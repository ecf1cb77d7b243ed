import type { Db } from '../db/knex.js';
import type { ReportDay } from './day.js';
import { presenceDays } from './presence.js';
import { agentMetrics, type AgentMetrics } from './queries.js';

/**
 * One agent's day so far, read live (the workspace's "Today" panel): the report tables are up to a quarter hour
 * behind, and an agent checking their break time wants it now. Missed offers are left to the daily report: they
 * live in every call's events, too costly to read for each agent's refresh.
 */
export interface AgentToday extends Omit<AgentMetrics, 'missed'> {
  readonly day: string;
  readonly timeZone: string;
  readonly asOf: string;
  /** Paused time per reason; `count` is the pauses begun today. */
  readonly pauses: { reason: string; count: number; seconds: number }[];
}

export async function agentToday(
  db: Db,
  agentId: number,
  day: ReportDay,
  timeZone: string,
  now: Date,
): Promise<AgentToday> {
  const until = now < day.end ? now : day.end;
  const [presence, calls] = await Promise.all([
    presenceDays(db, day.start, day.end, now, [agentId]),
    db('calls')
      .where('agent_id', agentId)
      .where('answered_at', '>=', day.start)
      .where('answered_at', '<', until)
      .count({ n: '*' })
      .sum({ talk: 'talk_s', wrap: 'wrap_s' })
      .first() as Promise<{ n: unknown; talk: unknown; wrap: unknown } | undefined>,
  ]);
  const mine = presence.get(agentId);
  const { missed: _missed, ...metrics } = agentMetrics({
    calls: Number(calls?.n ?? 0),
    missed: 0,
    talk: Number(calls?.talk ?? 0),
    wrap: Number(calls?.wrap ?? 0),
    loggedIn: mine?.loggedInS ?? 0,
    paused: mine?.pausedS ?? 0,
  });
  const pauses = [...(mine?.pauses ?? new Map<string, { count: number; seconds: number }>())]
    .map(([reason, p]) => ({ reason, count: p.count, seconds: Math.round(p.seconds * 10) / 10 }))
    .sort((a, b) => b.seconds - a.seconds || a.reason.localeCompare(b.reason));
  return { day: day.day, timeZone, asOf: now.toISOString(), ...metrics, pauses };
}
