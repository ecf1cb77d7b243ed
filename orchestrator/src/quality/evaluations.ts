import type { Knex } from 'knex';
import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { mapRow } from '../db/rows.js';
import { parseJson } from '../db/time.js';
import { answersSchema, scoreAnswers, type Answers, type ScorecardQuestion } from './score.js';

export interface Evaluation {
  readonly id: number;
  readonly callId: string;
  /** When the call arrived (or was placed). */
  readonly callAt: string | null;
  readonly agentId: number;
  readonly agentName: string | null;
  readonly queueId: number | null;
  readonly scorecardId: number;
  readonly scorecardName: string | null;
  readonly evaluatorId: number | null;
  readonly evaluatorName: string | null;
  /** The questions as they were when the call was scored. */
  readonly questions: readonly ScorecardQuestion[];
  readonly answers: Answers;
  readonly scorePct: number | null;
  readonly failedCritical: boolean;
  readonly comment: string | null;
  /** The agent's reply when they acknowledged it. */
  readonly agentComment: string | null;
  readonly acknowledgedAt: string | null;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
}

const comment = z.string().trim().max(4000).nullable();

export const evaluationInput = z
  .object({
    callId: z.string().trim().min(1, 'required').max(36),
    scorecardId: z.number().int().positive(),
    answers: answersSchema,
    comment: comment.optional(),
  })
  .strict();

export const evaluationPatch = z.object({ answers: answersSchema, comment }).partial().strict();

export type EvaluationInput = z.output<typeof evaluationInput>;
export type EvaluationPatch = z.output<typeof evaluationPatch>;

export type EvaluationRefusal =
  | 'call_not_found'
  | 'call_not_ended'
  | 'call_without_agent'
  | 'scorecard_not_found'
  | 'scorecard_inactive'
  | 'already_evaluated';

/** A write the data refuses; the route turns it into 404, 409 or 400. */
export class EvaluationError extends Error {
  constructor(
    readonly refusal: EvaluationRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'EvaluationError';
  }
}

const COLUMNS = [
  'e.*',
  'c.arrived_at as call_at',
  'a.name as agent_name',
  's.name as scorecard_name',
  'u.display_name as evaluator_name',
];

function base(db: Db): Knex.QueryBuilder {
  return db('evaluations as e')
    .join('calls as c', 'c.id', 'e.call_id')
    .leftJoin('agents as a', 'a.id', 'e.agent_id')
    .leftJoin('scorecards as s', 's.id', 'e.scorecard_id')
    .leftJoin('users as u', 'u.id', 'e.evaluator_id');
}

/** Rows → API objects the way every resource maps them (db/rows.ts): camelCase, ISO times, JSON parsed. */
const SHAPE = { json: ['questions', 'answers'], bools: ['failed_critical'], numbers: ['score_pct'] } as const;

function toEvaluation(row: Record<string, unknown>): Evaluation {
  return mapRow(row, SHAPE) as unknown as Evaluation;
}

export async function getEvaluation(db: Db, id: number): Promise<Evaluation | null> {
  const row = (await base(db).where('e.id', id).first(COLUMNS)) as Record<string, unknown> | undefined;
  return row ? toEvaluation(row) : null;
}

/**
 * Scores an ended call of an agent against an active scorecard. One evaluation per call and scorecard: a second
 * opinion is an edit of the first, so the agent's figures count each call once.
 */
export async function createEvaluation(
  db: Db,
  input: EvaluationInput,
  evaluatorId: number | null,
  now = new Date(),
): Promise<Evaluation> {
  const call = (await db('calls').where({ id: input.callId }).first('id', 'agent_id', 'queue_id', 'ended_at')) as
    { id: string; agent_id: number | null; queue_id: number | null; ended_at: unknown } | undefined;
  if (!call) throw new EvaluationError('call_not_found', `call ${input.callId} not found`);
  if (call.agent_id == null)
    throw new EvaluationError(
      'call_without_agent',
      `call ${input.callId} reached no agent: there is nobody to evaluate`,
    );
  if (call.ended_at == null) throw new EvaluationError('call_not_ended', `call ${input.callId} has not ended yet`);
  const card = (await db('scorecards').where({ id: input.scorecardId }).first('questions', 'active')) as
    { questions: unknown; active: unknown } | undefined;
  if (!card) throw new EvaluationError('scorecard_not_found', `scorecard ${input.scorecardId} not found`);
  if (!Number(card.active))
    throw new EvaluationError('scorecard_inactive', `scorecard ${input.scorecardId} is no longer in use`);
  if (await db('evaluations').where({ call_id: call.id, scorecard_id: input.scorecardId }).first('id'))
    throw new EvaluationError(
      'already_evaluated',
      `call ${call.id} is already evaluated on this scorecard: change that evaluation instead`,
    );
  const questions = parseJson<ScorecardQuestion[]>(card.questions, []);
  const score = scoreAnswers(questions, input.answers);
  const [id] = await db('evaluations').insert({
    call_id: call.id,
    agent_id: call.agent_id,
    queue_id: call.queue_id,
    scorecard_id: input.scorecardId,
    evaluator_id: evaluatorId,
    questions: JSON.stringify(questions),
    answers: JSON.stringify(input.answers),
    score_pct: score.scorePct,
    failed_critical: score.failedCritical,
    comment: input.comment ?? null,
    created_at: now,
    updated_at: now,
  });
  const created = await getEvaluation(db, Number(id));
  if (!created) throw new Error(`evaluation ${String(id)} vanished after insert`);
  return created;
}

