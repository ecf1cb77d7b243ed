import type { Knex } from 'knex';

/**
 * The agent's phone answers offered calls on its own (a headset agent): their INVITE carries
 * `Call-Info: …;answer-after=0`, which desk phones and the workspace softphone honour (calls/auto-answer.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agents', (t) => {
    t.boolean('auto_answer').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agents', (t) => {
    t.dropColumn('auto_answer');
  });
}
