import type { Knex } from 'knex';

/** Audit lines written by the recording pipeline (same audit_log table and shape the auth module reads). */
export async function writeRecordingAudit(
  conn: Knex | Knex.Transaction,
  e: { action: string; recordingId: string; userId?: number | null; actor: string; details?: unknown; ip?: string | null },
): Promise<void> {
  await conn('audit_log').insert({
    at: new Date(),
    user_id: e.userId ?? null,
    actor: e.actor.slice(0, 128),
    action: e.action.slice(0, 64),
    target_type: 'recording',
    target_id: e.recordingId.slice(0, 64),
    details: e.details === undefined ? null : JSON.stringify(e.details).slice(0, 60_000),
    ip: e.ip ? e.ip.slice(0, 64) : null,
  });
}
