import type { Knex } from 'knex';
import { z } from 'zod';
import { insertedId } from '../agents/repository.js';
import { TRUNK_FAILURE_CAUSES } from '../calls/dial-out.js';
import type { Db } from '../db/knex.js';
import { mapRow, pageQuery, type Found, type Slice } from '../db/rows.js';
import { HttpError } from '../http/errors.js';
import { parseContactHours, zonesOfNumber } from './contact-hours.js';
import { MACHINE_DETECTIONS, SOUND_NAME, type MachineDetection } from './machine.js';
import { MAX_SCRIPT_LENGTH, scriptProblem } from './script.js';

/**
 * Outbound campaigns: a list of numbers the progressive dialler (campaigns/dialler.ts) calls for the agents of a
 * queue. A contact goes pending → dialing → done (the customer answered) | failed (out of attempts) | skipped (on
 * the do-not-call list when its turn came); a busy, unanswered or failed call puts it back to pending until its
 * next try.
 */
export const CAMPAIGN_STATES = ['paused', 'running'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];
export const CONTACT_STATES = ['pending', 'dialing', 'done', 'failed', 'skipped'] as const;
export type ContactState = (typeof CONTACT_STATES)[number];

// Types, not interfaces: the API's resource helpers take them as plain objects.
export type ContactCounts = { readonly total: number } & { readonly [S in ContactState]: number };

export type Campaign = {
  readonly id: number;
  readonly name: string;
  readonly queueId: number;
  readonly queueName: string;
  readonly state: CampaignState;
  /** Business hours (by name) the dialler calls within; null: any time. */
  readonly hours: string | null;
  /** The number presented to the customer; null: the trunk's (ARIADNE_OUTBOUND_CALLER_ID). */
  readonly callerId: string | null;
  readonly maxAttempts: number;
  readonly retryMinutes: number;
  /** What the agent says, with {contact} and {agent} (campaigns/script.ts); null: none. */
  readonly script: string | null;
  /** `HH:MM-HH:MM` on each contact's own clock (campaigns/contact-hours.ts); null: only the campaign's hours. */
  readonly contactHours: string | null;
  /** Answering machines (campaigns/machine.ts): not screened, hung up on, or left machineMessage. */
  readonly machineDetection: MachineDetection;
  /** The sound left on a machine (`ariadne/campaign-message`); null: none. */
  readonly machineMessage: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly contacts: ContactCounts;
};

export type CampaignContact = {
  readonly id: number;
  /** E.164. */
  readonly number: string;
  readonly name: string | null;
  readonly state: ContactState;
  readonly attempts: number;
  readonly nextAt: string | null;
  readonly lastResult: string | null;
  readonly lastCallId: string | null;
  readonly updatedAt: string;
  /** Its number's time zones, comma-separated (contact-hours.ts); null: none known. */
  readonly timeZone: string | null;
};

