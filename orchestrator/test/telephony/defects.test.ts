/**
 * Evidence for the ari-client 2.2.0 defects the adapter contains: each is reproduced with plain ari-client in a
 * child process (two of them kill the process). The adapter's side of each is tested in resilience.test.ts.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const child = fileURLToPath(new URL('./ari-client-defects.child.ts', import.meta.url));

function run(
  mode: string,
): Promise<{ code: number | null; stdout: string; stderr: string; result?: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'test' },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`child ${mode} did not finish; stderr: ${stderr}`));
    }, 20_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      resolve({
        code,
        stdout,
        stderr,
        ...(line ? { result: JSON.parse(line.slice(7)) as Record<string, unknown> } : {}),
      });
    });
  });
}

describe('telephony: ari-client 2.2.0 defects, reproduced without the adapter', function () {
  this.timeout(30_000);

  it('1. a wrong password: swagger-client throws a bare string and the process exits', async () => {
    const r = await run('wrong-password');
    expect(r.code).to.not.equal(0);
    expect(r.result, 'the process must not survive to report').to.equal(undefined);
    expect(r.stderr).to.match(/401|Unauthorized|Unable to read api/i);
  });

  it('2. an event type missing from events.json: uncaught TypeError, the process exits', async () => {
    const r = await run('unknown-event');
    expect(r.code).to.not.equal(0);
    expect(r.result).to.equal(undefined);
    expect(r.stderr).to.match(/TypeError/);
  });

  it('3. after a disconnect it retries 10 times, then never again (even once Asterisk is back)', async () => {
    const r = await run('max-retries');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.result).to.deep.equal({ reconnecting: 10, gaveUp: true, socketsAfterAsteriskCameBack: 0 });
  });

  it('4. credentials are global: a second client with other credentials breaks the first one (401)', async () => {
    const r = await run('shared-credentials');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.result?.before).to.equal('ok');
    expect(String(r.result?.after)).to.match(/Authentication required/);
  });
});
