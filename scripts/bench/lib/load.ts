/**
 * Open-loop load: calls are placed on a clock at the offered rate whatever the system does with them (a closed
 * loop would slow down with the system and hide its saturation). The generator reports how far it fell behind
 * its own clock, so an offered rate the harness itself could not produce is never mistaken for one the system
 * under test sustained.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from './procs.js';

export interface PlacementResult {
  /** Calls whose placement request succeeded, with the time it was sent (epoch ms). */
  readonly placed: Array<{ readonly index: number; readonly at: number }>;
  readonly placeErrors: number;
  readonly firstError: string | null;
  /** From the first to the last placement. */
  readonly spanMs: number;
  /** The worst lateness of a placement against the generator's clock. */
  readonly maxLagMs: number;
}

export async function placeAtRate(o: {
  readonly rate: number;
  readonly durationMs: number;
  readonly place: (index: number) => Promise<void>;
  readonly maxInFlight?: number;
  readonly firstIndex?: number;
}): Promise<PlacementResult> {
  const total = Math.max(1, Math.round((o.rate * o.durationMs) / 1000));
  const interval = 1000 / o.rate;
  const maxInFlight = o.maxInFlight ?? 64;
  const placed: Array<{ index: number; at: number }> = [];
  let placeErrors = 0;
  let firstError: string | null = null;
  let inFlight = 0;
  let maxLagMs = 0;
  const pending = new Set<Promise<void>>();
  const start = performance.now();
  const startEpoch = Date.now();
  for (let k = 0; k < total; k++) {
    const due = start + k * interval;
    let now = performance.now();
    if (due > now + 1) {
      await sleep(Math.floor(due - now));
      now = performance.now();
    }
    while (inFlight >= maxInFlight) {
      await Promise.race(pending);
      now = performance.now();
    }
    maxLagMs = Math.max(maxLagMs, now - due);
    const index = (o.firstIndex ?? 0) + k;
    const at = startEpoch + (now - start);
    inFlight++;
    const p = o.place(index).then(
      () => {
        placed.push({ index, at });
      },
      (err: unknown) => {
        placeErrors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      },
    );
    const tracked = p.finally(() => {
      inFlight--;
      pending.delete(tracked);
    });
    pending.add(tracked);
  }
  await Promise.all(pending);
  placed.sort((a, b) => a.at - b.at);
  const spanMs =
    placed.length > 1 ? (placed[placed.length - 1] as { at: number }).at - (placed[0] as { at: number }).at : 0;
  return { placed, placeErrors, firstError, spanMs, maxLagMs };
}

// --- CPU time of processes (Linux /proc), to show who was busy during a step ------------------------------------

let clockTicks: number | null = null;
function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU time (user + system) a process has used, in ms; null when it cannot be read. */
export function cpuMsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / ticksPerSecond() : null;
  } catch {
    return null;
  }
}

/** The local database server's pid (mariadbd / mysqld), to account its CPU too; null if not visible. */
export function databasePid(): number | null {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
        if (comm === 'mariadbd' || comm === 'mysqld') return Number(entry);
      } catch {
        // process ended meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return null;
}

/** CPU use of several processes over a window, as a share of one core (1.0 = one core busy). */
export class CpuMeter {
  private readonly start = new Map<string, number | null>();
  private startedAt = 0;
  constructor(private readonly pids: Readonly<Record<string, number | null>>) {}

  begin(): void {
    this.startedAt = performance.now();
    for (const [name, pid] of Object.entries(this.pids)) this.start.set(name, pid === null ? null : cpuMsOf(pid));
  }

  /** Cores used per process since begin(), e.g. { orchestrator: 0.93, simulator: 0.41 }. */
  end(): Record<string, number | null> {
    const wall = performance.now() - this.startedAt;
    const out: Record<string, number | null> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const a = this.start.get(name);
      const b = pid === null ? null : cpuMsOf(pid);
      out[name] = a == null || b == null || wall <= 0 ? null : Math.round(((b - a) / wall) * 100) / 100;
    }
    return out;
  }
}

/** `--rate 300,400 --rate 500` → [300, 400, 500]; null when any is not a whole number of calls per second in range. */
export function parseRates(args: readonly string[]): number[] | null {
  const rates = args.flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean);
  const out = rates.map(Number);
  return out.every((r) => Number.isInteger(r) && r >= 1 && r <= 5000) ? out : null;
}

/**
 * `--full-cps`: the rate concurrency ramps from when full does not run before it (concurrency alone ramps at its
 * default). Undefined when not given, null when it is not one whole rate or would be ignored.
 */
export function parseFullCpsHint(arg: string | undefined, scenarios: readonly string[]): number | undefined | null {
  if (arg === undefined) return undefined;
  const rates = parseRates([arg]);
  if (rates?.length !== 1 || scenarios.includes('full') || !scenarios.includes('concurrency')) return null;
  return rates[0];
}
