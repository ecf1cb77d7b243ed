import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AuthUser } from '../../auth/types.js';
import { HttpError, notFound } from '../../http/errors.js';
import * as callbacks from '../../routing/callbacks.js';
import { acceptSmsReply, listSurveyResponses } from '../../surveys/index.js';
import * as tickets from '../../tickets/index.js';
import * as repo from '../../calls/queries.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { idParam, isoTime, offsetOf, pageOf, pageQuery } from '../validation.js';
import { agentScope, assertOwn, assertQueue, EVERYONE, queueScope, STAFF } from './common.js';

const ticketStatus = z.enum(['open', 'pending', 'solved', 'closed']);
const tags = z
  .array(z.string().trim().regex(tickets.TAG_PATTERN, 'a tag: 1-64 letters, digits, space, _ . or -'))
  .max(20);
const ticketFields = {
  subject: z.string().trim().min(1, 'required').max(255),
  body: z.string().max(20_000).nullable(),
  callId: z.string().max(36).nullable(),
  customerId: z.number().int().positive().nullable(),
  category: z.string().max(32).nullable(),
  disposition: z.string().max(64).nullable(),
  status: ticketStatus,
  tags,
};

/** The SMS gateway's bearer token, compared in constant time; no token configured refuses every reply. */
function checkGatewayToken(header: string | undefined, expected: string | undefined): void {
  if (!expected) throw new HttpError(404, 'not_found', 'SMS replies are not enabled (set ARIADNE_SMS_INBOUND_TOKEN)');
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1] ?? '');
  const want = Buffer.from(expected);
  if (given.length !== want.length || !timingSafeEqual(given, want))
    throw new HttpError(
      401,
      'unauthenticated',
      'the SMS gateway must send Authorization: Bearer <ARIADNE_SMS_INBOUND_TOKEN>',
    );
}