/** Rescored on the questions it was made with; changed answers ask the agent to acknowledge it again. */
export async function updateEvaluation(
  db: Db,
  id: number,
  patch: EvaluationPatch,
  now = new Date(),
): Promise<Evaluation | null> {
  const current = await getEvaluation(db, id);
  if (!current) return null;
  const changes: Record<string, unknown> = { updated_at: now };
  if (patch.comment !== undefined) changes.comment = patch.comment;
  if (patch.answers !== undefined) {
    const score = scoreAnswers(current.questions, patch.answers);
    Object.assign(changes, {
      answers: JSON.stringify(patch.answers),
      score_pct: score.scorePct,
      failed_critical: score.failedCritical,
      acknowledged_at: null,
      agent_comment: null,
    });
  }
  await db('evaluations').where({ id }).update(changes);
  return getEvaluation(db, id);
}

export async function deleteEvaluation(db: Db, id: number): Promise<boolean> {
  return (await db('evaluations').where({ id }).delete()) > 0;
}

/** The agent has read it, with a reply if they want one (a disagreement goes to the evaluator this way). */
export async function acknowledgeEvaluation(
  db: Db,
  id: number,
  agentComment: string | null,
  now = new Date(),
): Promise<Evaluation | null> {
  const n = await db('evaluations')
    .where({ id })
    .update({ acknowledged_at: now, agent_comment: agentComment, updated_at: now });
  return n === 0 ? null : getEvaluation(db, id);
}

export interface EvaluationFilter {
  readonly agentId?: number;
  /** A supervisor's queues: only evaluations of calls in them. */
  readonly queueIds?: readonly number[];
  readonly scorecardId?: number;
  readonly callId?: string;
  readonly from?: Date;
  readonly to?: Date;
  readonly unacknowledged?: boolean;
}

function filtered(q: Knex.QueryBuilder, f: EvaluationFilter): Knex.QueryBuilder {
  if (f.agentId !== undefined) q.where('e.agent_id', f.agentId);
  if (f.queueIds !== undefined) q.whereIn('e.queue_id', [...f.queueIds]);
  if (f.scorecardId !== undefined) q.where('e.scorecard_id', f.scorecardId);
  if (f.callId !== undefined) q.where('e.call_id', f.callId);
  if (f.from) q.where('e.created_at', '>=', f.from);
  if (f.to) q.where('e.created_at', '<', f.to);
  if (f.unacknowledged) q.whereNull('e.acknowledged_at');
  return q;
}

export async function listEvaluations(
  db: Db,
  f: EvaluationFilter,
  slice: { offset: number; limit: number },
): Promise<{ items: Evaluation[]; total: number }> {
  const q = filtered(base(db), f);
  const [{ n }] = (await q.clone().count({ n: 'e.id' })) as [{ n: number | string }];
  const rows = (await q
    .orderBy('e.created_at', 'desc')
    .orderBy('e.id', 'desc')
    .offset(slice.offset)
    .limit(slice.limit)
    .select(COLUMNS)) as Record<string, unknown>[];
  return { items: rows.map(toEvaluation), total: Number(n) };
}

export interface AgentQuality {
  readonly agentId: number;
  readonly agentName: string | null;
  readonly evaluations: number;
  /** Over the evaluations with a score (all questions "not applicable" leaves none). */
  readonly averageScorePct: number | null;
  readonly lowestScorePct: number | null;
  readonly criticalFails: number;
  readonly unacknowledged: number;
}

/** Each agent's evaluations in the period: how many, their average and lowest score, critical fails. */
export async function qualityByAgent(db: Db, f: EvaluationFilter): Promise<AgentQuality[]> {
  const rows = (await filtered(base(db), f)
    .groupBy('e.agent_id', 'a.name')
    .orderBy('a.name')
    .select(
      'e.agent_id',
      'a.name as agent_name',
      db.raw('count(*) as evaluations'),
      db.raw('avg(e.score_pct) as average'),
      db.raw('min(e.score_pct) as lowest'),
      db.raw('sum(case when e.failed_critical then 1 else 0 end) as critical_fails'),
      db.raw('sum(case when e.acknowledged_at is null then 1 else 0 end) as unacknowledged'),
    )) as Record<string, unknown>[];
  return rows.map((r) => ({
    agentId: Number(r.agent_id),
    agentName: r.agent_name == null ? null : String(r.agent_name),
    evaluations: Number(r.evaluations),
    averageScorePct: r.average == null ? null : Math.round(Number(r.average) * 100) / 100,
    lowestScorePct: r.lowest == null ? null : Number(r.lowest),
    criticalFails: Number(r.critical_fails ?? 0),
    unacknowledged: Number(r.unacknowledged ?? 0),
  }));
}
