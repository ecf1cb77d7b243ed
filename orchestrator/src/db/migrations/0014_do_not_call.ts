import type { Knex } from 'knex';

/**
 * The company's do-not-call list (calls/do-not-call.ts): numbers Ariadne never calls, whoever places the call. One
 * row per E.164 number; the reason says who asked and when, for the day a regulator asks.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('do_not_call', (t) => {
    t.increments('id').primary();
    t.string('e164', 16).notNullable().unique();
    t.string('reason', 200);
    t.datetime('created_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('do_not_call');
}
