import type { Knex } from 'knex';

/**
 * What follows a call (aftercall/): the contact written back to the CRM, the ticket, its analysis, the survey.
 * - queues.survey: which satisfaction survey the queue's answered callers get (none, ivr, sms);
 * - tickets.source (agent, auto), language and analysed_at: an auto ticket is made for a call an agent or voicemail
 *   handled when the agent made none; the analysis (sentiment, tags, summary) says when it ran;
 * - survey_requests: SMS surveys sent and waiting for a reply, matched by the caller's number;
 * - contacts.call_id unique: a call's contact is written back once, however often its follow-up job runs.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('queues', (t) => {
    t.string('survey', 8).notNullable().defaultTo('none');
  });
  await knex.schema.alterTable('tickets', (t) => {
    t.string('source', 8).notNullable().defaultTo('agent');
    t.string('language', 8);
    t.datetime('analysed_at', { precision: 3 });
  });
  await knex.schema.alterTable('contacts', (t) => {
    t.unique(['call_id'], { indexName: 'contacts_call_id_unique' });
  });
  await knex.schema.createTable('survey_requests', (t) => {
    t.increments('id');
    t.string('call_id', 36).references('calls.id').onDelete('SET NULL').index();
    t.integer('customer_id').unsigned().references('customers.id').onDelete('SET NULL');
    t.string('phone', 20).notNullable();
    t.string('language', 8).notNullable().defaultTo('en');
    t.string('state', 16).notNullable().defaultTo('pending'); // pending, sent, answered, failed
    t.string('last_error', 255);
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('sent_at', { precision: 3 });
    t.datetime('expires_at', { precision: 3 });
    t.datetime('answered_at', { precision: 3 });
    t.index(['phone', 'state', 'sent_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('survey_requests');
  await knex.schema.alterTable('contacts', (t) => {
    t.dropUnique(['call_id'], 'contacts_call_id_unique');
  });
  await knex.schema.alterTable('tickets', (t) => {
    t.dropColumn('analysed_at');
    t.dropColumn('language');
    t.dropColumn('source');
  });
  await knex.schema.alterTable('queues', (t) => {
    t.dropColumn('survey');
  });
}
