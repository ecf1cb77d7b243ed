/**
 * Repository functions the API needs whose owning module (routing/, agents/, calls/, tickets/, surveys/,
 * reports/, jobs/) had not landed them when the API was written. Each block names its owner; the lead folds
 * them into that module and the API imports from there instead. Keep them plain queries with no HTTP in them.
 */
import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import { normaliseCallerId } from '../crm/phone.js';
import { toDate } from '../db/time.js';
import { rowToRecording, type Recording } from '../recording/repository.js';
import { mapRow, day, type ApiObject } from './rows.js';

export interface Slice {
  readonly offset: number;
  readonly limit: number;
}
export interface Found<T = ApiObject> {
  items: T[];
  total: number;
}

async function pageQuery(
  q: Knex.QueryBuilder,
  s: Slice,
  order: [string, 'asc' | 'desc'][],
  map: (r: Record<string, unknown>) => ApiObject,
  countCol = 'id',
): Promise<Found> {
  const countQ = q.clone().clearSelect().clearOrder().count({ n: countCol });
  const [{ n }] = (await countQ) as [{ n: number | string }];
  for (const [c, d] of order) q.orderBy(c, d);
  const rows = (await q.offset(s.offset).limit(s.limit)) as Record<string, unknown>[];
  return { items: rows.map(map), total: Number(n) };
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** camelCase patch → column values; JSON columns are stringified; undefined keys are left out. */
function columns(
  patch: Record<string, unknown>,
  json: readonly string[] = [],
  skip: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || skip.includes(k)) continue;
    out[snake(k)] = json.includes(k) && v !== null ? JSON.stringify(v) : v;
  }
  return out;
}

function insertedId(result: unknown[]): number {
  const first = result[0] as number | { id: number } | undefined;
  return typeof first === 'object' && first !== null ? Number(first.id) : Number(first);
}

// --- queue reads (owner: routing/; its QueueConfig omits the display and recording columns the admin edits) -------------------------------------------------------------------------------------

const QUEUE_SHAPE = {
  bools: ['join_when_empty', 'leave_when_empty', 'record_calls', 'whisper_queue_name'],
  json: ['overflow'],
};

async function queueSkills(db: Db, ids: number[]): Promise<Map<number, { skill: string; minLevel: number }[]>> {
  const out = new Map<number, { skill: string; minLevel: number }[]>();
  if (ids.length === 0) return out;
  const rows = await db('queue_skills as q')
    .join('skills as s', 's.id', 'q.skill_id')
    .whereIn('q.queue_id', ids)
    .select('q.queue_id', 's.name', 'q.min_level');
  for (const r of rows as { queue_id: number; name: string; min_level: number }[]) {
    const list = out.get(Number(r.queue_id)) ?? [];
    list.push({ skill: r.name, minLevel: Number(r.min_level) });
    out.set(Number(r.queue_id), list);
  }
  return out;
}

export async function listQueues(db: Db, s: Slice): Promise<Found> {
  const found = await pageQuery(db('queues').select('*'), s, [['name', 'asc']], (r) => mapRow(r, QUEUE_SHAPE));
  const skills = await queueSkills(
    db,
    found.items.map((q) => Number(q.id)),
  );
  for (const q of found.items) q.skills = skills.get(Number(q.id)) ?? [];
  return found;
}
export async function getQueue(db: Db, id: number): Promise<ApiObject | null> {
  const r = await db('queues').where({ id }).first();
  if (!r) return null;
  const q = mapRow(r, QUEUE_SHAPE);
  q.skills = (await queueSkills(db, [id])).get(id) ?? [];
  return q;
}
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
  if (f.caller)
    q.where((w) => w.where('caller_e164', 'like', `%${f.caller}%`).orWhere('caller_raw', 'like', `%${f.caller}%`));
  return pageQuery(q, s, [['arrived_at', 'desc']], (r) => mapRow(r, CALL_SHAPE));
}

export async function getCall(db: Db, id: string): Promise<ApiObject | null> {
  const r = await db('calls').where({ id }).first();
  return r ? mapRow(r, CALL_SHAPE) : null;
}

