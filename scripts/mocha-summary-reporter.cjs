'use strict';
// Mocha's spec output, closed by the one line CI reads: "N passed, N failed" (", N skipped" when any were).
const Mocha = require('mocha');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || { passes: 0, failures: 0, pending: 0 };
      const skipped = s.pending ? `, ${s.pending} skipped` : '';
      // Printed after Spec's epilogue so it is the last line.
      process.nextTick(() => process.stdout.write(`${s.passes} passed, ${s.failures} failed${skipped}\n`));
    });
  }
}
module.exports = SummaryReporter;
