import type { Knex } from 'knex';

/**
 * A queue's own survey wording (surveys/): the SMS text (`{queue}` stands for its display name) and the IVR
 * survey's question prompt. NULL keeps the built-in wording (English or Chinese by the caller's language) and the
 * shipped `ariadne/survey-question` sound.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('queues', (t) => {
    t.string('survey_text', 320);
    t.string('survey_prompt', 210);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('queues', (t) => {
    t.dropColumn('survey_prompt');
    t.dropColumn('survey_text');
  });
}
