import { expect } from 'chai';
import { call, startHarness, type Harness } from './harness.js';

describe('validation and pagination', () => {
  let h: Harness;
  let admin: string;
  before(async () => {
    h = await startHarness();
    admin = h.users.admin.token;
    for (let i = 1; i <= 7; i += 1) await h.t.db('skills').insert({ name: `skill${i}` });
  });
  after(async () => h.close());

  it('a bad body is 400 naming each field and the reason', async () => {
    const r = await call(h, 'POST', '/api/queues', {
      token: admin,
      body: { name: 'has space', ringTimeoutS: 'twenty', strategy: 'random' },
    });
    expect(r.status).to.equal(400);
    expect(r.body.error.code).to.equal('validation_failed');
    expect(r.body.error.message).to.match(/^body\.\w+: /);
    const byField = Object.fromEntries(
      r.body.error.details.map((d: { field: string; reason: string }) => [d.field, d.reason]),
    );
    expect(byField.name).to.equal('1-64 letters, digits, _ . or -');
    expect(byField.displayName).to.equal('required');
    expect(byField.ringTimeoutS).to.match(/expected number/);
    expect(byField.strategy).to.match(/longest_idle/);
    for (const d of r.body.error.details) expect(d.in).to.equal('body');
  });

  it('unknown body fields are refused by name, not silently dropped', async () => {
    const r = await call(h, 'POST', '/api/skills', { token: admin, body: { name: 'ok', colour: 'red' } });
    expect(r.status).to.equal(400);
    expect(r.body.error.details).to.deep.equal([{ in: 'body', field: 'colour', reason: 'Unrecognized key: "colour"' }]);
  });

  it('bad params and queries are 400 too, saying where', async () => {
    const p = await call(h, 'GET', '/api/queues/abc', { token: admin });
    expect(p.status).to.equal(400);
    expect(p.body.error.details[0]).to.include({ in: 'params', field: 'id' });
    const q = await call(h, 'GET', '/api/calls?from=yesterday&pageSize=100000', { token: admin });
    expect(q.status).to.equal(400);
    const fields = q.body.error.details.map((d: { in: string; field: string }) => `${d.in}.${d.field}`);
    expect(fields).to.include.members(['query.from', 'query.pageSize']);
  });

  it('paginates with ?page&pageSize and reports the total', async () => {
    const p1 = await call(h, 'GET', '/api/skills?page=1&pageSize=3', { token: admin });
    expect(p1.body).to.deep.include({ page: 1, pageSize: 3, total: 7 });
    expect(p1.body.items.map((s: { name: string }) => s.name)).to.deep.equal(['skill1', 'skill2', 'skill3']);
    const p3 = await call(h, 'GET', '/api/skills?page=3&pageSize=3', { token: admin });
    expect(p3.body.items.map((s: { name: string }) => s.name)).to.deep.equal(['skill7']);
    const beyond = await call(h, 'GET', '/api/skills?page=9&pageSize=3', { token: admin });
    expect(beyond.body).to.deep.include({ items: [], total: 7 });
    const defaults = await call(h, 'GET', '/api/skills', { token: admin });
    expect(defaults.body).to.deep.include({ page: 1, pageSize: 50, total: 7 });
    expect((await call(h, 'GET', '/api/skills?page=0', { token: admin })).status).to.equal(400);
  });

  it('a refused write changes nothing and writes no audit record', async () => {
    const before = await h.t.db('audit_log').count({ n: 'id' }).first();
    await call(h, 'POST', '/api/skills', { token: admin, body: { name: '' } });
    await call(h, 'POST', '/api/skills', { token: h.users.supervisor.token, body: { name: 'sneaky' } });
    const after = await h.t.db('audit_log').count({ n: 'id' }).first();
    expect(Number(after?.n)).to.equal(Number(before?.n));
    expect(await h.t.db('skills').where({ name: 'sneaky' }).first()).to.equal(undefined);
  });
});
