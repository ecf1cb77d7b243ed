import type { Knex } from 'knex';
import { z } from 'zod';
import { insertedId } from '../agents/repository.js';
import type { Db } from '../db/knex.js';
import { day as dayOfRow } from '../db/rows.js';
import { requireDate, toDate } from '../db/time.js';
import { forbidden, HttpError, notFound } from '../http/errors.js';
import { addDays, wallTime, weekOf } from '../reports/day.js';
import { availabilityOf, withinAvailability } from './availability.js';
import { shiftsByIds, type Shift } from './repository.js';
import { weekScheduled } from './rota.js';
import { timeOffOn } from './time-off.js';

/**
 * Shift trades: an agent offers one of their future shifts to a colleague, or to anyone, either as a give-away or
 * for one of the colleague's shifts in return (a swap). The colleague accepts (for an offer to anyone, the first who
 * does), a supervisor approves, and only then do the shifts change hands. Whether the trade can be made (the shifts
 * still the traders', not begun, nobody double-booked or on time off) is checked when it is offered, accepted and
 * approved, since the schedule moves in between; skills are not a bar but are shown, for the supervisor to judge.
 */

export const TRADE_STATUSES = ['offered', 'accepted', 'approved', 'rejected', 'declined', 'cancelled'] as const;
export type TradeStatus = (typeof TRADE_STATUSES)[number];
const LIVE: readonly TradeStatus[] = ['offered', 'accepted'];

export const tradeOffer = z
  .object({
    shiftId: z.number().int().positive(),
    /** The colleague offered to; none (or null) offers the shift to anyone. */
    toAgentId: z.number().int().positive().nullable().optional(),
    /** The colleague's shift asked for in return (a swap); needs `toAgentId`. */
    swapShiftId: z.number().int().positive().nullable().optional(),
    note: z.string().trim().max(200).nullable().optional(),
  })
  .strict();
export type TradeOffer = z.infer<typeof tradeOffer>;

export type TradeShift = Pick<Shift, 'id' | 'day' | 'start' | 'end' | 'startTime' | 'endTime' | 'phoneS'>;

export interface ShiftTrade {
  readonly id: number;
  readonly status: TradeStatus;
  readonly fromAgentId: number;
  readonly fromAgentName: string;
  readonly toAgentId: number | null;
  readonly toAgentName: string | null;
  /** Offered to anyone (then taken by `toAgentId`, once someone accepts). */
  readonly toAnyone: boolean;
  readonly shift: TradeShift | null;
  readonly swapShift: TradeShift | null;
  readonly note: string | null;
  readonly offeredAt: string;
  readonly acceptedAt: string | null;
  readonly decidedBy: number | null;
  readonly decidedAt: string | null;
  readonly decisionNote: string | null;
  /** Still offered or accepted, but the shift (or the one given back) has begun: it can no longer be made. */
  readonly expired: boolean;
  /** Skills the offering agent has that the one taking the shift lacks (none until someone accepts an open offer). */
  readonly takerLacks: readonly string[];
  /** For a swap, skills the taker has that the offering agent, taking the swapped shift, lacks. */
  readonly giverLacks: readonly string[];
  /** The shift inside the taker's availability (null until someone accepts an open offer). */
  readonly takerAvailable: boolean | null;
  /** For a swap, the shift given back inside the offering agent's availability. */
  readonly giverAvailable: boolean | null;
}

export interface TradeContext {
  readonly now: Date;
  readonly timeZone: string;
}

interface TradeRow {
  id: number;
  shiftId: number;
  swapShiftId: number | null;
  fromAgentId: number;
  toAgentId: number | null;
  toAnyone: boolean;
  status: TradeStatus;
}

const num = (v: unknown): number | null => (v == null ? null : Number(v));
const iso = (v: unknown): string | null => toDate(v)?.toISOString() ?? null;

