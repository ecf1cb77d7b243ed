import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';
import { sha256 } from './sessions.js';

/**
 * Two-factor sign-in with TOTP (RFC 6238: 6 digits, 30 s, SHA-1, what every authenticator app reads from a QR
 * code) and single-use recovery codes for a lost phone.
 */

const ISSUER = 'Ariadne';
const PERIOD_S = 30;
/** One step either side: a phone clock 30 s off, or a code typed as it rolled over, still signs in. */
const WINDOW = 1;
const RECOVERY_CODES = 10;
/** Wrong codes in a row before the second step is locked for a while: 10^6 codes are too few to leave open. */
export const MAX_FAILURES = 5;
export const LOCK_MS = 15 * 60_000;

export interface TwoFactorStatus {
  readonly enabled: boolean;
  readonly recoveryCodesLeft: number;
}

export interface TwoFactorSetup {
  /** Base32, for typing into an app that cannot scan. */
  readonly secret: string;
  readonly otpauthUrl: string;
  /** The otpauth URL as an SVG QR code. */
  readonly qrSvg: string;
}

export type SecondFactorCheck = 'ok' | 'wrong' | 'locked';

function totp(secretBase32: string, username: string): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label: username,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_S,
    secret: Secret.fromBase32(secretBase32),
  });
}

const TOTP_CODE = /^\d{6}$/;

/** What people type: spaces and dashes in either kind of code, upper-case recovery codes. */
function normalise(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

/** The time step a valid code belongs to, or null. */
function acceptedStep(secretBase32: string, username: string, code: string, now: Date): number | null {
  const t = totp(secretBase32, username);
  const delta = t.validate({ token: code, timestamp: now.getTime(), window: WINDOW });
  return delta === null ? null : t.counter({ timestamp: now.getTime() }) + delta;
}

export async function twoFactorStatus(db: Db, userId: number): Promise<TwoFactorStatus> {
  const row = await db('users').where({ id: userId }).first('totp_enabled_at');
  const [{ n }] = (await db('recovery_codes').where({ user_id: userId }).whereNull('used_at').count({ n: '*' })) as [
    { n: number | string },
  ];
  return { enabled: row?.totp_enabled_at != null, recoveryCodesLeft: Number(n) };
}

/** A fresh secret, kept aside until a code from it is confirmed: the enabled one (if any) goes on working. */
export async function startSetup(db: Db, user: { id: number; username: string }): Promise<TwoFactorSetup> {
  const secret = new Secret({ size: 20 }).base32;
  await db('users').where({ id: user.id }).update({ totp_pending_secret: secret });
  const otpauthUrl = totp(secret, user.username).toString();
  const qrSvg = await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, otpauthUrl, qrSvg };
}

export type SetupResult =
  | { readonly ok: true; readonly recoveryCodes: readonly string[] }
  | { readonly ok: false; readonly reason: 'no_setup' | 'wrong_code' };

/**
 * Turns two-factor on once a code from the pending secret checks out. The user's sessions that were only allowed
 * to set it up become full sessions; the recovery codes are returned once and stored only as hashes.
 */
export async function confirmSetup(
  db: Db,
  user: { id: number; username: string },
  code: string,
  now = new Date(),
): Promise<SetupResult> {
  const row = await db('users').where({ id: user.id }).first('totp_pending_secret');
  const pending = row?.totp_pending_secret as string | null | undefined;
  if (!pending) return { ok: false, reason: 'no_setup' };
  const step = TOTP_CODE.test(normalise(code)) ? acceptedStep(pending, user.username, normalise(code), now) : null;
  if (step === null) return { ok: false, reason: 'wrong_code' };
  const recoveryCodes = await db.transaction(async (trx) => {
    await trx('users').where({ id: user.id }).update({
      totp_secret: pending,
      totp_pending_secret: null,
      totp_enabled_at: now,
      totp_last_step: step,
      totp_failures: 0,
      totp_locked_until: null,
    });
    await trx('sessions').where({ user_id: user.id }).update({ setup_required: false });
    return replaceRecoveryCodes(trx, user.id);
  });
  return { ok: true, recoveryCodes };
}

function newRecoveryCode(): string {
  const raw = randomBytes(8).toString('hex'); // 64 bits
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8, 12)}-${raw.slice(12)}`;
}

/** New recovery codes; the old ones stop working. */
export async function replaceRecoveryCodes(db: Db, userId: number): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await db('recovery_codes').where({ user_id: userId }).delete();
  await db('recovery_codes').insert(codes.map((c) => ({ user_id: userId, code_hash: sha256(normalise(c)) })));
  return codes;
}

/**
 * The second step of a sign-in: a TOTP code from the enabled secret, good once (a step at or before the last
 * accepted one is refused, so an overheard code cannot be replayed), or an unused recovery code. Wrong codes
 * count towards a short lock, whichever kind was tried.
 */
export async function checkSecondFactor(
  db: Db,
  user: { id: number; username: string },
  code: string,
  now = new Date(),
): Promise<SecondFactorCheck> {
  const row = await db('users').where({ id: user.id }).first('totp_secret', 'totp_failures', 'totp_locked_until');
  if (!row?.totp_secret) return 'wrong';
  const lockedUntil = toDate(row.totp_locked_until);
  if (lockedUntil && lockedUntil.getTime() > now.getTime()) return 'locked';

  const typed = normalise(code);
  let accepted = false;
  if (TOTP_CODE.test(typed)) {
    const step = acceptedStep(String(row.totp_secret), user.username, typed, now);
    // The conditional update decides between two sign-ins racing with the same code.
    accepted =
      step !== null &&
      (await db('users')
        .where({ id: user.id })
        .where((w) => w.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
        .update({ totp_last_step: step, totp_failures: 0, totp_locked_until: null })) === 1;
  } else if (typed.length > 0 && typed.length <= 64) {
    accepted =
      (await db('recovery_codes')
        .where({ user_id: user.id, code_hash: sha256(typed) })
        .whereNull('used_at')
        .update({ used_at: now })) === 1;
    if (accepted) await db('users').where({ id: user.id }).update({ totp_failures: 0, totp_locked_until: null });
  }
  if (accepted) return 'ok';

  const failures = Number(row.totp_failures ?? 0) + 1;
  await db('users')
    .where({ id: user.id })
    .update(
      failures >= MAX_FAILURES
        ? { totp_failures: 0, totp_locked_until: new Date(now.getTime() + LOCK_MS) }
        : { totp_failures: failures },
    );
  return failures >= MAX_FAILURES ? 'locked' : 'wrong';
}

/** Two-factor off: the secret, any pending one, the lock and the recovery codes go. */
export async function disableTwoFactor(db: Db, userId: number): Promise<boolean> {
  return db.transaction(async (trx) => {
    const n = await trx('users').where({ id: userId }).whereNotNull('totp_enabled_at').update({
      totp_secret: null,
      totp_pending_secret: null,
      totp_enabled_at: null,
      totp_last_step: null,
      totp_failures: 0,
      totp_locked_until: null,
    });
    await trx('recovery_codes').where({ user_id: userId }).delete();
    return n > 0;
  });
}
