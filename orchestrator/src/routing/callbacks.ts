import { z } from 'zod';
import { insertedId } from '../agents/repository.js';
import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';
import { mapRow, pageQuery, type Found, type Slice } from '../db/rows.js';

/**
 * Callback requests (table callbacks): a caller asked to be called back instead of waiting. The life of one:
 * pending → assigned (to an agent) → done | failed; an assigned one may go back to pending (agent unavailable).
 */
export const CALLBACK_STATES = ['pending', 'assigned', 'done', 'failed'] as const;
export type CallbackState = (typeof CALLBACK_STATES)[number];

export interface Callback {
  readonly id: number;
  readonly callId: string | null;
  readonly customerId: number | null;
  readonly phone: string;
  readonly queueId: number | null;
  readonly state: CallbackState;
  readonly agentId: number | null;
  readonly requestedAt: Date;
  readonly dueAt: Date | null;
  readonly notes: string | null;
  /** Calls placed for it (calls/outbound), and the last one. */
  readonly attempts: number;
  readonly lastCallId: string | null;
}

export class CallbackError extends Error {
  constructor(
    readonly code: 'not_found' | 'bad_state' | 'bad_request',
    message: string,
  ) {
    super(message);
    this.name = 'CallbackError';
  }
}

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +8613800138000');

export const callbackRequest = z
  .object({
    callId: z.string().min(1).max(36).nullable().optional(),
    customerId: z.number().int().positive().nullable().optional(),
    phone: e164,
    queueId: z.number().int().positive().nullable().optional(),
    dueAt: z.date().nullable().optional(),
    notes: z.string().max(2000).nullable().optional(),
  })
  .strict();
export type CallbackRequest = z.infer<typeof callbackRequest>;

type Row = Record<string, unknown>;

function rowToCallback(r: Row): Callback {
  const state = (CALLBACK_STATES as readonly string[]).includes(String(r.state))
    ? (r.state as CallbackState)
    : 'pending';
  return {
    id: Number(r.id),
    callId: r.call_id == null ? null : String(r.call_id),
    customerId: r.customer_id == null ? null : Number(r.customer_id),
    phone: String(r.phone),
    queueId: r.queue_id == null ? null : Number(r.queue_id),
    state,
    agentId: r.agent_id == null ? null : Number(r.agent_id),
    requestedAt: toDate(r.requested_at) ?? new Date(0),
    dueAt: toDate(r.due_at),
    notes: r.notes == null ? null : String(r.notes),
    attempts: Number(r.attempts ?? 0),
    lastCallId: r.last_call_id == null ? null : String(r.last_call_id),
  };
}

export async function getCallback(db: Db, id: number): Promise<Callback | null> {
  const r = (await db('callbacks').where({ id }).first()) as Row | undefined;
  return r ? rowToCallback(r) : null;
}

/** Stores a callback request (validated). */
export async function requestCallback(db: Db, input: unknown, now: Date = new Date()): Promise<Callback> {
  const parsed = callbackRequest.safeParse(input);
  if (!parsed.success)
    throw new CallbackError(
      'bad_request',
      parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '),
    );
  const v = parsed.data;
  const id = insertedId(
    await db('callbacks').insert({
      call_id: v.callId ?? null,
      customer_id: v.customerId ?? null,
      phone: v.phone,
      queue_id: v.queueId ?? null,
      state: 'pending',
      requested_at: now,
      due_at: v.dueAt ?? null,
      notes: v.notes ?? null,
    }),
  );
  return (await getCallback(db, id)) as Callback;
}

export interface CallbackFilter {
  readonly state?: CallbackState;
  readonly queueId?: number;
  readonly agentId?: number;
  /** Only those due by this time (no due time = due now). */
  readonly dueBy?: Date;
  readonly limit?: number;
}

