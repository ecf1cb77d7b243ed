import type { Knex } from 'knex';
import { insertedId } from '../agents/repository.js';
import type { Db } from '../db/knex.js';
import { day as dayOfRow } from '../db/rows.js';
import { requireDate } from '../db/time.js';
import { HttpError, notFound } from '../http/errors.js';
import { addDays, daysBetween, wallTime } from '../reports/day.js';
import {
  ACTIVITY_KINDS,
  LONGEST_SHIFT_MS,
  phoneTime,
  planShift,
  type ActivityKind,
  type PlannedShift,
  type ShiftInput,
} from './plan.js';
import { availabilityOf, withinAvailability } from './availability.js';
import { assertNotOff } from './time-off.js';

/** Shifts as kept and as the API gives them: instants, and the same on the contact center's clock. */

export interface ShiftActivity {
  readonly kind: ActivityKind;
  readonly start: string;
  readonly end: string;
  readonly startTime: string;
  readonly endTime: string;
}

export interface Shift {
  readonly id: number;
  readonly agentId: number;
  readonly agentName: string;
  readonly day: string;
  readonly start: string;
  readonly end: string;
  readonly startTime: string;
  readonly endTime: string;
  readonly note: string | null;
  readonly activities: readonly ShiftActivity[];
  /** Scheduled time on the phones: the shift less its activities. */
  readonly phoneS: number;
  /** Inside the agent's availability (always, for an agent who has stated none). */
  readonly withinAvailability: boolean;
  /** When it was published; null for a draft, which only staff see and nothing is measured against. */
  readonly publishedAt: string | null;
}

export interface ShiftFilter {
  readonly agentIds?: readonly number[];
  readonly timeZone: string;
  /** Leave drafts out: what agents see, and what adherence is measured against. */
  readonly publishedOnly?: boolean;
}

const kindOf = (v: unknown): ActivityKind =>
  (ACTIVITY_KINDS as readonly string[]).includes(String(v)) ? (v as ActivityKind) : 'offline';

async function withActivities(db: Db, rows: Record<string, unknown>[], timeZone: string): Promise<Shift[]> {
  const ids = rows.map((r) => Number(r.id));
  const windows = await availabilityOf(db, [...new Set(rows.map((r) => Number(r.agent_id)))]);
  const activities = new Map<number, { kind: ActivityKind; start: Date; end: Date }[]>();
  if (ids.length > 0)
    for (const a of (await db('shift_activities')
      .whereIn('shift_id', ids)
      .orderBy(['shift_id', 'starts_at'])
      .select('shift_id', 'kind', 'starts_at', 'ends_at')) as Record<string, unknown>[]) {
      const list = activities.get(Number(a.shift_id)) ?? [];
      list.push({
        kind: kindOf(a.kind),
        start: requireDate(a.starts_at, 'shift_activities.starts_at'),
        end: requireDate(a.ends_at, 'shift_activities.ends_at'),
      });
      activities.set(Number(a.shift_id), list);
    }
  return rows.map((r) => {
    const start = requireDate(r.starts_at, 'shifts.starts_at');
    const end = requireDate(r.ends_at, 'shifts.ends_at');
    const acts = activities.get(Number(r.id)) ?? [];
    const day = dayOfRow(r.day) ?? '';
    return {
      id: Number(r.id),
      agentId: Number(r.agent_id),
      agentName: String(r.agent_name),
      day,
      start: start.toISOString(),
      end: end.toISOString(),
      startTime: wallTime(start, timeZone),
      endTime: wallTime(end, timeZone),
      note: r.note == null ? null : String(r.note),
      activities: acts.map((a) => ({
        kind: a.kind,
        start: a.start.toISOString(),
        end: a.end.toISOString(),
        startTime: wallTime(a.start, timeZone),
        endTime: wallTime(a.end, timeZone),
      })),
      phoneS: Math.round(phoneTime({ start, end, activities: acts }) / 1000),
      withinAvailability: withinAvailability(windows.get(Number(r.agent_id)), day, start, end, timeZone),
      publishedAt: r.published_at == null ? null : requireDate(r.published_at, 'shifts.published_at').toISOString(),
    };
  });
}

