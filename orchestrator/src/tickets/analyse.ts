import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import { enqueue } from '../jobs/outbox.js';
import { analyseText } from './analysis.js';
import { addTicketTags, TAG_PATTERN } from './tags.js';

/** The outbox job that analyses a ticket's text (aftercall/jobs.ts runs it). */
export const TICKET_ANALYSE_JOB = 'ticket.analyse';

/** Queues the analysis of tickets, in the caller's transaction when there is one. */
export async function queueTicketAnalysis(conn: Db | Knex.Transaction, ticketIds: readonly number[]): Promise<void> {
  for (const ticketId of ticketIds) await enqueue(conn, TICKET_ANALYSE_JOB, { ticketId });
}

/**
 * Sentiment, language, summary and keyword tags of a ticket, from what people wrote: an agent ticket's subject and
 * notes, and the survey comments of its call (an auto ticket's own text is facts, so only comments count). Tags
 * are added, never removed: an agent's own tags stay.
 */
export async function analyseTicket(db: Db, ticketId: number, now: Date): Promise<void> {
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
  const written = ticket.source === 'auto' ? [] : [subject, ticket.body ?? ''];
  const analysis = analyseText([...written, ...comments].filter((t) => t.trim() !== '').join('\n'));
  await db.transaction(async (trx) => {
    await trx('tickets')
      .where({ id: ticketId })
      .update({
        sentiment: analysis?.sentiment ?? null,
        language: analysis?.language ?? null,
        summary: analysis?.summary || null,
        analysed_at: now,
      });
    const tags = (analysis?.keywords ?? []).map((k) => k.slice(0, 64)).filter((k) => TAG_PATTERN.test(k));
    if (tags.length > 0) await addTicketTags(trx, ticketId, tags);
  });
}
