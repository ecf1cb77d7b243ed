import type { BenchContext } from '../lib/context.js';
import type { ScenarioOutcome } from '../lib/report.js';

export async function runFull(_ctx: BenchContext): Promise<ScenarioOutcome> {
  return { scenario: 'full', status: 'skipped', note: 'not written yet', seconds: 0, figures: {}, details: {} };
}
