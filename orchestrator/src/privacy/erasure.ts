import type { Knex } from 'knex';
import { writeAudit } from '../auth/audit.js';
import type { AuthUser } from '../auth/types.js';
import { normaliseCallerId } from '../crm/phone.js';
import type { Db } from '../db/knex.js';
import { HttpError } from '../http/errors.js';
import { enqueue } from '../jobs/index.js';
import { deletePayload, RECORDING_DELETE_JOB, RECORDING_DELETE_MAX_ATTEMPTS } from '../recording/jobs.js';
import { chunks, ERASED, find, type Found, type Rewrite } from './erasure-scope.js';
import { maskNumber } from './number-forms.js';

/**
 * A caller's right to erasure (GDPR art. 17, CCPA): everything Ariadne holds about one person, found by their
 * customer id and/or a phone number, erased in one transaction (the recordings' audio by the `recording.delete`
 * job, queued in that same commit). Table by table (every migration in db/migrations/ was read for a column that
 * can hold the number or the name):
 *
 * - customers, customer_phones, orders, contacts (the CRM's history): deleted. Every foreign key to customers is
 *   ON DELETE CASCADE (phones, orders, contacts) or SET NULL (calls, tickets, callbacks, voicemails, surveys), so
 *   the schema is built for the row to go; an anonymised customer would still be a record of someone. They are
 *   deleted child first rather than by the cascade, so SQLite and MariaDB do the same.
 * - calls: kept (reports and the queue figures count them) with the caller's number, name and customer link replaced
 *   by the erased marker, and `attributes` (the caller's IVR input and contact history, kept for routing's sake) gone.
 *   Tier and language stay: without the link they say nothing of anyone. call_events: the number taken out of their
 *   reasons ("calling +86…", "+86… answered").
 * - recordings (and so voicemails' audio, which is a recording of the call): `recording.delete` with reason
 *   `erasure`, which deletes every stored copy, marks the row deleted and audits it; their transcripts are deleted
 *   here at once.
 * - voicemails, callbacks, survey_requests, campaign_contacts: deleted: each row is the number itself (a callback
 *   or a campaign would call it; an SMS survey would text it). The campaign's report counts its calls from the CDR.
 * - tickets: kept for the counts (status, category, tags, sentiment) with subject, body and summary erased and the
 *   customer link gone; survey_responses: the score stays for the satisfaction report, the comment and link go;
 *   evaluations of their calls: the score stays in the agent's quality figures, the supervisor's comment and the
 *   agent's reply (which may retell the call) go.
 * - do_not_call: KEPT. A suppression list is a legal duty, and erasing the entry would let a campaign or an agent call
 *   the person again; the result says how many entries were kept. blocked_callers: kept too, for the same kind of
 *   reason (a block keeps an abusive caller from the agents); an admin unblocks a number on its own page. Likewise
 *   blocked_rejections, the calls Asterisk turned away under a block, which go after 90 days on their own.
 * - audit_log and jobs.last_error: the number masked (…78) where it was written (a placed call, a callback typed
 *   in, a gateway's refusal); the lines themselves stay, as who did what and when.
 * - Nothing else holds callers' data: users, agents, queues, IVR flows, DIDs, campaigns, hours and the report
 *   tables are the center's own (DIDs and campaigns' caller ids are its numbers), or counts.
 *
 * A call linked to another customer is that customer's even from this number (a number changes hands). Nothing about
 * the person reaches the log: only the audit line, with the number masked.
 */

export { ERASED } from './erasure-scope.js';

export interface ErasureRequest {
  readonly customerId?: number;
  /** As typed: national (read in the default country) or E.164. */
  readonly phone?: string;
  /** Count what would be erased, change nothing. */
  readonly dryRun?: boolean;
}

export interface ErasureOptions {
  readonly defaultCountry: string;
  readonly now: Date;
  /** Who asked, for the audit line. */
  readonly by: { readonly user: Pick<AuthUser, 'id' | 'username'> | null; readonly ip?: string | null };
  /** Told the numbers erased once the erasure has committed, so what remembers them (caches) forgets them too. */
  readonly forget?: (numbers: readonly string[]) => void;
}

