import { z } from 'zod';
import type { CallFollowUps } from '../calls/service.js';
import { TERMINAL_STATES, type CallState } from '../calls/states.js';
import type { CallStatement } from '../calls/writer.js';
import type { Config } from '../config/schema.js';
import { interactionOf } from '../crm/writeback.js';
import type { Db } from '../db/knex.js';
import {
  defineJob,
  enqueueJobStatement,
  PermanentJobError,
  signalEnqueued,
  type Backoff,
  type JobDefinition,
} from '../jobs/index.js';
import { surveyText } from '../surveys/replies.js';
import {
  analyseCallTickets,
  analyseTicket,
  CALL_TICKETS_ANALYSE_JOB,
  TICKET_ANALYSE_JOB,
  type CallTranscripts,
} from '../tickets/index.js';
import { loadCallFacts } from './facts.js';
import {
  autoTicketStatement,
  contactStatement,
  needsTicket,
  reachedNoCustomer,
  surveyRequestStatement,
} from './statements.js';
import { postJson } from './webhook.js';

/** A webhook gets this long to answer (the CRM's identify budget is for the call path, not for this). */
const WEBHOOK_TIMEOUT_MS = 10_000;

export interface AfterCallOptions {
  readonly db: Db;
  readonly config: Pick<Config, 'crm' | 'sms' | 'surveys'>;
  readonly now?: () => Date;
  readonly backoff?: Backoff;
  /** The call's transcripts for ticket analysis (the recording pipeline's, which holds the key to read them). */
  readonly transcripts?: CallTranscripts;
}

export interface AfterCall extends CallFollowUps {
  registerOn(runner: { register<P>(def: JobDefinition<P>): void }): void;
}

const byCall = z.object({ callId: z.string().min(1).max(36) }).strict();
const byTicket = z.object({ ticketId: z.number().int().positive() }).strict();

/**
 * What follows every call. The bookkeeping (the contact in the CRM's history, the auto ticket, the SMS survey's
 * row) rides the call's last commit: a few statements in a packet that is sent anyway, where a job would cost
 * the call path extra commits. Only what talks to the outside goes through the outbox, because a webhook can be
 * down for an hour and must be retried: the CRM write-back, the SMS survey, and the ticket's analysis (CPU work
 * kept off the call path).
 */
