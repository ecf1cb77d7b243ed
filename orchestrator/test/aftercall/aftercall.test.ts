import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createAfterCall, type AfterCall } from '../../src/aftercall/index.js';
import { DEMO_CUSTOMERS, DEMO_DIRECT_DID } from '../../src/db/seed/index.js';
import { createJobRunner, type JobRunner } from '../../src/jobs/index.js';
import { acceptSmsReply, SURVEY_PROMPTS } from '../../src/surveys/index.js';
import { recordIvrResponse } from '../../src/surveys/ivr.js';
import { log, sleep, startStack, waitFor, type Stack } from '../e2e/harness.js';

const LOGISTICS = DEMO_CUSTOMERS.find((c) => c.key === 'logistics')!.phone;
const UNKNOWN = '+8618612345678';

/** A webhook target that records what it got and answers with the statuses it is told, in turn. */
class Hook {
  readonly requests: { path: string; headers: IncomingMessage['headers']; body: Record<string, unknown> }[] = [];
  statuses: number[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        this.requests.push({
          path: req.url ?? '',
          headers: req.headers,
          body: JSON.parse(text) as Record<string, unknown>,
        });
        res.statusCode = this.statuses.shift() ?? 200;
        res.end(res.statusCode < 300 ? '{"ok":true}' : 'refused');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('aftercall: what follows a call', function () {
  this.timeout(30_000);
  let s: Stack | undefined;
  let runner: JobRunner | undefined;
  let crm: Hook;
  let sms: Hook;

  beforeEach(async () => {
    crm = await new Hook().start();
    sms = await new Hook().start();
  });
  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    await s?.stop();
    s = undefined;
    await crm.stop();
    await sms.stop();
  });

  async function start(
    survey: 'none' | 'ivr' | 'sms',
    restart?: Pick<Stack, 't' | 'sim'>,
    wording: { survey_text?: string; survey_prompt?: string } = {},
  ): Promise<Stack> {
    let afterCall: AfterCall | undefined;
    const stack = await startStack({
      ...(restart ? { testDb: restart.t, sim: restart.sim } : {}),
      prepare: async (db) => {
        await db('queues')
          .where({ name: 'logistics' })
          .update({ survey, ...wording });
      },
      followUps: (db) =>
        (afterCall = createAfterCall({
          db,
          config: {
            crm: { url: crm.url, timeoutMs: 300, writeback: true },
            sms: { url: `${sms.url}/send`, token: 'gateway-token' },
            surveys: { replyHours: 24 },
          },
          backoff: { baseMs: 50, maxMs: 100 },
        })),
    });
    runner = createJobRunner({ db: stack.db, instanceId: 'aftercall-test', logger: log, pollMs: 20 });
    afterCall!.registerOn(runner);
    runner.start();
    return stack;
  }

  /** The logistics customer reaches agent 2031, who hangs up after a moment. */
  async function answeredCall(stack: Stack): Promise<string> {
    await stack.login(2031);
    const c = await stack.call(LOGISTICS, DEMO_DIRECT_DID);
    await stack.waitState(c.callId, 'connected');
    const leg = await waitFor(() => stack.agentLeg(c.callId), 'the agent leg');
    await sleep(50);
    stack.sim.control.hangup(leg);
    return c.callId;
  }

  it('an answered call leaves a contact, an auto ticket, a CRM interaction and an SMS survey whose reply is kept', async () => {
    s = await start('sms');
    const callId = await answeredCall(s);
    const row = await s.finalRow(callId, 'ended');

    // The CRM's contact history has the call, so the next call's routing sees it.
    const contact = await s.db('contacts').where({ call_id: callId }).first();
    expect(contact).to.deep.include({
      customer_id: row.customer_id,
      channel: 'phone',
      category: 'logistics',
      outcome: 'resolved',
      agent_id: s.agentId(2031),
    });
    // The agent wrote no ticket: one was made, solved, naming the caller.
    const tickets = await s.db('tickets').where({ call_id: callId });
    expect(tickets).to.have.length(1);
    expect(tickets[0]).to.deep.include({
      source: 'auto',
      status: 'solved',
      category: 'logistics',
      agent_id: s.agentId(2031),
    });
    expect(tickets[0].subject).to.equal(`Call from 张伟 (${LOGISTICS})`);

    // The external CRM got the interaction, with a key that makes a retry harmless.
    const posted = await waitFor(() => crm.requests[0], 'the CRM write-back');
    expect(posted.path).to.equal('/interactions');
    expect(posted.headers['idempotency-key']).to.equal(`ariadne-call-${callId}`);
    expect(posted.body).to.deep.include({ callId, queue: 'logistics', disposition: 'answered' });
    expect((posted.body.tickets as unknown[]).length).to.equal(1);

    // The SMS survey went out in the caller's language and waits for a reply.
    const sent = await waitFor(() => sms.requests[0], 'the SMS survey');
    expect(sent.headers.authorization).to.equal('Bearer gateway-token');
    expect(sent.body.to).to.equal(LOGISTICS);
    expect(sent.body.text).to.match(/请回复数字1/);
    await waitFor(
      async () => (await s!.db('survey_requests').where({ call_id: callId }).first())?.state === 'sent',
      'the survey marked sent',
    );

    const reply = await acceptSmsReply(
      s.db,
      { from: '186 1234 5678', text: '5' },
      { now: new Date(), defaultCountry: 'CN' },
    );
    expect(reply).to.deep.equal({ accepted: false, reason: `no survey awaiting a reply from ${UNKNOWN}` });
    const accepted = await acceptSmsReply(
      s.db,
      { from: LOGISTICS.replace('+86', ''), text: '2 包裹还是丢了，很失望' },
      { now: new Date(), defaultCountry: 'CN' },
    );
    expect(accepted).to.include({ accepted: true, callId, score: 2 });
    expect(await s.db('survey_responses').where({ call_id: callId }).first()).to.deep.include({
      channel: 'sms',
      score: 2,
      comment: '包裹还是丢了，很失望',
    });
    const again = await acceptSmsReply(s.db, { from: LOGISTICS, text: '5' }, { now: new Date(), defaultCountry: 'CN' });
    expect(again.accepted, 'one reply per survey').to.equal(false);
    // Nothing ran twice: one contact, one ticket, one interaction, one SMS.
    await sleep(200);
    expect(await s.db('contacts').where({ call_id: callId }).count({ n: '*' })).to.deep.equal([{ n: 1 }]);
    expect(crm.requests).to.have.length(1);
    expect(sms.requests).to.have.length(1);
  });

  it('the IVR survey: the caller stays after the agent hangs up, keys a score, and is hung up', async () => {
    s = await start('ivr');
    const callId = await answeredCall(s);
    const caller = (await s.row(callId)).channel_id as string;
    await waitFor(
      () =>
        s!.plays.some(
          (p) => 'channelId' in p.target && p.target.channelId === caller && p.media.includes(SURVEY_PROMPTS.ask),
        ),
      'the survey question on the caller',
    );
    expect(
      s.sim.control.channels().some((c) => c.id === caller),
      'the caller is still there',
    ).to.equal(true);
    s.sim.control.sendDtmf(caller, '4');
    const response = await waitFor(() => s!.db('survey_responses').where({ call_id: callId }).first(), 'the response');
    expect(response).to.deep.include({ channel: 'ivr', score: 4, customer_id: (await s.row(callId)).customer_id });
    expect(s.plays.some((p) => p.media.includes(SURVEY_PROMPTS.thanks))).to.equal(true);
    const row = await s.finalRow(callId, 'ended');
    expect(row).to.deep.include({ hangup_side: 'agent', disposition: 'answered' });
    await s.expectSwitchClean();
    expect(sms.requests, 'an IVR queue sends no SMS').to.have.length(0);
  });

  it("a queue's own wording: the IVR survey asks its question, the SMS survey sends its text", async () => {
    s = await start('ivr', undefined, { survey_prompt: 'sound:custom/acme-survey' });
    const ivrCall = await answeredCall(s);
    const caller = (await s.row(ivrCall)).channel_id as string;
    await waitFor(
      () =>
        s!.plays.some(
          (p) =>
            'channelId' in p.target && p.target.channelId === caller && p.media.includes('sound:custom/acme-survey'),
        ),
      "the queue's own question",
    );
    expect(
      s.plays.some((p) => p.media.includes(SURVEY_PROMPTS.ask)),
      'not the shipped one',
    ).to.equal(false);
    s.sim.control.sendDtmf(caller, '5');
    await waitFor(() => s!.db('survey_responses').where({ call_id: ivrCall }).first(), 'the response');
    await runner?.stop();
    await s.stop();

    s = await start('sms', undefined, { survey_text: 'Thanks for calling {queue}! Rate us from 1 to 5.' });
    await answeredCall(s);
    const sent = await waitFor(() => sms.requests[0], 'the SMS survey');
    // The queue's text, whatever the caller's language (the logistics customer is Chinese).
    expect(sent.body.text).to.equal('Thanks for calling 物流 Logistics! Rate us from 1 to 5.');
  });

  for (const [when, wrapUpSeconds] of [
    ['its call over', 0],
    ["the agent's wrap-up", 60],
  ] as const)
    it(`a caller left taking the IVR survey (${when}) by an orchestrator that died is asked again by the next one`, async () => {
      s = await start('ivr');
      // With no wrap-up the call is over (its CDR written) while the caller still listens to the survey.
      await s.db('queues').where({ name: 'logistics' }).update({ wrap_up_s: wrapUpSeconds });
      const callId = await answeredCall(s);
      const caller = (await s.row(callId)).channel_id as string;
      await waitFor(
        () => s!.plays.some((p) => 'channelId' in p.target && p.target.channelId === caller),
        'the survey question on the caller',
      );
      if (wrapUpSeconds === 0) await s.finalRow(callId, 'ended');
      else await s.waitState(callId, 'wrap_up');
      await s.center.calls.flushed();
      await runner?.stop();
      const { sim, t } = s;
      await s.stop(true); // the orchestrator dies while the caller listens to the question
      expect(sim.control.channels().some((c) => c.id === caller)).to.equal(true);
      s = await start('ivr', { t, sim });
      // The next one asks the question again; the caller answers it, and is thanked and hung up.
      await waitFor(
        () =>
          s!.plays.some(
            (p) => 'channelId' in p.target && p.target.channelId === caller && p.media.includes(SURVEY_PROMPTS.ask),
          ),
        'the survey asked again',
      );
      sim.control.sendDtmf(caller, '3');
      const response = await waitFor(
        () => s!.db('survey_responses').where({ call_id: callId }).first(),
        'the response',
      );
      expect(response).to.deep.include({ channel: 'ivr', score: 3 });
      await waitFor(() => !sim.control.channels().some((c) => c.id === caller), 'the caller hung up');
      // A wrap-up the restart interrupted ends at once, as before.
      expect(await s.finalRow(callId, 'ended')).to.deep.include({ hangup_side: 'agent', disposition: 'answered' });
      await s.expectSwitchClean();
    });

  it('a caller of a call already over with no survey left to ask is hung up by the next one', async () => {
    s = await start('ivr');
    await s.db('queues').where({ name: 'logistics' }).update({ wrap_up_s: 0 });
    const callId = await answeredCall(s);
    const caller = (await s.row(callId)).channel_id as string;
    await waitFor(
      () => s!.plays.some((p) => 'channelId' in p.target && p.target.channelId === caller),
      'the survey question on the caller',
    );
    await s.finalRow(callId, 'ended');
    await s.center.calls.flushed();
    await runner?.stop();
    const { sim, t } = s;
    await s.stop(true);
    // The caller had answered (the orchestrator died while thanking them): they are not asked twice.
    await recordIvrResponse(t.db, { callId, customerId: null, score: 5, now: new Date() });
    s = await start('ivr', { t, sim });
    await waitFor(() => !sim.control.channels().some((c) => c.id === caller), 'the caller hung up');
    expect(await s.db('survey_responses').where({ call_id: callId })).to.have.length(1);
    expect(s.plays.some((p) => 'channelId' in p.target && p.target.channelId === caller)).to.equal(false);
    await s.expectSwitchClean();
  });

  it('a caller who hangs up first gets no IVR survey; an unknown caller gets a ticket but no contact', async () => {
    s = await start('ivr');
    await s.login(2001); // general: where unknown callers go
    const c = await s.call(UNKNOWN, DEMO_DIRECT_DID);
    await s.waitState(c.callId, 'connected');
    await sleep(50);
    s.sim.control.hangup(c.channelId);
    await s.finalRow(c.callId, 'ended');
    await s.expectSwitchClean();
    expect(s.plays.some((p) => p.media.includes(SURVEY_PROMPTS.ask))).to.equal(false);
    expect(await s.db('contacts').where({ call_id: c.callId })).to.have.length(0);
    const [ticket] = await s.db('tickets').where({ call_id: c.callId });
    expect(ticket?.subject).to.equal(`Call from ${UNKNOWN}`);
  });

  it('a call an agent placed: a contact, a "Call to" ticket and an outbound interaction; one never placed, nothing', async () => {
    s = await start('none');
    const stack = s;
    await stack.login(2031);
    stack.sim.control.setEndpoint('PJSIP', LOGISTICS, { behaviour: 'answer', afterMs: 50 });
    const place = () =>
      stack.center.calls.placeCall({
        agent: { id: stack.agentId(2031), name: 'Agent 2031', endpoint: 'PJSIP/2031' },
        number: LOGISTICS,
        queueId: stack.queueId('logistics'),
      });
    const { callId } = await place();
    await stack.waitState(callId, 'connected');
    await sleep(50);
    stack.sim.control.hangup((await stack.agentLeg(callId)) as string);
    const row = await stack.finalRow(callId, 'ended');
    const contact = await waitFor(() => stack.db('contacts').where({ call_id: callId }).first(), 'the contact');
    expect(contact).to.deep.include({
      customer_id: row.customer_id,
      outcome: 'resolved',
      agent_id: stack.agentId(2031),
    });
    const [ticket] = await stack.db('tickets').where({ call_id: callId });
    expect(ticket?.subject).to.equal(`Call to 张伟 (${LOGISTICS})`);
    const posted = await waitFor(() => crm.requests.find((r) => r.body.callId === callId), 'the CRM write-back');
    expect(posted.body).to.deep.include({ direction: 'outbound', disposition: 'answered', queue: 'logistics' });

    // The agent's own phone does not pick up: the customer was never called, so nothing follows.
    await waitFor(async () => (await stack.agentState(2031)) === 'available', 'the agent free');
    stack.phone(2031, 'no-answer');
    const notPlaced = await place();
    expect(await stack.finalRow(notPlaced.callId, 'ended')).to.deep.include({ disposition: 'not_placed' });
    await sleep(300); // the runner polls every 20 ms: a write-back would have gone out
    expect(await stack.db('contacts').where({ call_id: notPlaced.callId })).to.have.length(0);
    expect(await stack.db('tickets').where({ call_id: notPlaced.callId })).to.have.length(0);
    expect(crm.requests.filter((r) => r.body.callId === notPlaced.callId)).to.have.length(0);
  });

  it('a call that a restart ended still gets its contact and ticket', async () => {
    s = await start('none');
    await s.login(2031);
    const c = await s.call(LOGISTICS, DEMO_DIRECT_DID);
    await s.waitState(c.callId, 'connected');
    await s.center.calls.flushed();
    await runner?.stop();
    const { sim, t } = s;
    await s.stop(true); // the orchestrator dies mid-conversation
    sim.control.hangup(c.channelId);
    s = await start('none', { t, sim });
    const row = await s.finalRow(c.callId, 'ended');
    expect((await s.eventNames(c.callId)).at(-1)).to.equal('connected>recovered>ended');
    expect(await s.db('contacts').where({ call_id: c.callId }).first()).to.deep.include({
      customer_id: row.customer_id,
      category: 'logistics',
      outcome: 'resolved',
    });
    const [ticket] = await s.db('tickets').where({ call_id: c.callId });
    expect(ticket).to.deep.include({ source: 'auto', status: 'solved' });
    await waitFor(() => crm.requests.some((r) => r.body.callId === c.callId), 'the CRM write-back');
  });

  it('a CRM that fails for a while is retried; one that refuses the interaction is given up on, the rest kept', async () => {
    s = await start('none');
    crm.statuses = [503, 503];
    const first = await answeredCall(s);
    await s.finalRow(first, 'ended');
    await waitFor(() => crm.requests.length === 3, 'two retries and a success', 10_000);
    await waitFor(
      async () => (await s!.db('jobs').where({ type: 'crm.writeback', state: 'done' })).length === 1,
      'the write-back done',
    );

    crm.statuses = [422];
    await waitFor(async () => (await s!.agentState(2031)) === 'available', 'the agent free again', 10_000);
    const c = await s.call(LOGISTICS, DEMO_DIRECT_DID);
    await s.waitState(c.callId, 'connected');
    s.sim.control.hangup(c.channelId);
    await s.finalRow(c.callId, 'ended');
    const dead = await waitFor(
      async () =>
        (await s!.db('jobs').where({ type: 'crm.writeback', state: 'dead' }).first()) as
          { last_error: string } | undefined,
      'the refused write-back dead',
    );
    expect(dead.last_error).to.match(/CRM refused the interaction: HTTP 422/);
    expect(crm.requests).to.have.length(4);
    // The call's own follow-ups do not depend on the CRM.
    expect(await s.db('tickets').where({ call_id: c.callId })).to.have.length(1);
    expect(await s.db('contacts').where({ call_id: c.callId })).to.have.length(1);
  });
});
