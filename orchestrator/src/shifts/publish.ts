import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import type { ShiftWriter } from './repository.js';

/**
 * Publishing the schedule: supervisors plan, copy and edit shifts as drafts, which agents do not see and adherence
 * is not measured against, then publish the days they have finished, or discard what they no longer want.
 */

export interface DraftRange {
  /** Drafts starting on the days from `from` to `to`, both included. */
  readonly from: string;
  readonly to: string;
  readonly agentIds?: readonly number[];
}

export interface DraftsDone {
  /** Shifts published or discarded. */
  readonly count: number;
  /** Their agents, each once, in id order. */
  readonly agentIds: readonly number[];
}

function drafts(db: Db | Knex.Transaction, range: DraftRange) {
  const q = db('shifts').whereNull('published_at').whereBetween('day', [range.from, range.to]);
  if (range.agentIds) q.whereIn('agent_id', range.agentIds);
  return q;
}

async function draftRows(
  db: Db | Knex.Transaction,
  range: DraftRange,
  lock = false,
): Promise<{ ids: number[]; agentIds: number[] }> {
  const q = drafts(db, range).select('id', 'agent_id');
  if (lock) q.forUpdate();
  const rows = (await q) as Record<string, unknown>[];
  return {
    ids: rows.map((r) => Number(r.id)),
    agentIds: [...new Set(rows.map((r) => Number(r.agent_id)))].sort((a, b) => a - b),
  };
}

/** Publishes the drafts in the range: their agents see them from now on, and adherence is measured against them. */
export async function publishDrafts(db: Db, range: DraftRange, w: ShiftWriter): Promise<DraftsDone> {
  return db.transaction(async (trx) => {
    // Locked, so two supervisors publishing at once each tell only the agents of the drafts they published.
    const { ids, agentIds } = await draftRows(trx, range, true);
    if (ids.length === 0) return { count: 0, agentIds };
    const count = await trx('shifts').whereIn('id', ids).update({ published_at: w.now, published_by: w.by });
    return { count, agentIds };
  });
}

/** Removes the drafts in the range, leaving published shifts as they are. */
export async function discardDrafts(db: Db, range: DraftRange): Promise<DraftsDone> {
  return db.transaction(async (trx) => {
    // Locked, so none is published between being read and its activities going.
    const { ids, agentIds } = await draftRows(trx, range, true);
    if (ids.length === 0) return { count: 0, agentIds };
    await trx('shift_activities').whereIn('shift_id', ids).delete();
    return { count: await trx('shifts').whereIn('id', ids).delete(), agentIds };
  });
}
