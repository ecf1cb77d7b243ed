import type { Knex } from 'knex';

/**
 * Transcripts of call recordings (recording/transcripts.ts):
 * - queues.transcribe: the queue's recordings are transcribed once stored (off by default: speech to text costs a
 *   core for a good share of the call's length, or a paid service);
 * - recording_transcripts: one row per recording, `done` with the text or `skipped` with the reason. The text is
 *   encrypted with the recordings' master key, like the audio it was heard from, and deleted with the recording.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('queues', (t) => {
    t.boolean('transcribe').notNullable().defaultTo(false);
  });
  const mysql = String(knex.client.config.client).startsWith('mysql');
  await knex.schema.createTable('recording_transcripts', (t) => {
    t.string('recording_id', 36).primary().references('recordings.id').onDelete('CASCADE');
    t.string('call_id', 36).index();
    t.string('state', 8).notNullable(); // done, skipped
    t.string('engine', 64).notNullable();
    t.string('language', 8);
    // A BLOB holds 64 KB, about an hour of speech: MEDIUMBLOB leaves room for the longest calls.
    t.specificType('text_enc', mysql ? 'mediumblob' : 'blob');
    t.integer('text_bytes');
    t.string('reason', 255);
    t.decimal('audio_s', 10, 3);
    t.integer('took_ms');
    t.datetime('created_at', { precision: 3 }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('recording_transcripts');
  await knex.schema.alterTable('queues', (t) => {
    t.dropColumn('transcribe');
  });
}
