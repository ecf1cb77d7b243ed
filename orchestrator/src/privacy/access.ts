import type { Knex } from 'knex';
import { writeAudit } from '../auth/audit.js';
import type { Db } from '../db/knex.js';
import { parseJson, toDate } from '../db/time.js';
import { HttpError } from '../http/errors.js';
import type { Transcript } from '../recording/transcripts.js';
import type { ErasureOptions, ErasureRequest } from './erasure.js';
import { readPhone } from './erasure.js';
import { chunks, find } from './erasure-scope.js';
import { maskNumber } from './number-forms.js';

/**
 * A caller's right of access (GDPR art. 15, the CCPA's right to know): a copy of what Ariadne holds about one person,
 * found exactly as an erasure would find it (erasure-scope.ts), as one JSON document an admin hands over. It holds
 * the caller's own data in full (their numbers, what they said in transcripts); what is about the staff (which agent,
 * the quality evaluations of the agent, the audit log) or the center's internals (channels, bridges, orchestrator
 * names) is left out. Recordings are listed; their audio is played or exported from the recording's own page.
 */

export type AccessRequest = Omit<ErasureRequest, 'dryRun'>;

export interface AccessOptions extends Pick<ErasureOptions, 'defaultCountry' | 'now' | 'by'> {
  /** The transcripts' texts (sealed with the recordings' key), by recording id; absent where none can be read. */
  readonly transcripts?: (recordingIds: readonly string[]) => Promise<readonly Transcript[]>;
}

type Row = Record<string, unknown>;

/** What a table gives: the columns that are the caller's, renamed to camelCase; times as ISO 8601. */
interface Section {
  readonly table: string;
  readonly columns: readonly string[];
  /** JSON text columns, given parsed. */
  readonly json?: readonly string[];
}

const SECTIONS = {
  customers: {
    table: 'customers',
    columns: [
      'id',
      'external_ref',
      'name',
      'email',
      'tier',
      'language',
      'company',
      'notes',
      'created_at',
      'updated_at',
    ],
  },
  customerPhones: { table: 'customer_phones', columns: ['customer_id', 'e164', 'label'] },
  orders: {
    table: 'orders',
    columns: [
      'customer_id',
      'order_no',
      'status',
      'total_cents',
      'currency',
      'carrier',
      'tracking_no',
      'shipping_address',
      'eta',
      'created_at',
      'updated_at',
    ],
  },
  contactHistory: {
    table: 'contacts',
    columns: ['customer_id', 'call_id', 'channel', 'category', 'outcome', 'started_at', 'ended_at', 'notes'],
  },
  voicemails: { table: 'voicemails', columns: ['call_id', 'caller', 'state', 'duration_s', 'created_at'] },
  tickets: {
    table: 'tickets',
    columns: [
      'id',
      'call_id',
      'subject',
      'body',
      'category',
      'disposition',
      'status',
      'sentiment',
      'summary',
      'source',
      'created_at',
      'updated_at',
    ],
  },
  surveyResponses: { table: 'survey_responses', columns: ['call_id', 'channel', 'score', 'comment', 'created_at'] },
  surveyRequests: {
    table: 'survey_requests',
    columns: ['call_id', 'phone', 'language', 'state', 'created_at', 'sent_at', 'answered_at'],
  },
  callbacks: { table: 'callbacks', columns: ['call_id', 'phone', 'state', 'requested_at', 'due_at', 'notes'] },
  campaignContacts: { table: 'campaign_contacts', columns: ['e164', 'name', 'state', 'attempts', 'updated_at'] },
} as const satisfies Record<string, Section>;

const CALL_COLUMNS = [
  'id',
  'direction',
  'state',
  'caller_raw',
  'caller_e164',
  'caller_name',
  'did',
  'language',
  'arrived_at',
  'answered_at',
  'ended_at',
  'wait_s',
  'talk_s',
  'disposition',
  'hangup_side',
  'ivr_path',
  'attributes',
] as const;

const camel = (column: string): string => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const isTime = (column: string): boolean => column.endsWith('_at') || column === 'eta';

function view(row: Row, columns: readonly string[], json: readonly string[] = []): Row {
  const out: Row = {};
  for (const column of columns) {
    const value = row[column];
    out[camel(column)] = isTime(column)
      ? (toDate(value)?.toISOString() ?? null)
      : json.includes(column)
        ? parseJson<unknown>(value, value ?? null)
        : (value ?? null);
  }
  return out;
}

async function rowsById(trx: Knex.Transaction, table: string, ids: readonly (string | number)[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const chunk of chunks(ids)) rows.push(...((await trx(table).whereIn('id', chunk).select('*')) as Row[]));
  return rows;
}

export interface CallerExport {
  readonly exportedAt: string;
  /** The numbers they are known by (in full: it is their copy). */
  readonly numbers: string[];
  readonly customerIds: number[];
  readonly customers: Row[];
  readonly customerPhones: Row[];
  readonly orders: Row[];
  readonly contactHistory: Row[];
  /** Their calls, each with its queue's name and its steps (`events`: when, what), oldest first. */
  readonly calls: Row[];
  /** The recordings of their calls still held (the audio: from the recording's page). */
  readonly recordings: Row[];
  readonly transcripts: Row[];
  readonly voicemails: Row[];
  readonly tickets: Row[];
  readonly surveyResponses: Row[];
  readonly surveyRequests: Row[];
  readonly callbacks: Row[];
  readonly campaignContacts: Row[];
  /** Their numbers on the do-not-call list: kept even through an erasure. */
  readonly doNotCall: Row[];
}

