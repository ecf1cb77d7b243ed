import { expect } from 'chai';
import { DEMO_SCORECARD, DEMO_USERS } from '../../src/db/seed/index.js';
import { agentOf, browserSuite, realErrors, shot, signIn, waitText, watchErrors } from './harness.js';

const user = (name: 'admin' | 'supervisor' | 'agent') => DEMO_USERS.find((u) => u.username === name)!;
const CALL_ID = 'qa-call-1';

describe('quality evaluations in a browser (scorecards, evaluating a call, the agent acknowledging)', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite();

  before(async () => {
    const { app } = suite.stack();
    const agent = await agentOf(app, 'agent');
    const queue = (await app.db('queues').orderBy('id').first('id')) as { id: number };
    const now = Date.now();
    await app.db('calls').insert({
      id: CALL_ID,
      node: 'test',
      owner: 'test',
      channel_id: 'ch-qa-1',
      state: 'ended',
      caller_raw: '13800000000',
      caller_e164: '+8613800000000',
      did: '4000',
      queue_id: queue.id,
      agent_id: agent.id,
      arrived_at: new Date(now - 300_000),
      answered_at: new Date(now - 280_000),
      ended_at: new Date(now - 60_000),
      wait_s: 20,
      talk_s: 220,
      disposition: 'answered',
    });
  });

  it('admin sees the demo scorecard and adds one of their own', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    await page.click('header nav >> text=Evaluations');
    await page.click('main >> a.button:has-text("Scorecards")');
    await waitText(page, 'main', (t) => t.includes(DEMO_SCORECARD.name));
    await page.click('text=New scorecard');
    const form = '[data-testid=scorecard-form]';
    await page.fill(`${form} input[name=name]`, 'Sales calls');
    await page.fill(`${form} input[name=text-0]`, 'Asked what the customer needs');
    await page.click(`${form} >> text=Add question`);
    await page.fill(`${form} input[name=key-1]`, 'consent');
    await page.fill(`${form} input[name=text-1]`, 'Read the recording consent');
    await page.fill(`${form} input[name=weight-1]`, '5');
    await page.check(`${form} input[name=critical-1]`);
    await shot(page, 'quality-scorecard-form');
    await page.click(`${form} button[type=submit]`);
    await waitText(page, 'main', (t) => t.includes('Sales calls') && t.includes('a "no" fails the call'));
    const saved = await app.db('scorecards').where({ name: 'Sales calls' }).first('questions');
    expect(JSON.parse(saved.questions)).to.deep.equal([
      { key: 'q1', text: 'Asked what the customer needs', weight: 1, critical: false, allowNa: false },
      { key: 'consent', text: 'Read the recording consent', weight: 5, critical: true, allowNa: false },
    ]);
    await shot(page, 'quality-scorecards');
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('a supervisor evaluates the call from its page; a missing answer is named; the score shows', async () => {
    const { app } = suite.stack();
    // The agent is in their workspace while their call is evaluated.
    const agentPage = await newPage();
    const agentErrors = watchErrors(agentPage);
    await signIn(agentPage, app.url, 'agent', user('agent').password);
    await agentPage.waitForSelector('[data-testid=presence]');
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'supervisor', user('supervisor').password);
    await page.goto(`${app.url}/#/calls/${CALL_ID}`);
    await page.click('[data-testid=call-quality] >> text=Evaluate this call');
    const form = '[data-testid=evaluate-form]';
    await page.selectOption(`${form} select[name=scorecard]`, { label: DEMO_SCORECARD.name });
    await page.check(`${form} input[name=answer-greeting][value=yes]`);
    await page.check(`${form} input[name=answer-identity][value=na]`);
    await page.check(`${form} input[name=answer-resolved][value=yes]`);
    await page.check(`${form} input[name=answer-promises][value=yes]`);
    await page.click(`${form} button[type=submit]`);
    await waitText(page, `${form} [data-question=close] .field-error`, (t) => t.includes('not answered'));
    await page.check(`${form} input[name=answer-close][value=no]`);
    await page.fill(`${form} textarea[name=comment]`, 'Offer further help before you close.');
    await page.click(`${form} button[type=submit]`);
    // 1 + 4 + 2 of 8 (identity does not apply).
    await waitText(page, '[data-testid=call-quality] .score', (t) => t === '87.5 %');
    await shot(page, 'quality-call-evaluated');
    // The agent is told at once, with a link to it.
    await waitText(agentPage, '[data-testid=evaluation-notice]', (t) => t.includes('87.5 %'));
    await shot(agentPage, 'quality-agent-notice');
    await agentPage.click('[data-testid=evaluation-notice] >> text=Read it');
    await agentPage.waitForSelector('[data-testid=evaluation-open] [data-testid=evaluation-comment]');
    expect(realErrors(agentErrors)).to.deep.equal([]);
    await page.click('header nav >> text=Evaluations');
    await waitText(page, '[data-testid=quality-by-agent] tbody', (t) => t.includes('87.5 %'));
    await shot(page, 'quality-evaluations-staff');
    // The error the test provoked (the unanswered question) is the only one.
    expect(realErrors(errors).filter((e) => !/status of 400/.test(e))).to.deep.equal([]);
  });

  it('the agent reads it under My evaluations and acknowledges it with a reply', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'agent', user('agent').password);
    await page.click('header nav >> text=Evaluations');
    await waitText(page, '[data-testid=evaluations] tbody', (t) => t.includes('87.5 %') && t.includes('not yet'));
    expect(await page.$('[data-testid=quality-by-agent]')).to.equal(null);
    await page.click('[data-testid=evaluations] tbody tr >> nth=0 >> a');
    await page.waitForSelector('[data-testid=evaluation-open] [data-testid=evaluation-comment]');
    await page.fill('[data-testid=acknowledge-form] input[name=reply]', 'Understood, thanks.');
    await page.click('[data-testid=acknowledge-form] button[type=submit]');
    await waitText(page, '[data-testid=evaluation-open] [data-testid=evaluation-acknowledged]', (t) =>
      t.includes('Understood, thanks.'),
    );
    await shot(page, 'quality-agent-acknowledged');
    const row = await app.db('evaluations').where({ call_id: CALL_ID }).first('agent_comment', 'acknowledged_at');
    expect(row.agent_comment).to.equal('Understood, thanks.');
    expect(row.acknowledged_at).to.not.equal(null);
    expect(realErrors(errors)).to.deep.equal([]);
  });
});