function tradeQuery(db: Db | Knex.Transaction) {
  return db('shift_trades as t')
    .join('agents as f', 'f.id', 't.from_agent_id')
    .leftJoin('agents as o', 'o.id', 't.to_agent_id')
    .select('t.*', 'f.name as from_agent_name', 'o.name as to_agent_name');
}

async function skillsOf(db: Db | Knex.Transaction, agentIds: readonly number[]): Promise<Map<number, Set<string>>> {
  const out = new Map<number, Set<string>>(agentIds.map((id) => [id, new Set()]));
  if (agentIds.length === 0) return out;
  const rows = (await db('agent_skills as a')
    .join('skills as s', 's.id', 'a.skill_id')
    .whereIn('a.agent_id', agentIds)
    .select('a.agent_id', 's.name')) as Record<string, unknown>[];
  for (const r of rows) out.get(Number(r.agent_id))?.add(String(r.name));
  return out;
}

const lacking = (has: Set<string> | undefined, needs: Set<string> | undefined): string[] =>
  [...(needs ?? [])].filter((s) => !has?.has(s)).sort();

const tradeShift = (s: Shift | undefined): TradeShift | null =>
  s
    ? { id: s.id, day: s.day, start: s.start, end: s.end, startTime: s.startTime, endTime: s.endTime, phoneS: s.phoneS }
    : null;

async function toTrades(db: Db, rows: Record<string, unknown>[], ctx: TradeContext): Promise<ShiftTrade[]> {
  const shiftIds = rows.flatMap((r) => [
    Number(r.shift_id),
    ...(r.swap_shift_id == null ? [] : [Number(r.swap_shift_id)]),
  ]);
  const agentIds = rows.flatMap((r) => [
    Number(r.from_agent_id),
    ...(r.to_agent_id == null ? [] : [Number(r.to_agent_id)]),
  ]);
  const [shifts, skills, windows] = await Promise.all([
    shiftsByIds(db, [...new Set(shiftIds)], ctx.timeZone),
    skillsOf(db, [...new Set(agentIds)]),
    availabilityOf(db, [...new Set(agentIds)]),
  ]);
  const fits = (agentId: number | null, s: Shift | undefined): boolean | null =>
    agentId === null || !s
      ? null
      : withinAvailability(windows.get(agentId), s.day, new Date(s.start), new Date(s.end), ctx.timeZone);
  const byId = new Map(shifts.map((s) => [s.id, s]));
  return rows.map((r) => {
    const status = String(r.status) as TradeStatus;
    const shift = byId.get(Number(r.shift_id));
    const swap = r.swap_shift_id == null ? undefined : byId.get(Number(r.swap_shift_id));
    const from = Number(r.from_agent_id);
    const to = num(r.to_agent_id);
    const begun = (s: Shift | undefined) => s !== undefined && Date.parse(s.start) <= ctx.now.getTime();
    return {
      id: Number(r.id),
      status,
      fromAgentId: from,
      fromAgentName: String(r.from_agent_name),
      toAgentId: to,
      toAgentName: r.to_agent_name == null ? null : String(r.to_agent_name),
      toAnyone: Boolean(Number(r.to_anyone)),
      shift: tradeShift(shift),
      swapShift: tradeShift(swap),
      note: r.note == null ? null : String(r.note),
      offeredAt: iso(r.offered_at)!,
      acceptedAt: iso(r.accepted_at),
      decidedBy: num(r.decided_by),
      decidedAt: iso(r.decided_at),
      decisionNote: r.decision_note == null ? null : String(r.decision_note),
      expired: LIVE.includes(status) && (begun(shift) || begun(swap)),
      takerLacks: to === null ? [] : lacking(skills.get(to), skills.get(from)),
      giverLacks: to === null || r.swap_shift_id == null ? [] : lacking(skills.get(from), skills.get(to)),
      takerAvailable: fits(to, shift),
      giverAvailable: fits(swap ? from : null, swap),
    };
  });
}

