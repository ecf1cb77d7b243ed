import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** Runs scripts/check-asterisk.ts with only the variables it needs, so the caller's ARIADNE_* cannot leak in. */
function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [tsx, join(root, 'scripts', 'check-asterisk.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('scripts/check-asterisk.ts (npm run check:asterisk)', function () {
  this.timeout(120_000);

  it('exits 0 on the shipped configuration', () => {
    const r = run([]);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.include('are consistent');
  });

  it('exits 1 and prints file:line: message for each problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ariadne-astcli-'));
    try {
      cpSync(join(root, 'asterisk-conf'), join(dir, 'conf'), { recursive: true });
      cpSync(join(root, 'dialplans'), join(dir, 'dp'), { recursive: true });
      const file = join(dir, 'dp', 'inbound.conf');
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.replace('Stasis(ariadne,', 'Stasis(other,'));
      const line = text.slice(0, text.indexOf('Stasis(ariadne,')).split('\n').length;
      const r = run(['--conf', join(dir, 'conf'), '--dialplans', join(dir, 'dp')]);
      expect(r.status).to.equal(1);
      const lines = r.stdout.trim().split('\n');
      expect(lines.every((l) => /^[^:]+:\d+: .+/.test(l)), r.stdout).to.equal(true);
      expect(lines.some((l) => l.endsWith(`inbound.conf:${line}: Stasis app 'other' is not the orchestrator's app 'ariadne'`))).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compares with ARIADNE_ARI_PASSWORD from the environment, and exits 2 on a bad argument', () => {
    const r = run([], { ARIADNE_ARI_PASSWORD: 'not-the-shipped-one' });
    expect(r.status).to.equal(1);
    expect(r.stdout).to.match(/asterisk-conf\/ari_users\.conf:\d+: ARI password of \[ariadne\] differs/);
    expect(run(['--bogus']).status).to.equal(2);
  });
});
