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

/** Satisfaction per queue over a time range: how many answered, the average, and how many gave each score. */
export interface SurveySummaryRow {
  readonly queueId: number | null;
  readonly queue: string | null;
  readonly displayName: string | null;
  readonly responses: number;
  readonly average: number | null;
  /** Responses per score, 1 to 5. */
  readonly scores: readonly [number, number, number, number, number];
}

export async function surveySummary(
  db: Db,
  f: { from: Date; to: Date; queueIds?: readonly number[] },
): Promise<{ rows: SurveySummaryRow[]; total: SurveySummaryRow }> {
  const q = db('survey_responses as r')
    .leftJoin('calls as c', 'c.id', 'r.call_id')
    .leftJoin('queues as q', 'q.id', 'c.queue_id')
    .where('r.created_at', '>=', f.from)
    .where('r.created_at', '<', f.to)
    .whereNotNull('r.score')
    .groupBy('c.queue_id', 'q.name', 'q.display_name', 'r.score')
    .select('c.queue_id', 'q.name', 'q.display_name', 'r.score')
    .count({ n: 'r.id' });
  if (f.queueIds) q.whereIn('c.queue_id', [...f.queueIds]);
  const byQueue = new Map<
    string,
    { queueId: number | null; queue: string | null; displayName: string | null; scores: number[] }
  >();
  for (const r of (await q) as {
    queue_id: number | null;
    name: string | null;
    display_name: string | null;
    score: number;
    n: number | string;
  }[]) {
    const key = String(r.queue_id);
    const row = byQueue.get(key) ?? {
      queueId: r.queue_id === null ? null : Number(r.queue_id),
      queue: r.name,
      displayName: r.display_name,
      scores: [0, 0, 0, 0, 0],
    };
    const score = Number(r.score);
    if (score >= 1 && score <= 5) row.scores[score - 1]! += Number(r.n);
    byQueue.set(key, row);
  }
  const summarise = (
    queue: Pick<SurveySummaryRow, 'queueId' | 'queue' | 'displayName'>,
    scores: number[],
  ): SurveySummaryRow => {
    const responses = scores.reduce((a, b) => a + b, 0);
    const sum = scores.reduce((a, n, i) => a + n * (i + 1), 0);
    return {
      ...queue,
      responses,
      average: responses === 0 ? null : Math.round((sum / responses) * 100) / 100,
      scores: [scores[0]!, scores[1]!, scores[2]!, scores[3]!, scores[4]!],
    };
  };
  const rows = [...byQueue.values()]
    .map((r) => summarise(r, r.scores))
    .sort((a, b) => (a.queue ?? '').localeCompare(b.queue ?? ''));
  const all = [0, 1, 2, 3, 4].map((i) => rows.reduce((a, r) => a + r.scores[i]!, 0));
  return { rows, total: summarise({ queueId: null, queue: null, displayName: null }, all) };
}