export async function getTrade(db: Db, id: number, ctx: TradeContext): Promise<ShiftTrade | null> {
  const row = (await tradeQuery(db).where('t.id', id).first()) as Record<string, unknown> | undefined;
  return row ? (await toTrades(db, [row], ctx))[0]! : null;
}

export interface TradeFilter {
  readonly status?: TradeStatus;
  /** Trades this agent is part of, and the open offers they may take. */
  readonly agentId?: number;
  /** Trades whose shift starts on these days. */
  readonly from?: string;
  readonly to?: string;
}

/** A list is cut here, newest offers first. */
export const MAX_LISTED_TRADES = 500;

export async function listTrades(db: Db, f: TradeFilter, ctx: TradeContext): Promise<ShiftTrade[]> {
  const q = tradeQuery(db)
    .join('shifts as s', 's.id', 't.shift_id')
    .orderBy([
      { column: 't.offered_at', order: 'desc' },
      { column: 't.id', order: 'desc' },
    ])
    .limit(MAX_LISTED_TRADES);
  if (f.status) q.where('t.status', f.status);
  if (f.from) q.where('s.day', '>=', f.from);
  if (f.to) q.where('s.day', '<=', f.to);
  const agentId = f.agentId;
  if (agentId !== undefined)
    q.where((w) =>
      w
        .where('t.from_agent_id', agentId)
        .orWhere('t.to_agent_id', agentId)
        .orWhere((open) => open.whereNull('t.to_agent_id').where('t.status', 'offered')),
    );
  return toTrades(db, (await q) as Record<string, unknown>[], ctx);
}

const conflict = (message: string) => new HttpError(409, 'conflict', message);

async function agentName(trx: Knex.Transaction, id: number): Promise<string> {
  const row = (await trx('agents').where({ id }).first('name')) as { name: string } | undefined;
  if (!row) throw notFound(`agent ${id}`);
  return row.name;
}

interface ShiftRow {
  id: number;
  agentId: number;
  day: string;
  start: Date;
  end: Date;
}

async function shiftRow(trx: Knex.Transaction, id: number): Promise<ShiftRow> {
  const r = (await trx('shifts')
    .where({ id })
    .first('id', 'agent_id', 'day', 'starts_at', 'ends_at', 'published_at')) as Record<string, unknown> | undefined;
  if (!r) throw notFound(`shift ${id}`);
  if (r.published_at == null) throw conflict(`shift ${id} is a draft: only a published shift is traded`);
  return {
    id,
    agentId: Number(r.agent_id),
    day: dayOfRow(r.day) ?? '',
    start: requireDate(r.starts_at, 'shifts.starts_at'),
    end: requireDate(r.ends_at, 'shifts.ends_at'),
  };
}

/** 409 unless `agentId` can work `shift` in place of its owner: not on time off that day, and free then. */
async function assertCanTake(
  trx: Knex.Transaction,
  agentId: number,
  shift: ShiftRow,
  except: number | null,
  ctx: TradeContext,
): Promise<void> {
  const name = await agentName(trx, agentId);
  const off = await timeOffOn(trx, agentId, shift.day);
  if (off) throw conflict(`${name} has ${off}`);
  const q = trx('shifts')
    .where({ agent_id: agentId })
    .where('starts_at', '<', shift.end)
    .where('ends_at', '>', shift.start)
    .first('day', 'starts_at', 'ends_at', 'published_at');
  if (except !== null) q.whereNot('id', except);
  const clash = (await q) as Record<string, unknown> | undefined;
  // A draft is in the way too, but its times are not for agents to see yet.
  if (clash && clash.published_at == null) throw conflict(`${name} has a shift being planned then`);
  if (clash) {
    const from = wallTime(requireDate(clash.starts_at, 'shifts.starts_at'), ctx.timeZone);
    const to = wallTime(requireDate(clash.ends_at, 'shifts.ends_at'), ctx.timeZone);
    throw conflict(`${name} already has a shift ${from}–${to} on ${dayOfRow(clash.day)} overlapping it`);
  }
}

