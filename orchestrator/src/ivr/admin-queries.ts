/**
 * The queries behind the API's business-hours CRUD and its IVR flow and DID lists (plain queries, no HTTP). The
 * flow documents themselves, their versions and publishing live in flows.ts.
 */
import type { Knex } from 'knex';
import { insertedId } from '../agents/repository.js';
import type { Db } from '../db/knex.js';
import { columns, day, mapRow, pageQuery, type ApiObject, type Found, type Slice } from '../db/rows.js';

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
