import type { Knex } from 'knex';

/**
 * The campaign a call was placed for (campaigns/dialler.ts), on every attempt's CDR: a contact's row names only its
 * last call, and a campaign's calls are searched and counted from the CDR.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('calls', (t) => {
    t.integer('campaign_id').unsigned().nullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('calls', (t) => {
    t.dropIndex(['campaign_id']);
    t.dropColumn('campaign_id');
  });
}