export const campaignFields = z
  .object({
    name: z.string().trim().min(1, 'required').max(80),
    queueId: z.number().int().positive(),
    hours: z.string().trim().min(1).max(64).nullable(),
    callerId: z
      .string()
      .trim()
      .regex(/^\+?[0-9]{3,20}$/, 'a number such as +8657188886666')
      .nullable(),
    maxAttempts: z.number().int().min(1).max(10),
    retryMinutes: z.number().int().min(1).max(10_080),
    script: z
      .string()
      .trim()
      .max(MAX_SCRIPT_LENGTH)
      .superRefine((script, ctx) => {
        const problem = scriptProblem(script);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      // An emptied script is no script.
      .transform((script) => (script === '' ? null : script))
      .nullable(),
    contactHours: z
      .string()
      .trim()
      .superRefine((text, ctx) => {
        const read = parseContactHours(text);
        if ('error' in read) ctx.addIssue({ code: 'custom', message: read.error });
      })
      .nullable(),
    machineDetection: z.enum(MACHINE_DETECTIONS),
    machineMessage: z
      .string()
      .trim()
      .max(128)
      .regex(SOUND_NAME, 'a sound name such as ariadne/campaign-message')
      .nullable(),
  })
  .partial()
  .strict();
export type CampaignFields = z.infer<typeof campaignFields>;

const COLUMNS: Record<keyof Omit<CampaignFields, 'queueId'> | 'queueId', string> = {
  name: 'name',
  queueId: 'queue_id',
  hours: 'hours',
  callerId: 'caller_id',
  maxAttempts: 'max_attempts',
  retryMinutes: 'retry_minutes',
  script: 'script',
  contactHours: 'contact_hours',
  machineDetection: 'machine_detection',
  machineMessage: 'machine_message',
};

function columnsOf(fields: CampaignFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(COLUMNS)) {
    const value = fields[key as keyof CampaignFields];
    if (value !== undefined) out[column] = value;
  }
  return out;
}

function emptyCounts(): { -readonly [K in keyof ContactCounts]: number } {
  return { total: 0, pending: 0, dialing: 0, done: 0, failed: 0, skipped: 0 };
}

async function countsOf(db: Db, ids: readonly number[]): Promise<Map<number, ContactCounts>> {
  const out = new Map<number, ReturnType<typeof emptyCounts>>();
  if (ids.length === 0) return out;
  const rows = (await db('campaign_contacts')
    .whereIn('campaign_id', ids)
    .groupBy('campaign_id', 'state')
    .select('campaign_id', 'state')
    .count({ n: 'id' })) as { campaign_id: number; state: string; n: number | string }[];
  for (const r of rows) {
    const id = Number(r.campaign_id);
    const counts = out.get(id) ?? emptyCounts();
    const n = Number(r.n);
    if ((CONTACT_STATES as readonly string[]).includes(r.state)) counts[r.state as ContactState] += n;
    counts.total += n;
    out.set(id, counts);
  }
  return out;
}

function campaignQuery(db: Db): Knex.QueryBuilder {
  return db('campaigns as c')
    .join('queues as q', 'q.id', 'c.queue_id')
    .select(
      'c.id',
      'c.name',
      'c.queue_id',
      'q.display_name as queue_name',
      'c.state',
      'c.hours',
      'c.caller_id',
      'c.max_attempts',
      'c.retry_minutes',
      'c.script',
      'c.contact_hours',
      'c.machine_detection',
      'c.machine_message',
      'c.created_at',
      'c.updated_at',
    );
}

/** A campaign's settings, without its contacts' counts: what the dialler works from. */
export type CampaignSettings = Omit<Campaign, 'contacts'>;

function settingsOf(row: Record<string, unknown>): CampaignSettings {
  return mapRow(row, { numbers: ['id', 'queue_id', 'max_attempts', 'retry_minutes'] }) as CampaignSettings;
}

async function withCounts(db: Db, rows: Record<string, unknown>[]): Promise<Campaign[]> {
  const counts = await countsOf(
    db,
    rows.map((r) => Number(r.id)),
  );
  return rows.map((r) => ({ ...settingsOf(r), contacts: counts.get(Number(r.id)) ?? emptyCounts() }));
}

export async function listCampaigns(
  db: Db,
  filter: { queueIds?: readonly number[] },
  slice: Slice,
): Promise<Found<Campaign>> {
  const q = campaignQuery(db);
  if (filter.queueIds) q.whereIn('c.queue_id', filter.queueIds);
  const found = await pageQuery(q, slice, [['c.name', 'asc']], (r) => r, 'c.id');
  return { items: await withCounts(db, found.items), total: found.total };
}

export async function getCampaign(db: Db, id: number): Promise<Campaign | null> {
  const row = (await campaignQuery(db).where('c.id', id).first()) as Record<string, unknown> | undefined;
  return row ? ((await withCounts(db, [row]))[0] ?? null) : null;
}

/** The campaigns the dialler works now. */
export async function runningCampaigns(db: Db): Promise<CampaignSettings[]> {
  const rows = (await campaignQuery(db).where('c.state', 'running')) as Record<string, unknown>[];
  return rows.map(settingsOf);
}

/** Refuses a queue or business hours that do not exist, as a 400 naming the field. */
async function checkReferences(db: Db, fields: CampaignFields): Promise<void> {
  const refuse = (field: string, reason: string): never => {
    throw new HttpError(400, 'validation_failed', `body.${field}: ${reason}`, [{ in: 'body', field, reason }]);
  };
  if (fields.queueId !== undefined && !(await db('queues').where({ id: fields.queueId }).first('id')))
    refuse('queueId', `no queue ${fields.queueId}`);
  if (fields.hours != null && !(await db('business_hours').where({ name: fields.hours }).first('id')))
    refuse('hours', `no business hours named ${fields.hours}`);
}

/** A campaign that leaves machines a message must say which: checked on the settings it will have. */
function checkMachineMessage(settings: {
  machineDetection?: MachineDetection | undefined;
  machineMessage?: string | null | undefined;
}): void {
  if (settings.machineDetection !== 'message' || settings.machineMessage) return;
  const reason = 'required when machineDetection is message';
  throw new HttpError(400, 'validation_failed', `body.machineMessage: ${reason}`, [
    { in: 'body', field: 'machineMessage', reason },
  ]);
}

async function nameTaken(db: Db, name: string, exceptId?: number): Promise<void> {
  const q = db('campaigns').where({ name });
  if (exceptId !== undefined) q.whereNot('id', exceptId);
  if (await q.first('id')) throw new HttpError(409, 'conflict', `a campaign named ${name} exists`);
}

export async function createCampaign(
  db: Db,
  fields: CampaignFields & { name: string; queueId: number },
  now: Date,
): Promise<Campaign> {
  await checkReferences(db, fields);
  checkMachineMessage(fields);
  await nameTaken(db, fields.name);
  const id = insertedId(
    await db('campaigns').insert({ ...columnsOf(fields), state: 'paused', created_at: now, updated_at: now }),
  );
  return (await getCampaign(db, id)) as Campaign;
}

export async function updateCampaign(db: Db, id: number, fields: CampaignFields, now: Date): Promise<Campaign | null> {
  const current = (await db('campaigns').where({ id }).first('machine_detection', 'machine_message')) as
    { machine_detection: MachineDetection; machine_message: string | null } | undefined;
  if (!current) return null;
  await checkReferences(db, fields);
  checkMachineMessage({
    machineDetection: fields.machineDetection ?? current.machine_detection,
    machineMessage: fields.machineMessage !== undefined ? fields.machineMessage : current.machine_message,
  });
  if (fields.name !== undefined) await nameTaken(db, fields.name, id);
  await db('campaigns')
    .where({ id })
    .update({ ...columnsOf(fields), updated_at: now });
  return getCampaign(db, id);
}

export async function setCampaignState(db: Db, id: number, state: CampaignState, now: Date): Promise<Campaign | null> {
  const n = await db('campaigns').where({ id }).update({ state, updated_at: now });
  return Number(n) > 0 ? getCampaign(db, id) : null;
}

/** A running campaign is not removed: its calls may be ringing. False when there is none. */
export async function removeCampaign(db: Db, id: number): Promise<boolean> {
  const row = (await db('campaigns').where({ id }).first('state')) as { state: string } | undefined;
  if (!row) return false;
  if (row.state === 'running') throw new HttpError(409, 'conflict', `campaign ${id} is running: pause it first`);
  await db('campaign_contacts').where({ campaign_id: id }).delete();
  await db('campaigns').where({ id }).delete();
  return true;
}

// --- contacts ---------------------------------------------------------------------------------------------------

function rowToContact(row: Record<string, unknown>): CampaignContact {
  const { e164, ...rest } = mapRow(row, { numbers: ['id', 'attempts'] });
  return { ...(rest as Omit<CampaignContact, 'number'>), number: String(e164) };
}

const CONTACT_COLUMNS = [
  'id',
  'e164',
  'name',
  'state',
  'attempts',
  'next_at',
  'last_result',
  'last_call_id',
  'updated_at',
  'time_zone',
];

export async function listContacts(
  db: Db,
  campaignId: number,
  filter: { state?: ContactState },
  slice: Slice,
): Promise<Found<CampaignContact>> {
  const q = db('campaign_contacts')
    .where({ campaign_id: campaignId })
    .select(...CONTACT_COLUMNS);
  if (filter.state) q.where('state', filter.state);
  const found = await pageQuery(q, slice, [['id', 'asc']], rowToContact);
  return found as Found<CampaignContact>;
}

/**
 * Adds numbers (already E.164) to a campaign; a number it has already is left as it is. Returns how many were
 * added. Inserted in chunks so one request of thousands of numbers stays within the drivers' parameter limits.
 */
export async function addContacts(
  db: Db,
  campaignId: number,
  contacts: readonly { readonly e164: string; readonly name: string | null }[],
  now: Date,
): Promise<number> {
  const have = new Set<string>();
  for (let i = 0; i < contacts.length; i += 500) {
    const chunk = contacts.slice(i, i + 500).map((c) => c.e164);
    const rows = (await db('campaign_contacts')
      .where({ campaign_id: campaignId })
      .whereIn('e164', chunk)
      .select('e164')) as { e164: string }[];
    for (const r of rows) have.add(r.e164);
  }
  const fresh = contacts.filter((c) => !have.has(c.e164));
  for (let i = 0; i < fresh.length; i += 200) {
    const chunk = fresh.slice(i, i + 200);
    const zones = await Promise.all(chunk.map((c) => zonesOfNumber(c.e164)));
    await db('campaign_contacts').insert(
      chunk.map((c, j) => ({
        campaign_id: campaignId,
        e164: c.e164,
        name: c.name,
        time_zone: zones[j] ?? null,
        state: 'pending',
        attempts: 0,
        next_at: null,
        updated_at: now,
      })),
    );
  }
  return fresh.length;
}

/** The time zones (as zonesOfNumber writes them) of a campaign's contacts still to call. */
export async function pendingTimeZones(db: Db, campaignId: number): Promise<string[]> {
  const rows = (await db('campaign_contacts')
    .where({ campaign_id: campaignId, state: 'pending' })
    .whereNotNull('time_zone')
    .distinct('time_zone')) as { time_zone: string }[];
  return rows.map((r) => r.time_zone);
}

/** A contact the dialler took: its call is `callId`. */
export interface ClaimedContact {
  readonly id: number;
  readonly e164: string;
  readonly name: string | null;
  readonly attempts: number;
}

/**
 * Takes the campaign's next due contact for a call with the id `callId`: one conditional UPDATE (pending →
 * dialing, the attempt counted, the call named), so two orchestrators never dial one contact. Null: none is due.
 */
export async function claimNextContact(
  db: Db,
  campaignId: number,
  callId: string,
  now: Date,
  /** Only contacts of these time zones (as zonesOfNumber writes them) or of none known; undefined: any. */
  openZones?: readonly string[],
): Promise<ClaimedContact | null> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const q = db('campaign_contacts')
      .where({ campaign_id: campaignId, state: 'pending' })
      .where((w) => w.whereNull('next_at').orWhere('next_at', '<=', now));
    if (openZones) q.where((w) => w.whereNull('time_zone').orWhereIn('time_zone', [...openZones]));
    const row = (await q.orderBy('id').first('id', 'e164', 'name', 'attempts')) as
      { id: number; e164: string; name: string | null; attempts: number } | undefined;
    if (!row) return null;
    const taken = await db('campaign_contacts')
      .where({ id: row.id, state: 'pending' })
      .update({
        state: 'dialing',
        attempts: Number(row.attempts) + 1,
        last_call_id: callId,
        updated_at: now,
      });
    if (Number(taken) === 1)
      return { id: Number(row.id), e164: row.e164, name: row.name, attempts: Number(row.attempts) + 1 };
  }
  return null;
}

