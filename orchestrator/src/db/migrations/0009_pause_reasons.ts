import type { Knex } from 'knex';

/**
 * Pause reasons an admin configures (agents/pause-reasons.ts): the names agents pause with in the workspace and,
 * by their one- or two-digit code, on a desk phone (*13<code>). One list keeps the pause report's reasons few and
 * comparable. The defaults are the codes the desk phone had before.
 */
const DEFAULTS = [
  ['1', 'break'],
  ['2', 'lunch'],
  ['3', 'meeting'],
  ['4', 'training'],
  ['5', 'after-call work'],
  ['6', 'coaching'],
] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('pause_reasons', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable().unique();
    t.string('code', 2).unique();
  });
  await knex('pause_reasons').insert(DEFAULTS.map(([code, name]) => ({ code, name })));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('pause_reasons');
}
