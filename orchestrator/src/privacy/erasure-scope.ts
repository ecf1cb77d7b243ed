import type { Knex } from 'knex';
import { TERMINAL_STATES, type CallState } from '../calls/states.js';
import { toDate } from '../db/time.js';
import { notFound } from '../http/errors.js';
import { maskNumber, numberForms, replacementsFor, scrub, type Replacements } from './number-forms.js';

/**
 * What an erasure finds (privacy/erasure.ts writes it): the person's customer rows and numbers, then every row that
 * holds them, table by table. Reads only, by scans that take no locks; the writes then go by primary key.
 */

/** What an erased caller's number and name become on the rows that are kept. */
export const ERASED = '[erased]';

/** An unfinished call older than this is a leftover (recovery ends the calls of an orchestrator that stopped). */
const IN_PROGRESS_WINDOW_MS = 24 * 3_600_000;
/** Ids per IN (...) list: well within MariaDB's packet and SQLite's variable limits. */
const CHUNK = 500;

export interface CallRef {
  readonly id: string;
  readonly callerRaw: string;
  readonly callerE164: string | null;
  readonly callerName: string | null;
  readonly inProgress: boolean;
}

/** A row whose text changes: its id and the new text. */
export interface Rewrite<Id> {
  readonly id: Id;
  readonly text: string;
}

/** Everything found: the ids each write touches. */
export interface Found {
  readonly customers: number[];
  readonly customerPhones: number[];
  readonly orders: number[];
  readonly contactHistory: number[];
  readonly calls: CallRef[];
  readonly callEvents: Rewrite<number>[];
  readonly recordings: string[];
  readonly transcripts: string[];
  readonly voicemails: number[];
  readonly tickets: number[];
  readonly surveyResponses: number[];
  readonly evaluations: number[];
  readonly surveyRequests: number[];
  readonly callbacks: number[];
  readonly campaignContacts: number[];
  readonly auditLines: Rewrite<number>[];
  readonly jobErrors: Rewrite<number>[];
  readonly doNotCall: number;
}

type Where = (q: Knex.QueryBuilder) => Knex.QueryBuilder;

export function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** The ids of a table's rows matching any of the conditions (each one query: no OR across unrelated indexes). */
async function idsWhere(trx: Knex.Transaction, table: string, wheres: readonly Where[], idColumn = 'id') {
  const ids = new Set<string>();
  for (const where of wheres) {
    const found = (await where(trx(table)).pluck(idColumn)) as unknown[];
    for (const id of found) ids.add(String(id));
  }
  return [...ids];
}

const numeric = (ids: readonly string[]): number[] => ids.map(Number).sort((a, b) => a - b);

/** `where column IN (...)` per chunk of values: one condition per chunk. */
const inChunks = (column: string, values: readonly (string | number)[]): Where[] =>
  chunks(values).map((c) => (q) => q.whereIn(column, c));

/** A JSON document's strings with the replacements made, or null when none was needed (text that is not JSON: as text). */
export function scrubJson(text: string, replacements: Replacements): string | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return scrub(text, replacements);
  }
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const s = scrub(v, replacements);
      if (s === null) return v;
      changed = true;
      return s;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(doc);
  return changed ? JSON.stringify(out) : null;
}

/** Rows of `table` whose `column` holds one of the texts, rewritten; the scan is a LIKE per text. */
async function rewritesOf(
  trx: Knex.Transaction,
  table: string,
  column: string,
  replacements: Replacements,
  rewrite: (text: string) => string | null,
): Promise<Rewrite<number>[]> {
  if (replacements.length === 0) return [];
  const rows = (await trx(table)
    .where((w) => {
      for (const [find] of replacements) void w.orWhere(column, 'like', `%${find}%`);
    })
    .select('id', column)) as Record<string, unknown>[];
  const out: Rewrite<number>[] = [];
  for (const r of rows) {
    const text = r[column] == null ? null : String(r[column]);
    const changed = text === null ? null : rewrite(text);
    if (changed !== null) out.push({ id: Number(r.id), text: changed });
  }
  return out;
}

/** The customers and numbers the request names: the customer's phones, the number's owners. */
async function whoIsIt(
  trx: Knex.Transaction,
  request: { readonly customerId?: number },
  e164: string | null,
): Promise<{ customerIds: number[]; numbers: string[] }> {
  const customerIds = new Set<number>();
  if (request.customerId !== undefined) {
    if (!(await trx('customers').where('id', request.customerId).first('id')))
      throw notFound(`customer ${request.customerId}`);
    customerIds.add(request.customerId);
  }
  // Whoever the CRM knows by the number is the person asking (a customer entered twice has both rows erased).
  if (e164)
    for (const id of (await trx('customer_phones').where('e164', e164).distinct().pluck('customer_id')) as unknown[])
      customerIds.add(Number(id));
  const numbers = new Set<string>(e164 ? [e164] : []);
  const ids = [...customerIds];
  if (ids.length)
    for (const n of (await trx('customer_phones').whereIn('customer_id', ids).pluck('e164')) as unknown[])
      numbers.add(String(n));
  return { customerIds: ids.sort((a, b) => a - b), numbers: [...numbers].sort() };
}

/**
 * Their calls: linked to their customer rows, or from (or to) one of their numbers and linked to nobody, identified
 * (caller_e164) or not (caller_raw as the trunk sent it).
 */
