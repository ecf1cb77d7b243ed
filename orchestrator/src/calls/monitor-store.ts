import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { MonitorMode } from './supervision.js';

/**
 * Supervisors' sessions on calls as kept in `call_monitors` (migration 0037), for recovery after a restart. Writes
 * never fail a session: a supervisor listening matters more than the record of it, so a failed write is logged.
 */

export interface MonitorRecord {
  readonly callId: string;
  readonly userId: number;
  readonly supervisorName: string;
  readonly endpoint: string;
  readonly mode: MonitorMode;
  readonly legId: string;
  readonly snoopId: string | null;
  readonly bridgeId: string | null;
}

export interface MonitorStore {
  save(record: MonitorRecord): Promise<void>;
  remove(callId: string, userId: number): Promise<void>;
}

export function dbMonitorStore(db: Db, logger: Logger, now: () => Date): MonitorStore {
  return {
    async save(r) {
      await db('call_monitors')
        .insert({
          call_id: r.callId,
          user_id: r.userId,
          supervisor_name: r.supervisorName.slice(0, 128),
          endpoint: r.endpoint.slice(0, 128),
          mode: r.mode,
          leg_id: r.legId,
          snoop_id: r.snoopId,
          bridge_id: r.bridgeId,
          started_at: now(),
        })
        .onConflict(['call_id', 'user_id'])
        .merge(['mode', 'snoop_id', 'bridge_id'])
        .catch((err: unknown) => logger.warn({ err, callId: r.callId }, 'supervision: session not kept'));
    },
    async remove(callId, userId) {
      await db('call_monitors')
        .where({ call_id: callId, user_id: userId })
        .delete()
        .catch((err: unknown) => logger.warn({ err, callId }, 'supervision: ended session not removed'));
    },
  };
}

/** The sessions kept for these calls, by call. */
export async function monitorsOf(db: Db, callIds: readonly string[]): Promise<Map<string, MonitorRecord[]>> {
  const out = new Map<string, MonitorRecord[]>();
  for (let i = 0; i < callIds.length; i += 500) {
    const rows = (await db('call_monitors').whereIn('call_id', callIds.slice(i, i + 500))) as Record<string, unknown>[];
    for (const r of rows) {
      const record: MonitorRecord = {
        callId: String(r.call_id),
        userId: Number(r.user_id),
        supervisorName: String(r.supervisor_name),
        endpoint: String(r.endpoint),
        mode: r.mode === 'whisper' || r.mode === 'barge' ? r.mode : 'listen',
        legId: String(r.leg_id),
        snoopId: r.snoop_id == null ? null : String(r.snoop_id),
        bridgeId: r.bridge_id == null ? null : String(r.bridge_id),
      };
      out.set(record.callId, [...(out.get(record.callId) ?? []), record]);
    }
  }
  return out;
}
