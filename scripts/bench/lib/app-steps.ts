/**
 * One load step against a Stasis app process that reports its calls over IPC (lib/app-ipc.ts): calls are placed on
 * the simulator at a fixed rate, the step waits (bounded) for the app to report each of them, and latency is
 * placement → the app's report, on the same clock. Used by ari_baseline and ari_script.
 */
import type { Child } from './procs.js';
import { CpuMeter, databasePid, placeAtRate } from './load.js';
import { sleep } from './procs.js';
import type { JudgedStep, StepOutcome } from './search.js';
import type { PlaceCall, RunningSim } from './sim.js';
import { round, summarize } from './stats.js';

export interface AppSteps {
  readonly sim: RunningSim;
  readonly app: Child;
  readonly stepMs: number;
  /** How long after the last placement a call may still be reported before it counts as lost. */
  readonly graceMs: number;
  /** Channel ids of step n start with this and n. */
  readonly prefix: string;
  /** The Stasis app the calls enter. */
  readonly stasisApp: string;
  /** What the simulated caller does (e.g. press 1 at 40 ms) and when they give up. */
  readonly caller?: Pick<PlaceCall, 'script' | 'hangupAfterMs'>;
}

/** Returns the step function for lib/search.ts. */
export function appSteps(o: AppSteps): (rate: number) => Promise<StepOutcome> {
  const done = new Map<string, { at: number; ok: boolean }>();
  o.app.proc.on('message', (m: unknown) => {
    const msg = m as { type?: string; calls?: Array<[string, number, boolean]> };
    if (msg?.type === 'done' && Array.isArray(msg.calls))
      for (const [id, at, ok] of msg.calls) done.set(id, { at, ok });
  });
  const meter = new CpuMeter({
    simulator: o.sim.child.pid,
    app: o.app.pid,
    harness: process.pid,
    database: databasePid(),
  });
  let stepNo = 0;
  return async (rate) => {
    const step = ++stepNo;
    const ids = new Map<number, string>();
    meter.begin();
    const placement = await placeAtRate({
      rate,
      durationMs: o.stepMs,
      place: async (i) => {
        const channelId = `${o.prefix}${step}-${i}`;
        ids.set(i, channelId);
        const r = await o.sim.client.placeCall({
          from: `+86138${String(i).padStart(8, '0')}`,
          to: '4007180000',
          channelId,
          app: o.stasisApp,
          ...o.caller,
        });
        if (!r.inStasis) throw new Error('call did not enter the app');
      },
    });
    // A saturated app is a result, not a hang: the wait is bounded.
    const deadline = Date.now() + o.graceMs;
    const want = placement.placed.map((p) => ids.get(p.index) as string);
    while (Date.now() < deadline && want.some((id) => !done.has(id))) await sleep(50);
    const cpu = meter.end();
    await o.app.request({ type: 'flush' }, 5000).catch(() => undefined);
    const latencies: number[] = [];
    let completed = 0;
    let failed = placement.placeErrors;
    for (const p of placement.placed) {
      const d = done.get(ids.get(p.index) as string);
      if (!d) continue;
      if (!d.ok) {
        failed++;
        continue;
      }
      completed++;
      latencies.push(d.at - p.at);
    }
    for (const id of want) done.delete(id);
    // The next step starts from an empty simulator: whatever this one left behind is hung up.
    const leftOver = await o.sim.client.drain();
    return {
      rate,
      durationMs: o.stepMs,
      offered: placement.placed.length + placement.placeErrors,
      completed,
      failed,
      achievedCps: completed / (o.stepMs / 1000),
      latency: summarize(latencies),
      extra: {
        cpuCores: cpu,
        generatorMaxLagMs: round(placement.maxLagMs, 1),
        channelsLeftOver: leftOver,
        ...(placement.firstError ? { placeError: placement.firstError } : {}),
      },
    };
  };
}

/** The steps of a search as the JSON details list them. */
export function stepRows(steps: readonly JudgedStep[]): Record<string, unknown>[] {
  return steps.map((s) => ({
    phase: s.phase,
    rate: s.rate,
    offered: s.offered,
    completed: s.completed,
    failed: s.failed,
    cps: round(s.achievedCps, 1),
    p50Ms: round(s.latency.p50, 2),
    p99Ms: round(s.latency.p99, 2),
    held: s.sustained,
    why: s.why,
    ...s.extra,
  }));
}
