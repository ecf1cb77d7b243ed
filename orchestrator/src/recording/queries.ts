import type { Db } from '../db/knex.js';
import { pageQuery, type ApiObject, type Found, type Slice } from '../db/rows.js';
import { rowToRecording, type Recording } from './repository.js';

/** What the API shows of a recording: no storage key, target or key id (those are the store's business). */
export function publicRecording(r: Recording): ApiObject {
  const { storageKey: _k, storageTarget: _t, keyId: _i, encryption: _e, ...rest } = r;
  return { ...rest };
}

export async function listRecordings(
  db: Db,
  f: {
    callId?: string;
    agentId?: number;
    queueId?: number;
    from?: Date;
    to?: Date;
    state?: string;
    /** A supervisor's queues: only recordings of these. */
    queueIds?: readonly number[];
  },
  s: Slice,
): Promise<Found> {
  // The transcript's state only (done, skipped), never its text: the list is not audited, reading a transcript is.
  const q = db('recordings as r')
    .leftJoin('recording_transcripts as t', 't.recording_id', 'r.id')
    .select('r.*', 't.state as transcript_state');
  if (f.callId) q.where('r.call_id', f.callId);
  if (f.agentId) q.where('r.agent_id', f.agentId);
  if (f.queueId) q.where('r.queue_id', f.queueId);
  if (f.queueIds) q.whereIn('r.queue_id', [...f.queueIds]);
  if (f.state) q.where('r.state', f.state);
  if (f.from) q.where('r.started_at', '>=', f.from);
  if (f.to) q.where('r.started_at', '<', f.to);
  return pageQuery(
    q,
    s,
    [['r.started_at', 'desc']],
    (r) => ({
      ...publicRecording(rowToRecording(r)),
      transcript: r.transcript_state == null ? null : String(r.transcript_state),
    }),
    'r.id',
  );
}
