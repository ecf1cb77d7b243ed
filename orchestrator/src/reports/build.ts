import type { Db } from '../db/knex.js';
import { parseJson } from '../db/time.js';
import { INTERVAL_MS, reportDay } from './day.js';
import { presenceDays, type PresenceDay } from './presence.js';

export interface BuildResult {
  readonly day: string;
  /** Calls of the day that reached a queue. */
  readonly calls: number;
  readonly intervals: number;
  readonly agents: number;
  readonly ms: number;
}

const isSqlite = (db: Db): boolean => db.client.config.client === 'better-sqlite3';

/**
 * The 15-minute bucket of `column` counted from the day's start. MySQL: TIMESTAMPDIFF reads DATETIME as wall
 * values, so it does not depend on the session's time zone. SQLite: times are stored as epoch milliseconds (never
 * before the day's start here, so truncating is flooring).
 */
function bucketOf(db: Db, column: string, start: Date): ReturnType<Db['raw']> {
  return isSqlite(db)
    ? // better-sqlite3 binds every JS number as a REAL, so the division would not truncate by itself.
      db.raw(`cast((?? - ?) / ${INTERVAL_MS} as integer)`, [column, start.getTime()])
    : db.raw(`floor(timestampdiff(microsecond, ?, ??) / ${INTERVAL_MS * 1000})`, [start, column]);
}

const int = (v: unknown): number => Number(v ?? 0);
const dec = (v: unknown): number => Math.round(Number(v ?? 0) * 1000) / 1000;

interface IntervalRow {
  queue_id: number;
  interval_start: Date;
  offered: number;
  answered: number;
  abandoned: number;
  answered_in_sl: number;
  wait_s_sum: number;
  wait_s_max: number;
  talk_s_sum: number;
}

/**
 * Per queue and 15 minutes: the calls that entered the queue in it (an interval's calls belong to it for good).
 * It reads only columns of `calls_report_queue_index`, and no join: joining `queues` (for the service level) led
 * MariaDB to read each queue's calls through another index and fetch every row by its key. The few queues'
 * service levels go into the statement as a CASE instead.
 */
async function queueIntervals(db: Db, start: Date, end: Date): Promise<IntervalRow[]> {
  const levels = (await db('queues').select('id', 'service_level_s')) as { id: unknown; service_level_s: unknown }[];
  if (levels.length === 0) return [];
  const serviceLevel = db.raw(
    `case c.queue_id ${levels.map(() => 'when ? then ?').join(' ')} else -1 end`,
    levels.flatMap((q) => [Number(q.id), Number(q.service_level_s)]),
  );
  const rows = (await db('calls as c')
    .where('c.queued_at', '>=', start)
    .where('c.queued_at', '<', end)
    .whereNotNull('c.queue_id')
    .groupBy('c.queue_id', 'bucket')
    .select('c.queue_id', { bucket: bucketOf(db, 'c.queued_at', start) })
    .select(
      db.raw('count(*) as offered'),
      db.raw('sum(case when c.answered_at is not null then 1 else 0 end) as answered'),
      // Every abandonment (the caller_hangup transition, and recovery of an unanswered call) says so in its disposition.
      db.raw("sum(case when c.answered_at is null and c.disposition = 'abandoned' then 1 else 0 end) as abandoned"),
      db.raw('sum(case when c.answered_at is not null and c.wait_s <= ? then 1 else 0 end) as in_sl', [serviceLevel]),
      db.raw('sum(coalesce(c.wait_s, 0)) as wait_sum'),
      db.raw('max(coalesce(c.wait_s, 0)) as wait_max'),
      db.raw('sum(coalesce(c.talk_s, 0)) as talk_sum'),
    )) as Record<string, unknown>[];
  return rows.map((r) => ({
    queue_id: int(r.queue_id),
    interval_start: new Date(start.getTime() + int(r.bucket) * INTERVAL_MS),
    offered: int(r.offered),
    answered: int(r.answered),
    abandoned: int(r.abandoned),
    answered_in_sl: int(r.in_sl),
    wait_s_sum: dec(r.wait_sum),
    wait_s_max: dec(r.wait_max),
    talk_s_sum: dec(r.talk_sum),
  }));
}

interface AgentDayRow {
  agent_id: number;
  day: string;
  calls: number;
  missed: number;
  talk_s: number;
  wrap_s: number;
  logged_in_s: number;
  paused_s: number;
}

interface AgentPauseRow {
  agent_id: number;
  day: string;
  reason: string;
  pauses: number;
  paused_s: number;
}

