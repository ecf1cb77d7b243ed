import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { mapRow, pageQuery, type Found, type Slice } from '../db/rows.js';
import { HttpError } from '../http/errors.js';
import { insertedId } from '../agents/repository.js';
import { checkListLength, parseNumberList, type RefusedLine } from './number-list.js';
import type { OutboundNumber } from './outbound-numbers.js';

/**
 * The company's do-not-call list: numbers Ariadne never calls, whoever places the call (click-to-dial, a callback,
 * a number typed on a desk phone). A customer who asks not to be called again is added by a supervisor or an
 * admin; the reason keeps who asked and when. Inbound calls from a listed number are taken as always.
 */
// A type, not an interface: the API's resource helpers take it as a plain object.
export type DoNotCallEntry = {
  readonly id: number;
  /** E.164. */
  readonly number: string;
  readonly reason: string | null;
  /** The registry whose file listed it (calls/do-not-call-feed.ts); null: by hand, from a call or a pasted list. */
  readonly source: string | null;
  readonly createdAt: string;
};

export const doNotCallInput = z
  .object({
    /** As typed: national (read in the default country) or E.164. */
    number: z.string().trim().min(1, 'required').max(40),
    reason: z.string().trim().max(200).nullable(),
  })
  .partial()
  .strict();
export type DoNotCallInput = z.infer<typeof doNotCallInput>;

const COLUMNS = ['id', 'e164', 'reason', 'source', 'created_at'] as const;

function rowToEntry(row: Record<string, unknown>): DoNotCallEntry {
  const { e164, ...rest } = mapRow(row);
  return { ...(rest as Omit<DoNotCallEntry, 'number'>), number: String(e164) };
}

/** A number as typed → E.164, or why not: any valid number may be listed, whatever may be dialled. */
export function readListedNumber(typed: string, defaultCountry: string): OutboundNumber {
  let parsed;
  try {
    parsed = parsePhoneNumberFromString(typed, defaultCountry as CountryCode);
  } catch {
    parsed = undefined;
  }
  return parsed?.isValid()
    ? { ok: true, e164: parsed.number }
    : { ok: false, reason: `not a valid phone number (read as a ${defaultCountry} number): ${typed}` };
}

/** A number as typed → E.164, or a 400 that says why not. */
export function listedNumber(typed: string, defaultCountry: string): string {
  const read = readListedNumber(typed, defaultCountry);
  if (!read.ok) throw new HttpError(400, 'bad_request', read.reason);
  return read.e164;
}

export async function listDoNotCall(db: Db, filter: { q?: string }, slice: Slice): Promise<Found> {
  const q = db('do_not_call').select(...COLUMNS);
  // Digits only: "138 1234" finds +8613812345678.
  const digits = filter.q?.replace(/\D/g, '');
  if (digits) q.where('e164', 'like', `%${digits}%`);
  return pageQuery(
    q,
    slice,
    [
      ['created_at', 'desc'],
      ['id', 'desc'],
    ],
    rowToEntry,
  );
}

async function entryWhere(db: Db, where: { id: number } | { e164: string }): Promise<DoNotCallEntry | null> {
  const row = (await db('do_not_call')
    .where(where)
    .first(...COLUMNS)) as Record<string, unknown> | undefined;
  return row ? rowToEntry(row) : null;
}

export const getDoNotCall = (db: Db, id: number): Promise<DoNotCallEntry | null> => entryWhere(db, { id });

/** The entry for an E.164 number, if it is listed: what every placed call is checked against. */
export const doNotCallEntry = (db: Db, e164: string): Promise<DoNotCallEntry | null> => entryWhere(db, { e164 });

/** Which of these E.164 numbers are listed (a list being added to a campaign), in chunks of 500. */
export async function listedAmong(db: Db, numbers: readonly string[]): Promise<Set<string>> {
  const listed = new Set<string>();
  for (let i = 0; i < numbers.length; i += 500) {
    const rows = (await db('do_not_call')
      .whereIn('e164', numbers.slice(i, i + 500))
      .select('e164')) as { e164: string }[];
    for (const r of rows) listed.add(r.e164);
  }
  return listed;
}

