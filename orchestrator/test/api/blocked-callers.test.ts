import { expect } from 'chai';
import { call, startHarness, type Harness } from './harness.js';

describe('API: blocked callers', () => {
  let h: Harness;
  let reloads = 0;
  before(async () => {
    h = await startHarness({
      deps: {
        services: {
          blockedCallers: {
            async reload() {
              reloads++;
            },
          },
        },
      },
    });
  });
  after(async () => h.close());

  it('supervisors block a number as typed, or anonymous callers, for some days or for good; the call path rereads', async () => {
    const sup = h.users.supervisor.token;
    const added = await call(h, 'POST', '/api/blocked-callers', {
      token: sup,
      body: { number: '138 1234 5678', reason: 'abusive to agents', days: 30 },
    });
    expect(added.status).to.equal(201);
    expect(added.body).to.deep.include({ number: '+8613812345678', reason: 'abusive to agents', hits: 0 });
    expect(added.body.createdBy).to.equal(h.users.supervisor.id);
    const days = (Date.parse(added.body.expiresAt) - Date.parse(added.body.createdAt)) / 86_400_000;
    expect(days).to.be.closeTo(30, 0.001);
    const anonymous = await call(h, 'POST', '/api/blocked-callers', { token: sup, body: { number: 'Anonymous' } });
    expect(anonymous.body).to.deep.include({ number: 'anonymous', expiresAt: null });
    expect(reloads).to.equal(2);

    const again = await call(h, 'POST', '/api/blocked-callers', { token: sup, body: { number: '+8613812345678' } });
    expect(again.status).to.equal(409);
    const bad = await call(h, 'POST', '/api/blocked-callers', { token: sup, body: { number: 'call me maybe' } });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.message).to.match(/not a valid phone number/);
    const badDays = await call(h, 'POST', '/api/blocked-callers', {
      token: sup,
      body: { number: '13900000000', days: 0 },
    });
    expect(badDays.status).to.equal(400);
    expect(badDays.body.error.details[0]).to.deep.include({ field: 'days' });

    const list = await call(h, 'GET', '/api/blocked-callers?q=1381234', { token: sup });
    expect(list.body.items.map((e: { number: string }) => e.number)).to.deep.equal(['+8613812345678']);
    expect((await call(h, 'GET', '/api/blocked-callers', { token: sup })).body.total).to.equal(2);

    const removed = await call(h, 'DELETE', `/api/blocked-callers/${added.body.id}`, { token: sup });
    expect(removed.status).to.equal(204);
    expect((await call(h, 'DELETE', `/api/blocked-callers/${added.body.id}`, { token: sup })).status).to.equal(404);
    expect(reloads).to.equal(3);
    const audit = (await h.t
      .db('audit_log')
      .where('action', 'like', 'blocked-caller.%')
      .orderBy('id')
      .pluck('action')) as string[];
    expect(audit).to.deep.equal(['blocked-caller.add', 'blocked-caller.add', 'blocked-caller.remove']);
  });

  it('an expired block is not listed and gives way to a new one; agents have no say', async () => {
    await h.t.db('blocked_callers').insert({
      number: '+8613900000009',
      created_at: new Date(Date.now() - 10 * 86_400_000),
      expires_at: new Date(Date.now() - 86_400_000),
    });
    const sup = h.users.supervisor.token;
    expect((await call(h, 'GET', '/api/blocked-callers?q=13900000009', { token: sup })).body.total).to.equal(0);
    const renewed = await call(h, 'POST', '/api/blocked-callers', { token: sup, body: { number: '13900000009' } });
    expect(renewed.status).to.equal(201);
    expect(renewed.body.expiresAt).to.equal(null);
    expect((await call(h, 'GET', '/api/blocked-callers', { token: h.users.agent.token })).status).to.equal(403);
    expect(
      (await call(h, 'POST', '/api/blocked-callers', { token: h.users.agent.token, body: { number: '13900000001' } }))
        .status,
    ).to.equal(403);
  });
});
