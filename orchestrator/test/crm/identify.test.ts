import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpCrm } from '../../src/crm/external.js';
import { CustomerIdentifier, localLookupStatement } from '../../src/crm/identify.js';
import type { ExternalCrm } from '../../src/crm/types.js';
import { seedCustomers, demoMobile } from '../../src/db/seed/customers.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';

async function addCustomer(
  t: TestDb,
  phone: string,
  tier: string,
  orders: Array<[string, string]>,
  categories: string[],
): Promise<number> {
  const [id] = await t.db('customers').insert({ name: '王芳', tier, language: 'zh' });
  await t.db('customer_phones').insert({ customer_id: id, e164: phone });
  for (const [no, status] of orders)
    await t.db('orders').insert({ customer_id: id, order_no: no, status, carrier: 'SF Express', eta: '2026-11-30' });
  let t0 = Date.UTC(2026, 10, 20);
  for (const category of categories) {
    await t
      .db('contacts')
      .insert({ customer_id: id, channel: 'phone', category, outcome: 'resolved', started_at: new Date(t0) });
    t0 -= 86_400_000;
  }
  return Number(id);
}

function countQueries(t: TestDb): { count: () => number; stop: () => void } {
  let n = 0;
  const on = (): void => {
    n++;
  };
  t.db.on('query', on);
  return { count: () => n, stop: () => t.db.off('query', on) };
}

for (const dialect of DIALECTS) {
  describe(`crm/identify CustomerIdentifier (${dialect})`, function () {
    let t: TestDb;
    let customerId: number;
    before(async () => {
      t = await createTestDb(dialect);
      await seedCustomers(t.db, 200, { seed: 1 });
      customerId = await addCustomer(
        t,
        '+8619900000001',
        'gold',
        [
          ['30000001', 'in_transit'],
          ['30000002', 'delivered'],
          ['30000003', 'paid'],
          ...Array.from({ length: 20 }, (_, i): [string, string] => [`3100${String(i).padStart(4, '0')}`, 'shipped']),
        ],
        ['logistics', 'logistics', 'billing', 'technical', 'sales', 'other', 'other'],
      );
    });
    after(async () => t.drop());

    it('finds a customer by a national caller id and builds the card', async () => {
      const id = new CustomerIdentifier({ db: t.db, defaultCountry: 'CN' });
      const r = await id.identify('19900000001');
      expect(r.caller.e164).to.equal('+8619900000001');
      expect(r.source).to.equal('local');
      expect(r.externalOutcome).to.equal('disabled');
      const card = r.customer;
      expect(card?.customerId).to.equal(customerId);
      expect(card?.tier).to.equal('gold');
      expect(card?.language).to.equal('zh');
      // Only open orders, newest first, capped at 5; delivered ones are history.
      expect(card?.openOrders).to.have.length(5);
      expect(card?.openOrders[0]).to.deep.equal({
        orderNo: '31000019',
        status: 'shipped',
        carrier: 'SF Express',
        trackingNo: null,
        eta: '2026-11-30',
        totalCents: 0,
        currency: 'CNY',
      });
      expect(card?.openOrders.map((o) => o.status)).to.not.include('delivered');
      expect(card?.recentCategories).to.deep.equal(['logistics', 'logistics', 'billing', 'technical', 'sales']);
      expect(card?.recentContacts[0]?.startedAt).to.be.instanceOf(Date);
    });

    it('uses one statement whatever the history (no N+1), none when cached', async () => {
      const id = new CustomerIdentifier({ db: t.db, defaultCountry: 'CN' });
      const q = countQueries(t);
      await id.identify('+8619900000001');
      expect(q.count()).to.equal(1);
      const cached = await id.identify('+8619900000001');
      expect(cached.source).to.equal('cache');
      expect(q.count()).to.equal(1);
      q.stop();
    });

    it('identifies generated customers and caches unknown numbers too', async () => {
      const id = new CustomerIdentifier({ db: t.db, defaultCountry: 'CN' });
      const r = await id.identify(demoMobile(17));
      expect(r.customer?.customerId).to.equal(18);
      const q = countQueries(t);
      const unknown = await id.identify('+8613900000000');
      expect(unknown.customer).to.equal(null);
      expect(unknown.source).to.equal('none');
      expect(q.count()).to.equal(1);
      await id.identify('+8613900000000');
      expect(q.count()).to.equal(1);
      q.stop();
    });

    it('handles withheld and garbage caller ids without touching the database', async () => {
      const id = new CustomerIdentifier({ db: t.db, defaultCountry: 'CN' });
      const q = countQueries(t);
      for (const raw of ['anonymous', '', 'unknown', 'garbage!', null]) {
        const r = await id.identify(raw);
        expect(r.customer).to.equal(null);
        expect(r.source).to.equal('none');
      }
      expect(q.count()).to.equal(0);
      q.stop();
    });

    if (dialect === 'mysql') {
      it('every part of the identification statement uses an index (EXPLAIN)', async () => {
        const { sql, bindings } = localLookupStatement('+8619900000001', 5, 5);
        const [rows] = (await t.db.raw(`EXPLAIN ${sql}`, bindings)) as [
          Array<{ table: string | null; key: string | null; type: string | null }>,
        ];
        const real = rows.filter((r) => r.table && !r.table.startsWith('<'));
        expect(real.map((r) => r.table).sort()).to.include.members(['c', 'customer_phones', 'o', 't']);
        for (const r of real) {
          expect(r.type, `${r.table} must not be scanned`).to.not.equal('ALL');
          expect(r.key, `${r.table} uses a key`).to.not.equal(null);
        }
        expect(real.filter((r) => r.table === 'customer_phones').every((r) => /e164/.test(r.key ?? ''))).to.equal(true);
      });
    }
  });
}

