/**
 * ari_baseline: the calls per second a no-op Stasis app (answer, hang up; scripts/bench/baseline-app.ts, plain
 * ari-client 2.2.0, its own process) sustains against the simulator (its own process). The ARI pipeline's own
 * limit on this machine: `full` is judged as a ratio to it.
 *
 * Latency per call: from the harness placing the call to the app's hang-up being acknowledged (same clock).
 */
import { appSteps, stepRows } from '../lib/app-steps.js';
import { waitForMessage, type BenchContext } from '../lib/context.js';
import { startChild } from '../lib/procs.js';
import type { ScenarioOutcome } from '../lib/report.js';
import { findSustainedRate } from '../lib/search.js';
import { startSimProcess } from '../lib/sim.js';
import { round } from '../lib/stats.js';

const APP = 'bench-noop';

export async function runAriBaseline(ctx: BenchContext): Promise<ScenarioOutcome> {
  const started = Date.now();
  const stepMs = ctx.quick ? 1000 : 4000;
  const sim = await startSimProcess({ logDir: ctx.runDir, app: APP, playbackMs: 20, name: 'simulator-baseline' });
  const app = startChild({
    name: 'baseline-app',
    script: 'scripts/bench/baseline-app.ts',
    env: { BENCH_ARI_URL: sim.ariUrl, BENCH_ARI_APP: APP },
    logDir: ctx.runDir,
    ipc: true,
  });
  try {
    await waitForMessage(app, 'ready', 30_000);
    const runStep = appSteps({
      sim,
      app,
      stepMs,
      graceMs: Math.max(2000, stepMs),
      prefix: 'nb',
      stasisApp: APP,
    });

    ctx.log(`ari_baseline: no-op Stasis app on ari-client, ${stepMs / 1000} s steps`);
    const result = await findSustainedRate({
      runStep,
      warmupRate: 50,
      referenceRate: 50,
      startRate: 100,
      factor: ctx.quick ? 2 : 1.5,
      // High enough that the search ends on a lost step: a pipeline that held every step up to the cap was only
      // found to be at least that fast (3,855 calls/s held under the old cap of 5,000 on 2026-12-05).
      maxRate: 50_000,
      bisections: ctx.quick ? 1 : 2,
      maxSteps: ctx.quick ? 6 : 20,
      budgetMs: ctx.quick ? 4000 : 120_000,
      log: ctx.log,
    });
    const cps = result.sustainedCps;
    if (cps !== null) ctx.hints.ariBaselineCps = cps;
    return {
      scenario: 'ari_baseline',
      status: cps === null ? 'failed' : 'ok',
      ...(cps === null
        ? { note: 'even the reference rate was not sustained' }
        : {
            note:
              `${round(cps, 1)} calls/s sustained` +
              (result.steps.some((st) => !st.sustained && st.phase !== 'warmup' && st.rate > cps) ? '' : ' (no step above it was tried: a floor)'),
          }),
      seconds: (Date.now() - started) / 1000,
      figures: { ari_baseline_cps: round(cps, 1) },
      details: {
        stepSeconds: stepMs / 1000,
        referenceP50Ms: round(result.referenceP50, 2),
        steps: stepRows(result.steps),
      },
      ...(ctx.quick
        ? { reduced: '1 s steps (4 s in a full run), ×2 rate steps and one bisection, 4 s budget (×1.5, two, 120 s)' }
        : {}),
    };
  } finally {
    await app.stop();
    await sim.stop();
  }
}
