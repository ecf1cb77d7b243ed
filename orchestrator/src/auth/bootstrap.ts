import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { createUser } from './users.js';

export type BootstrapResult = 'created' | 'admin_exists' | 'no_password';

/**
 * A fresh production database has no users, and every user is created through the API by an admin: the first
 * admin comes from ARIADNE_ADMIN_PASSWORD (user `admin`), once, when no active admin exists. Never overwrites.
 */
export async function ensureBootstrapAdmin(db: Db, password: string | undefined, log: Logger): Promise<BootstrapResult> {
  const admin = await db('users').where({ role: 'admin', active: true }).first('id');
  if (admin) return 'admin_exists';
  if (!password) {
    log.warn('no admin user exists: set ARIADNE_ADMIN_PASSWORD (at least 12 characters) and restart to create user "admin"');
    return 'no_password';
  }
  const taken = await db('users').where({ username: 'admin' }).first('id');
  if (taken) {
    log.warn('no active admin, but a user named "admin" exists: reactivate or promote it through the database');
    return 'no_password';
  }
  await createUser(db, { username: 'admin', displayName: 'Administrator', password, role: 'admin' });
  await db('audit_log').insert({ at: new Date(), actor: 'system', action: 'user.bootstrap_admin', target_type: 'user', target_id: 'admin' });
  log.info('created user "admin" from ARIADNE_ADMIN_PASSWORD; change the password after the first login');
  return 'created';
}
