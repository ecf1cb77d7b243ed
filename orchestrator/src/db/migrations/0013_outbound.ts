import type { Knex } from 'knex';

/**
 * Calls an agent places (calls/outbound.ts). `direction` keeps them apart from the callers who rang in: queue
 * figures (offered, abandoned, service level) are about inbound calls, an agent's talk time about both. A callback
 * counts the calls placed for it and names the last one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('calls', (t) => {
    t.string('direction', 8).notNullable().defaultTo('inbound');
  });
  await knex.schema.alterTable('callbacks', (t) => {
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('last_call_id', 36);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('callbacks', (t) => {
    t.dropColumn('last_call_id');
    t.dropColumn('attempts');
  });
  await knex.schema.alterTable('calls', (t) => {
    t.dropColumn('direction');
  });
}
