import type { Knex } from 'knex';

/**
 * Routing and presence additions (routing/, agents/):
 * - `endpoint_online`: the switch's view of the agent's SIP endpoint, shared by every orchestrator so none offers
 *   a call to a phone that is not registered (unknown counts as online: the originate then fails as unreachable);
 * - `active_calls`: calls the agent is on now, so `capacity` (simultaneous calls) can be honoured.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agents', (t) => {
    t.boolean('endpoint_online').notNullable().defaultTo(true);
    t.integer('active_calls').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agents', (t) => {
    t.dropColumn('endpoint_online');
    t.dropColumn('active_calls');
  });
}