async function callsOf(
  trx: Knex.Transaction,
  customerIds: readonly number[],
  numbers: readonly string[],
  now: Date,
): Promise<CallRef[]> {
  const raw = numbers.flatMap(numberForms);
  const rows = (await trx('calls')
    .where((w) => {
      void w
        .whereIn('customer_id', [...customerIds])
        .orWhere((n) =>
          n
            .whereNull('customer_id')
            .where((x) =>
              x
                .whereIn('caller_e164', [...numbers])
                .orWhere((y) => y.whereNull('caller_e164').whereIn('caller_raw', raw)),
            ),
        );
    })
    .select('id', 'state', 'arrived_at', 'caller_raw', 'caller_e164', 'caller_name')) as Record<string, unknown>[];
  const recent = now.getTime() - IN_PROGRESS_WINDOW_MS;
  return rows
    .map((r) => ({
      id: String(r.id),
      callerRaw: String(r.caller_raw ?? ''),
      callerE164: r.caller_e164 == null ? null : String(r.caller_e164),
      callerName: r.caller_name == null ? null : String(r.caller_name),
      inProgress: !TERMINAL_STATES.has(String(r.state) as CallState) && (toDate(r.arrived_at)?.getTime() ?? 0) > recent,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The call's events with the caller taken out of their text. */
async function eventRewrites(
  trx: Knex.Transaction,
  calls: readonly CallRef[],
  numbers: readonly string[],
): Promise<Rewrite<number>[]> {
  const out: Rewrite<number>[] = [];
  const byId = new Map(calls.map((c) => [c.id, c]));
  for (const chunk of chunks(calls.map((c) => c.id))) {
    const rows = (await trx('call_events')
      .whereIn('call_id', chunk)
      .whereNotNull('data')
      .select('id', 'call_id', 'data')) as { id: number; call_id: string; data: string }[];
    for (const r of rows) {
      const call = byId.get(String(r.call_id));
      const own = [...numbers, ...(call?.callerE164 ? [call.callerE164] : [])];
      const extra = [call?.callerRaw, call?.callerName].filter((s): s is string => !!s && s.length >= 3);
      const replacements: Replacements = [
        ...replacementsFor(own, () => ERASED),
        ...extra.map((s): [string, string] => [s, ERASED]),
      ].sort((a, b) => b[0].length - a[0].length);
      const changed = scrubJson(String(r.data), replacements);
      if (changed !== null) out.push({ id: Number(r.id), text: changed });
    }
  }
  return out;
}

export async function find(
  trx: Knex.Transaction,
  request: { readonly customerId?: number },
  e164: string | null,
  now: Date,
): Promise<{ customerIds: number[]; numbers: string[]; found: Found }> {
  const { customerIds, numbers } = await whoIsIt(trx, request, e164);
  const calls = await callsOf(trx, customerIds, numbers, now);
  const callIds = calls.map((c) => c.id);
  const byCall = (column = 'call_id'): Where[] => inChunks(column, callIds);
  const byCustomer: Where = (q) => q.whereIn('customer_id', customerIds);
  // Rows of a number linked to nobody; one linked to another customer is theirs.
  const byNumber =
    (column: string, values: readonly string[] = numbers): Where =>
    (q) =>
      q.whereNull('customer_id').whereIn(column, [...values]);

  // Every recording of their calls has its transcript looked for; those not deleted yet are queued for deletion.
  const allRecordings = await idsWhere(trx, 'recordings', byCall());
  const recordings = await idsWhere(
    trx,
    'recordings',
    inChunks('id', allRecordings).map(
      (w): Where =>
        (q) =>
          w(q).whereNot('state', 'deleted'),
    ),
  );
  // Text written anywhere: every number they are known by, and those their calls came from.
  const spoken = [...new Set([...numbers, ...calls.flatMap((c) => (c.callerE164 ? [c.callerE164] : []))])];
  const masks = replacementsFor(spoken, maskNumber);
  const found: Found = {
    customers: customerIds,
    customerPhones: numeric(await idsWhere(trx, 'customer_phones', [byCustomer])),
    orders: numeric(await idsWhere(trx, 'orders', [byCustomer])),
    contactHistory: numeric(await idsWhere(trx, 'contacts', [byCustomer, ...byCall()])),
    calls,
    callEvents: await eventRewrites(trx, calls, numbers),
    recordings: recordings.sort(),
    transcripts: (
      await idsWhere(
        trx,
        'recording_transcripts',
        [...byCall(), ...inChunks('recording_id', allRecordings)],
        'recording_id',
      )
    ).sort(),
    voicemails: numeric(
      await idsWhere(trx, 'voicemails', [...byCall(), byCustomer, byNumber('caller', numbers.flatMap(numberForms))]),
    ),
    tickets: numeric(await idsWhere(trx, 'tickets', [...byCall(), byCustomer])),
    surveyResponses: numeric(await idsWhere(trx, 'survey_responses', [...byCall(), byCustomer])),
    evaluations: numeric(await idsWhere(trx, 'evaluations', [...byCall()])),
    surveyRequests: numeric(await idsWhere(trx, 'survey_requests', [...byCall(), byCustomer, byNumber('phone')])),
    callbacks: numeric(await idsWhere(trx, 'callbacks', [...byCall(), byCustomer, byNumber('phone')])),
    campaignContacts: numeric(await idsWhere(trx, 'campaign_contacts', [(q) => q.whereIn('e164', numbers)])),
    auditLines: await rewritesOf(trx, 'audit_log', 'details', masks, (t) => scrubJson(t, masks)),
    jobErrors: await rewritesOf(trx, 'jobs', 'last_error', masks, (t) => scrub(t, masks)),
    doNotCall: (await idsWhere(trx, 'do_not_call', [(q) => q.whereIn('e164', numbers)])).length,
  };
  return { customerIds, numbers, found };
}
