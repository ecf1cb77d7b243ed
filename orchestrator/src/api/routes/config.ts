import { compileExpression } from 'filtrex';
import { z } from 'zod';
import { unavailable } from '../../http/errors.js';
import * as repo from '../owners-pending.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { isoTime } from '../validation.js';
import { crud } from './crud.js';
import { EVERYONE, STAFF } from './common.js';

const name = z.string().trim().regex(/^[A-Za-z0-9_.-]{1,64}$/, '1-64 letters, digits, _ . or -');
const anyObject = z.record(z.string(), z.unknown());
const hhmm = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'a time such as 09:00');
const span = z.tuple([hhmm, hhmm]);
const day = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

const skillLevel = z.number().int().min(1).max(10);
const queueSkill = z.object({ skill: name, minLevel: skillLevel }).strict();
const overflowStep = z
  .object({
    afterSeconds: z.number().int().min(1).max(86_400),
    action: z.enum(['widen_skills', 'add_site', 'move_queue']),
    site: z.string().max(64).optional(),
    queue: z.string().max(64).optional(),
  })
  .strict();

const queueFields = {
  displayName: z.string().trim().min(1).max(128),
  strategy: z.enum(['longest_idle', 'fewest_calls', 'skill_score', 'round_robin', 'ring_all']),
  ringTimeoutS: z.number().int().min(5).max(300),
  wrapUpS: z.number().int().min(0).max(3600),
  serviceLevelS: z.number().int().min(1).max(3600),
  maxWaitS: z.number().int().min(10).max(86_400),
  maxWaitAction: z.enum(['voicemail', 'callback', 'hangup', 'queue']),
  maxWaitTarget: z.string().max(64).nullable(),
  announceIntervalS: z.number().int().min(0).max(3600),
  mohClass: z.string().min(1).max(64),
  callbackDigit: z.string().regex(/^[0-9*#]$/, 'one DTMF key').nullable(),
  joinWhenEmpty: z.boolean(),
  leaveWhenEmpty: z.boolean(),
  recordCalls: z.boolean(),
  retentionDays: z.number().int().min(1).max(3650),
  autoPauseAfterMisses: z.number().int().min(0).max(100),
  whisperQueueName: z.boolean(),
  businessHoursId: z.number().int().positive().nullable(),
  overflow: z.array(overflowStep).max(10),
  skills: z.array(queueSkill).max(20),
};
const queueCreate = z.object({ name, ...queueFields, displayName: queueFields.displayName }).partial().required({ name: true, displayName: true }).strict();
const queueUpdate = z.object({ name, ...queueFields }).partial().strict();

const agentFields = {
  name: z.string().trim().min(1).max(128),
  endpoint: z.string().regex(/^[A-Za-z0-9]+\/[A-Za-z0-9_.@-]{1,60}$/, 'a dial string such as PJSIP/2001'),
  site: z.string().min(1).max(64),
  capacity: z.number().int().min(1).max(10),
  userId: z.number().int().positive().nullable(),
  skills: z.array(z.object({ skill: name, level: skillLevel }).strict()).max(50),
};
const agentCreate = z.object(agentFields).partial().required({ name: true, endpoint: true }).strict();
const agentUpdate = z.object(agentFields).partial().strict();

/**
 * Syntax only: names and functions are resolved by the router when it evaluates, so a rule may use whatever the
 * router provides. A typo that cannot parse is refused at save time instead of silently never matching.
 */
function expressionSyntaxError(expr: string): string | null {
  try {
    compileExpression(expr);
    return null;
  } catch (err) {
    const lines = String((err as Error).message).split('\n');
    return `not a valid expression: ${lines[lines.length - 1] ?? lines[0]}`;
  }
}

const ruleFields = {
  position: z.number().int().min(0).max(1_000_000),
  name: z.string().trim().min(1).max(128),
  expression: z
    .string()
    .trim()
    .min(1, 'required (use "true" for a catch-all)')
    .max(4000)
    .superRefine((expr, ctx) => {
      const problem = expressionSyntaxError(expr);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  queueId: z.number().int().positive(),
  priority: z.number().int().min(0).max(100),
  requiredSkills: z.array(queueSkill).max(20),
  enabled: z.boolean(),
  isDefault: z.boolean(),
};
const ruleCreate = z.object(ruleFields).partial().required({ name: true, expression: true, queueId: true }).strict();
const ruleUpdate = z.object(ruleFields).partial().strict();

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
    .array(z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'), name: z.string().min(1).max(128), openSpans: z.array(span).max(8).nullable() }).strict())
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
  return [
    ...crud({
      base: '/skills',
      tag: 'skills',
      noun: 'skill',
      readRoles: EVERYONE,
      item: z.object({ id: z.number(), name: z.string(), description: z.string().nullable() }),
      createBody: z.object({ name, description: z.string().max(255).nullable().optional() }).strict(),
      updateBody: z.object({ name: name.optional(), description: z.string().max(255).nullable().optional() }).strict(),
      list: (_f, s) => repo.listSkills(db, s),
      get: (id) => repo.getSkill(db, id),
      create: (b) => repo.createSkill(db, b),
      update: (id, b) => repo.updateSkill(db, id, b),
      remove: (id) => repo.deleteSkill(db, id),
    }),
    ...crud({
      base: '/queues',
      tag: 'queues',
      noun: 'queue',
      // Agents see queues too: transfer targets and their own wallboard line.
      readRoles: EVERYONE,
      item: anyObject,
      createBody: queueCreate,
      updateBody: queueUpdate,
      list: (_f, s) => repo.listQueues(db, s),
      get: (id) => repo.getQueue(db, id),
      create: (b) => repo.createQueue(db, b),
      update: (id, b) => repo.updateQueue(db, id, b),
      remove: (id) => repo.deleteQueue(db, id),
      changed: (queueId) => bus.publish('queue.changed', { queueId }),
    }),
    ...crud({
      base: '/agents',
      tag: 'agents',
      noun: 'agent',
      readRoles: STAFF,
      item: anyObject,
      filters: z.object({ state: z.string().max(16).optional(), site: z.string().max(64).optional(), q: z.string().max(64).optional() }),
      createBody: agentCreate,
      updateBody: agentUpdate,
      list: (f, s) => repo.listAgents(db, f, s),
      get: (id) => repo.getAgent(db, id),
      create: (b) => repo.createAgent(db, b),
      update: (id, b) => repo.updateAgent(db, id, b),
      remove: (id) => repo.deleteAgent(db, id),
    }),
    ...crud({
      base: '/routing-rules',
      tag: 'routing-rules',
      noun: 'routing rule',
      readRoles: STAFF,
      item: anyObject,
      createBody: ruleCreate,
      updateBody: ruleUpdate,
      list: (_f, s) => repo.listRules(db, s),
      get: (id) => repo.getRule(db, id),
      create: (b) => repo.createRule(db, b),
      update: (id, b) => repo.updateRule(db, id, b),
      remove: (id) => repo.deleteRule(db, id),
    }),
    route({
      method: 'post',
      path: '/routing-rules/test',
      tag: 'routing-rules',
      summary: 'Run the router on a sample call: which rule matches, which queue, priority and skills',
      roles: STAFF,
      body: routingSample,
      audit: null,
      async handler({ body }) {
        const router = deps.services.routing;
        if (!router) throw unavailable('routing');
        const result = await router.test({ ...body, now: body.now ?? deps.now() });
        return { result };
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
      update: (id, b) => repo.updateHours(db, id, b),
      remove: (id) => repo.deleteHours(db, id),
    }),
  ];
}
