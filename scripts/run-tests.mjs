#!/usr/bin/env node
// `npm test`: runs mocha (config in .mocharc.cjs) and makes sure a run that executed nothing fails.
// Extra arguments go to mocha, e.g. `npm test -- 'orchestrator/test/db/**/*.test.ts'`.
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
if (!args.some((a) => !a.startsWith('-'))) args.push('orchestrator/test/**/*.test.ts');
const child = spawn(process.execPath, ['node_modules/mocha/bin/mocha.js', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-400);
});
child.on('close', (code) => {
  const m = /(\d+) passed, (\d+) failed/.exec(tail);
  if (!m) {
    process.stdout.write('0 passed, 1 failed\n');
    process.exit(code || 1);
  }
  if (Number(m[1]) === 0) {
    console.error('no test ran');
    process.exit(1);
  }
  process.exit(code ?? 1);
});
