import type { Knex } from 'knex';

/**
 * An agent's contracted hours a week (null: none), which planning a day from the forecast keeps within
 * (shifts/rota.ts) and the Schedule page's week view compares the scheduled hours with.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agents', (t) => {
    t.integer('weekly_hours');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agents', (t) => {
    t.dropColumn('weekly_hours');
  });
}
