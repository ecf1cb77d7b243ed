import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { DEMO_USERS } from '../../src/db/seed/index.js';
import { browserSuite, realErrors, shot, signIn, waitText, watchErrors, type Stack } from './harness.js';

const user = (name: 'admin' | 'supervisor' | 'agent') => DEMO_USERS.find((u) => u.username === name)!;

interface TicketJson {
  id: number;
  subject: string;
  status: string;
  sentiment: number | null;
  summary: string | null;
  language: string | null;
  source: string;
  analysedAt: string | null;
  recordingId: string | null;
  callId: string | null;
  tags: string[];
}

const NEGATIVE = {
  subject: 'Parcel lost again',
  body: 'The customer is furious, the parcel was lost and nobody called back. She wants a refund.',
};
const POSITIVE_ZH = { subject: '问题已解决', body: '客户很满意，谢谢。' };

/** The API as the page's signed-in user (the page's context shares its session cookie). */
async function callApi<T>(page: Page, method: 'GET' | 'POST' | 'PATCH', url: string, data?: unknown): Promise<T> {
  const res = await page.request.fetch(url, { method, data });
  expect(res.ok(), `${method} ${url}: ${res.status()} ${await res.text()}`).to.equal(true);
  return (await res.json()) as T;
}

/** Polls a ticket until the background analysis has run. */
async function analysed(page: Page, base: string, id: number, timeoutMs = 30_000): Promise<TicketJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await callApi<TicketJson>(page, 'GET', `${base}/api/tickets/${id}`);
    if (t.analysedAt) return t;
    if (Date.now() > deadline) throw new Error(`ticket ${id} was not analysed within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The ticket table's rows: id, and the sentiment badge's label ('none' when not analysed). */
async function ticketRows(page: Page): Promise<{ id: number; sentiment: string; text: string }[]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('[data-testid=tickets] tbody tr')].map((r) => ({
      id: Number(r.dataset.ticket),
      sentiment: r.querySelector('[data-sentiment]')?.dataset.sentiment ?? '',
      text: r.textContent.trim(),
    }))`,
  )) as { id: number; sentiment: string; text: string }[];
}

async function waitRows(page: Page, ok: (ids: number[]) => boolean, timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let ids: number[] = [];
  while (Date.now() < deadline) {
    ids = (await ticketRows(page)).map((r) => r.id);
    if (ok(ids)) return ids;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ticket rows never matched (last: ${JSON.stringify(ids)})`);
}

async function tableRows(page: Page, table: string, part: 'tbody' | 'tfoot'): Promise<string[][]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('[data-testid=${table}] ${part} tr')].map((r) => [...r.cells].map((c) => c.textContent.trim()))`,
  )) as string[][];
}

