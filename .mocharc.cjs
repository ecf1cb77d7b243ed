'use strict';
module.exports = {
  'node-option': ['import=tsx'],
  reporter: './scripts/mocha-summary-reporter.cjs',
  require: ['./orchestrator/test/support/env.ts'],
  timeout: 20000,
  exit: true,
};
