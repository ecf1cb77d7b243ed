import { Router } from 'express';
import type { NodeConnectionState } from '../telephony/port.js';

export interface ReadinessDeps {
  /** Resolves when the database answers. */
  pingDb(): Promise<void>;
  connectionStates(): readonly NodeConnectionState[];
  /** Upper bound on the DB ping, so a hung pool makes /readyz answer 503 instead of hanging. */
  timeoutMs?: number;
}

export interface Readiness {
  readonly ready: boolean;
  readonly db: { ok: boolean; error?: string };
  readonly nodes: Array<{ node: string; connected: boolean; since: string; lastError?: string }>;
  readonly down: string[];
}

async function pingWithTimeout(ping: () => Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(deps: ReadinessDeps): Promise<Readiness> {
  const down: string[] = [];
  let db: Readiness['db'] = { ok: true };
  try {
    await pingWithTimeout(deps.pingDb, deps.timeoutMs ?? 2000);
  } catch (err) {
    db = { ok: false, error: (err as Error).message };
    down.push('db');
  }
  let states: readonly NodeConnectionState[] = [];
  try {
    states = deps.connectionStates();
  } catch (err) {
    down.push(`switch: ${(err as Error).message}`);
  }
  const nodes = states.map((s) => ({
    node: s.node,
    connected: s.connected,
    since: s.since.toISOString(),
    ...(s.lastError ? { lastError: s.lastError } : {}),
  }));
  for (const n of nodes) if (!n.connected) down.push(`node ${n.node}`);
  return { ready: down.length === 0, db, nodes, down };
}

/** /healthz says the process runs; /readyz says it can take calls (DB answers, every switch node connected). */
export function healthRouter(deps: ReadinessDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (_req, res) => {
    const r = await checkReadiness(deps);
    if (r.ready) {
      res.json({ status: 'ready', db: r.db, nodes: r.nodes });
      return;
    }
    res.status(503).json({
      status: 'not_ready',
      error: { code: 'unavailable', message: `not ready: ${r.down.join(', ')} down`, details: { down: r.down } },
      db: r.db,
      nodes: r.nodes,
    });
  });
  return router;
}