describe('tickets, queue surveys and satisfaction report in a browser (whole orchestrator)', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite();
  let stack: Stack;
  let base: string;
  const queue = { general: { id: 0, label: '' }, billing: { id: 0, label: '' } };
  let callId = '';

  before(async () => {
    stack = suite.stack();
    base = stack.app.url;
    const { db } = stack.app;
    for (const name of ['general', 'billing'] as const) {
      const row = (await db('queues').where({ name }).first('id', 'display_name')) as {
        id: number;
        display_name: string;
      };
      queue[name] = { id: Number(row.id), label: row.display_name };
    }
  });

  it('admin: lists analysed tickets with sentiment badges, filters them, opens one and solves it', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, base, 'admin', user('admin').password);
    const nav = (await page.textContent('header nav')) ?? '';
    expect(nav).to.contain('Tickets');

    const neg = await callApi<TicketJson>(page, 'POST', `${base}/api/tickets`, NEGATIVE);
    const pos = await callApi<TicketJson>(page, 'POST', `${base}/api/tickets`, POSITIVE_ZH);
    expect(neg.source).to.equal('agent');
    const negDone = await analysed(page, base, neg.id);
    const posDone = await analysed(page, base, pos.id);
    expect(negDone.sentiment, 'negative ticket').to.be.a('number').below(-0.05);
    expect(negDone.language).to.equal('en');
    expect(negDone.summary).to.be.a('string').and.contain('parcel');
    expect(negDone.tags).to.include('refund');
    expect(posDone.sentiment, 'positive ticket').to.be.a('number').above(0.05);
    expect(posDone.language).to.equal('zh');

    await page.click('header nav >> text=Tickets');
    await page.waitForSelector('[data-testid=tickets] tbody tr');
    // Newest first; both analysed, so both badges carry their label and score.
    await waitRows(page, (ids) => ids.length === 2);
    const rows = await ticketRows(page);
    expect(rows.map((r) => [r.id, r.sentiment])).to.deep.equal([
      [pos.id, 'positive'],
      [neg.id, 'negative'],
    ]);
    expect(rows[1]!.text)
      .to.contain(NEGATIVE.subject)
      .and.contain(`negative ${negDone.sentiment!.toFixed(2)}`);
    expect(rows[0]!.text).to.contain(POSITIVE_ZH.subject).and.contain('positive +');
    expect(rows[0]!.text).to.contain('满意');

    // Sentiment filter: only the negative one remains.
    await page.selectOption('[data-testid=ticket-filters] select[name=sentiment]', 'negative');
    await page.click('[data-testid=ticket-filters] button[type=submit]');
    expect(await waitRows(page, (ids) => ids.length === 1)).to.deep.equal([neg.id]);
    // Subject search and tag filters narrow too.
    await page.selectOption('[data-testid=ticket-filters] select[name=sentiment]', '');
    await page.fill('[data-testid=ticket-filters] input[name=q]', '问题');
    await page.click('[data-testid=ticket-filters] button[type=submit]');
    expect(await waitRows(page, (ids) => ids.length === 1 && ids[0] === pos.id)).to.deep.equal([pos.id]);
    await page.fill('[data-testid=ticket-filters] input[name=q]', '');
    await page.fill('[data-testid=ticket-filters] input[name=tag]', 'refund');
    await page.click('[data-testid=ticket-filters] button[type=submit]');
    expect(await waitRows(page, (ids) => ids.length === 1 && ids[0] === neg.id)).to.deep.equal([neg.id]);
    await page.fill('[data-testid=ticket-filters] input[name=tag]', '');
    await page.selectOption('[data-testid=ticket-filters] select[name=sentiment]', 'negative');
    await page.click('[data-testid=ticket-filters] button[type=submit]');
    await waitRows(page, (ids) => ids.length === 1);

    // The detail: subject, notes, summary, sentiment, language and the keyword tags.
    await page.click(`[data-testid=tickets] tr[data-ticket="${neg.id}"] td.sentiment`);
    await page.waitForSelector('[data-testid=ticket-detail] [data-testid=ticket-summary]');
    expect(page.url()).to.match(new RegExp(`#/tickets/${neg.id}$`));
    const detail = '[data-testid=ticket-detail]';
    expect(await page.textContent(`${detail} [data-testid=ticket-subject]`)).to.contain(NEGATIVE.subject);
    expect(await page.textContent(`${detail} [data-testid=ticket-body]`)).to.equal(NEGATIVE.body);
    expect(await page.textContent(`${detail} [data-testid=ticket-summary]`)).to.equal(negDone.summary);
    expect(await page.textContent(`${detail} [data-testid=ticket-sentiment]`)).to.contain('negative');
    const chips = (await page.$$eval(`${detail} [data-testid=ticket-tags] .chip`, (els) =>
      els.map((e) => e.textContent),
    )) as string[];
    expect(chips).to.deep.equal(negDone.tags);
    expect(chips).to.include('refund');
    expect(await page.textContent(detail)).to.contain('English');
    await shot(page, 'tickets-detail');

    // An error the API answers is shown in the panel (the server is made to refuse once).
    await page.route(`**/api/tickets/${neg.id}`, (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({
            status: 409,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'conflict', message: 'ticket was changed meanwhile' } }),
          })
        : route.continue(),
    );
    await page.selectOption(`${detail} select[name=status]`, 'solved');
    await page.click(`${detail} button[type=submit]`);
    expect(await waitText(page, `${detail} [role=alert]`, (t) => t !== '')).to.equal('ticket was changed meanwhile');
    await page.unroute(`**/api/tickets/${neg.id}`);

    // Solving it for real: the API says solved, the row follows.
    await page.click(`${detail} button[type=submit]`);
    await page.waitForSelector(`${detail} [data-testid=ticket-saved]`);
    expect(await page.$(`${detail} [role=alert]`)).to.equal(null);
    const after = await callApi<TicketJson>(page, 'GET', `${base}/api/tickets/${neg.id}`);
    expect(after.status).to.equal('solved');
    await waitText(page, `[data-testid=tickets] tr[data-ticket="${neg.id}"]`, (t) => t.includes('solved'));
    // Closing the panel keeps the filtered list.
    await page.click(`${detail} button.close`);
    await page.waitForSelector(detail, { state: 'detached' });
    expect(await waitRows(page, (ids) => ids.length === 1)).to.deep.equal([neg.id]);

    expect(realErrors(errors).filter((e) => !/status of 409/.test(e))).to.deep.equal([]);
    expect(errors.filter((e) => /status of 409/.test(e))).to.have.length(1);
  });

  it('admin: a ticket of a recorded call links the call and plays its recording', async () => {
    const { db } = stack.app;
    const agent = (await db('agents').orderBy('id').first('id')) as { id: number };
    const now = new Date();
    callId = 'tkt-call-1';
    const recordingId = 'tkt-rec-1';
    await db('calls').insert({
      id: callId,
      node: 'test',
      owner: 'test',
      channel_id: 'ch-tkt-1',
      state: 'ended',
      caller_raw: '13800000000',
      caller_e164: '+8613800000000',
      did: '4000',
      queue_id: queue.general.id,
      agent_id: Number(agent.id),
      arrived_at: new Date(now.getTime() - 300_000),
      answered_at: new Date(now.getTime() - 280_000),
      ended_at: new Date(now.getTime() - 60_000),
      wait_s: 20,
      talk_s: 220,
      disposition: 'answered',
      recording_id: recordingId,
    });
    await db('recordings').insert({
      id: recordingId,
      call_id: callId,
      name: 'tkt-rec-1',
      queue_id: queue.general.id,
      agent_id: Number(agent.id),
      state: 'stored',
      started_at: new Date(now.getTime() - 280_000),
      ended_at: new Date(now.getTime() - 60_000),
      duration_s: 220,
    });

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, base, 'admin', user('admin').password);
    const t = await callApi<TicketJson>(page, 'POST', `${base}/api/tickets`, {
      subject: 'Address change',
      body: 'Asked to deliver to the office instead.',
      callId,
    });
    expect(t.recordingId).to.equal(recordingId);
    // A deep link opens the panel directly.
    await page.goto(`${base}/#/tickets/${t.id}`);
    const detail = '[data-testid=ticket-detail]';
    await page.waitForSelector(`${detail} [data-testid=ticket-call]`);
    expect(await page.getAttribute(`${detail} [data-testid=ticket-call]`, 'href')).to.equal(`#/calls/${callId}`);
    await page.waitForSelector(`${detail} .recording button:has-text("Play")`);
    expect(await page.textContent(`${detail} .recording`)).to.contain('3:40');
    await shot(page, 'tickets-recording');
    await page.click(`${detail} [data-testid=ticket-call]`);
    // The call page (its timeline is empty: the call was inserted without events).
    await page.waitForSelector('[data-testid=timeline]', { state: 'attached' });
    expect(page.url()).to.match(new RegExp(`#/calls/${callId}$`));
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('admin: the queue editor sets the satisfaction survey', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, base, 'admin', user('admin').password);
    await page.click('header nav >> text=Queues');
    await page.click('[data-testid=queues] tr:has(td:text-is("general")) button:has-text("Edit")');
    const editor = '[data-testid=queue-editor]';
    await page.waitForSelector(`${editor} select[name=survey]`);
    const options = (await page.$$eval(`${editor} select[name=survey] option`, (els) =>
      els.map((e) => [(e as unknown as { value: string }).value, e.textContent]),
    )) as string[][];
    expect(options).to.deep.equal([
      ['none', 'None'],
      ['ivr', 'IVR after the call'],
      ['sms', 'SMS after the call'],
    ]);
    const before = await callApi<{ items: { name: string; survey: string }[] }>(page, 'GET', `${base}/api/queues`);
    expect(await page.inputValue(`${editor} select[name=survey]`)).to.equal(
      before.items.find((q) => q.name === 'general')!.survey,
    );
    await page.selectOption(`${editor} select[name=survey]`, 'sms');
    expect(await page.textContent(editor)).to.contain('SMS gateway');
    // The queue's own text: one that does not say how to answer is refused under its field.
    await page.fill(`${editor} input[name=surveyText]`, 'How did we do? Tell us!');
    await page.click(`${editor} button[type=submit]`);
    await waitText(page, `${editor} .field-error`, (t) => t.includes('a digit from 1 to 5'));
    await page.fill(`${editor} input[name=surveyText]`, 'Thanks for calling {queue}! Rate us from 1 to 5.');
    await shot(page, 'queue-survey-text');
    await page.click(`${editor} button[type=submit]`);
    await page.waitForSelector(editor, { state: 'detached', timeout: 10_000 });
    const after = await callApi<{ items: { name: string; survey: string; surveyText: string | null }[] }>(
      page,
      'GET',
      `${base}/api/queues`,
    );
    expect(after.items.find((q) => q.name === 'general')).to.deep.include({
      survey: 'sms',
      surveyText: 'Thanks for calling {queue}! Rate us from 1 to 5.',
    });
    await waitText(page, '[data-testid=queues] tr:has(td:text-is("general")) td[data-survey]', (t) => t === 'SMS');
    // The refused save is the one 400 the console saw.
    expect(realErrors(errors).filter((e) => !/status of 400/.test(e))).to.deep.equal([]);
  });

  it('admin: the reports page shows satisfaction per queue, a total, and an empty state', async () => {
    const { db } = stack.app;
    const billingCall = 'tkt-call-2';
    const now = new Date();
    await db('calls').insert({
      id: billingCall,
      node: 'test',
      owner: 'test',
      channel_id: 'ch-tkt-2',
      state: 'ended',
      caller_raw: '13800000001',
      did: '4000',
      queue_id: queue.billing.id,
      arrived_at: new Date(now.getTime() - 200_000),
      ended_at: new Date(now.getTime() - 100_000),
      disposition: 'answered',
    });
    const response = (call: string, score: number, channel = 'ivr') => ({
      call_id: call,
      channel,
      score,
      created_at: now,
    });
    await db('survey_responses').insert([
      response(callId, 5),
      response(callId, 4, 'sms'),
      response(callId, 1),
      response(billingCall, 2),
    ]);

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, base, 'admin', user('admin').password);
    await page.goto(`${base}/#/reports`);
    await page.waitForSelector('[data-testid=survey-section] [data-testid=survey-report]');
    expect(await page.textContent('[data-testid=survey-section] h2')).to.equal('Satisfaction');
    const [first, second] = [queue.billing, queue.general];
    expect(await tableRows(page, 'survey-report', 'tbody')).to.deep.equal([
      [first.label, '1', '2.00', '0', '1', '0', '0', '0', ''],
      [second.label, '3', '3.33', '1', '0', '0', '1', '1', ''],
    ]);
    expect(await tableRows(page, 'survey-report', 'tfoot')).to.deep.equal([
      ['Total', '4', '3.00', '1', '1', '0', '1', '1', ''],
    ]);
    expect(await page.$$('[data-testid=survey-report] .score-bar')).to.have.length(3);
    await shot(page, 'reports-satisfaction');

    // One queue: its row only.
    await page.selectOption('select[name=queueId]', String(queue.general.id));
    await page.click('[data-testid=report-form] button[type=submit]');
    await waitText(page, '[data-testid=survey-range]', (t) => t.endsWith(queue.general.label));
    expect((await tableRows(page, 'survey-report', 'tbody')).map((r) => r[0])).to.deep.equal([queue.general.label]);

    // A range without responses says so.
    await page.selectOption('select[name=queueId]', '');
    await page.fill('input[name=from]', '2025-01-01');
    await page.fill('input[name=to]', '2025-01-02');
    await page.click('[data-testid=report-form] button[type=submit]');
    expect(await waitText(page, '[data-testid=survey-empty]', (t) => t !== '')).to.contain('No survey responses');
    expect(await page.$('[data-testid=survey-report]')).to.equal(null);
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('agent: sees the Tickets page with their own tickets only', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, base, 'agent', user('agent').password);
    await page.click('header nav >> text=Tickets');
    await page.waitForSelector('[data-testid=tickets-count]');
    const mine = await callApi<TicketJson>(page, 'POST', `${base}/api/tickets`, {
      subject: 'Agent follow-up',
      body: 'Call the customer back tomorrow about the invoice.',
    });
    await page.click('button:has-text("Refresh")');
    // The admin's tickets (of no agent) are not the agent's: only the one they wrote.
    expect(await waitRows(page, (ids) => ids.length === 1)).to.deep.equal([mine.id]);
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it("supervisor: sees the tickets of their queues' calls and those of no call", async () => {
    const { db } = stack.app;
    const sup = (await db('users').where({ username: 'supervisor' }).first('id')) as { id: number };
    const queueIds = ((await db('supervisor_queues').where({ user_id: sup.id }).pluck('queue_id')) as number[]).map(
      Number,
    );
    const expected = (
      (await db('tickets as t')
        .leftJoin('calls as c', 'c.id', 't.call_id')
        .where((w) => w.whereNull('t.call_id').orWhereIn('c.queue_id', queueIds))
        .orderBy('t.id', 'desc')
        .pluck('t.id')) as number[]
    ).map(Number);
    expect(expected.length).to.be.greaterThan(0);

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, base, 'supervisor', user('supervisor').password);
    await page.click('header nav >> text=Tickets');
    expect(await waitRows(page, (ids) => ids.length === expected.length)).to.deep.equal(expected);
    await page.click(`[data-testid=tickets] tr[data-ticket="${expected[0]}"] td.num`);
    await page.waitForSelector('[data-testid=ticket-detail] [data-testid=ticket-summary]');
    expect(realErrors(errors)).to.deep.equal([]);
  });
});
