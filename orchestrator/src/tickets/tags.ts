import type { Knex } from 'knex';
import { insertedId } from '../agents/repository.js';

/** A tag: letters of any script, digits, space, _ . or - (keyword tags of Chinese tickets are Chinese words). */
export const TAG_PATTERN = /^[\p{L}\p{N} _.-]{1,64}$/u;

/** Adds tags to a ticket (creating tags on first use); a tag it has already is left as it is. */
export async function addTicketTags(trx: Knex.Transaction, id: number, tags: readonly string[]): Promise<void> {
  for (const name of [...new Set(tags)]) {
    let tag = await trx('tags').where({ name }).first('id');
    if (!tag) tag = { id: insertedId(await trx('tags').insert({ name })) };
    if (!(await trx('ticket_tags').where({ ticket_id: id, tag_id: tag.id }).first('tag_id')))
      await trx('ticket_tags').insert({ ticket_id: id, tag_id: tag.id });
  }
}
