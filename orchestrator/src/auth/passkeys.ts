import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL } from '@simplewebauthn/server/helpers';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import { isDuplicateKey } from '../db/errors.js';
import { toDate } from '../db/time.js';
import { HttpError } from '../http/errors.js';
import { sha256 } from './sessions.js';
import type { AuthUser } from './types.js';

/**
 * Passkeys (WebAuthn): a user signs in by touching a security key or unlocking their device, with no password or
 * code. Credentials are discoverable and verified by the device (PIN or biometrics), so one passkey is both factors:
 * it satisfies a role that requires two-factor sign-in. The orchestrator keeps only public keys; each challenge it
 * hands out is kept hashed for five minutes and taken once.
 */

export const CHALLENGE_TTL_MS = 5 * 60_000;
export const MAX_PASSKEYS = 10;
/** Unused sign-in challenges kept at most: beyond this the endpoint answers 429 rather than fill the table. */
const MAX_OPEN_CHALLENGES = 10_000;
const RP_NAME = 'Ariadne';

/** Who the credentials belong to: the site's host name, and the origins a browser may sign in from. */
export interface RelyingParty {
  readonly id: string;
  readonly origins: readonly string[];
}

export interface Passkey {
  readonly id: number;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

type Purpose = 'register' | 'login';

const refused = (message: string) => new HttpError(400, 'bad_request', message);

async function issueChallenge(
  db: Db,
  purpose: Purpose,
  userId: number | null,
  now: Date,
): Promise<Uint8Array<ArrayBuffer>> {
  await db('webauthn_challenges').where('expires_at', '<', now).delete();
  if (purpose === 'login') {
    const [{ n }] = (await db('webauthn_challenges').where({ purpose }).count({ n: '*' })) as [{ n: number | string }];
    if (Number(n) >= MAX_OPEN_CHALLENGES)
      throw new HttpError(429, 'rate_limited', 'too many passkey sign-ins under way: try again in a few minutes');
  }
  // A user starting again replaces their last registration challenge.
  if (userId !== null) await db('webauthn_challenges').where({ purpose, user_id: userId }).delete();
  // Kept as the base64url the browser signs and sends back in its client data.
  const challenge = isoBase64URL.fromBuffer(new Uint8Array(randomBytes(32)));
  await db('webauthn_challenges').insert({
    challenge_hash: sha256(challenge),
    purpose,
    user_id: userId,
    expires_at: new Date(now.getTime() + CHALLENGE_TTL_MS),
  });
  return isoBase64URL.toBuffer(challenge);
}

/**
 * Takes the challenge the browser signed (read from its client data) if this server issued it for `purpose` and it
 * has not expired or been used; false otherwise. Taken either way, so it is never tried twice.
 */
async function takeChallenge(
  db: Db,
  clientDataJSON: string,
  purpose: Purpose,
  userId: number | null,
  now: Date,
): Promise<string | null> {
  let challenge: string;
  try {
    challenge = decodeClientDataJSON(clientDataJSON).challenge;
  } catch {
    return null;
  }
  const q = db('webauthn_challenges')
    .where({ challenge_hash: sha256(challenge), purpose })
    .where('expires_at', '>', now);
  if (userId !== null) q.where({ user_id: userId });
  return (await q.delete()) === 1 ? challenge : null;
}

export async function listPasskeys(db: Db | Knex.Transaction, userId: number): Promise<Passkey[]> {
  const rows = (await db('passkeys')
    .where({ user_id: userId })
    .orderBy('id')
    .select('id', 'name', 'created_at', 'last_used_at')) as Record<string, unknown>[];
  return rows.map((r) => ({
    id: Number(r.id),
    name: String(r.name),
    createdAt: toDate(r.created_at)?.toISOString() ?? '',
    lastUsedAt: toDate(r.last_used_at)?.toISOString() ?? null,
  }));
}

export async function hasPasskey(db: Db, userId: number): Promise<boolean> {
  return (await db('passkeys').where({ user_id: userId }).first('id')) !== undefined;
}

/** What the browser needs to create a passkey for `user` (navigator.credentials.create). */
export async function registrationOptions(
  db: Db,
  user: AuthUser,
  rp: RelyingParty,
  now: Date,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = (await db('passkeys').where({ user_id: user.id }).select('credential_id', 'transports')) as {
    credential_id: string;
    transports: string | null;
  }[];
  if (existing.length >= MAX_PASSKEYS)
    throw new HttpError(409, 'conflict', `at most ${MAX_PASSKEYS} passkeys: remove one first`);
  return generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: rp.id,
    userName: user.username,
    userDisplayName: user.displayName,
    userID: isoBase64URL.toBuffer(userHandle(user.id)),
    challenge: await issueChallenge(db, 'register', user.id, now),
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.credential_id, transports: transportsOf(c.transports) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
}

/** The user handle a passkey carries (base64url, as the browser returns it): not a bare database id. */
const userHandle = (userId: number): string => isoBase64URL.fromUTF8String(`ariadne:${userId}`);

const transportsOf = (stored: string | null): string[] | undefined =>
  stored ? stored.split(',').filter(Boolean) : undefined;

/** Keeps the passkey the browser created, after checking it answers this server's challenge for this user. */
export async function addPasskey(
  db: Db,
  user: AuthUser,
  name: string,
  response: RegistrationResponseJSON,
  rp: RelyingParty,
  now: Date,
): Promise<Passkey> {
  const challenge = await takeChallenge(db, response.response.clientDataJSON, 'register', user.id, now);
  if (!challenge) throw refused('the passkey answers no challenge of yours that is still open: start again');
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch (err) {
    throw refused(`the passkey was not accepted: ${(err as Error).message}`);
  }
  if (!verified.verified) throw refused('the passkey was not accepted');
  const { credential } = verified.registrationInfo;
  try {
    await db('passkeys').insert({
      user_id: user.id,
      credential_id: credential.id,
      public_key: isoBase64URL.fromBuffer(credential.publicKey),
      counter: credential.counter,
      transports: credential.transports?.join(',').slice(0, 128) ?? null,
      name,
      created_at: now,
    });
  } catch (err) {
    if (isDuplicateKey(err)) throw new HttpError(409, 'conflict', 'this passkey is already registered');
    throw err;
  }
  return (await listPasskeys(db, user.id)).at(-1)!;
}

export async function removePasskey(db: Db, userId: number, id: number): Promise<boolean> {
  return (await db('passkeys').where({ user_id: userId, id }).delete()) > 0;
}

/** Removes every passkey of the user (an admin's reset); how many there were. */
export async function removePasskeysOf(db: Db, userId: number): Promise<number> {
  return db('passkeys').where({ user_id: userId }).delete();
}

/** What the browser needs to sign in with any passkey of this site (navigator.credentials.get). */
export async function signInOptions(
  db: Db,
  rp: RelyingParty,
  now: Date,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    userVerification: 'required',
    challenge: await issueChallenge(db, 'login', null, now),
  });
}

