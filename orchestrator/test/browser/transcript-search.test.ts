import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { DEMO_USERS } from '../../src/db/seed/index.js';
import { browserSuite, realErrors, shot, signIn, until, waitText, watchErrors, type Stack } from './harness.js';
import { answeredCall, availableAgent, transcriptRow, uploadedRecording } from './support/answered-call.js';

const user = (name: 'admin' | 'supervisor' | 'agent') => DEMO_USERS.find((u) => u.username === name)!;
const CARD = '[data-testid=transcript-search-card]';
const FORM = '[data-testid=transcript-search]';
const RESULTS = '[data-testid=transcript-search-results]';
const HIT = `${RESULTS} [data-testid=transcript-hit]`;

/** 'YYYY-MM-DD' of a local date, as a date input holds it. */
function dayOf(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** A hit as shown: where its link goes, and each match's time, text and the marked words. */
interface ShownHit {
  href: string | null;
  matches: { at: string; text: string; marked: string[] }[];
}

async function shownHits(page: Page): Promise<ShownHit[]> {
  return page.$$eval(HIT, (els) =>
    els.map((el) => ({
      href: el.querySelector('a.transcript-hit')?.getAttribute('href') ?? null,
      matches: [...el.querySelectorAll('[data-testid=transcript-search-match]')].map((m) => ({
        at: m.querySelector('.match-at')?.textContent ?? '',
        text: m.querySelector('.match-text')?.textContent ?? '',
        marked: [...m.querySelectorAll('.match-text mark')].map((k) => k.textContent ?? ''),
      })),
    })),
  );
}

/** Fills the search form's words (dates and queue as they are) and searches; the address the page asked, once answered. */
async function search(page: Page, q: string): Promise<URL> {
  await page.fill(`${FORM} input[name=q]`, q);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/transcripts/search')),
    page.click(`${FORM} button[type=submit]`),
  ]);
  return new URL(res.request().url());
}