/** A claimed contact whose call was never placed (no agent after all, the switch refused): as it was before. */
export async function unclaimContact(db: Db, contact: ClaimedContact, now: Date): Promise<void> {
  await db('campaign_contacts')
    .where({ id: contact.id, state: 'dialing' })
    .update({ state: 'pending', attempts: contact.attempts - 1, updated_at: now });
}

/** Its turn came, but the number is on the do-not-call list: never called. */
export async function skipContact(db: Db, contact: ClaimedContact, reason: string, now: Date): Promise<void> {
  await db('campaign_contacts')
    .where({ id: contact.id })
    .update({ state: 'skipped', attempts: contact.attempts - 1, last_result: reason.slice(0, 32), updated_at: now });
}

/** What a campaign call's end means for its contact. */
export type CallResult =
  /** The customer answered: the contact is done. */
  | { readonly kind: 'reached'; readonly disposition: string }
  /** The agent's phone was never picked up: the customer was not called, the attempt does not count. */
  | { readonly kind: 'not_placed' }
  /**
   * No trunk could carry the call (Asterisk could not create the channel, or the carrier had no circuit, was out of
   * order or congested): the number was never tried, the attempt does not count; it is tried again a minute on.
   */
  | { readonly kind: 'trunk_failed' }
  /** Busy, unanswered, failed or given up while ringing: tried again later while attempts are left. */
  | { readonly kind: 'not_reached'; readonly disposition: string };

