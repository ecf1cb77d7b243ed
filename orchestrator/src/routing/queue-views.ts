import type { Db } from '../db/knex.js';
import { mapRow, pageQuery, type ApiObject, type Found, type Slice } from '../db/rows.js';

/**
 * Queue reads for the admin screens: every column the admin edits (display name, recording, whisper, overflow),
 * which the ACD's QueueConfig leaves out, with the skill requirements by name.
 */
const QUEUE_SHAPE = {
  bools: ['join_when_empty', 'leave_when_empty', 'record_calls', 'whisper_queue_name', 'transcribe'],
  json: ['overflow'],
};

async function queueSkills(db: Db, ids: number[]): Promise<Map<number, { skill: string; minLevel: number }[]>> {
  const out = new Map<number, { skill: string; minLevel: number }[]>();
  if (ids.length === 0) return out;
  const rows = await db('queue_skills as q')
    .join('skills as s', 's.id', 'q.skill_id')
    .whereIn('q.queue_id', ids)
    .select('q.queue_id', 's.name', 'q.min_level');
  for (const r of rows as { queue_id: number; name: string; min_level: number }[]) {
    const list = out.get(Number(r.queue_id)) ?? [];
    list.push({ skill: r.name, minLevel: Number(r.min_level) });
    out.set(Number(r.queue_id), list);
  }
  return out;
}

export async function listQueueViews(db: Db, s: Slice): Promise<Found> {
  const found = await pageQuery(db('queues').select('*'), s, [['name', 'asc']], (r) => mapRow(r, QUEUE_SHAPE));
  const skills = await queueSkills(
    db,
    found.items.map((q) => Number(q.id)),
  );
  for (const q of found.items) q.skills = skills.get(Number(q.id)) ?? [];
  return found;
}
export async function getQueueView(db: Db, id: number): Promise<ApiObject | null> {
  const r = await db('queues').where({ id }).first();
  if (!r) return null;
  const q = mapRow(r, QUEUE_SHAPE);
  q.skills = (await queueSkills(db, [id])).get(id) ?? [];
  return q;
}
