import { expect } from 'chai';
import type { Db } from '../../src/db/knex.js';
import {
  acknowledgeEvaluation,
  createEvaluation,
  EvaluationError,
  listEvaluations,
  qualityByAgent,
  updateEvaluation,
} from '../../src/quality/evaluations.js';
import { AnswersError } from '../../src/quality/score.js';
import { createScorecard, deleteScorecard, getScorecard, updateScorecard } from '../../src/quality/scorecards.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';

const QUESTIONS = [
  { key: 'greeting', text: 'Greeted', weight: 1, critical: false, allowNa: false },
  { key: 'identity', text: 'Checked identity', weight: 3, critical: true, allowNa: true },
];

async function insertCall(
  db: Db,
  id: string,
  o: { agentId: number | null; queueId: number; ended?: boolean },
): Promise<void> {
  const at = new Date('2026-12-01T10:00:00Z');
  await db('calls').insert({
    id,
    node: 'test',
    owner: 'test',
    channel_id: `ch-${id}`,
    state: o.ended === false ? 'connected' : 'ended',
    caller_raw: '5550100',
    did: '4000',
    queue_id: o.queueId,
    agent_id: o.agentId,
    arrived_at: at,
    ended_at: o.ended === false ? null : new Date(at.getTime() + 120_000),
  });
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof EvaluationError) return err.refusal;
    if (err instanceof AnswersError) return 'answers';
    throw err;
  }
  throw new Error('accepted');
}