/**
 * 409 unless the trade can be made as the schedule stands: each shift still its trader's and not begun, and the
 * agents taking them free and not on time off. `toAgentId` null (an offer to anyone) checks the offering side only.
 */
async function assertTradable(
  trx: Knex.Transaction,
  t: Omit<TradeRow, 'id' | 'status' | 'toAnyone'>,
  ctx: TradeContext,
) {
  const shift = await shiftRow(trx, t.shiftId);
  const swap = t.swapShiftId === null ? null : await shiftRow(trx, t.swapShiftId);
  for (const [s, owner] of [
    [shift, t.fromAgentId],
    [swap, t.toAgentId],
  ] as const) {
    if (!s) continue;
    if (s.agentId !== owner) throw conflict(`shift ${s.id} is no longer ${await agentName(trx, owner!)}'s`);
    if (s.start.getTime() <= ctx.now.getTime()) throw conflict(`the shift on ${s.day} has begun`);
  }
  if (t.toAgentId === null) return;
  await assertCanTake(trx, t.toAgentId, shift, swap?.id ?? null, ctx);
  if (swap) await assertCanTake(trx, t.fromAgentId, swap, shift.id, ctx);
}

/** 409 when either shift is already in a trade offered or accepted. */
async function assertNotTraded(trx: Knex.Transaction, shiftIds: readonly number[]) {
  const live = (await trx('shift_trades')
    .whereIn('status', LIVE)
    .where((w) => w.whereIn('shift_id', shiftIds).orWhereIn('swap_shift_id', shiftIds))
    .first('id')) as { id: number } | undefined;
  if (live) throw conflict(`the shift is already in trade ${live.id}`);
}

/** Locks the agents' rows in id order: the checks and moves of two trades touching one agent run one after the other. */
async function lockAgents(trx: Knex.Transaction, ids: readonly (number | null)[]) {
  for (const id of [...new Set(ids.filter((i): i is number => i !== null))].sort((a, b) => a - b))
    await trx('agents').where({ id }).forUpdate().first('id');
}

async function tradeRow(trx: Knex.Transaction, id: number): Promise<TradeRow> {
  const r = (await trx('shift_trades').where({ id }).first()) as Record<string, unknown> | undefined;
  if (!r) throw notFound(`shift trade ${id}`);
  return {
    id,
    shiftId: Number(r.shift_id),
    swapShiftId: num(r.swap_shift_id),
    fromAgentId: Number(r.from_agent_id),
    toAgentId: num(r.to_agent_id),
    toAnyone: Boolean(Number(r.to_anyone)),
    status: String(r.status) as TradeStatus,
  };
}

/** `fromAgentId` offers their shift. 400 for a swap without a colleague or with oneself; 409 when it cannot be made. */
export async function offerTrade(
  db: Db,
  fromAgentId: number,
  input: TradeOffer,
  ctx: TradeContext,
): Promise<ShiftTrade> {
  const toAgentId = input.toAgentId ?? null;
  const swapShiftId = input.swapShiftId ?? null;
  if (toAgentId === fromAgentId) throw new HttpError(400, 'bad_request', 'a shift is offered to someone else');
  if (swapShiftId !== null && toAgentId === null)
    throw new HttpError(400, 'bad_request', 'a swap names the colleague (toAgentId) whose shift is asked for');
  const id = await db.transaction(async (trx) => {
    await lockAgents(trx, [fromAgentId, toAgentId]);
    if ((await shiftRow(trx, input.shiftId)).agentId !== fromAgentId) throw forbidden('agents offer their own shifts');
    // Someone who cannot sign in could never accept it.
    if (toAgentId !== null && !(await trx('agents').where({ id: toAgentId }).whereNotNull('user_id').first('id')))
      throw new HttpError(400, 'bad_request', `${await agentName(trx, toAgentId)} has no user to accept it with`);
    const t = { shiftId: input.shiftId, swapShiftId, fromAgentId, toAgentId };
    await assertTradable(trx, t, ctx);
    await assertNotTraded(trx, swapShiftId === null ? [input.shiftId] : [input.shiftId, swapShiftId]);
    return insertedId(
      await trx('shift_trades').insert({
        shift_id: input.shiftId,
        swap_shift_id: swapShiftId,
        from_agent_id: fromAgentId,
        to_agent_id: toAgentId,
        to_anyone: toAgentId === null,
        note: input.note ?? null,
        status: 'offered',
        offered_at: ctx.now,
      }),
    );
  });
  return (await getTrade(db, id, ctx))!;
}

