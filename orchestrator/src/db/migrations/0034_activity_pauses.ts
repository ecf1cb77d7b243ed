import type { Knex } from 'knex';

/**
 * Scheduled activities the orchestrator paused an agent for (shifts/activity-pauses.ts, with
 * `ARIADNE_SCHEDULED_ACTIVITIES=pause`): one row per activity, written before the agent is touched, so however many
 * orchestrators see the activity begin only one acts, and an agent who comes back early is not paused again.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('activity_pauses', (t) => {
    t.integer('activity_id').unsigned().primary().references('shift_activities.id').onDelete('CASCADE');
    t.integer('agent_id').unsigned().notNullable().references('agents.id').onDelete('CASCADE');
    t.datetime('at', { precision: 3 }).notNullable();
    t.string('outcome', 16); // paused, after_call, left; null while being decided
    t.index(['agent_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('activity_pauses');
}
