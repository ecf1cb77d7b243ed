import type { Knex } from 'knex';
import type { CallRow } from '../calls/call.js';
import type { CallStatement } from '../calls/writer.js';
import { CONTACT_CATEGORIES, contactOutcome } from '../crm/writeback.js';

const CATEGORY_LIST = CONTACT_CATEGORIES.map(() => '?').join(', ');

/**
 * The contact category of call `c` as SQL: the first category the agent's tickets gave it, else the IVR's
 * `category` variable, else the queue's name when it is a category itself (the logistics queue), else other.
 */
function categorySql(ivrCategory: string | null): { sql: string; bindings: Knex.RawBinding[] } {
  const ivr = ivrCategory && (CONTACT_CATEGORIES as readonly string[]).includes(ivrCategory) ? ivrCategory : null;
  return {
    sql:
      `coalesce((select t.category from tickets t where t.call_id = c.id and t.category in (${CATEGORY_LIST}) order by t.id limit 1), ` +
      `?, (select q.name from queues q where q.id = c.queue_id and q.name in (${CATEGORY_LIST})), 'other')`,
    bindings: [...CONTACT_CATEGORIES, ivr, ...CONTACT_CATEGORIES],
  };
}

/**
 * An outbound call that reached nobody's phone at the customer's end (the agent's phone did not pick up, the agent
 * gave up before it rang out, or the carrier failed): it is no contact with the customer, so nothing follows it.
 * A busy or unanswered number is: the customer's history shows the attempt.
 */
export function reachedNoCustomer(row: Pick<CallRow, 'direction' | 'answered_at' | 'disposition'>): boolean {
  return (
    row.direction === 'outbound' &&
    row.answered_at === null &&
    (row.disposition === 'not_placed' || row.disposition === 'cancelled' || row.disposition === 'failed')
  );
}

/** Whether the call was work somebody has to see: an agent talked to the caller, or the caller left a message. */
export function needsTicket(row: Pick<CallRow, 'answered_at' | 'agent_id' | 'disposition'>): boolean {
  return (
    (row.answered_at !== null && row.agent_id !== null) ||
    row.disposition === 'voicemail' ||
    row.disposition === 'callback'
  );
}

/**
 * Writes the call into the customer's contact history once (so routing's `last(3, "logistics")` sees it on the
 * next call), in the call's last commit. Values come from the calls row as that commit leaves it.
 */
export function contactStatement(row: CallRow, ivrCategory: string | null): CallStatement {
  const category = categorySql(ivrCategory);
  return (q) =>
    q('contacts').insert(
      q.raw(
        '(customer_id, channel, category, outcome, agent_id, call_id, started_at, ended_at, notes) ' +
          `select c.customer_id, 'phone', ${category.sql}, ?, c.agent_id, c.id, c.arrived_at, c.ended_at, c.agent_disposition ` +
          'from calls c where c.id = ? and c.customer_id is not null and not exists (select 1 from contacts x where x.call_id = c.id)',
        [...category.bindings, contactOutcome(row.disposition), row.id],
      ),
    );
}

/** The ticket an agent did not write: made in the call's last commit unless the call has a ticket already. */
export function autoTicketStatement(
  row: CallRow,
  o: { ivrCategory: string | null; queueName: string | null; customerName: string | null; now: Date },
): CallStatement {
  const category = categorySql(o.ivrCategory);
  const name = o.customerName ?? row.caller_name;
  const number = row.caller_e164 ?? row.caller_raw;
  const who = name && name !== number ? `${name} (${number})` : number;
  const outbound = row.direction === 'outbound';
  const subject = outbound
    ? `Call to ${who}`
    : row.disposition === 'voicemail'
      ? `Voicemail from ${who}`
      : row.disposition === 'callback'
        ? `Callback requested by ${who}`
        : `Call from ${who}`;
  const body = [
    outbound ? `Called: ${who}` : `Caller: ${who}`,
    outbound ? (row.did ? `Caller id sent: ${row.did}` : null) : `Number dialled: ${row.did}`,
    o.queueName ? `Queue: ${o.queueName}` : null,
    row.wait_s !== null ? `Waited: ${Math.round(row.wait_s)} s` : null,
    row.talk_s !== null ? `Talked: ${Math.round(row.talk_s)} s` : null,
    `Outcome: ${row.agent_disposition ?? row.disposition ?? 'unknown'}`,
    row.recording_id ? `Recording: ${row.recording_id}` : null,
  ]
    .filter((line) => line !== null)
    .join('\n');
  // A voicemail or a callback is work still to do; a call an agent took is on record, nothing is pending.
  const status = row.disposition === 'voicemail' || row.disposition === 'callback' ? 'open' : 'solved';
  return (q) =>
    q('tickets').insert(
      q.raw(
        '(call_id, customer_id, agent_id, subject, body, category, disposition, status, source, created_at, updated_at) ' +
          `select c.id, c.customer_id, c.agent_id, ?, ?, ${category.sql}, coalesce(c.agent_disposition, c.disposition), ?, 'auto', ?, ? ` +
          'from calls c where c.id = ? and not exists (select 1 from tickets t where t.call_id = c.id)',
        [subject.slice(0, 255), body, ...category.bindings, status, o.now, o.now, row.id],
      ),
    );
}

/** The SMS survey's row, in the call's last commit; the `survey.sms` job sends it. */
export function surveyRequestStatement(row: CallRow, o: { language: string; now: Date }): CallStatement {
  return (q) =>
    q('survey_requests').insert({
      call_id: row.id,
      customer_id: row.customer_id,
      phone: row.caller_e164,
      language: o.language,
      state: 'pending',
      created_at: o.now,
    });
}
