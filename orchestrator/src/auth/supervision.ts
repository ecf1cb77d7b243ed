/**
 * Which queues a supervisor supervises (table supervisor_queues). A supervisor sees the calls, recordings,
 * callbacks, reports and wallboard of those queues only; admins see everything, agents their own work.
 */
import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import type { AuthUser } from './types.js';

/** Queue ids per user, for the users given (one statement). */
export async function supervisedQueues(db: Db, userIds: readonly number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (userIds.length === 0) return out;
  const rows = (await db('supervisor_queues')
    .whereIn('user_id', userIds)
    .orderBy('queue_id')
    .select('user_id', 'queue_id')) as { user_id: number; queue_id: number }[];
  for (const r of rows) {
    const list = out.get(Number(r.user_id)) ?? [];
    list.push(Number(r.queue_id));
    out.set(Number(r.user_id), list);
  }
  return out;
}

/** A supervisor's AuthUser carries the queues they supervise, however they signed in; other roles pass unchanged. */
export async function withQueueScope(db: Db, user: AuthUser): Promise<AuthUser> {
  if (user.role !== 'supervisor') return user;
  return { ...user, queueIds: (await supervisedQueues(db, [user.id])).get(user.id) ?? [] };
}

/** Replaces a user's supervised queues. */
export async function setSupervisedQueues(
  trx: Db | Knex.Transaction,
  userId: number,
  queueIds: readonly number[],
): Promise<void> {
  await trx('supervisor_queues').where({ user_id: userId }).delete();
  const unique = [...new Set(queueIds)];
  if (unique.length) await trx('supervisor_queues').insert(unique.map((queue_id) => ({ user_id: userId, queue_id })));
}

/** The ids among `queueIds` that name no queue (for a clear 400). */
export async function unknownQueueIds(db: Db, queueIds: readonly number[]): Promise<number[]> {
  if (queueIds.length === 0) return [];
  const found = new Set(
    (
      (await db('queues')
        .whereIn('id', [...new Set(queueIds)])
        .pluck('id')) as number[]
    ).map(Number),
  );
  return [...new Set(queueIds)].filter((id) => !found.has(id));
}
