/**
 * full: the orchestrator (`orchestrator/src/main.ts`, its own process) doing all it does in production for every
 * call, against the simulator (its own process) and a fresh MariaDB database: identify the caller among 100,000
 * customers, a short IVR (one prompt, one DTMF choice), route by rules, queue in a holding bridge, offer to an
 * agent whose phone rings 20 ms, bridge, record the bridge, the agent hangs up after 1 s of talk, CDR and
 * call_events written, the recording's upload job queued (and run) through the outbox.
 *
 * Rising offered rates until calls start waiting on the orchestrator (lib/search.ts). Per call the harness knows
 * when it placed the call; the CDR says when the call entered the app (arrived_at) and when caller and agent were
 * bridged (answered_at). Set-up latency = answered_at − arrived_at; the verdict uses placed → answered_at, which
 * also catches a backlog before the app sees the call.
 */
import { join } from 'node:path';
import type { BenchContext } from '../lib/context.js';
import { BENCH_APP, BENCH_DID, registerAgentPhones, seedCenter } from '../lib/center.js';
import { createBenchDb, serverCounters } from '../lib/db.js';
import { CpuMeter, databasePid, placeAtRate } from '../lib/load.js';
import { startOrchestrator, type RunningOrchestrator } from '../lib/orchestrator.js';
import { sleep } from '../lib/procs.js';
import { summariseProfile } from '../lib/profile.js';
import type { ScenarioOutcome } from '../lib/report.js';
import { findSustainedRate, type JudgedStep, type StepOutcome } from '../lib/search.js';
import { startSimProcess, type RunningSim } from '../lib/sim.js';
import { round, roundSummary, summarize } from '../lib/stats.js';
import { demoMobile } from '../../../orchestrator/src/db/seed/customers.js';
import type { Db } from '../../../orchestrator/src/db/knex.js';

export const PLAYBACK_MS = 20;
export const RING_MS = 20;
/** Agents talk this long, then hang up (their phone, on the simulator); the call then ends with no wrap-up. */
export function talkMs(quick: boolean): number {
  return quick ? 500 : 1000;
}
/** The caller presses 1 this long after entering the app (while or just after the 20 ms prompt plays). */
export const DTMF_AT_MS = 40;
/** A caller still there after this long hangs up (never happens in a healthy run; bounds a broken one). */
const CALLER_PATIENCE_MS = 30_000;
/**
 * A step's recordings must be stored within this long after its calls ended, or the step did not hold: uploads
 * that fall further behind pile up on Asterisk's disk in production, and here into the next step.
 */
const UPLOAD_GRACE_MS = 2000;
/** The backlog a step left is waited out before the next one starts, for at most this long. */
const DRAIN_JOBS_MS = 120_000;

interface CdrRow {
  channel_id: string;
  state: string;
  disposition: string | null;
  arrived_at: Date | null;
  answered_at: Date | null;
}

