import type { Db } from '../db/knex.js';
import { parseJson, toDate } from '../db/time.js';
import type { AuthUser } from './types.js';

export interface AuditEntry {
  readonly user: Pick<AuthUser, 'id' | 'username'> | null;
  /** Who, when there is no user (e.g. a failed login names the attempted username). */
  readonly actor?: string;
  readonly action: string;
  readonly targetType?: string | null;
  readonly targetId?: string | number | null;
  readonly details?: unknown;
  readonly ip?: string | null;
}

export interface AuditRecord {
  readonly id: number;
  readonly at: Date | null;
  readonly userId: number | null;
  readonly actor: string;
  readonly action: string;
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly details: unknown;
  readonly ip: string | null;
}

const SECRET_KEYS = /pass(word)?|secret|token/i;

/** Details are stored as JSON with secrets blanked: the audit log says a password changed, never to what. */
function scrub(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    out[k] = SECRET_KEYS.test(k) ? '[redacted]' : scrub(v, depth + 1);
  return out;
}

export async function writeAudit(db: Db, e: AuditEntry): Promise<void> {
  const details = e.details === undefined ? null : JSON.stringify(scrub(e.details)).slice(0, 60_000);
  await db('audit_log').insert({
    at: new Date(),
    user_id: e.user?.id ?? null,
    actor: (e.user?.username ?? e.actor ?? 'system').slice(0, 128),
    action: e.action.slice(0, 64),
    target_type: e.targetType ?? null,
    target_id: e.targetId == null ? null : String(e.targetId).slice(0, 64),
    details,
    ip: e.ip ? e.ip.slice(0, 64) : null,
  });
}

export interface AuditFilter {
  readonly action?: string;
  readonly userId?: number;
  readonly targetType?: string;
  readonly from?: Date;
  readonly to?: Date;
  readonly offset: number;
  readonly limit: number;
}

export async function listAudit(db: Db, f: AuditFilter): Promise<{ items: AuditRecord[]; total: number }> {
  const q = db('audit_log');
  if (f.action) q.where('action', f.action);
  if (f.userId) q.where('user_id', f.userId);
  if (f.targetType) q.where('target_type', f.targetType);
  if (f.from) q.where('at', '>=', f.from);
  if (f.to) q.where('at', '<', f.to);
  const [{ n }] = (await q.clone().count({ n: 'id' })) as [{ n: number | string }];
  const rows = await q.orderBy('id', 'desc').offset(f.offset).limit(f.limit).select('*');
  return {
    items: rows.map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      at: toDate(r.at),
      userId: r.user_id == null ? null : Number(r.user_id),
      actor: String(r.actor),
      action: String(r.action),
      targetType: (r.target_type as string | null) ?? null,
      targetId: (r.target_id as string | null) ?? null,
      details: parseJson<unknown>(r.details, null),
      ip: (r.ip as string | null) ?? null,
    })),
    total: Number(n),
  };
}
