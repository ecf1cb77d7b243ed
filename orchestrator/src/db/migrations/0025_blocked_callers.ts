import type { Knex } from 'knex';

/**
 * Callers the contact center does not take calls from (nuisance and abusive callers, or every caller who hides
 * their number): calls/blocked-callers.ts. `number` is E.164, or `anonymous` for calls with no caller id. An
 * entry may expire (a cooling-off block). `hits` counts the calls the orchestrator turned away (those the
 * dialplan rejects before answering never reach it; Asterisk's CDR has them).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('blocked_callers', (t) => {
    t.increments('id');
    t.string('number', 20).notNullable().unique();
    t.string('reason', 200);
    t.integer('created_by').unsigned().references('users.id').onDelete('SET NULL');
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('expires_at', { precision: 3 });
    t.integer('hits').notNullable().defaultTo(0);
    t.datetime('last_hit_at', { precision: 3 });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('blocked_callers');
}
