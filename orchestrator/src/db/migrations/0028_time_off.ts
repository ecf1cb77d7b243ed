import type { Knex } from 'knex';

/**
 * Agents' time off (shifts/time-off.ts): whole days of the contact center's calendar an agent asks for and a
 * supervisor grants or refuses. Granted days keep shifts off the agent (none may be added, planned or copied onto
 * them).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('time_off', (t) => {
    t.increments('id');
    t.integer('agent_id').unsigned().notNullable().references('agents.id').onDelete('CASCADE');
    t.date('from_day').notNullable();
    t.date('to_day').notNullable();
    t.string('kind', 16).notNullable(); // vacation, sick, personal, other
    t.string('note', 200);
    t.string('status', 10).notNullable(); // pending, approved, rejected, cancelled
    t.integer('requested_by').unsigned().references('users.id').onDelete('SET NULL');
    t.datetime('requested_at', { precision: 3 }).notNullable();
    t.integer('decided_by').unsigned().references('users.id').onDelete('SET NULL');
    t.datetime('decided_at', { precision: 3 });
    t.string('decision_note', 200);
    t.index(['agent_id', 'from_day']);
    t.index(['status', 'from_day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('time_off');
}
