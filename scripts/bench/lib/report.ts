/**
 * The benchmark's output: the headline JSON object (its keys are a contract: CI and docs read them) and the table
 * for people. Pure: the unit test checks the key set and the target verdicts.
 */

/** The keys `--json` always prints (null when a scenario did not run or could not measure). */
export const RESULT_KEYS = [
  'ari_baseline_cps',
  'full_cps',
  'full_vs_baseline',
  'setup_p50_ms',
  'setup_p99_ms',
  'offer_p50_ms',
  'offer_p99_ms',
  'offer_commit_p99_ms',
  'rss_mb_at_10k',
  'loop_delay_p99_ms_at_10k',
  'identify_p99_ms',
  'identify_vs_raw',
  'ari_script_cps',
  'full_vs_script',
  'script_vs_baseline',
  'report_daily_s',
] as const;

export type ResultKey = (typeof RESULT_KEYS)[number];

export const SCENARIOS = [
  'ari_baseline',
  'ari_script',
  'full',
  'offer_latency',
  'concurrency',
  'identify',
  'report',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenarioName(v: string): v is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(v);
}

export type Headline = Record<ResultKey, number | null>;

export interface ScenarioOutcome {
  readonly scenario: ScenarioName;
  readonly status: 'ok' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  readonly note?: string;
  readonly seconds: number;
  /** Headline figures this scenario measured. */
  readonly figures: Partial<Headline>;
  /** Everything else worth keeping (steps, distributions, counts). */
  readonly details: Record<string, unknown>;
  /** What --quick reduced in this scenario. */
  readonly reduced?: string;
}

export interface Machine {
  readonly nproc: number;
  readonly cpu: string;
  readonly ramGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly mariadb: string | null;
}

export interface BenchReport extends Headline {
  /** false for a full run; with --quick, what each scenario reduced. */
  readonly quick: false | Record<string, string>;
  readonly date: string;
  readonly machine: Machine;
  readonly scenarios: Record<
    string,
    { status: string; note?: string; seconds: number; details: Record<string, unknown> }
  >;
  readonly targets: TargetVerdict[];
}

export function emptyHeadline(): Headline {
  return Object.fromEntries(RESULT_KEYS.map((k) => [k, null])) as Headline;
}

/** Merges the scenarios' outcomes into the one JSON object printed last. */
export function buildReport(
  outcomes: readonly ScenarioOutcome[],
  meta: { quick: boolean; date: Date; machine: Machine },
): BenchReport {
  const headline = emptyHeadline();
  for (const o of outcomes) {
    for (const [k, v] of Object.entries(o.figures)) {
      if ((RESULT_KEYS as readonly string[]).includes(k)) headline[k as ResultKey] = v ?? null;
    }
  }
  // A ratio is only meaningful when both sides ran in this very run (the whole point of ratios).
  headline.full_vs_baseline = ratio(headline.full_cps, headline.ari_baseline_cps);
  headline.full_vs_script = ratio(headline.full_cps, headline.ari_script_cps);
  headline.script_vs_baseline = ratio(headline.ari_script_cps, headline.ari_baseline_cps);
  const quick: false | Record<string, string> = meta.quick
    ? Object.fromEntries(outcomes.filter((o) => o.reduced).map((o) => [o.scenario, o.reduced as string]))
    : false;
  const scenarios: BenchReport['scenarios'] = {};
  for (const o of outcomes)
    scenarios[o.scenario] = {
      status: o.status,
      ...(o.note ? { note: o.note } : {}),
      seconds: Math.round(o.seconds * 10) / 10,
      details: o.details,
    };
  return {
    ...headline,
    quick,
    date: meta.date.toISOString(),
    machine: meta.machine,
    scenarios,
    targets: verdicts(headline),
  };
}

const STATUS_RANK: Record<ScenarioOutcome['status'], number> = { ok: 0, skipped: 1, failed: 2 };

/**
 * The no-op app measured twice, before `ari_script` and `full` and again after them, as one outcome. On a shared
 * machine the speed moves by up to a factor of two within minutes, so one baseline taken four minutes before
 * `full` can put the ratio's two sides at different speeds; the mean of two taken around it is closer to the
 * speed `full` ran at, and the drift between them says how far to trust the ratio. A run that failed leaves the
 * other's figure standing and the merged outcome failed.
 */
export function bracketBaseline(before: ScenarioOutcome, after: ScenarioOutcome): ScenarioOutcome {
  const first = before.figures.ari_baseline_cps ?? null;
  const second = after.figures.ari_baseline_cps ?? null;
  const cps = first != null && second != null ? Math.round(((first + second) / 2) * 10) / 10 : (first ?? second);
  const worse = STATUS_RANK[after.status] > STATUS_RANK[before.status] ? after : before;
  const fmtCps = (v: number | null): string => (v == null ? 'not measured' : `${v} calls/s`);
  return {
    scenario: 'ari_baseline',
    status: worse.status,
    note:
      `${fmtCps(cps)} (mean of ${fmtCps(first)} before full, ${fmtCps(second)} after)` +
      (worse.status === 'ok' ? '' : `; ${worse === after ? 'after' : 'before'}: ${worse.note ?? worse.status}`),
    seconds: before.seconds + after.seconds,
    figures: { ari_baseline_cps: cps },
    details: {
      beforeCps: first,
      afterCps: second,
      drift: ratio(second, first),
      before: before.details,
      after: after.details,
    },
  };
}