/** Counts per section, for the audit line (which never holds the data itself). */
function countsOf(e: CallerExport): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [key, value] of Object.entries(e))
    if (Array.isArray(value) && key !== 'numbers') counts[key] = value.length;
  return counts;
}

/**
 * Everything held about the person with this customer id and/or number, read in one transaction so the parts agree.
 * A customer id that does not exist is a 404; a number nothing is held about gives empty lists. Audited
 * (`privacy.export`, the numbers masked, the counts).
 */
export async function exportCaller(db: Db, request: AccessRequest, options: AccessOptions): Promise<CallerExport> {
  const e164 = request.phone?.trim() ? readPhone(request.phone, options.defaultCountry) : null;
  const result = await db.transaction(async (trx) => {
    const { customerIds, numbers, found } = await find(trx, request, e164, options.now);
    const section = async (s: Section, ids: readonly (string | number)[]): Promise<Row[]> =>
      (await rowsById(trx, s.table, ids)).map((r) => view(r, s.columns, s.json));

    const callRows = await rowsById(
      trx,
      'calls',
      found.calls.map((c) => c.id),
    );
    const queueNames = new Map<number, string>();
    const queueIds = [...new Set(callRows.map((r) => r.queue_id).filter((q) => q != null))] as number[];
    for (const q of (await trx('queues').whereIn('id', queueIds).select('id', 'display_name')) as Row[])
      queueNames.set(Number(q.id), String(q.display_name));
    const events = new Map<string, Row[]>();
    for (const chunk of chunks(found.calls.map((c) => c.id)))
      for (const e of (await trx('call_events')
        .whereIn('call_id', chunk)
        .orderBy(['call_id', 'seq'])
        .select('call_id', 'at', 'event')) as Row[]) {
        const list = events.get(String(e.call_id)) ?? [];
        list.push({ at: toDate(e.at)?.toISOString() ?? null, event: e.event });
        events.set(String(e.call_id), list);
      }
    const calls = callRows
      .map((r): Row => ({
        ...view(r, CALL_COLUMNS, ['ivr_path', 'attributes']),
        queue: r.queue_id == null ? null : (queueNames.get(Number(r.queue_id)) ?? null),
        events: events.get(String(r.id)) ?? [],
      }))
      .sort((a, b) => String(a.arrivedAt).localeCompare(String(b.arrivedAt)));

    const recordings = (await rowsById(trx, 'recordings', found.recordings)).map((r) =>
      view(r, ['id', 'call_id', 'state', 'started_at', 'ended_at', 'duration_s', 'format']),
    );
    const doNotCall = numbers.length
      ? ((await trx('do_not_call').whereIn('e164', numbers).select('e164', 'reason', 'source', 'created_at')) as Row[])
      : [];

    const exported: CallerExport = {
      exportedAt: options.now.toISOString(),
      numbers,
      customerIds,
      customers: await section(SECTIONS.customers, found.customers),
      customerPhones: await section(SECTIONS.customerPhones, found.customerPhones),
      orders: await section(SECTIONS.orders, found.orders),
      contactHistory: await section(SECTIONS.contactHistory, found.contactHistory),
      calls,
      recordings,
      transcripts: [],
      voicemails: await section(SECTIONS.voicemails, found.voicemails),
      tickets: await section(SECTIONS.tickets, found.tickets),
      surveyResponses: await section(SECTIONS.surveyResponses, found.surveyResponses),
      surveyRequests: await section(SECTIONS.surveyRequests, found.surveyRequests),
      callbacks: await section(SECTIONS.callbacks, found.callbacks),
      campaignContacts: await section(SECTIONS.campaignContacts, found.campaignContacts),
      doNotCall: doNotCall.map((r) => view(r, ['e164', 'reason', 'source', 'created_at'])),
    };
    return { exported, transcriptIds: found.transcripts };
  });

  let transcripts: Row[] = [];
  if (result.transcriptIds.length > 0) {
    // A copy without what they said would be incomplete without saying so.
    if (!options.transcripts)
      throw new HttpError(
        503,
        'unavailable',
        'the transcripts cannot be read here (no recordings key): nothing exported',
      );
    transcripts = (await options.transcripts(result.transcriptIds)).map((t) => ({
      recordingId: t.recordingId,
      callId: t.callId,
      state: t.state,
      language: t.language,
      text: t.text,
      segments: t.segments,
      createdAt: t.createdAt.toISOString(),
    }));
  }
  const exported: CallerExport = { ...result.exported, transcripts };
  await writeAudit(db, {
    user: options.by.user,
    action: 'privacy.export',
    targetType: 'customer',
    targetId: exported.customerIds.length === 1 ? exported.customerIds[0] : null,
    details: {
      numbers: exported.numbers.map(maskNumber),
      customerIds: exported.customerIds,
      counts: countsOf(exported),
    },
    ip: options.by.ip ?? null,
  });
  return exported;
}
