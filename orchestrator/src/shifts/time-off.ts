import type { Knex } from 'knex';
import { z } from 'zod';
import { insertedId } from '../agents/repository.js';
import type { Db } from '../db/knex.js';
import { day as dayOfRow, mapRow } from '../db/rows.js';
import { HttpError, notFound } from '../http/errors.js';
import { daysBetween } from '../reports/day.js';
import { calendarDay } from './plan.js';

/**
 * Time off: whole days of the contact center's calendar an agent asks for (pending) and a supervisor grants or
 * refuses; a supervisor may also record days off for an agent at once (a sick day). Granted days keep shifts off
 * the agent: granting removes the agent's shifts starting on them, and none may be added, planned or copied onto
 * them afterwards. Either side may cancel a request; a cancelled grant does not bring removed shifts back.
 */

export const TIME_OFF_KINDS = ['vacation', 'sick', 'personal', 'other'] as const;
export type TimeOffStatus = 'pending' | 'approved' | 'rejected' | 'cancelled';

/** One request covers at most this many days (a long absence is several requests, or a leave outside the rota). */
export const MAX_TIME_OFF_DAYS = 60;

export const timeOffInput = z
  .object({
    fromDay: calendarDay,
    toDay: calendarDay,
    kind: z.enum(TIME_OFF_KINDS),
    note: z.string().trim().max(200).nullable().optional(),
    /** Supervisors and admins: the agent the days are for (granted at once). Agents ask for themselves. */
    agentId: z.number().int().positive().optional(),
  })
  .strict();
export type TimeOffInput = z.infer<typeof timeOffInput>;

export interface TimeOff {
  readonly id: number;
  readonly agentId: number;
  readonly agentName: string;
  readonly fromDay: string;
  readonly toDay: string;
  readonly days: number;
  readonly kind: string;
  readonly note: string | null;
  readonly status: TimeOffStatus;
  readonly requestedBy: number | null;
  readonly requestedAt: string;
  readonly decidedBy: number | null;
  readonly decidedAt: string | null;
  readonly decisionNote: string | null;
  /** Shifts the agent has on those days now (what granting would remove). */
  readonly shifts: number;
}

const LIVE: readonly TimeOffStatus[] = ['pending', 'approved'];

function listQuery(db: Db | Knex.Transaction) {
  return db('time_off as t')
    .join('agents as a', 'a.id', 't.agent_id')
    .select(
      't.id',
      't.agent_id',
      'a.name as agent_name',
      't.from_day',
      't.to_day',
      't.kind',
      't.note',
      't.status',
      't.requested_by',
      't.requested_at',
      't.decided_by',
      't.decided_at',
      't.decision_note',
      db.raw(
        '(select count(*) from shifts s where s.agent_id = t.agent_id and s.day >= t.from_day and s.day <= t.to_day) as shifts',
      ),
    );
}

function toTimeOff(row: Record<string, unknown>): TimeOff {
  const fromDay = dayOfRow(row.from_day) ?? '';
  const toDay = dayOfRow(row.to_day) ?? '';
  return {
    ...(mapRow(row, { numbers: ['shifts'] }) as Omit<TimeOff, 'fromDay' | 'toDay' | 'days'>),
    fromDay,
    toDay,
    days: daysBetween(fromDay, toDay),
  };
}

export interface TimeOffFilter {
  readonly agentIds?: readonly number[];
  readonly status?: TimeOffStatus;
  /** Requests overlapping these days. */
  readonly from?: string;
  readonly to?: string;
}

/** A list is cut here: years of a large center's requests are asked for by days, not all at once. */
export const MAX_LISTED_TIME_OFF = 500;

/** Requests, those starting soonest first, at most MAX_LISTED_TIME_OFF. */
export async function listTimeOff(db: Db, f: TimeOffFilter): Promise<TimeOff[]> {
  const q = listQuery(db)
    .orderBy([{ column: 't.from_day' }, { column: 'a.name' }, { column: 't.id' }])
    .limit(MAX_LISTED_TIME_OFF);
  if (f.agentIds) q.whereIn('t.agent_id', f.agentIds);
  if (f.status) q.where('t.status', f.status);
  if (f.from) q.where('t.to_day', '>=', f.from);
  if (f.to) q.where('t.from_day', '<=', f.to);
  return ((await q) as Record<string, unknown>[]).map(toTimeOff);
}

export async function getTimeOff(db: Db | Knex.Transaction, id: number): Promise<TimeOff | null> {
  const row = (await listQuery(db).where('t.id', id).first()) as Record<string, unknown> | undefined;
  return row ? toTimeOff(row) : null;
}

/** The agent's granted time off covering `day`, said as "vacation time off from … to …"; null if none. */
export async function timeOffOn(db: Db | Knex.Transaction, agentId: number, day: string): Promise<string | null> {
  const off = (await db('time_off')
    .where({ agent_id: agentId, status: 'approved' })
    .where('from_day', '<=', day)
    .where('to_day', '>=', day)
    .first('kind', 'from_day', 'to_day')) as Record<string, unknown> | undefined;
  return off ? `${String(off.kind)} time off from ${dayOfRow(off.from_day)} to ${dayOfRow(off.to_day)}` : null;
}

