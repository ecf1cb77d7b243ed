import { availabilityInput, getAvailability, setAvailability } from '../../shifts/availability.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { idParam } from '../validation.js';
import { assertOwn, EVERYONE } from './common.js';

/**
 * Agents' availability and shift preference (shifts/availability.ts): an agent states their own, supervisors and
 * admins anyone's.
 */
export function availabilityRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  return [
    route({
      method: 'get',
      path: '/agents/:id/availability',
      tag: 'shifts',
      summary:
        "When the agent can work: windows of the week on the contact center's clock (weekday 1 Monday … 7 Sunday), none, available at any time; and `preference`, `early`, `late` or null, the shifts they would rather have within it",
      roles: EVERYONE,
      params: idParam,
      async handler({ params, user }) {
        const availability = await getAvailability(db, params.id);
        assertOwn(user, params.id, 'availability');
        return availability;
      },
    }),
    route({
      method: 'put',
      path: '/agents/:id/availability',
      tag: 'shifts',
      summary:
        "Replace the agent's availability (`windows: [{weekday, startTime, endTime}]`, at most 28, none overlapping on a day; 24:00 ends a day) and, if given, their `preference` (`early`, `late` or null); planning from the forecast keeps to the windows and honours the preference where it costs little cover, a shift outside the windows is marked",
      roles: EVERYONE,
      params: idParam,
      body: availabilityInput,
      audit: { action: 'agent.availability', targetType: 'agent' },
      async handler({ params, body, user, auditTarget }) {
        assertOwn(user, params.id, 'availability');
        const availability = await setAvailability(db, params.id, body.windows, body.preference);
        auditTarget(params.id, { windows: availability.windows.length, preference: availability.preference });
        // Their shifts' marks change with it: the Schedule page and the agent's workspace reread them.
        deps.bus.publish('schedule.changed', { agentIds: [params.id] });
        return availability;
      },
    }),
  ];
}
