import { expect } from 'chai';
import { testConfig } from '../../src/config/load.js';
import type { DbDialect } from '../../src/db/knex.js';
import { analyseTicket } from '../../src/tickets/index.js';
import { call, startHarness, superviseAllQueues, type Harness } from './harness.js';

const TOKEN = 'sms-gateway-inbound-secret';
const sh = (local: string): Date => new Date(`${local}+08:00`);
const NOW = sh('2026-12-06T12:00:00');

for (const dialect of ['sqlite', 'mysql'] as DbDialect[]) {
  describe(`api: after the call (${dialect})`, function () {
    this.timeout(20_000);
    let h: Harness;
    let queueId: number;
    const config = testConfig({ ARIADNE_SMS_INBOUND_TOKEN: TOKEN });

    before(async () => {
      h = await startHarness({ dialect, deps: { now: () => NOW, config } });
      queueId = Number((await h.t.db('queues').insert({ name: 'sales', display_name: 'Sales', overflow: '[]' }))[0]);
      await superviseAllQueues(h);
      const base = {
        node: 'n',
        owner: 'o',
        did: '1',
        state: 'ended',
        queue_id: queueId,
        arrived_at: sh('2026-12-06T09:00:00'),
      };
      await h.t.db('calls').insert([
        { ...base, id: 'c1', channel_id: 'c1', caller_raw: '13800000001', caller_e164: '+8613800000001' },
        { ...base, id: 'c2', channel_id: 'c2', caller_raw: '13800000002', caller_e164: '+8613800000002' },
      ]);
      await h.t.db('survey_requests').insert([
        // Sent an hour ago, open for a day.
        {
          call_id: 'c1',
          phone: '+8613800000001',
          state: 'sent',
          created_at: sh('2026-12-06T11:00:00'),
          sent_at: sh('2026-12-06T11:00:00'),
          expires_at: sh('2026-12-07T11:00:00'),
        },
        // Its window closed.
        {
          call_id: 'c2',
          phone: '+8613800000002',
          state: 'sent',
          created_at: sh('2026-12-04T11:00:00'),
          sent_at: sh('2026-12-04T11:00:00'),
          expires_at: sh('2026-12-05T11:00:00'),
        },
      ]);
    });
    after(() => h.close());

    it('takes an SMS reply only with the gateway token, and only for a survey still open', async () => {
      const [ticketId] = await h.t
        .db('tickets')
        .insert({ call_id: 'c1', subject: 'Call from +8613800000001', source: 'auto' });
      const reply = { from: '13800000001', text: '4 服务很好，谢谢', messageId: 'gw-1' };
      expect((await call(h, 'POST', '/api/surveys/sms-replies', { body: reply })).status).to.equal(401);
      const wrong = await call(h, 'POST', '/api/surveys/sms-replies', {
        body: reply,
        headers: { authorization: 'Bearer nope' },
      });
      expect(wrong.status).to.equal(401);
      const bad = await call(h, 'POST', '/api/surveys/sms-replies', {
        body: { text: '4' },
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(bad.status).to.equal(400);

      const ok = await call(h, 'POST', '/api/surveys/sms-replies', {
        body: reply,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(ok.status).to.equal(200);
      expect(ok.body).to.include({ accepted: true, callId: 'c1', score: 4, comment: '服务很好，谢谢' });
      // The comment is the caller's own words: the call's ticket is analysed again with them.
      const queued = await h.t.db('jobs').where({ type: 'ticket.analyse' }).pluck('payload');
      expect(queued.map((p: string) => JSON.parse(p))).to.deep.equal([{ ticketId: Number(ticketId) }]);
      expect(await h.t.db('survey_responses').where({ call_id: 'c1' }).first()).to.deep.include({
        channel: 'sms',
        score: 4,
        comment: '服务很好，谢谢',
      });
      const late = await call(h, 'POST', '/api/surveys/sms-replies', {
        body: { from: '+8613800000002', text: '1' },
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(late.body).to.deep.equal({ accepted: false, reason: 'no survey awaiting a reply from +8613800000002' });
      const noScore = await call(h, 'POST', '/api/surveys/sms-replies', {
        body: { from: '+8613800000001', text: 'who is this?' },
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(noScore.body).to.deep.equal({ accepted: false, reason: 'no score 1-5 in the reply' });
      expect(await h.t.db('survey_responses')).to.have.length(1);
    });

    it('refuses the SMS survey for a queue while no SMS gateway is configured, changing nothing', async () => {
      const refused = await call(h, 'PATCH', `/api/queues/${queueId}`, {
        token: h.users.admin.token,
        body: { survey: 'sms', wrapUpS: 5 },
      });
      expect(refused.status).to.equal(400);
      expect(refused.body.error.details).to.deep.equal([
        { in: 'body', field: 'survey', reason: 'SMS surveys need an SMS gateway (ARIADNE_SMS_URL)' },
      ]);
      expect(await h.t.db('queues').where({ id: queueId }).first('survey', 'wrap_up_s')).to.deep.include({
        survey: 'none',
      });
      const ivr = await call(h, 'PATCH', `/api/queues/${queueId}`, {
        token: h.users.admin.token,
        body: { survey: 'ivr' },
      });
      expect([ivr.status, ivr.body.survey]).to.deep.equal([200, 'ivr']);
      await h.t.db('queues').where({ id: queueId }).update({ survey: 'none' });
    });

    it("keeps a queue's own survey wording, refusing text that does not say how to answer and media it cannot play", async () => {
      const bad = await call(h, 'PATCH', `/api/queues/${queueId}`, {
        token: h.users.admin.token,
        body: { surveyText: 'How was it? Tell us!', surveyPrompt: 'custom/acme survey' },
      });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.details.map((d: { field: string; reason: string }) => [d.field, d.reason])).to.deep.equal([
        ['surveyText', 'say how to answer: a digit from 1 to 5'],
        ['surveyPrompt', 'media such as sound:welcome or digits:123'],
      ]);
      const own = { surveyText: 'Thanks for calling {queue}! Rate us from 1 to 5.', surveyPrompt: 'sound:custom/acme' };
      const ok = await call(h, 'PATCH', `/api/queues/${queueId}`, { token: h.users.admin.token, body: own });
      expect(ok.status).to.equal(200);
      expect(ok.body).to.deep.include(own);
      const back = await call(h, 'PATCH', `/api/queues/${queueId}`, {
        token: h.users.admin.token,
        body: { surveyText: null, surveyPrompt: null },
      });
      expect(back.body).to.deep.include({ surveyText: null, surveyPrompt: null });
    });

    it('refuses transcripts for a queue while no speech-to-text engine is configured', async () => {
      const refused = await call(h, 'PATCH', `/api/queues/${queueId}`, {
        token: h.users.admin.token,
        body: { transcribe: true },
      });
      expect(refused.status).to.equal(400);
      expect(refused.body.error.details[0].reason).to.equal(
        'transcripts need a speech-to-text engine (ARIADNE_TRANSCRIBE_COMMAND or ARIADNE_TRANSCRIBE_URL)',
      );
      const engine = config.transcription as { url?: string };
      engine.url = 'http://127.0.0.1:9/v1/audio/transcriptions';
      try {
        const on = await call(h, 'PATCH', `/api/queues/${queueId}`, {
          token: h.users.admin.token,
          body: { transcribe: true },
        });
        expect([on.status, on.body.transcribe]).to.deep.equal([200, true]);
      } finally {
        delete engine.url;
      }
      const off = await call(h, 'PATCH', `/api/queues/${queueId}`, {
        token: h.users.admin.token,
        body: { transcribe: false },
      });
      expect([off.status, off.body.transcribe], 'turning it off needs no engine').to.deep.equal([200, false]);
    });

    it('reports satisfaction per queue over days, in the scope of a supervisor', async () => {
      await h.t.db('survey_responses').insert([
        { call_id: 'c2', channel: 'ivr', score: 2, created_at: sh('2026-12-06T09:30:00') },
        // The day before, in Shanghai (still 2026-12-05 at 23:30 local).
        { call_id: 'c2', channel: 'ivr', score: 5, created_at: sh('2026-12-05T23:30:00') },
      ]);
      const today = await call(h, 'GET', '/api/reports/surveys?from=2026-12-06&to=2026-12-06', {
        token: h.users.supervisor.token,
      });
      expect(today.status).to.equal(200);
      expect(today.body.rows).to.deep.equal([
        { queueId, queue: 'sales', displayName: 'Sales', responses: 2, average: 3, scores: [0, 1, 0, 1, 0] },
      ]);
      const both = await call(h, 'GET', '/api/reports/surveys?from=2026-12-05&to=2026-12-06', {
        token: h.users.admin.token,
      });
      expect(both.body.total).to.deep.include({ responses: 3, average: 3.67, scores: [0, 1, 0, 1, 1] });
      const agent = await call(h, 'GET', '/api/reports/surveys', { token: h.users.agent.token });
      expect(agent.status).to.equal(403);
      const backwards = await call(h, 'GET', '/api/reports/surveys?from=2026-12-06&to=2026-12-01', {
        token: h.users.admin.token,
      });
      expect(backwards.status).to.equal(400);
    });

    it('analyses what people wrote: sentiment, summary and keyword tags, keeping the agent’s tags', async () => {
      const created = await call(h, 'POST', '/api/tickets', {
        token: h.users.admin.token,
        body: {
          subject: 'Parcel lost again',
          body: 'The customer is furious. The parcel was lost and nobody called back. She wants a refund for the parcel.',
          callId: 'c1',
          tags: ['vip'],
        },
      });
      expect(created.status).to.equal(201);
      const id = Number(created.body.id);
      const queued = await h.t.db('jobs').where({ type: 'ticket.analyse' }).pluck('payload');
      expect(queued.map((p: string) => JSON.parse(p))).to.deep.include({ ticketId: id });

      await analyseTicket(h.t.db, id, NOW);
      const t = (await call(h, 'GET', `/api/tickets/${id}`, { token: h.users.admin.token })).body;
      expect(t.sentiment).to.be.below(-0.3);
      expect(t.language).to.equal('en');
      expect(t.analysedAt).to.be.a('string');
      expect(t.tags).to.include.members(['vip', 'parcel', 'refund']);
      expect(t.summary).to.be.a('string').and.not.equal('');
      expect(t.source).to.equal('agent');

      const negative = await call(h, 'GET', '/api/tickets?sentiment=negative', { token: h.users.admin.token });
      expect(negative.body.items.map((x: { id: number }) => x.id)).to.deep.equal([id]);
      expect((await call(h, 'GET', '/api/tickets?tag=refund', { token: h.users.admin.token })).body.total).to.equal(1);
      const auto = await call(h, 'GET', '/api/tickets?source=auto', { token: h.users.admin.token });
      expect(auto.body.items.map((x: { subject: string }) => x.subject)).to.deep.equal(['Call from +8613800000001']);
      const chinese = await call(h, 'POST', '/api/tickets', {
        token: h.users.admin.token,
        body: { subject: '退款', tags: ['退款 处理'] },
      });
      expect(chinese.status, 'a tag may be Chinese').to.equal(201);
      const status = await call(h, 'PATCH', `/api/tickets/${id}`, {
        token: h.users.admin.token,
        body: { status: 'solved' },
      });
      expect(status.status).to.equal(200);
      const analyses = await h.t.db('jobs').where({ type: 'ticket.analyse' }).where('payload', 'like', `%:${id}}`);
      expect(analyses, 'a status change is not analysed again').to.have.length(1);
    });

    it('keeps no card number a caller put in an SMS survey comment', async () => {
      await h.t.db('calls').insert({
        id: 'c9',
        channel_id: 'c9',
        node: 'n',
        owner: 'o',
        did: '1',
        state: 'ended',
        caller_raw: '13800000009',
        arrived_at: sh('2026-12-06T11:00:00'),
      });
      await h.t.db('survey_requests').insert({
        call_id: 'c9',
        phone: '+8613800000009',
        state: 'sent',
        created_at: sh('2026-12-06T11:30:00'),
        sent_at: sh('2026-12-06T11:30:00'),
        expires_at: sh('2026-12-07T11:30:00'),
      });
      const reply = await call(h, 'POST', '/api/surveys/sms-replies', {
        headers: { authorization: `Bearer ${TOKEN}` },
        body: { from: '+8613800000009', text: '2 charge it to 4111111111111111 again please' },
      });
      expect(reply.body).to.include({ accepted: true, score: 2, comment: 'charge it to [card number] again please' });
      const stored = await h.t.db('survey_responses').where({ id: reply.body.responseId }).first('comment');
      expect(stored.comment).to.equal('charge it to [card number] again please');
    });

    it('keeps no card number an agent typed into a ticket', async () => {
      const created = await call(h, 'POST', '/api/tickets', {
        token: h.users.admin.token,
        body: { subject: 'Refund to 4111 1111 1111 1111', body: 'Card 4111-1111-1111-1111, order 2026120612.' },
      });
      expect(created.status).to.equal(201);
      expect([created.body.subject, created.body.body]).to.deep.equal([
        'Refund to [card number]',
        'Card [card number], order 2026120612.',
      ]);
      const edited = await call(h, 'PATCH', `/api/tickets/${created.body.id}`, {
        token: h.users.admin.token,
        body: { body: 'Paid with five five zero zero zero zero five five five five five five five five five nine' },
      });
      expect(edited.body.body).to.equal('Paid with [card number]');
      const stored = await h.t.db('tickets').where({ id: created.body.id }).first('subject', 'body');
      expect(JSON.stringify(stored)).to.not.match(/4111|five five/);
    });

    it("reads what was said on the call when it was transcribed: an auto ticket gets its tone; people's words keep the summary", async () => {
      const heard = ['hello i am calling because my parcel is lost and this is terrible i want a refund'];
      const transcripts = async (callId: string) => (callId === 'c2' ? heard : []);
      const [autoId] = await h.t.db('tickets').insert({
        call_id: 'c2',
        subject: 'Call from +8613800000002',
        body: 'Queue: sales',
        source: 'auto',
        status: 'solved',
      });
      await analyseTicket(h.t.db, Number(autoId), NOW);
      const bare = (await call(h, 'GET', `/api/tickets/${autoId}`, { token: h.users.admin.token })).body;
      expect(bare.sentiment, 'an auto ticket without a transcript has nothing to read').to.equal(null);

      await analyseTicket(h.t.db, Number(autoId), NOW, transcripts);
      const auto = (await call(h, 'GET', `/api/tickets/${autoId}`, { token: h.users.admin.token })).body;
      expect(auto.sentiment).to.be.below(-0.3);
      expect(auto.tags).to.include.members(['parcel', 'refund']);
      expect(auto.summary).to.match(/^hello i am calling because my parcel is lost/);

      const [agentId] = await h.t.db('tickets').insert({
        call_id: 'c2',
        subject: 'Lost parcel',
        body: 'Refund issued. Customer thanked us.',
        source: 'agent',
        status: 'solved',
      });
      await analyseTicket(h.t.db, Number(agentId), NOW, transcripts);
      const agent = (await call(h, 'GET', `/api/tickets/${agentId}`, { token: h.users.admin.token })).body;
      expect(agent.summary).to.equal('Lost parcel. Refund issued. Customer thanked us.');
      expect(agent.tags).to.include('refund');
    });
  });
}