export async function callOwner(db: Db, id: string): Promise<{ agentId: number | null } | null> {
  const r = await db('calls').where({ id }).first('agent_id');
  return r ? { agentId: r.agent_id == null ? null : Number(r.agent_id) } : null;
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
  f: { from?: Date; to?: Date; event?: string; agentId?: number },
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
  if (f.agentId) q.join('calls as c', 'c.id', 'e.call_id').where('c.agent_id', f.agentId);
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

// --- callbacks page (owner: routing/callbacks.ts; its list has a limit but no offset or total) -----------------------------------------------------------------------------------------

/** `forAgent`: that agent's callbacks plus the unassigned pending ones they may take. */
export async function listCallbacks(
  db: Db,
  f: { state?: string; queueId?: number; agentId?: number; forAgent?: number },
  s: Slice,
): Promise<Found> {
  const q = db('callbacks').select('*');
  if (f.state) q.where('state', f.state);
  if (f.queueId) q.where('queue_id', f.queueId);
  if (f.agentId) q.where('agent_id', f.agentId);
  if (f.forAgent)
    q.where((w) =>
      w.where('agent_id', f.forAgent as number).orWhere((p) => p.where('state', 'pending').whereNull('agent_id')),
    );
  return pageQuery(q, s, [['requested_at', 'desc']], (r) => mapRow(r));
}

// --- recordings list (owner: recording/; its repository has get but no list) -------------------------------------

/** What the API shows of a recording: no storage key, target or key id (those are the store's business). */
export function publicRecording(r: Recording): ApiObject {
  const { storageKey: _k, storageTarget: _t, keyId: _i, encryption: _e, ...rest } = r;
  return { ...rest };
}

export async function listRecordings(
  db: Db,
  f: { callId?: string; agentId?: number; queueId?: number; from?: Date; to?: Date; state?: string },
  s: Slice,
): Promise<Found> {
  const q = db('recordings').select('*');
  if (f.callId) q.where('call_id', f.callId);
  if (f.agentId) q.where('agent_id', f.agentId);
  if (f.queueId) q.where('queue_id', f.queueId);
  if (f.state) q.where('state', f.state);
  if (f.from) q.where('started_at', '>=', f.from);
  if (f.to) q.where('started_at', '<', f.to);
  return pageQuery(q, s, [['started_at', 'desc']], (r) => publicRecording(rowToRecording(r)));
}

// --- tickets (owner: tickets/) -----------------------------------------------------------------------------------------

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
  f: { status?: string; agentId?: number; customerId?: number; callId?: string; q?: string },
  s: Slice,
): Promise<Found> {
  const q = db('tickets').select('*');
  if (f.status) q.where('status', f.status);
  if (f.agentId) q.where('agent_id', f.agentId);
  if (f.customerId) q.where('customer_id', f.customerId);
  if (f.callId) q.where('call_id', f.callId);
  if (f.q) q.where('subject', 'like', `%${f.q}%`);
  const found = await pageQuery(q, s, [['id', 'desc']], (r) => mapRow(r));
  const tags = await ticketTags(
    db,
    found.items.map((t) => Number(t.id)),
  );
  for (const t of found.items) t.tags = tags.get(Number(t.id)) ?? [];
  return found;
}
export async function getTicket(db: Db, id: number): Promise<ApiObject | null> {
  const r = await db('tickets').where({ id }).first();
  if (!r) return null;
  const t = mapRow(r);
  t.tags = (await ticketTags(db, [id])).get(id) ?? [];
  return t;
}
async function setTicketTags(trx: Knex.Transaction, id: number, tags: string[]): Promise<void> {
  await trx('ticket_tags').where({ ticket_id: id }).delete();
  for (const name of [...new Set(tags)]) {
    let tag = await trx('tags').where({ name }).first('id');
    if (!tag) tag = { id: insertedId(await trx('tags').insert({ name })) };
    await trx('ticket_tags').insert({ ticket_id: id, tag_id: tag.id });
  }
}
export async function createTicket(db: Db, v: TicketInput): Promise<ApiObject> {
  const id = await db.transaction(async (trx) => {
    const tid = insertedId(await trx('tickets').insert(columns({ ...v }, [], ['tags'])));
    if (v.tags) await setTicketTags(trx, tid, v.tags);
    return tid;
  });
  return (await getTicket(db, id)) as ApiObject;
}
export async function updateTicket(db: Db, id: number, v: TicketInput): Promise<ApiObject | null> {
  const exists = await db('tickets').where({ id }).first('id');
  if (!exists) return null;
  await db.transaction(async (trx) => {
    const c = columns({ ...v }, [], ['tags']);
    if (Object.keys(c).length)
      await trx('tickets')
        .where({ id })
        .update({ ...c, updated_at: new Date() });
    if (v.tags) await setTicketTags(trx, id, v.tags);
  });
  return getTicket(db, id);
}

// --- surveys (owner: surveys/) -----------------------------------------------------------------------------------------

export async function listSurveyResponses(
  db: Db,
  f: { from?: Date; to?: Date; channel?: string; queueId?: number; agentId?: number },
  s: Slice,
): Promise<Found> {
  const q = db('survey_responses as r')
    .leftJoin('calls as c', 'c.id', 'r.call_id')
    .select(
      'r.id',
      'r.call_id',
      'r.customer_id',
      'r.channel',
      'r.score',
      'r.comment',
      'r.created_at',
      'c.queue_id',
      'c.agent_id',
    );
  if (f.from) q.where('r.created_at', '>=', f.from);
  if (f.to) q.where('r.created_at', '<', f.to);
  if (f.channel) q.where('r.channel', f.channel);
  if (f.queueId) q.where('c.queue_id', f.queueId);
  if (f.agentId) q.where('c.agent_id', f.agentId);
  return pageQuery(
    q,
    s,
    [
      ['r.created_at', 'desc'],
      ['r.id', 'desc'],
    ],
    (r) => mapRow(r),
    'r.id',
  );
}

