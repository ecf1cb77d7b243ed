import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAriadne, type RunningAriadne } from '../../src/app.js';
import { testConfig } from '../../src/config/load.js';
import { DEMO_DIRECT_DID } from '../../src/db/seed/index.js';
import { createTestDb, type TestDb } from '../support/db.js';

/**
 * Two orchestrators, each with its own Asterisk (simulator), share one MariaDB and one agent pool. With a single
 * agent available and callers arriving on both at once, the agent is offered exactly one call: the reservation is
 * an atomic conditional update, whichever orchestrator makes it first.
 */
describe('two orchestrators on one database', function () {
  this.timeout(60_000);
  let t: TestDb;
  let dir: string;
  const apps: RunningAriadne[] = [];

  before(async () => {
    t = await createTestDb('mysql', { migrate: false });
    dir = mkdtempSync(join(tmpdir(), 'ariadne-two-'));
    for (const [name, available] of [['orch-a', 1], ['orch-b', 0]] as const) {
      const config = testConfig({
        ARIADNE_DB_URL: t.url,
        ARIADNE_HTTP_PORT: '0',
        ARIADNE_HTTP_HOST: '127.0.0.1',
        ARIADNE_STORAGE_URL: `file:${dir}/rec`,
        ARIADNE_INSTANCE_ID: name,
      });
      apps.push(
        await startAriadne(
          { ...config, demo: { ...config.demo, callsPerMinute: 0, historyDays: 0 } },
          { simulator: { playbackMs: 20 }, demoAgentsAvailable: available, recordingKeyPath: join(dir, 'key') },
        ),
      );
    }
  });

  after(async () => {
    for (const app of apps) await app.stop();
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never offers the one available agent two calls at once', async () => {
    const available = await t.db('agents').where({ state: 'available' }).select('id');
    expect(available, 'one agent available').to.have.length(1);
    // Two callers on each orchestrator's switch, all at once.
    for (const app of apps) {
      for (const from of ['+8613800138001', '+8613800138002']) app.simulator!.control.placeCall({ from, to: DEMO_DIRECT_DID });
    }
    // Let both ACDs see the agent and race for it, and the winner's offer be answered.
    const deadline = Date.now() + 15_000;
    const engagedNow = (): Promise<{ agent_id: number; owner: string }[]> =>
      t.db('calls').whereIn('state', ['offering', 'connected']).select('agent_id', 'owner');
    while (Date.now() < deadline && (await engagedNow()).length === 0) await new Promise((r) => setTimeout(r, 100));
    // Watch for a while: at no sampled moment does the agent have two calls.
    for (let i = 0; i < 20; i++) {
      const engaged = await engagedNow();
      expect(engaged.length, JSON.stringify(engaged)).to.be.at.most(1);
      await new Promise((r) => setTimeout(r, 100));
    }
    const offered = await t.db('call_events').where({ event: 'offer' }).count({ n: '*' }).first();
    expect(Number(offered?.n), 'exactly one offer was made').to.equal(1);
    const waiting = await t.db('calls').where({ state: 'queued' }).select('owner');
    expect(waiting).to.have.length(3);
    expect(new Set(waiting.map((w) => w.owner))).to.deep.equal(new Set(['orch-a', 'orch-b']));
  });
});
