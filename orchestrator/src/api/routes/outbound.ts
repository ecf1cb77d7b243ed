import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { AuthUser } from '../../auth/types.js';
import { getAgentView } from '../../agents/repository.js';
import { nextAgentState } from '../../agents/states.js';
import {
  addDoNotCall,
  allDoNotCall,
  doNotCallEntry,
  doNotCallInput,
  doNotCallReason,
  getDoNotCall,
  importDoNotCall,
  listCallNumber,
  listDoNotCall,
  removeDoNotCall,
  updateDoNotCall,
} from '../../calls/do-not-call.js';
import { importDoNotCallFeed, removeDoNotCallFeed, SOURCE_NAME } from '../../calls/do-not-call-feed.js';
import { outboundNumber } from '../../calls/outbound-numbers.js';
import { HttpError, notFound, unavailable } from '../../http/errors.js';
import * as callbacks from '../../routing/callbacks.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { stringIdParam } from '../validation.js';
import { toCsv } from '../../reports/api.js';
import { assertCallOf, assertQueue, boundAgent, EVERYONE, sendCsv, STAFF } from './common.js';
import { crud } from './crud.js';

const placeCallBody = z
  .object({
    /** As typed: national or E.164 (a callback's own number when left out). */
    number: z.string().trim().min(1).max(40).optional(),
    /** Calling back this callback: it becomes the agent's and counts the attempt. */
    callbackId: z.number().int().positive().optional(),
    /** The queue the call is made for (a callback's own, when left out). */
    queueId: z.number().int().positive().optional(),
  })
  .strict()
  .refine((b) => b.number !== undefined || b.callbackId !== undefined, {
    message: 'give the number to call, or the callback to call back',
    path: ['number'],
  });

/** A registry's name, kept with the numbers its files list. */
const sourceName = z.string().trim().regex(SOURCE_NAME, '1-40 letters, digits, _ . or -, such as us-national');

/** A registry's file as sent: text/csv or text/plain, plain or gzipped (true); anything else is refused (415). */
function gzipped(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'text/csv' && type !== 'text/plain')
    throw new HttpError(415, 'bad_request', 'send the file as text/csv or text/plain');
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip')
    throw new HttpError(415, 'bad_request', `Content-Encoding ${encoding}: send the file plain or gzipped`);
  return encoding === 'gzip';
}

