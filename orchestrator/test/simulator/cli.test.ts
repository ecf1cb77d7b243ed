import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLI = join(ROOT, 'orchestrator', 'src', 'simulator', 'cli.ts');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

describe('simulator CLI', function () {
  this.timeout(20_000);

  it('starts with the given options, answers ARI, and exits cleanly on SIGTERM', async () => {
    const child = spawn(TSX, [CLI, '--port', '0', '--ami-port', '0', '--user', 'u', '--password', 'p', '--app', 'demo', '--endpoint', 'PJSIP/2001=answer:100'], {
      env: { ...process.env, ARIADNE_LOG_LEVEL: 'info', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const ariUrl = await new Promise<string>((resolve, reject) => {
        let out = '';
        const t = setTimeout(() => reject(new Error(`no start line: ${out}`)), 15_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /"ari":"([^"]+)"/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${String(code)}: ${out}`)));
      });
      const auth = { authorization: 'Basic ' + Buffer.from('u:p').toString('base64') };
      const eps = await fetch(`${ariUrl}/endpoints`, { headers: auth, signal: AbortSignal.timeout(5000) });
      expect(await eps.json()).to.deep.equal([{ technology: 'PJSIP', resource: '2001', state: 'online', channel_ids: [] }]);
      const stats = await fetch(ariUrl.replace(/\/ari$/, '/_sim/stats'), { signal: AbortSignal.timeout(5000) });
      expect(((await stats.json()) as { channelsLive: number }).channelsLive).to.equal(0);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
    }
  });

  it('refuses a bad option with a message and exit code 2', async () => {
    const child = spawn(TSX, [CLI, '--port', 'abc'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).to.equal(2);
    expect(err).to.include('--port must be a non-negative integer');
  });
});