for (const dialect of DIALECTS) {
  describe(`quality evaluations (${dialect})`, () => {
    let t: TestDb;
    let alice: number;
    let bob: number;
    let queueA: number;
    let queueB: number;
    let cardId: number;
    let evaluator: number;
    const t0 = new Date('2026-12-02T09:00:00Z');

    before(async () => {
      t = await createTestDb(dialect);
      const [a] = await t.db('agents').insert({ name: 'Alice', endpoint: 'PJSIP/2001' });
      const [b] = await t.db('agents').insert({ name: 'Bob', endpoint: 'PJSIP/2002' });
      alice = Number(a);
      bob = Number(b);
      const [qa] = await t.db('queues').insert({ name: 'qa', display_name: 'A', overflow: '[]' });
      const [qb] = await t.db('queues').insert({ name: 'qb', display_name: 'B', overflow: '[]' });
      queueA = Number(qa);
      queueB = Number(qb);
      const [u] = await t
        .db('users')
        .insert({ username: 'sup', display_name: 'Sue', password_hash: 'x', role: 'supervisor' });
      evaluator = Number(u);
      cardId = (await createScorecard(t.db, { name: 'Basics', questions: QUESTIONS }, t0)).id;
      await insertCall(t.db, 'c1', { agentId: alice, queueId: queueA });
      await insertCall(t.db, 'c2', { agentId: alice, queueId: queueA });
      await insertCall(t.db, 'c3', { agentId: bob, queueId: queueB });
      await insertCall(t.db, 'c-live', { agentId: bob, queueId: queueB, ended: false });
      await insertCall(t.db, 'c-abandoned', { agentId: null, queueId: queueB });
    });
    after(async () => t.drop());

    it('scores an ended call of an agent and keeps the questions it was scored on', async () => {
      const e = await createEvaluation(
        t.db,
        { callId: 'c1', scorecardId: cardId, answers: { greeting: 'no', identity: 'yes' }, comment: 'Good check' },
        evaluator,
        t0,
      );
      expect(e).to.deep.include({
        callId: 'c1',
        agentId: alice,
        agentName: 'Alice',
        queueId: queueA,
        scorecardName: 'Basics',
        evaluatorName: 'Sue',
        scorePct: 75,
        failedCritical: false,
        comment: 'Good check',
        acknowledgedAt: null,
      });
      expect(e.callAt).to.equal('2026-12-01T10:00:00.000Z');
      // A later edit of the scorecard does not rescore it.
      await updateScorecard(t.db, cardId, { questions: [{ ...QUESTIONS[0]!, weight: 9 }] }, t0);
      const rescored = await updateEvaluation(t.db, e.id, { comment: 'Still good' });
      expect(rescored?.scorePct).to.equal(75);
      expect(rescored?.questions).to.have.length(2);
      await updateScorecard(t.db, cardId, { questions: QUESTIONS }, t0);
    });

    it('refuses a live call, a call that reached no agent, a second evaluation, bad answers, an unknown or retired card', async () => {
      const answers = { greeting: 'yes', identity: 'yes' } as const;
      expect(
        await refusal(createEvaluation(t.db, { callId: 'nope', scorecardId: cardId, answers }, evaluator)),
      ).to.equal('call_not_found');
      expect(
        await refusal(createEvaluation(t.db, { callId: 'c-live', scorecardId: cardId, answers }, evaluator)),
      ).to.equal('call_not_ended');
      expect(
        await refusal(createEvaluation(t.db, { callId: 'c-abandoned', scorecardId: cardId, answers }, evaluator)),
      ).to.equal('call_without_agent');
      expect(await refusal(createEvaluation(t.db, { callId: 'c1', scorecardId: cardId, answers }, evaluator))).to.equal(
        'already_evaluated',
      );
      expect(await refusal(createEvaluation(t.db, { callId: 'c2', scorecardId: 999, answers }, evaluator))).to.equal(
        'scorecard_not_found',
      );
      expect(
        await refusal(
          createEvaluation(t.db, { callId: 'c2', scorecardId: cardId, answers: { greeting: 'yes' } }, evaluator),
        ),
      ).to.equal('answers');
      const retired = await createScorecard(t.db, { name: 'Old', questions: QUESTIONS, active: false });
      expect(
        await refusal(createEvaluation(t.db, { callId: 'c2', scorecardId: retired.id, answers }, evaluator)),
      ).to.equal('scorecard_inactive');
      expect(await t.db('evaluations').count({ n: '*' })).to.deep.equal([{ n: 1 }]);
    });

    it('changed answers are rescored and ask the agent to acknowledge again', async () => {
      const e = await createEvaluation(
        t.db,
        { callId: 'c3', scorecardId: cardId, answers: { greeting: 'yes', identity: 'yes' } },
        evaluator,
        t0,
      );
      const acked = await acknowledgeEvaluation(t.db, e.id, 'Thanks', new Date(t0.getTime() + 1000));
      expect(acked?.acknowledgedAt).to.equal(new Date(t0.getTime() + 1000).toISOString());
      expect(acked?.agentComment).to.equal('Thanks');
      const changed = await updateEvaluation(t.db, e.id, { answers: { greeting: 'yes', identity: 'no' } });
      expect(changed).to.deep.include({ scorePct: 0, failedCritical: true, acknowledgedAt: null, agentComment: null });
      expect(await refusal(updateEvaluation(t.db, e.id, { answers: { greeting: 'na', identity: 'yes' } }))).to.equal(
        'answers',
      );
    });

    it("lists by agent and by a supervisor's queues, and sums up each agent", async () => {
      await createEvaluation(
        t.db,
        { callId: 'c2', scorecardId: cardId, answers: { greeting: 'yes', identity: 'na' } },
        evaluator,
        new Date(t0.getTime() + 60_000),
      );
      const all = await listEvaluations(t.db, {}, { offset: 0, limit: 10 });
      expect(all.total).to.equal(3);
      expect(all.items.map((e) => e.callId)).to.deep.equal(['c2', 'c3', 'c1']);
      expect(
        (await listEvaluations(t.db, { agentId: bob }, { offset: 0, limit: 10 })).items.map((e) => e.callId),
      ).to.deep.equal(['c3']);
      expect((await listEvaluations(t.db, { queueIds: [queueA] }, { offset: 0, limit: 10 })).total).to.equal(2);
      expect((await listEvaluations(t.db, { queueIds: [] }, { offset: 0, limit: 10 })).total).to.equal(0);
      expect((await listEvaluations(t.db, { unacknowledged: true }, { offset: 0, limit: 1 })).total).to.equal(3);

      const summary = await qualityByAgent(t.db, { from: t0, to: new Date(t0.getTime() + 86_400_000) });
      expect(summary).to.deep.equal([
        {
          agentId: alice,
          agentName: 'Alice',
          evaluations: 2,
          averageScorePct: 87.5,
          lowestScorePct: 75,
          criticalFails: 0,
          unacknowledged: 2,
        },
        {
          agentId: bob,
          agentName: 'Bob',
          evaluations: 1,
          averageScorePct: 0,
          lowestScorePct: 0,
          criticalFails: 1,
          unacknowledged: 1,
        },
      ]);
      expect(await qualityByAgent(t.db, { from: new Date(t0.getTime() + 30_000), queueIds: [queueA] })).to.have.length(
        1,
      );
    });

    it('keeps a scorecard calls were evaluated on; deletes an unused one', async () => {
      expect((await getScorecard(t.db, cardId))?.evaluations).to.equal(3);
      expect(await deleteScorecard(t.db, cardId)).to.equal('in_use');
      const unused = await createScorecard(t.db, { name: 'Unused', questions: QUESTIONS });
      expect(await deleteScorecard(t.db, unused.id)).to.equal('deleted');
      expect(await deleteScorecard(t.db, unused.id)).to.equal('missing');
    });
  });
}