/** Oldest first: the order they should be worked in. */
export async function listCallbacks(db: Db, f: CallbackFilter = {}): Promise<Callback[]> {
  const q = db('callbacks').select('*');
  if (f.state) q.where('state', f.state);
  if (f.queueId) q.where('queue_id', f.queueId);
  if (f.agentId) q.where('agent_id', f.agentId);
  if (f.dueBy) q.where((w) => w.whereNull('due_at').orWhere('due_at', '<=', f.dueBy as Date));
  q.orderBy([{ column: 'requested_at' }, { column: 'id' }]).limit(Math.min(Math.max(f.limit ?? 100, 1), 1000));
  return ((await q) as Row[]).map(rowToCallback);
}

async function move(db: Db, id: number, from: readonly CallbackState[], patch: Row, what: string): Promise<Callback> {
  const n = await db('callbacks')
    .where({ id })
    .whereIn('state', [...from])
    .update(patch);
  if (Number(n) === 1) return (await getCallback(db, id)) as Callback;
  const current = await getCallback(db, id);
  if (!current) throw new CallbackError('not_found', `callback ${id} not found`);
  throw new CallbackError('bad_state', `callback ${id} is ${current.state}; cannot ${what}`);
}

/** Gives a pending callback to an agent; atomic, so two supervisors cannot assign one callback twice. */
export async function assignCallback(db: Db, id: number, agentId: number): Promise<Callback> {
  if (!(await db('agents').where({ id: agentId }).first('id')))
    throw new CallbackError('bad_request', `agent ${agentId} not found`);
  return move(db, id, ['pending'], { state: 'assigned', agent_id: agentId }, 'assign it');
}

/**
 * An agent is calling the customer back: the callback becomes theirs (taken from the pending list if need be) and
 * counts the call. Refused for one that is done, failed or another agent's.
 */
export async function takeForCall(db: Db, id: number, agentId: number): Promise<Callback> {
  const taken = await db('callbacks')
    .where({ id })
    .where((w) => w.where('state', 'pending').orWhere((a) => a.where({ state: 'assigned', agent_id: agentId })))
    .update({ state: 'assigned', agent_id: agentId });
  if (Number(taken) === 1) return (await getCallback(db, id)) as Callback;
  const current = await getCallback(db, id);
  if (!current) throw new CallbackError('not_found', `callback ${id} not found`);
  if (current.state === 'assigned') throw new CallbackError('bad_state', `callback ${id} is assigned to another agent`);
  throw new CallbackError('bad_state', `callback ${id} is ${current.state}: there is nobody left to call back`);
}

/** A call was placed for the callback. */
export async function countCallbackAttempt(db: Db, id: number, callId: string): Promise<void> {
  await db('callbacks')
    .where({ id })
    .update({ attempts: db.raw('attempts + 1'), last_call_id: callId });
}

/** Back to the pending list (the agent could not do it). */
export async function unassignCallback(db: Db, id: number): Promise<Callback> {
  return move(db, id, ['assigned'], { state: 'pending', agent_id: null }, 'put it back');
}

/** The callback was made (`ok`) or given up (`!ok`). */
export async function completeCallback(db: Db, id: number, ok: boolean, notes?: string): Promise<Callback> {
  const patch: Row = { state: ok ? 'done' : 'failed' };
  if (notes !== undefined) patch.notes = notes.slice(0, 2000);
  return move(db, id, ['pending', 'assigned'], patch, ok ? 'complete it' : 'fail it');
}

/**
 * A page of callbacks for the API, newest first, with the total. `forAgent`: that agent's callbacks plus the
 * unassigned pending ones they may take.
 */
export async function listCallbacksPage(
  db: Db,
  f: { state?: string; queueId?: number; agentId?: number; forAgent?: number; queueIds?: readonly number[] },
  s: Slice,
): Promise<Found> {
  const q = db('callbacks').select('*');
  if (f.state) q.where('state', f.state);
  if (f.queueIds) q.whereIn('queue_id', [...f.queueIds]);
  if (f.queueId) q.where('queue_id', f.queueId);
  if (f.agentId) q.where('agent_id', f.agentId);
  if (f.forAgent)
    q.where((w) =>
      w.where('agent_id', f.forAgent as number).orWhere((p) => p.where('state', 'pending').whereNull('agent_id')),
    );
  return pageQuery(q, s, [['requested_at', 'desc']], (r) => mapRow(r));
}
