import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { DEMO_USERS } from '../../src/db/seed/index.js';
import { codeAt } from '../support/totp.js';
import { browserSuite, realErrors, shot, signIn, waitText, watchErrors } from './harness.js';

const user = (name: 'admin' | 'agent') => DEMO_USERS.find((u) => u.username === name)!;
const CARD = '[data-testid=two-factor-card]';

/** Password step, then the code step the form turns into. */
async function signInWithCode(page: Page, url: string, username: string, password: string, code: string) {
  await page.goto(url);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=two-factor-prompt]');
  await page.fill('input[name=code]', code);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=whoami]', { timeout: 10_000 });
}

/** Sets two-factor up on the open account page; the secret and the recovery codes shown. */
async function setUp(page: Page, password: string): Promise<{ secret: string; codes: string[] }> {
  await page.fill(`${CARD} input[name=password]`, password);
  await page.click(`${CARD} [data-testid=two-factor-start] button[type=submit]`);
  await page.waitForSelector(`${CARD} img.qr`);
  await shot(page, `two-factor-qr-${await page.textContent('[data-testid=whoami] .muted')}`);
  const secret = ((await page.textContent('[data-testid=two-factor-secret]')) ?? '').replace(/\s/g, '');
  await page.fill(`${CARD} input[name=code]`, codeAt(secret));
  await page.click(`${CARD} [data-testid=two-factor-confirm] button[type=submit]`);
  await page.waitForSelector('[data-testid=recovery-codes]');
  const codes = (await page.$$eval('[data-testid=recovery-codes] li', (items) =>
    items.map((i) => (i.textContent ?? '').trim()),
  )) as string[];
  return { secret, codes };
}

describe('two-factor sign-in in a browser', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite({ env: () => ({ ARIADNE_TWO_FACTOR_REQUIRED_FOR: 'admin' }) });
  let adminRecoveryCodes: string[] = [];

  it('an admin whose role requires it sets it up before anything else opens, then signs in with a code', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'admin', user('admin').password);
    await page.waitForSelector('[data-testid=two-factor-required]');
    expect(await page.$$('header nav a')).to.have.length(0);
    expect(await page.textContent('[data-testid=two-factor-state]')).to.contain('Your role signs in with a code');

    await page.fill(`${CARD} input[name=password]`, 'not-the-password');
    await page.click(`${CARD} [data-testid=two-factor-start] button[type=submit]`);
    await waitText(page, `${CARD} .field-error`, (t) => t.includes('wrong password'));

    const { secret, codes } = await setUp(page, user('admin').password);
    await shot(page, 'two-factor-recovery-codes');
    expect(codes).to.have.length(10);
    adminRecoveryCodes = codes;
    await page.click('[data-testid=recovery-codes] >> text=I have saved them');
    await page.waitForSelector('header nav >> text=Wallboard');

    await page.click('header >> text=Sign out');
    await page.waitForSelector('input[name=username]');
    // The next time step: the code just used is spent.
    await signInWithCode(page, app.url, 'admin', user('admin').password, codeAt(secret, new Date(Date.now() + 30_000)));
    await page.waitForSelector('header nav >> text=Users');
    // The one refusal the test asked for: the wrong password.
    expect(realErrors(errors).filter((e) => !/status of 400/.test(e))).to.deep.equal([]);
  });

  it('an agent turns it on from their account, signs in with a recovery code, and an admin resets it', async () => {
    const { app } = suite.stack();
    const page = await newPage();
    const errors = watchErrors(page);
    await signIn(page, app.url, 'agent', user('agent').password);
    await page.click('[data-testid=whoami]');
    await page.waitForSelector(`${CARD} [data-testid=two-factor-state]`);
    expect(await page.textContent(`${CARD} [data-testid=two-factor-state]`)).to.contain('Off.');
    const { codes } = await setUp(page, user('agent').password);
    await page.click('[data-testid=recovery-codes] >> text=I have saved them');
    await waitText(page, `${CARD} [data-testid=two-factor-state]`, (t) => t.includes('10 recovery codes left'));
    await shot(page, 'two-factor-account');

    await page.click('header >> text=Sign out');
    await page.waitForSelector('input[name=username]');
    await page.fill('input[name=username]', 'agent');
    await page.fill('input[name=password]', user('agent').password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=two-factor-prompt]');
    await page.fill('input[name=code]', '000000');
    await page.click('button[type=submit]');
    await waitText(page, '.login-card [role=alert]', (t) => t.includes('wrong two-factor code'));
    await shot(page, 'two-factor-login-code');
    await page.fill('input[name=code]', codes[0]!);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=whoami]');
    await page.goto(`${app.url}/#/account`);
    await waitText(page, `${CARD} [data-testid=two-factor-state]`, (t) => t.includes('9 recovery codes left'));

    // The admin (two-factor on from the first test) resets it: a lost phone.
    const admin = await newPage();
    const adminErrors = watchErrors(admin);
    await signInWithCode(admin, app.url, 'admin', user('admin').password, adminRecoveryCodes[0]!);
    await admin.click('header nav >> text=Users');
    await waitText(admin, '[data-testid=two-factor-agent]', (t) => t === 'on');
    admin.once('dialog', (d) => void d.accept());
    await admin.click('tr:has([data-testid=two-factor-agent]) >> text=Reset two-factor');
    await waitText(admin, '[data-testid=two-factor-agent]', (t) => t === '—');
    await shot(admin, 'two-factor-users');

    // The agent's session ended with the reset; the password alone signs in again.
    await page.reload();
    await page.waitForSelector('input[name=username]');
    await signIn(page, app.url, 'agent', user('agent').password);
    expect(realErrors(errors)).to.deep.equal([]);
    expect(realErrors(adminErrors)).to.deep.equal([]);
  });
});
