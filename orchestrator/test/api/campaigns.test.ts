import { expect } from 'chai';
import { call, startHarness, type Harness } from './harness.js';

describe('api: campaigns (/api/campaigns)', function () {
  this.timeout(20_000);
  let h: Harness;
  let sales: number;
  let billing: number;
  const admin = () => h.users.admin.token;
  const create = (body: unknown, token = admin()) => call(h, 'POST', '/api/campaigns', { token, body });
  const upload = (id: number, body: unknown, token = admin()) =>
    call(h, 'POST', `/api/campaigns/${id}/contacts`, { token, body });

  beforeEach(async () => {
    h = await startHarness();
    sales = Number((await h.t.db('queues').insert({ name: 'sales', display_name: 'Sales' }))[0]);
    billing = Number((await h.t.db('queues').insert({ name: 'billing', display_name: 'Billing' }))[0]);
    await h.t.db('business_hours').insert({ name: 'office', timezone: 'Asia/Shanghai', weekly: '{}' });
    await h.t.db('supervisor_queues').insert({ user_id: h.users.supervisor.id, queue_id: sales });
  });
  afterEach(() => h.close());

  it('creates a paused campaign, changes it, starts and pauses it, and deletes it only when paused; all audited', async () => {
    const r = await create({ name: 'Renewals', queueId: sales, hours: 'office', callerId: '+8657188886666' });
    expect(r.status).to.equal(201);
    expect(r.body).to.deep.include({
      name: 'Renewals',
      queueId: sales,
      queueName: 'Sales',
      state: 'paused',
      hours: 'office',
      callerId: '+8657188886666',
      maxAttempts: 3,
      retryMinutes: 60,
      script: null,
      contactHours: null,
      machineDetection: 'off',
      machineMessage: null,
    });
    expect(r.body.contacts).to.deep.equal({ total: 0, pending: 0, dialing: 0, done: 0, failed: 0, skipped: 0 });
    const id = r.body.id as number;

    const changed = await call(h, 'PATCH', `/api/campaigns/${id}`, {
      token: admin(),
      body: { maxAttempts: 5, retryMinutes: 30, hours: null, script: '  Hello {contact}, this is {agent}.\nOK?  ' },
    });
    expect(changed.body).to.deep.include({
      maxAttempts: 5,
      retryMinutes: 30,
      hours: null,
      script: 'Hello {contact}, this is {agent}.\nOK?',
    });
    // An emptied script is none.
    const emptied = await call(h, 'PATCH', `/api/campaigns/${id}`, { token: admin(), body: { script: ' ' } });
    expect(emptied.body.script).to.equal(null);
    const local = await call(h, 'PATCH', `/api/campaigns/${id}`, {
      token: admin(),
      body: { contactHours: '08:00-21:00' },
    });
    expect(local.body.contactHours).to.equal('08:00-21:00');
    const screened = await call(h, 'PATCH', `/api/campaigns/${id}`, {
      token: admin(),
      body: { machineDetection: 'message', machineMessage: 'ariadne/campaign-message' },
    });
    expect(screened.body).to.deep.include({ machineDetection: 'message', machineMessage: 'ariadne/campaign-message' });
    // The message is what the campaign has: taking it away while machines are left one is refused.
    const unsaid = await call(h, 'PATCH', `/api/campaigns/${id}`, { token: admin(), body: { machineMessage: null } });
    expect(unsaid.status).to.equal(400);
    expect(unsaid.body.error.message).to.equal('body.machineMessage: required when machineDetection is message');
    const started = await call(h, 'POST', `/api/campaigns/${id}/start`, { token: admin() });
    expect(started.body.state).to.equal('running');
    const refused = await call(h, 'DELETE', `/api/campaigns/${id}`, { token: admin() });
    expect(refused.status).to.equal(409);
    expect(refused.body.error.message).to.match(/running: pause it first/);
    expect((await call(h, 'POST', `/api/campaigns/${id}/pause`, { token: admin() })).body.state).to.equal('paused');
    expect((await call(h, 'DELETE', `/api/campaigns/${id}`, { token: admin() })).status).to.equal(204);
    expect((await call(h, 'GET', `/api/campaigns/${id}`, { token: admin() })).status).to.equal(404);
    const actions = (await h.t
      .db('audit_log')
      .where({ target_id: String(id) })
      .orderBy('id')
      .pluck('action')) as string[];
    expect(actions).to.deep.equal([
      'campaign.create',
      'campaign.update',
      'campaign.update',
      'campaign.update',
      'campaign.update',
      'campaign.start',
      'campaign.pause',
      'campaign.delete',
    ]);
  });

  it('refuses bad campaigns with the field and the reason', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ queueId: sales }, 400, /name/],
      [{ name: 'x', queueId: 999 }, 400, /no queue 999/],
      [{ name: 'x', queueId: sales, hours: 'nowhere' }, 400, /no business hours named nowhere/],
      [{ name: 'x', queueId: sales, maxAttempts: 0 }, 400, /maxAttempts/],
      [{ name: 'x', queueId: sales, callerId: 'abc' }, 400, /callerId/],
      [{ name: 'x', queueId: sales, state: 'running' }, 400, /state/],
      [
        { name: 'x', queueId: sales, script: 'Hello {contcat}' },
        400,
        /unknown placeholder \{contcat\}: use \{contact\} or \{agent\}/,
      ],
      [{ name: 'x', queueId: sales, script: 'x'.repeat(4001) }, 400, /script/],
      [{ name: 'x', queueId: sales, contactHours: '9-5' }, 400, /contactHours.*HH:MM-HH:MM/],
      [{ name: 'x', queueId: sales, contactHours: '21:00-08:00' }, 400, /end after they start/],
      [{ name: 'x', queueId: sales, machineDetection: 'beep' }, 400, /machineDetection/],
      [{ name: 'x', queueId: sales, machineDetection: 'message' }, 400, /machineMessage: required when/],
      [
        { name: 'x', queueId: sales, machineDetection: 'message', machineMessage: 'hello&goodbye' },
        400,
        /machineMessage.*a sound name such as ariadne\/campaign-message/,
      ],
    ];
    for (const [body, status, reason] of cases) {
      const r = await create(body);
      expect(r.status, JSON.stringify(body)).to.equal(status);
      expect(JSON.stringify(r.body.error), JSON.stringify(body)).to.match(reason);
    }
    expect((await create({ name: 'Renewals', queueId: sales })).status).to.equal(201);
    const twice = await create({ name: 'Renewals', queueId: billing });
    expect(twice.status).to.equal(409);
    expect(await h.t.db('campaigns').count({ n: '*' }).first()).to.deep.equal({ n: 1 });
  });

  it('adds a list: numbers as E.164, names kept, bad lines, repeats and listed numbers left out and counted', async () => {
    const { id } = (await create({ name: 'Renewals', queueId: sales })).body as { id: number };
    await h.t.db('do_not_call').insert({ e164: '+8613800000000', reason: 'asked', created_at: new Date() });
    const csv = [
      'number,name',
      '139 1234 5678, 王芳',
      '',
      '"13812345678","Li, Wei"',
      '+8613912345678',
      'not a number',
      '13800000000,Listed',
      '+44 20 7946 0958',
    ].join('\n');
    const r = await upload(id, { csv });
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.include({ added: 2, duplicates: 1, doNotCall: 1 });
    expect(r.body.invalid.map((i: { line: number }) => i.line)).to.deep.equal([6, 8]);
    expect(r.body.invalid[1].reason).to.match(/international/);

    // The same numbers again, as a JSON list: already in the campaign.
    const again = await upload(id, {
      contacts: [{ number: '+8613912345678' }, { number: '13700001111', name: 'Zhao' }],
    });
    expect(again.body).to.deep.include({ added: 1, duplicates: 1, doNotCall: 0, invalid: [] });

    const list = await call(h, 'GET', `/api/campaigns/${id}/contacts?state=pending`, { token: admin() });
    expect(list.body.total).to.equal(3);
    expect(list.body.items.map((c: { number: string; name: string | null }) => [c.number, c.name])).to.deep.equal([
      ['+8613912345678', '王芳'],
      ['+8613812345678', 'Li, Wei'],
      ['+8613700001111', 'Zhao'],
    ]);
    expect(list.body.items[0]).to.deep.include({ state: 'pending', attempts: 0, nextAt: null, lastResult: null });
    expect((await call(h, 'GET', `/api/campaigns/${id}`, { token: admin() })).body.contacts).to.deep.equal({
      total: 3,
      pending: 3,
      dialing: 0,
      done: 0,
      failed: 0,
      skipped: 0,
    });
    // The results export: every contact, as CSV.
    const exported = await call(h, 'GET', `/api/campaigns/${id}/contacts?format=csv`, { token: admin() });
    expect(exported.status).to.equal(200);
    expect(exported.headers.get('content-disposition')).to.match(/campaign-\d+-Renewals\.csv/);
    const lines = String(exported.body).trim().split('\n');
    expect(lines[0]).to.equal('number,name,state,attempts,nextAt,lastResult,lastCallId,updatedAt,timeZone');
    expect(lines[2]).to.match(/^\+8613812345678,"Li, Wei",pending,0,,,,20/);
    // Neither or both of csv and contacts is refused.
    expect((await upload(id, {})).status).to.equal(400);
    expect((await upload(id, { csv: '1', contacts: [] })).status).to.equal(400);
  });

  it("supervisors run their queues' campaigns only; agents none", async () => {
    const own = (await create({ name: 'Sales push', queueId: sales })).body.id as number;
    const other = (await create({ name: 'Billing push', queueId: billing })).body.id as number;
    const sup = h.users.supervisor.token;
    const list = await call(h, 'GET', '/api/campaigns', { token: sup });
    expect(list.body.items.map((c: { id: number }) => c.id)).to.deep.equal([own]);
    expect((await call(h, 'GET', `/api/campaigns/${other}`, { token: sup })).status).to.equal(404);
    expect((await call(h, 'POST', `/api/campaigns/${other}/start`, { token: sup })).status).to.equal(404);
    expect((await upload(other, { csv: '13912345678' }, sup)).status).to.equal(404);
    expect((await create({ name: 'Mine', queueId: billing }, sup)).status).to.equal(400);
    expect((await create({ name: 'Mine', queueId: sales }, sup)).status).to.equal(201);
    const moved = await call(h, 'PATCH', `/api/campaigns/${own}`, { token: sup, body: { queueId: billing } });
    expect(moved.status).to.equal(400);
    expect((await call(h, 'POST', `/api/campaigns/${own}/start`, { token: sup })).body.state).to.equal('running');
    const agent = h.users.agent.token;
    expect((await call(h, 'GET', '/api/campaigns', { token: agent })).status).to.equal(403);
    expect((await create({ name: 'Agent', queueId: sales }, agent)).status).to.equal(403);
  });
  it('calls the failed numbers again: all of them, or those whose last call ended so; not another queue’s', async () => {
    const { id } = (await create({ name: 'Renewals', queueId: sales })).body as { id: number };
    await upload(id, { csv: ['13900000001', '13900000002', '13900000003', '13900000004'].join('\n') });
    const set = (e164: string, state: string, lastResult: string) =>
      h.t
        .db('campaign_contacts')
        .where({ campaign_id: id, e164 })
        .update({ state, attempts: 3, last_result: lastResult, next_at: new Date(Date.now() + 3_600_000) });
    await set('+8613900000001', 'failed', 'busy');
    await set('+8613900000002', 'failed', 'machine');
    await set('+8613900000003', 'failed', 'no_answer');
    await set('+8613900000004', 'done', 'answered');
    const recycle = (body: unknown, token = admin()) =>
      call(h, 'POST', `/api/campaigns/${id}/recycle`, { token, body });
    const machines = await recycle({ results: ['machine', 'busy'] });
    expect(machines.body).to.deep.equal({ recycled: 2 });
    const rows = (await h.t
      .db('campaign_contacts')
      .where({ campaign_id: id })
      .orderBy('e164')
      .select('e164', 'state', 'attempts', 'next_at')) as {
      e164: string;
      state: string;
      attempts: number;
      next_at: unknown;
    }[];
    expect(rows.map((r) => [r.e164, r.state, Number(r.attempts)])).to.deep.equal([
      ['+8613900000001', 'pending', 0],
      ['+8613900000002', 'pending', 0],
      ['+8613900000003', 'failed', 3],
      ['+8613900000004', 'done', 3],
    ]);
    // Due at once, not at the time the last attempt had set.
    expect(rows.slice(0, 2).map((r) => r.next_at)).to.deep.equal([null, null]);
    expect((await recycle({})).body).to.deep.equal({ recycled: 1 });
    expect((await recycle({})).body).to.deep.equal({ recycled: 0 });
    expect((await recycle({ results: [] })).status).to.equal(400);
    const other = (await create({ name: 'Billing push', queueId: billing })).body.id as number;
    const sup = h.users.supervisor.token;
    expect((await call(h, 'POST', `/api/campaigns/${other}/recycle`, { token: sup, body: {} })).status).to.equal(404);
    expect(await h.t.db('audit_log').where({ action: 'campaign.recycle' }).count({ n: '*' }).first()).to.deep.equal({
      n: 3,
    });
  });

  it("books the customer's callback on a campaign's call: the contact is tried again then, by the agent of the call", async () => {
    const { id } = (await create({ name: 'Renewals', queueId: sales, maxAttempts: 2 })).body as { id: number };
    await upload(id, { csv: '13912345678' });
    const callId = '44444444-4444-4444-8444-444444444444';
    await h.t.db('calls').insert({
      id: callId,
      node: 'n',
      channel_id: 'c',
      owner: 'o',
      state: 'connected',
      direction: 'outbound',
      caller_raw: '+8613912345678',
      did: '',
      arrived_at: new Date(),
      agent_id: h.users.agent.agentId,
      queue_id: sales,
      campaign_id: id,
    });
    // The CDR names the campaign: calls are searched by it, and a call's page says which.
    const found = await call(h, 'GET', `/api/calls?campaignId=${id}`, { token: admin() });
    expect(found.body.items.map((c: { id: string }) => c.id)).to.deep.equal([callId]);
    expect((await call(h, 'GET', `/api/calls?campaignId=${id + 1}`, { token: admin() })).body.total).to.equal(0);
    const one = await call(h, 'GET', `/api/calls/${callId}`, { token: h.users.agent.token });
    expect(one.body).to.deep.include({ campaignId: id, campaignName: 'Renewals' });
    // The call is its second and last attempt, still on.
    await h.t.db('campaign_contacts').update({ state: 'dialing', attempts: 2, last_call_id: callId });
    const book = (body: unknown, token = h.users.agent.token, id = callId) =>
      call(h, 'POST', `/api/calls/${id}/campaign-callback`, { token, body });

    const at = new Date(Date.now() + 3_600_000);
    const r = await book({ at: at.toISOString() });
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.include({
      number: '+8613912345678',
      state: 'pending',
      attempts: 1,
      lastResult: 'callback_requested',
      nextAt: at.toISOString(),
    });
    const audit = await h.t.db('audit_log').where({ action: 'campaign.callback' }).first('target_id');
    expect(audit).to.deep.equal({ target_id: callId });

    for (const bad of [new Date(Date.now() + 10_000), new Date(Date.now() + 40 * 86_400_000)]) {
      const refused = await book({ at: bad.toISOString() });
      expect(refused.status).to.equal(400);
      expect(refused.body.error.message).to.equal('body.at: a time from a minute to 30 days from now');
    }
    expect((await book({ at: 'tomorrow' })).status).to.equal(400);
    expect((await book({ at: at.toISOString() }, h.users.agent2.token)).status, "another agent's call").to.equal(403);
    expect((await book({ at: at.toISOString() }, admin(), 'no-such-call')).status).to.equal(404);
    await h.t.db('campaign_contacts').update({ last_call_id: 'another-call' });
    const notCampaign = await book({ at: at.toISOString() });
    expect(notCampaign.status).to.equal(404);
    expect(notCampaign.body.error.message).to.match(/campaign's contact/);
  });
});
