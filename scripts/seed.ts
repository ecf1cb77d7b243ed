// `npm run seed` — demo data into the configured database (skipped when queues exist; --force re-seeds).
// `npm run seed -- --customers 1000000` — bulk customers for benchmarks (alone, without the demo set).
import { parseArgs } from 'node:util';
import { loadConfig } from '../orchestrator/src/config/load.js';
import { connectDb } from '../orchestrator/src/db/connect.js';
import { migrateLatest } from '../orchestrator/src/db/knex.js';
import { seedCustomers, seedDemo } from '../orchestrator/src/db/seed/index.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string' },
      'demo-customers': { type: 'string', default: '10000' },
      force: { type: 'boolean', default: false },
    },
  });
  const loaded = loadConfig();
  if (!loaded.ok) {
    for (const p of loaded.problems) console.error(p);
    return 1;
  }
  const count = (name: string, raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got "${raw}"`);
    return n;
  };
  const db = await connectDb(loaded.config.db.url);
  try {
    await migrateLatest(db);
    const started = Date.now();
    if (values.customers !== undefined) {
      const result = await seedCustomers(db, count('customers', values.customers));
      console.log(`seeded ${JSON.stringify(result)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    const result = await seedDemo(db, { customers: count('demo-customers', values['demo-customers']), force: values.force });
    console.log(
      result.skipped
        ? 'demo data already present (use --force to seed again)'
        : `seeded ${result.agents} agents, ${result.queues} queues, ${result.customers?.customers ?? 0} customers in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