export async function addDoNotCall(
  db: Db,
  input: DoNotCallInput & { number: string },
  o: { defaultCountry: string; now: Date },
): Promise<DoNotCallEntry> {
  const e164 = listedNumber(input.number, o.defaultCountry);
  if (await doNotCallEntry(db, e164))
    throw new HttpError(409, 'conflict', `${e164} is already on the do-not-call list`);
  const id = insertedId(await db('do_not_call').insert({ e164, reason: input.reason ?? null, created_at: o.now }));
  return (await getDoNotCall(db, id)) as DoNotCallEntry;
}

/**
 * Lists the number of a call (the caller's, or the number an agent called): what an agent does when the customer on
 * the line asks not to be called again. A number already listed keeps its entry (`added: false`).
 */
export async function listCallNumber(
  db: Db,
  callId: string,
  o: { reason: string; now: Date },
): Promise<DoNotCallEntry & { readonly added: boolean }> {
  const call = (await db('calls').where({ id: callId }).first('caller_e164', 'caller_raw')) as
    { caller_e164: string | null; caller_raw: string } | undefined;
  if (!call) throw new HttpError(404, 'not_found', `call ${callId} not found`);
  const e164 = call.caller_e164;
  if (!e164)
    throw new HttpError(
      400,
      'bad_request',
      `the call's number (${call.caller_raw || 'withheld'}) is not one that can be listed`,
    );
  const listed = await doNotCallEntry(db, e164);
  if (listed) return { ...listed, added: false };
  try {
    const id = insertedId(await db('do_not_call').insert({ e164, reason: o.reason.slice(0, 200), created_at: o.now }));
    return { ...((await getDoNotCall(db, id)) as DoNotCallEntry), added: true };
  } catch (err) {
    // Listed by someone else a moment ago: the same outcome.
    const now = await doNotCallEntry(db, e164);
    if (now) return { ...now, added: false };
    throw err;
  }
}

export interface DoNotCallImport {
  readonly added: number;
  /** Already listed, or repeated in the list itself. */
  readonly duplicates: number;
  readonly invalid: readonly RefusedLine[];
}

/**
 * Adds a whole list (one number per line, `number[,reason]`; a regulator's or another system's export): each new number
 * with its line's reason or `defaultReason`; numbers already listed keep their entry.
 */
export async function importDoNotCall(
  db: Db,
  csv: string,
  o: { defaultCountry: string; defaultReason: string; now: Date },
): Promise<DoNotCallImport> {
  const list = parseNumberList(csv, (typed) => readListedNumber(typed, o.defaultCountry));
  checkListLength(list);
  const listed = await listedAmong(
    db,
    list.numbers.map((n) => n.e164),
  );
  const fresh = list.numbers.filter((n) => !listed.has(n.e164));
  for (let i = 0; i < fresh.length; i += 200)
    await db('do_not_call').insert(
      fresh.slice(i, i + 200).map((n) => ({
        e164: n.e164,
        reason: (n.note ?? o.defaultReason).slice(0, 200),
        created_at: o.now,
      })),
    );
  return { added: fresh.length, duplicates: list.repeated + listed.size, invalid: list.invalid };
}

/** Every entry, oldest first, for an export. */
export async function allDoNotCall(db: Db): Promise<DoNotCallEntry[]> {
  const rows = (await db('do_not_call')
    .select(...COLUMNS)
    .orderBy([
      { column: 'created_at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ])) as Record<string, unknown>[];
  return rows.map(rowToEntry);
}

/** Only the reason changes: another number is another entry. */
export async function updateDoNotCall(db: Db, id: number, input: DoNotCallInput): Promise<DoNotCallEntry | null> {
  if (input.number !== undefined)
    throw new HttpError(400, 'bad_request', 'the number of an entry does not change: remove it and add the other');
  if (input.reason !== undefined) await db('do_not_call').where({ id }).update({ reason: input.reason });
  return getDoNotCall(db, id);
}

export async function removeDoNotCall(db: Db, id: number): Promise<boolean> {
  return Number(await db('do_not_call').where({ id }).delete()) > 0;
}

/** Why a listed number is not called, in words an agent reads. */
export function doNotCallReason(entry: DoNotCallEntry): string {
  const since = entry.createdAt.slice(0, 10);
  return `${entry.number} is on the do-not-call list since ${since}${entry.reason ? ` (${entry.reason})` : ''}: it is not called`;
}
