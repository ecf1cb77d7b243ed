import { z } from 'zod';
import type { AuthUser } from '../../auth/types.js';
import { contactCenterTimeZone } from '../../config/schema.js';
import { HttpError, notFound } from '../../http/errors.js';
import {
  agentReport,
  buildDailyReport,
  campaignReport,
  checkRange,
  dayOf,
  daysBetween,
  MAX_REPORT_DAYS,
  parseDay,
  pauseReport,
  presenceTimeline,
  queueReport,
  reportDay,
  staffingReport,
  toCsv,
  todayPerQueue,
  type AgentReportRow,
  type CampaignReportRow,
  type PauseReportRow,
  type QueueReportRow,
  type StaffingInterval,
} from '../../reports/index.js';
import { surveySummary } from '../../surveys/index.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { ADMIN, assertQueue, format, queueScope, sendCsv, STAFF, today } from './common.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

const STAFFING_COLUMNS: readonly (keyof StaffingInterval)[] = [
  'period',
  'start',
  'offered',
  'handleS',
  'agentsNeeded',
  'agentsToSchedule',
  'agentsScheduled',
  'agentsReady',
  'serviceLevelPct',
  'abandonPct',
];

const QUEUE_COLUMNS: readonly (keyof QueueReportRow)[] = [
  'period',
  'start',
  'queueId',
  'queue',
  'displayName',
  'offered',
  'answered',
  'abandoned',
  'answeredInSl',
  'serviceLevelPct',
  'abandonedPct',
  'avgWaitS',
  'maxWaitS',
  'avgTalkS',
];
const AGENT_COLUMNS: readonly (keyof AgentReportRow)[] = [
  'agentId',
  'name',
  'calls',
  'missed',
  'talkS',
  'wrapS',
  'avgHandleS',
  'loggedInS',
  'pausedS',
  'occupancyPct',
];
const PAUSE_COLUMNS: readonly (keyof PauseReportRow)[] = ['agentId', 'name', 'reason', 'pauses', 'pausedS'];
const CAMPAIGN_COLUMNS: readonly (keyof CampaignReportRow)[] = [
  'campaignId',
  'campaign',
  'calls',
  'answered',
  'answeredPct',
  'machine',
  'machineMessage',
  'busy',
  'noAnswer',
  'notPlaced',
  'other',
  'talkS',
  'avgTalkS',
];

/**
 * The queues a report covers: the one asked for, or all; a supervisor's only theirs, so one asking for another
 * queue gets an empty report, as for a queue without calls. Undefined: every queue.
 */
function queuesAsked(user: AuthUser, queueId: number | undefined): readonly number[] | undefined {
  const scope = queueScope(user);
  const asked = queueId === undefined ? undefined : [queueId];
  return scope ? (asked ?? scope).filter((id) => scope.includes(id)) : asked;
}

