import type { Knex } from 'knex';

/**
 * Additions for the daily report (reports/):
 * - calls.wrap_s: the after-call work of an answered call (hang-up → wrap-up over), so an agent's handle time is
 *   one read of calls rather than a pairing of call_events;
 * - report_agent_days loses pause_s: nothing records presence history, so it could only ever hold zeros;
 * - two indexes that cover the daily build's reads of calls (reports/build.ts), so a day is read from its own
 *   index range whatever the table holds: without them MariaDB either scanned the whole table (every day kept) or
 *   fetched each call by its random UUID key (92 s for a day of 1M calls with a 128 MiB buffer pool). Their
 *   columns are set once or twice in a call's life, never on its every state change.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('calls', (t) => {
    t.decimal('wrap_s', 10, 3);
  });
  await knex.schema.alterTable('calls', (t) => {
    t.index(['queued_at', 'queue_id', 'answered_at', 'disposition', 'wait_s', 'talk_s'], 'calls_report_queue_index');
    t.index(['answered_at', 'agent_id', 'talk_s', 'wrap_s'], 'calls_report_agent_index');
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
    t.dropIndex([], 'calls_report_agent_index');
    t.dropIndex([], 'calls_report_queue_index');
  });
  await knex.schema.alterTable('calls', (t) => {
    t.dropColumn('wrap_s');
  });
}
