import { z } from 'zod';
import type { AuthUser } from '../../auth/types.js';
import { contactCenterTimeZone } from '../../config/schema.js';
import { HttpError, notFound } from '../../http/errors.js';
import {
  acknowledgeEvaluation,
  createEvaluation,
  deleteEvaluation,
  EvaluationError,
  evaluationInput,
  evaluationPatch,
  getEvaluation,
  listEvaluations,
  qualityByAgent,
  updateEvaluation,
  type Evaluation,
  type EvaluationRefusal,
} from '../../quality/evaluations.js';
import { AnswersError } from '../../quality/score.js';
import {
  createScorecard,
  deleteScorecard,
  getScorecard,
  listScorecards,
  scorecardInput,
  updateScorecard,
} from '../../quality/scorecards.js';
import { checkRange, reportDay, toCsv } from '../../reports/index.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { idParam, offsetOf, pageOf, pageQuery, queryBool } from '../validation.js';
import {
  ADMIN,
  agentScope,
  assertCallOf,
  assertOwn,
  assertQueue,
  EVERYONE,
  format,
  queueScope,
  sendCsv,
  STAFF,
} from './common.js';

const anyObject = z.object({}).passthrough();
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

const REFUSAL_STATUS: Record<EvaluationRefusal, number> = {
  call_not_found: 404,
  scorecard_not_found: 400,
  call_not_ended: 409,
  call_without_agent: 409,
  scorecard_inactive: 409,
  already_evaluated: 409,
};

/** The domain's refusals as HTTP answers: wrong answers name their question, like any field error. */
function asHttp(err: unknown): never {
  if (err instanceof AnswersError)
    throw new HttpError(
      400,
      'validation_failed',
      `body.answers: ${err.message}`,
      err.problems.map((p) => ({ in: 'body', field: `answers.${p.key}`, reason: p.reason })),
    );
  if (err instanceof EvaluationError) {
    const status = REFUSAL_STATUS[err.refusal];
    if (status === 400)
      throw new HttpError(400, 'validation_failed', `body.scorecardId: ${err.message}`, [
        { in: 'body', field: 'scorecardId', reason: err.message },
      ]);
    throw new HttpError(status, status === 404 ? 'not_found' : 'conflict', err.message);
  }
  throw err;
}

/** An evaluation the user may see: an agent their own, a supervisor those of their queues' calls (else 404/403). */
function assertVisible(user: AuthUser, e: Evaluation): void {
  assertQueue(user, e.queueId, `evaluation ${e.id}`);
  assertOwn(user, e.agentId, 'evaluation');
}

/** Supervisors change or delete only their own evaluations; admins any. */
function assertAuthor(user: AuthUser, e: Evaluation): void {
  if (user.role !== 'admin' && e.evaluatorId !== user.id)
    throw new HttpError(403, 'forbidden', `evaluation ${e.id} was made by another supervisor`);
}

const QUALITY_COLUMNS = [
  'agentId',
  'agentName',
  'evaluations',
  'averageScorePct',
  'lowestScorePct',
  'criticalFails',
  'unacknowledged',
] as const;

