/** Reads of the CDR (calls) and the call_events timeline for the API: search, one call, its owner, its events. */
import type { Db } from '../db/knex.js';
import { mapRow, pageQuery, type ApiObject, type Found, type Slice } from '../db/rows.js';

const CALL_SHAPE = { json: ['required_skills', 'ivr_path', 'attributes'], numbers: ['wait_s', 'talk_s', 'wrap_s'] };

export interface CallFilter {
  from?: Date;
  to?: Date;
  queueId?: number;
  agentId?: number;
  disposition?: string;
  state?: string;
  caller?: string;
  customerId?: number;
  direction?: 'inbound' | 'outbound';
  campaignId?: number;
  /** A supervisor's queues: only calls of these (none when empty). */
  queueIds?: readonly number[];
}

export async function searchCalls(db: Db, f: CallFilter, s: Slice): Promise<Found> {
  const q = db('calls').select('*');
  if (f.from) q.where('arrived_at', '>=', f.from);
  if (f.to) q.where('arrived_at', '<', f.to);
  if (f.queueId) q.where('queue_id', f.queueId);
  if (f.agentId) q.where('agent_id', f.agentId);
  if (f.disposition) q.where('disposition', f.disposition);
  if (f.state) q.where('state', f.state);
  if (f.customerId) q.where('customer_id', f.customerId);
  if (f.direction) q.where('direction', f.direction);
  if (f.campaignId) q.where('campaign_id', f.campaignId);
  if (f.queueIds) q.whereIn('queue_id', [...f.queueIds]);
  if (f.caller)
    q.where((w) => w.where('caller_e164', 'like', `%${f.caller}%`).orWhere('caller_raw', 'like', `%${f.caller}%`));
  return pageQuery(q, s, [['arrived_at', 'desc']], (r) => mapRow(r, CALL_SHAPE));
}

/** One call's CDR, with the name of the campaign it was placed for (if any). */
export async function getCall(db: Db, id: string): Promise<ApiObject | null> {
  const r = await db('calls as c')
    .leftJoin('campaigns as k', 'k.id', 'c.campaign_id')
    .where('c.id', id)
    .first('c.*', 'k.name as campaign_name');
  return r ? mapRow(r, CALL_SHAPE) : null;
}

export async function callOwner(
  db: Db,
  id: string,
): Promise<{ agentId: number | null; queueId: number | null } | null> {
  const r = await db('calls').where({ id }).first('agent_id', 'queue_id');
  return r
    ? {
        agentId: r.agent_id == null ? null : Number(r.agent_id),
        queueId: r.queue_id == null ? null : Number(r.queue_id),
      }
    : null;
}

export async function callTimeline(db: Db, id: string): Promise<ApiObject[]> {
  const rows = await db('call_events')
    .where({ call_id: id })
    .orderBy('seq')
    .select('seq', 'at', 'from_state', 'event', 'to_state', 'data');
  return rows.map((r: Record<string, unknown>) => mapRow(r, { json: ['data'] }));
}

export async function listCallEvents(
  db: Db,
  f: { from?: Date; to?: Date; event?: string; agentId?: number; queueIds?: readonly number[] },
  s: Slice,
): Promise<Found> {
  const q = db('call_events as e').select(
    'e.id',
    'e.call_id',
    'e.seq',
    'e.at',
    'e.from_state',
    'e.event',
    'e.to_state',
    'e.data',
  );
  if (f.from) q.where('e.at', '>=', f.from);
  if (f.to) q.where('e.at', '<', f.to);
  if (f.event) q.where('e.event', f.event);
  if (f.agentId || f.queueIds) q.join('calls as c', 'c.id', 'e.call_id');
  if (f.agentId) q.where('c.agent_id', f.agentId);
  if (f.queueIds) q.whereIn('c.queue_id', [...f.queueIds]);
  return pageQuery(
    q,
    s,
    [
      ['e.at', 'desc'],
      ['e.id', 'desc'],
    ],
    (r) => mapRow(r, { json: ['data'] }),
    'e.id',
  );
}