// --- reports (owner: reports/) -------------------------------------------------------------------------------------------

/** Today's totals per queue, straight from calls (a placeholder until reports/ serves interval tables). */
export async function todayPerQueue(db: Db, since: Date): Promise<ApiObject[]> {
  const rows = await db('queues as q')
    .leftJoin('calls as c', function on() {
      this.on('c.queue_id', '=', 'q.id').andOn('c.arrived_at', '>=', db.raw('?', [since]));
    })
    .groupBy('q.id', 'q.name', 'q.display_name', 'q.service_level_s')
    .orderBy('q.name')
    .select('q.id', 'q.name', 'q.display_name', 'q.service_level_s')
    .select(
      db.raw('count(c.id) as offered'),
      db.raw('sum(case when c.answered_at is not null then 1 else 0 end) as answered'),
      db.raw("sum(case when c.disposition = 'abandoned' or c.state = 'abandoned' then 1 else 0 end) as abandoned"),
      db.raw(
        'sum(case when c.answered_at is not null and c.wait_s <= q.service_level_s then 1 else 0 end) as answered_in_sl',
      ),
      db.raw('avg(c.wait_s) as avg_wait_s'),
      db.raw('max(c.wait_s) as max_wait_s'),
      db.raw('avg(c.talk_s) as avg_talk_s'),
    );
  return rows.map((r: Record<string, unknown>) => {
    const offered = Number(r.offered ?? 0);
    const answered = Number(r.answered ?? 0);
    const abandoned = Number(r.abandoned ?? 0);
    const inSl = Number(r.answered_in_sl ?? 0);
    const num = (v: unknown) => (v == null ? null : Math.round(Number(v) * 10) / 10);
    return {
      queueId: Number(r.id),
      name: String(r.name),
      displayName: String(r.display_name),
      offered,
      answered,
      abandoned,
      serviceLevelPct: answered + abandoned > 0 ? Math.round((inSl / (answered + abandoned)) * 1000) / 10 : null,
      avgWaitS: num(r.avg_wait_s),
      maxWaitS: num(r.max_wait_s),
      avgTalkS: num(r.avg_talk_s),
    };
  });
}

// --- wallboard start-up (owner: reports/ for the day totals, agents/ for presence) ------------------------------------------

export interface WallboardSeed {
  queues: { id: number; name: string; displayName: string; serviceLevelS: number }[];
  waiting: { callId: string; queueId: number; since: Date }[];
  today: { queueId: number; answered: number; abandoned: number; answeredInSl: number }[];
  agents: { id: number; name: string; state: string; since: Date; reason: string | null }[];
}

export async function wallboardSeed(db: Db, since: Date): Promise<WallboardSeed> {
  const toD = (v: unknown): Date => toDate(v) ?? new Date();
  const [queues, waiting, today, agents] = await Promise.all([
    db('queues').select('id', 'name', 'display_name', 'service_level_s'),
    db('calls')
      .whereIn('state', ['queued', 'offering'])
      .whereNotNull('queue_id')
      .select('id', 'queue_id', 'queued_at', 'arrived_at'),
    db('calls as c')
      .join('queues as q', 'q.id', 'c.queue_id')
      .where('c.arrived_at', '>=', since)
      .groupBy('c.queue_id')
      .select('c.queue_id')
      .select(
        db.raw('sum(case when c.answered_at is not null then 1 else 0 end) as answered'),
        db.raw("sum(case when c.state = 'abandoned' then 1 else 0 end) as abandoned"),
        db.raw('sum(case when c.answered_at is not null and c.wait_s <= q.service_level_s then 1 else 0 end) as in_sl'),
      ),
    db('agents').select('id', 'name', 'state', 'state_since', 'pause_reason'),
  ]);
  return {
    queues: queues.map((q: Record<string, unknown>) => ({
      id: Number(q.id),
      name: String(q.name),
      displayName: String(q.display_name),
      serviceLevelS: Number(q.service_level_s),
    })),
    waiting: waiting.map((c: Record<string, unknown>) => ({
      callId: String(c.id),
      queueId: Number(c.queue_id),
      since: toD(c.queued_at ?? c.arrived_at),
    })),
    today: today.map((t: Record<string, unknown>) => ({
      queueId: Number(t.queue_id),
      answered: Number(t.answered ?? 0),
      abandoned: Number(t.abandoned ?? 0),
      answeredInSl: Number(t.in_sl ?? 0),
    })),
    agents: agents.map((a: Record<string, unknown>) => ({
      id: Number(a.id),
      name: String(a.name),
      state: String(a.state),
      since: toD(a.state_since),
      reason: (a.pause_reason as string | null) ?? null,
    })),
  };
}
