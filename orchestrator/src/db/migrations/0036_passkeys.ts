import type { Knex } from 'knex';

/**
 * Passkeys (auth/passkeys.ts): WebAuthn credentials a user signs in with instead of a password and a code. Only the
 * public key is kept. Challenges are kept server-side, hashed, until used once or expired.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('passkeys', (t) => {
    t.increments('id');
    t.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE');
    t.string('credential_id', 512).notNullable().unique(); // base64url, as the browser sends it
    t.text('public_key').notNullable(); // COSE, base64url
    t.bigInteger('counter').notNullable().defaultTo(0);
    t.string('transports', 128); // comma-separated
    t.string('name', 64).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('last_used_at', { precision: 3 });
    t.index(['user_id']);
  });
  await knex.schema.createTable('webauthn_challenges', (t) => {
    t.string('challenge_hash', 64).primary();
    t.string('purpose', 16).notNullable(); // register, login
    t.integer('user_id').unsigned().references('users.id').onDelete('CASCADE');
    t.datetime('expires_at', { precision: 3 }).notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webauthn_challenges');
  await knex.schema.dropTable('passkeys');
}
