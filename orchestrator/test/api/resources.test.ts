import { expect } from 'chai';
import { InvalidTransition } from '../../src/calls/states.js';
import { SwitchError } from '../../src/telephony/port.js';
import type { AgentActions, CallControls, RoutingTester } from '../../src/api/services.js';
import { DIALECTS } from '../support/db.js';
import { call, startHarness, superviseAllQueues, type Harness } from './harness.js';

class FakeAgents implements AgentActions {
  calls: string[] = [];
  constructor(private readonly db: Harness['t']['db']) {}
  async login(id: number, endpoint?: string) {
    this.calls.push(`login ${id} ${endpoint ?? '-'}`);
    await this.db('agents')
      .where({ id })
      .update({ state: 'available', bound_endpoint: endpoint ?? null });
  }
  async logout(id: number) {
    this.calls.push(`logout ${id}`);
  }
  async pause(id: number, reason: string) {
    this.calls.push(`pause ${id} ${reason}`);
    await this.db('agents').where({ id }).update({ state: 'paused', pause_reason: reason });
  }
  async unpause(id: number) {
    this.calls.push(`unpause ${id}`);
  }
  async endWrapUp(id: number) {
    this.calls.push(`endWrapUp ${id}`);
  }
}

class FakeCalls implements CallControls {
  calls: string[] = [];
  async hangup(id: string) {
    this.calls.push(`hangup ${id}`);
  }
  async hold(id: string) {
    throw new InvalidTransition(id, 'wrap_up' as never, 'hold');
  }
  async unhold(id: string) {
    throw new SwitchError('not_found', `channel of ${id} is gone`, 404);
  }
  async transfer(id: string, r: { mode: string; target: string }) {
    this.calls.push(`transfer ${id} ${r.mode} ${r.target}`);
  }
  async conference(id: string) {
    this.calls.push(`conference ${id}`);
  }
  async monitor(id: string, r: { mode: string; endpoint: string; supervisor: { userId: number } }) {
    this.calls.push(`monitor ${id} ${r.mode} ${r.endpoint} by ${r.supervisor.userId}`);
    return { callId: id, mode: r.mode };
  }
  async stopMonitor(id: string, userId: number) {
    this.calls.push(`stopMonitor ${id} by ${userId}`);
  }
  async completeTransfer(id: string) {
    this.calls.push(`complete ${id}`);
  }
  async cancelTransfer(id: string) {
    this.calls.push(`cancel ${id}`);
  }
  async pauseRecording(id: string) {
    this.calls.push(`pauseRec ${id}`);
  }
  async resumeRecording(id: string) {
    this.calls.push(`resumeRec ${id}`);
  }
  async setDisposition(id: string, d: string) {
    this.calls.push(`disposition ${id} ${d}`);
  }
  async place(r: { number: string }) {
    this.calls.push(`place ${r.number}`);
    return { callId: 'placed' };
  }
}

const FLOW = {
  start: 'welcome',
  nodes: { welcome: { type: 'play', prompt: ['sound:welcome'], next: 'q' }, q: { type: 'queue', queue: 'support' } },
};

