import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { insertedId, skillIdsByName } from '../agents/repository.js';
import type { Db } from '../db/knex.js';
import { parseJson, toDate } from '../db/time.js';
import type { SkillRequirement } from './types.js';
import { SURVEY_CHANNELS, surveyChannelOf, type SurveyChannel } from '../surveys/replies.js';
import { media } from '../ivr/schema.js';

/**
 * Reads and writes of queues, skills, queue skills and routing rules (the routing/ tables). The ACD and the
 * router read through loadQueues/loadRules; the API's CRUD goes through the validated functions below.
 */

export const STRATEGIES = ['longest_idle', 'fewest_calls', 'skill_score', 'round_robin', 'ring_all'] as const;
export type Strategy = (typeof STRATEGIES)[number];
export const MAX_WAIT_ACTIONS = ['voicemail', 'callback', 'hangup', 'queue'] as const;
export type MaxWaitAction = (typeof MAX_WAIT_ACTIONS)[number];

const skillName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, '1-64 letters, digits, _ . or -');
const level = z.number().int().min(1).max(10);
export const skillRequirement = z.object({ skill: skillName, minLevel: level }).strict();

/**
 * One overflow step of queues.overflow (JSON array, steps in time order):
 * - widen_skills: the first one lowers every required level to 1, a second one drops the requirements;
 * - add_site: agents of `site` join the pool (a site named in any add_site step is a backup pool, left out
 *   until its step fires);
 * - move_queue: the call moves to `queue` (by name) and starts over there.
 */
export const overflowStep = z.discriminatedUnion('action', [
  z
    .object({
      afterSeconds: z.number().int().min(1).max(86_400),
      action: z.literal('widen_skills'),
      site: z.string().max(64).optional(),
      queue: z.string().max(64).optional(),
    })
    .strict(),
  z
    .object({
      afterSeconds: z.number().int().min(1).max(86_400),
      action: z.literal('add_site'),
      site: z.string().trim().min(1).max(64),
      queue: z.string().max(64).optional(),
    })
    .strict(),
  z
    .object({
      afterSeconds: z.number().int().min(1).max(86_400),
      action: z.literal('move_queue'),
      queue: z.string().trim().min(1).max(64),
      site: z.string().max(64).optional(),
    })
    .strict(),
]);
export type OverflowStep = z.infer<typeof overflowStep>;
export const overflowSteps = z.array(overflowStep).max(10);

export interface QueueConfig {
  readonly id: number;
  readonly name: string;
  readonly displayName: string;
  readonly strategy: Strategy;
  readonly ringTimeoutSeconds: number;
  readonly wrapUpSeconds: number;
  readonly maxWaitSeconds: number;
  readonly maxWaitAction: MaxWaitAction;
  readonly maxWaitTarget: string | null;
  readonly joinWhenEmpty: boolean;
  readonly leaveWhenEmpty: boolean;
  readonly autoPauseAfterMisses: number;
  readonly skills: readonly SkillRequirement[];
  /** Sorted by afterSeconds. */
  readonly overflow: readonly OverflowStep[];
  // The rest of the row (the ACD does not use these; the API shows them).
  readonly serviceLevelSeconds: number;
  readonly announceIntervalSeconds: number;
  readonly mohClass: string;
  readonly callbackDigit: string | null;
  readonly recordCalls: boolean;
  readonly retentionDays: number;
  /** Recordings are transcribed once stored (recording/transcripts.ts). */
  readonly transcribe: boolean;
  readonly whisperQueueName: boolean;
  readonly survey: SurveyChannel;
  /** The SMS survey's own text (`{queue}` = the display name); null: the built-in wording. */
  readonly surveyText: string | null;
  /** The IVR survey's question (media such as sound:custom/acme-survey); null: the shipped one. */
  readonly surveyPrompt: string | null;
  readonly businessHoursId: number | null;
  /** Problems found reading this row (bad overflow JSON): logged by the loader's caller. */
  readonly problems: readonly string[];
}

