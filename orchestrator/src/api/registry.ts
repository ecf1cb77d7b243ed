import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { writeAudit } from '../auth/audit.js';
import type { AuthUser, Role } from '../auth/types.js';
import { HttpError } from '../http/errors.js';
import type { Db } from '../db/knex.js';
import { parseOrThrow } from './validation.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface HandlerContext<P, Q, B> {
  readonly req: Request;
  readonly res: Response;
  /** Null only on public routes. */
  readonly user: AuthUser;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Names the record a write touched (for the audit log) when it is not `:id`, and adds details. */
  auditTarget(targetId: string | number | null, details?: unknown): void;
}

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  readonly method: Method;
  /** Express path under /api, e.g. '/queues/:id'. */
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  /** Roles allowed; 'public' needs no sign-in, 'any' needs any signed-in user. */
  readonly roles: readonly Role[] | 'public' | 'any';
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** For the OpenAPI description only. */
  readonly response?: z.ZodType;
  readonly status?: 200 | 201 | 202 | 204;
  /** Checks on the user that come before validation (e.g. "bound to an agent"): a refusal is not a 400. */
  readonly guard?: (user: AuthUser) => void;
  /**
   * Every write names its audit action; a POST that changes nothing (validate, test) says `null`. Details default to the validated body
   * (secrets are scrubbed by writeAudit).
   */
  readonly audit?: { readonly action: string; readonly targetType: string } | null;
  handler(ctx: HandlerContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

export interface ApiRoute {
  readonly method: Method;
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly roles: readonly Role[] | 'public' | 'any';
  readonly params?: AnyObject;
  readonly query?: AnyObject;
  readonly body?: z.ZodType;
  readonly response?: z.ZodType;
  readonly status: number;
  readonly audit?: { readonly action: string; readonly targetType: string } | null;
  /** The spec's check on the user beyond the role, for those who ask who may call the route. */
  readonly guard?: (user: AuthUser) => void;
  readonly run: (req: Request, res: Response, db: Db) => Promise<void>;
}

const EMPTY = z.object({});
const NO_BODY = z.object({}).strict();

/** A route with validated params/query/body, a role check and, for writes, an audit record. */
export function route<
  P extends AnyObject = typeof EMPTY,
  Q extends AnyObject = typeof EMPTY,
  B extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<P, Q, B>): ApiRoute {
  if (spec.method !== 'get' && spec.audit === undefined)
    throw new Error(`${spec.method.toUpperCase()} ${spec.path}: every write must declare its audit action`);
  const status = spec.status ?? 200;
  return {
    method: spec.method,
    path: spec.path,
    tag: spec.tag,
    summary: spec.summary,
    roles: spec.roles,
    params: spec.params,
    query: spec.query,
    body: spec.body,
    response: spec.response,
    status,
    audit: spec.audit,
    guard: spec.guard,
    run: async (req, res, db) => {
      const user = res.locals.user as AuthUser | undefined;
      if (spec.roles !== 'public') {
        if (!user) throw new HttpError(401, 'unauthenticated', 'sign in first (session cookie or Bearer API token)');
        if (spec.roles !== 'any' && !spec.roles.includes(user.role)) {
          throw new HttpError(403, 'forbidden', `this needs the role ${spec.roles.join(' or ')}`);
        }
      }
      if (spec.guard && user) spec.guard(user);
      const params = parseOrThrow(spec.params ?? EMPTY, req.params, 'params');
      const query = parseOrThrow(spec.query ?? EMPTY, req.query ?? {}, 'query');
      let body: unknown = undefined;
      if (spec.body) body = parseOrThrow(spec.body, req.body ?? {}, 'body');
      // A route that takes no body still refuses one with fields: they would be dropped without a word.
      else parseOrThrow(NO_BODY, req.body ?? {}, 'body');
      let target: { id: string | number | null; details?: unknown } | null = null;
      const result = await spec.handler({
        req,
        res,
        user: user as AuthUser,
        params: params as z.output<P>,
        query: query as z.output<Q>,
        body: body as z.output<B>,
        auditTarget(id, details) {
          target = { id, details };
        },
      });
      if (spec.audit) {
        const t = target as { id: string | number | null; details?: unknown } | null;
        const p = params as { id?: string | number };
        // Login puts the user on res.locals only now.
        const actor = (res.locals.user as AuthUser | undefined) ?? user;
        await writeAudit(db, {
          user: actor ?? null,
          actor: actor?.username,
          action: spec.audit.action,
          targetType: spec.audit.targetType,
          targetId: t ? t.id : (p.id ?? null),
          details: t?.details ?? (body === undefined ? undefined : body),
          ip: req.ip ?? null,
        });
      }
      if (res.headersSent) return;
      if (status === 204 || result === undefined) {
        res.status(status === 200 && result === undefined ? 204 : status).end();
        return;
      }
      res.status(status).json(result);
    },
  };
}

export function mountRoutes(router: Router, routes: readonly ApiRoute[], db: Db): void {
  for (const r of routes) {
    router[r.method](r.path, async (req, res, next) => {
      try {
        await r.run(req, res, db);
      } catch (err) {
        next(err);
      }
    });
  }
}
