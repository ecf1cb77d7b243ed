import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { affectedRows, selectedRows } from '../db/statement-batch.js';
import { z } from 'zod';
import {
  defineJob,
  enqueueJob,
  LeaseLostError,
  PermanentJobError,
  type Backoff,
  type JobDefinition,
} from '../jobs/index.js';
import type { Logger } from '../logger.js';
import { isSwitchError, type SwitchPort } from '../telephony/port.js';
import { writeRecordingAudit } from './audit.js';
import type { Keyring } from './crypto.js';
import { getRecording, rowToRecording, storageKeyFor, type Recording } from './repository.js';
import type { ObjectStore } from './storage/index.js';
import { storeRecordingBytes, type StoredBytes } from './store-bytes.js';
import { transcribeJobKey, type TranscribePayload } from './transcripts.js';
import type { UploadThread } from './upload-thread.js';

export type RecordingSource = Pick<
  SwitchPort,
  'fetchStoredRecording' | 'storedRecordingLocation' | 'deleteStoredRecording'
>;

export interface RecordingJobDeps {
  readonly db: Knex;
  readonly source: RecordingSource;
  readonly primary: ObjectStore;
  readonly replicas: readonly ObjectStore[];
  /** The store for a target URL recorded on a row (the primary, a replica, or one no longer configured). */
  storeFor(target: string): ObjectStore;
  readonly keyring: Keyring;
  readonly logger: Logger;
  /** When the recording has no queue (or the queue is gone). */
  readonly defaultRetentionDays: number;
  readonly chunkBytes?: number;
  readonly fetchIdleMs?: number;
  /** Read the stored object back, decrypt it and compare the SHA-256 before marking it uploaded. Default true. */
  readonly verifyReadBack?: boolean;
  readonly backoff?: Backoff;
  /** Where uploads store their bytes, off the main thread; without one (or a switch that cannot say where a file is) they run here. */
  readonly thread?: UploadThread;
  /** Queued for a recording whose queue transcribes, once uploaded; absent when no engine is configured. */
  readonly transcribe?: JobDefinition<TranscribePayload>;
}

const recordingId = z.string().min(1).max(36);
/**
 * The recording as the call flow closed it, in the same commit as the job: the first attempt uses this instead of
 * reading the row back (one statement fewer per recorded call). Any later attempt reads the row.
 */
export const closedRecording = z.object({
  callId: z.string().min(1).max(64),
  name: z.string().min(1).max(255),
  node: z.string().max(64).nullable(),
  format: z.string().min(1).max(16),
  startedAt: z.coerce.date(),
  endedAt: z.coerce.date(),
  durationS: z.number().min(0),
  /** The queue's retention; null: no queue (the storage default). */
  retentionDays: z.number().int().positive().nullable(),
  /** The queue transcribes its recordings (absent in jobs queued before transcription existed). */
  transcribe: z.boolean().default(false),
});
export type ClosedRecording = z.infer<typeof closedRecording>;
export const uploadPayload = z.object({ recordingId, closed: closedRecording.optional() });
export const replicatePayload = z.object({ recordingId, target: z.string().min(1).max(255) });
export const deleteSourcePayload = z.object({ recordingId });
/** Why a recording goes: its retention ran out, an admin deleted it, or its caller's data was erased (privacy/erasure.ts). */
export const deletePayload = z.object({
  recordingId,
  reason: z.enum(['retention', 'admin', 'erasure']).default('retention'),
});

/** The deletion job's type and attempts, for whoever queues it without the pipeline's definition (privacy/erasure.ts). */
export const RECORDING_DELETE_JOB = 'recording.delete';
export const RECORDING_DELETE_MAX_ATTEMPTS = 20;

/** One upload job per recording, however many times its storing is reported. */
export function uploadJobKey(recordingId: string): string {
  return `recording.upload:${recordingId}`;
}

const DONE_STATES = new Set(['uploaded', 'deleted', 'missing']);

function targetKey(target: string): string {
  return createHash('sha256').update(target).digest('hex').slice(0, 16);
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(parts);
}

interface ToUpload {
  readonly rec: Recording;
  /** null: no queue, or the queue is gone. */
  readonly queueRetentionDays: number | null;
  readonly transcribe: boolean;
}

/** The recording with its queue's retention and transcription setting, in one read. */
async function recordingToUpload(db: Knex, id: string): Promise<ToUpload | null> {
  const [row] = await selectedRows(
    db,
    db('recordings as r')
      .leftJoin('queues as q', 'q.id', 'r.queue_id')
      .where('r.id', id)
      .limit(1)
      .select('r.*', 'q.retention_days as queue_retention_days', 'q.transcribe as queue_transcribe'),
  );
  if (!row) return null;
  const days = row.queue_retention_days;
  return {
    rec: rowToRecording(row),
    queueRetentionDays: days === null || days === undefined ? null : Number(days),
    transcribe: Boolean(Number(row.queue_transcribe ?? 0)),
  };
}