/** Moves the shifts of an approved trade: the shift to the taker, the one given back (a swap) to the offerer. */
async function moveShifts(trx: Knex.Transaction, t: TradeRow, toAgentId: number): Promise<void> {
  await trx('shifts').where({ id: t.shiftId }).update({ agent_id: toAgentId });
  if (t.swapShiftId !== null) await trx('shifts').where({ id: t.swapShiftId }).update({ agent_id: t.fromAgentId });
}

/**
 * Why a trade needs a supervisor although it can be made, or null: an agent taking a shift lacks a skill of the one
 * giving it, the shift is outside their availability, or they would work past their contracted hours that week.
 */
async function needsSupervisor(
  trx: Knex.Transaction,
  t: TradeRow,
  toAgentId: number,
  timeZone: string,
): Promise<string | null> {
  const skills = await skillsOf(trx, [t.fromAgentId, toAgentId]);
  const lacks = [
    ...lacking(skills.get(toAgentId), skills.get(t.fromAgentId)),
    ...(t.swapShiftId === null ? [] : lacking(skills.get(t.fromAgentId), skills.get(toAgentId))),
  ];
  if (lacks.length > 0) return `skills lacking: ${[...new Set(lacks)].sort().join(', ')}`;
  const shift = await shiftRow(trx, t.shiftId);
  const swap = t.swapShiftId === null ? null : await shiftRow(trx, t.swapShiftId);
  const windows = await availabilityOf(trx, [t.fromAgentId, toAgentId]);
  for (const [taker, taken] of [
    [toAgentId, shift],
    [t.fromAgentId, swap],
  ] as const)
    if (taken && !withinAvailability(windows.get(taker), taken.day, taken.start, taken.end, timeZone))
      return `the shift on ${taken.day} is outside ${await agentName(trx, taker)}'s availability`;
  const length = (s: ShiftRow | null) => (s ? s.end.getTime() - s.start.getTime() : 0);
  const sameWeek = (a: ShiftRow, b: ShiftRow | null) => b !== null && weekOf(a.day).monday === weekOf(b.day).monday;
  for (const [taker, taken, given] of [
    [toAgentId, shift, swap],
    [t.fromAgentId, swap, shift],
  ] as const) {
    if (!taken) continue;
    const contract = (await trx('agents').where({ id: taker }).first('weekly_hours')) as { weekly_hours: unknown };
    if (contract?.weekly_hours == null) continue;
    const week = (await weekScheduled(trx, taken.day, [taker])).get(taker) ?? 0;
    const after = week + length(taken) - (sameWeek(taken, given) ? length(given) : 0);
    if (after > Number(contract.weekly_hours) * 3_600_000)
      return `${await agentName(trx, taker)} would work ${Math.round((after / 3_600_000) * 10) / 10} h that week, past ${Number(contract.weekly_hours)} h`;
  }
  return null;
}

/**
 * `agentId` accepts an offer made to them or to anyone; 409 when it was taken or cannot be made. With `autoApprove`
 * (ARIADNE_SHIFT_TRADE_APPROVAL=auto) a trade that keeps skills and contracts is approved at once, the shifts moved;
 * any other waits for a supervisor, told why in its decision note.
 */
