import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';
import { dayOf, reportDay, wallTime } from './day.js';

export type QueueGrouping = 'total' | 'day' | 'interval';

export interface QueueMetrics {
  offered: number;
  answered: number;
  abandoned: number;
  answeredInSl: number;
  /** Answered within the queue's service level, of the calls that ended waiting (answered or abandoned). */
  serviceLevelPct: number | null;
  abandonedPct: number | null;
  /** Of the calls that waited: answered and abandoned. */
  avgWaitS: number | null;
  maxWaitS: number | null;
  avgTalkS: number | null;
}

export interface QueueReportRow extends QueueMetrics {
  /** YYYY-MM-DD (by day), HH:MM on the report zone's clock (by interval), null (total). */
  period: string | null;
  /** The period's first instant (ISO), null for the total. */
  start: string | null;
  queueId: number;
  queue: string;
  displayName: string;
}

export interface AgentMetrics {
  calls: number;
  missed: number;
  talkS: number;
  wrapS: number;
  /** (talk + after-call work) per answered call. */
  avgHandleS: number | null;
  loggedInS: number;
  /** Of the logged-in time, paused for any reason. */
  pausedS: number;
  /** Talk and after-call work, of the logged-in time not paused. */
  occupancyPct: number | null;
}

export interface AgentReportRow extends AgentMetrics {
  agentId: number;
  name: string;
}

