import type { Knex } from 'knex';

/**
 * Additions for the recording pipeline and the job outbox (recording/, jobs/):
 * - recordings: which storage target holds the object (so a later change of ARIADNE_STORAGE_URL does not orphan
 *   old recordings), the object format/encryption, when it was uploaded and why it failed or went missing;
 * - recording_replicas: the last error of a replica copy;
 * - jobs: an index for reclaiming expired leases.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recordings', (t) => {
    t.string('storage_target', 255);
    t.string('encryption', 32);
    t.datetime('uploaded_at', { precision: 3 });
    t.text('error');
    t.index(['state', 'retain_until']);
  });
  await knex.schema.alterTable('recording_replicas', (t) => {
    t.text('error');
  });
  await knex.schema.alterTable('jobs', (t) => {
    t.index(['state', 'locked_until']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('jobs', (t) => {
    t.dropIndex(['state', 'locked_until']);
  });
  await knex.schema.alterTable('recording_replicas', (t) => {
    t.dropColumn('error');
  });
  await knex.schema.alterTable('recordings', (t) => {
    t.dropIndex(['state', 'retain_until']);
    t.dropColumn('storage_target');
    t.dropColumn('encryption');
    t.dropColumn('uploaded_at');
    t.dropColumn('error');
  });
}
