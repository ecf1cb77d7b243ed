import type { Knex } from 'knex';

/**
 * Additions for the call flow (calls/): the legs and bridges a call holds (for recovery after a restart), where a
 * caller abandoned, how many offers it took, which IVR flow version ran, and a bit more on voicemails.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('calls', (t) => {
    t.string('agent_channel_id', 64);
    t.string('holding_bridge_id', 64);
    t.string('mixing_bridge_id', 64);
    t.string('abandoned_in', 16);
    t.integer('offer_count').notNullable().defaultTo(0);
    t.string('ivr_flow', 64);
    t.integer('ivr_flow_version');
    t.index(['owner', 'state']);
  });
  await knex.schema.alterTable('voicemails', (t) => {
    t.string('caller', 32);
    t.integer('customer_id').unsigned().references('customers.id').onDelete('SET NULL');
    t.decimal('duration_s', 10, 3);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('voicemails', (t) => {
    t.dropForeign(['customer_id']);
    t.dropColumn('caller');
    t.dropColumn('customer_id');
    t.dropColumn('duration_s');
  });
  await knex.schema.alterTable('calls', (t) => {
    t.dropIndex(['owner', 'state']);
    t.dropColumn('agent_channel_id');
    t.dropColumn('holding_bridge_id');
    t.dropColumn('mixing_bridge_id');
    t.dropColumn('abandoned_in');
    t.dropColumn('offer_count');
    t.dropColumn('ivr_flow');
    t.dropColumn('ivr_flow_version');
  });
}
