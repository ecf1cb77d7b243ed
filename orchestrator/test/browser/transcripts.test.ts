import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { DEMO_USERS } from '../../src/db/seed/index.js';
import { browserSuite, HEARD, realErrors, shot, signIn, until, waitText, watchErrors, type Stack } from './harness.js';
import { answeredCall, availableAgent, transcriptRow, uploadedRecording } from './support/answered-call.js';

const user = (name: 'admin' | 'supervisor' | 'agent') => DEMO_USERS.find((u) => u.username === name)!;
const EDITOR = '[data-testid=queue-editor]';
const SEGMENT = '[data-testid=transcript-segment]';
const AUDIO = '.recording audio';

/** A transcript segment as shown: its start (data-start), time, speaker label and text, and whether it is marked. */
interface ShownSegment {
  start: string | null;
  time: string;
  speaker: string | null;
  text: string;
  lang: string | null;
  current: string | null;
}

/** The segments of the transcript under `scope` once they are shown (the transcript may still be coming). */
async function shownSegments(page: Page, scope: string, timeoutMs = 10_000): Promise<ShownSegment[]> {
  await page.waitForSelector(`${scope} [data-testid=transcript-segments] ${SEGMENT}`, { timeout: timeoutMs });
  return page.$$eval(`${scope} ${SEGMENT}`, (els) =>
    els.map((el) => ({
      start: el.getAttribute('data-start'),
      time: el.querySelector('.segment-time')?.textContent ?? '',
      speaker: el.querySelector('.segment-speaker')?.textContent ?? null,
      text: el.querySelector('.segment-text')?.textContent ?? '',
      lang: el.querySelector('.segment-text')?.getAttribute('lang') ?? null,
      current: el.getAttribute('aria-current'),
    })),
  );
}

/** The stand-in engine's segments (orchestrator/test/browser/harness.ts) as the panel shows them. */
const HEARD_SHOWN: ShownSegment[] = [
  {
    start: '0.2',
    time: '0:00',
    speaker: 'Speaker A',
    text: 'hello, my parcel never arrived',
    lang: 'en',
    current: null,
  },
  { start: '0.9', time: '0:00', speaker: 'Speaker B', text: 'and I would like a refund', lang: 'en', current: null },
];

/** What the page's players did since `watchMedia`: where each seek landed, plays asked for, segments marked. */
interface MediaSeen {
  seeks: number[];
  plays: number;
  marked: (string | null)[];
}

/**
 * Records the page's media events (captured at the document: they do not bubble) and every segment that gets
 * aria-current, so a test sees a seek or a mark even when playback has moved on by the time it looks.
 */
async function watchMedia(page: Page): Promise<void> {
  await page.evaluate(`{
    const seen = { seeks: [], plays: 0, marked: [] };
    window.mediaSeen = seen;
    document.addEventListener('seeked', (e) => seen.seeks.push(e.target.currentTime), true);
    document.addEventListener('play', () => seen.plays++, true);
    new MutationObserver((records) => {
      for (const r of records)
        if (r.target.getAttribute('aria-current') === 'true') seen.marked.push(r.target.getAttribute('data-start'));
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['aria-current'] });
  }`);
}

/** Waits until what the page's players did satisfies `ok` (the page's CSP allows no waitForFunction), then returns it. */
function mediaSeen(page: Page, what: string, ok: (seen: MediaSeen) => boolean): Promise<MediaSeen> {
  return until(
    what,
    async () => {
      const seen = (await page.evaluate('window.mediaSeen')) as MediaSeen;
      return ok(seen) ? seen : undefined;
    },
    10_000,
  );
}

