import type { Knex } from 'knex';

/**
 * Outbound campaigns (campaigns/): lists of numbers the progressive dialler calls for the agents of a queue. A
 * contact's row is its whole history in the campaign: how often it was tried, when it may be tried next and what the
 * last call (calls.id) came to. One row per number and campaign.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('campaigns', (t) => {
    t.increments('id').primary();
    t.string('name', 80).notNullable().unique();
    t.integer('queue_id').unsigned().notNullable().references('id').inTable('queues');
    t.string('state', 12).notNullable().defaultTo('paused');
    t.string('hours', 64);
    t.string('caller_id', 32);
    t.integer('max_attempts').notNullable().defaultTo(3);
    t.integer('retry_minutes').notNullable().defaultTo(60);
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
  await knex.schema.createTable('campaign_contacts', (t) => {
    t.increments('id').primary();
    t.integer('campaign_id').unsigned().notNullable().references('id').inTable('campaigns').onDelete('CASCADE');
    t.string('e164', 16).notNullable();
    t.string('name', 120);
    t.string('state', 12).notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.datetime('next_at', { precision: 3 });
    t.string('last_call_id', 36);
    t.string('last_result', 32);
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.unique(['campaign_id', 'e164']);
    // The dialler's look: the next due contact of a running campaign.
    t.index(['campaign_id', 'state', 'next_at']);
    t.index(['last_call_id']);
    // Contacts left dialing by an orchestrator that stopped.
    t.index(['state', 'updated_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('campaign_contacts');
  await knex.schema.dropTable('campaigns');
}