/**
 * The user a passkey sign-in is for, or null (an unknown passkey, a challenge not ours or used, a signature or
 * counter that does not check out). Marks the passkey used.
 */
export async function verifySignIn(
  db: Db,
  response: AuthenticationResponseJSON,
  rp: RelyingParty,
  now: Date,
): Promise<{ userId: number; passkeyId: number } | null> {
  const challenge = await takeChallenge(db, response.response.clientDataJSON, 'login', null, now);
  if (!challenge) return null;
  const row = (await db('passkeys').where({ credential_id: response.id }).first()) as
    Record<string, unknown> | undefined;
  if (!row) return null;
  // The account the device says the passkey is for must be the one it is registered to.
  const handle = response.response.userHandle;
  if (handle && handle !== userHandle(Number(row.user_id))) return null;
  try {
    const { verified, authenticationInfo } = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      credential: {
        id: String(row.credential_id),
        publicKey: isoBase64URL.toBuffer(String(row.public_key)),
        counter: Number(row.counter),
        transports: transportsOf(row.transports == null ? null : String(row.transports)),
      },
      requireUserVerification: true,
    });
    if (!verified) return null;
    await db('passkeys').where({ id: row.id }).update({ counter: authenticationInfo.newCounter, last_used_at: now });
    return { userId: Number(row.user_id), passkeyId: Number(row.id) };
  } catch {
    // A counter gone backwards (a cloned key), a bad signature, a malformed response: all a refused sign-in.
    return null;
  }
}