export function callResult(call: {
  readonly disposition: string | null;
  readonly answeredAt: unknown;
  readonly hangupCause?: unknown;
}): CallResult {
  const disposition = call.disposition ?? 'failed';
  // A message left on an answering machine reached the contact as far as the campaign can.
  if (call.answeredAt != null || disposition === 'machine_message') return { kind: 'reached', disposition };
  if (disposition === 'not_placed') return { kind: 'not_placed' };
  if (disposition === 'failed' && TRUNK_FAILURE_CAUSES.has(Number(call.hangupCause))) return { kind: 'trunk_failed' };
  return { kind: 'not_reached', disposition };
}

/** How long a contact whose call no trunk could carry waits before its next try. */
const TRUNK_RETRY_MS = 60_000;

/** A contact settled from its call: its campaign, new state, and what the call's end meant. */
export interface SettledContact {
  readonly campaignId: number;
  readonly state: ContactState;
  readonly result: CallResult['kind'];
}

/**
 * Settles the contact a finished call was placed for (none: not a campaign call, or settled already). Reads the
 * call's row, so it is right after a restart too.
 */
export async function settleContactOfCall(db: Db, callId: string, now: Date): Promise<SettledContact | null> {
  const contact = (await db('campaign_contacts as cc')
    .join('campaigns as c', 'c.id', 'cc.campaign_id')
    .where({ 'cc.last_call_id': callId, 'cc.state': 'dialing' })
    .first('cc.id', 'cc.campaign_id', 'cc.attempts', 'c.max_attempts', 'c.retry_minutes')) as
    { id: number; campaign_id: number; attempts: number; max_attempts: number; retry_minutes: number } | undefined;
  if (!contact) return null;
  const call = (await db('calls')
    .where({ id: callId })
    .first('disposition', 'answered_at', 'ended_at', 'hangup_cause')) as
    { disposition: string | null; answered_at: unknown; ended_at: unknown; hangup_cause: unknown } | undefined;
  // The call row is written before the dialler names it; none at all means it was never placed.
  if (call && call.ended_at == null) return null;
  const result: CallResult = call
    ? callResult({ disposition: call.disposition, answeredAt: call.answered_at, hangupCause: call.hangup_cause })
    : { kind: 'not_placed' };
  const refunded = Math.max(0, Number(contact.attempts) - 1);
  let patch: Record<string, unknown>;
  if (result.kind === 'reached') patch = { state: 'done', last_result: result.disposition };
  else if (result.kind === 'not_placed') patch = { state: 'pending', attempts: refunded, last_result: 'not_placed' };
  else if (result.kind === 'trunk_failed')
    patch = {
      state: 'pending',
      attempts: refunded,
      last_result: 'trunk_failed',
      next_at: new Date(now.getTime() + TRUNK_RETRY_MS),
    };
  else if (Number(contact.attempts) >= Number(contact.max_attempts))
    patch = { state: 'failed', last_result: result.disposition };
  else
    patch = {
      state: 'pending',
      last_result: result.disposition,
      next_at: new Date(now.getTime() + Number(contact.retry_minutes) * 60_000),
    };
  const n = await db('campaign_contacts')
    .where({ id: contact.id, state: 'dialing' })
    .update({ ...patch, updated_at: now });
  if (Number(n) !== 1) return null;
  return { campaignId: Number(contact.campaign_id), state: patch.state as ContactState, result: result.kind };
}