/** 409 for a shift on a day the agent has time off granted, said why. */
export async function assertNotOff(trx: Knex.Transaction, agentId: number, day: string): Promise<void> {
  const off = await timeOffOn(trx, agentId, day);
  if (off) throw new HttpError(409, 'conflict', `the agent has ${off}`);
}

/** Agents with granted time off on `day`, of these. */
export async function agentsOff(db: Db, day: string, agentIds: readonly number[]): Promise<Set<number>> {
  if (agentIds.length === 0) return new Set();
  const rows = (await db('time_off')
    .whereIn('agent_id', agentIds)
    .where({ status: 'approved' })
    .where('from_day', '<=', day)
    .where('to_day', '>=', day)
    .pluck('agent_id')) as unknown[];
  return new Set(rows.map(Number));
}

export interface TimeOffActor {
  readonly by: number;
  readonly now: Date;
}

/** Removes the agent's shifts starting on the request's days (their activities go with them). */
async function removeShiftsOn(trx: Knex.Transaction, t: { agentId: number; fromDay: string; toDay: string }) {
  return trx('shifts').where({ agent_id: t.agentId }).whereBetween('day', [t.fromDay, t.toDay]).delete();
}

/**
 * A request for `agentId`: pending when the agent asks, granted at once when a supervisor records it (`grant`).
 * 400 for days out of order or too many; 409 when it overlaps the agent's pending or granted time off.
 */
export async function requestTimeOff(
  db: Db,
  agentId: number,
  input: TimeOffInput,
  actor: TimeOffActor & { grant: boolean },
): Promise<{ timeOff: TimeOff; removedShifts: number }> {
  const days = daysBetween(input.fromDay, input.toDay);
  if (days < 1) throw new HttpError(400, 'bad_request', `toDay (${input.toDay}) is before fromDay (${input.fromDay})`);
  if (days > MAX_TIME_OFF_DAYS)
    throw new HttpError(400, 'bad_request', `at most ${MAX_TIME_OFF_DAYS} days in one request (asked for ${days})`);
  const { id, removedShifts } = await db.transaction(async (trx) => {
    // The agent's row, locked: two overlapping requests are checked one after the other.
    if (!(await trx('agents').where({ id: agentId }).forUpdate().first('id'))) throw notFound(`agent ${agentId}`);
    const clash = (await trx('time_off')
      .where({ agent_id: agentId })
      .whereIn('status', LIVE)
      .where('from_day', '<=', input.toDay)
      .where('to_day', '>=', input.fromDay)
      .first('status', 'from_day', 'to_day')) as Record<string, unknown> | undefined;
    if (clash)
      throw new HttpError(
        409,
        'conflict',
        `it overlaps time off ${String(clash.status)} from ${dayOfRow(clash.from_day)} to ${dayOfRow(clash.to_day)}`,
      );
    const id = insertedId(
      await trx('time_off').insert({
        agent_id: agentId,
        from_day: input.fromDay,
        to_day: input.toDay,
        kind: input.kind,
        note: input.note ?? null,
        status: actor.grant ? 'approved' : 'pending',
        requested_by: actor.by,
        requested_at: actor.now,
        decided_by: actor.grant ? actor.by : null,
        decided_at: actor.grant ? actor.now : null,
      }),
    );
    const removedShifts = actor.grant ? await removeShiftsOn(trx, { agentId, ...input }) : 0;
    return { id, removedShifts };
  });
  return { timeOff: (await getTimeOff(db, id))!, removedShifts };
}

/** Grants or refuses a pending request; granting removes the agent's shifts on its days. 404, or 409 if not pending. */
export async function decideTimeOff(
  db: Db,
  id: number,
  decision: { status: 'approved' | 'rejected'; note?: string | null },
  actor: TimeOffActor,
): Promise<{ timeOff: TimeOff; removedShifts: number }> {
  const removedShifts = await db.transaction(async (trx) => {
    const found = await getTimeOff(trx, id);
    if (!found) throw notFound(`time off ${id}`);
    if (found.status !== 'pending') throw new HttpError(409, 'conflict', `the request is ${found.status}, not pending`);
    const changed = await trx('time_off')
      .where({ id, status: 'pending' })
      .update({
        status: decision.status,
        decided_by: actor.by,
        decided_at: actor.now,
        decision_note: decision.note ?? null,
      });
    if (changed === 0) throw new HttpError(409, 'conflict', 'the request was decided meanwhile');
    return decision.status === 'approved' ? removeShiftsOn(trx, found) : 0;
  });
  return { timeOff: (await getTimeOff(db, id))!, removedShifts };
}

/**
 * Cancels a pending or granted request (its removed shifts stay removed); 404, or 409 once refused or cancelled.
 * Who cancelled is in the audit log; `decidedBy` keeps who granted it.
 */
export async function cancelTimeOff(db: Db, id: number): Promise<TimeOff> {
  const changed = await db('time_off').where({ id }).whereIn('status', LIVE).update({ status: 'cancelled' });
  const found = await getTimeOff(db, id);
  if (!found) throw notFound(`time off ${id}`);
  if (changed === 0) throw new HttpError(409, 'conflict', `the request is ${found.status}`);
  return found;
}
