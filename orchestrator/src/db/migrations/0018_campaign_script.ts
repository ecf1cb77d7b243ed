import type { Knex } from 'knex';

/** What the agent says on a campaign's call (campaigns/script.ts), shown in the screen pop. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaigns', (t) => {
    t.text('script').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaigns', (t) => {
    t.dropColumn('script');
  });
}
