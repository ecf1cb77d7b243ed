/**
 * Reads a V8 .cpuprofile and says where the time went: self time by function (file:line) and by module (our
 * source files one by one, node_modules by package, node internals together). Used by `--profile` and by
 * `npx tsx scripts/bench/profile-summary.ts FILE`.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './procs.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  readonly where: string;
  readonly selfMs: number;
  readonly selfPct: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Share of samples spent idle (waiting for I/O): what is left for more calls. */
  readonly idlePct: number;
  readonly functions: HotSpot[];
  readonly modules: HotSpot[];
}

function place(url: string): string {
  if (!url) return '(native)';
  let path = url;
  if (url.startsWith('file://')) {
    try {
      path = fileURLToPath(url);
    } catch {
      path = url;
    }
  }
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + 'node_modules/'.length).split('/');
    return `npm:${parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  if (path.startsWith('node:') || !path.startsWith('/')) return `node:${path.replace(/^node:/, '')}`;
  return relative(REPO_ROOT, path);
}

export function summariseProfile(file: string, top = 20): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // The probe's own work (stopping and serialising this profile) is not the orchestrator's: leave it out.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const probeNodes = new Set<number>();
  for (const n of p.nodes) {
    for (let cur: number | undefined = n.id; cur !== undefined; cur = parent.get(cur)) {
      if (byId.get(cur)?.callFrame.url.includes('scripts/bench/probe.ts')) {
        probeNodes.add(n.id);
        break;
      }
    }
  }
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i] as number;
    if (probeNodes.has(id)) continue;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  let total = 0;
  let idle = 0;
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
      if (name === '(idle)') idle += us;
      fn.set(name, (fn.get(name) ?? 0) + us);
      mod.set(name, (mod.get(name) ?? 0) + us);
      continue;
    }
    const where = place(n.callFrame.url);
    const key = `${name} ${where}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    mod.set(where, (mod.get(where) ?? 0) + us);
  }
  const rank = (m: Map<string, number>): HotSpot[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, us]) => ({
        where,
        selfMs: Math.round(us / 100) / 10,
        selfPct: total ? Math.round((us / total) * 1000) / 10 : 0,
      }));
  return {
    totalMs: Math.round(total / 1000),
    idlePct: total ? Math.round((idle / total) * 1000) / 10 : 0,
    functions: rank(fn),
    modules: rank(mod),
  };
}