type Row = Record<string, unknown>;

const bool = (v: unknown): boolean => Boolean(Number(v));

function parseOverflow(text: unknown): { steps: OverflowStep[]; problems: string[] } {
  const raw = parseJson<unknown>(text, null);
  if (raw === null)
    return {
      steps: [],
      problems: typeof text === 'string' && text.trim() !== '' && text.trim() !== '[]' ? ['overflow is not JSON'] : [],
    };
  if (!Array.isArray(raw)) return { steps: [], problems: ['overflow is not a JSON array'] };
  const steps: OverflowStep[] = [];
  const problems: string[] = [];
  raw.forEach((item, i) => {
    const parsed = overflowStep.safeParse(item);
    if (parsed.success) steps.push(parsed.data);
    else
      problems.push(
        `overflow step ${i + 1} ignored: ${parsed.error.issues.map((x) => `${x.path.join('.') || 'step'}: ${x.message}`).join('; ')}`,
      );
  });
  steps.sort((a, b) => a.afterSeconds - b.afterSeconds);
  return { steps, problems };
}

export function rowToQueue(row: Row, skills: readonly SkillRequirement[]): QueueConfig {
  const { steps, problems } = parseOverflow(row.overflow);
  const strategy = (STRATEGIES as readonly string[]).includes(String(row.strategy))
    ? (row.strategy as Strategy)
    : 'longest_idle';
  const action = (MAX_WAIT_ACTIONS as readonly string[]).includes(String(row.max_wait_action))
    ? (row.max_wait_action as MaxWaitAction)
    : 'voicemail';
  return {
    id: Number(row.id),
    name: String(row.name),
    displayName: String(row.display_name ?? row.name),
    strategy,
    ringTimeoutSeconds: Math.max(1, Number(row.ring_timeout_s ?? 20)),
    wrapUpSeconds: Math.max(0, Number(row.wrap_up_s ?? 0)),
    maxWaitSeconds: Math.max(0, Number(row.max_wait_s ?? 0)),
    maxWaitAction: action,
    maxWaitTarget: row.max_wait_target == null || row.max_wait_target === '' ? null : String(row.max_wait_target),
    joinWhenEmpty: row.join_when_empty == null ? true : bool(row.join_when_empty),
    leaveWhenEmpty: bool(row.leave_when_empty),
    autoPauseAfterMisses: Math.max(0, Number(row.auto_pause_after_misses ?? 0)),
    skills,
    overflow: steps,
    serviceLevelSeconds: Number(row.service_level_s ?? 20),
    announceIntervalSeconds: Number(row.announce_interval_s ?? 0),
    mohClass: String(row.moh_class || 'default'),
    callbackDigit: row.callback_digit == null || row.callback_digit === '' ? null : String(row.callback_digit),
    recordCalls: row.record_calls == null ? true : bool(row.record_calls),
    retentionDays: Number(row.retention_days ?? 90),
    transcribe: bool(row.transcribe),
    whisperQueueName: bool(row.whisper_queue_name),
    survey: surveyChannelOf(row.survey),
    surveyText: row.survey_text == null || row.survey_text === '' ? null : String(row.survey_text),
    surveyPrompt: row.survey_prompt == null || row.survey_prompt === '' ? null : String(row.survey_prompt),
    businessHoursId: row.business_hours_id == null ? null : Number(row.business_hours_id),
    problems,
  };
}

async function queueSkillMap(
  db: Db | Knex.Transaction,
  ids?: readonly number[],
): Promise<Map<number, SkillRequirement[]>> {
  const q = db('queue_skills as q')
    .join('skills as s', 's.id', 'q.skill_id')
    .select('q.queue_id', 's.name', 'q.min_level')
    .orderBy('s.name');
  if (ids) {
    if (ids.length === 0) return new Map();
    q.whereIn('q.queue_id', ids as number[]);
  }
  const out = new Map<number, SkillRequirement[]>();
  for (const r of (await q) as { queue_id: number; name: string; min_level: number }[]) {
    const list = out.get(Number(r.queue_id)) ?? [];
    list.push({ skill: String(r.name), minLevel: Number(r.min_level) });
    out.set(Number(r.queue_id), list);
  }
  return out;
}

