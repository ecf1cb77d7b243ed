import type { Knex } from 'knex';

/**
 * Callers Asterisk's dialplan turned away as blocked (calls/blocked-callers.ts): one row per call, by its node and
 * channel unique id, so every orchestrator hearing the AMI event counts it once. The blocked entry's hits count
 * these as well as the calls the orchestrator turned away itself.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('blocked_rejections', (t) => {
    t.increments('id');
    t.string('node', 64).notNullable();
    t.string('unique_id', 64).notNullable();
    // The entry's number (E.164 or anonymous) when the key still matched one.
    t.string('number', 32);
    t.string('caller', 64).notNullable();
    t.string('did', 64).notNullable();
    t.datetime('rejected_at', { precision: 3 }).notNullable();
    t.unique(['node', 'unique_id']);
    t.index(['rejected_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('blocked_rejections');
}