for (const dialect of DIALECTS) {
  describe(`API resources on ${dialect}`, () => {
    let h: Harness;
    let agents: FakeAgents;
    const calls = new FakeCalls();
    const tested: unknown[] = [];
    const router: RoutingTester = {
      async test(a) {
        tested.push(a);
        return { matched: { ruleId: 1, ruleName: 'vip' }, queueName: 'support' };
      },
    };
    let admin: string;
    let sup: string;
    let alice: string;
    let bob: string;

    before(async () => {
      const live = {
        list: () => [
          {
            callId: 'l-1',
            agentId: h.users.agent.agentId,
            queueId: 1,
            state: 'connected',
            monitoredBy: [{ userId: h.users.supervisor.id, name: 'SUP', mode: 'listen' }],
          },
          { callId: 'l-2', agentId: h.users.agent2.agentId, queueId: 2, state: 'connected' },
          { callId: 'l-3', agentId: null, queueId: 2, state: 'queued' },
        ],
      };
      const services: Record<string, unknown> = { calls, routing: router, liveCalls: live };
      h = await startHarness({ dialect, deps: { services } });
      agents = new FakeAgents(h.t.db);
      services.agents = agents;
      admin = h.users.admin.token;
      sup = h.users.supervisor.token;
      alice = h.users.agent.token;
      bob = h.users.agent2.token;
    });
    after(async () => h.close());

    it('skills, queues (with skills), agents (with skills): create, read, change, delete — all audited', async () => {
      const s1 = await call(h, 'POST', '/api/skills', {
        token: admin,
        body: { name: 'logistics', description: 'parcels' },
      });
      expect(s1.status).to.equal(201);
      await call(h, 'POST', '/api/skills', { token: admin, body: { name: 'billing' } });
      const dup = await call(h, 'POST', '/api/skills', { token: admin, body: { name: 'logistics' } });
      expect(dup.status).to.equal(409);
      expect(dup.body.error.code).to.equal('conflict');

      const q = await call(h, 'POST', '/api/queues', {
        token: admin,
        body: {
          name: 'support',
          displayName: 'Support',
          serviceLevelS: 30,
          skills: [{ skill: 'logistics', minLevel: 3 }],
          overflow: [{ afterSeconds: 60, action: 'widen_skills' }],
        },
      });
      expect(q.status).to.equal(201);
      expect(q.body).to.include({ name: 'support', displayName: 'Support', serviceLevelS: 30, recordCalls: true });
      expect(q.body.skills).to.deep.equal([{ skill: 'logistics', minLevel: 3 }]);
      expect(q.body.overflow).to.deep.equal([{ afterSeconds: 60, action: 'widen_skills' }]);
      const badSkill = await call(h, 'POST', '/api/queues', {
        token: admin,
        body: { name: 'x', displayName: 'X', skills: [{ skill: 'nope', minLevel: 1 }] },
      });
      expect(badSkill.status).to.equal(400);
      expect(badSkill.body.error.message).to.include('unknown skill: nope');
      expect(await h.t.db('queues').where({ name: 'x' }).first()).to.equal(undefined);

      const patched = await call(h, 'PATCH', `/api/queues/${q.body.id}`, {
        token: admin,
        body: { wrapUpS: 45, skills: [{ skill: 'billing', minLevel: 2 }] },
      });
      expect(patched.status).to.equal(200);
      expect(patched.body.wrapUpS).to.equal(45);
      expect(patched.body.skills).to.deep.equal([{ skill: 'billing', minLevel: 2 }]);
      const list = await call(h, 'GET', '/api/queues?page=1&pageSize=10', { token: alice });
      expect(list.body).to.deep.include({ page: 1, pageSize: 10, total: 1 });

      const a = await call(h, 'POST', '/api/agents', {
        token: admin,
        body: { name: 'Carol', endpoint: 'PJSIP/2003', skills: [{ skill: 'logistics', level: 7 }] },
      });
      expect(a.status).to.equal(201);
      expect(a.body).to.include({ name: 'Carol', endpoint: 'PJSIP/2003', state: 'logged_out', autoAnswer: false });
      expect(a.body.skills).to.deep.equal([{ skill: 'logistics', level: 7 }]);
      // A headset agent: their phone answers on its own.
      const headset = await call(h, 'PATCH', `/api/agents/${a.body.id}`, { token: admin, body: { autoAnswer: true } });
      expect(headset.body).to.include({ autoAnswer: true });
      expect(await h.t.db('agents').where({ id: a.body.id }).first('auto_answer')).to.satisfy(
        (r: { auto_answer: unknown }) => Boolean(Number(r.auto_answer)),
      );
      const notBool = await call(h, 'PATCH', `/api/agents/${a.body.id}`, { token: admin, body: { autoAnswer: 'yes' } });
      expect(notBool.status).to.equal(400);
      const agentsList = await call(h, 'GET', '/api/agents?q=Car', { token: sup });
      expect(agentsList.body.total).to.equal(1);
      expect((await call(h, 'DELETE', `/api/agents/${a.body.id}`, { token: admin })).status).to.equal(204);
      expect((await call(h, 'GET', `/api/agents/${a.body.id}`, { token: admin })).status).to.equal(404);

      const actions = (await h.t.db('audit_log').where({ actor: 'admin' }).select('action')).map((r) => r.action);
      expect(actions).to.include.members([
        'skills.create',
        'queues.create',
        'queues.update',
        'agents.create',
        'agents.delete',
      ]);
      const qAudit = await h.t.db('audit_log').where({ action: 'queues.update' }).first();
      expect(qAudit.target_id).to.equal(String(q.body.id));
      expect(JSON.parse(qAudit.details)).to.deep.include({ wrapUpS: 45 });
    });

    it('routing rules and POST /api/routing-rules/test against a sample call', async () => {
      const q = await h.t.db('queues').where({ name: 'support' }).first('id');
      const rule = await call(h, 'POST', '/api/routing-rules', {
        token: admin,
        body: { name: 'vip', expression: 'tier == "diamond"', queueId: q.id, priority: 10 },
      });
      expect(rule.status).to.equal(201);
      expect(rule.body).to.include({ name: 'vip', position: 10, enabled: true, isDefault: false });
      const typo = await call(h, 'POST', '/api/routing-rules', {
        token: admin,
        body: { name: 'bad', expression: 'tier ==', queueId: q.id },
      });
      expect(typo.status).to.equal(400);
      expect(typo.body.error.message).to.match(/^expression: /);
      const noQueue = await call(h, 'POST', '/api/routing-rules', {
        token: admin,
        body: { name: 'bad', expression: 'true', queueId: 999 },
      });
      expect(noQueue.status).to.equal(400);
      expect(noQueue.body.error.message).to.equal('unknown queue id 999');
      const r = await call(h, 'POST', '/api/routing-rules/test', {
        token: sup,
        body: { did: '4000', tier: 'diamond', ivr: { menu: '1' } },
      });
      expect(r.status).to.equal(200);
      expect(r.body.queueName).to.equal('support');
      expect(tested.at(-1)).to.deep.include({
        did: '4000',
        tier: 'diamond',
        language: 'en',
        callerE164: null,
        ivr: { menu: '1' },
      });
      const bad = await call(h, 'POST', '/api/routing-rules/test', { token: sup, body: { tier: 'platinum' } });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.details.map((d: { field: string }) => d.field)).to.include.members(['did', 'tier']);
    });

    it('business hours with holidays', async () => {
      const r = await call(h, 'POST', '/api/business-hours', {
        token: admin,
        body: {
          name: 'office',
          timezone: 'Asia/Shanghai',
          weekly: { mon: [['09:00', '18:00']] },
          holidays: [{ day: '2026-10-01', name: 'National Day', openSpans: null }],
        },
      });
      expect(r.status).to.equal(201);
      expect(r.body.weekly).to.deep.equal({ mon: [['09:00', '18:00']] });
      expect(r.body.holidays).to.deep.equal([{ day: '2026-10-01', name: 'National Day', openSpans: null }]);
      const bad = await call(h, 'POST', '/api/business-hours', {
        token: admin,
        body: { name: 'x', timezone: 'Mars/Base', weekly: { mon: [['9am', '18:00']] } },
      });
      expect(bad.status).to.equal(400);
      const fields = bad.body.error.details.map((d: { field: string }) => d.field);
      expect(fields).to.include.members(['timezone', 'weekly.mon.0.0']);
    });

    it('IVR flows: validate, save versions, publish, roll back', async () => {
      const v = await call(h, 'POST', '/api/ivr-flows/validate', {
        token: sup,
        body: { document: { start: 'nowhere', nodes: FLOW.nodes } },
      });
      expect(v.status).to.equal(200);
      expect(v.body.ok).to.equal(false);
      expect(v.body.issues[0].path).to.be.a('string');
      const s1 = await call(h, 'POST', '/api/ivr-flows/main/versions', {
        token: admin,
        body: { document: FLOW, publish: true },
      });
      expect(s1.status).to.equal(201);
      expect(s1.body).to.include({ version: 1, published: true });
      const s2 = await call(h, 'POST', '/api/ivr-flows/main/versions', {
        token: admin,
        body: { document: { ...FLOW, language: 'zh' } },
      });
      expect(s2.body).to.include({ version: 2, published: false });
      const invalid = await call(h, 'POST', '/api/ivr-flows/main/versions', {
        token: admin,
        body: { document: { start: 'x', nodes: {} } },
      });
      expect(invalid.status).to.equal(400);
      expect(invalid.body.error.code).to.equal('validation_failed');
      expect(invalid.body.error.details).to.be.an('array').that.is.not.empty;

      expect(
        (await call(h, 'POST', '/api/ivr-flows/main/publish', { token: admin, body: { version: 2 } })).body
          .publishedVersion,
      ).to.equal(2);
      expect((await call(h, 'GET', '/api/ivr-flows/main', { token: sup })).body.version).to.equal(2);
      const rb = await call(h, 'POST', '/api/ivr-flows/main/rollback', { token: admin });
      expect(rb.body.publishedVersion).to.equal(1);
      const again = await call(h, 'POST', '/api/ivr-flows/main/rollback', { token: admin });
      expect(again.status).to.equal(409);
      const versions = await call(h, 'GET', '/api/ivr-flows/main/versions', { token: sup });
      expect(
        versions.body.items.map((x: { version: number; published: boolean }) => [x.version, x.published]),
      ).to.deep.equal([
        [2, false],
        [1, true],
      ]);
      const list = await call(h, 'GET', '/api/ivr-flows', { token: sup });
      expect(list.body.items[0]).to.include({ name: 'main', publishedVersion: 1, latestVersion: 2 });
      expect((await call(h, 'GET', '/api/ivr-flows/nope/versions', { token: sup })).status).to.equal(404);
      const did = await call(h, 'PUT', '/api/dids/4000', {
        token: admin,
        body: { flow: 'main', description: 'hotline' },
      });
      expect(did.status).to.equal(200);
      expect((await call(h, 'PUT', '/api/dids/4001', { token: admin, body: { flow: 'nope' } })).status).to.equal(404);
      expect(
        (await call(h, 'PUT', '/api/dids/not-a-number', { token: admin, body: { flow: 'main' } })).status,
      ).to.equal(400);
      const dids = await call(h, 'GET', '/api/dids', { token: sup });
      expect(dids.body.items).to.deep.equal([
        { id: dids.body.items[0].id, number: '4000', description: 'hotline', flow: 'main' },
      ]);
      expect((await call(h, 'DELETE', '/api/dids/4000', { token: admin })).status).to.equal(204);
      expect((await call(h, 'GET', '/api/dids', { token: sup })).body.total).to.equal(0);
      const audit = (await h.t.db('audit_log').where({ target_type: 'ivr_flow' }).select('action')).map(
        (r) => r.action,
      );
      expect(audit).to.deep.equal(['ivr_flow.save', 'ivr_flow.save', 'ivr_flow.publish', 'ivr_flow.rollback']);
    });

    it('flows publish only names that exist; a queue or business hours set in use is not deleted or renamed', async () => {
      const hours = await call(h, 'POST', '/api/business-hours', {
        token: admin,
        body: { name: 'desk', timezone: 'Europe/Paris', weekly: { tue: [['08:00', '17:00']] } },
      });
      const queue = await call(h, 'POST', '/api/queues', {
        token: admin,
        body: { name: 'desk-q', displayName: 'Desk' },
      });
      const backup = await call(h, 'POST', '/api/queues', {
        token: admin,
        body: {
          name: 'desk-backup',
          displayName: 'Desk backup',
          overflow: [{ afterSeconds: 30, action: 'move_queue', queue: 'desk-q' }],
        },
      });
      expect([hours.status, queue.status, backup.status]).to.deep.equal([201, 201, 201]);
      const flow = {
        start: 'open',
        nodes: {
          open: { type: 'hours', businessHours: 'desk', open: 'q', closed: 'vm' },
          q: { type: 'queue', queue: 'desk-q' },
          vm: { type: 'voicemail', queue: 'desk-q' },
        },
      };
      const early = await call(h, 'POST', '/api/ivr-flows/desk/versions', {
        token: admin,
        body: {
          document: { ...flow, nodes: { ...flow.nodes, q: { type: 'queue', queue: 'desk-typo' } } },
          publish: true,
        },
      });
      expect(early.status).to.equal(400);
      expect(early.body.error.details).to.deep.equal([
        { path: 'nodes.q.queue', message: 'no queue named "desk-typo"' },
      ]);
      expect((await call(h, 'GET', '/api/ivr-flows/desk/versions', { token: admin })).status).to.equal(404);
      await call(h, 'POST', '/api/ivr-flows/desk/versions', { token: admin, body: { document: flow, publish: true } });
      const rule = await call(h, 'POST', '/api/routing-rules', {
        token: admin,
        body: { name: 'desk-open', expression: 'in_hours("desk")', queueId: queue.body.id },
      });
      expect(rule.status).to.equal(201);
      const campaign = await call(h, 'POST', '/api/campaigns', {
        token: admin,
        body: { name: 'Desk follow-up', queueId: queue.body.id, hours: 'desk' },
      });
      expect(campaign.status).to.equal(201);

      const delHours = await call(h, 'DELETE', `/api/business-hours/${hours.body.id}`, { token: admin });
      expect(delHours.status).to.equal(409);
      expect(delHours.body.error.message).to.equal(
        'business hours "desk" cannot be deleted while in use by IVR flow "desk" (published version 1), ' +
          'routing rule "desk-open", campaign "Desk follow-up"',
      );
      const renameQueue = await call(h, 'PATCH', `/api/queues/${queue.body.id}`, {
        token: admin,
        body: { name: 'front-desk' },
      });
      expect(renameQueue.status).to.equal(409);
      expect(renameQueue.body.error.details.usedBy).to.deep.equal([
        'IVR flow "desk" (published version 1)',
        'queue "desk-backup"',
      ]);
      // A change that keeps the name goes through.
      const same = await call(h, 'PATCH', `/api/queues/${queue.body.id}`, {
        token: admin,
        body: { name: 'desk-q', displayName: 'Front desk' },
      });
      expect(same.status).to.equal(200);
      expect(await h.t.db('business_hours').where({ name: 'desk' }).first('id')).to.not.equal(undefined);

      // Once the published flow, the rule and the other queue no longer name them, they go.
      await call(h, 'POST', '/api/ivr-flows/desk/versions', {
        token: admin,
        body: { document: { start: 'bye', nodes: { bye: { type: 'hangup' } } }, publish: true },
      });
      expect((await call(h, 'DELETE', `/api/routing-rules/${rule.body.id}`, { token: admin })).status).to.equal(204);
      expect((await call(h, 'DELETE', `/api/campaigns/${campaign.body.id}`, { token: admin })).status).to.equal(204);
      expect((await call(h, 'DELETE', `/api/business-hours/${hours.body.id}`, { token: admin })).status).to.equal(204);
      expect(
        (await call(h, 'PATCH', `/api/queues/${backup.body.id}`, { token: admin, body: { overflow: [] } })).status,
      ).to.equal(200);
      expect((await call(h, 'DELETE', `/api/queues/${queue.body.id}`, { token: admin })).status).to.equal(204);
      expect((await call(h, 'DELETE', `/api/queues/${backup.body.id}`, { token: admin })).status).to.equal(204);
      // Version 1 named them: it cannot be put live again.
      const rollback = await call(h, 'POST', '/api/ivr-flows/desk/rollback', { token: admin });
      expect(rollback.status).to.equal(400);
      expect(rollback.body.error.details.map((i: { path: string }) => i.path)).to.deep.equal([
        'nodes.open.businessHours',
        'nodes.q.queue',
        'nodes.vm.queue',
      ]);
      expect((await call(h, 'GET', '/api/ivr-flows/desk', { token: admin })).body.version).to.equal(2);
    });

    it('customers: search by phone in any format or by name; orders by customer', async () => {
      const [cid] = await h.t.db('customers').insert({ name: 'Wang Fang', tier: 'gold' });
      await h.t.db('customer_phones').insert({ customer_id: cid, e164: '+8613812345678' });
      await h.t.db('orders').insert({ customer_id: cid, order_no: 'A1001', status: 'shipped', eta: '2026-12-01' });
      await h.t.db('customers').insert({ name: 'Li Lei' });
      const byPhone = await call(h, 'GET', '/api/customers?phone=138%201234%205678', { token: alice });
      expect(byPhone.body.total).to.equal(1);
      expect(byPhone.body.items[0]).to.include({ name: 'Wang Fang', tier: 'gold' });
      const byName = await call(h, 'GET', '/api/customers?name=Li', { token: alice });
      expect(byName.body.items.map((c: { name: string }) => c.name)).to.deep.equal(['Li Lei']);
      const one = await call(h, 'GET', `/api/customers/${cid}`, { token: alice });
      expect(one.body.phones).to.deep.equal([{ e164: '+8613812345678', label: 'mobile' }]);
      expect(one.body.orders[0]).to.include({ orderNo: 'A1001', eta: '2026-12-01' });
      const orders = await call(h, 'GET', `/api/orders?customerId=${cid}`, { token: alice });
      expect(orders.body.total).to.equal(1);
    });

    describe('calls, tickets, callbacks, recordings: agents see only their own', () => {
      const mine = '11111111-1111-4111-8111-111111111111';
      const theirs = '22222222-2222-4222-8222-222222222222';
      before(async () => {
        await superviseAllQueues(h);
        const q = await h.t.db('queues').where({ name: 'support' }).first('id');
        const today = new Date();
        // Both waited in support: only enterQueue sets a call's queue, and with it queued_at.
        const base = {
          node: 'ast1',
          owner: 'test',
          caller_raw: '13812345678',
          did: '4000',
          queue_id: q.id,
          queued_at: today,
        };
        await h.t.db('calls').insert([
          {
            ...base,
            id: mine,
            channel_id: 'c1',
            state: 'connected',
            agent_id: h.users.agent.agentId,
            arrived_at: today,
            answered_at: today,
            wait_s: 12,
            disposition: 'answered',
          },
          {
            ...base,
            id: theirs,
            channel_id: 'c2',
            state: 'abandoned',
            agent_id: h.users.agent2.agentId,
            arrived_at: today,
            disposition: 'abandoned',
          },
        ]);
        await h.t.db('call_events').insert([
          { call_id: mine, seq: 1, at: today, from_state: null, event: 'arrive', to_state: 'arriving' },
          {
            call_id: mine,
            seq: 2,
            at: today,
            from_state: 'arriving',
            event: 'identify',
            to_state: 'identifying',
            data: '{"x":1}',
          },
        ]);
        await h.t.db('recordings').insert([
          {
            id: 'r-mine',
            call_id: mine,
            name: 'rec-mine',
            agent_id: h.users.agent.agentId,
            queue_id: q.id,
            state: 'stored',
            started_at: today,
          },
          {
            id: 'r-theirs',
            call_id: theirs,
            name: 'rec-theirs',
            agent_id: h.users.agent2.agentId,
            queue_id: q.id,
            state: 'stored',
            started_at: today,
          },
        ]);
        await h.t.db('callbacks').insert([
          { phone: '+8613800000001', state: 'assigned', agent_id: h.users.agent.agentId, requested_at: today },
          { phone: '+8613800000002', state: 'assigned', agent_id: h.users.agent2.agentId, requested_at: today },
        ]);
        await h.t.db('survey_responses').insert({ call_id: mine, channel: 'ivr', score: 5 });
      });

      it('call search: filters, and an agent only ever sees their calls', async () => {
        const all = await call(h, 'GET', '/api/calls', { token: sup });
        expect(all.body.total).to.equal(2);
        const abandoned = await call(h, 'GET', '/api/calls?disposition=abandoned', { token: sup });
        expect(abandoned.body.items.map((c: { id: string }) => c.id)).to.deep.equal([theirs]);
        const future = await call(
          h,
          'GET',
          `/api/calls?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`,
          { token: sup },
        );
        expect(future.body.total).to.equal(0);
        const own = await call(h, 'GET', `/api/calls?agentId=${h.users.agent2.agentId}`, { token: alice });
        expect(own.body.items.map((c: { id: string }) => c.id)).to.deep.equal([mine]);
      });

      it('one call with its timeline and recordings; another agent is refused', async () => {
        const one = await call(h, 'GET', `/api/calls/${mine}`, { token: alice });
        expect(one.status).to.equal(200);
        expect(one.body.timeline.map((e: { event: string }) => e.event)).to.deep.equal(['arrive', 'identify']);
        expect(one.body.timeline[1].data).to.deep.equal({ x: 1 });
        expect(one.body.recordings.map((r: { id: string }) => r.id)).to.deep.equal(['r-mine']);
        expect((await call(h, 'GET', `/api/calls/${theirs}`, { token: alice })).status).to.equal(403);
        expect((await call(h, 'GET', `/api/calls/${theirs}`, { token: sup })).status).to.equal(200);
        expect((await call(h, 'GET', '/api/calls/nope', { token: sup })).status).to.equal(404);
      });

      it('recordings list is scoped to the agent', async () => {
        const r = await call(h, 'GET', '/api/recordings', { token: alice });
        expect(r.body.items.map((x: { id: string }) => x.id)).to.deep.equal(['r-mine']);
        expect((await call(h, 'GET', '/api/recordings', { token: admin })).body.total).to.equal(2);
        const one = await call(h, 'GET', '/api/recordings/r-mine', { token: alice });
        expect(one.body).to.include({ id: 'r-mine', callId: mine, state: 'stored' });
        expect(one.body).to.not.have.any.keys('storageKey', 'storageTarget', 'keyId');
        expect((await call(h, 'GET', '/api/recordings/r-theirs', { token: alice })).status).to.equal(403);
        expect((await call(h, 'GET', '/api/recordings/r-theirs', { token: sup })).status).to.equal(200);
      });

      it('call controls go to the call service for own calls only; service refusals map to 409/404', async () => {
        const hang = await call(h, 'POST', `/api/calls/${mine}/hangup`, { token: alice });
        expect(hang.status).to.equal(200);
        expect(calls.calls).to.include(`hangup ${mine}`);
        expect((await call(h, 'POST', `/api/calls/${theirs}/hangup`, { token: alice })).status).to.equal(403);
        const t = await call(h, 'POST', `/api/calls/${mine}/transfer`, {
          token: alice,
          body: { mode: 'attended', target: 'queue:support' },
        });
        expect(t.status).to.equal(200);
        expect(calls.calls).to.include(`transfer ${mine} attended queue:support`);
        const badTarget = await call(h, 'POST', `/api/calls/${mine}/transfer`, {
          token: alice,
          body: { target: 'rm -rf /' },
        });
        expect(badTarget.status).to.equal(400);
        expect(badTarget.body.error.details[0]).to.include({ in: 'body', field: 'target' });
        for (const p of [
          'transfer/conference',
          'transfer/complete',
          'transfer/cancel',
          'recording/pause',
          'recording/resume',
        ]) {
          expect((await call(h, 'POST', `/api/calls/${mine}/${p}`, { token: sup })).status, p).to.equal(200);
        }
        expect(calls.calls).to.include.members([`conference ${mine}`, `complete ${mine}`, `cancel ${mine}`]);
        expect((await call(h, 'POST', `/api/calls/${theirs}/transfer/conference`, { token: alice })).status).to.equal(
          403,
        );
        const disp = await call(h, 'POST', `/api/calls/${mine}/disposition`, {
          token: alice,
          body: { disposition: 'resolved' },
        });
        expect(disp.status).to.equal(200);
        expect(calls.calls).to.include(`disposition ${mine} resolved`);
        const hold = await call(h, 'POST', `/api/calls/${mine}/hold`, { token: alice });
        expect(hold.status).to.equal(409);
        const unhold = await call(h, 'POST', `/api/calls/${mine}/unhold`, { token: alice });
        expect(unhold.status).to.equal(404);
        expect(unhold.body.error.details).to.deep.equal({ switchCode: 'not_found' });
        const audit = await h.t.db('audit_log').where({ action: 'call.transfer' }).first();
        expect(audit.target_id).to.equal(mine);
      });

      it('supervisors listen, whisper or barge from a phone; agents may not; a user with no phone must name one', async () => {
        const monitor = (token: string, body: object) => call(h, 'POST', `/api/calls/${mine}/monitor`, { token, body });
        const listen = await monitor(sup, { mode: 'listen', endpoint: 'PJSIP/2050' });
        expect(listen.status).to.equal(200);
        expect(listen.body).to.deep.equal({ callId: mine, mode: 'listen' });
        expect((await monitor(sup, { mode: 'barge', endpoint: '+8613800000009' })).status).to.equal(200);
        expect(calls.calls).to.include.members([
          `monitor ${mine} listen PJSIP/2050 by ${h.users.supervisor.id}`,
          `monitor ${mine} barge +8613800000009 by ${h.users.supervisor.id}`,
        ]);
        // Without an endpoint, a user's own agent phone rings; a user with none is told to name one.
        expect((await monitor(sup, { mode: 'whisper' })).status).to.equal(200);
        expect(calls.calls).to.include(`monitor ${mine} whisper PJSIP/2900 by ${h.users.supervisor.id}`);
        // Logged in at another desk, that phone rings, as for the calls they take.
        const supAgent = { id: h.users.supervisor.agentId };
        await h.t.db('agents').where(supAgent).update({ bound_endpoint: 'PJSIP/2950' });
        try {
          expect((await monitor(sup, { mode: 'listen' })).status).to.equal(200);
          expect(calls.calls).to.include(`monitor ${mine} listen PJSIP/2950 by ${h.users.supervisor.id}`);
        } finally {
          await h.t.db('agents').where(supAgent).update({ bound_endpoint: null });
        }
        const noPhone = await monitor(admin, { mode: 'whisper' });
        expect(noPhone.status).to.equal(400);
        expect(noPhone.body.error.message).to.match(/give the phone to ring/);
        const refused: [string, object, number][] = [
          [alice, { mode: 'listen', endpoint: 'PJSIP/2050' }, 403],
          [sup, { mode: 'spy', endpoint: 'PJSIP/2050' }, 400],
          [sup, { mode: 'listen', endpoint: 'PJSIP/2050; rm' }, 400],
          [sup, { mode: 'listen', endpoint: 'PJSIP/2050', extra: 1 }, 400],
        ];
        for (const [token, body, status] of refused)
          expect((await monitor(token, body)).status, JSON.stringify(body)).to.equal(status);
        expect(
          (await call(h, 'POST', '/api/calls/nope/monitor', { token: sup, body: { mode: 'listen' } })).status,
        ).to.equal(404);
        const stop = await call(h, 'DELETE', `/api/calls/${mine}/monitor`, { token: sup });
        expect(stop.status).to.equal(200);
        expect(calls.calls).to.include(`stopMonitor ${mine} by ${h.users.supervisor.id}`);
        expect((await call(h, 'DELETE', `/api/calls/${mine}/monitor`, { token: alice })).status).to.equal(403);
        const audited = await h.t
          .db('audit_log')
          .where({ action: 'call.monitor' })
          .orderBy('id')
          .first('details', 'target_id');
        expect(audited.target_id).to.equal(mine);
        expect(audited.details).to.include('"mode":"listen"');
      });

      it("tickets: an agent creates their own, cannot read or change another agent's", async () => {
        const t = await call(h, 'POST', '/api/tickets', {
          token: alice,
          body: { subject: 'Parcel late', callId: mine, tags: ['late', 'parcel'] },
        });
        expect(t.status).to.equal(201);
        expect(t.body).to.include({ subject: 'Parcel late', agentId: h.users.agent.agentId, status: 'open' });
        expect(t.body.tags).to.deep.equal(['late', 'parcel']);
        const other = await call(h, 'POST', '/api/tickets', { token: bob, body: { subject: 'Bob ticket' } });
        expect((await call(h, 'GET', `/api/tickets/${other.body.id}`, { token: alice })).status).to.equal(403);
        expect(
          (await call(h, 'PATCH', `/api/tickets/${other.body.id}`, { token: alice, body: { status: 'solved' } }))
            .status,
        ).to.equal(403);
        expect(
          (await call(h, 'POST', '/api/tickets', { token: alice, body: { subject: 'on their call', callId: theirs } }))
            .status,
        ).to.equal(403);
        const upd = await call(h, 'PATCH', `/api/tickets/${t.body.id}`, {
          token: alice,
          body: { status: 'solved', tags: ['parcel'] },
        });
        expect(upd.body).to.include({ status: 'solved' });
        expect(upd.body.tags).to.deep.equal(['parcel']);
        expect(
          (
            await call(h, 'PATCH', `/api/tickets/${t.body.id}`, {
              token: alice,
              body: { agentId: h.users.agent2.agentId },
            })
          ).status,
        ).to.equal(403);
        const mineList = await call(h, 'GET', '/api/tickets', { token: alice });
        expect(mineList.body.items.map((x: { subject: string }) => x.subject)).to.deep.equal(['Parcel late']);
        expect((await call(h, 'GET', '/api/tickets', { token: sup })).body.total).to.equal(2);
      });

      it('callbacks: supervisors record and assign; agents see, take and close their own', async () => {
        const list = await call(h, 'GET', '/api/callbacks', { token: alice });
        expect(list.body.total).to.equal(1);
        const id = list.body.items[0].id;
        const done = await call(h, 'POST', `/api/callbacks/${id}/complete`, {
          token: alice,
          body: { ok: true, notes: 'called back' },
        });
        expect(done.body).to.include({ state: 'done', notes: 'called back' });
        expect(
          (await call(h, 'POST', `/api/callbacks/${id}/complete`, { token: alice, body: { ok: true } })).status,
        ).to.equal(409);
        const bobs = (await call(h, 'GET', '/api/callbacks', { token: bob })).body.items[0].id;
        expect(
          (await call(h, 'POST', `/api/callbacks/${bobs}/complete`, { token: alice, body: { ok: false } })).status,
        ).to.equal(403);

        const support = (await h.t.db('queues').where({ name: 'support' }).first('id')).id as number;
        // A supervisor records callbacks for a queue of theirs (it would be invisible to them otherwise).
        const noQueue = await call(h, 'POST', '/api/callbacks', { token: sup, body: { phone: '+8613800000009' } });
        expect([noQueue.status, noQueue.body.error.details?.[0]?.field]).to.deep.equal([400, 'queueId']);
        const created = await call(h, 'POST', '/api/callbacks', {
          token: sup,
          body: { phone: '+8613800000009', notes: 'web form', queueId: support },
        });
        expect(created.status).to.equal(201);
        expect(created.body).to.include({ state: 'pending', phone: '+8613800000009' });
        expect((await call(h, 'POST', '/api/callbacks', { token: sup, body: { phone: '12345' } })).status).to.equal(
          400,
        );
        const visible = await call(h, 'GET', '/api/callbacks?state=pending', { token: alice });
        expect(visible.body.items.map((c: { id: number }) => c.id)).to.deep.equal([created.body.id]);
        const taken = await call(h, 'POST', `/api/callbacks/${created.body.id}/assign`, { token: alice, body: {} });
        expect(taken.body).to.include({ state: 'assigned', agentId: h.users.agent.agentId });
        // Two assignments of one callback: the second loses.
        expect(
          (
            await call(h, 'POST', `/api/callbacks/${created.body.id}/assign`, {
              token: sup,
              body: { agentId: h.users.agent2.agentId },
            })
          ).status,
        ).to.equal(409);
        expect((await call(h, 'POST', `/api/callbacks/${created.body.id}/unassign`, { token: bob })).status).to.equal(
          403,
        );
        expect(
          (await call(h, 'GET', '/api/callbacks', { token: bob })).body.items.map((c: { id: number }) => c.id),
        ).to.not.include(created.body.id);
        expect(
          (await call(h, 'POST', `/api/callbacks/${created.body.id}/unassign`, { token: alice })).body.state,
        ).to.equal('pending');
        expect(
          (await call(h, 'POST', `/api/callbacks/${created.body.id}/assign`, { token: sup, body: {} })).status,
        ).to.equal(400);
        expect((await call(h, 'POST', '/api/callbacks/999999/unassign', { token: sup })).status).to.equal(404);
      });

      it('survey results and the per-queue summary for today', async () => {
        const s = await call(h, 'GET', '/api/survey-results', { token: sup });
        expect(s.body.items[0]).to.include({ callId: mine, score: 5, channel: 'ivr', agentId: h.users.agent.agentId });
        const r = await call(h, 'GET', '/api/reports/summary', { token: sup });
        const support = r.body.queues.find((x: { name: string }) => x.name === 'support');
        expect(support).to.include({ offered: 2, answered: 1, abandoned: 1, serviceLevelPct: 50 });
        expect(support.avgWaitS).to.equal(12);
      });
    });

    it('agent actions use the agent service for the signed-in agent', async () => {
      const login = await call(h, 'POST', '/api/agent/login', { token: alice, body: { endpoint: 'PJSIP/3001' } });
      expect(login.status).to.equal(200);
      expect(login.body).to.include({ id: h.users.agent.agentId, state: 'available', boundEndpoint: 'PJSIP/3001' });
      const pause = await call(h, 'POST', '/api/agent/pause', { token: alice, body: { reason: 'lunch' } });
      expect(pause.body).to.include({ state: 'paused', pauseReason: 'lunch' });
      for (const p of ['unpause', 'wrap-up/end', 'logout'])
        expect((await call(h, 'POST', `/api/agent/${p}`, { token: alice })).status, p).to.equal(200);
      const id = h.users.agent.agentId;
      expect(agents.calls).to.deep.equal([
        `login ${id} PJSIP/3001`,
        `pause ${id} lunch`,
        `unpause ${id}`,
        `endWrapUp ${id}`,
        `logout ${id}`,
      ]);
      const noReason = await call(h, 'POST', '/api/agent/pause', { token: alice, body: {} });
      expect(noReason.status).to.equal(400);
      expect(noReason.body.error.details).to.deep.equal([{ in: 'body', field: 'reason', reason: 'required' }]);
      expect((await call(h, 'GET', '/api/agent/me', { token: alice })).body.name).to.equal('Alice');
    });

    it('supervisors pause, unpause and log out an agent on their behalf; live calls are scoped', async () => {
      const id = h.users.agent.agentId;
      agents.calls = [];
      const p = await call(h, 'POST', `/api/agents/${id}/pause`, { token: sup, body: { reason: 'coaching' } });
      expect(p.status).to.equal(200);
      expect(p.body).to.include({ state: 'paused', pauseReason: 'coaching' });
      expect((await call(h, 'POST', `/api/agents/${id}/unpause`, { token: sup })).status).to.equal(200);
      expect((await call(h, 'POST', `/api/agents/${id}/logout`, { token: admin })).status).to.equal(200);
      expect((await call(h, 'POST', `/api/agents/${id}/logout`, { token: bob })).status).to.equal(403);
      expect((await call(h, 'POST', '/api/agents/999999/logout', { token: sup })).status).to.equal(404);
      expect(agents.calls).to.deep.equal([`pause ${id} coaching`, `unpause ${id}`, `logout ${id}`]);
      const audit = await h.t.db('audit_log').where({ action: 'agent.pause_by_supervisor' }).first();
      expect(audit).to.include({ actor: 'sup', target_id: String(id) });

      const mine = await call(h, 'GET', '/api/calls/live', { token: alice });
      expect(mine.body.items.map((c: { callId: string }) => c.callId)).to.deep.equal(['l-1']);
      // The agent is not told who listens in; staff are.
      expect(mine.body.items[0]).to.not.have.property('monitoredBy');
      const all = await call(h, 'GET', '/api/calls/live', { token: admin });
      expect(all.body.items[0].monitoredBy).to.deep.equal([
        { userId: h.users.supervisor.id, name: 'SUP', mode: 'listen' },
      ]);
      const q2 = await call(h, 'GET', '/api/calls/live?queueId=2', { token: admin });
      expect(q2.body.items.map((c: { callId: string }) => c.callId)).to.deep.equal(['l-2', 'l-3']);
      // A supervisor sees the live calls of the queues they supervise, and no others.
      expect(((await h.t.db('queues').pluck('id')) as number[]).map(Number)).to.include(1);
      await h.t.db('supervisor_queues').where({ user_id: h.users.supervisor.id }).delete();
      await h.t.db('supervisor_queues').insert({ user_id: h.users.supervisor.id, queue_id: 1 });
      const supLive = await call(h, 'GET', '/api/calls/live', { token: sup });
      expect(supLive.body.items.map((c: { callId: string }) => c.callId)).to.deep.equal(['l-1']);
      await superviseAllQueues(h);
    });

    it('jobs: dead letters listed and retried; Asterisk reload via the switch, audited', async () => {
      const [id] = await h.t.db('jobs').insert({
        type: 'upload',
        payload: '{"r":1}',
        state: 'dead',
        attempts: 10,
        run_at: new Date(),
        last_error: 'S3 down',
      });
      await h.t.db('jobs').insert({ type: 'upload', payload: '{}', state: 'done', run_at: new Date() });
      const dead = await call(h, 'GET', '/api/jobs?state=dead', { token: admin });
      expect(dead.body.total).to.equal(1);
      expect(dead.body.items[0]).to.include({ lastError: 'S3 down', attempts: 10 });
      expect(dead.body.items[0].payload).to.deep.equal({ r: 1 });
      expect((await call(h, 'POST', `/api/jobs/${id}/retry`, { token: admin })).status).to.equal(200);
      const row = await h.t.db('jobs').where({ id }).first();
      expect(row).to.include({ state: 'pending', attempts: 0 });
      expect((await call(h, 'POST', `/api/jobs/${id}/retry`, { token: admin })).status).to.equal(409);

      const rel = await call(h, 'POST', '/api/asterisk/reload', { token: admin, body: { what: 'pjsip' } });
      expect(rel.status).to.equal(200);
      expect(h.sw.reloads).to.deep.equal(['pjsip']);
      expect(
        (await call(h, 'POST', '/api/asterisk/reload', { token: admin, body: { what: 'everything' } })).status,
      ).to.equal(400);
      h.sw.failReload = new SwitchError('unavailable', 'AMI not connected');
      const down = await call(h, 'POST', '/api/asterisk/reload', { token: admin, body: { what: 'dialplan' } });
      expect(down.status).to.equal(502);
      expect(down.body.error.code).to.equal('switch_error');
      h.sw.failReload = null;
      const audit = await h.t.db('audit_log').where({ action: 'asterisk.reload' }).select('target_id');
      expect(audit.map((a) => a.target_id)).to.deep.equal(['pjsip']); // the failed reload wrote nothing
    });

    it('users: admin creates, changes and lists; cannot demote themselves', async () => {
      const u = await call(h, 'POST', '/api/users', {
        token: admin,
        body: { username: 'dave', displayName: 'Dave', password: 'dave-pass-1', role: 'agent' },
      });
      expect(u.status).to.equal(201);
      expect(u.body).to.not.have.property('passwordHash');
      const p = await call(h, 'PATCH', `/api/users/${u.body.id}`, { token: admin, body: { role: 'supervisor' } });
      expect(p.body.role).to.equal('supervisor');
      const short = await call(h, 'POST', '/api/users', {
        token: admin,
        body: { username: 'eve', displayName: 'Eve', password: 'short', role: 'agent' },
      });
      expect(short.body.error.details).to.deep.equal([
        { in: 'body', field: 'password', reason: 'at least 8 characters' },
      ]);
      expect(
        (await call(h, 'PATCH', `/api/users/${h.users.admin.id}`, { token: admin, body: { role: 'agent' } })).status,
      ).to.equal(409);
      const list = await call(h, 'GET', '/api/users?role=supervisor', { token: admin });
      expect(list.body.items.map((x: { username: string }) => x.username)).to.include.members(['sup', 'dave']);
      expect(
        (await call(h, 'PATCH', `/api/users/${u.body.id}`, { token: admin, body: { password: 'dave-pass-2' } })).status,
      ).to.equal(200);
      const created = await call(h, 'GET', '/api/audit?action=user.create', { token: admin });
      expect(created.body.items[0]).to.deep.include({
        targetId: String(u.body.id),
        details: { username: 'dave', role: 'agent' },
      });
      const changed = await call(h, 'GET', '/api/audit?action=user.update', { token: admin });
      expect(changed.body.items[0].details).to.deep.equal({ password: '[redacted]' });
    });
  });
}

describe('API with no domain services wired', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());

  it('answers 503 unavailable for features whose module is missing, and serves the rest', async () => {
    const agent = await call(h, 'POST', '/api/agent/pause', { token: h.users.agent.token, body: { reason: 'x' } });
    expect(agent.status).to.equal(503);
    expect(agent.body.error.code).to.equal('unavailable');
    expect(
      (await call(h, 'POST', '/api/routing-rules/test', { token: h.users.admin.token, body: { did: '1' } })).status,
    ).to.equal(503);
    expect((await call(h, 'GET', '/api/queues', { token: h.users.admin.token })).status).to.equal(200);
  });
});
