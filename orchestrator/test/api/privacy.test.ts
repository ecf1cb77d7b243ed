import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { call, startHarness, type Harness } from './harness.js';

// POST /api/privacy/erase: admins erase a caller's data (privacy/erasure.ts has the table-by-table tests).

const MOBILE = '+8613812345678';

describe('api: erasing a caller (POST /api/privacy/erase)', function () {
  this.timeout(20_000);
  let h: Harness;
  let customerId: number;
  const erase = (body: unknown, token = h.users.admin.token) => call(h, 'POST', '/api/privacy/erase', { token, body });

  before(async () => {
    h = await startHarness();
    const [c] = await h.t.db('customers').insert({ name: 'Wang Fang', tier: 'gold', language: 'zh' });
    customerId = Number(c);
    await h.t.db('customer_phones').insert({ customer_id: customerId, e164: MOBILE });
    await h.t.db('orders').insert({ customer_id: customerId, order_no: '20000001', status: 'paid' });
    await h.t.db('calls').insert({
      id: randomUUID(),
      node: 'asterisk-1',
      channel_id: 'ch-1',
      owner: 'test',
      state: 'ended',
      caller_raw: '013812345678',
      caller_e164: MOBILE,
      did: '4007188668',
      customer_id: customerId,
      arrived_at: new Date('2026-11-20T09:00:00Z'),
    });
    await h.t.db('do_not_call').insert({ e164: MOBILE, reason: 'asked', created_at: new Date() });
  });
  after(() => h.close());

  it('refuses supervisors and agents (403) and anyone signed out (401)', async () => {
    for (const who of [h.users.supervisor, h.users.agent]) {
      const r = await erase({ customerId, dryRun: true }, who.token);
      expect(r.status, who.username).to.equal(403);
      expect(r.body.error.code).to.equal('forbidden');
    }
    const anonymous = await call(h, 'POST', '/api/privacy/erase', { body: { customerId } });
    expect(anonymous.status).to.equal(401);
    expect(await h.t.db('customers').where('id', customerId).first('name')).to.deep.equal({ name: 'Wang Fang' });
  });

  it('answers every bad body with a 400 that names the field, without repeating the number', async () => {
    for (const [body, field, reason] of [
      [{}, 'phone', 'give the customer id or the phone number (or both)'],
      [{ dryRun: true }, 'phone', 'give the customer id or the phone number (or both)'],
      [{ phone: '1' }, 'phone', 'Too small: expected string to have >=3 characters'],
      [{ phone: 13812345678 }, 'phone', 'Invalid input: expected string, received number'],
      [{ phone: '12ab-5555' }, 'phone', 'not a valid phone number (read as a CN number)'],
      [{ customerId: 0 }, 'customerId', 'an id is a positive integer'],
      [{ customerId: 1.5 }, 'customerId', 'an id is a positive integer'],
      [{ customerId: '7' }, 'customerId', 'Invalid input: expected number, received string'],
      [{ customerId, dryRun: 'yes' }, 'dryRun', 'Invalid input: expected boolean, received string'],
      [{ customerId, name: 'Wang Fang' }, 'name', 'Unrecognized key: "name"'],
    ] as const) {
      const r = await erase(body);
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(r.body.error.code).to.equal('validation_failed');
      expect(r.body.error.details, JSON.stringify(body)).to.deep.include({ in: 'body', field, reason });
      expect(JSON.stringify(r.body)).to.not.include('12ab');
    }
    const raw = await call(h, 'POST', '/api/privacy/erase', { token: h.users.admin.token, raw: '{"phone":' });
    expect(raw.status).to.equal(400);
    expect(raw.body.error.code).to.equal('invalid_json');
  });

  it('an unknown customer is a 404; a number nothing is held about answers zero counts', async () => {
    const missing = await erase({ customerId: 999_999 });
    expect(missing.status).to.equal(404);
    expect(missing.body.error).to.deep.equal({ code: 'not_found', message: 'customer 999999 not found' });
    const nobody = await erase({ phone: '137 0000 0000' });
    expect(nobody.status).to.equal(200);
    expect(nobody.body).to.deep.include({ dryRun: false, numbers: ['…00'], customerIds: [], kept: { doNotCall: 0 } });
    expect(Object.values(nobody.body.counts as Record<string, number>).every((n) => n === 0)).to.equal(true);
  });

  it("POST /api/privacy/export: an admin's copy of the caller's data; others refused, bad bodies named", async () => {
    const exportOf = (body: unknown, token = h.users.admin.token) =>
      call(h, 'POST', '/api/privacy/export', { token, body });
    for (const who of [h.users.supervisor, h.users.agent])
      expect((await exportOf({ customerId }, who.token)).status, who.username).to.equal(403);
    expect((await call(h, 'POST', '/api/privacy/export', { body: { customerId } })).status).to.equal(401);
    for (const [body, field] of [
      [{}, 'phone'],
      [{ phone: '12ab-5555' }, 'phone'],
      [{ customerId: -1 }, 'customerId'],
      [{ customerId, dryRun: true }, 'dryRun'],
    ] as const) {
      const r = await exportOf(body);
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(r.body.error.details.map((d: { field: string }) => d.field)).to.include(field);
    }
    expect((await exportOf({ customerId: 999_999 })).status).to.equal(404);

    const copy = await exportOf({ phone: '138 1234 5678' });
    expect(copy.status).to.equal(200);
    expect(copy.body).to.deep.include({ numbers: [MOBILE], customerIds: [customerId], transcripts: [] });
    expect(copy.body.customers.map((c: { name: string }) => c.name)).to.deep.equal(['Wang Fang']);
    expect(copy.body.orders.map((o: { orderNo: string }) => o.orderNo)).to.deep.equal(['20000001']);
    expect(copy.body.calls).to.have.length(1);
    expect(copy.body.calls[0]).to.deep.include({ callerRaw: '013812345678', arrivedAt: '2026-11-20T09:00:00.000Z' });
    expect(copy.body.doNotCall.map((d: { e164: string }) => d.e164)).to.deep.equal([MOBILE]);
    const audit = (await h.t.db('audit_log').where('action', 'privacy.export').select('details')) as {
      details: string;
    }[];
    expect(audit).to.have.length(1);
    expect(audit[0]?.details).to.not.include('13812345678');
    // A copy is a read: the customer is untouched.
    expect(await h.t.db('customers').where('id', customerId).first('name')).to.deep.equal({ name: 'Wang Fang' });
  });

  it('previews (dryRun) then erases as an admin; the audit line names who and the counts, never the number', async () => {
    const auditLines = async () => Number((await h.t.db('audit_log').count({ n: '*' }))[0]?.n);
    const linesBefore = await auditLines();
    const preview = await erase({ phone: '138 1234 5678', dryRun: true });
    expect(preview.status).to.equal(200);
    expect(preview.body).to.deep.include({
      dryRun: true,
      numbers: ['…78'],
      customerIds: [customerId],
      kept: { doNotCall: 1 },
      callsInProgress: 0,
    });
    expect(preview.body.counts).to.deep.include({ customers: 1, customerPhones: 1, orders: 1, calls: 1 });
    // A preview changes nothing, and is not audited (a read, like every GET).
    expect(await h.t.db('customers').where('id', customerId).first('name')).to.deep.equal({ name: 'Wang Fang' });
    expect(await auditLines()).to.equal(linesBefore);

    const done = await erase({ customerId, phone: MOBILE });
    expect(done.status).to.equal(200);
    expect(done.body).to.deep.include({ dryRun: false, customerIds: [customerId], kept: { doNotCall: 1 } });
    expect(done.body.counts).to.deep.equal(preview.body.counts);
    expect(await h.t.db('customers').where('id', customerId).first('id')).to.equal(undefined);
    expect(await h.t.db('do_not_call').pluck('e164')).to.deep.equal([MOBILE]);

    const audit = (await h.t
      .db('audit_log')
      .where('action', 'privacy.erase')
      .where('target_id', String(customerId))
      .select('*')) as Record<string, unknown>[];
    expect(audit).to.have.length(1);
    expect(audit[0]).to.deep.include({
      user_id: h.users.admin.id,
      actor: 'admin',
      target_type: 'customer',
      target_id: String(customerId),
    });
    expect(JSON.parse(String(audit[0]?.details))).to.deep.equal({
      numbers: ['…78'],
      customerIds: [customerId],
      counts: done.body.counts,
      kept: { doNotCall: 1 },
    });
    const everyLine = JSON.stringify(await h.t.db('audit_log').select('*'));
    expect(everyLine).to.not.include('13812345678');

    // Again: the customer is gone (404); by the number, nothing is left to erase.
    expect((await erase({ customerId })).status).to.equal(404);
    const again = await erase({ phone: MOBILE });
    expect(again.status).to.equal(200);
    expect(Object.values(again.body.counts as Record<string, number>).every((n) => n === 0)).to.equal(true);
  });

  it('refuses (409) while a call of the caller is in progress', async () => {
    const [c] = await h.t.db('customers').insert({ name: 'Zhao Min' });
    await h.t.db('customer_phones').insert({ customer_id: Number(c), e164: '+8615012345678' });
    await h.t.db('calls').insert({
      id: randomUUID(),
      node: 'asterisk-1',
      channel_id: 'ch-2',
      owner: 'test',
      state: 'connected',
      caller_raw: '015012345678',
      caller_e164: '+8615012345678',
      did: '4007188668',
      customer_id: Number(c),
      arrived_at: new Date(),
    });
    const r = await erase({ phone: '15012345678' });
    expect(r.status).to.equal(409);
    expect(r.body.error).to.deep.equal({
      code: 'conflict',
      message: 'a call of this caller is in progress: erase once it has ended',
    });
  });
});
