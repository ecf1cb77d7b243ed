import { removePasskeysOf } from '../../auth/passkeys.js';
import { z } from 'zod';
import { listAudit } from '../../auth/audit.js';
import { endSessionsOf } from '../../auth/sessions.js';
import { unknownQueueIds } from '../../auth/supervision.js';
import { disableTwoFactor } from '../../auth/two-factor.js';
import { createUser, deactivateUser, findUserById, listUsers, updateUser, type UserRecord } from '../../auth/users.js';
import type { Db } from '../../db/knex.js';
import { HttpError, notFound } from '../../http/errors.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { idParam, isoTime, offsetOf, pageOf, pageQuery, paged } from '../validation.js';
import { ADMIN } from './common.js';

const role = z.enum(['admin', 'supervisor', 'agent']);
const password = z.string().min(8, 'at least 8 characters').max(1024);

const userSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  displayName: z.string(),
  role,
  active: z.boolean(),
  agentId: z.number().int().nullable(),
  queueIds: z.array(z.number().int()),
  twoFactor: z.boolean(),
  passkeys: z.number().int(),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

const queueIds = z.array(z.number().int().positive('a queue id is a positive integer')).max(1000);

/** Refuses queues for a user who is not a supervisor, and ids that name no queue: 400 on `queueIds`. */
async function checkQueueIds(db: Db, role: string, ids: readonly number[] | undefined): Promise<void> {
  if (ids === undefined) return;
  const invalid = (reason: string): HttpError =>
    new HttpError(400, 'validation_failed', `body.queueIds: ${reason}`, [{ in: 'body', field: 'queueIds', reason }]);
  if (role !== 'supervisor' && ids.length > 0) throw invalid('only a supervisor supervises queues');
  const unknown = await unknownQueueIds(db, ids);
  if (unknown.length) throw invalid(`no queue ${unknown.join(', ')}`);
}

function userOut(u: UserRecord): z.output<typeof userSchema> {
  return {
    ...u,
    queueIds: [...u.queueIds],
    createdAt: u.createdAt?.toISOString() ?? null,
    updatedAt: u.updatedAt?.toISOString() ?? null,
  };
}

export function userRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  return [
    route({
      method: 'get',
      path: '/users',
      tag: 'users',
      summary: 'List users',
      roles: ADMIN,
      query: pageQuery.extend({ role: role.optional(), q: z.string().max(64).optional() }),
      response: paged(userSchema),
      async handler({ query }) {
        const found = await listUsers(db, { role: query.role, q: query.q, ...offsetOf(query) });
        return pageOf(query, { items: found.items.map(userOut), total: found.total });
      },
    }),
    route({
      method: 'get',
      path: '/users/:id',
      tag: 'users',
      summary: 'One user',
      roles: ADMIN,
      params: idParam,
      response: userSchema,
      async handler({ params }) {
        const u = await findUserById(db, params.id);
        if (!u) throw notFound(`user ${params.id}`);
        return userOut(u);
      },
    }),
    route({
      method: 'post',
      path: '/users',
      tag: 'users',
      summary: 'Create a user',
      roles: ADMIN,
      body: z
        .object({
          username: z
            .string()
            .trim()
            .regex(/^[A-Za-z0-9._@-]{2,64}$/, '2-64 letters, digits, . _ @ or -'),
          displayName: z.string().trim().min(1, 'required').max(128),
          password,
          role,
          active: z.boolean().optional(),
          queueIds: queueIds.optional(),
        })
        .strict(),
      response: userSchema,
      status: 201,
      audit: { action: 'user.create', targetType: 'user' },
      async handler({ body, auditTarget }) {
        await checkQueueIds(db, body.role, body.queueIds);
        const u = await createUser(db, body);
        auditTarget(u.id, { username: u.username, role: u.role });
        return userOut(u);
      },
    }),
    route({
      method: 'patch',
      path: '/users/:id',
      tag: 'users',
      summary: 'Change a user (display name, role, password, active, supervised queues)',
      roles: ADMIN,
      params: idParam,
      body: z
        .object({
          displayName: z.string().trim().min(1).max(128).optional(),
          role: role.optional(),
          password: password.optional(),
          active: z.boolean().optional(),
          queueIds: queueIds.optional(),
        })
        .strict(),
      response: userSchema,
      audit: { action: 'user.update', targetType: 'user' },
      async handler({ params, body, user }) {
        if (params.id === user.id && (body.active === false || (body.role && body.role !== 'admin'))) {
          throw new HttpError(409, 'conflict', 'you cannot deactivate or demote yourself');
        }
        if (body.queueIds !== undefined) {
          const current = await findUserById(db, params.id);
          if (!current) throw notFound(`user ${params.id}`);
          await checkQueueIds(db, body.role ?? current.role, body.queueIds);
        }
        const u = await updateUser(db, params.id, body);
        if (!u) throw notFound(`user ${params.id}`);
        return userOut(u);
      },
    }),
    route({
      method: 'delete',
      path: '/users/:id',
      tag: 'users',
      summary: 'Deactivate a user (kept for the audit trail; sessions end)',
      roles: ADMIN,
      params: idParam,
      status: 204,
      audit: { action: 'user.deactivate', targetType: 'user' },
      async handler({ params, user }) {
        if (params.id === user.id) throw new HttpError(409, 'conflict', 'you cannot deactivate yourself');
        if (!(await deactivateUser(db, params.id))) throw notFound(`user ${params.id}`);
        return undefined;
      },
    }),
    route({
      method: 'delete',
      path: '/users/:id/two-factor',
      tag: 'users',
      summary:
        "Reset a user's two-factor sign-in (a lost phone): the secret and recovery codes go and their sessions end; " +
        'a role that requires it sets it up again at the next sign-in',
      roles: ADMIN,
      params: idParam,
      status: 204,
      audit: { action: 'user.two_factor_reset', targetType: 'user' },
      async handler({ params }) {
        if (!(await findUserById(db, params.id))) throw notFound(`user ${params.id}`);
        if (!(await disableTwoFactor(db, params.id)))
          throw new HttpError(409, 'conflict', `user ${params.id} does not sign in with a second factor`);
        await endSessionsOf(db, params.id);
        return undefined;
      },
    }),
    route({
      method: 'delete',
      path: '/users/:id/passkeys',
      tag: 'users',
      summary:
        'Remove every passkey of a user (a lost or stolen key): they sign in with their password again and their sessions end',
      roles: ADMIN,
      params: idParam,
      status: 204,
      audit: { action: 'user.passkeys_reset', targetType: 'user' },
      async handler({ params, auditTarget }) {
        if (!(await findUserById(db, params.id))) throw notFound(`user ${params.id}`);
        const removed = await removePasskeysOf(db, params.id);
        if (removed === 0) throw new HttpError(409, 'conflict', `user ${params.id} has no passkey`);
        auditTarget(params.id, { removed });
        await endSessionsOf(db, params.id);
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/audit',
      tag: 'users',
      summary: 'The audit log, newest first',
      roles: ADMIN,
      query: pageQuery.extend({
        action: z.string().max(64).optional(),
        userId: z.coerce.number().int().positive().optional(),
        targetType: z.string().max(64).optional(),
        from: isoTime.optional(),
        to: isoTime.optional(),
      }),
      async handler({ query }) {
        const found = await listAudit(db, { ...query, ...offsetOf(query) });
        return pageOf(query, {
          items: found.items.map((a) => ({ ...a, at: a.at?.toISOString() ?? null })),
          total: found.total,
        });
      },
    }),
  ];
}
