import { z } from 'zod';
import { HttpError, unavailable } from '../../http/errors.js';
import {
  agentCreateInput,
  agentInput,
  createAgent,
  deleteAgent,
  getAgentView,
  listAgentViews,
  updateAgent,
} from '../../agents/repository.js';
import { withSoftphoneFlags } from '../../agents/softphone.js';
import {
  createPauseReason,
  deletePauseReason,
  getPauseReason,
  listPauseReasons,
  pauseReasonInput,
  updatePauseReason,
} from '../../agents/pause-reasons.js';
import { validateExpression } from '../../routing/expressions.js';
import { getQueueView, listQueueViews } from '../../routing/queue-views.js';
import * as routingRepo from '../../routing/repository.js';
import * as repo from '../../ivr/admin-queries.js';
import { usersOfName, type NamedThing } from '../../ivr/references.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { isoTime } from '../validation.js';
import { crud } from './crud.js';
import { EVERYONE, STAFF } from './common.js';

const name = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, '1-64 letters, digits, _ . or -');
const anyObject = z.record(z.string(), z.unknown());
const hhmm = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'a time such as 09:00');
const span = z.tuple([hhmm, hhmm]);
const day = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

const hoursFields = {
  name,
  timezone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as Asia/Shanghai'),
  weekly: z.partialRecord(day, z.array(span).max(8)),
  holidays: z
    .array(
      z
        .object({
          day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
          name: z.string().min(1).max(128),
          openSpans: z.array(span).max(8).nullable(),
        })
        .strict(),
    )
    .max(400),
};
const hoursCreate = z.object(hoursFields).partial().required({ name: true, weekly: true }).strict();
const hoursUpdate = z.object(hoursFields).partial().strict();

const routingSample = z
  .object({
    did: z.string().min(1).max(32),
    callerE164: z.string().max(20).nullable().default(null),
    customerId: z.number().int().positive().nullable().default(null),
    tier: z.enum(['standard', 'gold', 'diamond']).nullable().default(null),
    language: z.string().min(2).max(8).default('en'),
    ivr: z.record(z.string(), z.string()).default({}),
    recentCategories: z.array(z.string()).default([]),
    now: isoTime.optional(),
  })
  .strict();

