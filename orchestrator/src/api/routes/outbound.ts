import { z } from 'zod';
import type { AuthUser } from '../../auth/types.js';
import { getAgentView } from '../../agents/repository.js';
import { outboundNumber } from '../../calls/outbound-numbers.js';
import { forbidden, HttpError, notFound, unavailable } from '../../http/errors.js';
import * as callbacks from '../../routing/callbacks.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { assertQueue, EVERYONE } from './common.js';

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

/** Calls agents place: click-to-dial from the workspace, calling back a callback request. */
export function outboundRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;

  const agentIdOf = (user: AuthUser): number => {
    if (user.agentId == null) throw forbidden('your user is not bound to an agent');
    return user.agentId;
  };

  async function callerAgent(user: AuthUser) {
    const agent = await getAgentView(db, agentIdOf(user));
    if (!agent) throw notFound(`agent ${user.agentId}`);
    if (agent.state !== 'available')
      throw new HttpError(
        409,
        'conflict',
        `you are ${agent.state.replace('_', ' ')}: become available to place a call`,
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
      guard: (user) => void agentIdOf(user),
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
        const callback = asked ? await callbacks.takeForCall(db, asked.id, agent.id) : null;
        const queueId = body.queueId ?? callback?.queueId ?? null;
        const { callId } = await calls.place({
          agent: { id: agent.id, name: agent.name, endpoint: agent.boundEndpoint ?? agent.endpoint },
          number: checked.e164,
          queueId,
        });
        if (callback) await callbacks.countCallbackAttempt(db, callback.id, callId);
        auditTarget(callId, { number: checked.e164, callbackId: callback?.id ?? null, queueId });
        return { callId, number: checked.e164, queueId, callbackId: callback?.id ?? null };
      },
    }),
  ];
}
