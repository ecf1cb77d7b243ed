import type { Knex } from 'knex';

/**
 * Quality evaluations (quality/): scorecards of weighted yes/no questions, and supervisors' evaluations of
 * agents' calls against them. An evaluation keeps a copy of the questions it was scored on, so editing a
 * scorecard never rescores the past.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('scorecards', (t) => {
    t.increments('id');
    t.string('name', 128).notNullable().unique();
    t.string('description', 1000);
    t.text('questions').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
  await knex.schema.createTable('evaluations', (t) => {
    t.increments('id');
    t.string('call_id', 36).notNullable().references('calls.id').onDelete('CASCADE');
    t.integer('agent_id').unsigned().notNullable().references('agents.id').onDelete('CASCADE');
    t.integer('queue_id').unsigned();
    t.integer('scorecard_id').unsigned().notNullable().references('scorecards.id');
    t.integer('evaluator_id').unsigned().references('users.id').onDelete('SET NULL');
    t.text('questions').notNullable();
    t.text('answers').notNullable();
    t.decimal('score_pct', 5, 2);
    t.boolean('failed_critical').notNullable().defaultTo(false);
    t.text('comment');
    t.text('agent_comment');
    t.datetime('acknowledged_at', { precision: 3 });
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.unique(['call_id', 'scorecard_id']);
    t.index(['agent_id', 'created_at']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('evaluations');
  await knex.schema.dropTable('scorecards');
}
