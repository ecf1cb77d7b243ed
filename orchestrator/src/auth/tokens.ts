import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';
import { newSecret, sha256 } from './sessions.js';
import type { AuthUser, Role } from './types.js';

/** Tokens carry a recognisable prefix so a leaked one is easy to find in code or logs. */
export const TOKEN_PREFIX = 'ari_';

export interface ApiTokenRecord {
  readonly id: number;
  readonly userId: number;
  readonly username: string;
  readonly name: string;
  readonly createdAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

function toRecord(row: Record<string, unknown>): ApiTokenRecord {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    username: String(row.username),
    name: String(row.name),
    createdAt: toDate(row.created_at),
    lastUsedAt: toDate(row.last_used_at),
    revokedAt: toDate(row.revoked_at),
  };
}

const COLUMNS = ['t.id', 't.user_id', 'u.username', 't.name', 't.created_at', 't.last_used_at', 't.revoked_at'];

/** Creates a token for a user; the secret is returned once and never stored. */
export async function createApiToken(
  db: Db,
  userId: number,
  name: string,
): Promise<{ token: string; record: ApiTokenRecord }> {
  const token = newSecret(TOKEN_PREFIX);
  const [id] = await db('api_tokens').insert({
    user_id: userId,
    name,
    token_hash: sha256(token),
    created_at: new Date(),
  });
  const row = await db('api_tokens as t')
    .join('users as u', 'u.id', 't.user_id')
    .where('t.id', Number(id))
    .first(COLUMNS);
  return { token, record: toRecord(row) };
}

export async function listApiTokens(
  db: Db,
  offset: number,
  limit: number,
): Promise<{ items: ApiTokenRecord[]; total: number }> {
  const [{ n }] = (await db('api_tokens').count({ n: 'id' })) as [{ n: number | string }];
  const rows = await db('api_tokens as t')
    .join('users as u', 'u.id', 't.user_id')
    .orderBy('t.id')
    .offset(offset)
    .limit(limit)
    .select(COLUMNS);
  return { items: rows.map(toRecord), total: Number(n) };
}

export async function revokeApiToken(db: Db, id: number): Promise<boolean> {
  const n = await db('api_tokens').where({ id }).whereNull('revoked_at').update({ revoked_at: new Date() });
  return n > 0;
}

// last_used_at is bookkeeping: write it at most once a minute per token, never on every request.
const LAST_USED_RESOLUTION_MS = 60_000;

/** The active user of an unrevoked token, or null. */
export async function userForToken(db: Db, token: string): Promise<AuthUser | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = await db('api_tokens as t')
    .join('users as u', 'u.id', 't.user_id')
    .leftJoin('agents as a', 'a.user_id', 'u.id')
    .where('t.token_hash', sha256(token))
    .whereNull('t.revoked_at')
    .first(
      't.id as token_id',
      't.last_used_at',
      'u.id',
      'u.username',
      'u.display_name',
      'u.role',
      'u.active',
      'a.id as agent_id',
    );
  if (!row || !row.active) return null;
  const last = toDate(row.last_used_at);
  if (!last || Date.now() - last.getTime() > LAST_USED_RESOLUTION_MS) {
    await db('api_tokens').where({ id: row.token_id }).update({ last_used_at: new Date() });
  }
  return {
    id: Number(row.id),
    username: String(row.username),
    displayName: String(row.display_name),
    role: row.role as Role,
    agentId: row.agent_id == null ? null : Number(row.agent_id),
  };
}