describe('searching what was said on calls, in a browser (the Recordings page)', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite();
  let stack: Stack;
  let agentPage: Page;
  let agentErrors: string[];
  let callId = '';

  before(() => {
    stack = suite.stack();
  });

  it('an answered call on a transcribing queue is transcribed', async () => {
    const { app } = stack;
    // Set before the stack's first call (the call flow reads queue settings through a 5 s cache).
    await app.db('queues').where({ name: 'general' }).update({ transcribe: true });
    ({ page: agentPage, errors: agentErrors } = await availableAgent(stack, await newPage()));
    callId = await answeredCall(stack, agentPage);
    const transcript = await transcriptRow(stack, await uploadedRecording(stack, callId));
    expect(transcript.state).to.equal('done');
  });

  it('admin: "REFUND" over the last 7 days finds the call, where it was said marked; the hit opens the call', async () => {
    const { app } = stack;
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    await page.click('header nav >> text=Recordings');
    await page.waitForSelector(`${CARD} h2:text-is("Search what was said")`);
    // The last 7 days, today included, in the browser's time zone (this machine's).
    const now = new Date();
    const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
    const weekAgo = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 6);
    expect(await page.inputValue(`${FORM} input[name=from]`)).to.equal(dayOf(weekAgo));
    expect(await page.inputValue(`${FORM} input[name=to]`)).to.equal(dayOf(today));
    expect(await page.inputValue(`${FORM} select[name=queueId]`)).to.equal('');
    expect(await page.textContent(`${FORM} select[name=queueId] option:checked`)).to.equal('all queues');
    // The card comes before the recordings' own filters (whose Call id input the other tests fill).
    expect(await page.$$eval('main form', (forms) => forms.map((f) => f.className))).to.deep.equal([
      'transcript-search-form',
      'filters',
    ]);

    const sent = await search(page, 'REFUND');
    // From the start of From to the start of the day after To, local time.
    expect(Object.fromEntries(sent.searchParams)).to.deep.equal({
      q: 'REFUND',
      from: weekAgo.toISOString(),
      to: new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).toISOString(),
    });
    await page.waitForSelector(HIT);
    expect(await shownHits(page)).to.deep.equal([
      {
        href: `#/calls/${callId}`,
        matches: [{ at: '0:00', text: 'and I would like a refund', marked: ['refund'] }],
      },
    ]);
    expect(await page.textContent(`${HIT} .transcript-hit-time`)).to.not.equal('');
    expect(await page.textContent(`${HIT} .match-text`)).to.equal('and I would like a refund');
    expect(await page.getAttribute(`${HIT} .match-text`, 'lang')).to.equal('en');
    expect(await page.textContent('[data-testid=transcript-search-summary]')).to.match(
      /^Searched 1 transcript of recordings started .+: 1 call where “REFUND” was said\.$/,
    );
    expect(await page.$('[data-testid=transcript-search-truncated]')).to.equal(null);
    expect(await page.$('[data-testid=transcript-search-none]')).to.equal(null);
    // The mark is painted (not just there).
    expect(await page.evaluate(`getComputedStyle(document.querySelector('${HIT} mark')).backgroundColor`)).to.not.equal(
      'rgba(0, 0, 0, 0)',
    );
    await shot(page, 'transcript-search-hit');

    await page.click(`${HIT} a.transcript-hit`);
    // (No waitForFunction: the page's CSP forbids it; the URL is polled.)
    await until('the call page', async () => (page.url().endsWith(`#/calls/${callId}`) ? true : undefined), 10_000);
    await page.waitForSelector('.page-header h1:text-is("Call")');
    await page.waitForSelector(`code:text-is("${callId}")`);
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('admin: a phrase nobody said says so; refusals (one character, From after To) show under their field', async () => {
    const { app } = stack;
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    await page.click('header nav >> text=Recordings');
    await page.waitForSelector(FORM);

    await search(page, 'cancel my account');
    expect(await waitText(page, '[data-testid=transcript-search-none]', (t) => t !== '')).to.equal(
      'No call in these days has “cancel my account” in its transcript.',
    );
    expect(await page.textContent('[data-testid=transcript-search-summary]')).to.match(
      /^Searched 1 transcript of recordings started [^:]+\.$/,
    );
    expect(await page.$(HIT)).to.equal(null);
    await shot(page, 'transcript-search-none');

    // One character: the server's reason under Words, not in a box; the results of before are gone.
    await search(page, 'x');
    const words = `${FORM} .field:has(input[name=q])`;
    expect(await waitText(page, `${words}.invalid .field-error`, (t) => t !== '')).to.equal('at least 2 characters');
    expect(await page.$(`${CARD} [role=alert]`)).to.equal(null);
    expect(await page.$(RESULTS)).to.equal(null);
    // The reason under Words moves nothing else: the inputs stay level, the button beside them.
    const box = async (selector: string) => (await page.locator(`${FORM} ${selector}`).boundingBox())!;
    const [q, day, button] = [await box('input[name=q]'), await box('input[name=from]'), await box('button')];
    expect(Math.abs(q.y - day.y), 'Words and From level').to.be.below(1);
    expect(Math.abs(button.y + button.height / 2 - (q.y + q.height / 2)), 'Search beside them').to.be.below(2);
    await shot(page, 'transcript-search-refused');

    // From after To: the server's reason under From.
    await page.fill(`${FORM} input[name=from]`, '2026-03-10');
    await page.fill(`${FORM} input[name=to]`, '2026-03-01');
    await search(page, 'refund');
    const from = `${FORM} .field:has(input[name=from])`;
    expect(await waitText(page, `${from}.invalid .field-error`, (t) => t !== '')).to.equal('must be before `to`');
    expect(await page.$(`${words}.invalid`)).to.equal(null);
    expect(realErrors(errors).filter((e) => !/status of 400/.test(e))).to.deep.equal([]);
  });

  it('the results as other answers would have them: cut short, said in text only, an hour in, full width', async () => {
    const { app } = stack;
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    // The server's answer rewritten: the stand-in engine always gives the same two segments.
    await page.route('**/api/transcripts/search?*', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { hits: { matches: unknown[] }[] };
      const hit = body.hits[0]!;
      const matches = [
        { at: null, text: '…she said ＲＥＦＵＮＤ twice. Refund, refund!' },
        { at: 3700.6, text: 'no refunds after thirty days…' },
      ];
      await route.fulfill({
        response: res,
        json: {
          ...body,
          truncated: true,
          hits: [
            { ...hit, matches },
            { ...hit, recordingId: 'r2', callId: null },
          ],
        },
      });
    });
    await page.click('header nav >> text=Recordings');
    await page.waitForSelector(FORM);
    await search(page, 'refund');
    await page.waitForSelector(HIT);
    expect(await shownHits(page)).to.deep.equal([
      {
        href: `#/calls/${callId}`,
        matches: [
          {
            at: '',
            text: '…she said ＲＥＦＵＮＤ twice. Refund, refund!',
            marked: ['ＲＥＦＵＮＤ', 'Refund', 'refund'],
          },
          { at: '1:01:40', text: 'no refunds after thirty days…', marked: ['refund'] },
        ],
      },
      // No call: no link.
      { href: null, matches: [{ at: '0:00', text: 'and I would like a refund', marked: ['refund'] }] },
    ]);
    expect(await page.textContent('[data-testid=transcript-search-truncated]')).to.contain('Narrow the dates');
    await shot(page, 'transcript-search-truncated');
    await page.unroute('**/api/transcripts/search?*');
    expect(realErrors(errors)).to.deep.equal([]);
  });

  it('supervisor: searches their queues; an agent has no search', async () => {
    const { app } = stack;
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'supervisor', user('supervisor').password);
    await page.click('header nav >> text=Recordings');
    await page.waitForSelector(FORM);
    expect(await page.textContent(`${FORM} select[name=queueId] option:checked`)).to.equal('all my queues');
    // Their queues (the demo supervisor has every demo queue), general among them.
    const general = (await app.db('queues').where({ name: 'general' }).first('id')) as { id: number };
    await page.selectOption(`${FORM} select[name=queueId]`, String(general.id));
    const sent = await search(page, 'parcel never arrived');
    expect(sent.searchParams.get('queueId')).to.equal(String(general.id));
    await page.waitForSelector(HIT);
    expect(await shownHits(page)).to.deep.equal([
      {
        href: `#/calls/${callId}`,
        matches: [{ at: '0:00', text: 'hello, my parcel never arrived', marked: ['parcel never arrived'] }],
      },
    ]);
    await shot(page, 'transcript-search-supervisor');
    expect(realErrors(errors)).to.deep.equal([]);

    // The agent's Recordings page: their recordings, no search (the page asked who they are and showed nothing).
    const asked = agentPage.waitForResponse((r) => r.url().endsWith('/api/auth/me'));
    await agentPage.click('header nav >> text=Recordings');
    await asked;
    await agentPage.waitForSelector(`table.list a[href="#/calls/${callId}"]`);
    expect(await agentPage.$(CARD)).to.equal(null);
    expect(await agentPage.$(FORM)).to.equal(null);
    const res = await agentPage.request.get(`${app.url}/api/transcripts/search?q=refund`);
    expect(res.status()).to.equal(403);
    await shot(agentPage, 'transcript-search-agent');
    expect(realErrors(agentErrors)).to.deep.equal([]);
  });
});