function ratio(a: number | null, b: number | null): number | null {
  return a != null && b != null && b > 0 ? Math.round((a / b) * 1000) / 1000 : null;
}

export interface TargetVerdict {
  readonly target: string;
  readonly key: ResultKey;
  readonly value: number | null;
  readonly limit: string;
  /** null = not measured in this run. */
  readonly met: boolean | null;
}

/** The targets of DESIGN.md ("Targets"), checked against the headline figures. */
export function verdicts(h: Headline): TargetVerdict[] {
  const check = (target: string, key: ResultKey, limit: string, ok: (v: number) => boolean): TargetVerdict => {
    const value = h[key];
    return { target, key, value, limit, met: value == null ? null : ok(value) };
  };
  return [
    check('full handling vs no-op Stasis app', 'full_vs_baseline', '>= 0.5', (v) => v >= 0.5),
    check('queue entry → agent offer p99', 'offer_p99_ms', '< 5 ms', (v) => v < 5),
    check('caller identification p99 (1M customers)', 'identify_p99_ms', '< 5 ms', (v) => v < 5),
    check('resident memory at 10k connected calls', 'rss_mb_at_10k', '< 1024 MiB', (v) => v < 1024),
    check('event-loop delay p99 at 10k connected calls', 'loop_delay_p99_ms_at_10k', '< 50 ms', (v) => v < 50),
    check('daily report over 1M calls', 'report_daily_s', '< 10 s', (v) => v < 10),
  ];
}

function fmt(v: number | null | undefined, unit = ''): string {
  if (v == null || !Number.isFinite(v)) return '—';
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  return unit ? `${s} ${unit}` : s;
}

const LABELS: Record<ResultKey, [string, string]> = {
  ari_baseline_cps: ['no-op Stasis app (ARI pipeline limit)', 'calls/s'],
  full_cps: ['full call handling, sustained', 'calls/s'],
  full_vs_baseline: ['full / no-op', ''],
  setup_p50_ms: ['call set-up (entered app → bridged) p50', 'ms'],
  setup_p99_ms: ['call set-up (entered app → bridged) p99', 'ms'],
  offer_p50_ms: ['queue entry / agent free → offer p50', 'ms'],
  offer_p99_ms: ['queue entry / agent free → offer p99', 'ms'],
  offer_commit_p99_ms: ['one bare UPDATE commit p99 (floor of the offer)', 'ms'],
  rss_mb_at_10k: ['orchestrator RSS at top concurrency', 'MiB'],
  loop_delay_p99_ms_at_10k: ['event-loop delay p99 at top concurrency', 'ms'],
  identify_p99_ms: ['caller identification p99', 'ms'],
  identify_vs_raw: ['identification / raw indexed query (p50)', ''],
  ari_script_cps: ["a full call's ARI requests, no logic", 'calls/s'],
  full_vs_script: ['full / scripted ARI', ''],
  script_vs_baseline: ['scripted ARI / no-op (ceiling of full / no-op)', ''],
  report_daily_s: ['daily report build over 1M calls', 's'],
};

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The human table: headline figures, then the target verdicts, then scenario notes. */
export function formatTable(r: BenchReport): string {
  const lines: string[] = [];
  lines.push(`Ariadne benchmarks — ${r.date}${r.quick ? ' (QUICK: reduced counts, see below)' : ''}`);
  lines.push(
    `machine: ${r.machine.nproc} CPU (${r.machine.cpu}), ${r.machine.ramGiB} GiB RAM, node ${r.machine.node}, ${r.machine.mariadb ?? 'MariaDB ?'}`,
  );
  lines.push('');
  const w = Math.max(...Object.values(LABELS).map(([l]) => l.length)) + 2;
  for (const k of RESULT_KEYS) {
    const [label, unit] = LABELS[k];
    lines.push(`  ${pad(label, w)}${fmt(r[k], unit)}`);
  }
  lines.push('');
  lines.push('targets:');
  for (const t of r.targets) {
    const mark = t.met === null ? 'not measured' : t.met ? 'MET' : 'MISSED';
    lines.push(`  ${pad(t.target, 46)}${pad(fmt(t.value), 10)}${pad(t.limit, 12)}${mark}`);
  }
  lines.push('');
  lines.push('scenarios:');
  for (const [name, s] of Object.entries(r.scenarios)) {
    lines.push(`  ${pad(name, 14)}${pad(s.status, 8)}${pad(`${s.seconds} s`, 9)}${s.note ?? ''}`);
  }
  if (r.quick) {
    lines.push('');
    lines.push('quick run reduced:');
    for (const [name, what] of Object.entries(r.quick)) lines.push(`  ${pad(name, 14)}${what}`);
  }
  return lines.join('\n');
}