export interface DayRange {
  /** YYYY-MM-DD, both included, in the report's zone. */
  readonly from: string;
  readonly to: string;
  readonly timeZone: string;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
const pct = (part: number, whole: number): number | null => (whole > 0 ? round1((part * 100) / whole) : null);

/** Sums that add up across periods and queues; the ratios are taken from them, never averaged. */
interface QueueSums {
  offered: number;
  answered: number;
  abandoned: number;
  inSl: number;
  waitSum: number;
  waitMax: number;
  talkSum: number;
}

const emptySums = (): QueueSums => ({
  offered: 0,
  answered: 0,
  abandoned: 0,
  inSl: 0,
  waitSum: 0,
  waitMax: 0,
  talkSum: 0,
});

function addSums(into: QueueSums, r: QueueSums): void {
  into.offered += r.offered;
  into.answered += r.answered;
  into.abandoned += r.abandoned;
  into.inSl += r.inSl;
  into.waitSum += r.waitSum;
  into.waitMax = Math.max(into.waitMax, r.waitMax);
  into.talkSum += r.talkSum;
}

function queueMetrics(s: QueueSums): QueueMetrics {
  const ended = s.answered + s.abandoned;
  return {
    offered: s.offered,
    answered: s.answered,
    abandoned: s.abandoned,
    answeredInSl: s.inSl,
    serviceLevelPct: pct(s.inSl, ended),
    abandonedPct: pct(s.abandoned, s.offered),
    avgWaitS: ended > 0 ? round1(s.waitSum / ended) : null,
    maxWaitS: ended > 0 ? round1(s.waitMax) : null,
    avgTalkS: s.answered > 0 ? round1(s.talkSum / s.answered) : null,
  };
}

/**
 * The queue report over whole days, from the interval table the daily build keeps: per interval, per day or in
 * total, per queue, with totals over the rows returned.
 */
export async function queueReport(
  db: Db,
  range: DayRange & { by: QueueGrouping; queueIds?: readonly number[] },
): Promise<{ rows: QueueReportRow[]; totals: QueueMetrics }> {
  const start = reportDay(range.from, range.timeZone).start;
  const end = reportDay(range.to, range.timeZone).end;
  const q = db('report_queue_intervals as r')
    .join('queues as q', 'q.id', 'r.queue_id')
    .where('r.interval_start', '>=', start)
    .where('r.interval_start', '<', end)
    .orderBy('r.interval_start')
    .select('r.*', 'q.name', 'q.display_name');
  if (range.queueIds) q.whereIn('r.queue_id', range.queueIds);
  const raw = (await q) as Record<string, unknown>[];

  const groups = new Map<string, { row: Omit<QueueReportRow, keyof QueueMetrics>; sums: QueueSums }>();
  const totals = emptySums();
  for (const r of raw) {
    const at = toDate(r.interval_start) ?? start;
    const queueId = Number(r.queue_id);
    const sums: QueueSums = {
      offered: Number(r.offered),
      answered: Number(r.answered),
      abandoned: Number(r.abandoned),
      inSl: Number(r.answered_in_sl),
      waitSum: Number(r.wait_s_sum),
      waitMax: Number(r.wait_s_max),
      talkSum: Number(r.talk_s_sum),
    };
    addSums(totals, sums);
    let period: string | null = null;
    let periodStart: Date | null = null;
    if (range.by === 'interval') {
      period = wallTime(at, range.timeZone);
      periodStart = at;
    } else if (range.by === 'day') {
      period = dayOf(at, range.timeZone);
      periodStart = reportDay(period, range.timeZone).start;
    }
    const key = `${period ?? ''}|${queueId}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        row: {
          period,
          start: periodStart ? periodStart.toISOString() : null,
          queueId,
          queue: String(r.name),
          displayName: String(r.display_name),
        },
        sums: emptySums(),
      };
      groups.set(key, g);
    }
    addSums(g.sums, sums);
  }
  const rows = [...groups.values()]
    .map((g) => ({ ...g.row, ...queueMetrics(g.sums) }))
    .sort((a, b) => (a.start ?? '').localeCompare(b.start ?? '') || a.queue.localeCompare(b.queue));
  return { rows, totals: queueMetrics(totals) };
}

/** Sums of the agent-day table that add up across days and agents. */
export interface AgentSums {
  calls: number;
  missed: number;
  talk: number;
  wrap: number;
  loggedIn: number;
  paused: number;
}

export function agentMetrics(s: AgentSums): AgentMetrics {
  const ready = s.loggedIn - s.paused;
  return {
    calls: s.calls,
    missed: s.missed,
    talkS: round1(s.talk),
    wrapS: round1(s.wrap),
    avgHandleS: s.calls > 0 ? round1((s.talk + s.wrap) / s.calls) : null,
    loggedInS: round1(s.loggedIn),
    pausedS: round1(s.paused),
    occupancyPct: ready > 0 ? pct(s.talk + s.wrap, ready) : null,
  };
}

/** The agent report over whole days, summed per agent from the agent-day table, with totals. */
export async function agentReport(
  db: Db,
  range: DayRange & { agentIds?: readonly number[] },
): Promise<{ rows: AgentReportRow[]; totals: AgentMetrics }> {
  const q = db('report_agent_days as r')
    .join('agents as a', 'a.id', 'r.agent_id')
    .whereBetween('r.day', [range.from, range.to])
    .groupBy('r.agent_id', 'a.name')
    .orderBy('a.name')
    .select('r.agent_id', 'a.name')
    .sum({
      calls: 'r.calls',
      missed: 'r.missed',
      talk: 'r.talk_s',
      wrap: 'r.wrap_s',
      loggedIn: 'r.logged_in_s',
      paused: 'r.paused_s',
    });
  if (range.agentIds) q.whereIn('r.agent_id', range.agentIds);
  const raw = (await q) as Record<string, unknown>[];
  const totals: AgentSums = { calls: 0, missed: 0, talk: 0, wrap: 0, loggedIn: 0, paused: 0 };
  const rows = raw.map((r) => {
    const sums: AgentSums = {
      calls: Number(r.calls ?? 0),
      missed: Number(r.missed ?? 0),
      talk: Number(r.talk ?? 0),
      wrap: Number(r.wrap ?? 0),
      loggedIn: Number(r.loggedIn ?? 0),
      paused: Number(r.paused ?? 0),
    };
    for (const k of Object.keys(totals) as (keyof AgentSums)[]) totals[k] += sums[k];
    return { agentId: Number(r.agent_id), name: String(r.name), ...agentMetrics(sums) };
  });
  return { rows, totals: agentMetrics(totals) };
}
