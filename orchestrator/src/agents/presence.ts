import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import { requireDate, toDate } from '../db/time.js';
import type { AgentState } from './states.js';

/**
 * Presence history: stretches of an agent's logged-in time, each either ready for calls or paused for a reason.
 * Only logging in and out, pausing and unpausing start one; a call's own states (reserved, on call, wrap-up) are
 * ready time, timed by the calls table, so the call path writes nothing here.
 */
export type PresenceState = 'ready' | 'paused';

export interface PresenceSpan {
  readonly agentId: number;
  readonly state: PresenceState;
  /** Why the agent paused (one of the pause reasons, or 'no answer' for the automatic pause); null when ready. */
  readonly reason: string | null;
  readonly startedAt: Date;
  /** Null while it lasts. */
  readonly endedAt: Date | null;
}

/** What a transition does to the history: the stretch it starts (null: logged out, none). */
export interface PresenceChange {
  readonly state: PresenceState | null;
  readonly reason: string | null;
}

export function presenceOf(state: AgentState): PresenceState | null {
  if (state === 'logged_out') return null;
  return state === 'paused' ? 'paused' : 'ready';
}

/** The change a transition makes to presence, or undefined when it makes none (every step of a call). */
export function presenceChange(
  from: { readonly state: AgentState; readonly pauseReason: string | null },
  to: AgentState,
  reason: string | null,
): PresenceChange | undefined {
  const before = presenceOf(from.state);
  const after = presenceOf(to);
  if (before === after && (after !== 'paused' || reason === from.pauseReason)) return undefined;
  return { state: after, reason: after === 'paused' ? (reason ?? 'break') : null };
}

/**
 * Ends the agent's open stretch and starts the next, in the transaction that changes the agent's row. Every open
 * stretch of the agent is ended, so one left open by a lost write cannot run on for ever.
 */
export async function startPresence(
  trx: Knex.Transaction,
  agentId: number,
  change: PresenceChange,
  at: Date,
): Promise<void> {
  // A stretch begun after `at` (an end dated back to when the phone went away) ends where it began, never before.
  await trx('agent_presence')
    .where({ agent_id: agentId })
    .whereNull('ended_at')
    .where('started_at', '>', at)
    .update({ ended_at: trx.ref('started_at') });
  await trx('agent_presence').where({ agent_id: agentId }).whereNull('ended_at').update({ ended_at: at });
  if (change.state)
    await trx('agent_presence').insert({
      agent_id: agentId,
      state: change.state,
      reason: change.reason,
      started_at: at,
    });
}

/** The stretches that overlap [from, to), oldest first; optionally of some agents only. */
export async function presenceBetween(
  db: Db,
  from: Date,
  to: Date,
  agentIds?: readonly number[],
): Promise<PresenceSpan[]> {
  const q = db('agent_presence')
    .where('started_at', '<', to)
    .where((w) => void w.whereNull('ended_at').orWhere('ended_at', '>', from))
    .orderBy(['started_at', 'id'])
    .select('agent_id', 'state', 'reason', 'started_at', 'ended_at');
  if (agentIds) q.whereIn('agent_id', agentIds);
  const rows = (await q) as Record<string, unknown>[];
  return rows.map((r) => ({
    agentId: Number(r.agent_id),
    state: r.state === 'paused' ? 'paused' : 'ready',
    reason: r.reason == null ? null : String(r.reason),
    startedAt: requireDate(r.started_at, 'agent_presence.started_at'),
    endedAt: toDate(r.ended_at),
  }));
}
