import type { Knex } from 'knex';

/**
 * Agents' schedules (shifts/): a shift is the time an agent is due at work; its activities (a break, lunch, a
 * meeting, training, time offline) are the parts of it spent off the phones. A shift's `day` is the contact
 * center's calendar day it starts on, kept so a day's or a week's shifts are read by index whatever the zone.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('shifts', (t) => {
    t.increments('id');
    t.integer('agent_id').unsigned().notNullable().references('agents.id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.datetime('starts_at', { precision: 3 }).notNullable();
    t.datetime('ends_at', { precision: 3 }).notNullable();
    t.string('note', 200);
    t.integer('created_by').unsigned().references('users.id').onDelete('SET NULL');
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.index(['agent_id', 'starts_at']);
    t.index(['starts_at']);
    t.index(['day']);
  });
  await knex.schema.createTable('shift_activities', (t) => {
    t.increments('id');
    t.integer('shift_id').unsigned().notNullable().references('shifts.id').onDelete('CASCADE');
    t.string('kind', 16).notNullable(); // break, lunch, meeting, training, offline
    t.datetime('starts_at', { precision: 3 }).notNullable();
    t.datetime('ends_at', { precision: 3 }).notNullable();
    t.index(['shift_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('shift_activities');
  await knex.schema.dropTable('shifts');
}
