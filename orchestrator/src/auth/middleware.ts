import type { IncomingMessage } from 'node:http';
import type { RequestHandler, Response } from 'express';
import type { Db } from '../db/knex.js';
import { HttpError } from '../http/errors.js';
import { SESSION_COOKIE, userForSession } from './sessions.js';
import { userForToken } from './tokens.js';
import { withQueueScope } from './supervision.js';
import type { AuthUser, Role } from './types.js';

/** Reads one cookie from a raw Cookie header (the WebSocket upgrade has no cookie-parser). */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw);
    } catch {
      return null;
    }
  }
  return null;
}

export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? (m[1] ?? null) : null;
}

/**
 * Resolves the principal of a request: a Bearer API token wins over the session cookie (integrations never
 * carry cookies; a browser never sends a Bearer header on its own).
 */
export async function resolveUser(
  db: Db,
  req: Pick<IncomingMessage, 'headers'>,
  queryToken?: string | null,
): Promise<AuthUser | null> {
  const bearer = bearerToken(req.headers.authorization);
  const session = bearer || queryToken ? null : readCookie(req.headers.cookie, SESSION_COOKIE);
  const user = bearer
    ? await userForToken(db, bearer)
    : queryToken
      ? await userForToken(db, queryToken)
      : session
        ? await userForSession(db, session)
        : null;
  return user && withQueueScope(db, user);
}

/** Puts the AuthUser on res.locals.user, or answers 401. */
export function authenticate(db: Db): RequestHandler {
  return async (req, res, next) => {
    try {
      const user = await resolveUser(db, req);
      if (!user) {
        next(new HttpError(401, 'unauthenticated', 'sign in first (session cookie or Bearer API token)'));
        return;
      }
      res.locals.user = user;
      next();
    } catch (err) {
      next(err);
    }
  };
}

export function currentUser(res: Response): AuthUser {
  const user = res.locals.user as AuthUser | undefined;
  if (!user) throw new HttpError(401, 'unauthenticated', 'sign in first');
  return user;
}

/** Refuses (403) unless the signed-in user has one of the roles. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const user = res.locals.user as AuthUser | undefined;
    if (!user) return next(new HttpError(401, 'unauthenticated', 'sign in first'));
    if (!roles.includes(user.role))
      return next(new HttpError(403, 'forbidden', `this needs the role ${roles.join(' or ')}`));
    next();
  };
}
