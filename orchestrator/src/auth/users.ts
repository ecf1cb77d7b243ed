import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { endSessionsOf } from './sessions.js';
import { setSupervisedQueues, supervisedQueues, withQueueScope } from './supervision.js';
import type { AuthUser, Role } from './types.js';

export const ROLES: readonly Role[] = ['admin', 'supervisor', 'agent'];

export interface UserRecord {
  readonly id: number;
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly active: boolean;
  readonly agentId: number | null;
  /** The queues a supervisor supervises ([] for other roles). */
  readonly queueIds: readonly number[];
  /** Signs in with a second factor (auth/two-factor.ts). */
  readonly twoFactor: boolean;
  /** Passkeys they may sign in with (auth/passkeys.ts). */
  readonly passkeys: number;
  readonly createdAt: Date | null;
  readonly updatedAt: Date | null;
}

const USER_COLUMNS = [
  'u.id',
  'u.username',
  'u.display_name',
  'u.role',
  'u.active',
  'u.created_at',
  'u.updated_at',
  'u.totp_enabled_at',
  'a.id as agent_id',
];

function toRecord(row: Record<string, unknown>, queues: ReadonlyMap<number, number[]>): UserRecord {
  return {
    id: Number(row.id),
    username: String(row.username),
    displayName: String(row.display_name),
    role: row.role as Role,
    active: Boolean(row.active),
    agentId: row.agent_id == null ? null : Number(row.agent_id),
    queueIds: queues.get(Number(row.id)) ?? [],
    twoFactor: row.totp_enabled_at != null,
    passkeys: Number(row.passkeys ?? 0),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

export function toAuthUser(u: Pick<UserRecord, 'id' | 'username' | 'displayName' | 'role' | 'agentId'>): AuthUser {
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role, agentId: u.agentId };
}

function baseQuery(db: Db) {
  return db('users as u').leftJoin('agents as a', 'a.user_id', 'u.id');
}

const userColumns = (db: Db) => [
  ...USER_COLUMNS,
  db.raw('(select count(*) from passkeys p where p.user_id = u.id) as passkeys'),
];

export async function findUserById(db: Db, id: number): Promise<UserRecord | null> {
  const row = await baseQuery(db).where('u.id', id).first(userColumns(db));
  return row ? toRecord(row, await supervisedQueues(db, [id])) : null;
}

// A fixed hash to verify against when the username is unknown, so the answer time does not reveal which
// usernames exist.
let dummyHash: Promise<string> | null = null;

/** The user for a username and password, or null (unknown, inactive or wrong password: indistinguishable). */
export async function checkCredentials(db: Db, username: string, password: string): Promise<AuthUser | null> {
  const row = await baseQuery(db)
    .where('u.username', username)
    .first([...USER_COLUMNS, 'u.password_hash']);
  if (!row) {
    dummyHash ??= hashPassword('not-a-real-password');
    await verifyPassword(password, await dummyHash);
    return null;
  }
  const ok = await verifyPassword(password, String(row.password_hash));
  if (!ok || !row.active) return null;
  // Signing in answers with the same user /auth/me gives, a supervisor's queues included.
  return withQueueScope(db, toAuthUser(toRecord(row, new Map())));
}

export interface UserListFilter {
  readonly role?: Role;
  readonly q?: string;
  readonly offset: number;
  readonly limit: number;
}

export async function listUsers(db: Db, f: UserListFilter): Promise<{ items: UserRecord[]; total: number }> {
  const q = baseQuery(db);
  if (f.role) q.where('u.role', f.role);
  if (f.q) q.where((w) => w.where('u.username', 'like', `%${f.q}%`).orWhere('u.display_name', 'like', `%${f.q}%`));
  const [{ n }] = (await q.clone().count({ n: 'u.id' })) as [{ n: number | string }];
  const rows = (await q.orderBy('u.id').offset(f.offset).limit(f.limit).select(userColumns(db))) as Record<
    string,
    unknown
  >[];
  const queues = await supervisedQueues(
    db,
    rows.map((r) => Number(r.id)),
  );
  return { items: rows.map((r) => toRecord(r, queues)), total: Number(n) };
}

export interface NewUser {
  readonly username: string;
  readonly displayName: string;
  readonly password: string;
  readonly role: Role;
  readonly active?: boolean;
  /** Supervisors only: the queues they supervise. */
  readonly queueIds?: readonly number[];
}

export async function createUser(db: Db, u: NewUser): Promise<UserRecord> {
  const passwordHash = await hashPassword(u.password);
  const id = await db.transaction(async (trx) => {
    const [newId] = await trx('users').insert({
      username: u.username,
      display_name: u.displayName,
      password_hash: passwordHash,
      role: u.role,
      active: u.active ?? true,
    });
    if (u.queueIds?.length) await setSupervisedQueues(trx, Number(newId), u.queueIds);
    return newId;
  });
  const created = await findUserById(db, Number(id));
  if (!created) throw new Error(`user ${String(id)} vanished after insert`);
  return created;
}

export interface UserPatch {
  readonly displayName?: string;
  readonly password?: string;
  readonly role?: Role;
  readonly active?: boolean;
  /** Replaces the supervised queues; a role other than supervisor clears them. */
  readonly queueIds?: readonly number[];
}

export async function updateUser(db: Db, id: number, patch: UserPatch): Promise<UserRecord | null> {
  const changes: Record<string, unknown> = {};
  if (patch.displayName !== undefined) changes.display_name = patch.displayName;
  if (patch.role !== undefined) changes.role = patch.role;
  if (patch.active !== undefined) changes.active = patch.active;
  if (patch.password !== undefined) changes.password_hash = await hashPassword(patch.password);
  if (Object.keys(changes).length > 0) {
    changes.updated_at = new Date();
    const n = await db('users').where({ id }).update(changes);
    if (n === 0) return null;
  }
  if (patch.queueIds !== undefined) await setSupervisedQueues(db, id, patch.queueIds);
  else if (patch.role !== undefined && patch.role !== 'supervisor') await setSupervisedQueues(db, id, []);
  const user = await findUserById(db, id);
  // A deactivated user or a changed password ends every open session at once.
  if (user && (patch.active === false || patch.password !== undefined)) await endSessionsOf(db, id);
  return user;
}

/** Users are deactivated, not deleted, so the audit log keeps its actor. */
export async function deactivateUser(db: Db, id: number): Promise<boolean> {
  const n = await db('users').where({ id }).update({ active: false, updated_at: new Date() });
  await endSessionsOf(db, id);
  return n > 0;
}
