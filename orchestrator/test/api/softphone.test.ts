import { expect } from 'chai';
import { testConfig } from '../../src/config/load.js';
import { call, startHarness, type Harness } from './harness.js';

describe("api: the workspace's softphone (/api/agent/me/softphone)", function () {
  this.timeout(20_000);
  let h: Harness;
  const config = testConfig({
    ARIADNE_SOFTPHONE_WS_URL: 'wss://pbx.example.com:8089/ws',
    ARIADNE_SOFTPHONE_ICE_SERVERS: 'stun:stun.example.com:3478, turn:turn.example.com:3478',
  });
  afterEach(() => h.close());

  it('gives the signed-in agent their endpoint, password and ICE servers once an admin set the password', async () => {
    h = await startHarness({ deps: { config } });
    const alice = h.users.agent.token;
    const mine = () => call(h, 'GET', '/api/agent/me/softphone', { token: alice });
    // No softphone is an answer, not an error: the workspace asks on every load.
    const missing = await mine();
    expect([missing.status, missing.body]).to.deep.equal([
      200,
      { available: false, reason: 'no softphone password is set for PJSIP/2001: ask an admin' },
    ]);

    const set = (token: string, body: unknown, id = h.users.agent.agentId) =>
      call(h, 'PUT', `/api/agents/${id}/softphone`, { token, body });
    expect((await set(h.users.supervisor.token, { password: 'sip-secret-2001' })).status).to.equal(403);
    expect((await set(h.users.admin.token, { password: 'short' })).status).to.equal(400);
    const done = await set(h.users.admin.token, { password: 'sip-secret-2001' });
    expect(done.status).to.equal(200);
    expect(done.body.configured).to.equal(true);
    // The audit log says it changed, never to what.
    const audit = await h.t.db('audit_log').where({ action: 'agent.softphone' }).first('details');
    expect(JSON.parse(audit.details)).to.deep.equal({ password: '[redacted]' });
    const status = await call(h, 'GET', `/api/agents/${h.users.agent.agentId}/softphone`, {
      token: h.users.supervisor.token,
    });
    expect(status.body).to.deep.include({ configured: true });
    // The admin's list says which agents have one, for the page, in one read.
    const agents = await call(h, 'GET', '/api/agents', { token: h.users.supervisor.token });
    const flags = Object.fromEntries(
      agents.body.items.map((a: { name: string; softphone: boolean }) => [a.name, a.softphone]),
    );
    expect(flags).to.include({ Alice: true, Bob: false });
    expect(JSON.stringify(status.body)).to.not.contain('sip-secret');

    const r = await mine();
    expect(r.status).to.equal(200);
    expect(r.headers.get('cache-control')).to.equal('no-store');
    expect(r.body).to.deep.equal({
      available: true,
      wsUrl: 'wss://pbx.example.com:8089/ws',
      uri: 'sip:2001@pbx.example.com',
      username: '2001',
      password: 'sip-secret-2001',
      displayName: 'Alice',
      iceServers: [{ urls: 'stun:stun.example.com:3478' }, { urls: 'turn:turn.example.com:3478' }],
    });
    // Another agent gets only their own (Bob has none).
    const bob = await call(h, 'GET', '/api/agent/me/softphone', { token: h.users.agent2.token });
    expect(bob.body.available).to.equal(false);
    // A phone bound at login is the one registered.
    await h.t.db('agents').where({ id: h.users.agent.agentId }).update({ bound_endpoint: 'PJSIP/2007' });
    expect((await mine()).body.uri).to.equal('sip:2007@pbx.example.com');
    await h.t.db('agents').where({ id: h.users.agent.agentId }).update({ bound_endpoint: 'SIP/2007' });
    expect((await mine()).body.reason).to.equal('your phone SIP/2007 is not a PJSIP endpoint a browser can register');

    expect(
      (await call(h, 'DELETE', `/api/agents/${h.users.agent.agentId}/softphone`, { token: h.users.admin.token }))
        .status,
    ).to.equal(204);
    await h.t.db('agents').where({ id: h.users.agent.agentId }).update({ bound_endpoint: null });
    expect((await mine()).body.available).to.equal(false);
  });

  it('offers no softphone where no WebSocket is configured, and none to a user who is no agent', async () => {
    h = await startHarness();
    const r = await call(h, 'GET', '/api/agent/me/softphone', { token: h.users.agent.token });
    expect([r.status, r.body]).to.deep.equal([
      200,
      { available: false, reason: 'no softphone here: ARIADNE_SOFTPHONE_WS_URL is not set' },
    ]);
    expect((await call(h, 'GET', '/api/agent/me/softphone', { token: h.users.admin.token })).status).to.equal(403);
  });
});
