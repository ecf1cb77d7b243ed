import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { DEMO_CUSTOMERS, DEMO_DID, DEMO_USERS } from '../../../src/db/seed/index.js';
import { signIn, until, watchErrors, type Stack } from '../harness.js';

/** What the transcript browser tests share: a real answered call on the simulator, its recording and transcript. */

// English (the stand-in engine is set up for en only), then 0 (an agent) in the main menu.
const CALLER_SCRIPT = [
  { atMs: 300, dtmf: '2' },
  { atMs: 900, dtmf: '0' },
];
// A gold customer: routed to the general queue, whatever the menu.
const gold = DEMO_CUSTOMERS.find((c) => c.key === 'gold')!;

/**
 * The browser's agent (2001) takes a call from the gold customer in English, talks a moment and hangs up, then
 * finishes the wrap-up (available again); the call's id.
 */
export async function answeredCall(stack: Stack, agentPage: Page): Promise<string> {
  const { app } = stack;
  const known = (await app.db('calls').pluck('id')) as string[];
  if (!agentPage.url().endsWith('#/workspace')) await agentPage.click('header nav >> text=Workspace');
  await agentPage.waitForSelector('[data-testid=presence] .badge.state-available');
  app.simulator!.control.placeCall({ from: gold.phone, to: DEMO_DID, script: CALLER_SCRIPT });
  await agentPage.waitForSelector('[data-testid=screen-pop].phase-connected', { timeout: 20_000 });
  await new Promise((r) => setTimeout(r, 1500)); // something to record
  await agentPage.click('[data-testid=hangup]');
  await agentPage.waitForSelector('[data-testid=wrap-up]', { timeout: 10_000 });
  await agentPage.click('[data-testid=wrap-up] button[type=submit]');
  await agentPage.waitForSelector('[data-testid=wrap-up]', { state: 'detached', timeout: 10_000 });
  const row = (await app.db('calls').whereNotIn('id', known).whereNotNull('answered_at').first('id', 'language')) as
    { id: string; language: string | null } | undefined;
  expect(row, 'the answered call').to.not.equal(undefined);
  expect(row!.language).to.equal('en');
  return row!.id;
}

/** The id of the call's recording once it is stored (uploaded). */
export function uploadedRecording(stack: Stack, callId: string): Promise<string> {
  return until(`the recording of call ${callId} stored`, async () => {
    const r = (await stack.app.db('recordings').where({ call_id: callId, state: 'uploaded' }).first('id')) as
      { id: string } | undefined;
    return r?.id;
  });
}

/** The demo's agent (2001) signed in on a page of its own and logged in, available; the page's errors watched. */
export async function availableAgent(stack: Stack, page: Page): Promise<{ page: Page; errors: string[] }> {
  const errors = watchErrors(page);
  const agent = DEMO_USERS.find((u) => u.username === 'agent')!;
  await signIn(page, stack.app.url, 'agent', agent.password);
  await page.click('[data-testid=presence] button:has-text("Log in")');
  await page.waitForSelector('[data-testid=presence] .badge.state-available');
  return { page, errors };
}

/** The recording's transcript row once the engine has written it. */
export function transcriptRow(
  stack: Stack,
  recordingId: string,
): Promise<{ state: string; engine: string; language: string | null }> {
  return until('the transcript', async () => {
    const t = (await stack.app.db('recording_transcripts').where({ recording_id: recordingId }).first()) as
      { state: string; engine: string; language: string | null } | undefined;
    return t;
  });
}
