import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { testConfig } from '../../src/config/load.js';
import { seedDemo, DEMO_USERS } from '../../src/db/seed/index.js';
import { EventBus } from '../../src/events/bus.js';
import { createHttpApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';
import { FakeSwitch, call } from './harness.js';

/** The API over the demo seed: every list route answers on realistic data, with the demo accounts. */
for (const dialect of DIALECTS) {
  describe(`API over the demo seed on ${dialect}`, () => {
    let t: TestDb;
    let base: string;
    let close: () => Promise<void>;
    const cookies: Record<string, string> = {};
    before(async () => {
      t = await createTestDb(dialect);
      await seedDemo(t.db, { customers: 200 });
      const http = createHttpApp({
        db: t.db,
        config: testConfig(),
        bus: new EventBus(),
        switchPort: new FakeSwitch(),
        metrics: createMetrics(undefined, { defaults: false }),
        uiDistDir: '/nonexistent',
      });
      const server = http.app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      await http.attachWebSocket(server);
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = async () => {
        await http.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await t.drop();
      };
      for (const u of DEMO_USERS) {
        const r = await call({ base }, 'POST', '/api/auth/login', {
          body: { username: u.username, password: u.password },
        });
        expect(r.status, u.username).to.equal(200);
        cookies[u.role] = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      }
    });
    after(async () => close());

    it('the demo accounts sign in; the demo agent is bound to an agent row', async () => {
      const me = await call({ base }, 'GET', '/api/auth/me', { cookie: cookies.agent });
      expect(me.body.user.agentId).to.be.a('number');
      expect((await call({ base }, 'GET', '/api/agent/me', { cookie: cookies.agent })).body.endpoint).to.match(
        /^PJSIP\//,
      );
    });

    it('every list route answers 200 with the page shape for the admin', async () => {
      const lists = [
        '/api/users',
        '/api/tokens',
        '/api/audit',
        '/api/skills',
        '/api/queues',
        '/api/agents',
        '/api/routing-rules',
        '/api/business-hours',
        '/api/ivr-flows',
        '/api/customers',
        '/api/orders',
        '/api/calls',
        '/api/call-events',
        '/api/callbacks',
        '/api/tickets',
        '/api/survey-results',
        '/api/recordings',
        '/api/jobs',
      ];
      for (const path of lists) {
        const r = await call({ base }, 'GET', `${path}?pageSize=5`, { cookie: cookies.admin });
        expect(r.status, path).to.equal(200);
        expect(r.body, path).to.include.keys('items', 'page', 'pageSize', 'total');
        expect(r.body.items.length, path).to.be.at.most(5);
      }
      expect((await call({ base }, 'GET', '/api/queues', { cookie: cookies.admin })).body.total).to.equal(8);
      expect((await call({ base }, 'GET', '/api/agents', { cookie: cookies.admin })).body.total).to.be.at.least(50);
    });

    it('finds the hand-made customers by phone and by name, with orders', async () => {
      const r = await call({ base }, 'GET', '/api/customers?phone=19900000001', { cookie: cookies.agent });
      expect(r.body.items.map((c: { name: string }) => c.name)).to.deep.equal(['王芳']);
      const byName = await call({ base }, 'GET', `/api/customers?name=${encodeURIComponent('Emily')}`, {
        cookie: cookies.agent,
      });
      expect(byName.body.total).to.equal(1);
      const one = await call({ base }, 'GET', `/api/customers/${r.body.items[0].id}`, { cookie: cookies.agent });
      expect(one.body.orders.map((o: { orderNo: string }) => o.orderNo)).to.include('20000001');
    });

    it('the IVR flows, the report summary and the wallboard answer on the demo data', async () => {
      const flows = await call({ base }, 'GET', '/api/ivr-flows', { cookie: cookies.supervisor });
      expect(flows.body.total).to.be.at.least(1);
      const name = flows.body.items[0].name as string;
      const published = await call({ base }, 'GET', `/api/ivr-flows/${name}`, { cookie: cookies.supervisor });
      expect(published.status).to.equal(200);
      const summary = await call({ base }, 'GET', '/api/reports/summary', { cookie: cookies.supervisor });
      expect(summary.body.queues).to.have.length(8);
      const wb = await call({ base }, 'GET', '/api/wallboard', { cookie: cookies.supervisor });
      expect(wb.body.queues).to.have.length(8);
      expect(Object.values(wb.body.agents.byState as Record<string, number>).reduce((a, b) => a + b, 0)).to.be.at.least(
        50,
      );
    });
  });
}
