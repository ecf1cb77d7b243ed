import { z } from 'zod';
import { notFound, unavailable } from '../../http/errors.js';
import { getAgentView as getAgent } from '../../agents/repository.js';
import { route, type ApiRoute } from '../registry.js';
import type { AgentActions, ApiDeps } from '../services.js';
import { idParam } from '../validation.js';
import { contactCenterTimeZone } from '../../config/schema.js';
import { agentToday } from '../../reports/index.js';
import {
  removeSoftphonePassword,
  setSoftphonePassword,
  softphoneFor,
  softphoneStatus,
} from '../../agents/softphone.js';
import { ADMIN, boundAgent, EVERYONE, STAFF, today } from './common.js';

/** The agent row of the signed-in user; anyone bound to an agent (a supervisor who also takes calls, too). */

export function agentActionRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  const actions = (): AgentActions => {
    const a = deps.services.agents;
    if (!a) throw unavailable('agent presence');
    return a;
  };
  const me = async (id: number) => {
    const agent = await getAgent(db, id);
    if (!agent) throw notFound(`agent ${id}`);
    return agent;
  };

  const action = (
    path: string,
    summary: string,
    auditAction: string,
    body: z.ZodType | undefined,
    run: (a: AgentActions, id: number, body: never) => Promise<unknown>,
  ): ReturnType<typeof route> =>
    route({
      method: 'post',
      path: `/agent/${path}`,
      tag: 'agent',
      summary,
      roles: EVERYONE,
      body: body as z.ZodUndefined,
      guard: (user) => void boundAgent(user),
      audit: { action: auditAction, targetType: 'agent' },
      async handler({ user, body: b, auditTarget }) {
        const id = boundAgent(user);
        await run(actions(), id, b as never);
        auditTarget(id, b);
        return me(id);
      },
    });

  const supervise = (
    path: string,
    summary: string,
    auditAction: string,
    body: z.ZodType | undefined,
    run: (a: AgentActions, id: number, body: never) => Promise<unknown>,
  ): ReturnType<typeof route> =>
    route({
      method: 'post',
      path: `/agents/:id/${path}`,
      tag: 'agents',
      summary,
      roles: STAFF,
      params: idParam,
      body: body as z.ZodUndefined,
      audit: { action: auditAction, targetType: 'agent' },
      async handler({ params, body: b }) {
        await me(params.id);
        await run(actions(), params.id, b as never);
        return me(params.id);
      },
    });

  return [
    supervise(
      'pause',
      'Pause an agent on their behalf (supervisor)',
      'agent.pause_by_supervisor',
      z.object({ reason: z.string().trim().min(1, 'required').max(64) }).strict(),
      (a, id, b: { reason: string }) => a.pause(id, b.reason),
    ),
    supervise(
      'unpause',
      'Make a paused agent available (supervisor)',
      'agent.unpause_by_supervisor',
      undefined,
      (a, id) => a.unpause(id),
    ),
    supervise(
      'logout',
      'Log an agent out (supervisor), e.g. one who left without logging out',
      'agent.logout_by_supervisor',
      undefined,
      (a, id) => a.logout(id),
    ),
    route({
      method: 'get',
      path: '/agent/me',
      tag: 'agent',
      summary: "The signed-in user's agent: state, skills, bound endpoint",
      roles: EVERYONE,
      async handler({ user }) {
        return me(boundAgent(user));
      },
    }),
    route({
      method: 'get',
      path: '/agent/me/softphone',
      tag: 'agent',
      summary:
        "What the workspace's softphone registers with: Asterisk's WebSocket, the agent's SIP URI and password, ICE servers",
      roles: EVERYONE,
      guard: (user) => void boundAgent(user),
      async handler({ user, res }) {
        // It carries a SIP password: no cache may keep it.
        res.set('Cache-Control', 'no-store');
        return softphoneFor(db, await me(boundAgent(user)), deps.config.softphone);
      },
    }),
    route({
      method: 'get',
      path: '/agents/:id/softphone',
      tag: 'agents',
      summary: "Whether the agent's softphone password is set (never the password)",
      roles: STAFF,
      params: idParam,
      async handler({ params }) {
        await me(params.id);
        return softphoneStatus(db, params.id);
      },
    }),
    route({
      method: 'put',
      path: '/agents/:id/softphone',
      tag: 'agents',
      summary: "Set the agent's softphone password: their WebRTC endpoint's auth secret in pjsip_agents.conf",
      roles: ADMIN,
      params: idParam,
      body: z.object({ password: z.string().min(8, 'at least 8 characters').max(128) }).strict(),
      audit: { action: 'agent.softphone', targetType: 'agent' },
      async handler({ params, body }) {
        await me(params.id);
        await setSoftphonePassword(db, params.id, body.password, deps.now());
        return softphoneStatus(db, params.id);
      },
    }),
    route({
      method: 'delete',
      path: '/agents/:id/softphone',
      tag: 'agents',
      summary: "Remove the agent's softphone password (their workspace offers no softphone)",
      roles: ADMIN,
      params: idParam,
      status: 204,
      audit: { action: 'agent.softphone_remove', targetType: 'agent' },
      async handler({ params }) {
        if (!(await removeSoftphonePassword(db, params.id)))
          throw notFound(`a softphone password of agent ${params.id}`);
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/agent/me/today',
      tag: 'agent',
      summary:
        "The signed-in agent's day so far, live: logged-in and paused time (per reason), calls answered, talk, after-call work, occupancy",
      roles: EVERYONE,
      guard: (user) => void boundAgent(user),
      async handler({ user }) {
        const now = deps.now();
        const timeZone = contactCenterTimeZone(deps.config);
        return agentToday(db, boundAgent(user), today(now, timeZone), timeZone, now);
      },
    }),
    action(
      'login',
      "Log in to take calls, binding a SIP endpoint (default: the agent's own)",
      'agent.login',
      z
        .object({
          endpoint: z
            .string()
            .regex(/^[A-Za-z0-9]+\/[A-Za-z0-9_.@-]{1,60}$/, 'a dial string such as PJSIP/2001')
            .optional(),
        })
        .strict(),
      (a, id, b: { endpoint?: string }) => a.login(id, b.endpoint),
    ),
    action('logout', 'Log out (stop taking calls)', 'agent.logout', undefined, (a, id) => a.logout(id)),
    action(
      'pause',
      'Pause with a reason (break, lunch, training, ...)',
      'agent.pause',
      z.object({ reason: z.string().trim().min(1, 'required').max(64) }).strict(),
      (a, id, b: { reason: string }) => a.pause(id, b.reason),
    ),
    action('unpause', 'Become available again', 'agent.unpause', undefined, (a, id) => a.unpause(id)),
    action('wrap-up/end', 'End after-call work now', 'agent.end_wrap_up', undefined, (a, id) => a.endWrapUp(id)),
  ];
}
