import type { Knex } from 'knex';

/**
 * Supervisors on calls (calls/supervision.ts), kept so an orchestrator restarted under a monitored conversation takes
 * the supervisor's phone back with it: still listening, and hung up when the call ends. The user id is kept as it
 * was, not as a key: a session outlives nothing but its call.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('call_monitors', (t) => {
    t.string('call_id', 36).notNullable().references('calls.id').onDelete('CASCADE');
    t.integer('user_id').unsigned().notNullable();
    t.string('supervisor_name', 128).notNullable();
    t.string('endpoint', 128).notNullable();
    t.string('mode', 8).notNullable(); // listen, whisper, barge
    t.string('leg_id', 64).notNullable(); // the supervisor's phone
    t.string('snoop_id', 64); // listening or whispering
    t.string('bridge_id', 64); // the snoop's and the phone's
    t.datetime('started_at', { precision: 3 }).notNullable();
    t.primary(['call_id', 'user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('call_monitors');
}
