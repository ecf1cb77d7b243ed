import { expect } from 'chai';
import { call, startHarness, type Harness } from './harness.js';

const QUESTIONS = [
  { key: 'greeting', text: 'Greeted the caller', weight: 1 },
  { key: 'identity', text: 'Checked identity', weight: 3, critical: true, allowNa: true },
];

describe('API: quality evaluations', () => {
  let h: Harness;
  let queueA: number;
  let queueB: number;
  let cardId: number;

  before(async () => {
    h = await startHarness();
    const [qa] = await h.t.db('queues').insert({ name: 'qa', display_name: 'A', overflow: '[]' });
    const [qb] = await h.t.db('queues').insert({ name: 'qb', display_name: 'B', overflow: '[]' });
    queueA = Number(qa);
    queueB = Number(qb);
    // The supervisor supervises queue A only.
    await h.t.db('supervisor_queues').insert({ user_id: h.users.supervisor.id, queue_id: queueA });
    const arrived = new Date();
    const row = (id: string, agentId: number | null, queueId: number) => ({
      id,
      node: 'test',
      owner: 'test',
      channel_id: `ch-${id}`,
      state: 'ended',
      caller_raw: '5550100',
      did: '4000',
      queue_id: queueId,
      agent_id: agentId,
      arrived_at: arrived,
      ended_at: new Date(arrived.getTime() + 60_000),
    });
    await h.t
      .db('calls')
      .insert([
        row('qa-alice', h.users.agent.agentId, queueA),
        row('qb-bob', h.users.agent2.agentId, queueB),
        row('qa-bob', h.users.agent2.agentId, queueA),
      ]);
  });
  after(async () => h.close());

  it('admins keep scorecards; supervisors read them; agents do not', async () => {
    const admin = h.users.admin.token;
    const created = await call(h, 'POST', '/api/scorecards', {
      token: admin,
      body: { name: 'Basics', description: 'Inbound', questions: QUESTIONS },
    });
    expect(created.status).to.equal(201);
    cardId = created.body.id;
    expect(created.body.questions[0]).to.deep.equal({ ...QUESTIONS[0], critical: false, allowNa: false });

    const bad = await call(h, 'POST', '/api/scorecards', {
      token: admin,
      body: {
        name: 'Bad',
        questions: [
          { key: 'a', text: 'A' },
          { key: 'a', text: 'B' },
        ],
      },
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.details[0]).to.deep.include({ field: 'questions.1.key', reason: 'key a is used twice' });
    const taken = await call(h, 'POST', '/api/scorecards', {
      token: admin,
      body: { name: 'Basics', questions: QUESTIONS },
    });
    expect(taken.status).to.equal(409);

    expect((await call(h, 'GET', '/api/scorecards', { token: h.users.supervisor.token })).body.items).to.have.length(1);
    expect(
      (
        await call(h, 'POST', '/api/scorecards', {
          token: h.users.supervisor.token,
          body: { name: 'S', questions: QUESTIONS },
        })
      ).status,
    ).to.equal(403);
    expect((await call(h, 'GET', '/api/scorecards', { token: h.users.agent.token })).status).to.equal(403);
  });

  it("a supervisor evaluates their queues' calls only; the answers are checked question by question", async () => {
    const sup = h.users.supervisor.token;
    const answers = { greeting: 'no', identity: 'yes' };
    const made = await call(h, 'POST', '/api/evaluations', {
      token: sup,
      body: { callId: 'qa-alice', scorecardId: cardId, answers, comment: 'Greet by name next time' },
    });
    expect(made.status).to.equal(201);
    expect(made.body).to.deep.include({
      agentId: h.users.agent.agentId,
      scorePct: 75,
      evaluatorId: h.users.supervisor.id,
    });

    const otherQueue = await call(h, 'POST', '/api/evaluations', {
      token: sup,
      body: { callId: 'qb-bob', scorecardId: cardId, answers },
    });
    expect(otherQueue.status).to.equal(404);
    const twice = await call(h, 'POST', '/api/evaluations', {
      token: sup,
      body: { callId: 'qa-alice', scorecardId: cardId, answers },
    });
    expect(twice.status).to.equal(409);
    const wrong = await call(h, 'POST', '/api/evaluations', {
      token: sup,
      body: { callId: 'qa-bob', scorecardId: cardId, answers: { greeting: 'na', identity: 'maybe' } },
    });
    expect(wrong.status).to.equal(400);
    expect(wrong.body.error.details[0].field).to.equal('answers.identity');
    const missing = await call(h, 'POST', '/api/evaluations', {
      token: sup,
      body: { callId: 'qa-bob', scorecardId: cardId, answers: { greeting: 'na', identity: 'yes' } },
    });
    expect(missing.status).to.equal(400);
    expect(missing.body.error.details).to.deep.equal([
      { in: 'body', field: 'answers.greeting', reason: 'must be answered yes or no' },
    ]);
    const noCard = await call(h, 'POST', '/api/evaluations', {
      token: sup,
      body: { callId: 'qa-bob', scorecardId: 9999, answers },
    });
    expect(noCard.status).to.equal(400);
    expect(noCard.body.error.details[0].field).to.equal('scorecardId');
    expect(
      (
        await call(h, 'POST', '/api/evaluations', {
          token: h.users.agent.token,
          body: { callId: 'qa-alice', scorecardId: cardId, answers },
        })
      ).status,
    ).to.equal(403);

    // The admin evaluates the call of the other queue.
    const byAdmin = await call(h, 'POST', '/api/evaluations', {
      token: h.users.admin.token,
      body: { callId: 'qb-bob', scorecardId: cardId, answers: { greeting: 'yes', identity: 'no' } },
    });
    expect(byAdmin.body).to.deep.include({ scorePct: 0, failedCritical: true });
    expect((await call(h, 'GET', '/api/evaluations', { token: sup })).body.total).to.equal(1);
    expect((await call(h, 'GET', '/api/evaluations', { token: h.users.admin.token })).body.total).to.equal(2);
    expect((await call(h, 'GET', `/api/evaluations/${byAdmin.body.id}`, { token: sup })).status).to.equal(404);
    // A supervisor changes only their own evaluations.
    const notTheirs = await call(h, 'PATCH', `/api/evaluations/${made.body.id}`, {
      token: h.users.admin.token,
      body: { comment: 'An admin may' },
    });
    expect(notTheirs.status).to.equal(200);
  });

  it('the agent sees their own, acknowledges with a reply, and no one else can acknowledge for them', async () => {
    const mine = await call(h, 'GET', '/api/evaluations', { token: h.users.agent.token });
    expect(mine.body.total).to.equal(1);
    const id = mine.body.items[0].id;
    expect(mine.body.items[0].comment).to.equal('An admin may');
    expect((await call(h, 'GET', '/api/evaluations', { token: h.users.agent2.token })).body.items[0].callId).to.equal(
      'qb-bob',
    );
    expect((await call(h, 'GET', `/api/evaluations/${id}`, { token: h.users.agent2.token })).status).to.equal(403);
    expect(
      (await call(h, 'POST', `/api/evaluations/${id}/acknowledge`, { token: h.users.supervisor.token, body: {} }))
        .status,
    ).to.equal(403);
    const ack = await call(h, 'POST', `/api/evaluations/${id}/acknowledge`, {
      token: h.users.agent.token,
      body: { comment: 'Will do' },
    });
    expect(ack.status).to.equal(200);
    expect(ack.body.agentComment).to.equal('Will do');
    expect(ack.body.acknowledgedAt).to.be.a('string');
    const audit = await h.t.db('audit_log').where({ action: 'evaluation.acknowledge' }).first('actor');
    expect(audit.actor).to.equal('alice');
  });

  it('reports quality per agent for the days asked, as JSON and CSV', async () => {
    const report = await call(h, 'GET', '/api/reports/quality', { token: h.users.admin.token });
    expect(report.status).to.equal(200);
    expect(
      report.body.rows.map((r: { agentId: number; averageScorePct: number }) => [r.agentId, r.averageScorePct]),
    ).to.deep.equal([
      [h.users.agent.agentId, 75],
      [h.users.agent2.agentId, 0],
    ]);
    const sup = await call(h, 'GET', '/api/reports/quality', { token: h.users.supervisor.token });
    expect(sup.body.rows).to.have.length(1);
    const csv = await call(h, 'GET', '/api/reports/quality?format=csv', { token: h.users.admin.token });
    expect(csv.headers.get('content-type')).to.match(/text\/csv/);
    expect(String(csv.body).split('\n')[0]).to.equal(
      'agentId,agentName,evaluations,averageScorePct,lowestScorePct,criticalFails,unacknowledged',
    );
    expect(
      (await call(h, 'GET', '/api/reports/quality?from=2026-13-01', { token: h.users.admin.token })).status,
    ).to.equal(400);
  });

  it('a scorecard with evaluations is kept (deactivated instead); its evaluations still show', async () => {
    const admin = h.users.admin.token;
    expect((await call(h, 'DELETE', `/api/scorecards/${cardId}`, { token: admin })).status).to.equal(409);
    const off = await call(h, 'PATCH', `/api/scorecards/${cardId}`, { token: admin, body: { active: false } });
    expect(off.body).to.deep.include({ active: false, evaluations: 2 });
    expect((await call(h, 'GET', '/api/scorecards?active=true', { token: admin })).body.items).to.have.length(0);
    const retired = await call(h, 'POST', '/api/evaluations', {
      token: admin,
      body: { callId: 'qa-bob', scorecardId: cardId, answers: { greeting: 'yes', identity: 'yes' } },
    });
    expect(retired.status).to.equal(409);
    expect((await call(h, 'GET', '/api/evaluations', { token: admin })).body.total).to.equal(2);
  });
});