export async function runFull(ctx: BenchContext): Promise<ScenarioOutcome> {
  const started = Date.now();
  const stepMs = ctx.quick ? 1500 : 4000;
  const customers = ctx.quick ? 10_000 : 100_000;
  // Enough agents that calls never wait for one: at R calls/s about R × (talk + ring + set-up) are busy. With
  // 400 (until 2026-12-05) the pool ran out near 400 calls/s and calls queued for an agent, which the search read
  // as the orchestrator's limit; the search now stops below the rate the pool can serve (agentLimitedRate).
  const agents = ctx.quick ? 300 : 1500;
  const talk = talkMs(ctx.quick);
  const bench = await createBenchDb('full');
  let sim: RunningSim | null = null;
  let orch: RunningOrchestrator | null = null;
  try {
    ctx.log(`full: seeding ${agents} agents and ${customers.toLocaleString('en')} customers…`);
    const center = await seedCenter(bench.db, { agents, endpointPrefix: 'ag', customers });
    sim = await startSimProcess({
      logDir: ctx.runDir,
      app: BENCH_APP,
      playbackMs: PLAYBACK_MS,
      name: 'simulator-full',
    });
    await registerAgentPhones(sim.client, center.agentEndpoints, RING_MS, talk);
    orch = await startOrchestrator({
      name: 'orchestrator-full',
      runDir: ctx.runDir,
      ariUrl: sim.ariUrl,
      app: BENCH_APP,
      dbUrl: bench.url,
    });
    const settled = await orch.settle(30_000);
    ctx.log(`full: orchestrator up, start-up work over after ${settled.toFixed(0)} s`);
    const s = sim;
    const o = orch;
    const meter = new CpuMeter({
      orchestrator: o.child.pid,
      simulator: s.child.pid,
      harness: process.pid,
      database: databasePid(),
    });
    let stepNo = 0;
    let callNo = 0;

    const runStep = async (rate: number, phase: JudgedStep['phase'] | 'profile' | 'fixed'): Promise<StepOutcome> => {
      const step = ++stepNo;
      const prefix = `fc${step}-`;
      const placedAt = new Map<string, number>();
      const durationMs = phase === 'warmup' ? Math.max(1000, stepMs / 2) : stepMs;
      await o.probe(); // resets the loop-delay window to this step
      const [dbBefore, simBefore] = await Promise.all([serverCounters(bench.db), s.client.stats()]);
      const windowStart = performance.now();
      meter.begin();
      const placement = await placeAtRate({
        rate,
        durationMs,
        place: async (i) => {
          const channelId = `${prefix}${i}`;
          const e164 = demoMobile(center.customers.phoneOffset + (callNo++ % customers));
          placedAt.set(channelId, Date.now());
          const r = await s.client.placeCall({
            from: callNo % 2 ? e164 : e164.slice(3),
            to: BENCH_DID,
            channelId,
            script: [{ atMs: DTMF_AT_MS, dtmf: '1' }],
            hangupAfterMs: CALLER_PATIENCE_MS,
          });
          if (!r.inStasis) throw new Error('call did not enter the app (orchestrator not connected?)');
        },
      });
      const placed = placement.placed.map((p) => `${prefix}${p.index}`);
      // A call lasts set-up + talk; a loaded system gets 3 s more before the step's calls count as lost.
      const deadline = Date.now() + talk + 3000;
      let rows: CdrRow[];
      for (;;) {
        rows = await cdrs(bench.db, prefix);
        const done = rows.filter((r) => r.state === 'ended' || r.state === 'abandoned').length;
        if (done >= placed.length || Date.now() > deadline) break;
        await sleep(200);
      }
      const uploadsOpen = await openJobsAfter(bench.db, UPLOAD_GRACE_MS);
      const cpu = meter.end();
      const windowMs = performance.now() - windowStart;
      const [dbAfter, simAfter] = await Promise.all([serverCounters(bench.db), s.client.stats()]);
      const probe = await o.probe();
      const byId = new Map(rows.map((r) => [r.channel_id, r]));
      const e2e: number[] = [];
      const setup: number[] = [];
      let completed = 0;
      let failed = placement.placeErrors;
      for (const id of placed) {
        const r = byId.get(id);
        if (!r || (r.state !== 'ended' && r.state !== 'abandoned')) continue;
        if (r.disposition !== 'answered' || !r.answered_at || !r.arrived_at) {
          failed++;
          continue;
        }
        completed++;
        e2e.push(r.answered_at.getTime() - (placedAt.get(id) as number));
        setup.push(r.answered_at.getTime() - r.arrived_at.getTime());
      }
      // The next step starts from nothing: whatever this one left behind is hung up.
      let leftOver = 0;
      let broken: string | undefined;
      try {
        leftOver = await s.client.drain();
      } catch (err) {
        broken = (err as Error).message;
      }
      if (!broken && (await openJobsAfter(bench.db, DRAIN_JOBS_MS)) > 0)
        broken = `recording jobs still open ${DRAIN_JOBS_MS / 1000} s after the step`;
      const setupSummary = summarize(setup);
      const calls = Math.max(1, placed.length);
      const perCall = (n: number): number | null => round(n / calls, 2);
      const costPerCall = {
        cpuMs: Object.fromEntries(
          Object.entries(cpu).map(([name, cores]) => [name, cores === null ? null : perCall(cores * windowMs)]),
        ),
        dbStatements: perCall(dbAfter.statements - dbBefore.statements),
        dbCommits: perCall(dbAfter.commits - dbBefore.commits),
        dbFsyncs: perCall(dbAfter.fsyncs - dbBefore.fsyncs),
        ariEvents: perCall(simAfter.eventsSent - simBefore.eventsSent),
      };
      return {
        rate,
        durationMs,
        offered: placement.placed.length + placement.placeErrors,
        completed,
        failed,
        achievedCps: completed / (durationMs / 1000),
        latency: summarize(e2e),
        extra: {
          phase,
          setup: setupSummary,
          cpuCores: cpu,
          costPerCall,
          orchestratorRssMiB: Math.round(probe.rssBytes / 2 ** 20),
          loopDelayP99Ms: round(probe.loop?.p99, 1),
          generatorMaxLagMs: round(placement.maxLagMs, 1),
          channelsLeftOver: leftOver,
          uploadsOpenAfterGrace: uploadsOpen,
          ...(placement.firstError ? { placeError: placement.firstError } : {}),
        },
        ...(broken ? { broken } : {}),
        ...(uploadsOpen > 0
          ? { behind: `${uploadsOpen} recording jobs open ${UPLOAD_GRACE_MS / 1000} s after the calls ended` }
          : {}),
      };
    };

    if (ctx.fixedRates.length > 0)
      return await fixedRateOutcome(ctx, runStep, o, started, { agents, customers, talk, stepSeconds: stepMs / 1000 });

    const poolLimit = agentLimitedRate(agents, talk);
    const factor = ctx.quick ? 1.8 : 1.35;
    const baseline = ctx.hints.ariBaselineCps;
    ctx.log(`full: ${stepMs / 1000} s steps${baseline ? ` (no-op baseline ${baseline.toFixed(0)} calls/s)` : ''}`);
    const result = await findSustainedRate({
      runStep,
      warmupRate: 20,
      referenceRate: 20,
      factor,
      maxRate: poolLimit,
      bisections: ctx.quick ? 1 : 2,
      maxSteps: ctx.quick ? 4 : 16,
      budgetMs: ctx.quick ? 5_000 : 240_000,
      log: ctx.log,
    });
    const best = result.best;
    if (best) ctx.hints.fullCps = best.achievedCps;
    // Every step held: the search stopped at its budget, or at what the agent pool serves; either way the figure
    // is a floor of the orchestrator's rate, not its limit.
    const everyStepHeld = best !== null && !result.steps.some((st) => !st.sustained && st.phase !== 'warmup');
    const cappedByAgents = everyStepHeld && Math.max(...result.steps.map((st) => st.rate)) * factor > poolLimit;
    const floorNote = !everyStepHeld
      ? ''
      : cappedByAgents
        ? `; every step held, up to the ${poolLimit} calls/s the ${agents} agents serve (a floor)`
        : '; every step held until the time budget ran out (a floor)';
    const setup = (best?.extra?.setup as ReturnType<typeof summarize> | undefined) ?? null;

    let profile: Record<string, unknown> | null = null;
    if (ctx.profile && best) {
      // Profile where it hurts: just past the sustained rate, where the orchestrator's own cost decides.
      const lost = result.steps
        .filter((st) => !st.sustained && st.phase !== 'warmup' && st.rate > best.rate)
        .map((st) => st.rate);
      const rate = lost.length ? Math.min(...lost) : Math.round(best.rate * 1.5);
      const file = join(ctx.runDir, 'orchestrator-full.cpuprofile');
      ctx.log(`full: profiling one more step at ${rate}/s → ${file}`);
      await o.profileStart();
      const st = await runStep(rate, 'profile');
      await o.profileStop(file);
      profile = { file, rate, cpuCores: st.extra?.cpuCores, top: summariseProfile(file, 25) };
    }

    return {
      scenario: 'full',
      status: best ? 'ok' : 'failed',
      note: best
        ? `${best.achievedCps.toFixed(1)} calls/s sustained; set-up p50 ${setup?.p50.toFixed(0)} ms, p99 ${setup?.p99.toFixed(0)} ms` +
          floorNote
        : 'even the reference rate was not sustained',
      seconds: (Date.now() - started) / 1000,
      figures: {
        full_cps: round(best?.achievedCps, 1),
        setup_p50_ms: round(setup?.p50, 1),
        setup_p99_ms: round(setup?.p99, 1),
      },
      details: {
        agents,
        agentLimitedRate: poolLimit,
        cappedByAgents,
        customers,
        startupSettleSeconds: round(settled, 1),
        stepSeconds: stepMs / 1000,
        simulated: {
          promptMs: PLAYBACK_MS,
          dtmfAtMs: DTMF_AT_MS,
          agentRingMs: RING_MS,
          talkMs: talk,
          note: 'set-up latency includes the caller pressing 1 at 40 ms and the agent phone ringing 20 ms',
        },
        referenceP50Ms: round(result.referenceP50, 1),
        steps: result.steps.map((st) => ({
          phase: st.phase,
          rate: st.rate,
          offered: st.offered,
          completed: st.completed,
          failed: st.failed,
          cps: round(st.achievedCps, 1),
          placedToBridgedMs: { p50: round(st.latency.p50, 1), p99: round(st.latency.p99, 1) },
          setupMs: st.extra?.setup ? roundSummary(st.extra.setup as ReturnType<typeof summarize>, 1) : null,
          held: st.sustained,
          why: st.why,
          cpuCores: st.extra?.cpuCores,
          costPerCall: st.extra?.costPerCall,
          orchestratorRssMiB: st.extra?.orchestratorRssMiB,
          loopDelayP99Ms: st.extra?.loopDelayP99Ms,
          generatorMaxLagMs: st.extra?.generatorMaxLagMs,
          channelsLeftOver: st.extra?.channelsLeftOver,
          uploadsOpenAfterGrace: st.extra?.uploadsOpenAfterGrace,
        })),
        ...(profile ? { profile } : {}),
      },
      ...(ctx.quick
        ? {
            reduced: `${customers.toLocaleString('en')} customers, ${agents} agents talking ${talk} ms, 1.5 s steps, ×1.8 rate steps, one bisection, 5 s budget (100,000, 1,500, 1000 ms, 4 s, ×1.35, two, 240 s)`,
          }
        : {}),
    };
  } finally {
    await orch?.stop();
    await sim?.stop();
    await bench.drop();
  }
}