export async function acceptTrade(
  db: Db,
  id: number,
  agentId: number,
  ctx: TradeContext & { autoApprove?: boolean },
): Promise<ShiftTrade> {
  await db.transaction(async (trx) => {
    const t = await tradeRow(trx, id);
    if (t.fromAgentId === agentId) throw forbidden('this is your own offer');
    if (t.toAgentId !== null && t.toAgentId !== agentId) {
      if (t.toAnyone) throw conflict('another agent took the offer first');
      throw forbidden('this offer is made to another agent');
    }
    if (t.status !== 'offered') throw conflict(`the trade is ${t.status}, not offered`);
    await lockAgents(trx, [t.fromAgentId, agentId]);
    await assertTradable(trx, { ...t, toAgentId: agentId }, ctx);
    const changed = await trx('shift_trades')
      .where({ id, status: 'offered' })
      .where((w) => w.whereNull('to_agent_id').orWhere('to_agent_id', agentId))
      .update({ status: 'accepted', to_agent_id: agentId, accepted_at: ctx.now });
    if (changed === 0) throw conflict('the offer was taken meanwhile');
    if (!ctx.autoApprove) return;
    const why = await needsSupervisor(trx, t, agentId, ctx.timeZone);
    await trx('shift_trades')
      .where({ id })
      .update(
        why === null
          ? { status: 'approved', decided_at: ctx.now, decision_note: 'approved automatically' }
          : { decision_note: `for a supervisor: ${why}` },
      );
    if (why === null) await moveShifts(trx, t, agentId);
  });
  return (await getTrade(db, id, ctx))!;
}

/** The colleague an offer is made to turns it down; an offer to anyone is left, not declined. */
export async function declineTrade(db: Db, id: number, agentId: number, ctx: TradeContext): Promise<ShiftTrade> {
  const found = await getTrade(db, id, ctx);
  if (!found) throw notFound(`shift trade ${id}`);
  if (found.toAgentId !== agentId) throw forbidden('only the colleague it is offered to declines an offer');
  const changed = await db('shift_trades').where({ id, status: 'offered' }).update({ status: 'declined' });
  if (changed === 0) throw conflict(`the trade is ${found.status}, not offered`);
  return (await getTrade(db, id, ctx))!;
}

/** Withdraws a trade not yet decided (the offering agent's, or staff's); 409 once decided. */
export async function cancelTrade(db: Db, id: number, ctx: TradeContext): Promise<ShiftTrade> {
  const changed = await db('shift_trades').where({ id }).whereIn('status', LIVE).update({ status: 'cancelled' });
  const found = await getTrade(db, id, ctx);
  if (!found) throw notFound(`shift trade ${id}`);
  if (changed === 0) throw conflict(`the trade is ${found.status}`);
  return found;
}

/**
 * A supervisor approves an accepted trade, which moves the shifts (checked once more as the schedule stands), or
 * refuses it. A shift is in one live trade at a time, so no other trade waits on the same shifts.
 */
export async function decideTrade(
  db: Db,
  id: number,
  decision: { status: 'approved' | 'rejected'; note?: string | null },
  actor: TradeContext & { by: number },
): Promise<ShiftTrade> {
  await db.transaction(async (trx) => {
    const t = await tradeRow(trx, id);
    if (t.status !== 'accepted') throw conflict(`the trade is ${t.status}, not accepted`);
    if (decision.status === 'approved') {
      await lockAgents(trx, [t.fromAgentId, t.toAgentId]);
      await assertTradable(trx, t, actor);
    }
    const changed = await trx('shift_trades')
      .where({ id, status: 'accepted' })
      .update({
        status: decision.status,
        decided_by: actor.by,
        decided_at: actor.now,
        decision_note: decision.note ?? null,
      });
    if (changed === 0) throw conflict('the trade was decided meanwhile');
    if (decision.status === 'approved') await moveShifts(trx, t, t.toAgentId!);
  });
  return (await getTrade(db, id, actor))!;
}