/** Agent ids of an `offer_failed` event: one ringed agent, or every agent of a ring-all that nobody answered. */
export function missedAgentIds(data: unknown): number[] {
  const parsed = parseJson<{ agentId?: unknown; agents?: unknown }>(data, {});
  if (typeof parsed !== 'object' || parsed === null) return [];
  if (Number.isInteger(parsed.agentId)) return [parsed.agentId as number];
  if (!Array.isArray(parsed.agents)) return [];
  return parsed.agents
    .map((a: unknown) => (typeof a === 'object' && a !== null ? (a as { agentId?: unknown }).agentId : undefined))
    .filter((id): id is number => Number.isInteger(id));
}

/**
 * Per agent: the calls they answered that day (with talk and after-call work), the offers they let ring out, and
 * their logged-in and paused time (`presence`).
 */
async function agentDays(
  db: Db,
  day: string,
  start: Date,
  end: Date,
  presence: ReadonlyMap<number, PresenceDay>,
): Promise<AgentDayRow[]> {
  const [handled, failedOffers, agentIds] = await Promise.all([
    db('calls')
      .whereNotNull('agent_id')
      .where('answered_at', '>=', start)
      .where('answered_at', '<', end)
      .groupBy('agent_id')
      .select('agent_id')
      .select(
        db.raw('count(*) as calls'),
        db.raw('sum(coalesce(talk_s, 0)) as talk'),
        db.raw('sum(coalesce(wrap_s, 0)) as wrap'),
      ) as Promise<Record<string, unknown>[]>,
    db('call_events')
      .where('at', '>=', start)
      .where('at', '<', end)
      .where('event', 'offer_failed')
      .pluck('data') as Promise<unknown[]>,
    db('agents').pluck('id') as Promise<unknown[]>,
  ]);
  const known = new Set(agentIds.map(Number));
  const byAgent = new Map<number, AgentDayRow>();
  const rowFor = (agentId: number): AgentDayRow => {
    let row = byAgent.get(agentId);
    if (!row)
      byAgent.set(
        agentId,
        (row = { agent_id: agentId, day, calls: 0, missed: 0, talk_s: 0, wrap_s: 0, logged_in_s: 0, paused_s: 0 }),
      );
    return row;
  };
  for (const h of handled) {
    const row = rowFor(int(h.agent_id));
    row.calls = int(h.calls);
    row.talk_s = dec(h.talk);
    row.wrap_s = dec(h.wrap);
  }
  // An agent deleted since keeps their calls (agent_id went NULL with them) but has no row to hang misses on.
  for (const data of failedOffers) for (const id of missedAgentIds(data)) if (known.has(id)) rowFor(id).missed++;
  for (const p of presence.values()) {
    if (!known.has(p.agentId)) continue;
    const row = rowFor(p.agentId);
    row.logged_in_s = dec(p.loggedInS);
    row.paused_s = dec(p.pausedS);
  }
  return [...byAgent.values()].sort((a, b) => a.agent_id - b.agent_id);
}

const INSERT_CHUNK = 500;

/**
 * Builds one day's report tables from `calls`, `call_events` and `agent_presence`: every 15-minute interval per
 * queue, every agent's day and their paused time per reason (today's open presence is counted until `now`). It
 * replaces what the day had in one transaction, so it may run again at any time (today's every quarter hour; a
 * past day's when late calls or a correction arrive) and two orchestrators running it at once leave one complete
 * answer.
 */
export async function buildDailyReport(
  db: Db,
  day: string,
  timeZone: string,
  now: Date = new Date(),
): Promise<BuildResult> {
  const t0 = performance.now();
  const { start, end } = reportDay(day, timeZone);
  const [intervals, presence] = await Promise.all([queueIntervals(db, start, end), presenceDays(db, start, end, now)]);
  const agents = await agentDays(db, day, start, end, presence);
  const known = new Set(agents.map((a) => a.agent_id));
  const pauses: AgentPauseRow[] = [...presence.values()]
    .filter((p) => known.has(p.agentId))
    .flatMap((p) =>
      [...p.pauses].map(([reason, { count, seconds }]) => ({
        agent_id: p.agentId,
        day,
        reason,
        pauses: count,
        paused_s: dec(seconds),
      })),
    );
  await db.transaction(async (trx) => {
    await trx('report_queue_intervals').where('interval_start', '>=', start).where('interval_start', '<', end).delete();
    await trx('report_agent_days').where('day', day).delete();
    await trx('report_agent_pauses').where('day', day).delete();
    for (const [table, rows] of [
      ['report_queue_intervals', intervals],
      ['report_agent_days', agents],
      ['report_agent_pauses', pauses],
    ] as const)
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx(table).insert(rows.slice(i, i + INSERT_CHUNK));
  });
  return {
    day,
    calls: intervals.reduce((n, r) => n + r.offered, 0),
    intervals: intervals.length,
    agents: agents.length,
    ms: Math.round(performance.now() - t0),
  };
}
