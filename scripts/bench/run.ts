/**
 * `npm run bench [-- --quick] [--json] [--only <scenario>[,<scenario>]] [--profile]`
 *
 * Runs the benchmarks of DESIGN.md "Targets" against the simulator and a local MariaDB, each component in its own
 * process, and prints a table for people; with --json the LAST line of stdout is one JSON object with the
 * headline keys (lib/report.ts RESULT_KEYS). Progress goes to stderr. Exit code: 0 when every scenario that ran
 * finished (targets missed are reported, not fatal), 1 when a scenario failed, 2 on bad arguments.
 */
import { cpus, totalmem } from 'node:os';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchContext } from './lib/context.js';
import { serverVersion } from './lib/db.js';
import { parseFullCpsHint, parseRates } from './lib/load.js';
import { REPO_ROOT, stopAll } from './lib/procs.js';
import {
  bracketBaseline,
  buildReport,
  formatTable,
  isScenarioName,
  SCENARIOS,
  type Machine,
  type ScenarioName,
  type ScenarioOutcome,
} from './lib/report.js';
import { runAriBaseline } from './scenarios/ari_baseline.js';
import { runAriScript } from './scenarios/ari_script.js';
import { runConcurrency } from './scenarios/concurrency.js';
import { runFull } from './scenarios/full.js';
import { runIdentify } from './scenarios/identify.js';
import { runOfferLatency } from './scenarios/offer_latency.js';
import { runReport } from './scenarios/report.js';

const USAGE = `usage: npm run bench -- [--quick] [--json] [--only ${SCENARIOS.join('|')}[,...]] [--profile] [--rate <calls/s>[,...]] [--full-cps <calls/s>]
  --quick     reduced counts, every scenario, under a minute (the JSON says what was reduced)
  --json      print one JSON object as the last line of stdout
  --only      run only these scenarios (comma-separated or repeated)
  --profile   write CPU profiles of the orchestrator's measured windows (full, each --rate step, concurrency) to the run directory
  --rate      full runs one step at each of these rates instead of its search, with the CPU of each process and
              the database's statements per call (compare two versions of the code back to back)
  --full-cps  concurrency without full in the same run: ramp as if full had sustained this rate (default 40 calls/s)`;

/**
 * Order matters: full's ratio needs ari_baseline of the same run (measured again after full); concurrency uses
 * full's rate as its ramp.
 */
const RUNNERS: Record<ScenarioName, (ctx: BenchContext) => Promise<ScenarioOutcome>> = {
  ari_baseline: runAriBaseline,
  ari_script: runAriScript,
  full: runFull,
  offer_latency: runOfferLatency,
  concurrency: runConcurrency,
  identify: runIdentify,
  report: runReport,
};

function machine(mariadb: string | null): Machine {
  const list = cpus();
  return {
    nproc: list.length,
    cpu: list[0]?.model.trim() ?? 'unknown',
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    mariadb,
  };
}

async function main(): Promise<number> {
  let values: { quick?: boolean; json?: boolean; only?: string[]; profile?: boolean; rate?: string[]; 'full-cps'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true },
        profile: { type: 'boolean', default: false },
        rate: { type: 'string', multiple: true },
        'full-cps': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const only = (values.only ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = only.filter((s) => !isScenarioName(s));
  if (unknown.length) {
    process.stderr.write(`unknown scenario: ${unknown.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const selected = SCENARIOS.filter((s) => only.length === 0 || only.includes(s));
  const fixedRates = parseRates(values.rate ?? []);
  if (fixedRates === null || (fixedRates.length > 0 && !selected.includes('full'))) {
    process.stderr.write(
      `--rate takes whole calls per second from 1 to 5000, comma-separated, and applies to full\n${USAGE}\n`,
    );
    return 2;
  }

  const fullCps = parseFullCpsHint(values['full-cps'], selected);
  if (fullCps === null) {
    process.stderr.write(`--full-cps takes one whole rate from 1 to 5000, for concurrency run without full\n${USAGE}\n`);
    return 2;
  }

  const date = new Date();
  const runDir = join(REPO_ROOT, 'data', 'bench', date.toISOString().replace(/[:.]/g, '-'));
  mkdirSync(runDir, { recursive: true });
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const ctx: BenchContext = {
    quick: values.quick ?? false,
    runDir,
    profile: values.profile ?? false,
    fixedRates,
    log,
    hints: fullCps ? { fullCps } : {},
  };
  log(`bench: ${selected.join(', ')}${ctx.quick ? ' (quick)' : ''}; logs in ${runDir}`);

  const stop = (): void => {
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const run = async (name: ScenarioName): Promise<ScenarioOutcome> => {
    const t0 = Date.now();
    try {
      return await RUNNERS[name](ctx);
    } catch (err) {
      log(`${name}: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      await stopAll();
      return {
        scenario: name,
        status: 'failed',
        note: err instanceof Error ? err.message.split('\n')[0] : String(err),
        seconds: (Date.now() - t0) / 1000,
        figures: {},
        details: {},
      };
    }
  };
  const outcomes: ScenarioOutcome[] = [];
  for (const name of selected) {
    const outcome = await run(name);
    outcomes.push(outcome);
    // full's ratio takes the mean of a baseline before it and one after it (lib/report.ts bracketBaseline); a
    // quick run keeps to its minute, and a full that found no sustained rate (--rate, a failure) has no ratio.
    const before = outcomes.find((o) => o.scenario === 'ari_baseline');
    if (name === 'full' && before && !ctx.quick && outcome.figures.full_cps != null) {
      log('ari_baseline: once more, after full');
      outcomes.splice(outcomes.indexOf(before), 1, bracketBaseline(before, await run('ari_baseline')));
    }
  }

  const report = buildReport(outcomes, { quick: ctx.quick, date, machine: machine(await serverVersion()) });
  process.stdout.write(`${formatTable(report)}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await stopAll();
    process.exit(1);
  },
);
