import { z } from 'zod';
import { contactCenterTimeZone } from '../../config/schema.js';
import { HttpError, notFound } from '../../http/errors.js';
import { dayOf, daysBetween } from '../../reports/day.js';
import { adherenceReport } from '../../shifts/adherence.js';
import { calendarDay, shiftInput } from '../../shifts/plan.js';
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
import { agentScope, EVERYONE, STAFF } from './common.js';

/** A schedule read at once: a month of a center's shifts is a few thousand rows. */
const MAX_DAYS = 31;
const MAX_COPY_DAYS = 14;

/** Agents' shifts (shifts/): supervisors and admins plan them; an agent reads their own. */
export function shiftRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  const timeZone = contactCenterTimeZone(deps.config);
  const writer = (userId: number) => ({ timeZone, by: userId, now: deps.now() });
  const audited = (s: Shift) => ({ agentId: s.agentId, day: s.day, start: s.startTime, end: s.endTime });
  return [
    route({
      method: 'get',
      path: '/shifts',
      tag: 'shifts',
      summary: `Shifts starting on the days from \`from\` to \`to\` (default today, at most ${MAX_DAYS} days), with their activities; an agent gets only their own`,
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
        return { from, to, timeZone, shifts: await shiftsOnDays(db, from, to, { agentIds, timeZone }) };
      },
    }),
    route({
      method: 'post',
      path: '/shifts',
      tag: 'shifts',
      summary:
        "Schedule a shift: a day, start and end on the contact center's clock (an end at or before the start is the next day), and activities off the phones inside it; 409 if it overlaps another of the agent's",
      roles: STAFF,
      body: shiftInput,
      status: 201,
      audit: { action: 'shift.add', targetType: 'shift' },
      async handler({ body, user, auditTarget }) {
        const shift = await addShift(db, body, writer(user.id));
        auditTarget(shift.id, audited(shift));
        return shift;
      },
    }),
    route({
      method: 'put',
      path: '/shifts/:id',
      tag: 'shifts',
      summary: 'Replace a shift (times, agent, note, activities)',
      roles: STAFF,
      params: idParam,
      body: shiftInput,
      audit: { action: 'shift.update', targetType: 'shift' },
      async handler({ params, body, user, auditTarget }) {
        const shift = await replaceShift(db, params.id, body, writer(user.id));
        if (!shift) throw notFound(`shift ${params.id}`);
        auditTarget(shift.id, audited(shift));
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
        return undefined;
      },
    }),
    route({
      method: 'post',
      path: '/shifts/copy',
      tag: 'shifts',
      summary: `Copy the shifts of \`days\` days from \`fromDay\` (default 7, at most ${MAX_COPY_DAYS}) to the same times from \`toDay\` on, e.g. last week's rota to next week; a shift that would overlap one already there is skipped and listed`,
      roles: STAFF,
      body: z
        .object({
          fromDay: calendarDay,
          toDay: calendarDay,
          days: z.number().int().min(1).max(MAX_COPY_DAYS).default(7),
          agentIds: z.array(z.number().int().positive()).max(1000).optional(),
        })
        .strict(),
      audit: { action: 'shift.copy', targetType: 'shift' },
      async handler({ body, user, auditTarget }) {
        const result = await copyShifts(db, body, writer(user.id));
        auditTarget(null, { ...body, copied: result.copied, skipped: result.skipped.length });
        return result;
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