/** Rows erased (deleted or anonymised) per kind; a dry run: rows that would be. */
export interface ErasureCounts {
  readonly customers: number;
  readonly customerPhones: number;
  readonly orders: number;
  /** The CRM's contact history (table contacts). */
  readonly contactHistory: number;
  readonly calls: number;
  readonly callEvents: number;
  /** Recordings queued for deletion (voicemail messages included). */
  readonly recordings: number;
  readonly transcripts: number;
  readonly voicemails: number;
  readonly tickets: number;
  readonly surveyResponses: number;
  /** Quality evaluations of their calls: comments erased, scores kept. */
  readonly evaluations: number;
  readonly surveyRequests: number;
  readonly callbacks: number;
  readonly campaignContacts: number;
  readonly auditLines: number;
  readonly jobErrors: number;
}

export interface ErasureResult {
  readonly dryRun: boolean;
  /** The numbers the person is known by, masked: what was looked for. */
  readonly numbers: readonly string[];
  readonly customerIds: readonly number[];
  readonly counts: ErasureCounts;
  /** Kept on purpose: do-not-call entries of their numbers (a suppression list is a legal duty). */
  readonly kept: { readonly doNotCall: number };
  /** Their calls still going on: an erasure is refused (409) until they have ended. */
  readonly callsInProgress: number;
}

function countsOf(f: Found): ErasureCounts {
  return {
    customers: f.customers.length,
    customerPhones: f.customerPhones.length,
    orders: f.orders.length,
    contactHistory: f.contactHistory.length,
    calls: f.calls.length,
    callEvents: f.callEvents.length,
    recordings: f.recordings.length,
    transcripts: f.transcripts.length,
    voicemails: f.voicemails.length,
    tickets: f.tickets.length,
    surveyResponses: f.surveyResponses.length,
    evaluations: f.evaluations.length,
    surveyRequests: f.surveyRequests.length,
    callbacks: f.callbacks.length,
    campaignContacts: f.campaignContacts.length,
    auditLines: f.auditLines.length,
    jobErrors: f.jobErrors.length,
  };
}

/** The writes, by primary key (the scans above read without locking what the call path writes). */
async function apply(trx: Knex.Transaction, f: Found, now: Date): Promise<void> {
  const each = async (
    table: string,
    ids: readonly (string | number)[],
    write: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
    key = 'id',
  ): Promise<void> => {
    for (const chunk of chunks(ids)) await write(trx(table).whereIn(key, chunk));
  };
  const rewrite = async (table: string, column: string, rows: readonly Rewrite<number>[]) => {
    for (const r of rows)
      await trx(table)
        .where('id', r.id)
        .update({ [column]: r.text });
  };

  // The audio first: each recording's deletion job rides this commit (the outbox), keyed so a second erasure or a
  // retry adds none; the job deletes every copy, marks the row and audits it.
  for (const recordingId of f.recordings) {
    const idempotencyKey = `${RECORDING_DELETE_JOB}:erasure:${recordingId}`;
    if (await trx('jobs').where('idempotency_key', idempotencyKey).first('id')) continue;
    await enqueue(trx, RECORDING_DELETE_JOB, deletePayload.parse({ recordingId, reason: 'erasure' }), {
      idempotencyKey,
      maxAttempts: RECORDING_DELETE_MAX_ATTEMPTS,
    });
  }
  await each('recording_transcripts', f.transcripts, (q) => q.delete(), 'recording_id');
  await each('voicemails', f.voicemails, (q) => q.delete());
  await each('callbacks', f.callbacks, (q) => q.delete());
  await each('survey_requests', f.surveyRequests, (q) => q.delete());
  await each('campaign_contacts', f.campaignContacts, (q) => q.delete());
  await each('tickets', f.tickets, (q) =>
    q.update({ subject: ERASED, body: ERASED, summary: null, customer_id: null, updated_at: now }),
  );
  await each('survey_responses', f.surveyResponses, (q) => q.update({ comment: null, customer_id: null }));
  await each('evaluations', f.evaluations, (q) => q.update({ comment: null, agent_comment: null, updated_at: now }));
  await rewrite('call_events', 'data', f.callEvents);
  await each(
    'calls',
    f.calls.map((c) => c.id),
    (q) => q.update({ caller_raw: ERASED, caller_e164: null, caller_name: null, customer_id: null, attributes: null }),
  );
  await each('contacts', f.contactHistory, (q) => q.delete());
  await each('orders', f.orders, (q) => q.delete());
  await each('customer_phones', f.customerPhones, (q) => q.delete());
  await each('customers', f.customers, (q) => q.delete());
  await rewrite('audit_log', 'details', f.auditLines);
  await rewrite('jobs', 'last_error', f.jobErrors);
}