/** The upload's view of a recording the call flow has just closed and stored (see closedRecording). */
function justClosed(id: string, c: ClosedRecording): ToUpload {
  const rec: Recording = {
    id,
    callId: c.callId,
    name: c.name,
    node: c.node,
    queueId: null,
    agentId: null,
    state: 'stored',
    startedAt: c.startedAt,
    endedAt: c.endedAt,
    durationS: c.durationS,
    format: c.format,
    bytes: null,
    sha256: null,
    storageKey: null,
    storageTarget: null,
    keyId: null,
    encryption: null,
    retainUntil: null,
    uploadedAt: null,
    deletedAt: null,
    error: null,
  };
  return { rec, queueRetentionDays: c.retentionDays, transcribe: c.transcribe };
}

export interface RecordingJobs {
  readonly upload: JobDefinition<z.infer<typeof uploadPayload>>;
  readonly replicate: JobDefinition<z.infer<typeof replicatePayload>>;
  readonly deleteSource: JobDefinition<z.infer<typeof deleteSourcePayload>>;
  readonly delete: JobDefinition<z.infer<typeof deletePayload>>;
  /** Registers every recording job type on a runner. */
  registerOn(runner: { register<P>(def: JobDefinition<P>): void }): void;
}

export function createRecordingJobs(deps: RecordingJobDeps): RecordingJobs {
  const replicate = defineJob({
    type: 'recording.replicate',
    schema: replicatePayload,
    backoff: deps.backoff,
    maxAttempts: 20,
    handler: async (p, ctx) => {
      const rec = await getRecording(deps.db, p.recordingId);
      if (!rec) throw new PermanentJobError(`recording ${p.recordingId} does not exist`);
      if (rec.state === 'deleted') {
        await deps
          .db('recording_replicas')
          .where({ recording_id: rec.id, target: p.target })
          .update({ state: 'deleted', updated_at: new Date() });
        return;
      }
      if (rec.state !== 'uploaded' || !rec.storageKey || !rec.storageTarget || rec.bytes === null || !rec.keyId) {
        throw new PermanentJobError(`recording ${rec.id} is ${rec.state}, not uploaded: nothing to replicate`);
      }
      const key = rec.storageKey;
      const from = deps.storeFor(rec.storageTarget);
      const to = deps.storeFor(p.target);
      const info = await from.head(key);
      if (!info) throw new Error(`primary object ${key} is missing on ${from.target}`);
      try {
        // The encrypted object is copied as it is: replicas need the same key ring, never the plaintext.
        await to.put(key, await from.get(key), {
          contentType: 'application/octet-stream',
          metadata: { ...info.metadata },
          signal: ctx.signal,
        });
        const copy = await to.head(key);
        if (!copy || copy.size !== info.size)
          throw new Error(
            `replica object ${key} on ${to.target} is ${copy?.size ?? 'absent'} bytes, expected ${info.size}`,
          );
      } catch (err) {
        await deps
          .db('recording_replicas')
          .where({ recording_id: rec.id, target: p.target })
          .update({ error: String((err as Error).message).slice(0, 2000), updated_at: new Date() })
          .catch(() => undefined);
        throw err;
      }
      const stillThere = await ctx.fenced(async (trx) => {
        const now = (await trx('recordings').where('id', rec.id).first('state')) as { state: string } | undefined;
        if (!now || now.state === 'deleted') return false;
        await trx('recording_replicas')
          .where({ recording_id: rec.id, target: p.target })
          .update({ state: 'stored', storage_key: key, error: null, updated_at: new Date() });
        return true;
      });
      // Retention deleted the recording while we copied: take the copy back out.
      if (!stillThere) await to.delete(key);
    },
  });

  const deleteSource = defineJob({
    type: 'recording.delete_source',
    schema: deleteSourcePayload,
    backoff: deps.backoff,
    maxAttempts: 20,
    handler: async (p) => {
      const rec = await getRecording(deps.db, p.recordingId);
      if (!rec) return;
      if (rec.state !== 'uploaded' && rec.state !== 'deleted')
        throw new PermanentJobError(`recording ${rec.id} is ${rec.state}: the Asterisk file is kept`);
      try {
        await deps.source.deleteStoredRecording(rec.name, rec.node ?? undefined);
      } catch (err) {
        if (!isSwitchError(err, 'not_found')) throw err;
      }
    },
  });

  /**
   * Deletes the node's file once the recording is safe in storage. Done inside the upload job (as a job of its own it
   * cost an insert, a claim, a read and a settle per call); a failure hands it to recording.delete_source, which
   * retries on its own, and a crash before it re-runs the upload job, which finds the row uploaded and finishes here.
   */
  const removeSource = async (rec: Recording, log: Logger): Promise<void> => {
    try {
      await deps.source.deleteStoredRecording(rec.name, rec.node ?? undefined);
    } catch (err) {
      if (isSwitchError(err, 'not_found')) return;
      log.warn(
        { err, name: rec.name, node: rec.node },
        'cannot delete the recording on Asterisk yet; retrying it as its own job',
      );
      await enqueueJob(
        deps.db,
        deleteSource,
        { recordingId: rec.id },
        { idempotencyKey: `recording.delete_source:${rec.id}` },
      );
    }
  };

  /**
   * The row was deleted while this run stored its bytes (an erasure or an admin, before a first attempt that trusts
   * its payload and so never read the row): the object just written must go too, as nothing else would ever delete
   * it. A row another run finished is left alone (same key, same content).
   */
  const dropIfDeleted = async (id: string, key: string, log: Logger): Promise<boolean> => {
    const row = (await deps.db('recordings').where('id', id).first('state')) as { state: string } | undefined;
    if (row && row.state !== 'deleted') return false;
    await deps.primary.delete(key);
    log.info({ key }, 'recording was deleted while it was stored: its object is removed again');
    return true;
  };

  /** Once per recording (keyed), when its queue transcribes and an engine is configured. */
  const queueTranscript = async ({ rec, transcribe }: ToUpload): Promise<void> => {
    if (transcribe && deps.transcribe)
      await enqueueJob(deps.db, deps.transcribe, { recordingId: rec.id }, { idempotencyKey: transcribeJobKey(rec.id) });
  };

  /** The recording's bytes into the primary store: in the upload thread when there is one and the switch says where the file is. */
  const storeBytes = async (rec: Recording, key: string, signal: AbortSignal): Promise<StoredBytes> => {
    const location = deps.thread ? deps.source.storedRecordingLocation?.(rec.name, rec.node ?? undefined) : undefined;
    if (deps.thread && location)
      return deps.thread.store({ location, recordingId: rec.id, format: rec.format, key }, signal);
    const source = await deps.source.fetchStoredRecording(rec.name, rec.node ?? undefined);
    return storeRecordingBytes({
      source: source as Readable,
      recordingId: rec.id,
      format: rec.format,
      key,
      store: deps.primary,
      keyring: deps.keyring,
      chunkBytes: deps.chunkBytes,
      fetchIdleMs: deps.fetchIdleMs,
      verify: deps.verifyReadBack ?? true,
      signal,
    });
  };

  const upload = defineJob({
    type: 'recording.upload',
    schema: uploadPayload,
    backoff: deps.backoff,
    // With the default backoff (5 s doubling to 30 min) 20 attempts span about 7 hours of storage outage.
    maxAttempts: 20,
    timeoutMs: 30 * 60_000,
    handler: async (p, ctx) => {
      // Only a first attempt that nothing interrupted may trust the payload: a retry, a takeover or a release on
      // shutdown may find the row already uploaded (and the node's file gone).
      const first = ctx.job.attempts === 1 && ctx.job.lastError === null;
      const found =
        p.closed && first ? justClosed(p.recordingId, p.closed) : await recordingToUpload(deps.db, p.recordingId);
      if (!found) throw new PermanentJobError(`recording ${p.recordingId} does not exist`);
      const { rec } = found;
      const log = ctx.logger.child({ recordingId: rec.id, callId: rec.callId ?? undefined });
      if (DONE_STATES.has(rec.state)) {
        // Stored by an earlier run that stopped before queueing the transcript or deleting the node's file.
        if (rec.state === 'uploaded') await queueTranscript(found);
        if (rec.state !== 'missing') await removeSource(rec, log);
        return;
      }
      const key = storageKeyFor(rec);

      let stored: StoredBytes;
      try {
        stored = await storeBytes(rec, key, ctx.signal);
      } catch (err) {
        // Only Asterisk's own 404 means the file is gone; a not_found from the adapter without an HTTP status (the
        // node of the recording is not known yet, e.g. just after a restart) is retried like any other failure.
        if (isSwitchError(err, 'not_found') && err.status === 404) {
          // Not there and never will be: report it once instead of retrying for hours.
          const message = `Asterisk has no stored recording named ${rec.name}${rec.node ? ` on ${rec.node}` : ''}`;
          await ctx.fenced(async (trx) => {
            await trx('recordings')
              .where('id', rec.id)
              .whereNotIn('state', [...DONE_STATES])
              .update({ state: 'missing', error: message });
            await writeRecordingAudit(trx, {
              action: 'recording.missing',
              recordingId: rec.id,
              actor: 'system',
              details: { name: rec.name, node: rec.node, callId: rec.callId },
            });
          });
          log.error({ name: rec.name, node: rec.node }, 'recording file is missing on Asterisk; marked missing');
          return;
        }
        throw err;
      }
      if (stored.unfinalized)
        log.warn(
          { name: rec.name },
          'WAV header was never finalized by Asterisk (node stopped mid-call?); kept as downloaded',
        );

      const days = found.queueRetentionDays ?? deps.defaultRetentionDays;
      const from = rec.endedAt ?? rec.startedAt;
      const uploaded = {
        state: 'uploaded',
        bytes: stored.bytes,
        sha256: stored.sha256,
        storage_key: key,
        storage_target: deps.primary.target,
        key_id: stored.keyId,
        encryption: stored.encryption,
        duration_s: stored.durationSeconds ?? rec.durationS,
        retain_until: new Date(from.getTime() + days * 86_400_000),
        uploaded_at: new Date(),
        error: null,
      };
      const unfinished = (db: Knex) =>
        db('recordings')
          .where('id', rec.id)
          .whereNotIn('state', [...DONE_STATES]);
      let finished: boolean;
      if (deps.replicas.length === 0) {
        // One statement, fenced by a condition instead of a transaction (three round trips fewer per recording),
        // sharing a packet with other independent updates (db/statement-batch.ts).
        const updated = await affectedRows(deps.db, unfinished(deps.db).where(ctx.holdsLease).update(uploaded));
        // Nothing changed: our lease was taken over (the worker holding it decides, and the node's file stays for
        // it), or another run finished the recording (then the node's file can go).
        if (updated === 0 && !(await deps.db('jobs').where('id', ctx.job.id).where(ctx.holdsLease).first('id')))
          throw new LeaseLostError(ctx.job.id);
        finished = updated > 0;
      } else {
        finished = await ctx.fenced(async (trx) => {
          if ((await unfinished(trx).update(uploaded)) === 0) return false; // another run finished it (same key and content)
          for (const replica of deps.replicas) {
            const existing = await trx('recording_replicas')
              .where({ recording_id: rec.id, target: replica.target })
              .first('id');
            if (!existing)
              await trx('recording_replicas').insert({
                recording_id: rec.id,
                target: replica.target,
                state: 'pending',
                storage_key: key,
                updated_at: new Date(),
              });
            await enqueueJob(
              trx,
              replicate,
              { recordingId: rec.id, target: replica.target },
              { idempotencyKey: `recording.replicate:${rec.id}:${targetKey(replica.target)}` },
            );
          }
          return true;
        });
      }
      if (!finished && (await dropIfDeleted(rec.id, key, log))) {
        await removeSource(rec, log);
        return;
      }
      log.info({ key, bytes: stored.bytes, target: deps.primary.target }, 'recording uploaded');
      await queueTranscript(found);
      await removeSource(rec, log);
    },
  });

  const del = defineJob({
    type: RECORDING_DELETE_JOB,
    schema: deletePayload,
    backoff: deps.backoff,
    maxAttempts: RECORDING_DELETE_MAX_ATTEMPTS,
    handler: async (p, ctx) => {
      const rec = await getRecording(deps.db, p.recordingId);
      if (!rec || rec.state === 'deleted') return;
      const replicas = (await deps
        .db('recording_replicas')
        .where('recording_id', rec.id)
        .whereNot('state', 'deleted')
        .select('id', 'target', 'storage_key')) as {
        id: number;
        target: string;
        storage_key: string | null;
      }[];
      const key = rec.storageKey ?? storageKeyFor(rec);
      // Every copy first, the row last: a failure leaves the row pointing at what may remain, and retries.
      for (const r of replicas) {
        await deps.storeFor(r.target).delete(r.storage_key ?? key);
        await deps.db('recording_replicas').where('id', r.id).update({ state: 'deleted', updated_at: new Date() });
      }
      if (rec.storageTarget) await deps.storeFor(rec.storageTarget).delete(key);
      await ctx.fenced(async (trx) => {
        await trx('recordings').where('id', rec.id).update({ state: 'deleted', deleted_at: new Date() });
        // What was heard goes with what was said: retention covers the transcript too.
        await trx('recording_transcripts').where('recording_id', rec.id).delete();
        await writeRecordingAudit(trx, {
          action: 'recording.deleted',
          recordingId: rec.id,
          actor: 'system',
          details: {
            reason: p.reason,
            retainUntil: rec.retainUntil?.toISOString() ?? null,
            key,
            targets: [rec.storageTarget, ...replicas.map((r) => r.target)].filter(Boolean),
          },
        });
      });
      ctx.logger.info({ recordingId: rec.id, reason: p.reason }, 'recording deleted');
    },
  });

  return {
    upload,
    replicate,
    deleteSource,
    delete: del,
    registerOn(runner) {
      runner.register(upload);
      runner.register(replicate);
      runner.register(deleteSource);
      runner.register(del);
    },
  };
}
