import type { Request, Response } from 'express';
import { z } from 'zod';
import { writeAudit } from '../../auth/audit.js';
import { createSession, deleteSession, SESSION_COOKIE, SESSION_TTL_MS } from '../../auth/sessions.js';
import { createApiToken, listApiTokens, revokeApiToken, type ApiTokenRecord } from '../../auth/tokens.js';
import { checkCredentials, findUserById, updateUser } from '../../auth/users.js';
import { bearerToken, readCookie } from '../../auth/middleware.js';
import { HttpError, notFound } from '../../http/errors.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { idParam, offsetOf, pageOf, pageQuery, paged } from '../validation.js';
import { ADMIN } from './common.js';

const authUserSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(['admin', 'supervisor', 'agent']),
  agentId: z.number().int().nullable(),
});

const loginBody = z
  .object({
    username: z.string().trim().min(1, 'required').max(64),
    password: z.string().min(1, 'required').max(1024),
  })
  .strict();

/** Secure when the request came over https (directly or via a trusted proxy) or the public URL is https. */
function isSecure(req: Request, deps: ApiDeps): boolean {
  return req.secure || (deps.config.http.publicUrl?.startsWith('https://') ?? false);
}

function setSessionCookie(req: Request, res: Response, deps: ApiDeps, id: string, expires: Date): void {
  res.cookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: isSecure(req, deps), path: '/', expires });
}

const tokenSchema = z.object({
  id: z.number().int(),
  userId: z.number().int(),
  username: z.string(),
  name: z.string(),
  createdAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

function tokenOut(t: ApiTokenRecord) {
  return {
    ...t,
    createdAt: t.createdAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}

export function authRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  return [
    route({
      method: 'post',
      path: '/auth/login',
      tag: 'auth',
      summary: 'Sign in with username and password; sets the ariadne_session cookie',
      roles: 'public',
      body: loginBody,
      response: z.object({ user: authUserSchema, expiresAt: z.string() }),
      audit: { action: 'auth.login', targetType: 'user' },
      async handler({ req, res, body, auditTarget }) {
        const user = await checkCredentials(db, body.username, body.password);
        if (!user) {
          await writeAudit(db, {
            user: null,
            actor: body.username,
            action: 'auth.login_failed',
            targetType: 'user',
            ip: req.ip ?? null,
          });
          throw new HttpError(401, 'unauthenticated', 'wrong username or password');
        }
        const session = await createSession(db, user.id, SESSION_TTL_MS);
        setSessionCookie(req, res, deps, session.id, session.expiresAt);
        res.locals.user = user;
        auditTarget(user.id, { username: user.username });
        return { user, expiresAt: session.expiresAt.toISOString() };
      },
    }),
    route({
      method: 'post',
      path: '/auth/logout',
      tag: 'auth',
      summary: 'End the current session and clear the cookie',
      roles: 'any',
      status: 204,
      audit: { action: 'auth.logout', targetType: 'user' },
      async handler({ req, res, user, auditTarget }) {
        const session = readCookie(req.headers.cookie, SESSION_COOKIE);
        if (session) await deleteSession(db, session);
        res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: isSecure(req, deps), path: '/' });
        auditTarget(user.id);
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/auth/me',
      tag: 'auth',
      summary: 'The signed-in user',
      roles: 'any',
      response: z.object({ user: authUserSchema }),
      async handler({ user }) {
        return { user };
      },
    }),

    route({
      method: 'post',
      path: '/auth/password',
      tag: 'auth',
      summary: 'Change your own password; every session ends and this one is renewed',
      roles: 'any',
      body: z
        .object({
          currentPassword: z.string().min(1, 'required').max(1024),
          newPassword: z.string().min(8, 'at least 8 characters').max(1024),
        })
        .strict(),
      status: 204,
      audit: { action: 'auth.password_change', targetType: 'user' },
      async handler({ req, res, body, user, auditTarget }) {
        const ok = await checkCredentials(db, user.username, body.currentPassword);
        if (!ok) {
          throw new HttpError(400, 'validation_failed', 'body.currentPassword: wrong password', [
            { in: 'body', field: 'currentPassword', reason: 'wrong password' },
          ]);
        }
        await updateUser(db, user.id, { password: body.newPassword });
        if (!bearerToken(req.headers.authorization)) {
          const session = await createSession(db, user.id, SESSION_TTL_MS);
          setSessionCookie(req, res, deps, session.id, session.expiresAt);
        }
        auditTarget(user.id, {});
        return undefined;
      },
    }),

    // --- API tokens ---------------------------------------------------------------------------------------------
    route({
      method: 'get',
      path: '/tokens',
      tag: 'tokens',
      summary: 'List API tokens (never the secrets)',
      roles: ADMIN,
      query: pageQuery,
      response: paged(tokenSchema),
      async handler({ query }) {
        const { offset, limit } = offsetOf(query);
        const found = await listApiTokens(db, offset, limit);
        return pageOf(query, { items: found.items.map(tokenOut), total: found.total });
      },
    }),
    route({
      method: 'post',
      path: '/tokens',
      tag: 'tokens',
      summary: 'Create an API token for a user (default: yourself); the secret is shown once',
      roles: ADMIN,
      body: z
        .object({ name: z.string().trim().min(1, 'required').max(128), userId: z.number().int().positive().optional() })
        .strict(),
      response: tokenSchema.extend({ token: z.string() }),
      status: 201,
      audit: { action: 'token.create', targetType: 'api_token' },
      async handler({ body, user, auditTarget }) {
        const ownerId = body.userId ?? user.id;
        const owner = await findUserById(db, ownerId);
        if (!owner)
          throw new HttpError(400, 'validation_failed', `body.userId: no user ${ownerId}`, [
            { in: 'body', field: 'userId', reason: 'no such user' },
          ]);
        const { token, record } = await createApiToken(db, ownerId, body.name);
        auditTarget(record.id, { name: body.name, userId: ownerId });
        return { ...tokenOut(record), token };
      },
    }),
    route({
      method: 'delete',
      path: '/tokens/:id',
      tag: 'tokens',
      summary: 'Revoke an API token',
      roles: ADMIN,
      params: idParam,
      status: 204,
      audit: { action: 'token.revoke', targetType: 'api_token' },
      async handler({ params }) {
        if (!(await revokeApiToken(db, params.id))) throw notFound(`active token ${params.id}`);
        return undefined;
      },
    }),
  ];
}
