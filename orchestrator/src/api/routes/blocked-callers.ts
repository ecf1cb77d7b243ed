import { z } from 'zod';
import {
  addBlockedCaller,
  blockedCallerInput,
  getBlockedCaller,
  listBlockedCallers,
  removeBlockedCaller,
} from '../../calls/blocked-callers.js';
import { notFound } from '../../http/errors.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { idParam, offsetOf, pageOf, pageQuery, paged } from '../validation.js';
import { STAFF } from './common.js';

const entry = z.object({
  id: z.number(),
  number: z.string(),
  reason: z.string().nullable(),
  createdBy: z.number().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  hits: z.number(),
  lastHitAt: z.string().nullable(),
});

/** Callers the contact center does not take calls from (calls/blocked-callers.ts); supervisors and admins keep it. */
export function blockedCallerRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  // This orchestrator's list (and AstDB) follows at once; the others within a minute.
  const changed = (): void => void deps.services.blockedCallers?.reload();
  return [
    route({
      method: 'get',
      path: '/blocked-callers',
      tag: 'blocked-callers',
      summary: 'Callers turned away (numbers, or anonymous), newest first; expired blocks are left out',
      roles: STAFF,
      query: pageQuery.extend({ q: z.string().trim().max(40).optional() }),
      response: paged(entry),
      async handler({ query }) {
        return pageOf(query, await listBlockedCallers(db, { q: query.q, now: deps.now() }, offsetOf(query)));
      },
    }),
    route({
      method: 'post',
      path: '/blocked-callers',
      tag: 'blocked-callers',
      summary:
        'Block a caller: a number as typed or anonymous (no caller id), for `days` or until removed; Asterisk rejects them before answering',
      roles: STAFF,
      body: blockedCallerInput,
      response: entry,
      status: 201,
      audit: { action: 'blocked-caller.add', targetType: 'blocked-caller' },
      async handler({ body, user, auditTarget }) {
        const added = await addBlockedCaller(db, body, {
          defaultCountry: deps.config.telephony.defaultCountry,
          now: deps.now(),
          by: user.id,
        });
        auditTarget(added.id, { number: added.number, reason: added.reason, expiresAt: added.expiresAt });
        changed();
        return added;
      },
    }),
    route({
      method: 'delete',
      path: '/blocked-callers/:id',
      tag: 'blocked-callers',
      summary: 'Take a caller off the list: their calls are taken again',
      roles: STAFF,
      params: idParam,
      status: 204,
      audit: { action: 'blocked-caller.remove', targetType: 'blocked-caller' },
      async handler({ params, auditTarget }) {
        const found = await getBlockedCaller(db, params.id);
        if (!found || !(await removeBlockedCaller(db, params.id))) throw notFound(`blocked caller ${params.id}`);
        auditTarget(params.id, { number: found.number });
        changed();
        return undefined;
      },
    }),
  ];
}
