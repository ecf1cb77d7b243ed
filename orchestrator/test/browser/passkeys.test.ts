import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { DEMO_USERS } from '../../src/db/seed/index.js';
import { browserSuite, realErrors, shot, signIn, waitText, watchErrors } from './harness.js';

const user = (name: 'admin' | 'agent') => DEMO_USERS.find((u) => u.username === name)!;
const CARD = '[data-testid=passkeys-card]';

/**
 * The app at http://localhost:<port>: Chromium refuses WebAuthn at an IP address, and localhost is a secure context
 * (the harness listens on 127.0.0.1, which localhost reaches).
 */
const localhost = (url: string) => url.replace('://127.0.0.1:', '://localhost:');

/** A security key that is always there and always says yes: Chromium's virtual authenticator for this page. */
async function virtualAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
}

/** Adds a passkey on the open account page (the virtual authenticator answers the prompt); `shotName` the form. */
async function addPasskey(page: Page, name: string, password: string, shotName?: string): Promise<void> {
  await page.click(`${CARD} [data-testid=passkey-add-start]`);
  await page.fill(`${CARD} input[name=passkeyName]`, name);
  await page.fill(`${CARD} input[name=password]`, password);
  if (shotName) await shot(page, shotName);
  await page.click(`${CARD} [data-testid=passkey-add] button[type=submit]`);
}

async function signOut(page: Page): Promise<void> {
  await page.click('header >> text=Sign out');
  await page.waitForSelector('input[name=username]');
}

describe('passkeys in a browser', function () {
  this.timeout(120_000);
  const { newPage, ...suite } = browserSuite({ env: () => ({ ARIADNE_TWO_FACTOR_REQUIRED_FOR: 'admin' }) });
  // The admin's page (its virtual authenticator holds the admin's passkey), signed in, for the last test.
  let admin: Page;
  let adminErrors: string[] = [];

  it('an admin whose role requires a second factor adds a passkey instead of an app, then signs in with it', async () => {
    const url = localhost(suite.stack().app.url);
    admin = await newPage();
    adminErrors = watchErrors(admin);
    await virtualAuthenticator(admin);
    await signIn(admin, url, 'admin', user('admin').password);
    await admin.waitForSelector('[data-testid=two-factor-required]');
    expect(await admin.$$('header nav a')).to.have.length(0);
    await admin.waitForSelector(`${CARD} [data-testid=passkeys-none]`);
    await addPasskey(admin, 'YubiKey', user('admin').password, 'passkeys-setup-only');
    // The passkey lifts the setup-only session: the whole app opens.
    await admin.waitForSelector('header nav >> text=Wallboard', { timeout: 10_000 });

    await admin.goto(`${url}/#/account`);
    await waitText(admin, `${CARD} [data-testid=passkeys]`, (t) => t.includes('YubiKey') && t.includes('never'));
    await waitText(admin, '[data-testid=two-factor-state]', (t) => t.includes('your passkey is one'));
    await shot(admin, 'passkeys-account-admin');

    // The password alone no longer signs this admin in; the passkey does.
    await signOut(admin);
    await admin.fill('input[name=username]', 'admin');
    await admin.fill('input[name=password]', user('admin').password);
    await admin.click('button[type=submit]');
    await waitText(admin, '.login-card [role=alert]', (t) => t.includes('sign in with your passkey'));
    await shot(admin, 'passkeys-login-refused-password');
    await admin.click('[data-testid=passkey-sign-in]');
    await admin.waitForSelector('header nav >> text=Users', { timeout: 10_000 });
    expect(realErrors(adminErrors)).to.deep.equal([]);
  });

  it('an agent adds a passkey, signs in with it alone, removes it, and an admin resets theirs', async () => {
    const url = localhost(suite.stack().app.url);
    const page = await newPage();
    const errors = watchErrors(page);
    await virtualAuthenticator(page);

    // A key that holds no passkey for this site: the prompt ends with nothing chosen, calmly.
    await page.goto(url);
    await page.click('[data-testid=passkey-sign-in]');
    await waitText(page, '[data-testid=passkey-notice]', (t) => t.includes('closed or timed out'));
    expect(await page.$$('.login-card [role=alert]')).to.have.length(0);
    await shot(page, 'passkeys-login-cancelled');

    await signIn(page, url, 'agent', user('agent').password);
    await page.click('[data-testid=whoami]');
    await page.waitForSelector(`${CARD} [data-testid=passkeys-none]`);
    // A wrong password is refused before the browser's prompt, on its field.
    await addPasskey(page, 'work laptop', 'not-the-password');
    await waitText(page, `${CARD} .field-error`, (t) => t.includes('wrong password'));
    await shot(page, 'passkeys-add-wrong-password');
    await page.fill(`${CARD} input[name=password]`, user('agent').password);
    await page.click(`${CARD} [data-testid=passkey-add] button[type=submit]`);
    await waitText(page, `${CARD} [data-testid=passkeys]`, (t) => t.includes('work laptop'));
    await shot(page, 'passkeys-account');

    // Signed out, the passkey alone signs the agent in: no username, no password.
    await signOut(page);
    await page.click('[data-testid=passkey-sign-in]');
    await page.waitForSelector('[data-testid=whoami]', { timeout: 10_000 });
    expect(await page.textContent('[data-testid=whoami]')).to.contain('agent');
    await page.goto(`${url}/#/account`);
    const row = await waitText(page, `${CARD} [data-testid=passkeys] tbody tr`, (t) => t.includes('work laptop'));
    expect(row).not.to.contain('never');

    page.once('dialog', (d) => void d.accept());
    await page.click(`${CARD} [data-testid=passkeys] >> text=Remove`);
    await page.waitForSelector(`${CARD} [data-testid=passkeys-none]`);

    // The key still holds it, but the server no longer knows it.
    await signOut(page);
    await page.click('[data-testid=passkey-sign-in]');
    await waitText(page, '.login-card [role=alert]', (t) => t.includes('that passkey does not sign in here'));
    await shot(page, 'passkeys-login-unknown');

    // A new one, which the admin then resets (a lost key).
    await signIn(page, url, 'agent', user('agent').password);
    await page.goto(`${url}/#/account`);
    await page.waitForSelector(`${CARD} [data-testid=passkeys-none]`);
    await addPasskey(page, 'YubiKey', user('agent').password);
    await waitText(page, `${CARD} [data-testid=passkeys]`, (t) => t.includes('YubiKey'));

    await admin.goto(`${url}/#/admin/users`);
    await waitText(admin, '[data-testid=passkeys-agent]', (t) => t === '1');
    expect(await admin.textContent('[data-testid=passkeys-admin]')).to.equal('1');
    await shot(admin, 'passkeys-users');
    admin.once('dialog', (d) => void d.accept());
    await admin.click('tr:has([data-testid=passkeys-agent]) >> text=Reset passkeys');
    await waitText(admin, '[data-testid=passkeys-agent]', (t) => t === '—');

    // The reset ended the agent's session; the password signs them in again.
    await page.reload();
    await page.waitForSelector('input[name=username]');
    await signIn(page, url, 'agent', user('agent').password);
    // The one refusal asked for on purpose besides the 401s: the wrong password.
    expect(realErrors(errors).filter((e) => !/status of 400/.test(e))).to.deep.equal([]);
    expect(realErrors(adminErrors)).to.deep.equal([]);
  });
});
