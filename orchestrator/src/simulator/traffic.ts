/**
 * Scripted caller traffic for demos and benchmarks: places calls on the simulator at a steady rate, each with
 * a caller script (DTMF choices, talk time or abandon patience), through the control API.
 *
 * In-process: `runTraffic({ target: sim.control, ... })`. Over HTTP:
 *   tsx orchestrator/src/simulator/traffic.ts --url http://127.0.0.1:8088 --cps 20 --seconds 60 \
 *       --did 4007188668 --dtmf 1:3,2:1 --talk-ms 30000 --abandon 0.1 --patience-ms 20000
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CallScriptStep, PlaceCallInput } from './control.js';

/** Anything that can place a call: `Control` in-process, or `httpTarget(url)`. */
export interface CallTarget {
  placeCall(input: PlaceCallInput): { channelId: string } | Promise<{ channelId: string }>;
}

export type Distribution =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** Exponential with the given mean, clamped to [minMs, maxMs]. */
  | { kind: 'exponential'; meanMs: number; minMs?: number; maxMs?: number };

export interface TrafficOptions {
  target: CallTarget;
  /** New calls per second (may be fractional). */
  callsPerSecond: number;
  /** Stop placing new calls after this long. */
  durationMs: number;
  /** DIDs dialled, chosen uniformly. */
  dids: string[];
  trunk?: string;
  /** Caller numbers are `callerPrefix` + a counter. */
  callerPrefix?: string;
  /** Weighted DTMF choices sent once, `dtmfAfterMs` after entering the app; empty = no DTMF. */
  dtmf?: { digits: string; weight: number }[];
  dtmfAfterMs?: number;
  /** How long a caller who stays keeps the line (from entering the app to hanging up). */
  talk: Distribution;
  /** Share of callers who give up early, and how long they wait before hanging up. */
  abandonProbability?: number;
  patience?: Distribution;
  /** Never exceed this many calls placed but not yet ended (by the caller's own script). */
  maxConcurrent?: number;
  /** Seed for a repeatable run. */
  seed?: number;
  signal?: AbortSignal;
}

export interface TrafficSummary {
  placed: number;
  failed: number;
  abandoning: number;
  withDtmf: number;
  skippedForConcurrency: number;
  elapsedMs: number;
  errors: string[];
}

