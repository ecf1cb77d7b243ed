import type { Knex } from 'knex';

/**
 * What a campaign does when a machine answers its call (campaigns/machine.ts): `off` (no detection, the agent
 * hears whoever answered), `hang_up`, or `message` (the sound named by machine_message is left on the machine).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaigns', (t) => {
    t.string('machine_detection', 16).notNullable().defaultTo('off');
    t.string('machine_message', 128).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaigns', (t) => {
    t.dropColumn('machine_message');
    t.dropColumn('machine_detection');
  });
}
