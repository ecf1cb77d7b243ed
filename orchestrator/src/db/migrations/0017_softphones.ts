import type { Knex } from 'knex';

/**
 * The SIP password of an agent's browser softphone (agents/softphone.ts): the same secret as the endpoint's auth
 * section in asterisk-conf/pjsip_agents.conf, so the workspace can register the agent's WebRTC endpoint. Kept apart
 * from `agents`, whose row the call path reads and writes: a secret has no business there.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agent_softphones', (t) => {
    t.integer('agent_id').unsigned().primary().references('id').inTable('agents').onDelete('CASCADE');
    t.string('password', 128).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('agent_softphones');
}