export async function loadQueues(db: Db): Promise<QueueConfig[]> {
  const [rows, skills] = await Promise.all([db('queues').select('*') as Promise<Row[]>, queueSkillMap(db)]);
  return rows.map((r) => rowToQueue(r, skills.get(Number(r.id)) ?? []));
}

export async function loadQueue(db: Db, id: number): Promise<QueueConfig | null> {
  const row = (await db('queues').where({ id }).first()) as Row | undefined;
  if (!row) return null;
  return rowToQueue(row, (await queueSkillMap(db, [id])).get(id) ?? []);
}

export interface RuleRecord {
  readonly id: number;
  readonly position: number;
  readonly name: string;
  readonly expression: string;
  readonly queueId: number;
  readonly priority: number;
  readonly requiredSkills: readonly SkillRequirement[];
  readonly enabled: boolean;
  readonly isDefault: boolean;
  readonly updatedAt: Date | null;
}

export function rowToRule(r: Row): RuleRecord {
  const skills = z.array(skillRequirement).safeParse(parseJson<unknown>(r.required_skills, []));
  return {
    id: Number(r.id),
    position: Number(r.position),
    name: String(r.name),
    expression: String(r.expression ?? ''),
    queueId: Number(r.queue_id),
    priority: Number(r.priority ?? 0),
    requiredSkills: skills.success ? skills.data : [],
    enabled: bool(r.enabled),
    isDefault: bool(r.is_default),
    updatedAt: toDate(r.updated_at),
  };
}

/** Every rule in evaluation order (position, then id). */
export async function loadRules(db: Db): Promise<RuleRecord[]> {
  const rows = (await db('routing_rules')
    .select('*')
    .orderBy([{ column: 'position' }, { column: 'id' }])) as Row[];
  return rows.map(rowToRule);
}

/** Names of the business hours sets (ivr/ owns the table; in_hours() in rule expressions reads them). */
export async function businessHoursNames(db: Db): Promise<string[]> {
  return ((await db('business_hours').select('name').orderBy('name')) as { name: string }[]).map((r) => String(r.name));
}

/** A cheap fingerprint of the rules, queues and hours: when it changes, the router reloads. */
export async function routingFingerprint(db: Db): Promise<string> {
  // A hash of the rows themselves: a count, a sum of ids and the newest updated_at missed a second edit made in
  // the same millisecond as the one before it. These tables hold tens to hundreds of rows, read every few seconds.
  const hash = createHash('sha256');
  for (const t of ['routing_rules', 'queues', 'business_hours']) {
    const rows = (await db(t).orderBy('id').select('*')) as Row[];
    hash.update(`${t}:${JSON.stringify(rows)}|`);
  }
  return hash.digest('hex');
}

// --- CRUD for the API ------------------------------------------------------------------------------------------

