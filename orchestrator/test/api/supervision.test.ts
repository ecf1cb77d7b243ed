import { expect } from 'chai';
import { WebSocket } from 'ws';
import { call, startHarness, type Harness } from './harness.js';

/** The first wallboard frame a socket with this token receives that satisfies `ok`. */
function wallboardFrame(
  h: Harness,
  token: string,
  ok: (queues: string[]) => boolean = () => true,
): Promise<{ queues: Array<{ name: string }> }> {
  const ws = new WebSocket(`${h.base.replace('http', 'ws')}/api/ws?token=${token}`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (ws.terminate(), reject(new Error('no matching wallboard frame'))), 5000);
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string; queues: Array<{ name: string }> };
      if (m.type !== 'wallboard' || !ok(m.queues.map((q) => q.name))) return;
      clearTimeout(timer);
      ws.terminate();
      resolve(m);
    });
    ws.on('error', reject);
  });
}

describe('API: supervisors see their queues', () => {
  let h: Harness;
  let admin: string;
  let sup: string;
  let sales: number;
  let billing: number;
  const ids = {
    sales: 'aaaaaaaa-0000-4000-8000-000000000001',
    billing: 'aaaaaaaa-0000-4000-8000-000000000002',
    ivr: 'aaaaaaaa-0000-4000-8000-000000000003',
  };

  before(async () => {
    h = await startHarness({ dialect: 'mysql' });
    admin = h.users.admin.token;
    sup = h.users.supervisor.token;
    for (const name of ['sales', 'billing']) {
      const r = await call(h, 'POST', '/api/queues', { token: admin, body: { name, displayName: name } });
      expect(r.status).to.equal(201);
    }
    sales = Number((await h.t.db('queues').where({ name: 'sales' }).first('id')).id);
    billing = Number((await h.t.db('queues').where({ name: 'billing' }).first('id')).id);
    const base = { node: 'n', owner: 'o', caller_raw: '1', did: '1', arrived_at: new Date(), state: 'ended' };
    await h.t.db('calls').insert([
      { ...base, id: ids.sales, channel_id: 'c1', queue_id: sales, disposition: 'answered' },
      { ...base, id: ids.billing, channel_id: 'c2', queue_id: billing, disposition: 'answered' },
      { ...base, id: ids.ivr, channel_id: 'c3', queue_id: null, state: 'in_ivr' },
    ]);
    await h.t.db('call_events').insert(
      Object.values(ids).map((call_id) => ({
        call_id,
        seq: 1,
        at: new Date(),
        from_state: null,
        event: 'arrive',
        to_state: 'arriving',
      })),
    );
    await h.t.db('recordings').insert([
      { id: 'rec-sales', call_id: ids.sales, name: 'rs', queue_id: sales, state: 'stored', started_at: new Date() },
      {
        id: 'rec-billing',
        call_id: ids.billing,
        name: 'rb',
        queue_id: billing,
        state: 'stored',
        started_at: new Date(),
      },
    ]);
  });
  after(async () => h.close());

  it('an admin gives a supervisor queues; queueIds are checked', async () => {
    const u = `/api/users/${h.users.supervisor.id}`;
    const set = await call(h, 'PATCH', u, { token: admin, body: { queueIds: [sales] } });
    expect(set.status).to.equal(200);
    expect(set.body.queueIds).to.deep.equal([sales]);
    const unknown = await call(h, 'PATCH', u, { token: admin, body: { queueIds: [sales, 999999] } });
    expect([unknown.status, unknown.body.error.details[0]]).to.deep.equal([
      400,
      { in: 'body', field: 'queueIds', reason: 'no queue 999999' },
    ]);
    const notSup = await call(h, 'PATCH', `/api/users/${h.users.agent.id}`, {
      token: admin,
      body: { queueIds: [sales] },
    });
    expect([notSup.status, notSup.body.error.message]).to.deep.equal([
      400,
      'body.queueIds: only a supervisor supervises queues',
    ]);
    const created = await call(h, 'POST', '/api/users', {
      token: admin,
      body: {
        username: 'sup2',
        displayName: 'Sup 2',
        password: 'sup2-pass-12',
        role: 'supervisor',
        queueIds: [billing],
      },
    });
    expect([created.status, created.body.queueIds]).to.deep.equal([201, [billing]]);
    // Demoted to agent: the supervised queues go with the role.
    const demoted = await call(h, 'PATCH', `/api/users/${created.body.id}`, { token: admin, body: { role: 'agent' } });
    expect(demoted.body.queueIds).to.deep.equal([]);
    expect((await call(h, 'GET', u, { token: sup })).status).to.equal(403);
  });

  it("lists hold only the supervisor's queues; another queue's records are not found", async () => {
    const mine = await call(h, 'GET', '/api/calls', { token: sup });
    expect(mine.body.items.map((c: { id: string }) => c.id)).to.deep.equal([ids.sales]);
    const all = await call(h, 'GET', '/api/calls', { token: admin });
    expect(all.body.total).to.equal(3);
    expect((await call(h, 'GET', `/api/calls/${ids.sales}`, { token: sup })).status).to.equal(200);
    expect((await call(h, 'GET', `/api/calls/${ids.billing}`, { token: sup })).status).to.equal(404);
    expect((await call(h, 'GET', `/api/calls/${ids.ivr}`, { token: sup })).status).to.equal(404);
    expect((await call(h, 'GET', `/api/calls/${ids.billing}`, { token: admin })).status).to.equal(200);
    const events = await call(h, 'GET', '/api/call-events', { token: sup });
    expect(events.body.items.map((e: { callId: string }) => e.callId)).to.deep.equal([ids.sales]);
    const recs = await call(h, 'GET', '/api/recordings', { token: sup });
    expect(recs.body.items.map((r: { id: string }) => r.id)).to.deep.equal(['rec-sales']);
    expect((await call(h, 'GET', '/api/recordings/rec-billing', { token: sup })).status).to.equal(404);
    const summary = await call(h, 'GET', '/api/reports/summary', { token: sup });
    expect(summary.body.queues.map((q: { name: string }) => q.name)).to.deep.equal(['sales']);
    expect((await call(h, 'POST', `/api/calls/${ids.billing}/hangup`, { token: sup })).status).to.equal(404);
  });

  it("callbacks: listed and worked within the supervisor's queues", async () => {
    const theirs = await call(h, 'POST', '/api/callbacks', {
      token: admin,
      body: { phone: '+8613800000001', queueId: billing },
    });
    const mine = await call(h, 'POST', '/api/callbacks', {
      token: sup,
      body: { phone: '+8613800000002', queueId: sales },
    });
    expect(mine.status).to.equal(201);
    const refused = await call(h, 'POST', '/api/callbacks', {
      token: sup,
      body: { phone: '+8613800000003', queueId: billing },
    });
    expect([refused.status, refused.body.error.details[0].field]).to.deep.equal([400, 'queueId']);
    const list = await call(h, 'GET', '/api/callbacks', { token: sup });
    expect(list.body.items.map((c: { id: number }) => c.id)).to.deep.equal([mine.body.id]);
    const assign = await call(h, 'POST', `/api/callbacks/${theirs.body.id}/assign`, {
      token: sup,
      body: { agentId: h.users.agent.agentId },
    });
    expect(assign.status).to.equal(404);
  });

  it("tickets and survey results: those of the supervisor's calls, and tickets of no call", async () => {
    const [onSales] = await h.t.db('tickets').insert({ call_id: ids.sales, subject: 'sales ticket', status: 'open' });
    const [onBilling] = await h.t
      .db('tickets')
      .insert({ call_id: ids.billing, subject: 'billing ticket', status: 'open' });
    const [loose] = await h.t.db('tickets').insert({ call_id: null, subject: 'no call', status: 'open' });
    const list = await call(h, 'GET', '/api/tickets', { token: sup });
    expect(list.body.items.map((t: { subject: string }) => t.subject).sort()).to.deep.equal([
      'no call',
      'sales ticket',
    ]);
    expect((await call(h, 'GET', `/api/tickets/${onSales}`, { token: sup })).status).to.equal(200);
    expect((await call(h, 'GET', `/api/tickets/${loose}`, { token: sup })).status).to.equal(200);
    expect((await call(h, 'GET', `/api/tickets/${onBilling}`, { token: sup })).status).to.equal(404);
    const patch = await call(h, 'PATCH', `/api/tickets/${onBilling}`, { token: sup, body: { status: 'closed' } });
    expect(patch.status).to.equal(404);
    const create = await call(h, 'POST', '/api/tickets', { token: sup, body: { subject: 'x', callId: ids.billing } });
    expect(create.status).to.equal(404);
    expect((await call(h, 'GET', '/api/tickets', { token: admin })).body.total).to.equal(3);

    await h.t.db('survey_responses').insert([
      { call_id: ids.sales, channel: 'ivr', score: 5 },
      { call_id: ids.billing, channel: 'ivr', score: 1 },
    ]);
    const surveys = await call(h, 'GET', '/api/survey-results', { token: sup });
    expect(surveys.body.items.map((r: { score: number }) => r.score)).to.deep.equal([5]);
  });

  it('the wallboard a supervisor receives carries their queues only; an admin sees all', async () => {
    // The wallboard learns of queues created through the API from queue.changed: wait until it has both.
    const full = await wallboardFrame(h, admin, (names) => names.includes('sales') && names.includes('billing'));
    expect(full.queues.map((q) => q.name).sort()).to.deep.equal(['billing', 'sales']);
    const board = await wallboardFrame(h, sup);
    expect(board.queues.map((q) => q.name)).to.deep.equal(['sales']);
  });
});
