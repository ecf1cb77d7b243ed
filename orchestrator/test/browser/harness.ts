// Shared set-up for the browser tests: build the UI when its sources are newer than admin-ui/dist, boot the whole
// orchestrator in demo mode (SQLite, built-in simulator, no background traffic) and drive Debian's chromium.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startAriadne, type RunningAriadne } from '../../src/app.js';
import { testConfig } from '../../src/config/load.js';
import { createTestDb, type TestDb } from '../support/db.js';

const ROOT = process.cwd();
export const ARTIFACTS = join(ROOT, 'test-artifacts');
const CHROMIUM = process.env.ARIADNE_CHROMIUM ?? '/usr/bin/chromium';

import { ensureUiBuilt } from '../../../scripts/ensure-ui.js';

/** What the stand-in speech-to-text engine hears on every recording (its queue must transcribe: off by default). */
export const HEARD = 'hello, my parcel never arrived and I would like a refund';

export interface Stack {
  app: RunningAriadne;
  stop(): Promise<void>;
}

/** What a suite may add to the harness's stack and browser. */
export interface BrowserSuiteOptions {
  /** Extra settings for the stack, read when it starts (a suite's own servers are up by then). */
  env?: () => Record<string, string>;
  /** Chromium flags besides CHROMIUM_ARGS. */
  chromiumArgs?: readonly string[];
  /** Permissions every page's context is granted (a test may clear them). */
  permissions?: string[];
}

async function startStack(env: Record<string, string>): Promise<Stack> {
  const t: TestDb = await createTestDb('sqlite', { migrate: false });
  const dir = mkdtempSync(join(tmpdir(), 'ariadne-browser-'));
  // A speech-to-text engine that hears the same sentence on every recording (run as `<script> <wav> <language>`), in
  // two timed segments by two speakers: the JSON form engines may print instead of plain text.
  const transcribe = join(dir, 'transcribe.sh');
  const heard = {
    text: HEARD,
    segments: [
      { start: 0.2, end: 0.8, text: 'hello, my parcel never arrived', speaker: 'A' },
      { start: 0.9, end: 1.4, text: 'and I would like a refund', speaker: 'B' },
    ],
  };
  if (heard.segments.map((s) => s.text).join(' ') !== HEARD) throw new Error('the stand-in segments must make HEARD');
  writeFileSync(transcribe, `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(heard)}\nEOF\n`, { mode: 0o755 });
  const config = testConfig({
    ARIADNE_DB_URL: t.url,
    ARIADNE_HTTP_PORT: '0',
    ARIADNE_HTTP_HOST: '127.0.0.1',
    ARIADNE_STORAGE_URL: `file:${dir}/rec`,
    // A gateway nobody answers (the discard port): queues may choose the SMS survey; no test sends one.
    ARIADNE_SMS_URL: 'http://127.0.0.1:9/sms',
    // Queues may transcribe (none does until a test says so).
    ARIADNE_TRANSCRIBE_COMMAND: transcribe,
    ...env,
  });
  const app = await startAriadne(
    { ...config, demo: { ...config.demo, callsPerMinute: 0, historyDays: 0 } },
    // No unattended demo agents: the agent in the browser is the only one who can take a call.
    { simulator: { playbackMs: 20 }, demoAgentsAvailable: 0, recordingKeyPath: join(dir, 'key') },
  );
  // The demo IVR checks business hours; open them round the clock so the tests do not depend on the wall clock.
  const always = JSON.stringify(
    Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]])),
  );
  await app.db('business_hours').update({ weekly: always });
  await app.db('holidays').delete();
  return {
    app,
    async stop() {
      await app.stop();
      await t.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The agents row of a signed-in user (the demo `agent` has one): what the tests look up about them. */
export interface AgentOfUser {
  readonly id: number;
  readonly name: string;
  readonly endpoint: string;
  readonly state: string;
  readonly pauseReason: string | null;
}

export async function agentOf(app: RunningAriadne, username: string): Promise<AgentOfUser> {
  const row = (await app
    .db('agents')
    .join('users', 'users.id', 'agents.user_id')
    .where('users.username', username)
    .first('agents.id', 'agents.name', 'agents.endpoint', 'agents.state', 'agents.pause_reason')) as
    { id: number; name: string; endpoint: string; state: string; pause_reason: string | null } | undefined;
  if (!row) throw new Error(`user ${username} has no agent`);
  return {
    id: Number(row.id),
    name: row.name,
    endpoint: row.endpoint,
    state: row.state,
    pauseReason: row.pause_reason,
  };
}

/** How every browser test starts Debian's Chromium. */
const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

async function launchBrowser(extraArgs: readonly string[]): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set ARIADNE_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, timeout: 30_000, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Signs in through the login form and waits for the shell. */
export async function signIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=whoami]', { timeout: 10_000 });
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Collects uncaught page errors and console errors, so a test can assert the UI ran cleanly. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Errors a healthy page may still log: the signed-out probe of /api/auth/me answers 401 by design. */
export function realErrors(errors: readonly string[]): string[] {
  return errors.filter((e) => !/status of 401/.test(e));
}

/** Polls an element's text until `ok` accepts it (pages update from WebSocket pushes and fetches). */
export async function waitText(
  page: Page,
  selector: string,
  ok: (t: string) => boolean,
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = (await page.textContent(selector, { timeout: timeoutMs }).catch(() => null)) ?? '';
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting on ${selector} (last text: "${last}")`);
}

/** Polls `probe` until it finds something (a row the app wrote, a call's state), or fails naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface BrowserSuite {
  /** The running stack (from the suite's first before hook on). */
  readonly stack: () => Stack;
  /** A page in a browser context of its own (its own session cookie), closed when the suite ends. */
  newPage(): Promise<Page>;
}

/**
 * Registers a browser suite's fixtures in the calling describe: the UI built, the whole stack and Chromium started
 * before its tests, and every context, the browser and the stack closed after them.
 */
export function browserSuite(options: BrowserSuiteOptions = {}): BrowserSuite {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  before(async function () {
    this.timeout(180_000);
    ensureUiBuilt();
    stack = await startStack(options.env?.() ?? {});
    browser = await launchBrowser(options.chromiumArgs ?? []);
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await stack?.stop();
  });
  return {
    stack: () => {
      if (!stack) throw new Error('the browser suite has not started');
      return stack;
    },
    async newPage() {
      if (!browser) throw new Error('the browser suite has not started');
      const context = await browser.newContext({
        viewport: { width: 1400, height: 900 },
        permissions: options.permissions ?? [],
      });
      contexts.push(context);
      return context.newPage();
    },
  };
}