export function reportRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  const timeZone = contactCenterTimeZone(deps.config);
  const rangeOf = (asked: { from?: string; to?: string; by?: string }): { from: string; to: string } => {
    const checked = checkRange(asked, deps.now(), timeZone);
    if (!checked.ok) throw new HttpError(400, 'bad_request', checked.message);
    return checked;
  };
  /** A report of agents over whole days (every agent for a supervisor too: agents serve several queues), JSON or CSV. */
  const agentRangeRoute = <Row extends object>(
    path: string,
    summary: string,
    csvName: string,
    columns: readonly (keyof Row & string)[],
    read: (
      db: ApiDeps['db'],
      range: { from: string; to: string; timeZone: string; agentIds?: readonly number[] },
    ) => Promise<{ rows: Row[] }>,
  ): ApiRoute =>
    route({
      method: 'get',
      path,
      tag: 'reports',
      summary,
      roles: STAFF,
      query: z.object({
        from: day.optional(),
        to: day.optional(),
        agentId: z.coerce.number().int().positive().optional(),
        format,
      }),
      async handler({ query, res }) {
        const { from, to } = rangeOf(query);
        const agentIds = query.agentId === undefined ? undefined : [query.agentId];
        const report = await read(db, { from, to, timeZone, agentIds });
        if (query.format === 'csv') return sendCsv(res, `${csvName}-${from}-${to}.csv`, toCsv(report.rows, columns));
        return { from, to, timeZone, ...report };
      },
    });
  return [
    route({
      method: 'get',
      path: '/reports/summary',
      tag: 'reports',
      summary: "Today's totals per queue (offered, answered, abandoned, service level, waits), from calls",
      roles: STAFF,
      async handler({ user }) {
        const now = deps.now();
        const since = today(now, timeZone).start;
        const scope = queueScope(user);
        const queues = (await todayPerQueue(db, since)).filter((q) => !scope || scope.includes(Number(q.queueId)));
        return { from: since.toISOString(), to: now.toISOString(), queues };
      },
    }),
    route({
      method: 'get',
      path: '/reports/queues',
      tag: 'reports',
      summary:
        'Queue report over whole days (in the contact center time zone): per 15-minute interval, per day or in total, per queue; format=csv exports it',
      roles: STAFF,
      query: z.object({
        from: day.optional(),
        to: day.optional(),
        by: z.enum(['total', 'day', 'interval']).default('day'),
        queueId: z.coerce.number().int().positive().optional(),
        format,
      }),
      async handler({ query, user, res }) {
        const { from, to } = rangeOf(query);
        const queueIds = queuesAsked(user, query.queueId);
        const report = await queueReport(db, { from, to, timeZone, by: query.by, queueIds });
        if (query.format === 'csv')
          return sendCsv(res, `queues-${from}-${to}-${query.by}.csv`, toCsv(report.rows, QUEUE_COLUMNS));
        return { from, to, by: query.by, timeZone, ...report };
      },
    }),
    agentRangeRoute(
      '/reports/agents',
      'Agent report over whole days: calls answered, offers missed, talk, after-call work, handle time, logged-in and paused time, occupancy; format=csv exports it',
      'agents',
      AGENT_COLUMNS,
      agentReport,
    ),
    agentRangeRoute(
      '/reports/pauses',
      'Paused time over whole days, per agent and reason: pauses begun and time paused; format=csv exports it',
      'pauses',
      PAUSE_COLUMNS,
      pauseReport,
    ),
    route({
      method: 'get',
      path: '/reports/presence',
      tag: 'reports',
      summary:
        "Agents' presence through one day as it happened: the stretches ready and paused (with the reason), cut to the day and to now",
      roles: STAFF,
      query: z.object({
        day: day.optional(),
        agentId: z.coerce.number().int().positive().optional(),
      }),
      async handler({ query }) {
        const { from } = rangeOf({ from: query.day, to: query.day });
        const { start, end } = reportDay(from, timeZone);
        const now = deps.now();
        const agents = await presenceTimeline(
          db,
          start,
          end,
          now,
          query.agentId === undefined ? undefined : [query.agentId],
        );
        // asOf: the moment the stretches were cut at (what a "now" line on today's timeline marks).
        const asOf = now < end ? now : end;
        return {
          day: from,
          timeZone,
          from: start.toISOString(),
          to: end.toISOString(),
          asOf: asOf.toISOString(),
          agents,
        };
      },
    }),
    route({
      method: 'get',
      path: '/reports/surveys',
      tag: 'reports',
      summary: 'Satisfaction surveys over whole days, per queue: responses, average score (1-5), responses per score',
      roles: STAFF,
      query: z.object({
        from: day.optional(),
        to: day.optional(),
        queueId: z.coerce.number().int().positive().optional(),
      }),
      async handler({ query, user }) {
        const { from, to } = rangeOf(query);
        const summary = await surveySummary(db, {
          from: reportDay(from, timeZone).start,
          to: reportDay(to, timeZone).end,
          queueIds: queuesAsked(user, query.queueId),
        });
        return { from, to, timeZone, ...summary };
      },
    }),
    route({
      method: 'get',
      path: '/reports/campaigns',
      tag: 'reports',
      summary:
        'What became of the calls campaigns placed over whole days, per campaign: answered, answering machines (hung up on, left a message), busy, no answer, not placed; format=csv exports it',
      roles: STAFF,
      query: z.object({
        from: day.optional(),
        to: day.optional(),
        queueId: z.coerce.number().int().positive().optional(),
        format,
      }),
      async handler({ query, user, res }) {
        const { from, to } = rangeOf(query);
        const report = await campaignReport(db, {
          from: reportDay(from, timeZone).start,
          to: reportDay(to, timeZone).end,
          queueIds: queuesAsked(user, query.queueId),
        });
        if (query.format === 'csv')
          return sendCsv(res, `campaigns-${from}-${to}.csv`, toCsv(report.rows, CAMPAIGN_COLUMNS));
        return { from, to, timeZone, ...report };
      },
    }),
    route({
      method: 'get',
      path: '/reports/staffing',
      tag: 'reports',
      summary:
        "Agents one queue's calls need per 15-minute interval (Erlang C; Erlang A with callers' patienceS, or patienceS=observed for the patience their calls showed) against the agents ready, and the agents to schedule for them given shrinkagePct: a day lived from its calls, today and later days forecast from the same weekday of the four weeks before; format=csv exports it",
      roles: STAFF,
      query: z.object({
        day: day.optional(),
        queueId: z.coerce.number().int().positive(),
        serviceLevelPct: z.coerce.number().min(1).max(99).default(80),
        targetSeconds: z.coerce.number().int().min(1).max(3600).default(20),
        maxOccupancyPct: z.coerce.number().min(10).max(100).default(85),
        shrinkagePct: z.coerce.number().min(0).max(90).default(0),
        patienceS: z
          .union([z.literal('observed'), z.coerce.number().min(5).max(3600)], {
            error: 'seconds (5–3600), or observed',
          })
          .optional(),
        format,
      }),
      async handler({ query, user, res }) {
        const now = deps.now();
        const asked = query.day ?? dayOf(now, timeZone);
        const { from } = rangeOf({ from: asked, to: asked });
        if (daysBetween(dayOf(now, timeZone), from) > MAX_REPORT_DAYS)
          throw new HttpError(400, 'bad_request', `a forecast is at most ${MAX_REPORT_DAYS} days ahead`);
        assertQueue(user, query.queueId, `queue ${query.queueId}`);
        const queue = (await db('queues').where({ id: query.queueId }).first('display_name', 'wrap_up_s')) as
          { display_name: string; wrap_up_s: number } | undefined;
        if (!queue) throw notFound(`queue ${query.queueId}`);
        const report = await staffingReport(db, {
          day: from,
          queueId: query.queueId,
          timeZone,
          now,
          wrapUpSeconds: Number(queue.wrap_up_s),
          serviceLevel: query.serviceLevelPct / 100,
          targetSeconds: query.targetSeconds,
          maxOccupancy: query.maxOccupancyPct / 100,
          shrinkage: query.shrinkagePct / 100,
          patience: query.patienceS,
        });
        if (query.format === 'csv')
          return sendCsv(res, `staffing-${query.queueId}-${from}.csv`, toCsv(report.intervals, STAFFING_COLUMNS));
        return { ...report, queue: queue.display_name, timeZone };
      },
    }),
    route({
      method: 'post',
      path: '/reports/rebuild',
      tag: 'reports',
      summary:
        'Build one day of the report tables again now (they are rebuilt every 15 minutes for today on their own)',
      roles: ADMIN,
      body: z.object({ day }).strict(),
      audit: { action: 'report.rebuild', targetType: 'report_day' },
      async handler({ body, auditTarget }) {
        if (!parseDay(body.day)) throw new HttpError(400, 'bad_request', `day: "${body.day}" is not a calendar date`);
        auditTarget(body.day);
        return buildDailyReport(db, body.day, timeZone, deps.now());
      },
    }),
  ];
}
