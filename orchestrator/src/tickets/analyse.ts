import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import { enqueue } from '../jobs/outbox.js';
import { analyseText } from './analysis.js';
import { addTicketTags, TAG_PATTERN } from './tags.js';

/** The outbox job that analyses a ticket's text (aftercall/jobs.ts runs it). */
export const TICKET_ANALYSE_JOB = 'ticket.analyse';

/** The outbox job that analyses every ticket of a call (a transcript came in, or the call's auto ticket was made). */
export const CALL_TICKETS_ANALYSE_JOB = 'ticket.analyse_call';

/** Queues the analysis of tickets, in the caller's transaction when there is one. */
export async function queueTicketAnalysis(conn: Db | Knex.Transaction, ticketIds: readonly number[]): Promise<void> {
  for (const ticketId of ticketIds) await enqueue(conn, TICKET_ANALYSE_JOB, { ticketId });
}

/** Queues the analysis of the call's tickets, whichever exist when it runs. */
export async function queueCallTicketAnalysis(conn: Db | Knex.Transaction, callId: string): Promise<void> {
  await enqueue(conn, CALL_TICKETS_ANALYSE_JOB, { callId });
}

/** What was heard on a call's recordings (recording/transcripts.ts), for analysis with what people wrote. */
export type CallTranscripts = (callId: string) => Promise<readonly string[]>;

/**
 * Sentiment, language, summary and keyword tags of a ticket, from what people wrote (an agent ticket's subject and
 * notes, the survey comments of its call; an auto ticket's own text is facts, so only comments count) and what was
 * said on the call, when its recordings were transcribed. The summary keeps to what people wrote when they wrote
 * anything: a transcript has no punctuation to cut sentences by. Tags are added, never removed: an agent's own
 * tags stay.
 */
export async function analyseTicket(db: Db, ticketId: number, now: Date, transcripts?: CallTranscripts): Promise<void> {
  const ticket = (await db('tickets').where({ id: ticketId }).first('id', 'call_id', 'subject', 'body', 'source')) as
    { id: number; call_id: string | null; subject: string; body: string | null; source: string } | undefined;
  if (!ticket) return; // deleted since: nothing to analyse
  const comments = ticket.call_id
    ? ((await db('survey_responses')
        .where({ call_id: ticket.call_id })
        .whereNotNull('comment')
        .pluck('comment')) as string[])
    : [];
  // A subject is a sentence of its own: without a full stop it would run into the notes' first one in the summary.
  const subject = ticket.subject.trim().replace(/([^.!?。！？])$/u, '$1.');
  const written = (ticket.source === 'auto' ? [] : [subject, ticket.body ?? ''])
    .concat(comments)
    .filter((t) => t.trim() !== '');
  const heard = ticket.call_id && transcripts ? await transcripts(ticket.call_id) : [];
  // People's words first: the analysed text is capped, and they must never be the part cut off.
  const analysis = analyseText([...written, ...heard].join('\n'));
  const summary = heard.length > 0 && written.length > 0 ? analyseText(written.join('\n'))?.summary : analysis?.summary;
  await db.transaction(async (trx) => {
    await trx('tickets')
      .where({ id: ticketId })
      .update({
        sentiment: analysis?.sentiment ?? null,
        language: analysis?.language ?? null,
        summary: summary || null,
        analysed_at: now,
      });
    const tags = (analysis?.keywords ?? []).map((k) => k.slice(0, 64)).filter((k) => TAG_PATTERN.test(k));
    if (tags.length > 0) await addTicketTags(trx, ticketId, tags);
  });
}

export async function analyseCallTickets(
  db: Db,
  callId: string,
  now: Date,
  transcripts?: CallTranscripts,
): Promise<void> {
  const ids = (await db('tickets').where('call_id', callId).orderBy('id').pluck('id')) as number[];
  for (const id of ids) await analyseTicket(db, id, now, transcripts);
}
