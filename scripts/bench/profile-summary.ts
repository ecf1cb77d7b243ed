/**
 * `npx tsx scripts/bench/profile-summary.ts FILE.cpuprofile [top]`: where the orchestrator's CPU went during a
 * profiled benchmark step (self time by function and by module).
 */
import { summariseProfile } from './lib/profile.js';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: profile-summary FILE.cpuprofile [top]\n');
  process.exit(2);
}
const top = topArg ? Number(topArg) : 30;
if (!Number.isInteger(top) || top <= 0) {
  process.stderr.write('top must be a positive whole number\n');
  process.exit(2);
}
try {
  const s = summariseProfile(file, top);
  process.stdout.write(`${file}: ${s.totalMs} ms sampled, ${s.idlePct}% idle\n\nby module (self time):\n`);
  for (const m of s.modules)
    process.stdout.write(`  ${m.selfPct.toFixed(1).padStart(5)}%  ${m.selfMs.toFixed(1).padStart(8)} ms  ${m.where}\n`);
  process.stdout.write('\nby function (self time):\n');
  for (const f of s.functions)
    process.stdout.write(`  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(1).padStart(8)} ms  ${f.where}\n`);
} catch (err) {
  process.stderr.write(`profile-summary: ${(err as Error).message}\n`);
  process.exit(1);
}
