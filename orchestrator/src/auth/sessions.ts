import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';
import type { AuthUser, Role } from './types.js';

export const SESSION_COOKIE = 'ariadne_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Session ids and API tokens are stored only as their SHA-256: a leaked table gives no usable credential. */
export function sha256(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function newSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export async function createSession(
  db: Db,
  userId: number,
  ttlMs = SESSION_TTL_MS,
  options: { setupRequired?: boolean } = {},
): Promise<{ id: string; expiresAt: Date }> {
  const id = newSecret();
  const expiresAt = new Date(Date.now() + ttlMs);
  await db('sessions').insert({
    id_hash: sha256(id),
    user_id: userId,
    expires_at: expiresAt,
    created_at: new Date(),
    setup_required: options.setupRequired ?? false,
  });
  return { id, expiresAt };
}

function rowToUser(row: Record<string, unknown>): AuthUser {
  return {
    id: Number(row.id),
    username: String(row.username),
    displayName: String(row.display_name),
    role: row.role as Role,
    agentId: row.agent_id == null ? null : Number(row.agent_id),
  };
}

/** The active user of an unexpired session, or null. One indexed read (primary key + join). */
export async function userForSession(db: Db, sessionId: string): Promise<AuthUser | null> {
  if (!sessionId || sessionId.length > 200) return null;
  const row = await db('sessions as s')
    .join('users as u', 'u.id', 's.user_id')
    .leftJoin('agents as a', 'a.user_id', 'u.id')
    .where('s.id_hash', sha256(sessionId))
    .first(
      'u.id',
      'u.username',
      'u.display_name',
      'u.role',
      'u.active',
      'a.id as agent_id',
      's.expires_at',
      's.setup_required',
    );
  if (!row || !row.active) return null;
  const expires = toDate(row.expires_at);
  if (!expires || expires.getTime() <= Date.now()) return null;
  const user = rowToUser(row);
  return row.setup_required ? { ...user, twoFactorSetupRequired: true } : user;
}

export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db('sessions')
    .where({ id_hash: sha256(sessionId) })
    .delete();
}

/** Every session of a user ends (deactivated, new password, second factor reset). */
export async function endSessionsOf(db: Db, userId: number): Promise<void> {
  await db('sessions').where({ user_id: userId }).delete();
}

export async function purgeExpiredSessions(db: Db, now = new Date()): Promise<number> {
  return db('sessions').where('expires_at', '<', now).delete();
}
