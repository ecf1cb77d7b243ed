import { z } from 'zod';
import { dialEndpoint, loadAgent } from '../../agents/repository.js';
import type { AuthUser } from '../../auth/types.js';
import { HttpError, notFound, unavailable } from '../../http/errors.js';
import { listRecordings } from '../../recording/index.js';
import * as repo from '../../calls/queries.js';
import { MONITOR_MODES } from '../../calls/supervision.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps, CallControls } from '../services.js';
import { isoTime, offsetOf, pageOf, pageQuery, stringIdParam } from '../validation.js';
import { agentScope, assertOwn, assertQueue, EVERYONE, queueScope, STAFF } from './common.js';

const callFilters = pageQuery.extend({
  from: isoTime.optional(),
  to: isoTime.optional(),
  queueId: z.coerce.number().int().positive().optional(),
  agentId: z.coerce.number().int().positive().optional(),
  customerId: z.coerce.number().int().positive().optional(),
  disposition: z.string().max(24).optional(),
  state: z.string().max(16).optional(),
  caller: z.string().max(32).optional(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  campaignId: z.coerce.number().int().positive().optional(),
});

type Control = {
  readonly path: string;
  readonly summary: string;
  readonly action: string;
  readonly body?: z.ZodType;
  run(calls: CallControls, callId: string, body: never): Promise<unknown>;
};

const CONTROLS: readonly Control[] = [
  { path: 'hangup', summary: 'Hang up the call', action: 'call.hangup', run: (c, id) => c.hangup(id) },
  { path: 'hold', summary: 'Put the caller on hold (music on hold)', action: 'call.hold', run: (c, id) => c.hold(id) },
  { path: 'unhold', summary: 'Take the caller off hold', action: 'call.unhold', run: (c, id) => c.unhold(id) },
  {
    path: 'transfer',
    summary: 'Transfer: blind (caller goes at once) or attended (consult first, then complete or cancel)',
    action: 'call.transfer',
    body: z
      .object({
        mode: z.enum(['blind', 'attended']).default('blind'),
        target: z
          .string()
          .trim()
          .regex(
            /^(queue:[A-Za-z0-9_.-]{1,64}|[A-Za-z0-9]+\/[A-Za-z0-9_.@-]{1,60}|\+?[0-9]{2,20})$/,
            'an endpoint (PJSIP/2001), a number, or queue:<name>',
          ),
      })
      .strict(),
    run: (c, id, body: { mode: 'blind' | 'attended'; target: string }) => c.transfer(id, body),
  },
  {
    path: 'transfer/conference',
    summary:
      'Bring the caller into the consultation: caller, agent and consulted party talk at once; then complete (the agent leaves) or cancel (the party is dropped)',
    action: 'call.conference',
    run: (c, id) => c.conference(id),
  },
  {
    path: 'transfer/complete',
    summary: 'Complete an attended transfer (from a consultation or a conference: the agent leaves)',
    action: 'call.transfer_complete',
    run: (c, id) => c.completeTransfer(id),
  },
  {
    path: 'transfer/cancel',
    summary:
      'Cancel an attended transfer, or drop the consulted party from a conference: the caller is back with the agent',
    action: 'call.transfer_cancel',
    run: (c, id) => c.cancelTransfer(id),
  },
  {
    path: 'recording/pause',
    summary: 'Pause the recording (e.g. while a card number is read)',
    action: 'call.recording_pause',
    run: (c, id) => c.pauseRecording(id),
  },
  {
    path: 'recording/resume',
    summary: 'Resume the recording',
    action: 'call.recording_resume',
    run: (c, id) => c.resumeRecording(id),
  },
  {
    path: 'disposition',
    summary: "Set the agent's disposition (outcome code); notes belong in a ticket",
    action: 'call.disposition',
    body: z
      .object({
        disposition: z
          .string()
          .trim()
          .regex(/^[A-Za-z0-9_.-]{1,64}$/, '1-64 letters, digits, _ . or -'),
      })
      .strict(),
    run: (c, id, body: { disposition: string }) => c.setDisposition(id, body.disposition),
  },
];

const monitorBody = z
  .object({
    mode: z.enum(MONITOR_MODES),
    endpoint: z
      .string()
      .trim()
      .regex(/^([A-Za-z0-9]+\/[A-Za-z0-9_.@-]{1,60}|\+?[0-9]{2,20})$/, 'an endpoint (PJSIP/2050) or a number')
      .optional(),
  })
  .strict();

export function callRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;

  /**
   * The phone of the user's own agent, which rings when they monitor a call without naming one: the one they logged
   * in at, as for the calls they take.
   */
  async function ownEndpoint(user: AuthUser): Promise<string> {
    const agent = user.agentId === null ? null : await loadAgent(db, user.agentId);
    if (!agent)
      throw new HttpError(400, 'bad_request', 'give the phone to ring (endpoint): you have no agent phone of your own');
    return dialEndpoint(agent);
  }

  function controls(): CallControls {
    const calls = deps.services.calls;
    if (!calls) throw unavailable('call control');
    return calls;
  }

  async function ownCall(user: AuthUser, id: string): Promise<void> {
    const owner = await repo.callOwner(db, id);
    if (!owner) throw notFound(`call ${id}`);
    assertQueue(user, owner.queueId, `call ${id}`);
    assertOwn(user, owner.agentId, 'call');
  }

  return [
    route({
      method: 'get',
      path: '/calls',
      tag: 'calls',
      summary: 'Search calls by time, queue, agent, disposition, state, caller or campaign (agents: their own only)',
      roles: EVERYONE,
      query: callFilters,
      async handler({ query, user }) {
        const scope = agentScope(user);
        const found = await repo.searchCalls(
          db,
          { ...query, agentId: scope ?? query.agentId, queueIds: queueScope(user) },
          offsetOf(query),
        );
        return pageOf(query, found);
      },
    }),
    route({
      method: 'get',
      path: '/calls/live',
      tag: 'calls',
      summary: 'Calls this orchestrator holds right now, with hold/consult/recording flags (agents: their own)',
      roles: EVERYONE,
      query: z.object({ queueId: z.coerce.number().int().positive().optional() }),
      async handler({ query, user }) {
        const live = deps.services.liveCalls;
        if (!live) throw unavailable('live calls');
        const scope = agentScope(user);
        const queues = queueScope(user);
        const items = live
          .list()
          .filter(
            (c) =>
              (scope === undefined || c.agentId === scope) &&
              (queues === undefined || (c.queueId != null && queues.includes(c.queueId))) &&
              (query.queueId === undefined || c.queueId === query.queueId),
          );
        // Agents are not told who listens in.
        const shown = scope === undefined ? items : items.map(({ monitoredBy: _, ...rest }) => rest);
        return { items: shown, total: shown.length };
      },
    }),
    route({
      method: 'get',
      path: '/calls/:id',
      tag: 'calls',
      summary: 'One call with its timeline (call events) and recordings',
      roles: EVERYONE,
      params: stringIdParam,
      async handler({ params, user }) {
        const call = await repo.getCall(db, params.id);
        if (!call) throw notFound(`call ${params.id}`);
        assertQueue(user, call.queueId, `call ${params.id}`);
        assertOwn(user, call.agentId, 'call');
        const [timeline, recordings] = await Promise.all([
          repo.callTimeline(db, params.id),
          listRecordings(db, { callId: params.id }, { offset: 0, limit: 20 }),
        ]);
        return { ...call, timeline, recordings: recordings.items };
      },
    }),
    route({
      method: 'get',
      path: '/call-events',
      tag: 'calls',
      summary: 'Call state transitions across calls, newest first',
      roles: STAFF,
      query: pageQuery.extend({
        from: isoTime.optional(),
        to: isoTime.optional(),
        event: z.string().max(32).optional(),
        agentId: z.coerce.number().int().positive().optional(),
      }),
      async handler({ query, user }) {
        return pageOf(query, await repo.listCallEvents(db, { ...query, queueIds: queueScope(user) }, offsetOf(query)));
      },
    }),
    route({
      method: 'post',
      path: '/calls/:id/monitor',
      tag: 'call-control',
      summary:
        "Listen to a connected call, whisper to its agent or barge in, from the supervisor's phone (endpoint; default: their own agent's); again with another mode, changes it without ringing",
      roles: STAFF,
      params: stringIdParam,
      body: monitorBody,
      audit: { action: 'call.monitor', targetType: 'call' },
      async handler({ params, body, user, auditTarget }) {
        await ownCall(user, params.id);
        const endpoint = body.endpoint ?? (await ownEndpoint(user));
        const session = await controls().monitor(params.id, {
          mode: body.mode,
          endpoint,
          supervisor: { userId: user.id, name: user.displayName },
        });
        auditTarget(params.id, { mode: body.mode, endpoint });
        return session;
      },
    }),
    route({
      method: 'delete',
      path: '/calls/:id/monitor',
      tag: 'call-control',
      summary: "Stop listening: the supervisor's phone is hung up, the call goes on",
      roles: STAFF,
      params: stringIdParam,
      audit: { action: 'call.monitor_stop', targetType: 'call' },
      async handler({ params, user }) {
        await ownCall(user, params.id);
        await controls().stopMonitor(params.id, user.id);
        return { ok: true, callId: params.id };
      },
    }),
    ...CONTROLS.map((c) =>
      route({
        method: 'post',
        path: `/calls/:id/${c.path}`,
        tag: 'call-control',
        summary: `${c.summary} (agents: their own calls)`,
        roles: EVERYONE,
        params: stringIdParam,
        body: c.body as z.ZodType | undefined as z.ZodUndefined,
        audit: { action: c.action, targetType: 'call' },
        async handler({ params, body, user }) {
          // Whose call it is first: a call the user may not see is not found, whatever else is wired.
          await ownCall(user, params.id);
          await c.run(controls(), params.id, body as never);
          return { ok: true, callId: params.id };
        },
      }),
    ),
  ];
}