/** The number as typed → E.164, or a 400 that says why not (without repeating it: it is someone's number). */
export function readPhone(phone: string, defaultCountry: string): string {
  const n = normaliseCallerId(phone, defaultCountry);
  if (!n.e164)
    throw new HttpError(
      400,
      'validation_failed',
      `body.phone: not a valid phone number (read as a ${defaultCountry} number)`,
      [{ in: 'body', field: 'phone', reason: `not a valid phone number (read as a ${defaultCountry} number)` }],
    );
  return n.e164;
}

/**
 * Erases (or, `dryRun`, counts) everything held about the person with this customer id and/or number. A customer
 * id that does not exist is a 404; a number nothing is held about answers zero counts. Erasing twice is harmless:
 * the second finds nothing (the do-not-call entry aside).
 */
export async function eraseCaller(db: Db, request: ErasureRequest, options: ErasureOptions): Promise<ErasureResult> {
  if (request.customerId === undefined && (request.phone === undefined || request.phone.trim() === ''))
    throw new HttpError(400, 'validation_failed', 'body: give the customer id or the phone number (or both)', [
      { in: 'body', field: 'phone', reason: 'give the customer id or the phone number (or both)' },
    ]);
  if (request.customerId !== undefined && !(Number.isInteger(request.customerId) && request.customerId > 0))
    throw new HttpError(400, 'validation_failed', 'body.customerId: a positive integer', [
      { in: 'body', field: 'customerId', reason: 'a positive integer' },
    ]);
  const e164 = request.phone?.trim() ? readPhone(request.phone, options.defaultCountry) : null;
  const dryRun = request.dryRun ?? false;
  let erased: readonly string[] = [];
  let result: ErasureResult;
  try {
    result = await db.transaction(async (trx) => {
      const { customerIds, numbers, found } = await find(trx, request, e164, options.now);
      const result: ErasureResult = {
        dryRun,
        numbers: numbers.map(maskNumber),
        customerIds,
        counts: countsOf(found),
        kept: { doNotCall: found.doNotCall },
        callsInProgress: found.calls.filter((c) => c.inProgress).length,
      };
      if (dryRun) return result;
      // Its writes would race the call's own (the CDR, a ticket, a recording being made).
      const live = result.callsInProgress;
      if (live > 0)
        throw new HttpError(
          409,
          'conflict',
          live === 1
            ? 'a call of this caller is in progress: erase once it has ended'
            : `${live} calls of this caller are in progress: erase once they have ended`,
        );
      await apply(trx, found, options.now);
      // In the same commit: an erasure that happened is always on record, and a failed one never is.
      await writeAudit(trx, {
        user: options.by.user,
        action: 'privacy.erase',
        targetType: 'customer',
        targetId: customerIds.length === 1 ? customerIds[0] : null,
        details: { numbers: result.numbers, customerIds, counts: result.counts, kept: result.kept },
        ip: options.by.ip ?? null,
      });
      erased = numbers;
      return result;
    });
  } catch (err) {
    if (err instanceof HttpError) throw err;
    // A driver's message may quote the values of the statement (the number): only its code goes on, and no `cause`
    // (the log's error serializer would print the cause's message).
    const code = (err as { code?: unknown } | null)?.code;
    // eslint-disable-next-line preserve-caught-error -- the cause would carry the number into the log
    throw new Error(`the erasure failed (${typeof code === 'string' ? code : 'database error'}); nothing was changed`);
  }
  if (erased.length > 0) options.forget?.(erased);
  return result;
}
