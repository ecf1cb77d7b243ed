import { expect } from 'chai';
import { WebSocket } from 'ws';
import { testConfig } from '../../src/config/load.js';
import { codeAt } from '../support/totp.js';
import { call, startHarness, type Harness, type Principal } from './harness.js';

function cookieOf(r: { headers: Headers }): string {
  return (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

async function signIn(h: Harness, who: Principal, code?: string) {
  return call(h, 'POST', '/api/auth/login', { body: { username: who.username, password: who.password, code } });
}

/** Turns two-factor on for a user through the API; the secret and the recovery codes. */
async function enableFor(h: Harness, who: Principal, cookie: string) {
  const setup = await call(h, 'POST', '/api/auth/two-factor/setup', { cookie, body: { password: who.password } });
  expect(setup.status).to.equal(200);
  const enabled = await call(h, 'POST', '/api/auth/two-factor/enable', {
    cookie,
    body: { code: codeAt(setup.body.secret as string) },
  });
  expect(enabled.status).to.equal(200);
  return { secret: setup.body.secret as string, recoveryCodes: enabled.body.recoveryCodes as string[] };
}

describe('API: two-factor sign-in', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      deps: {
        config: testConfig({ ARIADNE_TWO_FACTOR_REQUIRED_FOR: 'admin' }),
        api: { loginRateLimit: { windowMs: 60_000, limit: 100 } },
      },
    });
  });
  after(async () => h.close());

  it('a user who turns it on then signs in in two steps: the password alone sets no cookie', async () => {
    const agent = h.users.agent;
    const first = await signIn(h, agent);
    expect(first.status).to.equal(200);
    expect(first.body.user).to.not.have.property('twoFactorSetupRequired');
    const cookie = cookieOf(first);

    const setup = await call(h, 'POST', '/api/auth/two-factor/setup', { cookie, body: { password: 'wrong-one' } });
    expect(setup.status).to.equal(400);
    expect(setup.body.error.details[0]).to.deep.include({ field: 'password' });

    const early = await call(h, 'POST', '/api/auth/two-factor/enable', { cookie, body: { code: '123456' } });
    expect(early.status).to.equal(409);

    const { secret, recoveryCodes } = await enableFor(h, agent, cookie);
    expect(recoveryCodes).to.have.length(10);
    const status = await call(h, 'GET', '/api/auth/two-factor', { cookie });
    expect(status.body).to.deep.equal({ enabled: true, required: false, recoveryCodesLeft: 10, passkeys: 0 });

    const passwordOnly = await signIn(h, agent);
    expect(passwordOnly.status).to.equal(200);
    expect(passwordOnly.body).to.deep.equal({ twoFactorRequired: true });
    expect(passwordOnly.headers.get('set-cookie')).to.equal(null);

    const wrong = await signIn(h, agent, '000000');
    expect(wrong.status).to.equal(401);
    expect(wrong.body.error.message).to.match(/two-factor code/);
    expect(wrong.headers.get('set-cookie')).to.equal(null);

    // A wrong password with a right code is still a wrong password, and says nothing about the code.
    const badPassword = await call(h, 'POST', '/api/auth/login', {
      body: { username: agent.username, password: 'nope-nope', code: codeAt(secret) },
    });
    expect(badPassword.status).to.equal(401);
    expect(badPassword.body.error.message).to.equal('wrong username or password');

    const recovered = await signIn(h, agent, recoveryCodes[0]);
    expect(recovered.status).to.equal(200);
    expect(recovered.body.user.username).to.equal(agent.username);
    const me = await call(h, 'GET', '/api/tickets', { cookie: cookieOf(recovered) });
    expect(me.status).to.equal(200);

    const actions = (await h.t
      .db('audit_log')
      .where({ actor: agent.username })
      .orderBy('id')
      .pluck('action')) as string[];
    expect(actions).to.include.members(['auth.two_factor_setup', 'auth.two_factor_enable', 'auth.login_failed']);
    // Neither codes nor secrets reach the audit log.
    const details = JSON.stringify(await h.t.db('audit_log').pluck('details'));
    expect(details).to.not.include(recoveryCodes[0]);
    expect(details).to.not.include(secret);

    const regen = await call(h, 'POST', '/api/auth/two-factor/recovery-codes', {
      cookie: cookieOf(recovered),
      body: { code: recoveryCodes[1] },
    });
    expect(regen.status).to.equal(200);
    expect(regen.body.recoveryCodes).to.have.length(10);
    expect((await signIn(h, agent, recoveryCodes[2])).status).to.equal(401);

    const off = await call(h, 'POST', '/api/auth/two-factor/disable', {
      cookie: cookieOf(recovered),
      body: { password: agent.password },
    });
    expect(off.status).to.equal(204);
    expect((await signIn(h, agent)).body.user.username).to.equal(agent.username);
  });

  it('locks sign-in with 429 after repeated wrong codes', async () => {
    const who = h.users.agent2;
    const { secret } = await enableFor(h, who, cookieOf(await signIn(h, who)));
    for (let i = 0; i < 4; i++) expect((await signIn(h, who, '111111')).status).to.equal(401);
    const locked = await signIn(h, who, '111111');
    expect(locked.status).to.equal(429);
    expect(locked.body.error.code).to.equal('rate_limited');
    expect((await signIn(h, who, codeAt(secret))).status).to.equal(429);

    // The admin resets it (a lost phone): the user signs in with the password again.
    const reset = await call(h, 'DELETE', `/api/users/${who.id}/two-factor`, { token: h.users.admin.token });
    expect(reset.status).to.equal(204);
    const again = await call(h, 'DELETE', `/api/users/${who.id}/two-factor`, { token: h.users.admin.token });
    expect(again.status).to.equal(409);
    expect((await call(h, 'DELETE', `/api/users/99999/two-factor`, { token: h.users.admin.token })).status).to.equal(
      404,
    );
    expect((await call(h, 'DELETE', `/api/users/${who.id}/two-factor`, { token: who.token })).status).to.equal(403);
    expect((await signIn(h, who)).body.user.username).to.equal(who.username);
  });

  it('a role that requires it gets a session that can only set it up, then a full one', async () => {
    const admin = h.users.admin;
    const first = await signIn(h, admin);
    expect(first.status).to.equal(200);
    expect(first.body.user.twoFactorSetupRequired).to.equal(true);
    const cookie = cookieOf(first);

    const me = await call(h, 'GET', '/api/auth/me', { cookie });
    expect(me.body.user.twoFactorSetupRequired).to.equal(true);
    const users = await call(h, 'GET', '/api/users', { cookie });
    expect(users.status).to.equal(403);
    expect(users.body.error.code).to.equal('two_factor_setup_required');
    const recordings = await call(h, 'GET', '/api/recordings', { cookie });
    expect(recordings.status).to.equal(403);
    // A new password is not a second factor: the renewed session is as limited.
    const pw = await call(h, 'POST', '/api/auth/password', {
      cookie,
      body: { currentPassword: admin.password, newPassword: admin.password },
    });
    expect(pw.status).to.equal(204);
    const renewed = cookieOf(pw);
    expect((await call(h, 'GET', '/api/users', { cookie: renewed })).status).to.equal(403);
    // API tokens are an admin's own grant to a machine and are not asked for a second factor.
    expect((await call(h, 'GET', '/api/users', { token: admin.token })).status).to.equal(200);

    expect((await call(h, 'GET', '/api/auth/two-factor', { cookie: renewed })).body).to.deep.include({
      enabled: false,
      required: true,
    });
    const { secret } = await enableFor(h, admin, renewed);
    const listed = await call(h, 'GET', '/api/users', { cookie: renewed });
    expect(listed.status).to.equal(200);
    expect(listed.body.items.find((u: { id: number }) => u.id === admin.id).twoFactor).to.equal(true);

    const off = await call(h, 'POST', '/api/auth/two-factor/disable', {
      cookie: renewed,
      body: { password: admin.password },
    });
    expect(off.status).to.equal(403);

    await new Promise((r) => setTimeout(r, 10));
    const next = await signIn(h, admin, codeAt(secret, new Date(Date.now() + 30_000)));
    expect(next.status).to.equal(200);
    expect(next.body.user).to.not.have.property('twoFactorSetupRequired');
  });

  it('refuses a WebSocket to a session that owes its second factor', async () => {
    const supervisorOnly = await startHarness({
      deps: { config: testConfig({ ARIADNE_TWO_FACTOR_REQUIRED_FOR: 'supervisor' }) },
    });
    try {
      const r = await signIn(supervisorOnly, supervisorOnly.users.supervisor);
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${supervisorOnly.base.replace('http', 'ws')}/api/ws`, {
          headers: { cookie: cookieOf(r) },
        });
        ws.once('open', () => reject(new Error('opened')));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      });
      expect(status).to.equal(403);
    } finally {
      await supervisorOnly.close();
    }
  });
});
