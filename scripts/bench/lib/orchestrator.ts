/**
 * The orchestrator as in production (`orchestrator/src/main.ts`, `npm start`), in its own process, connected to
 * the simulator process by ARIADNE_ARI_URL and to the scenario's fresh database, with the bench probe preloaded
 * (scripts/bench/probe.ts: memory, event-loop delay and CPU profiles over IPC). Logging stays at `info`, as in
 * production, into the run directory.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startChild, waitReady, type Child } from './procs.js';

export interface ProbeReading {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  /** CPU time the process used since the previous probe, and the wall time between them. */
  readonly cpuMs: number;
  readonly wallMs: number;
  /** Event-loop delay since the previous probe (ms beyond the sampling interval). */
  readonly loop: { samples: number; p50: number; p99: number; max: number; mean: number } | null;
}

export interface RunningOrchestrator {
  readonly child: Child;
  readonly httpUrl: string;
  probe(): Promise<ProbeReading>;
  /** Starts a CPU profile of the process (when the run has --profile). */
  profileStart(): Promise<void>;
  profileStop(file: string): Promise<void>;
  /**
   * Waits until start-up work (endpoint states of every agent phone, first presence loads, ...) has died down:
   * the process uses under `maxCores` of CPU for a whole second, or `timeoutMs` passed. Returns the seconds waited.
   */
  settle(timeoutMs: number, maxCores?: number): Promise<number>;
  /** SIGTERM (the orchestrator's own graceful stop), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function startOrchestrator(o: {
  name: string;
  runDir: string;
  ariUrl: string;
  app: string;
  dbUrl: string;
  env?: NodeJS.ProcessEnv;
}): Promise<RunningOrchestrator> {
  const port = await freePort();
  const storage = join(o.runDir, `recordings-${o.name}`);
  mkdirSync(storage, { recursive: true });
  const child = startChild({
    name: o.name,
    script: 'orchestrator/src/main.ts',
    // As `npm start` and the container run it (the young generation's size: README "Configuration").
    nodeFlags: ['--max-semi-space-size=16', '--import', 'tsx', '--import', './scripts/bench/probe.ts'],
    env: {
      NODE_ENV: 'production',
      ARIADNE_HTTP_HOST: '127.0.0.1',
      ARIADNE_HTTP_PORT: String(port),
      ARIADNE_DB_URL: o.dbUrl,
      ARIADNE_ARI_URL: o.ariUrl,
      ARIADNE_ARI_USER: 'ariadne',
      ARIADNE_ARI_PASSWORD: 'ariadne',
      ARIADNE_ARI_APP: o.app,
      ARIADNE_STORAGE_URL: `file:${storage}`,
      ARIADNE_DEMO_CALLS_PER_MINUTE: '0',
      ARIADNE_DEMO_SEED: 'false',
      ARIADNE_INSTANCE_ID: 'bench',
      ARIADNE_LOG_LEVEL: 'info',
      ARIADNE_BENCH_PROBE: '1',
      ...o.env,
    },
    logDir: o.runDir,
    ipc: true,
  });
  const httpUrl = `http://127.0.0.1:${port}`;
  await waitReady(
    child,
    async () => {
      const r = await fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
      return r.status === 200;
    },
    60_000,
    '/readyz',
  );
  return {
    child,
    httpUrl,
    probe: () => child.request<ProbeReading>({ type: 'probe' }, 10_000),
    profileStart: async () => {
      await child.request({ type: 'profile-start' }, 10_000);
    },
    profileStop: async (file) => {
      await child.request({ type: 'profile-stop', file }, 60_000);
    },
    settle: async (timeoutMs, maxCores = 0.15) => {
      const t0 = Date.now();
      await child.request({ type: 'probe' }, 10_000);
      while (Date.now() - t0 < timeoutMs) {
        await new Promise((r) => setTimeout(r, 1000));
        const p = await child.request<ProbeReading>({ type: 'probe' }, 10_000);
        if (p.wallMs > 0 && p.cpuMs / p.wallMs < maxCores) break;
      }
      return (Date.now() - t0) / 1000;
    },
    stop: async (graceMs = 20_000) => {
      await child.stop(graceMs);
      // Thousands of encrypted recordings are the run's by-product, not its result (logs and profiles stay).
      if (process.env.ARIADNE_BENCH_KEEP_RECORDINGS !== '1') rmSync(storage, { recursive: true, force: true });
    },
  };
}
