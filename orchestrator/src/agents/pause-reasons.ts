import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { insertedId } from './repository.js';

/**
 * The pause reasons an admin configures: what agents pause with in the workspace, and by code on a desk phone
 * (*13<code>). Pausing is checked against the list, so the pause report counts a few comparable reasons rather
 * than every spelling of "lunch". With the list emptied, any reason goes (as before there was one).
 */
export interface PauseReason {
  readonly id: number;
  readonly name: string;
  /** One or two digits dialled after *13; null: not on the desk phone. */
  readonly code: string | null;
}

/** The automatic pause after missed offers: given by the system, never chosen. */
export const AUTO_PAUSE_REASON = 'no answer';

/** An agent who gives no reason, when the list is empty. */
const FALLBACK_REASON = 'break';

export const pauseReasonInput = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'required')
      .max(64)
      .refine((n) => n.toLowerCase() !== AUTO_PAUSE_REASON, `"${AUTO_PAUSE_REASON}" is the automatic pause's reason`),
    // No leading zero: *137 and *1307 would be two codes an agent could not tell apart.
    code: z
      .string()
      .regex(/^(0|[1-9]\d?)$/, 'one or two digits (no leading zero), dialled after *13')
      .nullable(),
  })
  .partial()
  .strict();
export type PauseReasonInput = z.infer<typeof pauseReasonInput>;

function rowToReason(r: Record<string, unknown>): PauseReason {
  return { id: Number(r.id), name: String(r.name), code: r.code == null ? null : String(r.code) };
}

/** Desk-phone codes in dialling order (2 before 10), then the reasons without one by name. */
function byCode(a: PauseReason, b: PauseReason): number {
  if (a.code !== null && b.code !== null) return Number(a.code) - Number(b.code) || a.code.localeCompare(b.code);
  if (a.code !== b.code) return a.code === null ? 1 : -1;
  return a.name.localeCompare(b.name);
}

export async function listPauseReasons(db: Db): Promise<PauseReason[]> {
  const rows = (await db('pause_reasons').select('id', 'name', 'code')) as Record<string, unknown>[];
  return rows.map(rowToReason).sort(byCode);
}

export async function getPauseReason(db: Db, id: number): Promise<PauseReason | null> {
  const row = (await db('pause_reasons').where({ id }).first('id', 'name', 'code')) as
    Record<string, unknown> | undefined;
  return row ? rowToReason(row) : null;
}

export async function createPauseReason(db: Db, input: PauseReasonInput & { name: string }): Promise<PauseReason> {
  const id = insertedId(await db('pause_reasons').insert({ name: input.name, code: input.code ?? null }));
  return (await getPauseReason(db, id)) as PauseReason;
}

export async function updatePauseReason(db: Db, id: number, input: PauseReasonInput): Promise<PauseReason | null> {
  const columns: Record<string, unknown> = {};
  if (input.name !== undefined) columns.name = input.name;
  if (input.code !== undefined) columns.code = input.code;
  if (Object.keys(columns).length > 0) await db('pause_reasons').where({ id }).update(columns);
  return getPauseReason(db, id);
}

export async function deletePauseReason(db: Db, id: number): Promise<boolean> {
  return Number(await db('pause_reasons').where({ id }).delete()) > 0;
}

/**
 * The reason an agent pauses with, as the list spells it (matched without regard to case); no reason is the
 * list's first. A reason not on the list is refused with the list, so the agent or their tool can correct it.
 */
export async function resolvePauseReason(db: Db, asked: string | undefined): Promise<string> {
  const wanted = (asked ?? '').trim().slice(0, 64);
  const reasons = await listPauseReasons(db);
  if (reasons.length === 0) return wanted || FALLBACK_REASON;
  if (!wanted) return (reasons[0] as PauseReason).name;
  const found = reasons.find((r) => r.name.toLowerCase() === wanted.toLowerCase());
  if (found) return found.name;
  throw Object.assign(
    new Error(`unknown pause reason "${wanted}": one of ${reasons.map((r) => `"${r.name}"`).join(', ')}`),
    { code: 'bad_request' },
  );
}

/** The reason of a desk-phone code (*13<code>); '' (plain *13) is the list's first. Null for a code not in use. */
export async function pauseReasonOfCode(db: Db, code: string): Promise<string | null> {
  if (code === '') return resolvePauseReason(db, undefined);
  const row = (await db('pause_reasons').where({ code }).first('name')) as { name: string } | undefined;
  return row?.name ?? null;
}