export function workRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  const ownCallback = async (user: AuthUser, id: number): Promise<void> => {
    const cb = await callbacks.getCallback(db, id);
    if (!cb) throw notFound(`callback ${id}`);
    assertQueue(user, cb.queueId, `callback ${id}`);
    assertOwn(user, cb.agentId, 'callback');
  };
  /** A supervisor reaches a ticket of a call only if the call is in their queues (a ticket of no call: always). */
  const ticketInScope = async (user: AuthUser, callId: unknown, what: string): Promise<void> => {
    if (!queueScope(user) || callId == null || callId === '') return;
    const owner = await repo.callOwner(db, String(callId));
    assertQueue(user, owner?.queueId, what);
  };
  return [
    // --- callbacks --------------------------------------------------------------------------------------------
    route({
      method: 'get',
      path: '/callbacks',
      tag: 'callbacks',
      summary: 'Callback requests (agents: theirs and the unassigned pending ones they may take)',
      roles: EVERYONE,
      query: pageQuery.extend({
        state: z.enum(['pending', 'assigned', 'done', 'failed']).optional(),
        queueId: z.coerce.number().int().positive().optional(),
        agentId: z.coerce.number().int().positive().optional(),
      }),
      async handler({ query, user }) {
        const scope = agentScope(user);
        const filter =
          scope === undefined
            ? { ...query, queueIds: queueScope(user) }
            : { state: query.state, queueId: query.queueId, forAgent: scope };
        return pageOf(query, await callbacks.listCallbacksPage(db, filter, offsetOf(query)));
      },
    }),
    route({
      method: 'post',
      path: '/callbacks',
      tag: 'callbacks',
      summary: 'Record a callback request (e.g. taken by phone or from a web form)',
      roles: STAFF,
      body: z
        .object({
          phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +8613800138000'),
          queueId: z.number().int().positive().nullable().optional(),
          customerId: z.number().int().positive().nullable().optional(),
          callId: z.string().max(36).nullable().optional(),
          dueAt: isoTime.nullable().optional(),
          notes: z.string().max(2000).nullable().optional(),
        })
        .strict(),
      status: 201,
      audit: { action: 'callback.create', targetType: 'callback' },
      async handler({ body, auditTarget, user }) {
        const scope = queueScope(user);
        if (scope && (body.queueId == null || !scope.includes(body.queueId))) {
          const reason = 'a supervisor records callbacks for one of their queues';
          throw new HttpError(400, 'validation_failed', `body.queueId: ${reason}`, [
            { in: 'body', field: 'queueId', reason },
          ]);
        }
        const cb = await callbacks.requestCallback(db, body, deps.now());
        auditTarget(cb.id, body);
        return cb;
      },
    }),
    route({
      method: 'post',
      path: '/callbacks/:id/assign',
      tag: 'callbacks',
      summary: 'Give a pending callback to an agent (agents: take it themselves)',
      roles: EVERYONE,
      params: idParam,
      body: z.object({ agentId: z.number().int().positive().optional() }).strict(),
      audit: { action: 'callback.assign', targetType: 'callback' },
      async handler({ params, body, user }) {
        const scope = agentScope(user);
        const agentId = scope ?? body.agentId;
        if (agentId === undefined)
          throw new HttpError(400, 'validation_failed', 'body.agentId: required', [
            { in: 'body', field: 'agentId', reason: 'required' },
          ]);
        if (scope !== undefined && body.agentId !== undefined && body.agentId !== scope)
          assertOwn(user, body.agentId, 'callback');
        if (queueScope(user)) await ownCallback(user, params.id);
        return callbacks.assignCallback(db, params.id, agentId);
      },
    }),
    route({
      method: 'post',
      path: '/callbacks/:id/unassign',
      tag: 'callbacks',
      summary: 'Put an assigned callback back on the pending list (agents: their own)',
      roles: EVERYONE,
      params: idParam,
      audit: { action: 'callback.unassign', targetType: 'callback' },
      async handler({ params, user }) {
        await ownCallback(user, params.id);
        return callbacks.unassignCallback(db, params.id);
      },
    }),
    route({
      method: 'post',
      path: '/callbacks/:id/complete',
      tag: 'callbacks',
      summary: 'Close a callback: made (ok) or given up (agents: their own)',
      roles: EVERYONE,
      params: idParam,
      body: z.object({ ok: z.boolean(), notes: z.string().max(2000).optional() }).strict(),
      audit: { action: 'callback.complete', targetType: 'callback' },
      async handler({ params, body, user }) {
        await ownCallback(user, params.id);
        return callbacks.completeCallback(db, params.id, body.ok, body.notes);
      },
    }),

    // --- tickets ----------------------------------------------------------------------------------------------
    route({
      method: 'get',
      path: '/tickets',
      tag: 'tickets',
      summary: 'Tickets (agents: their own)',
      roles: EVERYONE,
      query: pageQuery.extend({
        status: ticketStatus.optional(),
        agentId: z.coerce.number().int().positive().optional(),
        customerId: z.coerce.number().int().positive().optional(),
        callId: z.string().max(36).optional(),
        q: z.string().max(128).optional(),
        source: z.enum(['agent', 'auto']).optional(),
        sentiment: z.enum(['negative', 'neutral', 'positive']).optional(),
        tag: z.string().max(64).optional(),
      }),
      async handler({ query, user }) {
        const scope = agentScope(user);
        return pageOf(
          query,
          await tickets.listTickets(
            db,
            { ...query, agentId: scope ?? query.agentId, queueIds: queueScope(user) },
            offsetOf(query),
          ),
        );
      },
    }),
    route({
      method: 'get',
      path: '/tickets/:id',
      tag: 'tickets',
      summary: 'One ticket',
      roles: EVERYONE,
      params: idParam,
      async handler({ params, user }) {
        const t = await tickets.getTicket(db, params.id);
        if (!t) throw notFound(`ticket ${params.id}`);
        await ticketInScope(user, t.callId, `ticket ${params.id}`);
        assertOwn(user, t.agentId, 'ticket');
        return t;
      },
    }),
    route({
      method: 'post',
      path: '/tickets',
      tag: 'tickets',
      summary: "Create a ticket (an agent's ticket is theirs)",
      roles: EVERYONE,
      body: z
        .object({ ...ticketFields, agentId: z.number().int().positive().nullable() })
        .partial()
        .required({ subject: true })
        .strict(),
      status: 201,
      audit: { action: 'ticket.create', targetType: 'ticket' },
      async handler({ body, user, auditTarget }) {
        const scope = agentScope(user);
        if (scope !== undefined && body.agentId !== undefined && body.agentId !== scope)
          assertOwn(user, body.agentId, 'ticket');
        if (scope !== undefined && body.callId) {
          const owner = await repo.callOwner(db, body.callId);
          if (owner) assertOwn(user, owner.agentId, 'call');
        }
        await ticketInScope(user, body.callId, `call ${body.callId ?? ''}`);
        const t = await tickets.createTicket(db, {
          ...body,
          agentId: scope ?? body.agentId ?? null,
          status: body.status ?? 'open',
        });
        auditTarget(Number(t.id), { subject: body.subject });
        return t;
      },
    }),
    route({
      method: 'patch',
      path: '/tickets/:id',
      tag: 'tickets',
      summary: 'Update a ticket (agents: their own; they cannot reassign it)',
      roles: EVERYONE,
      params: idParam,
      body: z
        .object({ ...ticketFields, agentId: z.number().int().positive().nullable() })
        .partial()
        .strict(),
      audit: { action: 'ticket.update', targetType: 'ticket' },
      async handler({ params, body, user }) {
        const t = await tickets.getTicket(db, params.id);
        if (!t) throw notFound(`ticket ${params.id}`);
        await ticketInScope(user, t.callId, `ticket ${params.id}`);
        assertOwn(user, t.agentId, 'ticket');
        if (agentScope(user) !== undefined && body.agentId !== undefined) assertOwn(user, body.agentId, 'ticket');
        return tickets.updateTicket(db, params.id, body);
      },
    }),

    // --- surveys ----------------------------------------------------------------------------------------------
    route({
      method: 'get',
      path: '/survey-results',
      tag: 'surveys',
      summary: 'Survey responses with the queue and agent of their call',
      roles: STAFF,
      query: pageQuery.extend({
        from: isoTime.optional(),
        to: isoTime.optional(),
        channel: z.enum(['ivr', 'sms']).optional(),
        queueId: z.coerce.number().int().positive().optional(),
        agentId: z.coerce.number().int().positive().optional(),
      }),
      async handler({ query, user }) {
        return pageOf(query, await listSurveyResponses(db, { ...query, queueIds: queueScope(user) }, offsetOf(query)));
      },
    }),
    route({
      method: 'post',
      path: '/surveys/sms-replies',
      tag: 'surveys',
      summary:
        "The SMS gateway's webhook for a caller's reply to a survey ({from, text}; Bearer ARIADNE_SMS_INBOUND_TOKEN). 200 with accepted false and the reason when the reply rates nothing",
      roles: 'public',
      // Gateways add fields of their own (ids, timestamps): those are ignored, not refused.
      body: z.object({ from: z.string().trim().min(1).max(32), text: z.string().max(1600) }),
      audit: { action: 'survey.sms_reply', targetType: 'survey_response' },
      async handler({ req, body, auditTarget }) {
        checkGatewayToken(req.get('authorization'), deps.config.sms.inboundToken);
        const outcome = await acceptSmsReply(db, body, {
          now: deps.now(),
          defaultCountry: deps.config.telephony.defaultCountry,
        });
        if (outcome.accepted) {
          auditTarget(outcome.responseId, { from: body.from, score: outcome.score });
          // A comment is something the caller wrote: the call's tickets are analysed again with it.
          if (outcome.callId && outcome.comment) {
            const ids = (await db('tickets').where({ call_id: outcome.callId }).pluck('id')) as number[];
            await tickets.queueTicketAnalysis(db, ids.map(Number));
          }
        } else auditTarget(null, { from: body.from, refused: outcome.reason });
        return outcome;
      },
    }),
  ];
}