export function createAfterCall(o: AfterCallOptions): AfterCall {
  const now = o.now ?? (() => new Date());
  const { crm, sms, surveys } = o.config;
  const crmUrl = crm.url && crm.writeback ? `${crm.url.replace(/\/+$/, '')}/interactions` : null;

  const writeback = defineJob({
    type: 'crm.writeback',
    schema: byCall,
    backoff: o.backoff,
    maxAttempts: 12,
    handler: async ({ callId }, ctx) => {
      if (!crmUrl) throw new PermanentJobError('no CRM configured (ARIADNE_CRM_URL, ARIADNE_CRM_WRITEBACK)');
      const facts = await loadCallFacts(o.db, callId);
      if (!facts) throw new PermanentJobError(`call ${callId} does not exist`);
      if (!TERMINAL_STATES.has(facts.state as CallState))
        throw new Error(`call ${callId} is ${facts.state}, not finished yet`);
      const tickets = (await o
        .db('tickets')
        .where({ call_id: callId })
        .orderBy('id')
        .select('id', 'subject', 'status')) as {
        id: number;
        subject: string;
        status: string;
      }[];
      const result = await postJson(
        crmUrl,
        interactionOf(
          facts,
          tickets.map((t) => ({ id: Number(t.id), subject: t.subject, status: t.status })),
        ),
        {
          headers: { 'idempotency-key': `ariadne-call-${callId}` },
          timeoutMs: WEBHOOK_TIMEOUT_MS,
          signal: ctx.signal,
        },
      );
      if (result.ok) return;
      if (!result.retry) throw new PermanentJobError(`CRM refused the interaction: ${result.error}`);
      throw new Error(`CRM write-back failed: ${result.error}`);
    },
  });

  const smsSurvey = defineJob({
    type: 'survey.sms',
    schema: byCall,
    backoff: o.backoff,
    maxAttempts: 8,
    handler: async ({ callId }, ctx) => {
      const request = (await o
        .db('survey_requests as r')
        .leftJoin('calls as c', 'c.id', 'r.call_id')
        .leftJoin('queues as q', 'q.id', 'c.queue_id')
        .where('r.call_id', callId)
        .first('r.id', 'r.phone', 'r.language', 'r.state', 'q.display_name', 'q.survey_text')) as
        | {
            id: number;
            phone: string;
            language: string;
            state: string;
            display_name: string | null;
            survey_text: string | null;
          }
        | undefined;
      if (!request || request.state !== 'pending') return; // sent already, or nothing to send
      const fail = async (state: 'pending' | 'failed', error: string): Promise<void> => {
        await o
          .db('survey_requests')
          .where({ id: request.id })
          .update({ state, last_error: error.slice(0, 255) });
      };
      if (!sms.url) {
        await fail('failed', 'no SMS gateway configured (ARIADNE_SMS_URL)');
        throw new PermanentJobError('no SMS gateway configured (ARIADNE_SMS_URL)');
      }
      const result = await postJson(
        sms.url,
        {
          to: request.phone,
          text: surveyText(request.language, request.display_name, request.survey_text),
          reference: `survey-${request.id}`,
        },
        {
          headers: sms.token ? { authorization: `Bearer ${sms.token}` } : {},
          timeoutMs: WEBHOOK_TIMEOUT_MS,
          signal: ctx.signal,
        },
      );
      if (!result.ok) {
        await fail(result.retry ? 'pending' : 'failed', result.error);
        if (!result.retry) throw new PermanentJobError(`SMS gateway refused the survey: ${result.error}`);
        throw new Error(`SMS survey not sent: ${result.error}`);
      }
      const sentAt = now();
      const q = o.db('survey_requests').where({ id: request.id, state: 'pending' });
      ctx.holdsLease(q);
      await q.update({
        state: 'sent',
        sent_at: sentAt,
        expires_at: new Date(sentAt.getTime() + surveys.replyHours * 3_600_000),
        last_error: null,
      });
    },
  });

  const analyse = defineJob({
    type: TICKET_ANALYSE_JOB,
    schema: byTicket,
    backoff: o.backoff,
    maxAttempts: 3,
    handler: async ({ ticketId }) => {
      await analyseTicket(o.db, ticketId, now(), o.transcripts);
    },
  });

  const analyseCall = defineJob({
    type: CALL_TICKETS_ANALYSE_JOB,
    schema: byCall,
    backoff: o.backoff,
    maxAttempts: 3,
    handler: async ({ callId }) => {
      await analyseCallTickets(o.db, callId, now(), o.transcripts);
    },
  });

  return {
    queueWith(call) {
      const { row } = call;
      if (reachedNoCustomer(row)) return { statements: [], committed: () => undefined };
      const at = now();
      const statements: CallStatement[] = [];
      if (row.customer_id !== null) statements.push(contactStatement(row, call.ivrCategory));
      if (needsTicket(row))
        statements.push(
          autoTicketStatement(row, {
            ivrCategory: call.ivrCategory,
            queueName: call.queueName,
            customerName: call.customerName,
            now: at,
          }),
        );
      // Its recording is being transcribed: the auto ticket made now reads the transcript when there is one (if it
      // comes later, the transcription queues this again).
      if (call.transcribed && needsTicket(row))
        statements.push(
          enqueueJobStatement(
            analyseCall,
            { callId: row.id },
            { idempotencyKey: `${CALL_TICKETS_ANALYSE_JOB}:${row.id}` },
          ),
        );
      if (call.survey === 'sms' && row.answered_at !== null && row.caller_e164 && sms.url) {
        statements.push(surveyRequestStatement(row, { language: call.language, now: at }));
        statements.push(enqueueJobStatement(smsSurvey, { callId: row.id }, { idempotencyKey: `survey.sms:${row.id}` }));
      }
      if (crmUrl)
        statements.push(
          enqueueJobStatement(writeback, { callId: row.id }, { idempotencyKey: `crm.writeback:${row.id}` }),
        );
      return { statements, committed: signalEnqueued };
    },
    registerOn(runner) {
      runner.register(writeback);
      runner.register(smsSurvey);
      runner.register(analyse);
      runner.register(analyseCall);
    },
  };
}
