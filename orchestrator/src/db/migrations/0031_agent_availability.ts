import type { Knex } from 'knex';

/**
 * When each agent can work (shifts/availability.ts): windows of the week on the contact center's clock. An agent
 * with none is available at any time.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agent_availability', (t) => {
    t.increments('id');
    t.integer('agent_id').unsigned().notNullable().references('agents.id').onDelete('CASCADE');
    t.tinyint('weekday').notNullable(); // 1 Monday … 7 Sunday
    t.string('start_time', 5).notNullable(); // HH:MM
    t.string('end_time', 5).notNullable(); // HH:MM, or 24:00
    t.index(['agent_id', 'weekday']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('agent_availability');
}