/** Small, fast, seedable PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sample(d: Distribution, rand: () => number): number {
  switch (d.kind) {
    case 'fixed':
      return d.ms;
    case 'uniform':
      return d.minMs + rand() * (d.maxMs - d.minMs);
    case 'exponential': {
      const v = -d.meanMs * Math.log(1 - rand());
      return Math.min(d.maxMs ?? Infinity, Math.max(d.minMs ?? 0, v));
    }
  }
}

function pickWeighted<T extends { weight: number }>(items: T[], rand: () => number): T | undefined {
  const total = items.reduce((s, i) => s + Math.max(0, i.weight), 0);
  if (total <= 0) return undefined;
  let r = rand() * total;
  for (const i of items) {
    r -= Math.max(0, i.weight);
    if (r < 0) return i;
  }
  return items[items.length - 1];
}

export function validateTraffic(o: TrafficOptions): void {
  if (!(o.callsPerSecond > 0)) throw new Error('callsPerSecond must be > 0');
  if (!(o.durationMs >= 0)) throw new Error('durationMs must be >= 0');
  if (!o.dids.length) throw new Error('at least one DID is required');
  const p = o.abandonProbability ?? 0;
  if (p < 0 || p > 1) throw new Error('abandonProbability must be within [0, 1]');
  if (p > 0 && !o.patience) throw new Error('patience is required when abandonProbability > 0');
}

/** Runs until durationMs has passed (or the signal aborts) and returns what was placed. */
export async function runTraffic(o: TrafficOptions): Promise<TrafficSummary> {
  validateTraffic(o);
  const rand = rng(o.seed ?? 1);
  const summary: TrafficSummary = { placed: 0, failed: 0, abandoning: 0, withDtmf: 0, skippedForConcurrency: 0, elapsedMs: 0, errors: [] };
  const start = Date.now();
  const intervalMs = 1000 / o.callsPerSecond;
  const endsAt: number[] = []; // scheduled end times of live calls (min-heap would do; calls end roughly FIFO)
  let n = 0;
  const inFlight = new Set<Promise<void>>();

  while (!o.signal?.aborted) {
    const due = start + n * intervalMs;
    if (due - start > o.durationMs) break;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (o.signal?.aborted) break;
    n++;
    const now = Date.now();
    while (endsAt.length && endsAt[0]! <= now) endsAt.shift();
    if (o.maxConcurrent !== undefined && endsAt.length >= o.maxConcurrent) {
      summary.skippedForConcurrency++;
      continue;
    }
    const abandon = rand() < (o.abandonProbability ?? 0);
    const stayMs = Math.round(abandon ? sample(o.patience!, rand) : sample(o.talk, rand));
    const script: CallScriptStep[] = [];
    const choice = o.dtmf?.length ? pickWeighted(o.dtmf, rand) : undefined;
    if (choice && (o.dtmfAfterMs ?? 0) < stayMs) {
      script.push({ atMs: o.dtmfAfterMs ?? 0, dtmf: choice.digits });
      summary.withDtmf++;
    }
    if (abandon) summary.abandoning++;
    const input: PlaceCallInput = {
      from: `${o.callerPrefix ?? '+86138'}${String(100000 + n).padStart(6, '0')}`,
      to: o.dids[Math.floor(rand() * o.dids.length)]!,
      trunk: o.trunk,
      script,
      hangupAfterMs: stayMs,
    };
    const end = now + stayMs;
    let i = endsAt.length;
    while (i > 0 && endsAt[i - 1]! > end) i--;
    endsAt.splice(i, 0, end);
    const p = Promise.resolve()
      .then(() => o.target.placeCall(input))
      .then(
        () => {
          summary.placed++;
        },
        (err: unknown) => {
          summary.failed++;
          if (summary.errors.length < 20) summary.errors.push(err instanceof Error ? err.message : String(err));
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  summary.elapsedMs = Date.now() - start;
  return summary;
}

/** A CallTarget that speaks the `/_sim/` control API over HTTP (keep-alive via fetch). */
export function httpTarget(baseUrl: string, timeoutMs = 5000): CallTarget {
  const url = baseUrl.replace(/\/+$/, '') + '/_sim/calls';
  return {
    async placeCall(input) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await res.json()) as { channelId?: string; message?: string };
      if (res.status !== 201 || typeof body.channelId !== 'string') throw new Error(`placeCall: ${res.status} ${body.message ?? ''}`);
      return { channelId: body.channelId };
    },
  };
}

function parseDtmf(spec: string): { digits: string; weight: number }[] {
  if (!spec) return [];
  return spec.split(',').map((part) => {
    const [digits = '', w = '1'] = part.split(':');
    const weight = Number(w);
    if (!/^[0-9*#A-D]+$/.test(digits) || !(weight >= 0)) throw new Error(`bad --dtmf entry "${part}" (want DIGITS:WEIGHT)`);
    return { digits, weight };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8088' },
      cps: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '60' },
      did: { type: 'string', multiple: true, default: ['4007188668'] },
      trunk: { type: 'string' },
      dtmf: { type: 'string', default: '' },
      'dtmf-after-ms': { type: 'string', default: '3000' },
      'talk-ms': { type: 'string', default: '30000' },
      abandon: { type: 'string', default: '0' },
      'patience-ms': { type: 'string', default: '20000' },
      'max-concurrent': { type: 'string' },
      seed: { type: 'string', default: '1' },
    },
    strict: true,
  });
  const num = (name: string, v: string | undefined): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || x < 0) throw new Error(`--${name} must be a number >= 0`);
    return x;
  };
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  const summary = await runTraffic({
    target: httpTarget(values.url),
    callsPerSecond: num('cps', values.cps),
    durationMs: num('seconds', values.seconds) * 1000,
    dids: values.did ?? [],
    trunk: values.trunk,
    dtmf: parseDtmf(values.dtmf ?? ''),
    dtmfAfterMs: num('dtmf-after-ms', values['dtmf-after-ms']),
    talk: { kind: 'exponential', meanMs: num('talk-ms', values['talk-ms']), minMs: 1000 },
    abandonProbability: num('abandon', values.abandon),
    patience: { kind: 'exponential', meanMs: num('patience-ms', values['patience-ms']), minMs: 500 },
    maxConcurrent: values['max-concurrent'] === undefined ? undefined : num('max-concurrent', values['max-concurrent']),
    seed: num('seed', values.seed),
    signal: ac.signal,
  });
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(`traffic: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
