import type { Knex } from 'knex';
import type { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import {
  createJobRunner,
  enqueueJob,
  enqueueJobStatement,
  retryDeadJob,
  signalEnqueued,
  type Backoff,
  type JobDefinition,
  type JobRunner,
} from '../jobs/index.js';
import { logger as rootLogger, type Logger } from '../logger.js';
import type { Keyring } from './crypto.js';
import {
  createRecordingJobs,
  uploadJobKey,
  type ClosedRecording,
  type RecordingJobs,
  type RecordingSource,
} from './jobs.js';
import { loadKeyring } from './keys.js';
import { createTranscribeJob, transcribeJobKey, transcriptTextsOfCall, type TranscribePayload } from './transcripts.js';
import type { Transcriber } from '../transcription/engines.js';
import { createRecordingRoutes } from './routes.js';
import { requeueStoredRecordings, scheduleRetention, sweepRetention, type RetentionSchedule } from './retention.js';
import { openStore, type ObjectStore } from './storage/index.js';
import { UploadThread } from './upload-thread.js';

export interface RecordingPipelineOptions {
  readonly db: Knex;
  /** The switch port (only its stored recordings' fetch, location and deletion are used). */
  readonly switchPort: RecordingSource;
  readonly config: Pick<Config, 'storage' | 'http'> & {
    instanceId?: string;
    transcription?: Pick<Config['transcription'], 'languages' | 'concurrency'>;
  };
  /** The speech-to-text engine (transcription/engines.ts); none: queues cannot transcribe. */
  readonly transcriber?: Transcriber | null;
  readonly logger?: Logger;
  /** A shared runner (main.ts registers other job types on it too); by default the pipeline makes its own. */
  readonly runner?: JobRunner;
  /** Environment for S3 credentials. Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Demo-mode key file (without storage.masterKey). Default ./data/recording-master.key. */
  readonly localKeyPath?: string;
  /** Cron expression of the retention sweep; null = none. Default hourly at minute 17. */
  readonly retentionCron?: string | null;
  /** Job tuning (tests use short ones). */
  readonly jobs?: { pollMs?: number; leaseMs?: number; concurrency?: number; backoff?: Backoff };
  readonly chunkBytes?: number;
  readonly fetchIdleMs?: number;
  readonly verifyReadBack?: boolean;
  /** Prometheus registry for the owned runner's job metrics. */
  readonly metrics?: Registry;
}

export interface RecordingPipeline {
  /** Starts the job runner (when the pipeline owns it) and the retention schedule. */
  start(): void;
  stop(): Promise<void>;
  /**
   * Asterisk finished the file: marks the row stored and queues its upload. Pass the caller's transaction to
   * make both part of the caller's commit.
   */
  onRecordingStored(
    recordingId: string,
    trx?: Knex.Transaction,
    facts?: { endedAt?: Date; durationS?: number },
  ): Promise<void>;
  /**
   * The upload job's insert as a statement for the caller's own commit (the call flow's group commit, where the
   * recording row is marked stored in the same packet); `committed` wakes the runner once it landed. A job that
   * already exists for the recording is left as it is.
   */
  queueUploadWith(
    recordingId: string,
    closed?: ClosedRecording,
  ): { statements: ((q: Knex | Knex.Transaction) => Knex.QueryBuilder)[]; committed(): void };
  /** Router for /api/recordings/:id/audio and /:id/link (mount after the auth middleware). */
  readonly routes: Router;
  readonly runner: JobRunner;
  readonly jobs: RecordingJobs;
  /** The transcription job and the runner that owns it (its own, so a slow engine never holds up uploads); null without an engine. */
  readonly transcription: { readonly job: JobDefinition<TranscribePayload>; readonly runner: JobRunner } | null;
  /** Queues the transcription of an uploaded recording (idempotent); false when no engine is configured. */
  requestTranscript(recordingId: string): Promise<boolean>;
  /** What was heard on a call's recordings, decrypted (ticket analysis reads it). */
  transcriptsOfCall(callId: string): Promise<string[]>;
  readonly keyring: Keyring;
  readonly primary: ObjectStore;
  readonly replicas: readonly ObjectStore[];
  storeFor(target: string): ObjectStore;
  /**
   * One housekeeping pass now (the cron calls this): deletions past retention, uploads of 'stored' rows that
   * have no upload job (a crash between the call flow's update and its notice), old finished jobs.
   */
  sweepRetention(now?: Date): Promise<{ queued: number; purgedJobs: number; requeuedUploads: number }>;
}

export function createRecordingPipeline(options: RecordingPipelineOptions): RecordingPipeline {
  const log = (options.logger ?? rootLogger).child({ module: 'recording' });
  const env = options.env ?? process.env;
  const storage = options.config.storage;
  const keyring = loadKeyring({
    masterKey: storage.masterKey,
    oldKeys: storage.oldKeys,
    localKeyPath: options.localKeyPath,
    logger: log,
  });

  const stores = new Map<string, ObjectStore>();
  const register = (s: ObjectStore): ObjectStore => {
    const existing = stores.get(s.target);
    if (existing) {
      s.close();
      return existing;
    }
    stores.set(s.target, s);
    return s;
  };
  const primary = register(openStore(storage.url, env));
  const replicas = storage.replicaUrls.map((u) => register(openStore(u, env))).filter((s) => s !== primary);
  // Rows name the target they were written to; a target no longer configured is still opened to read/delete.
  const storeFor = (target: string): ObjectStore => stores.get(target) ?? register(openStore(target, env));

  const thread = storage.uploadThread
    ? new UploadThread({
        storeUrl: storage.url,
        env,
        keyring,
        chunkBytes: options.chunkBytes,
        fetchIdleMs: options.fetchIdleMs,
        verify: options.verifyReadBack ?? true,
        nice: storage.uploadThreadNice,
        logger: log,
      })
    : undefined;
  const transcribeJob = options.transcriber
    ? createTranscribeJob({
        db: options.db,
        keyring,
        transcriber: options.transcriber,
        languages: options.config.transcription?.languages ?? ['en'],
        storeFor,
        logger: log,
        backoff: options.jobs?.backoff,
      })
    : undefined;
  const jobs = createRecordingJobs({
    db: options.db,
    source: options.switchPort,
    primary,
    replicas,
    storeFor,
    keyring,
    logger: log,
    defaultRetentionDays: storage.retentionDays,
    chunkBytes: options.chunkBytes,
    fetchIdleMs: options.fetchIdleMs,
    verifyReadBack: options.verifyReadBack,
    backoff: options.jobs?.backoff,
    thread,
    transcribe: transcribeJob,
  });
  const ownsRunner = !options.runner;
  const runner =
    options.runner ??
    createJobRunner({
      db: options.db,
      instanceId: options.config.instanceId ?? `recording-${process.pid}`,
      // The runner names its own module ('jobs'); under the recording logger every line carried `module` twice.
      logger: options.logger ?? rootLogger,
      pollMs: options.jobs?.pollMs,
      leaseMs: options.jobs?.leaseMs,
      concurrency: options.jobs?.concurrency ?? options.config.storage.uploadConcurrency,
      metrics: options.metrics,
    });
  jobs.registerOn(runner);
  // Transcriptions take a core for a good part of a call's length (or wait on a remote service): a runner of their
  // own bounds how many run at once without taking a slot an upload needs.
  const transcription = transcribeJob
    ? {
        job: transcribeJob,
        runner: createJobRunner({
          db: options.db,
          instanceId: options.config.instanceId ?? `recording-${process.pid}`,
          logger: options.logger ?? rootLogger,
          pollMs: options.jobs?.pollMs,
          leaseMs: options.jobs?.leaseMs,
          concurrency: options.config.transcription?.concurrency ?? 1,
          metrics: options.metrics,
        }),
      }
    : null;
  transcription?.runner.register(transcription.job);
  const requestTranscript = async (recordingId: string): Promise<boolean> => {
    if (!transcription) return false;
    const queued = await enqueueJob(
      options.db,
      transcription.job,
      { recordingId },
      { idempotencyKey: transcribeJobKey(recordingId) },
    );
    // Asked again after the engine gave up (it was down, the file unreadable): a fresh set of attempts.
    if (!queued.created) await retryDeadJob(options.db, queued.id);
    return true;
  };

  const routes = createRecordingRoutes({
    db: options.db,
    keyring,
    storeFor,
    logger: log,
    publicUrl: options.config.http.publicUrl,
    requestTranscript,
  });

  const sweep = async (now?: Date) => {
    const retention = await sweepRetention(options.db, jobs.delete, { now });
    const requeuedUploads = await requeueStoredRecordings(options.db, jobs.upload, {
      olderThan: new Date((now ?? new Date()).getTime() - 60_000),
    });
    if (requeuedUploads > 0) log.warn({ requeuedUploads }, 'queued uploads of stored recordings that had none');
    return { ...retention, requeuedUploads };
  };
  let schedule: RetentionSchedule | null = null;

  return {
    start() {
      if (ownsRunner) runner.start();
      transcription?.runner.start();
      if (options.switchPort.storedRecordingLocation) thread?.start();
      const expr = options.retentionCron === undefined ? '17 * * * *' : options.retentionCron;
      if (expr && !schedule) {
        schedule = scheduleRetention(expr, () => sweep(), log);
        // Catch up at once on what a crash may have left, rather than at the next scheduled pass.
        void requeueStoredRecordings(options.db, jobs.upload).catch((err: unknown) =>
          log.warn({ err }, 'start-up upload catch-up failed'),
        );
      }
    },
    async stop() {
      schedule?.stop();
      schedule = null;
      if (ownsRunner) await runner.stop();
      await transcription?.runner.stop();
      await thread?.close();
      for (const s of stores.values()) s.close();
    },
    async onRecordingStored(recordingId, trx, facts = {}) {
      const work = async (t: Knex.Transaction): Promise<void> => {
        const update: Record<string, unknown> = { state: 'stored' };
        if (facts.endedAt) update.ended_at = facts.endedAt;
        if (facts.durationS !== undefined) update.duration_s = facts.durationS;
        const n = await t('recordings')
          .where('id', recordingId)
          .whereIn('state', ['recording', 'stored', 'failed'])
          .update(update);
        if (n === 0) {
          const row = (await t('recordings').where('id', recordingId).first('state')) as { state: string } | undefined;
          if (!row) throw new Error(`recording ${recordingId} does not exist`);
          return; // already uploaded, missing or deleted: nothing to do
        }
        await enqueueJob(t, jobs.upload, { recordingId }, { idempotencyKey: uploadJobKey(recordingId) });
      };
      if (trx) await work(trx);
      else await options.db.transaction(work);
    },
    queueUploadWith(recordingId, closed) {
      const payload = closed ? { recordingId, closed } : { recordingId };
      const statement = enqueueJobStatement(jobs.upload, payload, { idempotencyKey: uploadJobKey(recordingId) });
      return { statements: [statement], committed: signalEnqueued };
    },
    routes,
    runner,
    jobs,
    transcription,
    requestTranscript,
    transcriptsOfCall: (callId) => transcriptTextsOfCall(options.db, keyring, callId),
    keyring,
    primary,
    replicas,
    storeFor,
    sweepRetention: sweep,
  };
}
