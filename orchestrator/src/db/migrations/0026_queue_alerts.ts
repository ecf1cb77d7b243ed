import type { Knex } from 'knex';

/**
 * Per-queue wallboard alerts (api/wallboard.ts): the longest wait, the number of callers waiting and the day's
 * service level a supervisor wants to be warned about. 0 turns an alert off. The defaults are what the wallboard
 * warned at before these were settable: over a minute's wait, below 80 %.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('queues', (t) => {
    t.integer('alert_wait_s').notNullable().defaultTo(60);
    t.integer('alert_waiting').notNullable().defaultTo(0);
    t.integer('service_level_target_pct').notNullable().defaultTo(80);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('queues', (t) => {
    t.dropColumn('alert_wait_s');
    t.dropColumn('alert_waiting');
    t.dropColumn('service_level_target_pct');
  });
}
