import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summariseProfile } from '../../../scripts/bench/lib/profile.js';
import {
  bracketBaseline,
  buildReport,
  formatTable,
  RESULT_KEYS,
  SCENARIOS,
  verdicts,
  emptyHeadline,
  type Machine,
  type ScenarioOutcome,
} from '../../../scripts/bench/lib/report.js';
import { parseFullCpsHint, parseRates } from '../../../scripts/bench/lib/load.js';
import { findSustainedRate, type StepOutcome } from '../../../scripts/bench/lib/search.js';
import { agentLimitedRate } from '../../../scripts/bench/scenarios/full.js';
import { generateCallsDay, newExpected } from '../../../scripts/bench/lib/calls-day.js';
import { nextState, type CallState } from '../../src/calls/states.js';
import {
  percentile,
  percentileSorted,
  ratio,
  risingRates,
  round,
  stepSustained,
  summarize,
} from '../../../scripts/bench/lib/stats.js';

/** The benchmark harness's pure parts (the benchmarks themselves never run in npm test). */
describe('bench harness', () => {
  describe('percentiles (nearest rank)', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

    it('gives a value some sample really had, at rank ceil(p/100 * n)', () => {
      expect(percentileSorted(hundred, 50)).to.equal(50);
      expect(percentileSorted(hundred, 99)).to.equal(99);
      expect(percentileSorted(hundred, 99.5)).to.equal(100);
      expect(percentileSorted(hundred, 100)).to.equal(100);
      expect(percentileSorted(hundred, 0)).to.equal(1);
      expect(percentileSorted([1, 2, 3, 4], 50)).to.equal(2);
      expect(percentileSorted([7], 99)).to.equal(7);
    });

    it('sorts numerically without touching the caller’s array', () => {
      const sample = [10, 9, 100, 2, 1];
      expect(percentile(sample, 50)).to.equal(9);
      expect(percentile(sample, 100)).to.equal(100);
      expect(sample).to.deep.equal([10, 9, 100, 2, 1]);
    });

    it('says NaN for an empty sample and refuses nonsense', () => {
      expect(percentile([], 50)).to.be.NaN;
      expect(() => percentile([1], 101)).to.throw(RangeError);
      expect(() => percentile([1], -1)).to.throw(RangeError);
      expect(() => percentile([1, NaN], 50)).to.throw(RangeError);
    });

    it('summarises a sample', () => {
      const s = summarize([5, 1, 3, 2, 4]);
      expect(s).to.deep.equal({ n: 5, min: 1, p50: 3, p90: 5, p99: 5, max: 5, mean: 3 });
      expect(summarize([]).n).to.equal(0);
    });
  });

  it('ratios and rounding never invent a figure', () => {
    expect(ratio(1, 2)).to.equal(0.5);
    expect(ratio(1, 0)).to.equal(null);
    expect(ratio(null, 2)).to.equal(null);
    expect(ratio(NaN, 2)).to.equal(null);
    expect(round(1.23456, 2)).to.equal(1.23);
    expect(round(NaN)).to.equal(null);
  });

  it('rising rates are whole, strictly increasing and bounded', () => {
    expect(risingRates(10, 1.5, 60)).to.deep.equal([10, 15, 23, 34, 51]);
    expect(risingRates(1, 1.1, 5)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(() => risingRates(10, 1, 20)).to.throw(RangeError);
  });

  describe('step verdict', () => {
    it('needs nearly every call completed', () => {
      expect(stepSustained({ offered: 100, completed: 98, failed: 2, latencyP50: 5, referenceP50: 5 }).ok).to.equal(
        false,
      );
      expect(stepSustained({ offered: 100, completed: 99, failed: 0, latencyP50: 5, referenceP50: 5 }).ok).to.equal(
        true,
      );
      expect(stepSustained({ offered: 0, completed: 0, failed: 0, latencyP50: 5, referenceP50: 5 }).ok).to.equal(false);
    });

    it('loses the step when the median leaves max(3× reference, reference + 20 ms)', () => {
      expect(stepSustained({ offered: 10, completed: 10, failed: 0, latencyP50: 25, referenceP50: 5 }).ok).to.equal(
        true,
      );
      expect(stepSustained({ offered: 10, completed: 10, failed: 0, latencyP50: 25.1, referenceP50: 5 }).ok).to.equal(
        false,
      );
      expect(stepSustained({ offered: 10, completed: 10, failed: 0, latencyP50: 300, referenceP50: 100 }).ok).to.equal(
        true,
      );
      expect(stepSustained({ offered: 10, completed: 10, failed: 0, latencyP50: 301, referenceP50: 100 }).ok).to.equal(
        false,
      );
    });
  });

  describe('sustained-rate search', () => {
    /**
     * A fake system that keeps up to `capacity` calls/s, then queues (latency grows); above `uploadsUpTo` calls/s
     * its calls still hold but their recordings fall behind.
     */
    const system = (capacity: number, flaky: Set<number> = new Set(), uploadsUpTo = Infinity) => {
      const seen: number[] = [];
      const runStep = async (rate: number): Promise<StepOutcome> => {
        seen.push(rate);
        const spoiled = flaky.delete(rate);
        const over = rate > capacity || spoiled;
        const p50 = over ? 500 : 10;
        return {
          rate,
          durationMs: 1000,
          offered: rate,
          completed: rate,
          failed: 0,
          achievedCps: rate,
          latency: summarize([p50, p50, p50]),
          ...(rate > uploadsUpTo ? { behind: `${rate - uploadsUpTo} recording jobs open` } : {}),
        };
      };
      return { runStep, seen };
    };

    it('rises until a step is lost, bisects, and reports the highest rate held', async () => {
      const sys = system(100);
      const r = await findSustainedRate({
        runStep: sys.runStep,
        warmupRate: 10,
        referenceRate: 10,
        factor: 2,
        maxRate: 1000,
        bisections: 3,
        maxSteps: 20,
        budgetMs: 60_000,
      });
      expect(r.sustainedCps).to.be.within(90, 100);
      expect(r.referenceP50).to.equal(10);
      expect(sys.seen.slice(0, 6)).to.deep.equal([10, 10, 20, 40, 80, 160]);
      expect(r.steps.filter((s) => s.phase === 'confirm').length).to.be.greaterThan(0);
    });

    /** Rates doubling from 10, no bisection, room for every step the two tests below need. */
    const DOUBLING_NO_BISECTION = { warmupRate: 10, referenceRate: 10, factor: 2, maxRate: 1000, bisections: 0, maxSteps: 20, budgetMs: 60_000 };

    it('runs a lost step again before believing it (one spoiled step does not end the search)', async () => {
      const sys = system(100, new Set([40]));
      const r = await findSustainedRate({
        runStep: sys.runStep,
        ...DOUBLING_NO_BISECTION,
      });
      expect(sys.seen).to.deep.equal([10, 10, 20, 40, 40, 80, 160, 160]);
      expect(r.sustainedCps).to.equal(80);
    });

    it('loses a step whose calls held but whose left-over work fell behind, and runs it again', async () => {
      const sys = system(1000, new Set(), 50);
      const r = await findSustainedRate({
        runStep: sys.runStep,
        ...DOUBLING_NO_BISECTION,
      });
      expect(sys.seen).to.deep.equal([10, 10, 20, 40, 80, 80]);
      expect(r.sustainedCps).to.equal(40);
      expect(r.steps.at(-1)).to.deep.include({ sustained: false, why: '30 recording jobs open' });
    });

    it('reports nothing when even the reference step fails', async () => {
      const r = await findSustainedRate({
        runStep: async (rate) => ({
          rate,
          durationMs: 1000,
          offered: rate,
          completed: 0,
          failed: rate,
          achievedCps: 0,
          latency: summarize([]),
        }),
        warmupRate: 10,
        referenceRate: 10,
        factor: 2,
        maxRate: 100,
        bisections: 1,
        maxSteps: 10,
        budgetMs: 60_000,
      });
      expect(r.sustainedCps).to.equal(null);
      expect(r.best).to.equal(null);
    });
  });

  it('--rate takes whole calls per second, comma-separated or repeated, and refuses anything else', () => {
    expect(parseRates(['300,400', ' 500 '])).to.deep.equal([300, 400, 500]);
    expect(parseRates([])).to.deep.equal([]);
    for (const bad of ['0', '12.5', 'fast', '5001', '300,-1']) expect(parseRates([bad]), bad).to.equal(null);
  });

  it('--full-cps takes one whole rate, only for concurrency run without full', () => {
    expect(parseFullCpsHint(undefined, ['concurrency'])).to.equal(undefined);
    expect(parseFullCpsHint('255', ['concurrency', 'identify'])).to.equal(255);
    for (const bad of ['0', 'x', '200,300', '']) expect(parseFullCpsHint(bad, ['concurrency']), bad).to.equal(null);
    // full's own result would override it, and without concurrency nothing reads it
    expect(parseFullCpsHint('255', ['full', 'concurrency'])).to.equal(null);
    expect(parseFullCpsHint('255', ['identify'])).to.equal(null);
  });

  describe('full: the agent pool', () => {
    it('offers no more than the agents serve, each busy for ring, talk and 150 ms, with a tenth to spare', () => {
      expect(agentLimitedRate(1500, 1000)).to.equal(1153);
      expect(agentLimitedRate(300, 500)).to.equal(402);
      // The 400 agents used until 2026-12-05: the pool, not the orchestrator, ended the search near 400 calls/s.
      expect(agentLimitedRate(400, 1000)).to.be.below(400);
    });
  });

  describe('report', () => {
    const machine: Machine = {
      nproc: 2,
      cpu: 'test CPU',
      ramGiB: 4,
      node: 'v20',
      platform: 'linux x64',
      mariadb: 'MariaDB 10.11',
    };
    const outcome = (o: Partial<ScenarioOutcome> & Pick<ScenarioOutcome, 'scenario'>): ScenarioOutcome => ({
      status: 'ok',
      seconds: 1,
      figures: {},
      details: {},
      ...o,
    });

    it('always carries every headline key, the quick field, and the ratio of the same run', () => {
      const r = buildReport(
        [
          outcome({ scenario: 'ari_baseline', figures: { ari_baseline_cps: 400 } }),
          outcome({ scenario: 'full', figures: { full_cps: 250, setup_p50_ms: 80, setup_p99_ms: 120 } }),
          outcome({ scenario: 'identify', figures: { identify_p99_ms: 1.5, identify_vs_raw: 2 } }),
        ],
        { quick: false, date: new Date('2026-11-23T00:00:00Z'), machine },
      );
      for (const k of RESULT_KEYS) expect(r).to.have.property(k);
      expect(RESULT_KEYS).to.include.members([
        'ari_baseline_cps',
        'full_cps',
        'full_vs_baseline',
        'setup_p50_ms',
        'setup_p99_ms',
        'offer_p50_ms',
        'offer_p99_ms',
        'rss_mb_at_10k',
        'loop_delay_p99_ms_at_10k',
        'identify_p99_ms',
        'identify_vs_raw',
        'report_daily_s',
      ]);
      expect(r.quick).to.equal(false);
      expect(r.full_vs_baseline).to.equal(0.625);
      expect(r.offer_p99_ms).to.equal(null);
      const parsed = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
      expect(Object.keys(parsed)).to.include.members([
        ...RESULT_KEYS,
        'quick',
        'date',
        'machine',
        'scenarios',
        'targets',
      ]);
      expect(formatTable(r)).to.contain('250 calls/s').and.contain('MET');
    });

    it('has no ratio when the baseline did not run, and says what quick reduced', () => {
      const r = buildReport([outcome({ scenario: 'full', figures: { full_cps: 250 }, reduced: '1 s steps' })], {
        quick: true,
        date: new Date(),
        machine,
      });
      expect(r.full_vs_baseline).to.equal(null);
      expect(r.quick).to.deep.equal({ full: '1 s steps' });
    });

    it('takes the mean of the baselines before and after full, and keeps both with their drift', () => {
      const merged = bracketBaseline(
        outcome({ scenario: 'ari_baseline', seconds: 50, figures: { ari_baseline_cps: 1500 }, details: { steps: ['a'] } }),
        outcome({ scenario: 'ari_baseline', seconds: 60, figures: { ari_baseline_cps: 2100 }, details: { steps: ['b'] } }),
      );
      expect(merged).to.deep.include({ scenario: 'ari_baseline', status: 'ok', seconds: 110, figures: { ari_baseline_cps: 1800 } });
      expect(merged.details).to.deep.equal({ beforeCps: 1500, afterCps: 2100, drift: 1.4, before: { steps: ['a'] }, after: { steps: ['b'] } });
      expect(merged.note).to.contain('1800 calls/s').and.contain('1500 calls/s before').and.contain('2100 calls/s after');
      const r = buildReport([merged, outcome({ scenario: 'full', figures: { full_cps: 450 } })], { quick: false, date: new Date(), machine });
      expect(r.full_vs_baseline).to.equal(0.25);
    });

    it('keeps the baseline that ran when the other failed, and says the merged run failed', () => {
      const failedAfter = bracketBaseline(
        outcome({ scenario: 'ari_baseline', figures: { ari_baseline_cps: 1500 } }),
        outcome({ scenario: 'ari_baseline', status: 'failed', note: 'simulator did not start' }),
      );
      expect(failedAfter).to.deep.include({ status: 'failed', figures: { ari_baseline_cps: 1500 } });
      expect(failedAfter.note).to.contain('after: simulator did not start');
      expect(failedAfter.details).to.include({ beforeCps: 1500, afterCps: null, drift: null });
      const failedBefore = bracketBaseline(
        outcome({ scenario: 'ari_baseline', status: 'failed', note: 'even the reference rate was not sustained' }),
        outcome({ scenario: 'ari_baseline', figures: { ari_baseline_cps: 2000 } }),
      );
      expect(failedBefore).to.deep.include({ status: 'failed', figures: { ari_baseline_cps: 2000 } });
      expect(failedBefore.note).to.contain('before: even the reference rate');
    });

    it('splits the gap to the no-op app: scripted ARI over no-op, full over scripted ARI', () => {
      const r = buildReport(
        [
          outcome({ scenario: 'ari_baseline', figures: { ari_baseline_cps: 1000 } }),
          outcome({ scenario: 'ari_script', figures: { ari_script_cps: 200 } }),
          outcome({ scenario: 'full', figures: { full_cps: 100 } }),
        ],
        { quick: false, date: new Date(), machine },
      );
      expect(r).to.include({ script_vs_baseline: 0.2, full_vs_script: 0.5, full_vs_baseline: 0.1 });
      expect(formatTable(r)).to.contain("a full call's ARI requests, no logic").and.contain('200 calls/s');
    });

    it('judges the targets of DESIGN.md', () => {
      const h = {
        ...emptyHeadline(),
        full_vs_baseline: 0.49,
        offer_p99_ms: 4.9,
        identify_p99_ms: 5,
        rss_mb_at_10k: 900,
        report_daily_s: 9.99,
      };
      const v = Object.fromEntries(verdicts(h).map((t) => [t.key, t.met]));
      expect(v).to.deep.equal({
        full_vs_baseline: false,
        offer_p99_ms: true,
        identify_p99_ms: false,
        rss_mb_at_10k: true,
        loop_delay_p99_ms_at_10k: null,
        report_daily_s: true,
      });
      expect(verdicts({ ...h, report_daily_s: 10 }).find((t) => t.key === 'report_daily_s')?.met).to.equal(false);
    });

    it('knows every scenario, report included', () => {
      expect(SCENARIOS).to.deep.equal([
        'ari_baseline',
        'ari_script',
        'full',
        'offer_latency',
        'concurrency',
        'identify',
        'report',
      ]);
    });
  });

  describe("the report scenario's day of calls", () => {
    it('writes only the transitions of the call state machine, and counts what the report must say', () => {
      const expected = newExpected('2026-11-20', 'Asia/Shanghai');
      const kinds = new Map<string, number>();
      let events = 0;
      let failed = 0;
      const last = new Map<string, { seq: number; to: string; at: string }>();
      const tuple = /^\('([0-9a-f-]{36})',(\d+),'([^']+)',(NULL|'(\w+)'),'(\w+)','(\w+)','(\{[^']*\})'\)$/;
      for (const batch of generateCallsDay(
        { day: '2026-11-20', timeZone: 'Asia/Shanghai', calls: 3_000, queues: 4, agents: 20 },
        expected,
        500,
      )) {
        for (const e of batch.events) {
          const m = tuple.exec(e);
          if (!m) throw new Error(`not an event tuple: ${e}`);
          const [id = '', seq = '', at = '', , from, event = '', to = '', data = ''] = m.slice(1);
          const prev = last.get(id);
          expect(Number(seq)).to.equal((prev?.seq ?? 0) + 1);
          expect(from ?? null).to.equal(prev?.to ?? null);
          if (prev) {
            expect(nextState(prev.to as CallState, event), `${prev.to} -> ${event}`).to.equal(to);
            expect(at >= prev.at, `${id} goes back in time`).to.equal(true);
          } else expect(event).to.equal('arrive');
          const parsed: unknown = JSON.parse(data);
          if (event === 'offer_failed') {
            failed++;
            expect(parsed).to.deep.include({ reason: 'no_answer' }).and.to.have.keys('agentId', 'reason');
          }
          last.set(id, { seq: Number(seq), to, at });
          events++;
        }
        for (const c of batch.calls) {
          const state = /^\('[^']+','[^']+','[^']+','[^']+','(\w+)'/.exec(c)?.[1] as string;
          kinds.set(state, (kinds.get(state) ?? 0) + 1);
        }
      }
      expect(last.size).to.equal(expected.seededCalls);
      expect(events).to.equal(expected.seededEvents);
      expect([...last.values()].every((c) => c.to === 'ended' || c.to === 'abandoned')).to.equal(true);
      expect(expected.dayCalls).to.equal(3_000);
      expect(expected.seededCalls).to.be.above(3_000);
      expect(expected.answered + expected.abandoned + expected.selfService).to.equal(3_000);
      expect(expected.abandoned / 3_000).to.be.closeTo(0.1, 0.02);
      expect(expected.selfService / 3_000).to.be.closeTo(0.05, 0.015);
      expect(failed / expected.seededCalls).to.be.closeTo(0.03, 0.01);
      expect(kinds.get('abandoned')).to.be.at.least(expected.abandoned);
      expect(events / expected.seededCalls).to.be.within(6, 7);
      let missed = 0;
      for (const d of expected.agentDays.values()) missed += d.missed;
      expect(missed).to.equal(expected.offerFailed);
      for (const key of expected.buckets.keys()) {
        const start = Number(key.split('|')[1]);
        expect(start).to.be.at.least(expected.dayStartMs).and.below(expected.dayEndMs);
        expect((start - expected.dayStartMs) % 900_000).to.equal(0);
      }
    });
  });

  it('summarises a CPU profile by function and module, leaving out the probe’s own frames', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
    try {
      const file = join(dir, 'p.cpuprofile');
      const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9, columnNumber: 0 });
      writeFileSync(
        file,
        JSON.stringify({
          nodes: [
            { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4, 5] },
            { id: 2, callFrame: frame('route', 'file:///x/node_modules/knex/lib/a.js') },
            { id: 3, callFrame: frame('(idle)', '') },
            { id: 4, callFrame: frame('post', 'file:///repo/scripts/bench/probe.ts'), children: [6] },
            { id: 5, callFrame: frame('offerOne', 'file:///x/node_modules/@scope/pkg/b.js') },
            { id: 6, callFrame: frame('dispatch', '') },
          ],
          startTime: 0,
          endTime: 10_000,
          samples: [2, 2, 3, 5, 6, 6, 6],
          timeDeltas: [1000, 1000, 2000, 1000, 5000, 5000, 5000],
        }),
      );
      const s = summariseProfile(file, 10);
      expect(s.totalMs).to.equal(5);
      expect(s.idlePct).to.equal(40);
      expect(s.modules.map((m) => m.where)).to.deep.equal(['npm:knex', '(idle)', 'npm:@scope/pkg']);
      expect(s.functions[0]).to.deep.equal({ where: 'route npm:knex:10', selfMs: 2, selfPct: 40 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
