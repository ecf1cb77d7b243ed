import { expect } from 'chai';
import { migrateLatest, rollbackAll } from '../../src/db/knex.js';
import { createTestDb, DIALECTS } from '../support/db.js';

const CORE_TABLES = ['customers', 'customer_phones', 'orders', 'contacts', 'users', 'agents', 'skills', 'agent_skills',
  'queues', 'queue_skills', 'routing_rules', 'ivr_flows', 'ivr_flow_versions', 'business_hours', 'holidays', 'calls',
  'call_events', 'recordings', 'tickets', 'tags', 'survey_responses', 'jobs', 'report_queue_intervals', 'audit_log'];

for (const dialect of DIALECTS) {
  describe(`migrations on ${dialect}`, () => {
    it('run up, down and up again cleanly', async () => {
      const t = await createTestDb(dialect, { migrate: false });
      try {
        const applied = await migrateLatest(t.db);
        expect(applied).to.include('0001_core');
        for (const table of CORE_TABLES) expect(await t.db.schema.hasTable(table), table).to.equal(true);

        const undone = await rollbackAll(t.db);
        expect(undone).to.include('0001_core');
        for (const table of CORE_TABLES) expect(await t.db.schema.hasTable(table), table).to.equal(false);

        await migrateLatest(t.db);
        expect(await t.db.schema.hasTable('calls')).to.equal(true);
      } finally {
        await t.drop();
      }
    });

    it('enforces foreign keys', async () => {
      const t = await createTestDb(dialect);
      try {
        let failed = false;
        try {
          await t.db('customer_phones').insert({ customer_id: 999, e164: '+8613800138000' });
        } catch {
          failed = true;
        }
        expect(failed, 'a phone of a customer that does not exist is refused').to.equal(true);
      } finally {
        await t.drop();
      }
    });
  });
}
