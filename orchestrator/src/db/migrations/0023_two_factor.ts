import type { Knex } from 'knex';

/**
 * Two-factor sign-in (auth/two-factor.ts): a user's TOTP secret, the last time step accepted (a code is good
 * once), a short lock after repeated wrong codes, single-use recovery codes (stored as SHA-256), and sessions
 * that may only set up a second factor (a role that requires one, signed in without it).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.string('totp_secret', 64);
    t.string('totp_pending_secret', 64);
    t.datetime('totp_enabled_at', { precision: 3 });
    t.bigInteger('totp_last_step');
    t.integer('totp_failures').notNullable().defaultTo(0);
    t.datetime('totp_locked_until', { precision: 3 });
  });
  await knex.schema.createTable('recovery_codes', (t) => {
    t.increments('id');
    t.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE');
    t.string('code_hash', 64).notNullable();
    t.datetime('used_at', { precision: 3 });
    t.unique(['user_id', 'code_hash']);
  });
  await knex.schema.alterTable('sessions', (t) => {
    t.boolean('setup_required').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.dropColumn('setup_required');
  });
  await knex.schema.dropTable('recovery_codes');
  await knex.schema.alterTable('users', (t) => {
    for (const c of [
      'totp_secret',
      'totp_pending_secret',
      'totp_enabled_at',
      'totp_last_step',
      'totp_failures',
      'totp_locked_until',
    ])
      t.dropColumn(c);
  });
}
