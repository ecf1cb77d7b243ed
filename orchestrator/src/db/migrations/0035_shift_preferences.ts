import type { Knex } from 'knex';

/**
 * An agent's shift preference within their availability (shifts/availability.ts): 'early' or 'late', null for none.
 * Planning from the forecast honours it where it costs little cover (shifts/generate.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agents', (t) => {
    t.string('shift_preference', 8); // early, late; null: no preference
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agents', (t) => {
    t.dropColumn('shift_preference');
  });
}
