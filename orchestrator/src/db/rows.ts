import type { Knex } from 'knex';
import { parseJson, toDate } from './time.js';

/**
 * Row → API object: snake_case keys become camelCase, time columns become ISO strings (whatever the driver gave),
 * flag columns become booleans (SQLite returns 0/1), JSON text columns are parsed, DECIMALs become numbers.
 */
export interface RowShape {
  readonly bools?: readonly string[];
  readonly json?: readonly string[];
  readonly numbers?: readonly string[];
}

const TIME_KEY = /(_at|_since|_until)$/;

export function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export type ApiObject = Record<string, unknown>;

export function mapRow(row: Record<string, unknown>, shape: RowShape = {}): ApiObject {
  const out: ApiObject = {};
  for (const [k, v] of Object.entries(row)) {
    let value: unknown = v;
    if (shape.bools?.includes(k)) value = v == null ? null : Boolean(Number(v));
    else if (shape.json?.includes(k)) value = parseJson<unknown>(v, null);
    else if (shape.numbers?.includes(k)) value = v == null ? null : Number(v);
    else if (TIME_KEY.test(k)) value = v == null ? null : (toDate(v)?.toISOString() ?? null);
    else if (typeof v === 'bigint') value = Number(v);
    out[camel(k)] = value;
  }
  return out;
}

export function day(value: unknown): string | null {
  if (value == null) return null;
  if (typeof value === 'string') return value.slice(0, 10);
  const d = toDate(value);
  return d ? d.toISOString().slice(0, 10) : null;
}

export interface Slice {
  readonly offset: number;
  readonly limit: number;
}
export interface Found<T = ApiObject> {
  items: T[];
  total: number;
}

/** One page of `q` plus the total it would have without offset/limit (counted on `countCol`). */
export async function pageQuery(
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
export function columns(
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
