import type { Db } from '../../src/db/knex.js';

/**
 * A queue to plan from its forecast: `agents` agents with its one skill, and on the four Mondays before 2026-12-14
 * 20 calls of 180 s every quarter hour from 09:00 to 17:00 in Shanghai (4 Erlangs, about seven agents needed).
 */
export async function forecastQueue(
  db: Db,
  o: { name: string; agents: number; endpointPrefix: string },
): Promise<{ queueId: number; agents: number[] }> {
  const queueId = Number(
    (await db('queues').insert({ name: o.name, display_name: o.name, wrap_up_s: 0, overflow: '[]' }))[0],
  );
  const skill = Number((await db('skills').insert({ name: `${o.name}-skill` }))[0]);
  await db('queue_skills').insert({ queue_id: queueId, skill_id: skill, min_level: 1 });
  const agents: number[] = [];
  for (let k = 0; k < o.agents; k++) {
    const id = Number((await db('agents').insert({ name: `${o.name} ${k}`, endpoint: `${o.endpointPrefix}${k}` }))[0]);
    await db('agent_skills').insert({ agent_id: id, skill_id: skill, level: 1 });
    agents.push(id);
  }
  const rows = [];
  for (const monday of ['2026-11-16', '2026-11-23', '2026-11-30', '2026-12-07'])
    for (let q = 0; q < 32; q++)
      rows.push({
        queue_id: queueId,
        interval_start: new Date(Date.parse(`${monday}T09:00:00+08:00`) + q * 900_000),
        offered: 20,
        answered: 20,
        answered_in_sl: 16,
        talk_s_sum: 20 * 180,
      });
  await db('report_queue_intervals').insert(rows);
  return { queueId, agents };
}
