import type { Knex } from 'knex';

/**
 * agents.endpoint_offline_since: when the agent's phone went away (NULL while it is reachable), so the sweep can log
 * out an agent whose phone stayed away (agents/service.ts `sweep`): a closed browser softphone or an unplugged
 * desk phone would otherwise leave the agent logged in, counted as staffed and as logged-in time, for ever.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agents', (t) => {
    t.datetime('endpoint_offline_since', { precision: 3 });
  });
  // Phones already away when this runs count from now.
  await knex('agents').where('endpoint_online', false).update({ endpoint_offline_since: new Date() });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agents', (t) => {
    t.dropColumn('endpoint_offline_since');
  });
}