export function qualityRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  const timeZone = contactCenterTimeZone(deps.config);
  const found = async (user: AuthUser, id: number): Promise<Evaluation> => {
    const e = await getEvaluation(db, id);
    if (!e) throw notFound(`evaluation ${id}`);
    assertVisible(user, e);
    return e;
  };
  return [
    // --- Scorecards ---------------------------------------------------------------------------------------------
    route({
      method: 'get',
      path: '/scorecards',
      tag: 'quality',
      summary: 'Scorecards (weighted yes/no questions) that calls are evaluated on',
      roles: STAFF,
      query: z.object({ active: queryBool.optional() }),
      response: z.object({ items: z.array(anyObject) }),
      async handler({ query }) {
        return { items: await listScorecards(db, { active: query.active }) };
      },
    }),
    route({
      method: 'get',
      path: '/scorecards/:id',
      tag: 'quality',
      summary: 'One scorecard',
      roles: STAFF,
      params: idParam,
      response: anyObject,
      async handler({ params }) {
        const card = await getScorecard(db, params.id);
        if (!card) throw notFound(`scorecard ${params.id}`);
        return card;
      },
    }),
    route({
      method: 'post',
      path: '/scorecards',
      tag: 'quality',
      summary: 'Create a scorecard',
      roles: ADMIN,
      body: scorecardInput.required({ name: true, questions: true }),
      response: anyObject,
      status: 201,
      audit: { action: 'scorecard.create', targetType: 'scorecard' },
      async handler({ body, auditTarget }) {
        const card = await createScorecard(db, body);
        auditTarget(card.id, body);
        return card;
      },
    }),
    route({
      method: 'patch',
      path: '/scorecards/:id',
      tag: 'quality',
      summary: 'Change a scorecard (evaluations already made keep the questions they were scored on)',
      roles: ADMIN,
      params: idParam,
      body: scorecardInput,
      response: anyObject,
      audit: { action: 'scorecard.update', targetType: 'scorecard' },
      async handler({ params, body }) {
        const card = await updateScorecard(db, params.id, body);
        if (!card) throw notFound(`scorecard ${params.id}`);
        return card;
      },
    }),
    route({
      method: 'delete',
      path: '/scorecards/:id',
      tag: 'quality',
      summary: 'Delete a scorecard no call was evaluated on (otherwise deactivate it)',
      roles: ADMIN,
      params: idParam,
      status: 204,
      audit: { action: 'scorecard.delete', targetType: 'scorecard' },
      async handler({ params }) {
        const result = await deleteScorecard(db, params.id);
        if (result === 'missing') throw notFound(`scorecard ${params.id}`);
        if (result === 'in_use')
          throw new HttpError(409, 'conflict', `calls were evaluated on scorecard ${params.id}: deactivate it instead`);
        return undefined;
      },
    }),

    // --- Evaluations --------------------------------------------------------------------------------------------
    route({
      method: 'get',
      path: '/evaluations',
      tag: 'quality',
      summary: "Evaluations, newest first (agents: their own; supervisors: their queues' calls)",
      roles: EVERYONE,
      query: pageQuery.extend({
        agentId: z.coerce.number().int().positive().optional(),
        scorecardId: z.coerce.number().int().positive().optional(),
        callId: z.string().max(36).optional(),
        unacknowledged: queryBool.optional(),
      }),
      response: z.object({ items: z.array(anyObject), page: z.number(), pageSize: z.number(), total: z.number() }),
      async handler({ query, user }) {
        const own = agentScope(user);
        const list = await listEvaluations(
          db,
          {
            agentId: own ?? query.agentId,
            queueIds: queueScope(user),
            scorecardId: query.scorecardId,
            callId: query.callId,
            unacknowledged: query.unacknowledged,
          },
          offsetOf(query),
        );
        return pageOf(query, list);
      },
    }),
    route({
      method: 'get',
      path: '/evaluations/:id',
      tag: 'quality',
      summary: 'One evaluation with its questions and answers',
      roles: EVERYONE,
      params: idParam,
      response: anyObject,
      async handler({ params, user }) {
        return found(user, params.id);
      },
    }),
    route({
      method: 'post',
      path: '/evaluations',
      tag: 'quality',
      summary: "Evaluate an ended call's agent on a scorecard: every question yes, no or (where allowed) na",
      roles: STAFF,
      body: evaluationInput,
      response: anyObject,
      status: 201,
      audit: { action: 'evaluation.create', targetType: 'evaluation' },
      async handler({ body, user, auditTarget }) {
        await assertCallOf(db, user, body.callId);
        const created = await createEvaluation(db, body, user.id).catch(asHttp);
        auditTarget(created.id, { callId: body.callId, scorecardId: body.scorecardId, scorePct: created.scorePct });
        deps.bus.publish('evaluation.created', {
          evaluationId: created.id,
          agentId: created.agentId,
          callId: created.callId,
          scorePct: created.scorePct,
          failedCritical: created.failedCritical,
        });
        return created;
      },
    }),
    route({
      method: 'patch',
      path: '/evaluations/:id',
      tag: 'quality',
      summary: 'Change the answers or the comment (changed answers ask the agent to acknowledge it again)',
      roles: STAFF,
      params: idParam,
      body: evaluationPatch,
      response: anyObject,
      audit: { action: 'evaluation.update', targetType: 'evaluation' },
      async handler({ params, body, user }) {
        assertAuthor(user, await found(user, params.id));
        const updated = await updateEvaluation(db, params.id, body).catch(asHttp);
        if (!updated) throw notFound(`evaluation ${params.id}`);
        return updated;
      },
    }),
    route({
      method: 'delete',
      path: '/evaluations/:id',
      tag: 'quality',
      summary: 'Delete an evaluation',
      roles: STAFF,
      params: idParam,
      status: 204,
      audit: { action: 'evaluation.delete', targetType: 'evaluation' },
      async handler({ params, user }) {
        assertAuthor(user, await found(user, params.id));
        await deleteEvaluation(db, params.id);
        return undefined;
      },
    }),
    route({
      method: 'post',
      path: '/evaluations/:id/acknowledge',
      tag: 'quality',
      summary: 'The evaluated agent has read it, with a reply if they want',
      roles: EVERYONE,
      params: idParam,
      body: z
        .object({ comment: z.string().trim().max(4000).nullable().optional() })
        .strict()
        .default({}),
      response: anyObject,
      audit: { action: 'evaluation.acknowledge', targetType: 'evaluation' },
      async handler({ params, body, user }) {
        const e = await found(user, params.id);
        if (user.agentId !== e.agentId)
          throw new HttpError(403, 'forbidden', 'only the evaluated agent acknowledges an evaluation');
        const acknowledged = await acknowledgeEvaluation(db, params.id, body.comment || null);
        if (!acknowledged) throw notFound(`evaluation ${params.id}`);
        return acknowledged;
      },
    }),

    // --- Report -------------------------------------------------------------------------------------------------
    route({
      method: 'get',
      path: '/reports/quality',
      tag: 'reports',
      summary:
        'Quality per agent over days of evaluation: evaluations, average and lowest score, critical fails, not yet acknowledged (JSON or CSV)',
      roles: STAFF,
      query: z.object({
        from: day.optional(),
        to: day.optional(),
        scorecardId: z.coerce.number().int().positive().optional(),
        format,
      }),
      response: anyObject,
      async handler({ query, user, res }) {
        const range = checkRange(query, deps.now(), timeZone);
        if (!range.ok) throw new HttpError(400, 'bad_request', range.message);
        const rows = await qualityByAgent(db, {
          from: reportDay(range.from, timeZone).start,
          to: reportDay(range.to, timeZone).end,
          scorecardId: query.scorecardId,
          queueIds: queueScope(user),
        });
        if (query.format === 'csv')
          return sendCsv(res, `quality-${range.from}-${range.to}.csv`, toCsv(rows, QUALITY_COLUMNS));
        return { from: range.from, to: range.to, timeZone, rows };
      },
    }),
  ];
}
