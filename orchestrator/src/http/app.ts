import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { Gauge } from 'prom-client';
import { createApiRouter, type ApiOptions } from '../api/index.js';
import type { ApiRoute } from '../api/registry.js';
import type { ApiServices } from '../api/services.js';
import { purgeExpiredSessions } from '../auth/sessions.js';
import { Wallboard } from '../api/wallboard.js';
import { WsHub } from '../api/ws.js';
import { contactCenterTimeZone, type Config } from '../config/schema.js';
import { pingDb, type Db } from '../db/knex.js';
import type { EventBus } from '../events/bus.js';
import { logger as rootLogger, type Logger } from '../logger.js';
import type { SwitchPort } from '../telephony/port.js';
import { errorBody, errorHandler } from './errors.js';
import { healthRouter } from './health.js';
import { createMetrics, metricsHandler, metricsMiddleware, type HttpMetrics } from './metrics.js';
import { requestLog } from './request-log.js';
import { staticUi } from './static-ui.js';

export const DEFAULT_UI_DIST = fileURLToPath(new URL('../../../admin-ui/dist', import.meta.url));

export interface HttpAppDeps {
  readonly db: Db;
  readonly config: Config;
  readonly bus: EventBus;
  readonly switchPort: Pick<SwitchPort, 'connectionStates' | 'reload' | 'endpointContacts' | 'outboundRegistrations'>;
  /** Domain services; any may be missing (their routes answer 503). */
  readonly services?: ApiServices;
  /** The process registry; created (with default metrics) when absent. Domain modules register on `metrics.registry`. */
  readonly metrics?: HttpMetrics;
  readonly pingDb?: () => Promise<void>;
  /** Budget for the DB ping in /readyz (default 2 s). */
  readonly readyTimeoutMs?: number;
  readonly uiDistDir?: string;
  readonly log?: Logger;
  readonly now?: () => Date;
  /** Browser origins allowed to call the API cross-site; none by default. */
  readonly corsOrigins?: readonly string[];
  /** express 'trust proxy': who may set X-Forwarded-For/-Proto (Secure cookies and the login limiter use it). */
  readonly trustProxy?: boolean | string | number;
  readonly api?: Omit<ApiOptions, 'wallboard'>;
  readonly ws?: { readonly heartbeatMs?: number; readonly snapshotMs?: number };
  /** How often expired sessions are deleted (default hourly; 0 = never). */
  readonly sessionSweepMs?: number;
}

export interface HttpApp {
  readonly app: Express;
  readonly metrics: HttpMetrics;
  readonly routes: readonly ApiRoute[];
  readonly wallboard: Wallboard;
  /** Serves /api/ws on the server; resolves once the wallboard has loaded its start-up state. */
  attachWebSocket(server: Server): Promise<WsHub>;
  /** Stops the WebSocket hub and the wallboard (the caller closes its server). */
  close(): Promise<void>;
}

/** CORS is closed unless origins are listed: then only those, with credentials. */
function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (!origin || !allowed.has(origin)) return next();
    res.vary('Origin');
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET,POST,PUT,PATCH,DELETE');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type,Authorization');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

/**
 * The HTTP face of the orchestrator: health, metrics, the REST API, WebSocket push and the admin UI.
 * main.ts: `const http = createHttpApp(deps); const server = http.app.listen(port); await http.attachWebSocket(server);`
 */
export function createHttpApp(deps: HttpAppDeps): HttpApp {
  const log = (deps.log ?? rootLogger).child({ module: 'http' });
  const now = deps.now ?? (() => new Date());
  const metrics = deps.metrics ?? createMetrics();
  const services = deps.services ?? {};
  const wallboard = new Wallboard(deps.db, deps.bus, now, log, contactCenterTimeZone(deps.config));
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 'loopback, linklocal, uniquelocal');
  app.set('json replacer', (_key: string, value: unknown) => (typeof value === 'bigint' ? Number(value) : value));

  app.use(requestLog(log));
  app.use(metricsMiddleware(metrics));
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Deployments on plain http (a lab, the demo) must not have every request rewritten to https.
          'upgrade-insecure-requests': null,
          'connect-src': ["'self'", 'ws:', 'wss:'],
          'media-src': ["'self'", 'blob:'],
        },
      },
    }),
  );
  app.use(cors(deps.corsOrigins ?? []));

  app.use(
    healthRouter({
      pingDb: deps.pingDb ?? (() => pingDb(deps.db)),
      connectionStates: () => deps.switchPort.connectionStates(),
      timeoutMs: deps.readyTimeoutMs,
    }),
  );
  app.get('/metrics', metricsHandler(metrics.registry));

  const { router, routes } = createApiRouter(
    { db: deps.db, config: deps.config, bus: deps.bus, switchPort: deps.switchPort, services, now },
    { ...deps.api, allowedOrigins: deps.corsOrigins, wallboard: () => wallboard.snapshot() },
  );
  app.use('/api', router);
  app.use(staticUi(deps.uiDistDir ?? DEFAULT_UI_DIST));
  app.use((req, res) => {
    res.status(404).json(errorBody('not_found', `no route ${req.method} ${req.path}`));
  });
  app.use(errorHandler(log));

  const sweepMs = deps.sessionSweepMs ?? 3_600_000;
  const sweep =
    sweepMs > 0
      ? setInterval(
          () =>
            void purgeExpiredSessions(deps.db).catch((err: unknown) =>
              log.warn({ err }, 'purging expired sessions failed'),
            ),
          sweepMs,
        )
      : null;
  sweep?.unref();

  let hub: WsHub | null = null;
  new Gauge({
    name: 'ariadne_ws_clients',
    help: 'Open WebSocket connections on /api/ws',
    registers: [metrics.registry],
    collect() {
      this.set(hub?.size ?? 0);
    },
  });
  return {
    app,
    metrics,
    routes,
    wallboard,
    async attachWebSocket(server) {
      hub ??= new WsHub({
        db: deps.db,
        bus: deps.bus,
        wallboard,
        log,
        heartbeatMs: deps.ws?.heartbeatMs,
        snapshotMs: deps.ws?.snapshotMs,
        // Behind a proxy that rewrites Host, the public URL is the page's origin.
        allowedOrigins: [
          ...(deps.corsOrigins ?? []),
          ...(deps.config.http.publicUrl ? [new URL(deps.config.http.publicUrl).origin] : []),
        ],
      });
      hub.attach(server);
      await wallboard.start();
      return hub;
    },
    async close() {
      if (sweep) clearInterval(sweep);
      await hub?.close();
      hub = null;
      wallboard.stop();
    },
  };
}
