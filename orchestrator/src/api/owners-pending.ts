/**
 * Repository functions the API needs whose owning module (ivr/, crm/, calls/) had not landed them when the API was
 * written. Each block names its owner; the lead folds them into that module and the API imports from there instead.
 * Keep them plain queries with no HTTP in them.
 */
import type { Knex } from 'knex';
import { insertedId } from '../agents/repository.js';
import { normaliseCallerId } from '../crm/phone.js';
import type { Db } from '../db/knex.js';
import { columns, day, mapRow, pageQuery, type ApiObject, type Found, type Slice } from '../db/rows.js';

// --- business hours (owner: ivr/) ----------------------------------------------------------------------------------

export interface HoursInput {
  name?: string;
  timezone?: string;
  weekly?: Record<string, [string, string][]>;
  holidays?: { day: string; name: string; openSpans: [string, string][] | null }[];
}

export async function listHours(db: Db, s: Slice): Promise<Found> {
  return pageQuery(db('business_hours').select('*'), s, [['name', 'asc']], (r) => mapRow(r, { json: ['weekly'] }));
}
export async function getHours(db: Db, id: number): Promise<ApiObject | null> {
  const r = await db('business_hours').where({ id }).first();
  if (!r) return null;
  const h = mapRow(r, { json: ['weekly'] });
  const days = await db('holidays').where({ business_hours_id: id }).orderBy('day').select('day', 'name', 'open_spans');
  h.holidays = days.map((d: Record<string, unknown>) => ({
    day: day(d.day),
    name: d.name,
    openSpans: mapRow({ x: d.open_spans }, { json: ['x'] }).x,
  }));
  return h;
}
async function setHolidays(
  trx: Knex.Transaction,
  id: number,
  holidays: NonNullable<HoursInput['holidays']>,
): Promise<void> {
  await trx('holidays').where({ business_hours_id: id }).delete();
  if (holidays.length) {
    await trx('holidays').insert(
      holidays.map((h) => ({
        business_hours_id: id,
        day: h.day,
        name: h.name,
        open_spans: h.openSpans ? JSON.stringify(h.openSpans) : null,
      })),
    );
  }
}
export async function createHours(db: Db, v: HoursInput): Promise<ApiObject> {
  const id = await db.transaction(async (trx) => {
    const hid = insertedId(await trx('business_hours').insert(columns({ ...v }, ['weekly'], ['holidays'])));
    if (v.holidays) await setHolidays(trx, hid, v.holidays);
    return hid;
  });
  return (await getHours(db, id)) as ApiObject;
}
export async function updateHours(db: Db, id: number, v: HoursInput): Promise<ApiObject | null> {
  const exists = await db('business_hours').where({ id }).first('id');
  if (!exists) return null;
  await db.transaction(async (trx) => {
    const c = columns({ ...v }, ['weekly'], ['holidays']);
    if (Object.keys(c).length)
      await trx('business_hours')
        .where({ id })
        .update({ ...c, updated_at: new Date() });
    if (v.holidays) await setHolidays(trx, id, v.holidays);
  });
  return getHours(db, id);
}
export async function deleteHours(db: Db, id: number): Promise<boolean> {
  return (await db('business_hours').where({ id }).delete()) > 0;
}

// --- IVR flow list (owner: ivr/; FlowRepository has no list) ---------------------------------------------------------

export async function listFlows(db: Db, s: Slice): Promise<Found> {
  const q = db('ivr_flows as f')
    .select('f.id', 'f.name', 'f.description', 'f.published_version', 'f.created_at', 'f.updated_at')
    .select(db.raw('(select max(v.version) from ivr_flow_versions v where v.flow_id = f.id) as latest_version'));
  return pageQuery(
    q,
    s,
    [['f.name', 'asc']],
    (r) => mapRow(r, { numbers: ['latest_version', 'published_version'] }),
    'f.id',
  );
}

