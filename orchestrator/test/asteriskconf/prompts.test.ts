import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';

const SRC = join(import.meta.dirname, '../../src');
const PROMPTS = join(import.meta.dirname, '../../../asterisk-conf/sounds/ariadne/prompts.txt');
const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'in_transit', 'exception', 'delivered', 'cancelled', 'returned'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('asterisk-conf: the prompts the orchestrator plays', () => {
  it('every sound:ariadne/<name> in the code is in prompts.txt, so the Asterisk image has a file for it', () => {
    const listed = new Set(
      readFileSync(PROMPTS, 'utf8')
        .split('\n')
        .filter((l) => !l.startsWith('#') && l.includes(':'))
        .map((l) => l.slice(0, l.indexOf(':')).trim()),
    );
    const used = new Set<string>();
    for (const file of sources(SRC))
      for (const m of readFileSync(file, 'utf8').matchAll(/sound:ariadne\/([a-z0-9-]+)(\$\{)?/g))
        // A name built at run time: the order statuses are known; queue-<name> prompts are each queue's own.
        if (m[2] === undefined) used.add(m[1]!);
        else if (m[1] === 'order-status-')
          for (const s of ORDER_STATUSES) used.add(`order-status-${s.replace(/_/g, '-')}`);
    expect(used.size).to.be.above(20);
    expect([...used].filter((name) => !listed.has(name))).to.deep.equal([]);
  });
});
