import { z } from 'zod';
import { forbidden, notFound } from '../../http/errors.js';
import { calendarDay } from '../../shifts/plan.js';
import {
  cancelTimeOff,
  decideTimeOff,
  getTimeOff,
  listTimeOff,
  requestTimeOff,
  timeOffInput,
  type TimeOff,
} from '../../shifts/time-off.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { idParam } from '../validation.js';
import { agentScope, assertOwn, EVERYONE, STAFF } from './common.js';

/** Time off (shifts/time-off.ts): agents ask, supervisors and admins grant, refuse or record it. */
export function timeOffRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  const audited = (t: TimeOff) => ({
    agentId: t.agentId,
    fromDay: t.fromDay,
    toDay: t.toDay,
    kind: t.kind,
    status: t.status,
  });
  const told = (t: TimeOff, removedShifts: number): void => {
    deps.bus.publish('time-off.decided', {
      timeOffId: t.id,
      agentId: t.agentId,
      status: t.status,
      fromDay: t.fromDay,
      toDay: t.toDay,
      kind: t.kind,
      decisionNote: t.decisionNote,
    });
    if (removedShifts > 0) deps.bus.publish('schedule.changed', { agentIds: [t.agentId] });
  };
  return [
    route({
      method: 'get',
      path: '/time-off',
      tag: 'time-off',
      summary:
        'Time off overlapping the days from `from` to `to` (at most 500, soonest first), with the shifts each covers now; an agent gets only their own',
      roles: EVERYONE,
      query: z.object({
        status: z.enum(['pending', 'approved', 'rejected', 'cancelled']).optional(),
        from: calendarDay.optional(),
        to: calendarDay.optional(),
        agentId: z.coerce.number().int().positive().optional(),
      }),
      async handler({ query, user }) {
        const own = agentScope(user);
        const agentIds = own !== undefined ? [own] : query.agentId !== undefined ? [query.agentId] : undefined;
        return { items: await listTimeOff(db, { ...query, agentIds }) };
      },
    }),
    route({
      method: 'post',
      path: '/time-off',
      tag: 'time-off',
      summary:
        "Ask for whole days off (an agent, for themselves: pending), or record them for `agentId` (supervisors and admins: granted at once, the agent's shifts on those days removed); 409 if it overlaps time off pending or granted",
      roles: EVERYONE,
      body: timeOffInput,
      status: 201,
      audit: { action: 'time-off.request', targetType: 'time-off' },
      async handler({ body, user, auditTarget }) {
        let forAgent: number;
        let grant = false;
        if (user.role === 'agent') {
          forAgent = agentScope(user)!;
          if (body.agentId !== undefined && body.agentId !== forAgent)
            throw forbidden('agents ask for their own time off');
        } else if (body.agentId !== undefined) {
          [forAgent, grant] = [body.agentId, true];
        } else if (user.agentId != null) {
          // A supervisor who also takes calls asks for their own days as an agent does.
          forAgent = user.agentId;
        } else throw forbidden('say which agent the time off is for (agentId)');
        const { timeOff, removedShifts } = await requestTimeOff(db, forAgent, body, {
          by: user.id,
          now: deps.now(),
          grant,
        });
        auditTarget(timeOff.id, { ...audited(timeOff), removedShifts });
        if (grant) told(timeOff, removedShifts);
        else deps.bus.publish('time-off.requested', { timeOffId: timeOff.id, agentId: timeOff.agentId });
        return { ...timeOff, removedShifts };
      },
    }),
    route({
      method: 'post',
      path: '/time-off/:id/decision',
      tag: 'time-off',
      summary:
        "Grant or refuse a pending request; granting removes the agent's shifts on those days. The agent is told",
      roles: STAFF,
      params: idParam,
      body: z
        .object({ status: z.enum(['approved', 'rejected']), note: z.string().trim().max(200).nullable().optional() })
        .strict(),
      audit: { action: 'time-off.decide', targetType: 'time-off' },
      async handler({ params, body, user, auditTarget }) {
        const { timeOff, removedShifts } = await decideTimeOff(db, params.id, body, { by: user.id, now: deps.now() });
        auditTarget(timeOff.id, { ...audited(timeOff), removedShifts });
        told(timeOff, removedShifts);
        return { ...timeOff, removedShifts };
      },
    }),
    route({
      method: 'post',
      path: '/time-off/:id/cancel',
      tag: 'time-off',
      summary:
        'Cancel time off pending or granted (an agent, their own); shifts removed when it was granted stay removed',
      roles: EVERYONE,
      params: idParam,
      audit: { action: 'time-off.cancel', targetType: 'time-off' },
      async handler({ params, user, auditTarget }) {
        const found = await getTimeOff(db, params.id);
        if (!found) throw notFound(`time off ${params.id}`);
        assertOwn(user, found.agentId, 'time off');
        const cancelled = await cancelTimeOff(db, params.id);
        auditTarget(cancelled.id, audited(cancelled));
        // Cancelled by someone else: the agent is told, as of a decision.
        if (user.agentId !== cancelled.agentId) told(cancelled, 0);
        return cancelled;
      },
    }),
  ];
}