export class NotFoundError extends Error {
  readonly code = 'not_found';
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

// skills

export const skillInput = z
  .object({ name: skillName, description: z.string().max(255).nullable() })
  .partial()
  .strict();
export interface SkillView {
  id: number;
  name: string;
  description: string | null;
}
const skillView = (r: Row): SkillView => ({
  id: Number(r.id),
  name: String(r.name),
  description: r.description == null ? null : String(r.description),
});

export async function listSkills(db: Db): Promise<SkillView[]> {
  return ((await db('skills').select('id', 'name', 'description').orderBy('name')) as Row[]).map(skillView);
}
export async function getSkill(db: Db, id: number): Promise<SkillView | null> {
  const r = (await db('skills').where({ id }).first('id', 'name', 'description')) as Row | undefined;
  return r ? skillView(r) : null;
}
export async function createSkill(db: Db, input: unknown): Promise<SkillView> {
  const v = skillInput.required({ name: true }).parse(input);
  const id = insertedId(await db('skills').insert({ name: v.name, description: v.description ?? null }));
  return (await getSkill(db, id)) as SkillView;
}
export async function updateSkill(db: Db, id: number, input: unknown): Promise<SkillView | null> {
  const v = skillInput.parse(input);
  const c: Row = {};
  if (v.name !== undefined) c.name = v.name;
  if (v.description !== undefined) c.description = v.description;
  if (Object.keys(c).length) await db('skills').where({ id }).update(c);
  return getSkill(db, id);
}
export async function deleteSkill(db: Db, id: number): Promise<boolean> {
  return Number(await db('skills').where({ id }).delete()) > 0;
}

// queues

export const queueInput = z
  .object({
    name: skillName,
    displayName: z.string().trim().min(1).max(128),
    strategy: z.enum(STRATEGIES),
    ringTimeoutS: z.number().int().min(5).max(300),
    wrapUpS: z.number().int().min(0).max(3600),
    serviceLevelS: z.number().int().min(1).max(3600),
    /** Wallboard alerts (0: off): the longest wait, callers waiting, the day's service level below target. */
    alertWaitS: z.number().int().min(0).max(86_400),
    alertWaiting: z.number().int().min(0).max(10_000),
    serviceLevelTargetPct: z.number().int().min(0).max(100),
    maxWaitS: z.number().int().min(10).max(86_400),
    maxWaitAction: z.enum(MAX_WAIT_ACTIONS),
    maxWaitTarget: z.string().max(64).nullable(),
    announceIntervalS: z.number().int().min(0).max(3600),
    mohClass: z.string().min(1).max(64),
    callbackDigit: z
      .string()
      .regex(/^[0-9*#]$/, 'one DTMF key')
      .nullable(),
    joinWhenEmpty: z.boolean(),
    leaveWhenEmpty: z.boolean(),
    recordCalls: z.boolean(),
    retentionDays: z.number().int().min(1).max(3650),
    transcribe: z.boolean(),
    autoPauseAfterMisses: z.number().int().min(0).max(100),
    whisperQueueName: z.boolean(),
    survey: z.enum(SURVEY_CHANNELS),
    surveyText: z
      .string()
      .trim()
      .min(10)
      .max(320)
      .refine((t) => t.includes('1') && t.includes('5'), 'say how to answer: a digit from 1 to 5')
      .nullable(),
    surveyPrompt: media.nullable(),
    businessHoursId: z.number().int().positive().nullable(),
    overflow: overflowSteps,
    skills: z.array(skillRequirement).max(20),
  })
  .partial()
  .strict();
export type QueueInput = z.infer<typeof queueInput>;

const QUEUE_COLUMNS: Record<Exclude<keyof QueueInput, 'skills' | 'overflow'>, string> = {
  name: 'name',
  displayName: 'display_name',
  strategy: 'strategy',
  ringTimeoutS: 'ring_timeout_s',
  wrapUpS: 'wrap_up_s',
  serviceLevelS: 'service_level_s',
  alertWaitS: 'alert_wait_s',
  alertWaiting: 'alert_waiting',
  serviceLevelTargetPct: 'service_level_target_pct',
  maxWaitS: 'max_wait_s',
  maxWaitAction: 'max_wait_action',
  maxWaitTarget: 'max_wait_target',
  announceIntervalS: 'announce_interval_s',
  mohClass: 'moh_class',
  callbackDigit: 'callback_digit',
  joinWhenEmpty: 'join_when_empty',
  leaveWhenEmpty: 'leave_when_empty',
  recordCalls: 'record_calls',
  retentionDays: 'retention_days',
  transcribe: 'transcribe',
  autoPauseAfterMisses: 'auto_pause_after_misses',
  whisperQueueName: 'whisper_queue_name',
  survey: 'survey',
  surveyText: 'survey_text',
  surveyPrompt: 'survey_prompt',
  businessHoursId: 'business_hours_id',
};

function queueColumns(v: QueueInput): Row {
  const out: Row = {};
  for (const [k, col] of Object.entries(QUEUE_COLUMNS) as [keyof typeof QUEUE_COLUMNS, string][])
    if (v[k] !== undefined) out[col] = v[k];
  if (v.overflow !== undefined) out.overflow = JSON.stringify(v.overflow);
  return out;
}

/** A move_queue step or a 'queue' max-wait action must name a queue that exists (and not the queue itself). */
async function checkQueueTargets(db: Db | Knex.Transaction, selfName: string | null, v: QueueInput): Promise<void> {
  const names = new Set<string>();
  for (const s of v.overflow ?? []) if (s.action === 'move_queue') names.add(s.queue);
  if (v.maxWaitAction === 'queue' && v.maxWaitTarget) names.add(v.maxWaitTarget);
  if (selfName && names.has(selfName))
    throw Object.assign(new Error(`a queue cannot overflow to itself (${selfName})`), { code: 'bad_request' });
  if (names.size === 0) return;
  const rows = (await db('queues')
    .whereIn('name', [...names])
    .select('name')) as { name: string }[];
  const missing = [...names].filter((n) => !rows.some((r) => r.name === n));
  if (missing.length) throw Object.assign(new Error(`unknown queue: ${missing.join(', ')}`), { code: 'bad_request' });
}

async function setQueueSkills(
  trx: Knex.Transaction,
  queueId: number,
  skills: readonly SkillRequirement[],
): Promise<void> {
  const ids = await skillIdsByName(
    trx,
    skills.map((s) => s.skill),
  );
  await trx('queue_skills').where({ queue_id: queueId }).delete();
  if (skills.length)
    await trx('queue_skills').insert(
      skills.map((s) => ({ queue_id: queueId, skill_id: ids.get(s.skill), min_level: s.minLevel })),
    );
}

/** One queue with its skills and overflow (null when it does not exist). */
export const getQueue = loadQueue;

export async function listQueueConfigs(db: Db): Promise<QueueConfig[]> {
  return (await loadQueues(db)).sort((a, b) => a.name.localeCompare(b.name));
}

export async function createQueue(db: Db, input: unknown): Promise<QueueConfig> {
  const v = queueInput.required({ name: true, displayName: true }).parse(input);
  await checkQueueTargets(db, v.name, v);
  const id = await db.transaction(async (trx) => {
    // MySQL gives TEXT columns no default: the empty overflow list is written explicitly.
    const qid = insertedId(
      await trx('queues').insert({ ...queueColumns(v), overflow: JSON.stringify(v.overflow ?? []) }),
    );
    if (v.skills) await setQueueSkills(trx, qid, v.skills);
    return qid;
  });
  return (await loadQueue(db, id)) as QueueConfig;
}

export async function updateQueue(db: Db, id: number, input: unknown): Promise<QueueConfig | null> {
  const v = queueInput.parse(input);
  const current = (await db('queues').where({ id }).first('id', 'name')) as { name: string } | undefined;
  if (!current) return null;
  await checkQueueTargets(db, v.name ?? current.name, v);
  await db.transaction(async (trx) => {
    await trx('queues')
      .where({ id })
      .update({ ...queueColumns(v), updated_at: new Date() });
    if (v.skills) await setQueueSkills(trx, id, v.skills);
  });
  return loadQueue(db, id);
}

export async function deleteQueue(db: Db, id: number): Promise<boolean> {
  return Number(await db('queues').where({ id }).delete()) > 0;
}

// agent skills (one agent's list; the whole agent is in agents/repository.ts)

export async function setSkillsOfAgent(db: Db, agentId: number, input: unknown): Promise<void> {
  const skills = z
    .array(z.object({ skill: skillName, level }).strict())
    .max(50)
    .parse(input);
  const exists = await db('agents').where({ id: agentId }).first('id');
  if (!exists) throw new NotFoundError(`agent ${agentId}`);
  await db.transaction(async (trx) => {
    const ids = await skillIdsByName(
      trx,
      skills.map((s) => s.skill),
    );
    await trx('agent_skills').where({ agent_id: agentId }).delete();
    if (skills.length)
      await trx('agent_skills').insert(
        skills.map((s) => ({ agent_id: agentId, skill_id: ids.get(s.skill), level: s.level })),
      );
    await trx('agents').where({ id: agentId }).update({ updated_at: new Date() });
  });
}

// routing rules

export const ruleInput = z
  .object({
    position: z.number().int().min(0).max(1_000_000),
    name: z.string().trim().min(1).max(128),
    expression: z.string().trim().min(1, 'required (use "true" for a catch-all)').max(4000),
    queueId: z.number().int().positive(),
    priority: z.number().int().min(0).max(100),
    requiredSkills: z.array(skillRequirement).max(20),
    enabled: z.boolean(),
    isDefault: z.boolean(),
  })
  .partial()
  .strict();
export type RuleInput = z.infer<typeof ruleInput>;

/** Checks an expression: returns a clear message or null. The router supplies it (routing/expressions.ts). */
export type ExpressionCheck = (expression: string) => string | null;

async function checkRule(db: Db, v: RuleInput, check: ExpressionCheck): Promise<void> {
  if (v.expression !== undefined) {
    const problem = check(v.expression);
    if (problem) throw Object.assign(new Error(`expression: ${problem}`), { code: 'bad_request' });
  }
  if (v.queueId !== undefined && !(await db('queues').where({ id: v.queueId }).first('id'))) {
    throw Object.assign(new Error(`unknown queue id ${v.queueId}`), { code: 'bad_request' });
  }
  if (v.requiredSkills?.length)
    await skillIdsByName(
      db,
      v.requiredSkills.map((s) => s.skill),
    );
}

function ruleColumns(v: RuleInput): Row {
  const out: Row = {};
  if (v.position !== undefined) out.position = v.position;
  if (v.name !== undefined) out.name = v.name;
  if (v.expression !== undefined) out.expression = v.expression;
  if (v.queueId !== undefined) out.queue_id = v.queueId;
  if (v.priority !== undefined) out.priority = v.priority;
  if (v.requiredSkills !== undefined) out.required_skills = JSON.stringify(v.requiredSkills);
  if (v.enabled !== undefined) out.enabled = v.enabled;
  if (v.isDefault !== undefined) out.is_default = v.isDefault;
  return out;
}

export async function listRules(db: Db): Promise<RuleRecord[]> {
  return loadRules(db);
}
export async function getRule(db: Db, id: number): Promise<RuleRecord | null> {
  const r = (await db('routing_rules').where({ id }).first()) as Row | undefined;
  return r ? rowToRule(r) : null;
}
/** Creates a rule (validated, expression checked); without a position it goes last. Call router.reload() after. */
export async function createRule(db: Db, input: unknown, check: ExpressionCheck): Promise<RuleRecord> {
  const v = ruleInput.required({ name: true, expression: true, queueId: true }).parse(input);
  await checkRule(db, v, check);
  let position = v.position;
  if (position === undefined) {
    const last = (await db('routing_rules').max({ p: 'position' }).first()) as Row | undefined;
    position = Number(last?.p ?? 0) + 10;
  }
  const id = insertedId(
    await db('routing_rules').insert({
      ...ruleColumns(v),
      position,
      required_skills: JSON.stringify(v.requiredSkills ?? []),
    }),
  );
  return (await getRule(db, id)) as RuleRecord;
}
export async function updateRule(
  db: Db,
  id: number,
  input: unknown,
  check: ExpressionCheck,
): Promise<RuleRecord | null> {
  const v = ruleInput.parse(input);
  if (!(await db('routing_rules').where({ id }).first('id'))) return null;
  await checkRule(db, v, check);
  await db('routing_rules')
    .where({ id })
    .update({ ...ruleColumns(v), updated_at: new Date() });
  return getRule(db, id);
}
export async function deleteRule(db: Db, id: number): Promise<boolean> {
  return Number(await db('routing_rules').where({ id }).delete()) > 0;
}
