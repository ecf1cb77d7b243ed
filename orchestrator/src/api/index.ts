import type { WallboardSnapshot } from './wallboard.js';
import express, { Router, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { resolveUser } from '../auth/middleware.js';
import { SESSION_COOKIE } from '../auth/sessions.js';
import { apiNotFound, errorBody } from '../http/errors.js';
import { buildOpenApi } from './openapi.js';
import { mountRoutes, type ApiRoute } from './registry.js';
import { agentActionRoutes } from './routes/agent.js';
import { authRoutes } from './routes/auth.js';
import { blockedCallerRoutes } from './routes/blocked-callers.js';
import { callRoutes } from './routes/calls.js';
import { campaignRoutes } from './routes/campaigns.js';
import { configRoutes } from './routes/config.js';
import { crmRoutes } from './routes/crm.js';
import { ivrRoutes } from './routes/ivr.js';
import { opsRoutes } from './routes/ops.js';
import { outboundRoutes } from './routes/outbound.js';
import { privacyRoutes } from './routes/privacy.js';
import { qualityRoutes } from './routes/quality.js';
import { shiftRoutes } from './routes/shifts.js';
import { shiftTradeRoutes } from './routes/shift-trades.js';
import { availabilityRoutes } from './routes/availability.js';
import { timeOffRoutes } from './routes/time-off.js';
import { reportRoutes } from './routes/reports.js';
import { userRoutes } from './routes/users.js';
import { workRoutes } from './routes/work.js';
import type { ApiDeps } from './services.js';

export type { ApiDeps, ApiServices, AgentActions, CallControls, RoutingTester, TransferRequest } from './services.js';

export interface ApiOptions {
  /** Failed logins allowed per client IP per window (successful ones are not counted). */
  readonly loginRateLimit?: { readonly windowMs: number; readonly limit: number };
  readonly bodyLimit?: string;
  readonly wallboard?: () => WallboardSnapshot;
  readonly version?: string;
  /** Origins allowed to send cookie-authenticated writes besides the server's own (the CORS allow-list). */
  readonly allowedOrigins?: readonly string[];
}

/** Every route of the API, in one list: mounted on the router and described in /api/openapi.json. */
export function apiRoutes(deps: ApiDeps, options: ApiOptions = {}): ApiRoute[] {
  return [
    ...authRoutes(deps),
    ...userRoutes(deps),
    ...configRoutes(deps),
    ...ivrRoutes(deps),
    ...crmRoutes(deps),
    ...callRoutes(deps),
    ...agentActionRoutes(deps),
    ...outboundRoutes(deps),
    ...blockedCallerRoutes(deps),
    ...campaignRoutes(deps),
    ...workRoutes(deps),
    ...reportRoutes(deps),
    ...qualityRoutes(deps),
    ...shiftRoutes(deps),
    ...timeOffRoutes(deps),
    ...shiftTradeRoutes(deps),
    ...availabilityRoutes(deps),
    ...privacyRoutes(deps),
    ...opsRoutes(deps, { wallboard: options.wallboard }),
  ];
}

/**
 * Defence in depth beside SameSite=Lax: a cookie-carrying write whose Origin is another site is refused, so no
 * page elsewhere can make a signed-in browser act. Bearer-token requests carry no ambient credential and pass.
 */
function sameOriginWrites(allowed: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    if (req.headers.authorization || !req.headers.cookie?.includes(SESSION_COOKIE)) return next();
    const origin = req.headers.origin;
    if (!origin || allowed.includes(origin)) return next();
    let host: string | null;
    try {
      host = new URL(origin).host;
    } catch {
      host = null;
    }
    // req.host honours X-Forwarded-Host from a trusted proxy (which may rewrite Host).
    if (host !== null && (host === req.headers.host || host === req.host)) return next();
    res.status(403).json(errorBody('forbidden', `a signed-in write from ${origin} is not allowed`));
  };
}

/** What a session that must first set up two-factor sign-in may reach (under /api). */
const TWO_FACTOR_SETUP_PATHS = new Set([
  '/auth/me',
  '/auth/logout',
  '/auth/password',
  '/auth/two-factor',
  '/auth/two-factor/setup',
  '/auth/two-factor/enable',
  // A passkey is a second factor too.
  '/auth/passkeys',
  '/auth/passkeys/options',
]);

/**
 * Resolves the principal when there is one; each route then decides (401/403) from its declared roles. A
 * session still owing its second factor is refused everything but setting it up.
 */
function identify(deps: ApiDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      const user = await resolveUser(deps.db, req);
      if (user?.twoFactorSetupRequired && !TWO_FACTOR_SETUP_PATHS.has(req.path.replace(/\/+$/, ''))) {
        res
          .status(403)
          .json(
            errorBody(
              'two_factor_setup_required',
              'your role signs in with a second factor: set up two-factor sign-in first',
            ),
          );
        return;
      }
      if (user) res.locals.user = user;
      next();
    } catch (err) {
      next(err);
    }
  };
}

export function createApiRouter(deps: ApiDeps, options: ApiOptions = {}): { router: Router; routes: ApiRoute[] } {
  const routes = apiRoutes(deps, options);
  const openapi = buildOpenApi(routes, { title: 'Ariadne API', version: options.version ?? '0.1.0' });
  const router = Router();
  router.use(express.json({ limit: options.bodyLimit ?? '256kb' }));

  const limit = options.loginRateLimit ?? { windowMs: 15 * 60_000, limit: 10 };
  router.use(
    // One count of failures per client for both ways in.
    ['/auth/login', '/auth/passkey-login'],
    rateLimit({
      windowMs: limit.windowMs,
      limit: limit.limit,
      skipSuccessfulRequests: true,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (_req, res, _next, opts) => {
        res
          .status(opts.statusCode)
          .json(errorBody('rate_limited', 'too many failed sign-in attempts; try again later'));
      },
    }),
  );

  router.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  const publicOrigin = deps.config.http.publicUrl ? new URL(deps.config.http.publicUrl).origin : null;
  router.use(sameOriginWrites([...(options.allowedOrigins ?? []), ...(publicOrigin ? [publicOrigin] : [])]));
  router.use(identify(deps));
  mountRoutes(router, routes, deps.db);
  if (deps.services.recordingsRouter) router.use('/recordings', deps.services.recordingsRouter);
  router.use(apiNotFound);
  return { router, routes };
}
