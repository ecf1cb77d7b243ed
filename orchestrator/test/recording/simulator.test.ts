import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { countJobsByState } from '../../src/jobs/index.js';
import type { RecordingSource } from '../../src/recording/jobs.js';
import { readAll } from '../../src/recording/jobs.js';
import { createRecordingPipeline, getRecording, insertRecording } from '../../src/recording/index.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SwitchError } from '../../src/telephony/port.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { sha256 } from './support.js';

/**
 * The two ARI calls the pipeline needs, over plain HTTP, as the ARI adapter makes them; here so the pipeline is
 * checked against the simulator's stored files (Asterisk-shaped WAV) before the adapter lands.
 */
function ariSource(sim: Simulator): RecordingSource {
  const auth = `Basic ${Buffer.from('ariadne:secret').toString('base64')}`;
  const call = async (method: string, name: string, suffix = ''): Promise<Response> => {
    const res = await fetch(`${sim.ariUrl}/recordings/stored/${encodeURIComponent(name)}${suffix}`, { method, headers: { authorization: auth }, signal: AbortSignal.timeout(5000) });
    if (res.status === 404) throw new SwitchError('not_found', `Recording not found`, 404);
    if (!res.ok) throw new SwitchError('unavailable', `HTTP ${res.status}`, res.status);
    return res;
  };
  return {
    async fetchStoredRecording(name) {
      const res = await call('GET', name, '/file');
      return Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
    },
    async deleteStoredRecording(name) {
      await call('DELETE', name);
    },
  };
}

describe('recording pipeline against the simulator (ARI stored recordings over HTTP)', function () {
  this.timeout(20_000);
  let sim: Simulator;
  let t: TestDb;
  let dir: string;

  before(async () => {
    sim = await startSimulator({ port: 0, user: 'ariadne', password: 'secret', app: 'ariadne', amiPort: null });
  });
  after(async () => {
    await sim.stop();
  });
  beforeEach(async () => {
    t = await createTestDb('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'ariadne-sim-rec-'));
  });
  afterEach(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads the simulator WAV (checksum, duration), deletes it on the node; a missing one is marked missing', async () => {
    const pipeline = createRecordingPipeline({
      db: t.db,
      switchPort: ariSource(sim),
      config: { storage: { url: `file:${join(dir, 'store')}`, replicaUrls: [], masterKey: undefined, oldKeys: [], retentionDays: 30 }, http: { port: 0, host: '127.0.0.1' } },
      localKeyPath: join(dir, 'demo.key'),
      retentionCron: null,
    });
    try {
      const name = randomUUID();
      sim.engine.storedRecordings.set(name, { name, format: 'wav', durationMs: 3020 });
      const original = await readAll(await ariSource(sim).fetchStoredRecording(name));
      const id = await insertRecording(t.db, { name, node: 'asterisk-1' });
      const gone = await insertRecording(t.db, { name: randomUUID() });
      await pipeline.onRecordingStored(id);
      await pipeline.onRecordingStored(gone);
      for (let i = 0; i < 10 && (await countJobsByState(t.db)).pending > 0; i++) await pipeline.runner.drain();

      const rec = await getRecording(t.db, id);
      expect(rec?.state).to.equal('uploaded');
      expect(rec?.sha256).to.equal(sha256(original));
      expect(rec?.durationS).to.equal(3.02);
      expect(rec?.keyId).to.match(/^local-/);
      expect(sim.engine.storedRecordings.has(name)).to.equal(false);
      expect((await getRecording(t.db, gone))?.state).to.equal('missing');
    } finally {
      await pipeline.stop();
    }
  });
});