export function configRoutes(deps: ApiDeps): ApiRoute[] {
  const { db, bus } = deps;
  // Without a gateway an SMS survey could never be sent: say so when it is chosen, not by silence after calls.
  const surveyCanBeSent = (b: { survey?: string }): void => {
    if (b.survey === 'sms' && !deps.config.sms.url)
      throw new HttpError(400, 'validation_failed', 'body.survey: SMS surveys need an SMS gateway (ARIADNE_SMS_URL)', [
        { in: 'body', field: 'survey', reason: 'SMS surveys need an SMS gateway (ARIADNE_SMS_URL)' },
      ]);
  };
  // Likewise a transcript without an engine.
  const transcriptsCanBeMade = (b: { transcribe?: boolean }): void => {
    const t = deps.config.transcription;
    const reason = 'transcripts need a speech-to-text engine (ARIADNE_TRANSCRIBE_COMMAND or ARIADNE_TRANSCRIBE_URL)';
    if (b.transcribe === true && !t.command && !t.url)
      throw new HttpError(400, 'validation_failed', `body.transcribe: ${reason}`, [
        { in: 'body', field: 'transcribe', reason },
      ]);
  };
  /** A queue or business hours set that flows, rules or queues name cannot lose that name (ivr/references.ts). */
  const keepWhileNamed = async (kind: NamedThing, id: number, newName?: string): Promise<void> => {
    const row = (await db(kind === 'queue' ? 'queues' : 'business_hours')
      .where({ id })
      .first('name')) as { name: string } | undefined;
    if (!row || (newName !== undefined && newName === row.name)) return;
    const users = await usersOfName(db, kind, row.name);
    if (users.length === 0) return;
    const what = kind === 'queue' ? `queue "${row.name}"` : `business hours "${row.name}"`;
    throw new HttpError(
      409,
      'conflict',
      `${what} cannot be ${newName === undefined ? 'deleted' : 'renamed'} while in use by ${users.join(', ')}`,
      { usedBy: users },
    );
  };
  const routing = () => deps.services.routing;
  // The running router knows the business hours its expressions may name; without it, the syntax and vocabulary.
  const checkExpression = (expr: string): string | null => routing()?.validate?.(expr) ?? validateExpression(expr);
  const rulesChanged = (): void => {
    routing()
      ?.reload?.()
      .catch(() => undefined);
  };
  return [
    ...crud({
      base: '/skills',
      tag: 'skills',
      noun: 'skill',
      readRoles: EVERYONE,
      item: z.object({ id: z.number(), name: z.string(), description: z.string().nullable() }),
      createBody: routingRepo.skillInput.required({ name: true }),
      updateBody: routingRepo.skillInput,
      list: async (_f, s) => slice(await routingRepo.listSkills(db), s),
      get: (id) => routingRepo.getSkill(db, id),
      create: (b) => routingRepo.createSkill(db, b),
      update: (id, b) => routingRepo.updateSkill(db, id, b),
      remove: (id) => routingRepo.deleteSkill(db, id),
      changed: rulesChanged,
    }),
    ...crud({
      base: '/queues',
      tag: 'queues',
      noun: 'queue',
      // Agents see queues too: transfer targets and their own wallboard line.
      readRoles: EVERYONE,
      item: anyObject,
      createBody: routingRepo.queueInput.required({ name: true, displayName: true }),
      updateBody: routingRepo.queueInput,
      // Reads show every editable column (routing's QueueConfig carries only what the ACD needs).
      list: (_f, s) => listQueueViews(db, s),
      get: (id) => getQueueView(db, id),
      create: async (b) => {
        surveyCanBeSent(b);
        transcriptsCanBeMade(b);
        const created = await routingRepo.createQueue(db, b);
        const view = await getQueueView(db, created.id);
        if (!view) throw new Error(`queue ${created.id} vanished after insert`);
        return { ...view, id: created.id };
      },
      update: async (id, b) => {
        surveyCanBeSent(b);
        transcriptsCanBeMade(b);
        if (b.name !== undefined) await keepWhileNamed('queue', id, b.name);
        return (await routingRepo.updateQueue(db, id, b)) ? getQueueView(db, id) : null;
      },
      remove: async (id) => {
        await keepWhileNamed('queue', id);
        return routingRepo.deleteQueue(db, id);
      },
      changed: (queueId) => {
        bus.publish('queue.changed', { queueId });
        rulesChanged();
      },
    }),
    ...crud({
      base: '/agents',
      tag: 'agents',
      noun: 'agent',
      readRoles: STAFF,
      item: anyObject,
      filters: z.object({
        state: z.string().max(16).optional(),
        site: z.string().max(64).optional(),
        q: z.string().max(64).optional(),
      }),
      createBody: agentCreateInput,
      updateBody: agentInput,
      list: async (f, s) => {
        const needle = f.q?.toLowerCase();
        const all = await listAgentViews(db, { state: f.state, site: f.site });
        const page = slice(
          needle
            ? all.filter((a) => a.name.toLowerCase().includes(needle) || a.endpoint.toLowerCase().includes(needle))
            : all,
          s,
        );
        return { ...page, items: await withSoftphoneFlags(db, page.items) };
      },
      get: async (id) => {
        const agent = await getAgentView(db, id);
        return agent ? ((await withSoftphoneFlags(db, [agent]))[0] ?? null) : null;
      },
      create: (b) => createAgent(db, b),
      update: (id, b) => updateAgent(db, id, b),
      remove: (id) => deleteAgent(db, id),
    }),
    ...crud({
      base: '/pause-reasons',
      tag: 'pause-reasons',
      noun: 'pause reason',
      // Agents read the list: their workspace's pause buttons.
      readRoles: EVERYONE,
      item: z.object({ id: z.number(), name: z.string(), code: z.string().nullable() }),
      createBody: pauseReasonInput.required({ name: true }),
      updateBody: pauseReasonInput,
      list: async (_f, s) => slice(await listPauseReasons(db), s),
      get: (id) => getPauseReason(db, id),
      create: (b) => createPauseReason(db, b),
      update: (id, b) => updatePauseReason(db, id, b),
      remove: (id) => deletePauseReason(db, id),
    }),
    ...crud({
      base: '/routing-rules',
      tag: 'routing-rules',
      noun: 'routing rule',
      readRoles: STAFF,
      item: anyObject,
      createBody: routingRepo.ruleInput.required({ name: true, expression: true, queueId: true }),
      updateBody: routingRepo.ruleInput,
      list: async (_f, s) => slice(await routingRepo.listRules(db), s),
      get: (id) => routingRepo.getRule(db, id),
      create: (b) => routingRepo.createRule(db, b, checkExpression),
      update: (id, b) => routingRepo.updateRule(db, id, b, checkExpression),
      remove: (id) => routingRepo.deleteRule(db, id),
      changed: rulesChanged,
    }),
    route({
      method: 'post',
      path: '/routing-rules/test',
      tag: 'routing-rules',
      summary: "Run the router on a sample call: the decision, and each rule's verdict",
      roles: STAFF,
      body: routingSample,
      audit: null,
      async handler({ body }) {
        const router = routing();
        if (!router) throw unavailable('routing');
        return router.test({ ...body, now: body.now ?? deps.now() });
      },
    }),
    ...crud({
      base: '/business-hours',
      tag: 'business-hours',
      noun: 'business hours set',
      readRoles: STAFF,
      item: anyObject,
      createBody: hoursCreate,
      updateBody: hoursUpdate,
      list: (_f, s) => repo.listHours(db, s),
      get: (id) => repo.getHours(db, id),
      create: (b) => repo.createHours(db, b),
      update: async (id, b) => {
        if (b.name !== undefined) await keepWhileNamed('business_hours', id, b.name);
        return repo.updateHours(db, id, b);
      },
      remove: async (id) => {
        await keepWhileNamed('business_hours', id);
        return repo.deleteHours(db, id);
      },
      changed: rulesChanged,
    }),
  ];
}

/** One page of a list the owner returns whole (hundreds of rows at most: skills, agents, rules). */
function slice<T>(all: readonly T[], s: { offset: number; limit: number }): { items: T[]; total: number } {
  return { items: all.slice(s.offset, s.offset + s.limit), total: all.length };
}
