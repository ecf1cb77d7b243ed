import { expect } from 'chai';
import { call, startHarness, type Harness } from './harness.js';

describe('api: pause reasons', function () {
  this.timeout(20_000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('admins keep the list (audited); agents read it for their pause buttons', async () => {
    const admin = h.users.admin.token;
    const created = await call(h, 'POST', '/api/pause-reasons', {
      token: admin,
      body: { name: 'quality review', code: '7' },
    });
    expect(created.status).to.equal(201);
    expect(created.body).to.deep.include({ name: 'quality review', code: '7' });
    const listed = await call(h, 'GET', '/api/pause-reasons', { token: h.users.agent.token });
    expect(listed.status).to.equal(200);
    expect(listed.body.items.map((r: { name: string }) => r.name)).to.deep.equal([
      'break',
      'lunch',
      'meeting',
      'training',
      'after-call work',
      'coaching',
      'quality review',
    ]);
    const renamed = await call(h, 'PATCH', `/api/pause-reasons/${created.body.id}`, {
      token: admin,
      body: { name: 'QA review', code: null },
    });
    expect(renamed.body).to.deep.include({ name: 'QA review', code: null });
    expect(await h.t.db('audit_log').where({ action: 'pause-reasons.update' }).first()).to.include({
      target_id: String(created.body.id),
    });
    const refused = await call(h, 'POST', '/api/pause-reasons', { token: h.users.agent.token, body: { name: 'nap' } });
    expect(refused.status).to.equal(403);
  });

  it('says what is wrong with a bad reason, and refuses a name or code already taken', async () => {
    const admin = h.users.admin.token;
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ name: 'nap', code: '123' }, 'code', /one or two digits/],
      [{ name: 'nap', code: '07' }, 'code', /no leading zero/],
      [{ name: 'No Answer' }, 'name', /automatic pause/],
      [{ name: '' }, 'name', /required/],
      [{ code: '8' }, 'name', /./],
    ];
    for (const [body, field, reason] of cases) {
      const r = await call(h, 'POST', '/api/pause-reasons', { token: admin, body });
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(r.body.error.details[0].field).to.equal(field);
      expect(r.body.error.details[0].reason).to.match(reason);
    }
    expect((await call(h, 'POST', '/api/pause-reasons', { token: admin, body: { name: 'lunch' } })).status).to.equal(
      409,
    );
    expect(
      (await call(h, 'POST', '/api/pause-reasons', { token: admin, body: { name: 'siesta', code: '2' } })).status,
    ).to.equal(409);
  });
});