/**
 * `--rate`: a warm-up (20 calls/s, then half the lowest rate), then one step at each rate, with what each call cost
 * every process and the database. No sustained rate is claimed (the headline figures stay empty); compare two
 * versions of the code at the same rates, back to back.
 */
async function fixedRateOutcome(
  ctx: BenchContext,
  runStep: (rate: number, phase: 'warmup' | 'fixed') => Promise<StepOutcome>,
  orchestrator: Pick<RunningOrchestrator, 'profileStart' | 'profileStop'>,
  started: number,
  shape: { agents: number; customers: number; talk: number; stepSeconds: number },
): Promise<ScenarioOutcome> {
  // The code is compiled for the load before a measured step begins.
  await runStep(20, 'warmup');
  await runStep(Math.max(20, Math.round(Math.min(...ctx.fixedRates) / 2)), 'warmup');
  const steps: Record<string, unknown>[] = [];
  for (const rate of ctx.fixedRates) {
    // With --profile each fixed step is profiled itself (its CPU figures then include the profiler's cost).
    const file = ctx.profile ? join(ctx.runDir, `orchestrator-full-${rate}.cpuprofile`) : null;
    if (file) await orchestrator.profileStart();
    const st = await runStep(rate, 'fixed');
    if (file) await orchestrator.profileStop(file);
    const setup = st.extra?.setup as ReturnType<typeof summarize> | undefined;
    const cost = st.extra?.costPerCall as { cpuMs: Record<string, number | null>; dbStatements: number | null };
    ctx.log(
      `  fixed     ${String(rate).padStart(5)}/s: ${st.completed}/${st.offered} done, set-up p50 ${setup?.p50.toFixed(0)} ms; ` +
        `CPU ms per call ${Object.entries(cost.cpuMs)
          .map(([name, ms]) => `${name} ${ms ?? '?'}`)
          .join(', ')}; ${cost.dbStatements} statements per call`,
    );
    steps.push({
      rate,
      offered: st.offered,
      completed: st.completed,
      failed: st.failed,
      setupMs: setup ? roundSummary(setup, 1) : null,
      costPerCall: st.extra?.costPerCall,
      cpuCores: st.extra?.cpuCores,
      loopDelayP99Ms: st.extra?.loopDelayP99Ms,
      uploadsOpenAfterGrace: st.extra?.uploadsOpenAfterGrace,
      ...(file ? { profile: { file, top: summariseProfile(file, 25) } } : {}),
      ...(st.broken ? { broken: st.broken } : {}),
    });
  }
  return {
    scenario: 'full',
    status: 'ok',
    note: `fixed rates ${ctx.fixedRates.join(', ')} calls/s (--rate): cost per call in details.fixed, no sustained rate`,
    seconds: (Date.now() - started) / 1000,
    figures: {},
    details: { ...shape, fixed: steps },
  };
}

/**
 * The highest rate the agent pool serves without calls waiting for an agent (each is busy for its ring, its talk
 * and about 150 ms of set-up and hang-up around them), with a tenth to spare: above it the step measures the pool.
 */
export function agentLimitedRate(agents: number, talk: number): number {
  return Math.floor((0.9 * agents) / ((RING_MS + talk + 150) / 1000));
}

/**
 * Jobs not finished (the recordings' uploads, and any deletion of a source Asterisk refused), once there are none
 * or `waitMs` has passed.
 */
async function openJobsAfter(db: Db, waitMs: number): Promise<number> {
  const by = Date.now() + waitMs;
  for (;;) {
    const row = (await db('jobs').whereIn('state', ['pending', 'running']).count({ n: '*' }).first()) as {
      n: number | string;
    };
    const open = Number(row.n);
    if (open === 0 || Date.now() >= by) return open;
    await sleep(100);
  }
}

async function cdrs(db: Db, prefix: string): Promise<CdrRow[]> {
  return (await db('calls')
    .where('channel_id', 'like', `${prefix}%`)
    .select('channel_id', 'state', 'disposition', 'arrived_at', 'answered_at')) as CdrRow[];
}
