import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import type { AuthUser } from '../../src/auth/types.js';
import { enqueue, PermanentJobError } from '../../src/jobs/index.js';
import { createRecordingPipeline, insertRecording, type RecordingPipeline } from '../../src/recording/index.js';
import { primaryLanguage, readTranscript } from '../../src/recording/transcripts.js';
import type { Transcriber, TranscriptionInput } from '../../src/transcription/engines.js';
import type { Heard, TranscriptSegment } from '../../src/transcription/heard.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { FakeSource, makeWav } from './support.js';

const KEY = `key-t:${randomBytes(32).toString('base64')}`;

/** An engine that says what it was given, or fails as told. */
class FakeTranscriber implements Transcriber {
  readonly name = 'fake';
  readonly heard: { language: string; bytes: number; fileExisted: boolean; file: string }[] = [];
  say = 'the parcel never arrived and i am very angry';
  segments: TranscriptSegment[] | null = null;
  failures: Error[] = [];

  async transcribe(input: TranscriptionInput): Promise<Heard> {
    this.heard.push({
      language: input.language,
      bytes: input.audio.length,
      fileExisted: existsSync(input.file),
      file: input.file,
    });
    const failure = this.failures.shift();
    if (failure) throw failure;
    return { text: this.say, segments: this.segments };
  }
}

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`recording transcripts (${dialect})`, function () {
    this.timeout(30_000);
    let t: TestDb;
    let dir: string;
    let source: FakeSource;
    let engine: FakeTranscriber;
    let pipeline: RecordingPipeline;
    let queueId: number;
    let agentId: number;
    const users: Record<string, AuthUser> = {};

    const makePipeline = (transcriber: Transcriber | null): RecordingPipeline =>
      createRecordingPipeline({
        db: t.db,
        switchPort: source,
        config: {
          storage: {
            url: `file:${join(dir, 'primary')}`,
            replicaUrls: [],
            masterKey: KEY,
            oldKeys: [],
            retentionDays: 30,
            uploadConcurrency: 2,
            uploadThread: false,
            uploadThreadNice: 10,
          },
          http: { port: 0, host: '127.0.0.1' },
          instanceId: `test-${randomUUID().slice(0, 8)}`,
          transcription: { languages: ['en', 'zh'], concurrency: 1 },
        },
        transcriber,
        retentionCron: null,
        jobs: { pollMs: 20, backoff: { baseMs: 5, maxMs: 20 } },
      });

    beforeEach(async () => {
      t = await createTestDb(dialect);
      dir = mkdtempSync(join(tmpdir(), 'ariadne-stt-test-'));
      source = new FakeSource();
      engine = new FakeTranscriber();
      const [q] = await t
        .db('queues')
        .insert({ name: 'support', display_name: 'Support', overflow: '[]', transcribe: true });
      queueId = Number(q);
      const [a] = await t.db('agents').insert({ name: 'Agent 1', endpoint: 'PJSIP/2001' });
      agentId = Number(a);
      for (const role of ['admin', 'supervisor', 'agent'] as const) {
        const [u] = await t.db('users').insert({ username: role, display_name: role, password_hash: 'x', role });
        users[role] = { id: Number(u), username: role, displayName: role, role, agentId: null };
      }
      users.agent = { ...(users.agent as AuthUser), agentId };
      users.otherAgent = { ...(users.agent as AuthUser), agentId: agentId + 1 };
      users.supervisor = { ...(users.supervisor as AuthUser), queueIds: [queueId] };
      pipeline = makePipeline(engine);
    });
    afterEach(async () => {
      await pipeline.stop();
      await t.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    async function recordedCall(
      opts: { language?: string | null; transcribe?: boolean; samples?: number } = {},
    ): Promise<{ id: string; callId: string }> {
      if (opts.transcribe === false) await t.db('queues').where('id', queueId).update({ transcribe: false });
      const callId = randomUUID();
      await t.db('calls').insert({
        id: callId,
        node: 'asterisk-1',
        channel_id: `ch-${callId}`,
        owner: 'test',
        state: 'ended',
        caller_raw: '1001',
        did: '100',
        arrived_at: new Date(),
        language: opts.language ?? null,
      });
      const id = await insertRecording(t.db, {
        callId,
        name: callId,
        node: 'asterisk-1',
        queueId,
        agentId,
        startedAt: new Date(),
      });
      source.files.set(callId, makeWav(opts.samples ?? 8000));
      await pipeline.onRecordingStored(id);
      return { id, callId };
    }

    /** Both runners until no recording job is pending or running (ticket analysis is not theirs: it stays queued). */
    async function settle(): Promise<void> {
      for (let i = 0; i < 100; i++) {
        await pipeline.runner.drain();
        await pipeline.transcription?.runner.drain();
        const open = await t
          .db('jobs')
          .where('type', 'like', 'recording.%')
          .whereIn('state', ['pending', 'running'])
          .first('id');
        if (!open) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('jobs did not settle');
    }

    it("a transcribing queue's recording is heard once uploaded: sealed in the table, the call's tickets analysed again", async () => {
      const r = await recordedCall({ language: 'en-GB' });
      await settle();
      expect(engine.heard).to.have.length(1);
      expect(engine.heard[0]).to.include({ language: 'en', bytes: 16_044, fileExisted: true });
      expect(existsSync(engine.heard[0]?.file as string), 'the plaintext file is gone').to.equal(false);

      const tr = await readTranscript(t.db, pipeline.keyring, r.id);
      expect(tr).to.include({ state: 'done', engine: 'fake', language: 'en', callId: r.callId, reason: null });
      expect(tr?.text).to.equal('the parcel never arrived and i am very angry');
      expect(tr?.audioSeconds).to.equal(1);
      const row = (await t.db('recording_transcripts').where('recording_id', r.id).first()) as { text_enc: Buffer };
      expect(Buffer.from(row.text_enc).includes(Buffer.from('parcel')), 'no plaintext in the database').to.equal(false);

      const analyse = (await t.db('jobs').where('type', 'ticket.analyse_call').pluck('payload')) as string[];
      expect(analyse.map((p) => JSON.parse(p) as unknown)).to.deep.equal([{ callId: r.callId }]);
      expect(await pipeline.transcriptsOfCall(r.callId)).to.deep.equal([
        'the parcel never arrived and i am very angry',
      ]);
    });

    it('a queue that does not transcribe, or no engine at all, queues nothing', async () => {
      await recordedCall({ transcribe: false });
      await settle();
      expect(engine.heard).to.have.length(0);
      await pipeline.stop();
      pipeline = makePipeline(null);
      await t.db('queues').where('id', queueId).update({ transcribe: true });
      const r = await recordedCall();
      await settle();
      expect(pipeline.transcription).to.equal(null);
      expect(await pipeline.requestTranscript(r.id)).to.equal(false);
      expect(await t.db('recording_transcripts').count({ n: '*' })).to.deep.equal([{ n: 0 }]);
      expect(await t.db('jobs').where('type', 'recording.transcribe').count({ n: '*' })).to.deep.equal([{ n: 0 }]);
    });

    it('a call in a language the engine does not hear is skipped with the reason; a call without one is heard in the first', async () => {
      const fr = await recordedCall({ language: 'fr' });
      const none = await recordedCall({ language: null });
      await settle();
      expect(engine.heard.map((h) => h.language)).to.deep.equal(['en']);
      const skipped = await readTranscript(t.db, pipeline.keyring, fr.id);
      expect(skipped).to.include({ state: 'skipped', text: null, language: 'fr' });
      expect(skipped?.reason).to.match(/set up for en, zh, not fr/);
      expect((await readTranscript(t.db, pipeline.keyring, none.id))?.state).to.equal('done');
      // Only a transcript worth reading sends the tickets to analysis again.
      expect(await t.db('jobs').where('type', 'ticket.analyse_call').count({ n: '*' })).to.deep.equal([{ n: 1 }]);
    });

    it('a card number the caller read out is never stored', async () => {
      engine.say = 'my card number is 4111 1111 1111 1111 expiry december';
      const r = await recordedCall();
      await settle();
      expect((await readTranscript(t.db, pipeline.keyring, r.id))?.text).to.equal(
        'my card number is [card number] expiry december',
      );
    });

    it('timed segments are sealed beside the text and read back as they were heard', async () => {
      engine.segments = [
        { start: 0.2, end: 1.4, text: 'the parcel never arrived', speaker: 'A' },
        { start: 1.5, end: 2.9, text: 'and i am very angry', speaker: 'B' },
      ];
      const r = await recordedCall();
      await settle();
      const tr = await readTranscript(t.db, pipeline.keyring, r.id);
      expect(tr?.text).to.equal(engine.say);
      expect(tr?.segments).to.deep.equal(engine.segments);
      const row = (await t.db('recording_transcripts').where('recording_id', r.id).first()) as {
        segments_enc: Buffer;
      };
      expect(Buffer.from(row.segments_enc).includes(Buffer.from('angry')), 'no plaintext').to.equal(false);
      // An engine with text only leaves no segments.
      engine.segments = null;
      const plain = await recordedCall();
      await settle();
      expect((await readTranscript(t.db, pipeline.keyring, plain.id))?.segments).to.equal(null);
    });

    it('a card number in a segment is redacted there; one read across two segments costs the segments', async () => {
      engine.say = 'card 4111 1111 1111 1111 thanks';
      engine.segments = [
        { start: 0, end: 2, text: 'card 4111 1111 1111 1111', speaker: null },
        { start: 2, end: 3, text: 'thanks', speaker: null },
      ];
      const inOne = await recordedCall();
      await settle();
      const one = await readTranscript(t.db, pipeline.keyring, inOne.id);
      expect(one?.text).to.equal('card [card number] thanks');
      expect(one?.segments?.map((s) => s.text)).to.deep.equal(['card [card number]', 'thanks']);

      engine.segments = [
        { start: 0, end: 2, text: 'card four one one one one one one one', speaker: 'A' },
        { start: 2, end: 4, text: 'one one one one one one one one thanks', speaker: 'A' },
      ];
      engine.say = engine.segments.map((s) => s.text).join(' ');
      const across = await recordedCall();
      await settle();
      const two = await readTranscript(t.db, pipeline.keyring, across.id);
      expect(two?.text).to.equal('card [card number] thanks');
      expect(two?.segments).to.equal(null);
    });

    it('a recording with no sound in it is skipped without running the engine', async () => {
      const r = await recordedCall({ samples: 0 });
      await settle();
      expect(engine.heard).to.have.length(0);
      expect(await readTranscript(t.db, pipeline.keyring, r.id)).to.include({
        state: 'skipped',
        reason: 'nothing was recorded',
      });
    });

    it('an engine that fails is retried; one that cannot run goes dead at once, and asking again revives it', async () => {
      engine.failures.push(new Error('engine busy'));
      const r1 = await recordedCall();
      await settle();
      expect(engine.heard).to.have.length(2);
      expect((await readTranscript(t.db, pipeline.keyring, r1.id))?.state).to.equal('done');

      engine.failures.push(new PermanentJobError('transcription command /nope cannot run (ENOENT)'));
      const r2 = await recordedCall();
      await settle();
      const job = (await t.db('jobs').where('idempotency_key', `recording.transcribe:${r2.id}`).first()) as {
        state: string;
        last_error: string;
      };
      expect(job.state).to.equal('dead');
      expect(job.last_error).to.match(/ENOENT/);
      expect(await pipeline.requestTranscript(r2.id)).to.equal(true);
      await settle();
      expect((await readTranscript(t.db, pipeline.keyring, r2.id))?.text).to.equal(engine.say);
    });

    it('an upload run again on a stored recording queues the transcript an earlier run did not get to', async () => {
      const r = await recordedCall();
      await settle();
      // As if the earlier run stopped between marking the row uploaded and queueing the transcription.
      await t.db('recording_transcripts').delete();
      await t.db('jobs').where('type', 'recording.transcribe').delete();
      await enqueue(t.db, 'recording.upload', { recordingId: r.id }, { idempotencyKey: `rerun:${r.id}` });
      await settle();
      expect((await readTranscript(t.db, pipeline.keyring, r.id))?.state).to.equal('done');
      expect(engine.heard).to.have.length(2);
    });

    it('retention deletes the transcript with the recording', async () => {
      const r = await recordedCall();
      await settle();
      expect(await readTranscript(t.db, pipeline.keyring, r.id)).to.not.equal(null);
      await t
        .db('recordings')
        .where('id', r.id)
        .update({ retain_until: new Date(Date.now() - 1000) });
      await pipeline.sweepRetention();
      await settle();
      expect(await readTranscript(t.db, pipeline.keyring, r.id)).to.equal(null);
      expect(await pipeline.transcriptsOfCall(r.callId)).to.deep.equal([]);
    });

    describe('API', () => {
      let server: Server;
      let base: string;
      beforeEach(async () => {
        const app = express();
        app.use((req, res, next) => {
          const who = req.headers['x-test-user'];
          if (typeof who === 'string' && users[who]) res.locals.user = users[who];
          next();
        });
        app.use('/api/recordings', pipeline.routes);
        server = app.listen(0, '127.0.0.1');
        await new Promise((res) => server.once('listening', res));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/recordings`;
      });
      afterEach(() => {
        server.close();
      });
      const call = (method: string, path: string, user?: string) =>
        fetch(`${base}${path}`, { method, headers: user ? { 'x-test-user': user } : {} });

      it('GET /:id/transcript: the text to those who may hear the call, audited; 404, 403 and 401 otherwise', async () => {
        const r = await recordedCall();
        await settle();
        for (const who of ['admin', 'supervisor', 'agent']) {
          const res = await call('GET', `/${r.id}/transcript`, who);
          expect(res.status, who).to.equal(200);
          const body = (await res.json()) as Record<string, unknown>;
          expect(body).to.include({ recordingId: r.id, callId: r.callId, state: 'done', text: engine.say });
          expect(body.segments).to.equal(null);
        }
        expect((await call('GET', `/${r.id}/transcript`, 'otherAgent')).status).to.equal(403);
        expect((await call('GET', `/${r.id}/transcript`)).status).to.equal(401);
        expect((await call('GET', `/nope/transcript`, 'admin')).status).to.equal(404);
        const audit = (await t.db('audit_log').where('action', 'recording.transcript').pluck('actor')) as string[];
        expect(audit.sort()).to.deep.equal(['admin', 'agent', 'supervisor']);
      });

      it('POST /:id/transcribe: a supervisor asks for a recording of a queue that does not transcribe; pending, then done', async () => {
        const r = await recordedCall({ transcribe: false });
        await settle();
        const missing = await call('GET', `/${r.id}/transcript`, 'admin');
        expect(missing.status).to.equal(404);
        expect((await call('POST', `/${r.id}/transcribe`, 'agent')).status).to.equal(403);
        const asked = await call('POST', `/${r.id}/transcribe`, 'supervisor');
        expect(asked.status).to.equal(202);
        expect(await asked.json()).to.deep.equal({
          recordingId: r.id,
          callId: r.callId,
          state: 'pending',
          reason: null,
        });
        await settle();
        expect(
          ((await (await call('GET', `/${r.id}/transcript`, 'admin')).json()) as { state: string }).state,
        ).to.equal('done');
        const again = await call('POST', `/${r.id}/transcribe`, 'admin');
        expect(again.status).to.equal(409);
        expect(((await again.json()) as { error: { message: string } }).error.message).to.match(/already transcribed/);
        expect(await t.db('audit_log').where('action', 'recording.transcribe').pluck('actor')).to.deep.equal([
          'supervisor',
        ]);
      });

      it('a transcription that gave up says so, with the reason', async () => {
        engine.failures.push(new PermanentJobError('transcription service answered 400: unsupported format'));
        const r = await recordedCall();
        await settle();
        const body = (await (await call('GET', `/${r.id}/transcript`, 'admin')).json()) as Record<string, unknown>;
        expect(body.state).to.equal('failed');
        expect(body.reason).to.match(/unsupported format/);
      });

      it('POST /:id/transcribe without an engine, or before the recording is stored, is a 409 that says why', async () => {
        const r = await recordedCall({ transcribe: false });
        await pipeline.stop();
        pipeline = makePipeline(null);
        server.close();
        const app = express();
        app.use((_req, res, next) => {
          res.locals.user = users.admin;
          next();
        });
        app.use('/api/recordings', pipeline.routes);
        server = app.listen(0, '127.0.0.1');
        await new Promise((res) => server.once('listening', res));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/recordings`;
        const early = await call('POST', `/${r.id}/transcribe`);
        expect(early.status).to.equal(409);
        expect(((await early.json()) as { error: { message: string } }).error.message).to.match(/this one is stored/);
        await settle();
        const res = await call('POST', `/${r.id}/transcribe`);
        expect(res.status).to.equal(409);
        expect(((await res.json()) as { error: { message: string } }).error.message).to.match(/ARIADNE_TRANSCRIBE_URL/);
      });
    });
  });
}

describe('primaryLanguage', () => {
  it('keeps the language and drops the region', () => {
    expect(['en-GB', 'zh_CN', 'EN', ' fr '].map(primaryLanguage)).to.deep.equal(['en', 'zh', 'en', 'fr']);
  });
});