/** Calls agents place (click-to-dial from the workspace, calling back a callback request), and the numbers never called. */
export function outboundRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;

  async function callerAgent(user: AuthUser) {
    const agent = await getAgentView(db, boundAgent(user));
    if (!agent) throw notFound(`agent ${user.agentId}`);
    // Paused or in wrap-up too: calling a customer back is often the after-call work, and the call is recorded.
    if (!nextAgentState(agent.state, 'dial'))
      throw new HttpError(
        409,
        'conflict',
        agent.state === 'logged_out'
          ? 'you are logged out: log in to place a call'
          : `you are ${agent.state.replace('_', ' ')}: a call can be placed when available, paused or in wrap-up`,
      );
    if (!agent.endpointOnline)
      throw new HttpError(
        409,
        'conflict',
        `your phone (${agent.boundEndpoint ?? agent.endpoint}) is not registered: it cannot ring`,
      );
    return agent;
  }

  return [
    route({
      method: 'post',
      path: '/agent/me/calls',
      tag: 'agent',
      summary:
        "Place a call (click-to-dial): the agent's phone rings, then the number; with callbackId, calls a callback back",
      roles: EVERYONE,
      body: placeCallBody,
      status: 202,
      guard: (user) => void boundAgent(user),
      audit: { action: 'call.place', targetType: 'call' },
      async handler({ user, body, auditTarget }) {
        const calls = deps.services.calls;
        if (!calls) throw unavailable('call control');
        const agent = await callerAgent(user);
        // Checked before the callback is taken: a request refused for its number must not take it.
        const asked = body.callbackId === undefined ? null : await callbacks.getCallback(db, body.callbackId);
        if (body.callbackId !== undefined && !asked) throw notFound(`callback ${body.callbackId}`);
        if (asked) assertQueue(user, asked.queueId, `callback ${asked.id}`);
        if (body.queueId !== undefined && !(await db('queues').where({ id: body.queueId }).first('id')))
          throw notFound(`queue ${body.queueId}`);
        const checked = outboundNumber(body.number ?? asked?.phone ?? '', {
          defaultCountry: deps.config.telephony.defaultCountry,
          international: deps.config.telephony.outboundInternational,
        });
        if (!checked.ok) throw new HttpError(400, 'bad_request', checked.reason);
        const listed = await doNotCallEntry(db, checked.e164);
        if (listed) throw new HttpError(409, 'conflict', doNotCallReason(listed));
        const callback = asked ? await callbacks.takeForCall(db, asked.id, agent.id) : null;
        const queueId = body.queueId ?? callback?.queueId ?? null;
        const { callId } = await calls.place({
          agent: {
            id: agent.id,
            name: agent.name,
            endpoint: agent.boundEndpoint ?? agent.endpoint,
            autoAnswer: agent.autoAnswer,
          },
          number: checked.e164,
          queueId,
        });
        if (callback) await callbacks.countCallbackAttempt(db, callback.id, callId);
        auditTarget(callId, { number: checked.e164, callbackId: callback?.id ?? null, queueId });
        return { callId, number: checked.e164, queueId, callbackId: callback?.id ?? null };
      },
    }),
    route({
      method: 'post',
      path: '/calls/:id/do-not-call',
      tag: 'do-not-call',
      summary: "List the call's number as not to be called (the customer asked); agents: their own calls",
      roles: EVERYONE,
      params: stringIdParam,
      body: z.object({ reason: z.string().trim().min(1).max(200).optional() }).strict(),
      audit: { action: 'do-not-call.from-call', targetType: 'call' },
      async handler({ user, params, body, auditTarget }) {
        await assertCallOf(db, user, params.id);
        const now = deps.now();
        const reason = body.reason ?? `asked on the call of ${now.toISOString().slice(0, 10)} (${user.displayName})`;
        const entry = await listCallNumber(db, params.id, { reason, now });
        auditTarget(params.id, { number: entry.number, added: entry.added });
        return entry;
      },
    }),
    // Before the list's own routes: `/do-not-call/:id` would take these paths for an id.
    route({
      method: 'post',
      path: '/do-not-call/import',
      tag: 'do-not-call',
      summary: 'Add a list (csv: one per line, number[,reason]); numbers already listed keep their entry',
      roles: STAFF,
      body: z.object({ csv: z.string().min(1, 'required').max(250_000) }).strict(),
      response: z.object({
        added: z.number(),
        duplicates: z.number(),
        invalid: z.array(z.object({ line: z.number(), input: z.string(), reason: z.string() })),
      }),
      audit: { action: 'do-not-call.import', targetType: 'do-not-call' },
      async handler({ user, body, auditTarget }) {
        const now = deps.now();
        const result = await importDoNotCall(db, body.csv, {
          defaultCountry: deps.config.telephony.defaultCountry,
          defaultReason: `imported ${now.toISOString().slice(0, 10)} by ${user.displayName}`,
          now,
        });
        auditTarget(null, { added: result.added, duplicates: result.duplicates, invalid: result.invalid.length });
        return result;
      },
    }),
    route({
      method: 'post',
      path: '/do-not-call/import-file',
      tag: 'do-not-call',
      summary:
        "Add a registry's file of any length, streamed as text/csv or text/plain (gzip with Content-Encoding: gzip): " +
        'number[,reason] or area code,number a line; numbers already listed keep their entry',
      roles: STAFF,
      query: z
        .object({
          reason: z.string().trim().min(1).max(200).optional(),
          source: sourceName.optional(),
        })
        .strict(),
      response: z.object({
        lines: z.number(),
        added: z.number(),
        duplicates: z.number(),
        invalidCount: z.number(),
        invalid: z.array(z.object({ line: z.number(), input: z.string(), reason: z.string() })),
      }),
      audit: { action: 'do-not-call.import-file', targetType: 'do-not-call' },
      async handler({ req, user, query, auditTarget }) {
        const now = deps.now();
        const result = await importDoNotCallFeed(db, req, {
          defaultCountry: deps.config.telephony.defaultCountry,
          reason: query.reason ?? `imported ${now.toISOString().slice(0, 10)} by ${user.displayName}`,
          source: query.source ?? null,
          now,
          gzip: gzipped(req),
        });
        auditTarget(null, {
          lines: result.lines,
          added: result.added,
          invalid: result.invalidCount,
          source: query.source ?? null,
        });
        return result;
      },
    }),
    route({
      method: 'post',
      path: '/do-not-call/remove-file',
      tag: 'do-not-call',
      summary:
        "Take a registry's removals off the list, streamed like import-file: only numbers that source's files listed go; " +
        'those listed by hand, from a call or by another source stay',
      roles: STAFF,
      query: z.object({ source: sourceName }).strict(),
      response: z.object({
        lines: z.number(),
        removed: z.number(),
        kept: z.number(),
        notListed: z.number(),
        invalidCount: z.number(),
        invalid: z.array(z.object({ line: z.number(), input: z.string(), reason: z.string() })),
      }),
      audit: { action: 'do-not-call.remove-file', targetType: 'do-not-call' },
      async handler({ req, query, auditTarget }) {
        const result = await removeDoNotCallFeed(db, req, {
          defaultCountry: deps.config.telephony.defaultCountry,
          source: query.source,
          gzip: gzipped(req),
        });
        auditTarget(null, {
          lines: result.lines,
          removed: result.removed,
          kept: result.kept,
          source: query.source,
        });
        return result;
      },
    }),
    route({
      method: 'get',
      path: '/do-not-call/export',
      tag: 'do-not-call',
      summary: 'The whole list as CSV (number, reason, createdAt, source), oldest first',
      roles: STAFF,
      async handler({ res }) {
        const entries = await allDoNotCall(db);
        return sendCsv(res, 'do-not-call.csv', toCsv(entries, ['number', 'reason', 'createdAt', 'source']));
      },
    }),
    ...crud({
      base: '/do-not-call',
      tag: 'do-not-call',
      noun: 'do-not-call number',
      // Supervisors take a customer's request not to be called; agents see the refusal when they dial.
      readRoles: STAFF,
      writeRoles: STAFF,
      item: z.object({
        id: z.number(),
        number: z.string(),
        reason: z.string().nullable(),
        source: z.string().nullable(),
        createdAt: z.string(),
      }),
      filters: z.object({ q: z.string().trim().max(40).optional() }),
      createBody: doNotCallInput.required({ number: true }),
      updateBody: doNotCallInput,
      list: (f, s) => listDoNotCall(db, f, s),
      get: (id) => getDoNotCall(db, id),
      create: (b) => addDoNotCall(db, b, { defaultCountry: deps.config.telephony.defaultCountry, now: deps.now() }),
      update: (id, b) => updateDoNotCall(db, id, b),
      remove: (id) => removeDoNotCall(db, id),
    }),
  ];
}