export interface TradeCandidate {
  readonly agentId: number;
  readonly name: string;
  /** Null when the colleague can take the shift as things stand; else why not (a swap may still be possible). */
  readonly busy: string | null;
  readonly lacks: readonly string[];
  /** Their shifts not yet begun in the week either side of the shift's day: what a swap could ask for. */
  readonly shifts: readonly TradeShift[];
}

/** A list of colleagues is cut here. */
const MAX_CANDIDATES = 200;

/**
 * Colleagues the shift could be offered to: the other agents, those who could take it first, then those lacking
 * the fewest of the offering agent's skills, each with the shifts a swap could ask for.
 */
export async function tradeCandidates(db: Db, shiftId: number, ctx: TradeContext): Promise<TradeCandidate[]> {
  const [shift] = await shiftsByIds(db, [shiftId], ctx.timeZone);
  if (!shift) throw notFound(`shift ${shiftId}`);
  if (shift.publishedAt === null) throw conflict(`shift ${shiftId} is a draft: only a published shift is traded`);
  const start = new Date(shift.start);
  const end = new Date(shift.end);
  // Only agents who can sign in and accept it.
  const agents = (await db('agents')
    .whereNot('id', shift.agentId)
    .whereNotNull('user_id')
    .orderBy('name')
    .limit(MAX_CANDIDATES)
    .select('id', 'name')) as {
    id: number;
    name: string;
  }[];
  const ids = agents.map((a) => Number(a.id));
  const [skills, clashes, off, upcoming] = await Promise.all([
    skillsOf(db, [shift.agentId, ...ids]),
    db('shifts')
      .whereIn('agent_id', ids)
      .where('starts_at', '<', end)
      .where('ends_at', '>', start)
      .select('agent_id', 'starts_at', 'ends_at', 'published_at') as Promise<Record<string, unknown>[]>,
    db('time_off')
      .whereIn('agent_id', ids)
      .where({ status: 'approved' })
      .where('from_day', '<=', shift.day)
      .where('to_day', '>=', shift.day)
      .select('agent_id', 'kind') as Promise<Record<string, unknown>[]>,
    db('shifts')
      .whereIn('agent_id', ids)
      .whereNotNull('published_at')
      .where('starts_at', '>', ctx.now)
      .whereBetween('day', [addDays(shift.day, -7), addDays(shift.day, 7)])
      .orderBy('starts_at')
      .pluck('id') as Promise<unknown[]>,
  ]);
  const busy = new Map<number, string>();
  for (const c of clashes)
    busy.set(
      Number(c.agent_id),
      c.published_at == null
        ? 'has a shift being planned then'
        : `works ${wallTime(requireDate(c.starts_at, 'shifts.starts_at'), ctx.timeZone)}–${wallTime(requireDate(c.ends_at, 'shifts.ends_at'), ctx.timeZone)} then`,
    );
  for (const o of off) busy.set(Number(o.agent_id), `${String(o.kind)} time off`);
  const theirs = new Map<number, TradeShift[]>();
  for (const s of await shiftsByIds(db, upcoming.map(Number), ctx.timeZone)) {
    const list = theirs.get(s.agentId) ?? [];
    list.push(tradeShift(s)!);
    theirs.set(s.agentId, list);
  }
  const needs = skills.get(shift.agentId);
  return agents
    .map((a) => ({
      agentId: Number(a.id),
      name: a.name,
      busy: busy.get(Number(a.id)) ?? null,
      lacks: lacking(skills.get(Number(a.id)), needs),
      shifts: theirs.get(Number(a.id)) ?? [],
    }))
    .sort((x, y) => Number(x.busy !== null) - Number(y.busy !== null) || x.lacks.length - y.lacks.length);
}
