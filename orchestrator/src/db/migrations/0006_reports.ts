import type { Knex } from 'knex';

/**
 * Additions for the daily report (reports/):
 * - calls.wrap_s: the after-call work of an answered call (hang-up → wrap-up over), so an agent's handle time is
 *   one read of calls rather than a pairing of call_events;
 * - report_agent_days loses pause_s: nothing records presence history, so it could only ever hold zeros.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('calls', (t) => {
    t.decimal('wrap_s', 10, 3);
  });
  await knex.schema.alterTable('report_agent_days', (t) => {
    t.dropColumn('pause_s');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('report_agent_days', (t) => {
    t.decimal('pause_s', 14, 3).notNullable().defaultTo(0);
  });
  await knex.schema.alterTable('calls', (t) => {
    t.dropColumn('wrap_s');
  });
}
