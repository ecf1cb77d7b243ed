import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAriadne, type RunningAriadne } from '../../src/app.js';
import { testConfig } from '../../src/config/load.js';
import { DEMO_DIRECT_DID } from '../../src/db/seed/index.js';
import { createTestDb, type TestDb } from '../support/db.js';

const MAIN = join(process.cwd(), 'orchestrator/src/main.ts');
const TSX = join(process.cwd(), 'node_modules/tsx/dist/cli.mjs');

function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSX, MAIN], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('start-up (app.ts, main.ts)', function () {
  this.timeout(60_000);

  describe('demo mode on MariaDB with the built-in simulator', () => {
    let t: TestDb;
    let app: RunningAriadne;
    let dir: string;

    before(async () => {
      t = await createTestDb('mysql', { migrate: false });
      dir = mkdtempSync(join(tmpdir(), 'ariadne-app-'));
      // A speech-to-text engine that hears the same angry caller on every recording.
      const stt = join(dir, 'stt.sh');
      writeFileSync(stt, '#!/bin/sh\necho "this is terrible, my parcel is lost and i am very angry"\n');
      chmodSync(stt, 0o755);
      const config = testConfig({
        ARIADNE_DB_URL: t.url,
        ARIADNE_HTTP_PORT: '0',
        ARIADNE_HTTP_HOST: '127.0.0.1',
        ARIADNE_STORAGE_URL: `file:${dir}/rec`,
        ARIADNE_TRANSCRIBE_COMMAND: stt,
      });
      app = await startAriadne(
        { ...config, demo: { ...config.demo, callsPerMinute: 0 } },
        { simulator: { playbackMs: 20 }, demoAgentsAvailable: 3, recordingKeyPath: join(dir, 'key') },
      );
    });

    after(async () => {
      await app?.stop();
      await t?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('migrates, seeds the demo and is healthy and ready', async () => {
      expect((await fetch(`${app.url}/healthz`)).status).to.equal(200);
      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).to.equal(200);
      const queues = await t.db('queues').count({ n: '*' }).first();
      expect(Number(queues?.n)).to.equal(8);
      // A past week of calls, each of its days built into the report tables before the app reports ready.
      const history = (await t.db('calls').where({ owner: 'demo-history' }).count({ n: '*' }).first()) as {
        n: unknown;
      };
      expect(Number(history.n)).to.be.greaterThan(7 * 400);
      const days = (await t.db('report_agent_days').distinct('day')) as { day: unknown }[];
      expect(days).to.have.length(7);
    });

    it('takes a call on the direct line from arrival to a CDR, with the recording uploaded and transcribed', async () => {
      await t.db('queues').update({ transcribe: true });
      const sim = app.simulator;
      expect(sim, 'demo mode starts the simulator').to.not.equal(null);
      const { channelId } = sim!.control.placeCall({ from: '+8613800138000', to: DEMO_DIRECT_DID });
      const call = await waitFor('the call to connect', async () => {
        const row = await t.db('calls').where({ channel_id: channelId }).first();
        return row?.state === 'connected' ? row : undefined;
      });
      sim!.control.hangup(channelId);
      const ended = await waitFor('the CDR', async () => {
        const row = await t.db('calls').where({ id: call.id }).first();
        return row?.disposition ? row : undefined;
      });
      expect(ended.disposition).to.equal('answered');
      expect(ended.hangup_side).to.equal('caller');
      expect(ended.agent_id).to.be.a('number');
      const uploaded = await waitFor('the recording upload', async () => {
        const rec = await t.db('recordings').where({ call_id: call.id }).first();
        return rec?.state === 'uploaded' ? rec : undefined;
      });
      expect(uploaded.sha256).to.match(/^[0-9a-f]{64}$/);

      // The agent ends after-call work early (workspace button): the call's wrap-up ends with it.
      expect((await t.db('calls').where({ id: call.id }).first()).state).to.equal('wrap_up');
      await app.agents.endWrapUp(ended.agent_id);
      const done = await waitFor('the call to end', async () => {
        const row = await t.db('calls').where({ id: call.id }).first();
        return row?.state === 'ended' ? row : undefined;
      });
      const last = await t.db('call_events').where({ call_id: done.id }).orderBy('seq', 'desc').first();
      expect(last.event).to.equal('wrap_up_done');

      // The transcript is sealed, and the call's auto ticket reads its tone from what was said.
      const transcript = await waitFor('the transcript', async () =>
        t.db('recording_transcripts').where({ recording_id: uploaded.id, state: 'done' }).first(),
      );
      expect(transcript.engine).to.equal('command:stt');
      const ticket = await waitFor('the auto ticket analysed with the transcript', async () => {
        const row = await t.db('tickets').where({ call_id: call.id, source: 'auto' }).whereNotNull('sentiment').first();
        return row && row.sentiment < 0 ? row : undefined;
      });
      expect(ticket.summary).to.match(/my parcel is lost/);
    });
    it('takes a desk-phone feature code as an agent action, not as a call', async () => {
      const agent = await t.db('agents').where({ endpoint: 'PJSIP/2010' }).first();
      expect(agent.state).to.equal('logged_out');
      const callsBefore = Number((await t.db('calls').count({ n: '*' }).first())?.n);
      app.simulator!.control.placeCall({
        from: '2010',
        to: 's',
        endpoint: 'PJSIP/2010',
        context: 'agent-feature',
        args: ['feature', 'login', ''],
      });
      await waitFor('the agent to be logged in', async () => {
        const row = await t.db('agents').where({ id: agent.id }).first();
        return row.state === 'available' ? row : undefined;
      });
      expect(Number((await t.db('calls').count({ n: '*' }).first())?.n)).to.equal(callsBefore);
    });
  });

  describe('main.ts refuses bad configuration with one line and a non-zero exit', () => {
    it('an unreachable database names ARIADNE_DB_URL', async () => {
      const { code, stderr } = await runMain({
        ARIADNE_DB_URL: 'mysql://root:pw@127.0.0.1:1/ariadne',
        ARIADNE_LOG_LEVEL: 'silent',
      });
      expect(code).to.equal(1);
      const lines = stderr.split('\n').filter((l) => l.trim() && !l.startsWith('npm warn'));
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/^ARIADNE_DB_URL: cannot connect to mysql:\/\/root:\*\*\*@127\.0\.0\.1:1\/ariadne/);
    });

    it('a malformed value names its variable', async () => {
      const { code, stderr } = await runMain({
        ARIADNE_DB_URL: 'oracle://x',
        ARIADNE_HTTP_PORT: 'http',
        ARIADNE_LOG_LEVEL: 'silent',
      });
      expect(code).to.equal(1);
      expect(stderr).to.include('config: ARIADNE_DB_URL: must be mysql://');
      expect(stderr).to.include('config: ARIADNE_HTTP_PORT:');
      expect(stderr).to.not.match(/\n\s+at /);
    });
  });
});
