import type { Knex } from 'knex';

/**
 * Agent presence history, for the time an agent was logged in and paused (reports/presence.ts):
 * - agent_presence: one row per stretch of logged-in time in one presence (ready for calls, or paused for a
 *   reason), open (ended_at NULL) while it lasts. A call's own states (reserved, on call, wrap-up) are not
 *   stretches of their own: the calls table times them, and a row per call would cost the call path writes.
 * - report_agent_days gains logged_in_s and paused_s, and report_agent_pauses keeps paused time per reason.
 * Agents logged in when this runs start their history now: nothing earlier says when they logged in.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agent_presence', (t) => {
    t.increments('id');
    t.integer('agent_id').unsigned().notNullable().references('agents.id').onDelete('CASCADE');
    t.string('state', 8).notNullable(); // ready, paused
    t.string('reason', 64);
    t.datetime('started_at', { precision: 3 }).notNullable();
    t.datetime('ended_at', { precision: 3 });
    t.index(['agent_id', 'ended_at']);
    t.index(['ended_at', 'started_at']);
  });
  await knex.schema.alterTable('report_agent_days', (t) => {
    t.decimal('logged_in_s', 14, 3).notNullable().defaultTo(0);
    t.decimal('paused_s', 14, 3).notNullable().defaultTo(0);
  });
  await knex.schema.createTable('report_agent_pauses', (t) => {
    t.integer('agent_id').unsigned().notNullable().references('agents.id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.string('reason', 64).notNullable();
    t.integer('pauses').notNullable().defaultTo(0);
    t.decimal('paused_s', 14, 3).notNullable().defaultTo(0);
    t.primary(['agent_id', 'day', 'reason']);
  });
  const now = new Date();
  const loggedIn = (await knex('agents').whereNot('state', 'logged_out').select('id', 'state', 'pause_reason')) as {
    id: number;
    state: string;
    pause_reason: string | null;
  }[];
  if (loggedIn.length > 0)
    await knex('agent_presence').insert(
      loggedIn.map((a) => ({
        agent_id: a.id,
        state: a.state === 'paused' ? 'paused' : 'ready',
        reason: a.state === 'paused' ? (a.pause_reason ?? 'break') : null,
        started_at: now,
      })),
    );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('report_agent_pauses');
  await knex.schema.alterTable('report_agent_days', (t) => {
    t.dropColumn('paused_s');
    t.dropColumn('logged_in_s');
  });
  await knex.schema.dropTable('agent_presence');
}