function shiftsQuery(db: Db | Knex.Transaction, filter: ShiftFilter) {
  const q = db('shifts as s')
    .join('agents as a', 'a.id', 's.agent_id')
    .orderBy([{ column: 's.starts_at' }, { column: 'a.name' }, { column: 's.id' }])
    .select(
      's.id',
      's.agent_id',
      'a.name as agent_name',
      's.day',
      's.starts_at',
      's.ends_at',
      's.note',
      's.published_at',
    );
  if (filter.agentIds) q.whereIn('s.agent_id', filter.agentIds);
  if (filter.publishedOnly) q.whereNotNull('s.published_at');
  return q;
}

/** The shifts starting on the days from `from` to `to` (both included). */
export async function shiftsOnDays(db: Db, from: string, to: string, filter: ShiftFilter): Promise<Shift[]> {
  const rows = (await shiftsQuery(db, filter).whereBetween('s.day', [from, to])) as Record<string, unknown>[];
  return withActivities(db, rows, filter.timeZone);
}

/** The shifts overlapping [from, to): the schedule adherence and coverage are measured against. */
export async function shiftsBetween(db: Db, from: Date, to: Date, filter: ShiftFilter): Promise<Shift[]> {
  const rows = (await shiftsQuery(db, filter)
    // The starts_at bound lets the index find them: no shift began longer than the longest shift before `from`.
    .where('s.starts_at', '>', new Date(from.getTime() - LONGEST_SHIFT_MS))
    .where('s.starts_at', '<', to)
    .where('s.ends_at', '>', from)) as Record<string, unknown>[];
  return withActivities(db, rows, filter.timeZone);
}

export async function shiftsByIds(db: Db, ids: readonly number[], timeZone: string): Promise<Shift[]> {
  if (ids.length === 0) return [];
  const rows = (await shiftsQuery(db, { timeZone }).whereIn('s.id', ids)) as Record<string, unknown>[];
  return withActivities(db, rows, timeZone);
}

export async function getShift(db: Db, id: number, timeZone: string): Promise<Shift | null> {
  return (await shiftsByIds(db, [id], timeZone))[0] ?? null;
}

/** 409 when the agent has another shift overlapping the plan (`except`: the shift being replaced). */
async function assertFree(trx: Knex.Transaction, plan: PlannedShift, timeZone: string, except?: number) {
  const q = trx('shifts')
    .where({ agent_id: plan.agentId })
    .where('starts_at', '<', plan.end)
    .where('ends_at', '>', plan.start)
    .first('day', 'starts_at', 'ends_at');
  if (except !== undefined) q.whereNot('id', except);
  const clash = (await q) as Record<string, unknown> | undefined;
  if (!clash) return;
  const from = wallTime(requireDate(clash.starts_at, 'shifts.starts_at'), timeZone);
  const to = wallTime(requireDate(clash.ends_at, 'shifts.ends_at'), timeZone);
  throw new HttpError(409, 'conflict', `it overlaps the agent's shift ${from}–${to} on ${dayOfRow(clash.day)}`);
}

/**
 * Locks the agent's row, so two plans for one agent are checked one after the other; 404 if none, 409 if the agent
 * has time off granted that day.
 */
async function lockAgent(trx: Knex.Transaction, plan: PlannedShift): Promise<void> {
  if (!(await trx('agents').where({ id: plan.agentId }).forUpdate().first('id')))
    throw notFound(`agent ${plan.agentId}`);
  await assertNotOff(trx, plan.agentId, plan.day);
}

async function insertActivities(trx: Knex.Transaction, shiftId: number, plan: PlannedShift): Promise<void> {
  if (plan.activities.length > 0)
    await trx('shift_activities').insert(
      plan.activities.map((a) => ({ shift_id: shiftId, kind: a.kind, starts_at: a.start, ends_at: a.end })),
    );
}

async function insertShift(trx: Knex.Transaction, plan: PlannedShift, w: ShiftWriter) {
  const id = insertedId(
    await trx('shifts').insert({
      agent_id: plan.agentId,
      day: plan.day,
      starts_at: plan.start,
      ends_at: plan.end,
      note: plan.note,
      created_by: w.by,
      created_at: w.now,
      published_at: w.draft ? null : w.now,
      published_by: w.draft ? null : w.by,
    }),
  );
  await insertActivities(trx, id, plan);
  return id;
}

