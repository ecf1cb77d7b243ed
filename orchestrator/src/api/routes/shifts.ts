import { z } from 'zod';
import { contactCenterTimeZone } from '../../config/schema.js';
import { HttpError, notFound } from '../../http/errors.js';
import { toCsv } from '../../reports/api.js';
import { addDays, dayOf, daysBetween } from '../../reports/day.js';
import { adherenceReport, adherenceSummary, type AdherenceSummaryRow } from '../../shifts/adherence.js';
import { calendarDay, shiftInput } from '../../shifts/plan.js';
import { discardDrafts, publishDrafts } from '../../shifts/publish.js';
import { planRota } from '../../shifts/rota.js';
import {
  addShift,
  copyShifts,
  getShift,
  removeShift,
  replaceShift,
  shiftsOnDays,
  type Shift,
} from '../../shifts/repository.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { idParam } from '../validation.js';
import { agentScope, assertQueue, EVERYONE, format, sendCsv, STAFF } from './common.js';

/** A schedule read at once: a month of a center's shifts is a few thousand rows. */
const MAX_DAYS = 31;
const MAX_COPY_DAYS = 14;

const ADHERENCE_COLUMNS: readonly (keyof AdherenceSummaryRow)[] = [
  'agentId',
  'name',
  'days',
  'scheduledS',
  'inAdherenceS',
  'adherencePct',
  'phoneScheduledS',
  'phoneReadyS',
  'phoneReadyPct',
  'unscheduledS',
  'exceptions',
];

