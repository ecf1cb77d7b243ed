/** Customer and order reads for the API and the screen pop's links: search by phone or name, one record, orders. */
import { normaliseCallerId } from './phone.js';
import type { Db } from '../db/knex.js';
import { day, mapRow, pageQuery, type ApiObject, type Found, type Slice } from '../db/rows.js';

export async function searchCustomers(
  db: Db,
  f: { phone?: string; name?: string; defaultCountry: string },
  s: Slice,
): Promise<Found> {
  const q = db('customers as c').select(
    'c.id',
    'c.external_ref',
    'c.name',
    'c.email',
    'c.tier',
    'c.language',
    'c.company',
    'c.created_at',
  );
  if (f.phone) {
    const n = normaliseCallerId(f.phone, f.defaultCountry);
    // A number that does not normalise can still be a fragment of one: match the digits as typed.
    const digits = f.phone.replace(/[^\d+]/g, '');
    q.whereIn('c.id', function sub() {
      this.from('customer_phones').select('customer_id');
      if (n.e164) this.where('e164', n.e164);
      else this.where('e164', 'like', `%${digits}%`);
    });
  }
  if (f.name) q.where('c.name', 'like', `%${f.name}%`);
  return pageQuery(
    q,
    s,
    [
      ['c.name', 'asc'],
      ['c.id', 'asc'],
    ],
    (r) => mapRow(r),
    'c.id',
  );
}

export async function getCustomer(db: Db, id: number): Promise<ApiObject | null> {
  const r = await db('customers').where({ id }).first();
  if (!r) return null;
  const c = mapRow(r);
  const [phones, orders, contacts] = await Promise.all([
    db('customer_phones').where({ customer_id: id }).select('e164', 'label'),
    db('orders').where({ customer_id: id }).orderBy('id', 'desc').limit(20).select('*'),
    db('contacts').where({ customer_id: id }).orderBy('started_at', 'desc').limit(20).select('*'),
  ]);
  c.phones = phones.map((p: Record<string, unknown>) => mapRow(p));
  c.orders = orders.map(orderRow);
  c.recentContacts = contacts.map((x: Record<string, unknown>) => mapRow(x));
  return c;
}

function orderRow(r: Record<string, unknown>): ApiObject {
  const o = mapRow(r);
  o.eta = day(r.eta);
  return o;
}

export async function listOrders(
  db: Db,
  f: { customerId?: number; orderNo?: string; status?: string },
  s: Slice,
): Promise<Found> {
  const q = db('orders').select('*');
  if (f.customerId) q.where('customer_id', f.customerId);
  if (f.orderNo) q.where('order_no', f.orderNo);
  if (f.status) q.where('status', f.status);
  return pageQuery(q, s, [['id', 'desc']], orderRow);
}

export async function getOrder(db: Db, id: number): Promise<ApiObject | null> {
  const r = await db('orders').where({ id }).first();
  return r ? orderRow(r) : null;
}
