import type { Knex } from 'knex';

/**
 * The hours a campaign may call its contacts in their own time zone (campaigns/contact-hours.ts), and each
 * contact's time zones as its number tells them (several, comma-separated, for a number whose area spans zones).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaigns', (t) => {
    t.string('contact_hours', 11).nullable();
  });
  await knex.schema.alterTable('campaign_contacts', (t) => {
    t.string('time_zone', 255).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('campaign_contacts', (t) => {
    t.dropColumn('time_zone');
  });
  await knex.schema.alterTable('campaigns', (t) => {
    t.dropColumn('contact_hours');
  });
}
