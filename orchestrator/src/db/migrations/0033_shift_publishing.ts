import type { Knex } from 'knex';

/**
 * A published schedule (shifts/publish.ts): a shift is a draft, seen by supervisors only, until it is published;
 * then its agent sees it and adherence is measured against it. Shifts kept before this were all seen by their agents,
 * so they count as published when they were made.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('shifts', (t) => {
    t.datetime('published_at', { precision: 3 });
    t.integer('published_by').unsigned().references('users.id').onDelete('SET NULL');
  });
  await knex('shifts').update({ published_at: knex.ref('created_at'), published_by: knex.ref('created_by') });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('shifts', (t) => {
    t.dropForeign(['published_by']);
    t.dropColumn('published_by');
    t.dropColumn('published_at');
  });
}