describe('call transcripts in a browser (queue setting, transcript under the recording player)', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite();
  let stack: Stack;
  let agentPage: Page;
  let agentErrors: string[];
  let callId = '';
  let recordingId = '';

  before(() => {
    stack = suite.stack();
  });

  it('admin: the queue editor turns transcripts on, and shows a refusal under the checkbox', async () => {
    const { app } = stack;
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    await page.click('header nav >> text=Queues');
    const row = '[data-testid=queues] tr:has(td:text-is("general"))';
    await page.waitForSelector(row);
    expect(await page.textContent(`${row} td[data-transcribe]`)).to.equal('on');
    await page.click(`${row} button:has-text("Edit")`);
    const box = `${EDITOR} [data-testid=queue-transcribe]`;
    await page.waitForSelector(`${box} input[name=transcribe]`);
    expect(await page.isChecked(`${box} input[name=transcribe]`)).to.equal(false);
    expect(await page.textContent(`${box} .hint`)).to.equal(
      'speech to text after each call; needs ARIADNE_TRANSCRIBE_COMMAND or ARIADNE_TRANSCRIBE_URL',
    );
    await page.check(`${box} input[name=transcribe]`);

    // A server without an engine refuses: its reason replaces the hint under the checkbox (answered here once).
    const reason = 'transcripts need a speech-to-text engine (ARIADNE_TRANSCRIBE_COMMAND or ARIADNE_TRANSCRIBE_URL)';
    await page.route('**/api/queues/*', (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({
            status: 400,
            contentType: 'application/json',
            body: JSON.stringify({
              error: {
                code: 'validation_failed',
                message: `body.transcribe: ${reason}`,
                details: [{ in: 'body', field: 'transcribe', reason }],
              },
            }),
          })
        : route.continue(),
    );
    await page.click(`${EDITOR} button[type=submit]`);
    expect(await waitText(page, `${box}.invalid .field-error`, (t) => t !== '')).to.equal(reason);
    expect(await page.$(`${box} .hint`)).to.equal(null);
    await shot(page, 'transcripts-queue-refused');
    await page.unroute('**/api/queues/*');

    await page.click(`${EDITOR} button[type=submit]`);
    await page.waitForSelector(EDITOR, { state: 'detached', timeout: 10_000 });
    const saved = (await app.db('queues').where({ name: 'general' }).first('transcribe')) as { transcribe: unknown };
    expect(Boolean(Number(saved.transcribe))).to.equal(true);
    await waitText(page, `${row} td[data-transcribe]`, (t) => t === 'on + transcripts');
    // Opened again: ticked.
    await page.click(`${row} button:has-text("Edit")`);
    await page.waitForSelector(`${box} input[name=transcribe]`);
    expect(await page.isChecked(`${box} input[name=transcribe]`)).to.equal(true);
    await shot(page, 'transcripts-queue-editor');
    expect(realErrors(errors).filter((e) => !/status of 400/.test(e))).to.deep.equal([]);
  });

  it('admin and the agent who took it read the transcript of an answered call; another agent may not', async () => {
    const { app } = stack;
    // Set before the stack's first call (the call flow reads queue settings through a 5 s cache).
    await app.db('queues').where({ name: 'general' }).update({ transcribe: true });

    ({ page: agentPage, errors: agentErrors } = await availableAgent(stack, await newPage()));
    callId = await answeredCall(stack, agentPage);
    recordingId = await uploadedRecording(stack, callId);
    const transcript = await transcriptRow(stack, recordingId);
    expect(transcript.state).to.equal('done');
    expect(transcript.language).to.equal('en');
    expect(transcript.engine).to.equal('command:transcribe');

    // The admin, on the call's page: Transcript opens it below the player.
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    await page.goto(`${app.url}/#/calls/${callId}`);
    const toggle = '.recording [data-testid=transcript-toggle]';
    await page.waitForSelector(toggle);
    expect(await page.textContent(toggle)).to.equal('Transcript');
    expect(await page.$('[data-testid=transcript]')).to.equal(null);
    await page.click(toggle);
    // The stand-in engine gives timed segments: a list of them instead of the paragraph, the same text.
    const shown = await shownSegments(page, '[data-testid=transcript]');
    expect(shown).to.deep.equal(HEARD_SHOWN);
    expect(shown.map((s) => s.text).join(' ')).to.equal(HEARD);
    expect(await page.$('[data-testid=transcript] [data-testid=transcript-text]')).to.equal(null);
    expect(await page.getAttribute('[data-testid=transcript]', 'data-state')).to.equal('done');
    expect(await page.textContent('[data-testid=transcript] .muted')).to.equal('English · command:transcribe');
    expect(await page.textContent(toggle)).to.equal('Hide transcript');
    // Not offered to ask again: it is done.
    expect(await page.$('[data-testid=transcribe]')).to.equal(null);
    await shot(page, 'transcripts-call-detail');

    // A segment plays the recording from its start: not played yet, so its link is fetched first (as ▶ Play does).
    await watchMedia(page);
    expect(await page.$(AUDIO)).to.equal(null);
    await page.click(`${SEGMENT}[data-start="0.9"]`);
    let seen = await mediaSeen(page, 'a seek and a segment marked', (m) => m.seeks.length > 0 && m.marked.length > 0);
    expect(seen.seeks[0], 'the first seek').to.be.within(0.85, 1);
    expect(seen.marked[0], 'the first segment marked').to.equal('0.9');
    expect(seen.plays, 'play() asked for').to.be.greaterThan(0);
    const audio = (await page.evaluate(
      `(a => ({ duration: a.duration, currentTime: a.currentTime }))(document.querySelector('${AUDIO}'))`,
    )) as { duration: number; currentTime: number };
    expect(audio.duration, 'the recording is long enough for the segments').to.be.at.least(1.4);
    expect(audio.currentTime).to.be.at.least(0.85);
    // From the keyboard (real buttons), once loaded: a seek back to the first segment, which gets marked.
    await page.focus(`${SEGMENT}[data-start="0.2"]`);
    await page.keyboard.press('Enter');
    seen = await mediaSeen(
      page,
      'a seek to the first segment, marked',
      (m) => m.seeks.some((t) => t >= 0.15 && t < 0.3) && m.marked.includes('0.2'),
    );
    expect(seen.seeks.length).to.equal(2);
    // Stopped inside the second segment, it alone is marked (and highlighted); between the two, neither is.
    await page.evaluate(`(a => { a.pause(); a.currentTime = 1.1; })(document.querySelector('${AUDIO}'))`);
    await page.waitForSelector(`${SEGMENT}[data-start="0.9"][aria-current=true]`);
    expect((await shownSegments(page, '[data-testid=transcript]')).map((s) => s.current)).to.deep.equal([null, 'true']);
    expect(
      await page.evaluate(`getComputedStyle(document.querySelector('${SEGMENT}[aria-current=true]')).backgroundColor`),
    ).to.not.equal('rgba(0, 0, 0, 0)');
    await shot(page, 'transcripts-segment-playing');
    await page.evaluate(`document.querySelector('${AUDIO}').currentTime = 0.85`);
    await page.waitForSelector(`${SEGMENT}[aria-current]`, { state: 'detached' });
    expect(await page.$('.recording [role=alert]')).to.equal(null);
    await page.click(toggle);
    await page.waitForSelector('[data-testid=transcript]', { state: 'detached' });
    expect(realErrors(errors)).to.deep.equal([]);

    // The agent who took the call, on the Recordings page.
    await agentPage.click('header nav >> text=Recordings');
    const mine = `table.list tr:has(a[href="#/calls/${callId}"])`;
    await agentPage.waitForSelector(`${mine} [data-testid=transcript-toggle]`);
    await agentPage.click(`${mine} [data-testid=transcript-toggle]`);
    expect(await shownSegments(agentPage, mine)).to.deep.equal(HEARD_SHOWN);
    await shot(agentPage, 'transcripts-recordings-agent');
    expect(realErrors(agentErrors)).to.deep.equal([]);

    // Another agent (2002, given a user here): neither the call nor its transcript.
    const admin = page.request;
    const created = await admin.post(`${app.url}/api/users`, {
      data: { username: 'agent2002', displayName: 'Agent 2002', password: 'ariadne-agent-2002', role: 'agent' },
    });
    expect(created.status(), await created.text()).to.equal(201);
    const other = ((await created.json()) as { id: number }).id;
    await app.db('agents').where({ endpoint: 'PJSIP/2002' }).update({ user_id: other });
    const stranger = await newPage();
    const strangerErrors = watchErrors(stranger);
    await signIn(stranger, app.url, 'agent2002', 'ariadne-agent-2002');
    await stranger.goto(`${app.url}/#/calls/${callId}`);
    expect(await waitText(stranger, 'main [role=alert]', (t) => t !== '')).to.match(/belongs to another agent/);
    expect(await stranger.$('[data-testid=transcript-toggle]')).to.equal(null);
    const res = await stranger.request.get(`${app.url}/api/recordings/${recordingId}/transcript`);
    expect(res.status()).to.equal(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).to.contain('own calls');
    // Their Recordings page does not list it.
    await stranger.click('header nav >> text=Recordings');
    await stranger.waitForSelector('main p.muted:has-text("No recordings.")');
    expect(realErrors(strangerErrors).filter((e) => !/status of 40[34]/.test(e))).to.deep.equal([]);
  });

  it('admin: asks for the transcript of a recording its queue did not transcribe', async () => {
    const { app } = stack;
    await app.db('queues').where({ name: 'general' }).update({ transcribe: false });
    await new Promise((r) => setTimeout(r, 5_500)); // the call flow's queue settings cache
    const second = await answeredCall(stack, agentPage);
    const rec = await uploadedRecording(stack, second);
    // Give a transcription that should not happen the time to show up.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await app.db('recording_transcripts').where({ recording_id: rec }).first()).to.equal(undefined);

    // The agent is not offered to ask: only admins and supervisors may.
    const mine = `table.list tr:has(a[href="#/calls/${second}"])`;
    await agentPage.click('header nav >> text=Recordings');
    await agentPage.click(`${mine} [data-testid=transcript-toggle]`);
    await waitText(agentPage, `${mine} [data-testid=transcript]`, (t) => t.includes('Not transcribed'));
    expect(await agentPage.$(`${mine} [data-testid=transcribe]`)).to.equal(null);

    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    await page.click('header nav >> text=Recordings');
    await page.fill('form.filters input', second);
    await page.click('form.filters button[type=submit]');
    const row = `table.list tr:has(a[href="#/calls/${second}"])`;
    await page.waitForSelector(`${row} [data-testid=transcript-toggle]`);
    await page.click(`${row} [data-testid=transcript-toggle]`);
    expect(await waitText(page, `${row} [data-testid=transcript]`, (t) => t !== '')).to.contain(
      'Not transcribed: its queue does not transcribe recordings.',
    );
    await page.waitForSelector(`${row} [data-testid=transcribe]`);
    await shot(page, 'transcripts-not-transcribed');

    // A server without an engine refuses (answered here once): its reason is shown, the button stays.
    const refusal = 'no speech-to-text engine is configured (ARIADNE_TRANSCRIBE_COMMAND or ARIADNE_TRANSCRIBE_URL)';
    await page.route('**/api/recordings/*/transcribe', (route) =>
      route.fulfill({
        status: 409,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'conflict', message: refusal } }),
      }),
    );
    await page.click(`${row} [data-testid=transcribe]`);
    expect(await waitText(page, `${row} [role=alert]`, (t) => t !== '')).to.equal(refusal);
    await page.unroute('**/api/recordings/*/transcribe');

    await page.click(`${row} [data-testid=transcribe]`);
    await page.waitForSelector(`${row} [role=alert]`, { state: 'detached' });
    // Pending at first (the answer to the ask), then done: the panel looks again by itself.
    await waitText(page, `${row} [data-testid=transcript]`, (t) => !t.startsWith('Not transcribed'));
    expect(await page.getAttribute(`${row} [data-testid=transcript]`, 'data-state')).to.equal('pending');
    expect(await page.textContent(`${row} [data-testid=transcript]`)).to.equal('Being transcribed…');
    await shot(page, 'transcripts-pending');
    expect((await shownSegments(page, row, 20_000)).map((s) => s.text).join(' ')).to.equal(HEARD);
    expect(await page.$(`${row} [data-testid=transcribe]`)).to.equal(null);
    const made = (await app.db('recording_transcripts').where({ recording_id: rec }).first('state')) as {
      state: string;
    };
    expect(made.state).to.equal('done');

    // Asked again (another tab was quicker): the conflict is said in words.
    const again = await page.request.post(`${app.url}/api/recordings/${rec}/transcribe`, { data: {} });
    expect(again.status()).to.equal(409);
    await shot(page, 'transcripts-on-demand');
    expect(realErrors(errors).filter((e) => !/status of 40[49]/.test(e))).to.deep.equal([]);
    expect(realErrors(agentErrors).filter((e) => !/status of 404/.test(e))).to.deep.equal([]);
  });

  it('a transcript in plain text (no segments) keeps its paragraph; segments an hour in, engine labels', async () => {
    const { app } = stack;
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    // The stand-in engine always gives segments: the server's answer is rewritten here as other engines' would be.
    let segments: unknown = null;
    await page.route('**/api/recordings/*/transcript', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as Record<string, unknown>;
      await route.fulfill({ response: res, json: { ...body, segments } });
    });
    await page.goto(`${app.url}/#/calls/${callId}`);
    const toggle = '.recording [data-testid=transcript-toggle]';
    const reopen = async () => {
      if (await page.$('[data-testid=transcript]')) {
        await page.click(toggle);
        await page.waitForSelector('[data-testid=transcript]', { state: 'detached' });
      }
      await page.click(toggle);
      await page.waitForSelector('[data-testid=transcript][data-state=done]');
    };

    // Plain text (segments null), and an empty list: the paragraph, as before segments.
    for (const none of [null, []]) {
      segments = none;
      await reopen();
      expect(await waitText(page, '[data-testid=transcript-text]', (t) => t !== '')).to.equal(HEARD);
      expect(await page.getAttribute('[data-testid=transcript-text]', 'lang')).to.equal('en');
      expect(await page.$('[data-testid=transcript-segments]')).to.equal(null);
    }
    await shot(page, 'transcripts-plain-text');

    // Past an hour: h:mm:ss; a label longer than two characters is shown as given, no label leaves its column empty.
    segments = [
      { start: 3700.6, end: 3702, text: 'are you still there?', speaker: 'SPEAKER_01' },
      { start: 3702.5, end: 3703, text: 'yes', speaker: null },
      { start: 3703.2, end: 3705, text: 'good', speaker: '2' },
    ];
    await reopen();
    expect(
      (await shownSegments(page, '[data-testid=transcript]')).map((s) => [s.start, s.time, s.speaker, s.text]),
    ).to.deep.equal([
      ['3700.6', '1:01:40', 'SPEAKER_01', 'are you still there?'],
      ['3702.5', '1:01:42', '', 'yes'],
      ['3703.2', '1:01:43', 'Speaker 2', 'good'],
    ]);
    await shot(page, 'transcripts-segments-labels');
    // No speakers at all: no speaker column.
    segments = [{ start: 65, end: 66, text: 'just text', speaker: null }];
    await reopen();
    expect(
      (await shownSegments(page, '[data-testid=transcript]')).map((s) => [s.time, s.speaker, s.text]),
    ).to.deep.equal([['1:05', null, 'just text']]);
    expect(await page.$('[data-testid=transcript] .segment-speaker')).to.equal(null);
    await page.unroute('**/api/recordings/*/transcript');
    expect(realErrors(errors)).to.deep.equal([]);
  });
});
