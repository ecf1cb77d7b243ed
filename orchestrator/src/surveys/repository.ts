import type { Db } from '../db/knex.js';
import { mapRow, pageQuery, type Found, type Slice } from '../db/rows.js';

/** Survey responses (table survey_responses) with the queue and agent of the call they rate. */
export async function listSurveyResponses(
  db: Db,
  f: { from?: Date; to?: Date; channel?: string; queueId?: number; agentId?: number; queueIds?: readonly number[] },
  s: Slice,
): Promise<Found> {
  const q = db('survey_responses as r')
    .leftJoin('calls as c', 'c.id', 'r.call_id')
    .select(
      'r.id',
      'r.call_id',
      'r.customer_id',
      'r.channel',
      'r.score',
      'r.comment',
      'r.created_at',
      'c.queue_id',
      'c.agent_id',
    );
  if (f.from) q.where('r.created_at', '>=', f.from);
  if (f.to) q.where('r.created_at', '<', f.to);
  if (f.channel) q.where('r.channel', f.channel);
  if (f.queueId) q.where('c.queue_id', f.queueId);
  if (f.queueIds) q.whereIn('c.queue_id', [...f.queueIds]);
  if (f.agentId) q.where('c.agent_id', f.agentId);
  return pageQuery(
    q,
    s,
    [
      ['r.created_at', 'desc'],
      ['r.id', 'desc'],
    ],
    (r) => mapRow(r),
    'r.id',
  );
}