/** Agents' shifts (shifts/): supervisors and admins plan them; an agent reads their own. */
export function shiftRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  const timeZone = contactCenterTimeZone(deps.config);
  const writer = (userId: number, draft?: boolean) => ({ timeZone, by: userId, now: deps.now(), draft });
  // Staff are always told; agents only of their published shifts, a draft being none of theirs yet. This
  // orchestrator's wallboard rereads the schedule at once, the others' within a minute.
  const changed = (agentIds: readonly number[] | 'all'): void => deps.bus.publish('schedule.changed', { agentIds });
  const seenBy = (...shifts: Shift[]): number[] => [
    ...new Set(shifts.filter((s) => s.publishedAt !== null).map((s) => s.agentId)),
  ];
  const audited = (s: Shift) => ({
    agentId: s.agentId,
    day: s.day,
    start: s.startTime,
    end: s.endTime,
    draft: s.publishedAt === null,
  });
  const draftRange = z
    .object({
      from: calendarDay,
      to: calendarDay,
      agentIds: z.array(z.number().int().positive()).max(1000).optional(),
    })
    .strict()
    .refine((r) => daysBetween(r.from, r.to) >= 1, { error: '`to` is before `from`' })
    .refine((r) => daysBetween(r.from, r.to) <= MAX_DAYS, { error: `at most ${MAX_DAYS} days at once` });
  return [
    route({
      method: 'get',
      path: '/shifts',
      tag: 'shifts',
      summary: `Shifts starting on the days from \`from\` to \`to\` (default today, at most ${MAX_DAYS} days), with their activities, drafts with \`publishedAt\` null; an agent gets only their own published ones`,
      roles: EVERYONE,
      query: z.object({
        from: calendarDay.optional(),
        to: calendarDay.optional(),
        agentId: z.coerce.number().int().positive().optional(),
      }),
      async handler({ query, user }) {
        const from = query.from ?? dayOf(deps.now(), timeZone);
        const to = query.to ?? from;
        const days = daysBetween(from, to);
        if (days < 1) throw new HttpError(400, 'bad_request', '`to` is before `from`');
        if (days > MAX_DAYS) throw new HttpError(400, 'bad_request', `at most ${MAX_DAYS} days at once`);
        const own = agentScope(user);
        const agentIds = own !== undefined ? [own] : query.agentId !== undefined ? [query.agentId] : undefined;
        const publishedOnly = own !== undefined;
        return { from, to, timeZone, shifts: await shiftsOnDays(db, from, to, { agentIds, timeZone, publishedOnly }) };
      },
    }),
    route({
      method: 'post',
      path: '/shifts',
      tag: 'shifts',
      summary:
        "Schedule a shift: a day, start and end on the contact center's clock (an end at or before the start is the next day), and activities off the phones inside it; published at once unless `draft` is true; 409 if it overlaps another of the agent's",
      roles: STAFF,
      body: shiftInput.extend({ draft: z.boolean().default(false) }),
      status: 201,
      audit: { action: 'shift.add', targetType: 'shift' },
      async handler({ body: { draft, ...input }, user, auditTarget }) {
        const shift = await addShift(db, input, writer(user.id, draft));
        auditTarget(shift.id, audited(shift));
        changed(seenBy(shift));
        return shift;
      },
    }),
    route({
      method: 'put',
      path: '/shifts/:id',
      tag: 'shifts',
      summary:
        'Replace a shift (times, agent, note, activities); a draft stays one unless `draft` is false, which publishes it; 409 for a published shift asked to become a draft',
      roles: STAFF,
      params: idParam,
      body: shiftInput.extend({ draft: z.boolean().optional() }),
      audit: { action: 'shift.update', targetType: 'shift' },
      async handler({ params, body: { draft, ...input }, user, auditTarget }) {
        const before = await getShift(db, params.id, timeZone);
        const shift = before && (await replaceShift(db, params.id, input, writer(user.id, draft)));
        if (!shift) throw notFound(`shift ${params.id}`);
        auditTarget(shift.id, audited(shift));
        // Moved to another agent: both are told (the one who had it only if it was published then).
        changed(seenBy(before!, shift));
        if (before!.publishedAt === null && shift.publishedAt !== null)
          deps.bus.publish('schedule.published', { from: shift.day, to: shift.day, agentIds: [shift.agentId] });
        return shift;
      },
    }),
    route({
      method: 'delete',
      path: '/shifts/:id',
      tag: 'shifts',
      summary: 'Remove a shift',
      roles: STAFF,
      params: idParam,
      status: 204,
      audit: { action: 'shift.remove', targetType: 'shift' },
      async handler({ params, auditTarget }) {
        const shift = await getShift(db, params.id, timeZone);
        if (!shift || !(await removeShift(db, params.id))) throw notFound(`shift ${params.id}`);
        auditTarget(params.id, audited(shift));
        changed(seenBy(shift));
        return undefined;
      },
    }),
    route({
      method: 'post',
      path: '/shifts/copy',
      tag: 'shifts',
      summary: `Copy the shifts of \`days\` days from \`fromDay\` (default 7, at most ${MAX_COPY_DAYS}) to the same times from \`toDay\` on, e.g. last week's rota to next week, as drafts if \`draft\` is true; a shift that would overlap one already there is skipped and listed`,
      roles: STAFF,
      body: z
        .object({
          fromDay: calendarDay,
          toDay: calendarDay,
          days: z.number().int().min(1).max(MAX_COPY_DAYS).default(7),
          agentIds: z.array(z.number().int().positive()).max(1000).optional(),
          draft: z.boolean().default(false),
        })
        .strict(),
      audit: { action: 'shift.copy', targetType: 'shift' },
      async handler({ body, user, auditTarget }) {
        const result = await copyShifts(db, body, writer(user.id, body.draft));
        auditTarget(null, { ...body, copied: result.copied, skipped: result.skipped.length });
        if (result.copied > 0) changed(body.draft ? [] : (body.agentIds ?? 'all'));
        return result;
      },
    }),
    route({
      method: 'post',
      path: '/shifts/publish',
      tag: 'shifts',
      summary: `Publish the drafts starting on the days from \`from\` to \`to\` (at most ${MAX_DAYS}), of \`agentIds\` or everyone: their agents see them and are told, and adherence is measured against them`,
      roles: STAFF,
      body: draftRange,
      audit: { action: 'shift.publish', targetType: 'shift' },
      async handler({ body, user, auditTarget }) {
        const done = await publishDrafts(db, body, writer(user.id));
        auditTarget(null, { ...body, published: done.count });
        if (done.count > 0) {
          changed(done.agentIds);
          deps.bus.publish('schedule.published', { from: body.from, to: body.to, agentIds: done.agentIds });
        }
        return { from: body.from, to: body.to, ...done };
      },
    }),
    route({
      method: 'post',
      path: '/shifts/discard',
      tag: 'shifts',
      summary: `Remove the drafts starting on the days from \`from\` to \`to\` (at most ${MAX_DAYS}), of \`agentIds\` or everyone; published shifts stay`,
      roles: STAFF,
      body: draftRange,
      audit: { action: 'shift.discard', targetType: 'shift' },
      async handler({ body, auditTarget }) {
        const done = await discardDrafts(db, body);
        auditTarget(null, { ...body, discarded: done.count });
        if (done.count > 0) changed([]);
        return { from: body.from, to: body.to, ...done };
      },
    }),
    route({
      method: 'post',
      path: '/shifts/plan',
      tag: 'shifts',
      summary:
        "Plan a queue's day from its forecast: shifts of `shiftHours` with breaks and lunch for the queue's agents without a shift that day, placed where the agents needed (the staffing report's, same targets) are still short of those scheduled (drafts included); a preview unless `apply` is true, which makes them, as drafts if `draft` is true",
      roles: STAFF,
      body: z
        .object({
          day: calendarDay,
          queueId: z.number().int().positive(),
          shiftHours: z.number().min(4).max(12).multipleOf(0.25).default(8),
          serviceLevelPct: z.number().min(1).max(99).default(80),
          targetSeconds: z.number().int().min(1).max(3600).default(20),
          maxOccupancyPct: z.number().min(10).max(100).default(85),
          patienceS: z
            .union([z.literal('observed'), z.number().min(5).max(3600)], { error: 'seconds (5–3600), or observed' })
            .optional(),
          apply: z.boolean().default(false),
          draft: z.boolean().default(false),
        })
        .strict(),
      audit: { action: 'shift.plan', targetType: 'queue' },
      async handler({ body, user, auditTarget }) {
        const now = deps.now();
        if (daysBetween(dayOf(now, timeZone), body.day) > MAX_DAYS)
          throw new HttpError(400, 'bad_request', `at most ${MAX_DAYS} days ahead`);
        assertQueue(user, body.queueId, `queue ${body.queueId}`);
        const queue = (await db('queues').where({ id: body.queueId }).first('wrap_up_s')) as
          { wrap_up_s: number } | undefined;
        if (!queue) throw notFound(`queue ${body.queueId}`);
        const plan = await planRota(
          db,
          {
            day: body.day,
            queueId: body.queueId,
            timeZone,
            now,
            wrapUpSeconds: Number(queue.wrap_up_s),
            serviceLevel: body.serviceLevelPct / 100,
            targetSeconds: body.targetSeconds,
            maxOccupancy: body.maxOccupancyPct / 100,
            patience: body.patienceS,
            shiftHours: body.shiftHours,
            apply: body.apply,
          },
          writer(user.id, body.draft),
        );
        if (plan.created?.length) changed(seenBy(...plan.created));
        auditTarget(body.queueId, {
          day: body.day,
          apply: body.apply,
          draft: body.draft,
          proposed: plan.shifts.length,
          created: plan.created?.length ?? 0,
        });
        return plan;
      },
    }),
    route({
      method: 'get',
      path: '/reports/adherence/summary',
      tag: 'reports',
      summary: `Schedule adherence over whole days (at most ${MAX_DAYS}), per agent: days scheduled, scheduled time, time in adherence and its share, time on the phones ready of the time scheduled there, unscheduled time, exceptions; format=csv exports it`,
      roles: STAFF,
      query: z.object({
        from: calendarDay.optional(),
        to: calendarDay.optional(),
        agentId: z.coerce.number().int().positive().optional(),
        format,
      }),
      async handler({ query, res }) {
        const now = deps.now();
        const to = query.to ?? dayOf(now, timeZone);
        const from = query.from ?? to;
        const count = daysBetween(from, to);
        if (count < 1) throw new HttpError(400, 'bad_request', `to (${to}) is before from (${from})`);
        if (count > MAX_DAYS) throw new HttpError(400, 'bad_request', `at most ${MAX_DAYS} days at once`);
        const summary = await adherenceSummary(db, {
          days: Array.from({ length: count }, (_, i) => addDays(from, i)),
          timeZone,
          now,
          agentIds: query.agentId === undefined ? undefined : [query.agentId],
        });
        if (query.format === 'csv')
          return sendCsv(res, `adherence-${from}-${to}.csv`, toCsv(summary.rows, ADHERENCE_COLUMNS));
        return { from, to, timeZone, ...summary };
      },
    }),
    route({
      method: 'get',
      path: '/reports/adherence',
      tag: 'reports',
      summary:
        'Schedule adherence through one day: per agent the scheduled time so far, the time in adherence (on the phones when scheduled to be, off them in a break or other activity), time on the phones ready, time logged in unscheduled, where they are now, and the stretches out of adherence of a minute or more',
      roles: STAFF,
      query: z.object({
        day: calendarDay.optional(),
        agentId: z.coerce.number().int().positive().optional(),
      }),
      async handler({ query }) {
        const now = deps.now();
        const day = query.day ?? dayOf(now, timeZone);
        if (daysBetween(dayOf(now, timeZone), day) > MAX_DAYS)
          throw new HttpError(400, 'bad_request', `at most ${MAX_DAYS} days ahead`);
        const report = await adherenceReport(db, {
          day,
          timeZone,
          now,
          agentIds: query.agentId === undefined ? undefined : [query.agentId],
        });
        return { ...report, timeZone };
      },
    }),
  ];
}
