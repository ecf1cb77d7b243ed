import type { Db } from '../db/knex.js';
import type { ApiObject } from '../db/rows.js';

/** Today's totals per queue, straight from calls (a placeholder until reports/ serves interval tables). */
export async function todayPerQueue(db: Db, since: Date): Promise<ApiObject[]> {
  const rows = await db('queues as q')
    .leftJoin('calls as c', function on() {
      this.on('c.queue_id', '=', 'q.id')
        .andOn('c.arrived_at', '>=', db.raw('?', [since]))
        // A queue's figures are of the calls that waited in it, as the interval reports count them: an outbound
        // call placed for the queue never does (unless an agent transferred it into the queue).
        .andOnNotNull('c.queued_at');
    })
    .groupBy('q.id', 'q.name', 'q.display_name', 'q.service_level_s')
    .orderBy('q.name')
    .select('q.id', 'q.name', 'q.display_name', 'q.service_level_s')
    .select(
      db.raw('count(c.id) as offered'),
      db.raw('sum(case when c.answered_at is not null then 1 else 0 end) as answered'),
      db.raw("sum(case when c.disposition = 'abandoned' or c.state = 'abandoned' then 1 else 0 end) as abandoned"),
      db.raw(
        'sum(case when c.answered_at is not null and c.wait_s <= q.service_level_s then 1 else 0 end) as answered_in_sl',
      ),
      db.raw('avg(c.wait_s) as avg_wait_s'),
      db.raw('max(c.wait_s) as max_wait_s'),
      db.raw('avg(c.talk_s) as avg_talk_s'),
    );
  return rows.map((r: Record<string, unknown>) => {
    const offered = Number(r.offered ?? 0);
    const answered = Number(r.answered ?? 0);
    const abandoned = Number(r.abandoned ?? 0);
    const inSl = Number(r.answered_in_sl ?? 0);
    const num = (v: unknown) => (v == null ? null : Math.round(Number(v) * 10) / 10);
    return {
      queueId: Number(r.id),
      name: String(r.name),
      displayName: String(r.display_name),
      offered,
      answered,
      abandoned,
      serviceLevelPct: answered + abandoned > 0 ? Math.round((inSl / (answered + abandoned)) * 1000) / 10 : null,
      avgWaitS: num(r.avg_wait_s),
      maxWaitS: num(r.max_wait_s),
      avgTalkS: num(r.avg_talk_s),
    };
  });
}
