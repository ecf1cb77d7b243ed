import type { Knex } from 'knex';
import cron from 'node-cron';
import { enqueueJob, purgeDoneJobs, type JobDefinition } from '../jobs/index.js';
import type { Logger } from '../logger.js';
import { uploadJobKey, type deletePayload, type uploadPayload } from './jobs.js';
import type { z } from 'zod';

/**
 * Finds uploaded recordings past retain_until and queues one `recording.delete` job each (keyed per recording,
 * so every orchestrator may sweep without doubling work). The deletion itself (every copy, then the row, then
 * the audit line) runs as a job and so survives crashes and storage outages. Also purges old finished jobs.
 */
export async function sweepRetention(
  db: Knex,
  deleteJob: JobDefinition<z.infer<typeof deletePayload>>,
  options: { now?: Date; batch?: number; keepDoneJobsDays?: number } = {},
): Promise<{ queued: number; purgedJobs: number }> {
  const now = options.now ?? new Date();
  const ids = (await db('recordings')
    .where('state', 'uploaded')
    .whereNotNull('retain_until')
    .where('retain_until', '<', now)
    .orderBy('retain_until')
    .limit(options.batch ?? 1000)
    .pluck('id')) as string[];
  let queued = 0;
  for (const id of ids) {
    const r = await enqueueJob(db, deleteJob, { recordingId: id, reason: 'retention' as const }, { idempotencyKey: `recording.delete:${id}` });
    if (r.created) queued++;
  }
  const purgedJobs = await purgeDoneJobs(db, new Date(now.getTime() - (options.keepDoneJobsDays ?? 7) * 86_400_000));
  return { queued, purgedJobs };
}

/**
 * Queues the upload of recordings left 'stored' without an upload job: the call flow marks the row stored and
 * then notifies the pipeline, so a crash between the two would otherwise strand the file on Asterisk. The
 * per-recording idempotency key makes this a no-op for rows whose job exists (pending, running, done or dead:
 * a dead letter is not revived behind the admin's back).
 */
export async function requeueStoredRecordings(
  db: Knex,
  uploadJob: JobDefinition<z.infer<typeof uploadPayload>>,
  options: { olderThan?: Date; batch?: number } = {},
): Promise<number> {
  const olderThan = options.olderThan ?? new Date(Date.now() - 60_000);
  const ids = (await db('recordings')
    .where('state', 'stored')
    .where((w) => w.where('ended_at', '<', olderThan).orWhere((n) => n.whereNull('ended_at').where('started_at', '<', olderThan)))
    .orderBy('started_at')
    .limit(options.batch ?? 1000)
    .pluck('id')) as string[];
  let queued = 0;
  for (const id of ids) {
    const r = await enqueueJob(db, uploadJob, { recordingId: id }, { idempotencyKey: uploadJobKey(id) });
    if (r.created) queued++;
  }
  return queued;
}

export interface RetentionSchedule {
  stop(): void;
}

/** Runs the sweep on a cron expression (default: hourly, at minute 17). */
export function scheduleRetention(expression: string, sweep: () => Promise<unknown>, logger: Logger): RetentionSchedule {
  if (!cron.validate(expression)) throw new Error(`retention schedule "${expression}" is not a valid cron expression`);
  let running = false;
  const task = cron.schedule(expression, async () => {
    if (running) return;
    running = true;
    try {
      const result = await sweep();
      logger.info({ result }, 'recording retention sweep');
    } catch (err) {
      logger.error({ err }, 'recording retention sweep failed; next run will try again');
    } finally {
      running = false;
    }
  });
  return { stop: () => void task.destroy() };
}
