import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { countJobsByState } from '../../src/jobs/index.js';
import { readAll } from '../../src/recording/jobs.js';
import {
  createRecordingPipeline,
  getRecording,
  insertRecording,
  type RecordingPipeline,
} from '../../src/recording/index.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { createSwitch, type AriAdapter } from '../../src/telephony/index.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { sha256 } from './support.js';

for (const uploadThread of [true, false])
  describe(`recording pipeline with the real ARI adapter against the simulator (bytes stored ${uploadThread ? 'in the upload thread' : 'on the main thread'})`, function () {
    this.timeout(20_000);
    let sim: Simulator;
    let sw: AriAdapter;
    let t: TestDb;
    let dir: string;

    before(async () => {
      sim = await startSimulator({ port: 0, user: 'ariadne', password: 'secret', app: 'ariadne', amiPort: null });
      sw = createSwitch({
        nodes: [{ name: 'ast1', ariUrl: sim.ariUrl, user: 'ariadne', password: 'secret', app: 'ariadne' }],
        requestTimeoutMs: 2000,
        connectTimeoutMs: 2000,
        logger: pino({ level: 'silent' }),
      });
      await sw.start();
    });
    after(async () => {
      await sw.stop();
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

    /** A pipeline on the real adapter, storing into this test's directory (the runner is drained by hand). */
    const pipelineOnSimulator = (logger?: Logger): RecordingPipeline =>
      createRecordingPipeline({
        db: t.db,
        switchPort: sw,
        config: {
          storage: {
            url: `file:${join(dir, 'store')}`,
            replicaUrls: [],
            masterKey: undefined,
            oldKeys: [],
            retentionDays: 30,
            uploadConcurrency: 4,
            uploadThread,
            uploadThreadNice: 10,
          },
          http: { port: 0, host: '127.0.0.1' },
        },
        localKeyPath: join(dir, 'demo.key'),
        retentionCron: null,
        logger,
      });

    it('uploads the stored WAV (checksum, duration) and deletes it on the node; a missing one is marked missing', async () => {
      const pipeline = pipelineOnSimulator();
      try {
        const name = randomUUID();
        sim.engine.storedRecordings.set(name, { name, format: 'wav', durationMs: 3020 });
        const original = await readAll(await sw.fetchStoredRecording(name, 'ast1'));
        const id = await insertRecording(t.db, { name, node: 'ast1' });
        const gone = await insertRecording(t.db, { name: randomUUID(), node: 'ast1' });
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

    it("names the module of a recording job's log lines once (the runner's), with the recording id", async () => {
      const lines: string[] = [];
      const pipeline = pipelineOnSimulator(pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }));
      try {
        const name = randomUUID();
        sim.engine.storedRecordings.set(name, { name, format: 'wav', durationMs: 500 });
        const id = await insertRecording(t.db, { name, node: 'ast1' });
        await pipeline.onRecordingStored(id);
        await pipeline.runner.drain();
        const uploaded = lines.find((l) => l.includes('"recording uploaded"'));
        expect(uploaded, lines.join('')).to.be.a('string');
        expect(uploaded!.match(/"module":/g)).to.have.length(1);
        expect(JSON.parse(uploaded!)).to.include({ module: 'jobs', recordingId: id });
        for (const l of lines) expect(l.match(/"module":/g)?.length ?? 0, l).to.be.at.most(1);
      } finally {
        await pipeline.stop();
      }
    });

    it('a recording on a node the adapter does not know is retried, never marked missing', async () => {
      const pipeline = pipelineOnSimulator();
      try {
        const id = await insertRecording(t.db, { name: randomUUID(), node: 'ast9' });
        await pipeline.onRecordingStored(id);
        await pipeline.runner.drain(1);
        expect((await getRecording(t.db, id))?.state).to.equal('stored');
        const job = (await t.db('jobs').where('type', 'recording.upload').first('state', 'last_error')) as {
          state: string;
          last_error: string;
        };
        expect(job.state).to.equal('pending');
        expect(job.last_error).to.match(/ast9/);
      } finally {
        await pipeline.stop();
      }
    });
  });