export async function listDids(db: Db, s: Slice): Promise<Found> {
  const q = db('dids as d')
    .leftJoin('ivr_flows as f', 'f.id', 'd.ivr_flow_id')
    .select('d.id', 'd.number', 'd.description', 'f.name as flow');
  return pageQuery(q, s, [['d.number', 'asc']], (r) => mapRow(r), 'd.id');
}

export async function deleteDid(db: Db, number: string): Promise<boolean> {
  return (await db('dids').where({ number }).delete()) > 0;
}

// --- customers and orders (owner: crm/) ------------------------------------------------------------------------------

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

// --- calls (owner: calls/) -------------------------------------------------------------------------------------------

const CALL_SHAPE = { json: ['required_skills', 'ivr_path', 'attributes'], numbers: ['wait_s', 'talk_s'] };

export interface CallFilter {
  from?: Date;
  to?: Date;
  queueId?: number;
  agentId?: number;
  disposition?: string;
  state?: string;
  caller?: string;
  customerId?: number;
  /** A supervisor's queues: only calls of these (none when empty). */
  queueIds?: readonly number[];
}

export async function searchCalls(db: Db, f: CallFilter, s: Slice): Promise<Found> {
  const q = db('calls').select('*');
  if (f.from) q.where('arrived_at', '>=', f.from);
  if (f.to) q.where('arrived_at', '<', f.to);
  if (f.queueId) q.where('queue_id', f.queueId);
  if (f.agentId) q.where('agent_id', f.agentId);
  if (f.disposition) q.where('disposition', f.disposition);
  if (f.state) q.where('state', f.state);
  if (f.customerId) q.where('customer_id', f.customerId);
  if (f.queueIds) q.whereIn('queue_id', [...f.queueIds]);
  if (f.caller)
    q.where((w) => w.where('caller_e164', 'like', `%${f.caller}%`).orWhere('caller_raw', 'like', `%${f.caller}%`));
  return pageQuery(q, s, [['arrived_at', 'desc']], (r) => mapRow(r, CALL_SHAPE));
}

export async function getCall(db: Db, id: string): Promise<ApiObject | null> {
  const r = await db('calls').where({ id }).first();
  return r ? mapRow(r, CALL_SHAPE) : null;
}

export async function callOwner(
  db: Db,
  id: string,
): Promise<{ agentId: number | null; queueId: number | null } | null> {
  const r = await db('calls').where({ id }).first('agent_id', 'queue_id');
  return r
    ? {
        agentId: r.agent_id == null ? null : Number(r.agent_id),
        queueId: r.queue_id == null ? null : Number(r.queue_id),
      }
    : null;
}

export async function callTimeline(db: Db, id: string): Promise<ApiObject[]> {
  const rows = await db('call_events')
    .where({ call_id: id })
    .orderBy('seq')
    .select('seq', 'at', 'from_state', 'event', 'to_state', 'data');
  return rows.map((r: Record<string, unknown>) => mapRow(r, { json: ['data'] }));
}

export async function listCallEvents(
  db: Db,
  f: { from?: Date; to?: Date; event?: string; agentId?: number; queueIds?: readonly number[] },
  s: Slice,
): Promise<Found> {
  const q = db('call_events as e').select(
    'e.id',
    'e.call_id',
    'e.seq',
    'e.at',
    'e.from_state',
    'e.event',
    'e.to_state',
    'e.data',
  );
  if (f.from) q.where('e.at', '>=', f.from);
  if (f.to) q.where('e.at', '<', f.to);
  if (f.event) q.where('e.event', f.event);
  if (f.agentId || f.queueIds) q.join('calls as c', 'c.id', 'e.call_id');
  if (f.agentId) q.where('c.agent_id', f.agentId);
  if (f.queueIds) q.whereIn('c.queue_id', [...f.queueIds]);
  return pageQuery(
    q,
    s,
    [
      ['e.at', 'desc'],
      ['e.id', 'desc'],
    ],
    (r) => mapRow(r, { json: ['data'] }),
    'e.id',
  );
}
