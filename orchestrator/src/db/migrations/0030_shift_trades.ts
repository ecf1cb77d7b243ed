import type { Knex } from 'knex';

/**
 * Shift trades (shifts/trades.ts): an agent offers one of their shifts to a colleague (or to anyone), as a give-away
 * or in exchange for one of the colleague's; the colleague accepts and a supervisor approves, which moves the shifts.
 * A trade goes with its shifts when one is removed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('shift_trades', (t) => {
    t.increments('id');
    t.integer('shift_id').unsigned().notNullable().references('shifts.id').onDelete('CASCADE');
    t.integer('from_agent_id').unsigned().notNullable().references('agents.id').onDelete('CASCADE');
    // Null until someone accepts an offer made to anyone.
    t.integer('to_agent_id').unsigned().references('agents.id').onDelete('CASCADE');
    // Offered to anyone: every agent is told of it until it is decided.
    t.boolean('to_anyone').notNullable().defaultTo(false);
    // The colleague's shift given back; null for a give-away.
    t.integer('swap_shift_id').unsigned().references('shifts.id').onDelete('CASCADE');
    t.string('note', 200);
    t.string('status', 10).notNullable(); // offered, accepted, approved, rejected, declined, cancelled
    t.datetime('offered_at', { precision: 3 }).notNullable();
    t.datetime('accepted_at', { precision: 3 });
    t.integer('decided_by').unsigned().references('users.id').onDelete('SET NULL');
    t.datetime('decided_at', { precision: 3 });
    t.string('decision_note', 200);
    t.index(['status', 'offered_at']);
    t.index(['shift_id']);
    t.index(['swap_shift_id']);
    t.index(['from_agent_id', 'offered_at']);
    t.index(['to_agent_id', 'offered_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('shift_trades');
}
