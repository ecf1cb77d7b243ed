import { expect } from 'chai';
import { testConfig } from '../../src/config/load.js';
import { CHALLENGE_TTL_MS } from '../../src/auth/passkeys.js';
import { DIALECTS } from '../support/db.js';
import { SoftAuthenticator } from '../support/authenticator.js';
import { call, startHarness, type Harness, type Principal } from './harness.js';

function cookieOf(r: { headers: Headers }): string {
  return (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

for (const dialect of DIALECTS)
  describe(`API: passkeys (${dialect})`, function () {
    this.timeout(20_000);
    let h: Harness;
    let device: SoftAuthenticator;
    let now = new Date('2026-12-08T09:00:00Z');

    /** Registers a passkey on `device` for `who`, through the API. */
    const register = async (who: Principal, name = 'laptop', d = device) => {
      const options = await call(h, 'POST', '/api/auth/passkeys/options', {
        token: who.token,
        body: { password: who.password },
      });
      expect(options.status, JSON.stringify(options.body)).to.equal(200);
      return call(h, 'POST', '/api/auth/passkeys', {
        token: who.token,
        body: { name, credential: d.create(options.body) },
      });
    };
    const challenge = async () => {
      const options = await call(h, 'POST', '/api/auth/passkey-login/options');
      expect(options.status).to.equal(200);
      expect(options.body).to.deep.include({ rpId: '127.0.0.1', userVerification: 'required' });
      return options.body;
    };
    const signIn = (credential: unknown) => call(h, 'POST', '/api/auth/passkey-login', { body: { credential } });

    before(async () => {
      h = await startHarness({
        dialect,
        deps: {
          config: testConfig({ ARIADNE_TWO_FACTOR_REQUIRED_FOR: 'admin' }),
          api: { loginRateLimit: { windowMs: 60_000, limit: 1000 } },
          now: () => now,
        },
      });
      device = new SoftAuthenticator(h.base, '127.0.0.1');
    });
    after(() => h.close());

    it('adds a passkey with the password again, then signs in with it alone', async () => {
      const wrong = await call(h, 'POST', '/api/auth/passkeys/options', {
        token: h.users.agent.token,
        body: { password: 'not-it' },
      });
      expect(wrong.status).to.equal(400);
      const added = await register(h.users.agent, 'work laptop');
      expect(added.status, JSON.stringify(added.body)).to.equal(201);
      expect(added.body).to.deep.include({ name: 'work laptop', createdAt: now.toISOString(), lastUsedAt: null });
      const listed = await call(h, 'GET', '/api/auth/passkeys', { token: h.users.agent.token });
      expect(listed.body.items.map((p: { name: string }) => p.name)).to.deep.equal(['work laptop']);

      const signedIn = await signIn(device.get(await challenge()));
      expect(signedIn.status, JSON.stringify(signedIn.body)).to.equal(200);
      expect(signedIn.body.user).to.deep.include({ username: 'alice', role: 'agent', agentId: h.users.agent.agentId });
      const me = await call(h, 'GET', '/api/auth/me', { cookie: cookieOf(signedIn) });
      expect(me.status).to.equal(200);
      expect(me.body.user.username).to.equal('alice');
      const used = await call(h, 'GET', '/api/auth/passkeys', { token: h.users.agent.token });
      expect(used.body.items[0].lastUsedAt).to.equal(now.toISOString());
      const audit = await h.t.db('audit_log').where({ action: 'auth.login' }).orderBy('id', 'desc').first('details');
      expect(JSON.parse(String(audit.details))).to.deep.include({ username: 'alice', method: 'passkey' });
      const users = await call(h, 'GET', '/api/users?role=agent', { token: h.users.admin.token });
      expect(users.body.items.find((u: { username: string }) => u.username === 'alice').passkeys).to.equal(1);
    });

    it('refuses an answer replayed, too late, from another origin, unverified, cloned or forged', async () => {
      const replayed = device.get(await challenge());
      expect((await signIn(replayed)).status).to.equal(200);
      expect((await signIn(replayed)).status).to.equal(401);

      const late = device.get(await challenge());
      now = new Date(now.getTime() + CHALLENGE_TTL_MS + 1000);
      expect((await signIn(late)).status).to.equal(401);

      const elsewhere = await signIn(device.get(await challenge(), { origin: 'https://phish.example' }));
      expect(elsewhere.status).to.equal(401);
      expect(elsewhere.body.error.message).to.equal('that passkey does not sign in here');
      expect((await signIn(device.get(await challenge(), { userVerified: false }))).status).to.equal(401);
      // A counter that went backwards: a copy of the key.
      expect((await signIn(device.get(await challenge(), { counter: 1 }))).status).to.equal(401);
      const forged = device.get(await challenge());
      const bad = { ...forged, response: { ...forged.response, signature: forged.response.authenticatorData } };
      expect((await signIn(bad)).status).to.equal(401);
      const unknown = new SoftAuthenticator(h.base, '127.0.0.1');
      unknown.create(
        { challenge: 'x', rp: { name: 'x' }, user: { id: 'eA', name: 'x', displayName: 'x' }, pubKeyCredParams: [] },
        {},
      );
      expect((await signIn(unknown.get(await challenge()))).status).to.equal(401);
      // Still fine after all that.
      expect((await signIn(device.get(await challenge()))).status).to.equal(200);
    });

    it('refuses a malformed answer with a clear error, and garbage as a failed sign-in', async () => {
      const empty = await call(h, 'POST', '/api/auth/passkey-login', { body: { credential: {} } });
      expect(empty.status).to.equal(400);
      expect(empty.body.error.code).to.equal('validation_failed');
      const garbage = await signIn({
        id: 'abc',
        rawId: 'abc',
        type: 'public-key',
        response: { clientDataJSON: 'not-base64-json', authenticatorData: '', signature: '' },
        clientExtensionResults: {},
      });
      expect(garbage.status).to.equal(401);
    });

    it('a role that requires a second factor: the passkey is it, and a password alone no longer signs in', async () => {
      const admin = h.users.admin;
      const first = await call(h, 'POST', '/api/auth/login', {
        body: { username: admin.username, password: admin.password },
      });
      expect(first.body.user.twoFactorSetupRequired).to.equal(true);
      const cookie = cookieOf(first);
      // The session that may only set up a second factor may add a passkey, which lifts the restriction.
      const options = await call(h, 'POST', '/api/auth/passkeys/options', {
        cookie,
        headers: { origin: h.base },
        body: { password: admin.password },
      });
      expect(options.status, JSON.stringify(options.body)).to.equal(200);
      const key = new SoftAuthenticator(h.base, '127.0.0.1');
      const added = await call(h, 'POST', '/api/auth/passkeys', {
        cookie,
        headers: { origin: h.base },
        body: { name: 'YubiKey', credential: key.create(options.body) },
      });
      expect(added.status, JSON.stringify(added.body)).to.equal(201);
      expect((await call(h, 'GET', '/api/auth/me', { cookie })).body.user).to.not.have.property(
        'twoFactorSetupRequired',
      );

      const passwordOnly = await call(h, 'POST', '/api/auth/login', {
        body: { username: admin.username, password: admin.password },
      });
      expect(passwordOnly.status).to.equal(401);
      expect(passwordOnly.body.error.message).to.equal(
        'the admin role signs in with a second factor: sign in with your passkey',
      );
      const withKey = await signIn(key.get(await challenge()));
      expect(withKey.status).to.equal(200);
      expect(withKey.body.user).to.not.have.property('twoFactorSetupRequired');
      const status = await call(h, 'GET', '/api/auth/two-factor', { cookie: cookieOf(withKey) });
      expect(status.body).to.deep.include({ enabled: false, required: true, passkeys: 1 });
      // Their only second factor is not removed from the inside (an admin resets it).
      const last = await call(h, 'DELETE', `/api/auth/passkeys/${added.body.id}`, {
        cookie: cookieOf(withKey),
        headers: { origin: h.base },
      });
      expect(last.status).to.equal(403);
      expect(last.body.error.message).to.equal(
        'the admin role signs in with a second factor: add another passkey or set up the authenticator app first',
      );
    });

    it("removes a passkey; an admin removes all of a user's, ending their sessions; an inactive user is refused", async () => {
      const bob = h.users.agent2;
      const key = new SoftAuthenticator(h.base, '127.0.0.1');
      const one = await register(bob, 'phone', key);
      await register(bob, 'key', key);
      const again = await call(h, 'POST', '/api/auth/passkeys', {
        token: bob.token,
        body: {
          name: 'spare',
          credential: key.create(
            (
              await call(h, 'POST', '/api/auth/passkeys/options', {
                token: bob.token,
                body: { password: bob.password },
              })
            ).body,
          ),
        },
      });
      expect(again.status).to.equal(201);
      const phone = [...key.credentials.keys()][0]!;
      expect((await call(h, 'DELETE', `/api/auth/passkeys/${one.body.id}`, { token: bob.token })).status).to.equal(204);
      expect((await signIn(key.get(await challenge(), { credentialId: phone }))).status).to.equal(401);
      // Not another user's.
      expect(
        (await call(h, 'DELETE', `/api/auth/passkeys/${again.body.id}`, { token: h.users.agent.token })).status,
      ).to.equal(404);

      const session = await signIn(key.get(await challenge(), { credentialId: [...key.credentials.keys()][1] }));
      expect(session.status).to.equal(200);
      const reset = await call(h, 'DELETE', `/api/users/${bob.id}/passkeys`, { token: h.users.admin.token });
      expect(reset.status).to.equal(204);
      expect((await call(h, 'GET', '/api/auth/me', { cookie: cookieOf(session) })).status).to.equal(401);
      expect(
        (await call(h, 'DELETE', `/api/users/${bob.id}/passkeys`, { token: h.users.admin.token })).status,
      ).to.equal(409);

      await register(h.users.supervisor, 'desk', key);
      await h.t.db('users').where({ id: h.users.supervisor.id }).update({ active: false });
      const inactive = await signIn(key.get(await challenge(), { credentialId: [...key.credentials.keys()].at(-1) }));
      expect(inactive.status).to.equal(401);
    });
  });