describe('crm/identify with an external CRM', function () {
  let t: TestDb;
  let server: Server;
  let url: string;
  let mode: 'ok' | 'slow' | 'error' | 'garbage' | 'notfound' = 'ok';
  const seen: string[] = [];
  before(async () => {
    t = await createTestDb('sqlite');
    await addCustomer(t, '+8619900000009', 'standard', [], []);
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      if (mode === 'slow') {
        setTimeout(() => res.end('{}'), 1000);
        return;
      }
      if (mode === 'error') {
        res.statusCode = 503;
        res.end('down');
        return;
      }
      if (mode === 'notfound') {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        mode === 'garbage'
          ? '{"tier": 42}'
          : JSON.stringify({ tier: 'diamond', name: 'Wang Fang', attributes: { crmId: 'SF-1' } }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await t.drop();
  });

  const make = (): CustomerIdentifier =>
    new CustomerIdentifier({
      db: t.db,
      defaultCountry: 'CN',
      external: createHttpCrm({ url, timeoutMs: 100 }),
      externalTimeoutMs: 100,
    });

  it('enriches the local card with the CRM answer', async () => {
    mode = 'ok';
    const r = await make().identify('19900000009');
    expect(seen.at(-1)).to.equal('/customers/lookup?phone=%2B8619900000009');
    expect(r.externalOutcome).to.equal('ok');
    expect(r.source).to.equal('external');
    expect(r.customer?.tier).to.equal('diamond');
    expect(r.customer?.name).to.equal('Wang Fang');
    expect(r.customer?.external).to.deep.equal({ crmId: 'SF-1' });
    expect(r.customer?.customerId).to.be.a('number');
  });

  for (const [m, outcome] of [
    ['slow', 'timeout'],
    ['error', 'error'],
    ['garbage', 'error'],
    ['notfound', 'not_found'],
  ] as const) {
    it(`falls back to local data when the CRM is ${m} (${outcome})`, async () => {
      mode = m;
      const started = Date.now();
      const r = await make().identify('19900000009');
      expect(Date.now() - started).to.be.below(900); // the budget ended the wait, not the slow server
      expect(r.externalOutcome).to.equal(outcome);
      expect(r.source).to.equal('local');
      expect(r.customer?.tier).to.equal('standard');
    });
  }

  it('an adapter that throws or never settles cannot hold the call', async () => {
    const never: ExternalCrm = { lookup: () => new Promise(() => undefined) };
    const thrower: ExternalCrm = { lookup: () => Promise.reject(new Error('boom')) };
    const a = await new CustomerIdentifier({
      db: t.db,
      defaultCountry: 'CN',
      external: never,
      externalTimeoutMs: 50,
    }).identify('19900000009');
    expect(a.externalOutcome).to.equal('timeout');
    expect(a.customer?.tier).to.equal('standard');
    const b = await new CustomerIdentifier({ db: t.db, defaultCountry: 'CN', external: thrower }).identify(
      '19900000009',
    );
    expect(b.externalOutcome).to.equal('error');
  });
});
