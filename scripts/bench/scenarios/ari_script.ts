/**
 * ari_script: the calls per second the ARI pipeline sustains for the call shape `full` handles, with no
 * orchestrator: a scripted Stasis app (scripts/bench/script-app.ts, its own process, on the orchestrator's own ARI
 * connection: ari-client 2.2.0 connects, events and requests are handled as the orchestrator handles them) makes
 * the same ARI requests and waits for the same events as one `full` call (answer, prompt, DTMF, holding bridge
 * with music, originate, mixing bridge, recording, hang-up) against the simulator (its own process), with the
 * same simulated caller (presses 1 at 40 ms), agent phones (ring 20 ms) and talk time.
 *
 * `ari_baseline` answers and hangs up: two requests and a handful of events per call. A `full` call is about
 * fifteen requests and several dozen events, for Asterisk (here the simulator) as much as for the orchestrator,
 * so `full_vs_baseline` has a ceiling well below 1 that no orchestrator could lift; `ari_script_cps` measures it,
 * and `full_vs_script` is the share of it the orchestrator keeps while doing its real work.
 *
 * Latency per call: from the harness placing the call to caller and agent being bridged.
 */
import { appSteps, stepRows } from '../lib/app-steps.js';
import { registerAgentPhones } from '../lib/center.js';
import { waitForMessage, type BenchContext } from '../lib/context.js';
import { startChild } from '../lib/procs.js';
import type { ScenarioOutcome } from '../lib/report.js';
import { findSustainedRate } from '../lib/search.js';
import { startSimProcess } from '../lib/sim.js';
import { round } from '../lib/stats.js';
import { DTMF_AT_MS, PLAYBACK_MS, RING_MS, talkMs } from './full.js';

const APP = 'bench-script';

export async function runAriScript(ctx: BenchContext): Promise<ScenarioOutcome> {
  const started = Date.now();
  const stepMs = ctx.quick ? 1000 : 4000;
  const agents = ctx.quick ? 300 : 400;
  const talk = talkMs(ctx.quick);
  const sim = await startSimProcess({
    logDir: ctx.runDir,
    app: APP,
    playbackMs: PLAYBACK_MS,
    name: 'simulator-script',
  });
  const endpoints = Array.from({ length: agents }, (_, i) => `PJSIP/sc${i}`);
  await registerAgentPhones(sim.client, endpoints, RING_MS, talk);
  const app = startChild({
    name: 'script-app',
    script: 'scripts/bench/script-app.ts',
    env: { BENCH_ARI_URL: sim.ariUrl, BENCH_ARI_APP: APP, BENCH_AGENT_ENDPOINTS: endpoints.join(',') },
    logDir: ctx.runDir,
    ipc: true,
  });
  try {
    await waitForMessage(app, 'ready', 30_000);
    const runStep = appSteps({
      sim,
      app,
      stepMs,
      // As in `full`: a call gets talk + 3 s to be bridged before it counts as lost.
      graceMs: talk + 3000,
      prefix: 'sc',
      stasisApp: APP,
      caller: { script: [{ atMs: DTMF_AT_MS, dtmf: '1' }], hangupAfterMs: 30_000 },
    });

    ctx.log(`ari_script: the ARI requests of a full call with no logic, ${stepMs / 1000} s steps`);
    const result = await findSustainedRate({
      runStep,
      warmupRate: 20,
      referenceRate: 20,
      startRate: 40,
      factor: ctx.quick ? 3 : 1.5,
      maxRate: 3000,
      bisections: ctx.quick ? 0 : 2,
      maxSteps: ctx.quick ? 4 : 14,
      budgetMs: ctx.quick ? 5000 : 150_000,
      log: ctx.log,
    });
    const cps = result.sustainedCps;
    return {
      scenario: 'ari_script',
      status: cps === null ? 'failed' : 'ok',
      note: cps === null ? 'even the reference rate was not sustained' : `${round(cps, 1)} calls/s sustained`,
      seconds: (Date.now() - started) / 1000,
      figures: { ari_script_cps: round(cps, 1) },
      details: {
        agents,
        stepSeconds: stepMs / 1000,
        simulated: { promptMs: PLAYBACK_MS, dtmfAtMs: DTMF_AT_MS, agentRingMs: RING_MS, talkMs: talk },
        referenceP50Ms: round(result.referenceP50, 2),
        steps: stepRows(result.steps),
      },
      ...(ctx.quick
        ? {
            reduced: `${agents} agents talking ${talk} ms, 1 s steps, ×3 rate steps, no bisection, 5 s budget (400, 1000 ms, 4 s, ×1.5, two, 150 s)`,
          }
        : {}),
    };
  } finally {
    await app.stop();
    await sim.stop();
  }
}