export interface ShiftWriter {
  readonly timeZone: string;
  readonly by: number | null;
  readonly now: Date;
  /** The shifts made are drafts, for staff only until published; otherwise published as they are made. */
  readonly draft?: boolean;
}

export async function addShift(db: Db, input: ShiftInput, w: ShiftWriter): Promise<Shift> {
  const plan = planShift(input, w.timeZone);
  const id = await db.transaction(async (trx) => {
    await lockAgent(trx, plan);
    await assertFree(trx, plan, w.timeZone);
    return insertShift(trx, plan, w);
  });
  return (await getShift(db, id, w.timeZone))!;
}

/**
 * Replaces the shift with the plan (its agent may change); null when there is no such shift. A draft stays one unless
 * `w.draft` is false, which publishes it; a published shift stays published (409 if asked to become a draft: its agent
 * has seen it, and it is removed instead).
 */
export async function replaceShift(db: Db, id: number, input: ShiftInput, w: ShiftWriter): Promise<Shift | null> {
  const plan = planShift(input, w.timeZone);
  const found = await db.transaction(async (trx) => {
    const row = (await trx('shifts').where({ id }).first('published_at')) as { published_at: unknown } | undefined;
    if (!row) return false;
    const published = row.published_at != null;
    if (published && w.draft === true)
      throw new HttpError(409, 'conflict', 'a published shift cannot become a draft again: remove it instead');
    await lockAgent(trx, plan);
    await assertFree(trx, plan, w.timeZone, id);
    await trx('shifts')
      .where({ id })
      .update({
        agent_id: plan.agentId,
        day: plan.day,
        starts_at: plan.start,
        ends_at: plan.end,
        note: plan.note,
        ...(!published && w.draft === false ? { published_at: w.now, published_by: w.by } : {}),
      });
    await trx('shift_activities').where({ shift_id: id }).delete();
    await insertActivities(trx, id, plan);
    return true;
  });
  return found ? getShift(db, id, w.timeZone) : null;
}

export async function removeShift(db: Db, id: number): Promise<boolean> {
  return db.transaction(async (trx) => {
    await trx('shift_activities').where({ shift_id: id }).delete();
    return (await trx('shifts').where({ id }).delete()) > 0;
  });
}

export interface CopyRequest {
  readonly fromDay: string;
  readonly toDay: string;
  /** Days copied from `fromDay` on. */
  readonly days: number;
  readonly agentIds?: readonly number[];
}

export interface CopyResult {
  readonly copied: number;
  readonly skipped: { agentId: number; agentName: string; day: string; reason: string }[];
}

/**
 * Copies the shifts of `days` days to the same times of day `toDay - fromDay` days later (last week's rota to next
 * week's). Times are copied on the wall clock, so a week with a clock change keeps 09:00 at 09:00. A shift that
 * would overlap one the agent already has there is skipped and said why; the rest are copied.
 */
export async function copyShifts(db: Db, req: CopyRequest, w: ShiftWriter): Promise<CopyResult> {
  if (req.toDay <= req.fromDay) throw new HttpError(400, 'bad_request', 'toDay must be after fromDay');
  const last = addDays(req.fromDay, req.days - 1);
  if (req.toDay <= last)
    throw new HttpError(
      400,
      'bad_request',
      `the days copied (${req.fromDay} to ${last}) and the days copied to overlap`,
    );
  const source = await shiftsOnDays(db, req.fromDay, last, { agentIds: req.agentIds, timeZone: w.timeZone });
  const offset = daysBetween(req.fromDay, req.toDay) - 1;
  const skipped: CopyResult['skipped'] = [];
  let copied = 0;
  for (const s of source) {
    const input: ShiftInput = {
      agentId: s.agentId,
      day: addDays(s.day, offset),
      startTime: s.startTime,
      endTime: s.endTime,
      note: s.note,
      activities: s.activities.map((a) => ({ kind: a.kind, startTime: a.startTime, endTime: a.endTime })),
    };
    try {
      const plan = planShift(input, w.timeZone);
      await db.transaction(async (trx) => {
        await lockAgent(trx, plan);
        await assertFree(trx, plan, w.timeZone);
        await insertShift(trx, plan, w);
      });
      copied++;
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      skipped.push({ agentId: s.agentId, agentName: s.agentName, day: input.day, reason: err.message });
    }
  }
  return { copied, skipped };
}
