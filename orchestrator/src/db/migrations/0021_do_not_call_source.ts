import type { Knex } from 'knex';

/**
 * Which registry's file listed a number (calls/do-not-call-feed.ts): a registry's later file of removals takes off
 * only the numbers it listed, never one a customer asked about or another registry gave. Null: listed by hand, from
 * a call, or by a pasted list.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('do_not_call', (t) => {
    t.string('source', 40).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('do_not_call', (t) => {
    t.dropColumn('source');
  });
}
