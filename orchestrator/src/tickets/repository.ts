import type { Knex } from 'knex';
import { insertedId } from '../agents/repository.js';
import type { Db } from '../db/knex.js';
import { columns, mapRow, pageQuery, type ApiObject, type Found, type Slice } from '../db/rows.js';
import { redactCardNumbers } from '../privacy/card-numbers.js';
import { queueTicketAnalysis } from './analyse.js';
import { addTicketTags } from './tags.js';

/** Post-call tickets (table tickets) and their tags (tags, ticket_tags); tags are created on first use. */
export interface TicketInput {
  subject?: string;
  body?: string | null;
  callId?: string | null;
  customerId?: number | null;
  agentId?: number | null;
  category?: string | null;
  disposition?: string | null;
  status?: string;
  tags?: string[];
}

async function ticketTags(db: Db, ids: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (ids.length === 0) return out;
  const rows = await db('ticket_tags as x')
    .join('tags as t', 't.id', 'x.tag_id')
    .whereIn('x.ticket_id', ids)
    .orderBy('t.name')
    .select('x.ticket_id', 't.name');
  for (const r of rows as { ticket_id: number; name: string }[])
    out.set(Number(r.ticket_id), [...(out.get(Number(r.ticket_id)) ?? []), r.name]);
  return out;
}

export async function listTickets(
  db: Db,
  f: {
    status?: string;
    agentId?: number;
    customerId?: number;
    callId?: string;
    q?: string;
    source?: 'agent' | 'auto';
    sentiment?: 'negative' | 'neutral' | 'positive';
    tag?: string;
    /** A supervisor's queues: tickets of their calls, and tickets of no call (a shared backlog). */
    queueIds?: readonly number[];
  },
  s: Slice,
): Promise<Found> {
  const q = db('tickets')
    .leftJoin('calls as c', 'c.id', 'tickets.call_id')
    .select('tickets.*', 'c.recording_id', 'c.queue_id');
  const queueIds = f.queueIds;
  if (queueIds)
    q.where((w) =>
      w.whereNull('tickets.call_id').orWhereIn(
        'tickets.call_id',
        db('calls')
          .select('id')
          .whereIn('queue_id', [...queueIds]),
      ),
    );
  if (f.status) q.where('tickets.status', f.status);
  if (f.agentId) q.where('tickets.agent_id', f.agentId);
  if (f.customerId) q.where('tickets.customer_id', f.customerId);
  if (f.callId) q.where('tickets.call_id', f.callId);
  if (f.q) q.where('tickets.subject', 'like', `%${f.q}%`);
  if (f.source) q.where('tickets.source', f.source);
  // The same thresholds as the analysis's labels (VADER's usual ±0.05).
  if (f.sentiment === 'negative') q.where('tickets.sentiment', '<', -0.05);
  if (f.sentiment === 'positive') q.where('tickets.sentiment', '>', 0.05);
  if (f.sentiment === 'neutral') q.whereBetween('tickets.sentiment', [-0.05, 0.05]);
  if (f.tag)
    q.whereExists((e) =>
      e
        .select(db.raw('1'))
        .from('ticket_tags as x')
        .join('tags as g', 'g.id', 'x.tag_id')
        .whereRaw('x.ticket_id = tickets.id')
        .where('g.name', f.tag as string),
    );
  const found = await pageQuery(q, s, [['tickets.id', 'desc']], (r) => mapRow(r), 'tickets.id');
  const tags = await ticketTags(
    db,
    found.items.map((t) => Number(t.id)),
  );
  for (const t of found.items) t.tags = tags.get(Number(t.id)) ?? [];
  return found;
}
export async function getTicket(db: Db, id: number): Promise<ApiObject | null> {
  const r = await db('tickets')
    .leftJoin('calls as c', 'c.id', 'tickets.call_id')
    .where('tickets.id', id)
    .first('tickets.*', 'c.recording_id', 'c.queue_id');
  if (!r) return null;
  const t = mapRow(r);
  t.tags = (await ticketTags(db, [id])).get(id) ?? [];
  return t;
}
async function setTicketTags(trx: Knex.Transaction, id: number, tags: string[]): Promise<void> {
  await trx('ticket_tags').where({ ticket_id: id }).delete();
  await addTicketTags(trx, id, tags);
}

/** What people wrote, without card numbers: a ticket is no place to keep one (privacy/card-numbers.ts). */
function withoutCardNumbers(v: TicketInput): TicketInput {
  return {
    ...v,
    ...(v.subject !== undefined ? { subject: redactCardNumbers(v.subject).text } : {}),
    ...(v.body != null ? { body: redactCardNumbers(v.body).text } : {}),
  };
}

export async function createTicket(db: Db, input: TicketInput): Promise<ApiObject> {
  const v = withoutCardNumbers(input);
  const id = await db.transaction(async (trx) => {
    const tid = insertedId(await trx('tickets').insert(columns({ ...v }, [], ['tags'])));
    if (v.tags) await setTicketTags(trx, tid, v.tags);
    await queueTicketAnalysis(trx, [tid]);
    return tid;
  });
  return (await getTicket(db, id)) as ApiObject;
}
export async function updateTicket(db: Db, id: number, input: TicketInput): Promise<ApiObject | null> {
  const v = withoutCardNumbers(input);
  const exists = await db('tickets').where({ id }).first('id');
  if (!exists) return null;
  await db.transaction(async (trx) => {
    const c = columns({ ...v }, [], ['tags']);
    if (Object.keys(c).length)
      await trx('tickets')
        .where({ id })
        .update({ ...c, updated_at: new Date() });
    if (v.tags) await setTicketTags(trx, id, v.tags);
    // What people wrote changed: analyse it again (a status change alone says nothing new).
    if (v.subject !== undefined || v.body !== undefined) await queueTicketAnalysis(trx, [id]);
  });
  return getTicket(db, id);
}
