import { expect } from 'chai';
import { purgeExpiredSessions, sha256 } from '../../src/auth/sessions.js';
import { call, login, startHarness, type Harness } from '../api/harness.js';

describe('authentication', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ deps: { api: { loginRateLimit: { windowMs: 60_000, limit: 20 } } } });
  });
  after(async () => h.close());

  it('signs in with a session cookie (HttpOnly, SameSite=Lax), stored only hashed', async () => {
    const r = await call(h, 'POST', '/api/auth/login', { body: { username: 'alice', password: 'alice-pass-1' } });
    expect(r.status).to.equal(200);
    expect(r.body.user).to.deep.equal({
      id: h.users.agent.id,
      username: 'alice',
      displayName: 'ALICE',
      role: 'agent',
      agentId: h.users.agent.agentId,
    });
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).to.match(/^ariadne_session=[A-Za-z0-9_-]{40,};/);
    expect(cookie).to.match(/HttpOnly/i);
    expect(cookie).to.match(/SameSite=Lax/i);
    expect(cookie).to.not.match(/Secure/i); // plain http on loopback
    const id = cookie.split(';')[0]!.split('=')[1]!;
    const rows = await h.t.db('sessions').select('id_hash');
    expect(rows.map((x) => x.id_hash)).to.include(sha256(id));
    expect(JSON.stringify(rows)).to.not.include(id);
  });

  it('marks the cookie Secure when the request came over https through a trusted proxy', async () => {
    const r = await call(h, 'POST', '/api/auth/login', {
      body: { username: 'alice', password: 'alice-pass-1' },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(r.status).to.equal(200);
    expect(r.headers.get('set-cookie')).to.match(/Secure/i);
  });

  it("answers a supervisor's sign-in with their queues, as /api/auth/me does", async () => {
    const [queueId] = await h.t.db('queues').insert({ name: 'scoped', display_name: 'Scoped', overflow: '[]' });
    await h.t.db('supervisor_queues').insert({ user_id: h.users.supervisor.id, queue_id: Number(queueId) });
    try {
      const r = await call(h, 'POST', '/api/auth/login', { body: { username: 'sup', password: 'sup-pass-12' } });
      expect(r.status).to.equal(200);
      expect(r.body.user).to.deep.include({ role: 'supervisor', queueIds: [Number(queueId)] });
      const me = await call(h, 'GET', '/api/auth/me', { cookie: (r.headers.get('set-cookie') ?? '').split(';')[0] });
      expect(me.body.user).to.deep.equal(r.body.user);
    } finally {
      await h.t.db('queues').where({ id: Number(queueId) }).delete();
    }
  });

  it('GET /api/auth/me answers the user for the cookie, 401 without one', async () => {
    const cookie = await login(h, h.users.supervisor);
    const me = await call(h, 'GET', '/api/auth/me', { cookie });
    expect(me.status).to.equal(200);
    expect(me.body.user.role).to.equal('supervisor');
    const anon = await call(h, 'GET', '/api/auth/me');
    expect(anon.status).to.equal(401);
    expect(anon.body.error.code).to.equal('unauthenticated');
    const forged = await call(h, 'GET', '/api/auth/me', { cookie: 'ariadne_session=not-a-session' });
    expect(forged.status).to.equal(401);
  });

  it('logout ends the session and clears the cookie', async () => {
    const cookie = await login(h, h.users.agent);
    const out = await call(h, 'POST', '/api/auth/logout', { cookie });
    expect(out.status).to.equal(204);
    expect(out.headers.get('set-cookie')).to.match(/ariadne_session=;/);
    expect((await call(h, 'GET', '/api/auth/me', { cookie })).status).to.equal(401);
  });

  it('an expired session is refused', async () => {
    const cookie = await login(h, h.users.agent2);
    const id = cookie.split('=')[1]!;
    await h.t
      .db('sessions')
      .where({ id_hash: sha256(id) })
      .update({ expires_at: new Date(Date.now() - 1000) });
    expect((await call(h, 'GET', '/api/auth/me', { cookie })).status).to.equal(401);
  });

  it('expired sessions are purged, live ones kept', async () => {
    const live = await login(h, h.users.agent2);
    await h.t
      .db('sessions')
      .insert({ id_hash: 'x'.repeat(64), user_id: h.users.agent2.id, expires_at: new Date(Date.now() - 60_000) });
    expect(await purgeExpiredSessions(h.t.db)).to.be.at.least(1);
    expect(
      await h.t
        .db('sessions')
        .where({ id_hash: 'x'.repeat(64) })
        .first(),
    ).to.equal(undefined);
    expect((await call(h, 'GET', '/api/auth/me', { cookie: live })).status).to.equal(200);
  });

  it('a deactivated user loses their sessions and tokens at once', async () => {
    const admin = h.users.admin.token;
    const created = await call(h, 'POST', '/api/users', {
      token: admin,
      body: { username: 'temp', displayName: 'Temp', password: 'temp-pass-1', role: 'supervisor' },
    });
    expect(created.status).to.equal(201);
    const tok = await call(h, 'POST', '/api/tokens', {
      token: admin,
      body: { name: 'temp-token', userId: created.body.id },
    });
    const cookie = await login(h, { ...h.users.supervisor, username: 'temp', password: 'temp-pass-1' });
    expect((await call(h, 'GET', '/api/auth/me', { cookie })).status).to.equal(200);
    expect((await call(h, 'DELETE', `/api/users/${created.body.id}`, { token: admin })).status).to.equal(204);
    expect((await call(h, 'GET', '/api/auth/me', { cookie })).status).to.equal(401);
    expect((await call(h, 'GET', '/api/auth/me', { token: tok.body.token })).status).to.equal(401);
    const again = await call(h, 'POST', '/api/auth/login', { body: { username: 'temp', password: 'temp-pass-1' } });
    expect(again.status).to.equal(401);
  });

  it('a wrong password is 401 and audited as a failed login; a right one is audited too', async () => {
    const r = await call(h, 'POST', '/api/auth/login', { body: { username: 'bob', password: 'nope-nope' } });
    expect(r.status).to.equal(401);
    expect(r.body.error).to.deep.equal({ code: 'unauthenticated', message: 'wrong username or password' });
    const failed = await h.t.db('audit_log').where({ action: 'auth.login_failed', actor: 'bob' }).first();
    expect(failed).to.not.equal(undefined);
    expect(failed.details).to.equal(null); // never the password
    const ok = await h.t.db('audit_log').where({ action: 'auth.login', actor: 'alice' }).first();
    expect(ok.target_id).to.equal(String(h.users.agent.id));
    expect(String(ok.details)).to.not.include('alice-pass-1');
  });

  it('rate-limits failed logins per client (successful ones do not count)', async () => {
    const limited = await startHarness({ deps: { api: { loginRateLimit: { windowMs: 60_000, limit: 2 } } } });
    try {
      for (let i = 0; i < 3; i += 1) expect((await login(limited, limited.users.agent)).length).to.be.greaterThan(10);
      expect(
        (await call(limited, 'POST', '/api/auth/login', { body: { username: 'bob', password: 'wrong-1' } })).status,
      ).to.equal(401);
      expect(
        (await call(limited, 'POST', '/api/auth/login', { body: { username: 'bob', password: 'wrong-2' } })).status,
      ).to.equal(401);
      const blocked = await call(limited, 'POST', '/api/auth/login', {
        body: { username: 'bob', password: 'bob-pass-12' },
      });
      expect(blocked.status).to.equal(429);
      expect(blocked.body.error.code).to.equal('rate_limited');
    } finally {
      await limited.close();
    }
  });

  it('API tokens: admin creates (secret shown once, stored hashed), Bearer works, revoke stops it', async () => {
    const admin = h.users.admin.token;
    const created = await call(h, 'POST', '/api/tokens', { token: admin, body: { name: 'crm-sync' } });
    expect(created.status).to.equal(201);
    const token = created.body.token as string;
    expect(token).to.match(/^ari_[A-Za-z0-9_-]{40,}$/);
    const stored = await h.t.db('api_tokens').where({ id: created.body.id }).first();
    expect(stored.token_hash).to.equal(sha256(token));
    const list = await call(h, 'GET', '/api/tokens', { token: admin });
    expect(JSON.stringify(list.body)).to.not.include(token);
    expect(list.body.items.some((t: { name: string }) => t.name === 'crm-sync')).to.equal(true);

    const me = await call(h, 'GET', '/api/auth/me', { token });
    expect(me.status).to.equal(200);
    expect(me.body.user.username).to.equal('admin');
    expect((await h.t.db('api_tokens').where({ id: created.body.id }).first()).last_used_at).to.not.equal(null);

    expect((await call(h, 'DELETE', `/api/tokens/${created.body.id}`, { token: admin })).status).to.equal(204);
    expect((await call(h, 'GET', '/api/auth/me', { token })).status).to.equal(401);
    expect((await call(h, 'DELETE', `/api/tokens/${created.body.id}`, { token: admin })).status).to.equal(404);
    const audit = await h.t
      .db('audit_log')
      .whereIn('action', ['token.create', 'token.revoke'])
      .select('action', 'details');
    expect(audit.map((a) => a.action)).to.include.members(['token.create', 'token.revoke']);
    expect(JSON.stringify(audit)).to.not.include(token);
  });

  it('refuses a cookie-authenticated write from another site, allows it from our own origin', async () => {
    const cookie = await login(h, h.users.admin);
    const foreign = await call(h, 'POST', '/api/skills', {
      cookie,
      body: { name: 'csrf' },
      headers: { origin: 'https://evil.example.test' },
    });
    expect(foreign.status).to.equal(403);
    expect(foreign.body.error.code).to.equal('forbidden');
    expect(await h.t.db('skills').where({ name: 'csrf' }).first()).to.equal(undefined);
    const own = await call(h, 'POST', '/api/skills', {
      cookie,
      body: { name: 'same-origin' },
      headers: { origin: h.base },
    });
    expect(own.status).to.equal(201);
    // Behind a proxy that rewrites Host but says X-Forwarded-Host (trusted: loopback).
    const proxied = await call(h, 'POST', '/api/skills', {
      cookie,
      body: { name: 'proxied' },
      headers: { origin: 'https://cc.example.test', 'x-forwarded-host': 'cc.example.test' },
    });
    expect(proxied.status).to.equal(201);
    // Reads and token-authenticated writes are not affected.
    expect(
      (await call(h, 'GET', '/api/auth/me', { cookie, headers: { origin: 'https://evil.example.test' } })).status,
    ).to.equal(200);
    const api = await call(h, 'POST', '/api/skills', {
      token: h.users.admin.token,
      body: { name: 'integration' },
      headers: { origin: 'https://evil.example.test' },
    });
    expect(api.status).to.equal(201);
  });

  it('a user changes their own password: the old one stops working, other sessions end, this one is renewed', async () => {
    const other = await login(h, h.users.agent2);
    const cookie = await login(h, h.users.agent2);
    const wrong = await call(h, 'POST', '/api/auth/password', {
      cookie,
      body: { currentPassword: 'nope', newPassword: 'bob-new-pass-1' },
    });
    expect(wrong.status).to.equal(400);
    expect(wrong.body.error.details).to.deep.equal([
      { in: 'body', field: 'currentPassword', reason: 'wrong password' },
    ]);
    const short = await call(h, 'POST', '/api/auth/password', {
      cookie,
      body: { currentPassword: 'bob-pass-12', newPassword: 'x' },
    });
    expect(short.status).to.equal(400);
    const ok = await call(h, 'POST', '/api/auth/password', {
      cookie,
      body: { currentPassword: 'bob-pass-12', newPassword: 'bob-new-pass-1' },
    });
    expect(ok.status).to.equal(204);
    const renewed = (ok.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(renewed).to.match(/^ariadne_session=/);
    expect((await call(h, 'GET', '/api/auth/me', { cookie: renewed })).status).to.equal(200);
    expect((await call(h, 'GET', '/api/auth/me', { cookie: other })).status).to.equal(401);
    expect(
      (await call(h, 'POST', '/api/auth/login', { body: { username: 'bob', password: 'bob-pass-12' } })).status,
    ).to.equal(401);
    expect(
      (await call(h, 'POST', '/api/auth/login', { body: { username: 'bob', password: 'bob-new-pass-1' } })).status,
    ).to.equal(200);
    const audit = await h.t.db('audit_log').where({ action: 'auth.password_change' }).first();
    expect(audit.details).to.equal('{}');
  });

  it('a garbage Bearer token is 401, and only admins manage tokens', async () => {
    expect((await call(h, 'GET', '/api/auth/me', { token: 'ari_garbage' })).status).to.equal(401);
    expect((await call(h, 'GET', '/api/tokens', { token: h.users.supervisor.token })).status).to.equal(403);
    expect((await call(h, 'POST', '/api/tokens', { token: h.users.agent.token, body: { name: 'x' } })).status).to.equal(
      403,
    );
  });
});
