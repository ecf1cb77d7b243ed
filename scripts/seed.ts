// `npm run seed` — demo data into the configured database (skipped when queues exist; --force re-seeds).
// `npm run seed -- --customers 1000000` — bulk customers for benchmarks (alone, without the demo set).
import { parseArgs } from 'node:util';
import { migrateLatest } from '../orchestrator/src/db/knex.js';
import { seedCustomers, seedDemo } from '../orchestrator/src/db/seed/index.js';
import { runWithDb } from './lib/with-db.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string' },
    'demo-customers': { type: 'string', default: '10000' },
    force: { type: 'boolean', default: false },
  },
});

function count(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got "${raw}"`);
  return n;
}

runWithDb(async (db) => {
  await migrateLatest(db);
  const started = Date.now();
  const seconds = (): string => ((Date.now() - started) / 1000).toFixed(1);
  if (values.customers !== undefined) {
    const result = await seedCustomers(db, count('customers', values.customers));
    console.log(`seeded ${result.customers} customers, ${result.orders} orders, ${result.contacts} contacts in ${seconds()} s`);
    return 0;
  }
  const result = await seedDemo(db, { customers: count('demo-customers', values['demo-customers']), force: values.force });
  console.log(
    result.skipped
      ? 'demo data already present (use --force to seed again)'
      : `seeded ${result.agents} agents, ${result.queues} queues, ${result.customers?.customers ?? 0} customers in ${seconds()} s`,
  );
  return 0;
});
