import { insertedId } from '../agents/repository.js';
import { normaliseCallerId } from '../crm/phone.js';
import type { Db } from '../db/knex.js';
import { redactCardNumbers } from '../privacy/card-numbers.js';
import { parseSurveyReply } from './replies.js';

/** An SMS reply as the gateway hands it on (POST /api/surveys/sms-replies). */
export interface SmsReply {
  readonly from: string;
  readonly text: string;
}

export type ReplyOutcome =
  | {
      readonly accepted: true;
      readonly responseId: number;
      readonly callId: string | null;
      readonly score: number;
      readonly comment: string | null;
    }
  | { readonly accepted: false; readonly reason: string };

/**
 * Matches a reply to the newest survey sent to that number whose reply window is open, and stores the response.
 * A reply without a score, from a number we sent nothing to, or after the window is refused with the reason
 * (the gateway gets 200 all the same: a retry would not change the answer).
 */
export async function acceptSmsReply(
  db: Db,
  reply: SmsReply,
  options: { now: Date; defaultCountry: string },
): Promise<ReplyOutcome> {
  const phone = normaliseCallerId(reply.from, options.defaultCountry);
  if (phone.kind !== 'valid' || !phone.e164)
    return { accepted: false, reason: `'${reply.from}' is not a phone number` };
  const parsed = parseSurveyReply(reply.text);
  if (!parsed) return { accepted: false, reason: 'no score 1-5 in the reply' };
  // A comment is text Ariadne keeps: no card number in it (privacy/card-numbers.ts).
  const comment = parsed.comment === null ? null : redactCardNumbers(parsed.comment).text;
  return db.transaction(async (trx) => {
    const request = (await trx('survey_requests')
      .where({ phone: phone.e164, state: 'sent' })
      .where('expires_at', '>', options.now)
      .orderBy('sent_at', 'desc')
      .first('id', 'call_id', 'customer_id')) as
      { id: number; call_id: string | null; customer_id: number | null } | undefined;
    if (!request) return { accepted: false, reason: `no survey awaiting a reply from ${phone.e164}` };
    // The state check makes a reply that raced another one for the same request lose cleanly.
    const claimed = await trx('survey_requests')
      .where({ id: request.id, state: 'sent' })
      .update({ state: 'answered', answered_at: options.now });
    if (claimed === 0) return { accepted: false, reason: 'the survey was answered already' };
    const responseId = insertedId(
      await trx('survey_responses').insert({
        call_id: request.call_id,
        customer_id: request.customer_id,
        channel: 'sms',
        score: parsed.score,
        comment,
        created_at: options.now,
      }),
    );
    return {
      accepted: true as const,
      responseId,
      callId: request.call_id,
      score: parsed.score,
      comment,
    };
  });
}
