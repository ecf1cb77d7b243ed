/**
 * Bench-only probe, preloaded into the orchestrator process (`node --import tsx --import ./scripts/bench/probe.ts
 * orchestrator/src/main.ts`) when the harness starts it with an IPC channel. It changes nothing in the
 * orchestrator; it answers the harness over IPC with what the process itself sees:
 *
 * - `{type:'probe'}` → resident memory, heap, CPU time used, and event-loop delay percentiles since the last
 *   probe (the histogram is reset on every probe, so each answer covers exactly one measurement window);
 * - `{type:'profile-start'}` / `{type:'profile-stop', file}` → a V8 CPU profile of just that window, written as
 *   a .cpuprofile (open in Chrome DevTools, or summarise with scripts/bench/profile-summary.ts).
 *
 * Event-loop delay: monitorEventLoopDelay samples every RESOLUTION_MS and records the whole interval between
 * samples, so an idle loop reads about RESOLUTION_MS; the delay is what exceeds it.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 10;

interface Request {
  type?: string;
  id?: number;
  file?: string;
}

if (process.send && process.env.ARIADNE_BENCH_PROBE === '1') {
  const send = process.send.bind(process);
  const eld = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  eld.enable();
  let session: Session | null = null;
  let lastCpu = process.cpuUsage();
  let lastAt = process.hrtime.bigint();
  const ms = (ns: number): number => Math.max(0, ns / 1e6 - RESOLUTION_MS);

  const post = <T>(s: Session, method: string, params?: object): Promise<T> =>
    new Promise((resolve, reject) =>
      s.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))),
    );

  process.on('message', (raw: unknown) => {
    const m = raw as Request;
    if (!m || typeof m.type !== 'string' || typeof m.id !== 'number') return;
    const id = m.id;
    const reply = (body: object): void => {
      send({ replyTo: id, ...body });
    };
    const fail = (err: unknown): void => reply({ error: err instanceof Error ? err.message : String(err) });
    switch (m.type) {
      case 'probe': {
        const now = process.hrtime.bigint();
        const cpu = process.cpuUsage(lastCpu);
        const wallMs = Number(now - lastAt) / 1e6;
        lastCpu = process.cpuUsage();
        lastAt = now;
        const mem = process.memoryUsage();
        const n = eld.count;
        reply({
          type: 'probe',
          rssBytes: mem.rss,
          heapUsedBytes: mem.heapUsed,
          heapTotalBytes: mem.heapTotal,
          externalBytes: mem.external,
          cpuMs: (cpu.user + cpu.system) / 1000,
          wallMs,
          loop:
            n > 0
              ? {
                  samples: n,
                  p50: ms(eld.percentile(50)),
                  p99: ms(eld.percentile(99)),
                  max: ms(eld.max),
                  mean: ms(eld.mean),
                }
              : null,
        });
        eld.reset();
        return;
      }
      case 'profile-start': {
        if (session) return reply({ type: 'profile-started', already: true });
        const s = new Session();
        s.connect();
        session = s;
        post(s, 'Profiler.enable')
          .then(() => post(s, 'Profiler.setSamplingInterval', { interval: 500 }))
          .then(() => post(s, 'Profiler.start'))
          .then(() => reply({ type: 'profile-started' }), fail);
        return;
      }
      case 'profile-stop': {
        const s = session;
        if (!s) return reply({ error: 'no profile running' });
        session = null;
        post<{ profile: unknown }>(s, 'Profiler.stop').then((res) => {
          if (m.file) writeFileSync(m.file, JSON.stringify(res.profile));
          s.disconnect();
          reply({ type: 'profile-stopped', file: m.file ?? null });
        }, fail);
        return;
      }
      default:
        return;
    }
  });
  // The IPC channel must not keep the orchestrator alive on its own.
  process.channel?.unref();
}
