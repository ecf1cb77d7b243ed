import type { Knex } from 'knex';

/**
 * Which queues a supervisor supervises: a supervisor sees the calls, recordings, callbacks, reports and wallboard
 * of those queues only (admins see everything). A queue deleted takes its rows with it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('supervisor_queues', (t) => {
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('queue_id').unsigned().notNullable().references('id').inTable('queues').onDelete('CASCADE');
    t.primary(['user_id', 'queue_id']);
    t.index(['queue_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('supervisor_queues');
}