/**
 * Gives the campaign's failed contacts (out of attempts) their attempts back: pending again, due now. With `results`,
 * only those whose last call ended so (busy, no_answer, machine…). A number listed as do-not-call meanwhile is
 * skipped by the dialler when its turn comes, as any other. Returns how many.
 */
export async function recycleFailedContacts(
  db: Db,
  campaignId: number,
  results: readonly string[] | undefined,
  now: Date,
): Promise<number> {
  const q = db('campaign_contacts').where({ campaign_id: campaignId, state: 'failed' });
  if (results?.length) q.whereIn('last_result', [...results]);
  return Number(await q.update({ state: 'pending', attempts: 0, next_at: null, updated_at: now }));
}

/**
 * The customer on a campaign's call asked to be called at `at`: the call's contact is tried again then, whether the
 * call is still on (its end then leaves the contact as it is) or over. It keeps at least one attempt for it. Null:
 * the call was not a campaign's, or its contact has been called again since.
 */
export async function rescheduleContactOfCall(
  db: Db,
  callId: string,
  at: Date,
  now: Date,
): Promise<CampaignContact | null> {
  const row = (await db('campaign_contacts as cc')
    .join('campaigns as c', 'c.id', 'cc.campaign_id')
    .where('cc.last_call_id', callId)
    .first('cc.id', 'cc.state', 'cc.attempts', 'c.max_attempts')) as
    { id: number; state: string; attempts: number; max_attempts: number } | undefined;
  if (!row) return null;
  await db('campaign_contacts')
    .where({ id: row.id, last_call_id: callId })
    .update({
      state: 'pending',
      next_at: at,
      attempts: Math.min(Number(row.attempts), Number(row.max_attempts) - 1),
      last_result: 'callback_requested',
      updated_at: now,
    });
  const updated = (await db('campaign_contacts')
    .where({ id: row.id })
    .first(...CONTACT_COLUMNS)) as Record<string, unknown>;
  return rowToContact(updated);
}

/** The calls of contacts dialing since before `before`: candidates for settling after an orchestrator stopped. */
export async function dialingCallIds(db: Db, before: Date): Promise<string[]> {
  const rows = (await db('campaign_contacts')
    .where({ state: 'dialing' })
    .where('updated_at', '<', before)
    .select('last_call_id')) as { last_call_id: string | null }[];
  return rows.map((r) => r.last_call_id).filter((id): id is string => id !== null);
}
