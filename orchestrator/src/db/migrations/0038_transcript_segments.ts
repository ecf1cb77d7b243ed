import type { Knex } from 'knex';

/**
 * A transcript's timed segments (recording/transcripts.ts): when the engine says when each part was said (and by
 * which speaker), the list is kept beside the text, sealed with the same key, so a reviewer can play the recording
 * from any line. Null when the engine gave plain text only.
 */
export async function up(knex: Knex): Promise<void> {
  const mysql = String(knex.client.config.client).startsWith('mysql');
  await knex.schema.alterTable('recording_transcripts', (t) => {
    // An hour of speech is about a thousand segments, some 150 KB as JSON: MEDIUMBLOB, as for the text.
    t.specificType('segments_enc', mysql ? 'mediumblob' : 'blob');
    t.integer('segments_bytes');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recording_transcripts', (t) => {
    t.dropColumn('segments_enc');
    t.dropColumn('segments_bytes');
  });
}
