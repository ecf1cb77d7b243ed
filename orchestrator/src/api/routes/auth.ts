import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { writeAudit } from '../../auth/audit.js';
import {
  addPasskey,
  hasPasskey,
  listPasskeys,
  registrationOptions,
  removePasskey,
  signInOptions,
  verifySignIn,
  type RelyingParty,
} from '../../auth/passkeys.js';
import { createSession, deleteSession, SESSION_COOKIE, SESSION_TTL_MS } from '../../auth/sessions.js';
import { createApiToken, listApiTokens, revokeApiToken, type ApiTokenRecord } from '../../auth/tokens.js';
import {
  checkSecondFactor,
  confirmSetup,
  disableTwoFactor,
  replaceRecoveryCodes,
  startSetup,
  twoFactorStatus,
} from '../../auth/two-factor.js';
import type { AuthUser } from '../../auth/types.js';
import { checkCredentials, findUserById, toAuthUser, updateUser } from '../../auth/users.js';
import { withQueueScope } from '../../auth/supervision.js';
import { bearerToken, readCookie } from '../../auth/middleware.js';
import { HttpError, notFound } from '../../http/errors.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { idParam, offsetOf, pageOf, pageQuery, paged } from '../validation.js';
import { ADMIN } from './common.js';

const authUserSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(['admin', 'supervisor', 'agent']),
  agentId: z.number().int().nullable(),
  twoFactorSetupRequired: z.boolean().optional(),
});

const loginBody = z
  .object({
    username: z.string().trim().min(1, 'required').max(64),
    password: z.string().min(1, 'required').max(1024),
    /** The second factor, when the user has one: a 6-digit code from the app or a recovery code. */
    code: z.string().trim().max(64).optional(),
  })
  .strict();

const passwordBody = z.object({ password: z.string().min(1, 'required').max(1024) }).strict();
const codeBody = z.object({ code: z.string().trim().min(1, 'required').max(64) }).strict();
const recoveryCodesOut = z.object({ recoveryCodes: z.array(z.string()) });

function wrongPassword(): HttpError {
  return new HttpError(400, 'validation_failed', 'body.password: wrong password', [
    { in: 'body', field: 'password', reason: 'wrong password' },
  ]);
}

function wrongCode(): HttpError {
  return new HttpError(400, 'validation_failed', 'body.code: wrong code', [
    { in: 'body', field: 'code', reason: 'wrong code' },
  ]);
}

/** Secure when the request came over https (directly or via a trusted proxy) or the public URL is https. */
function isSecure(req: Request, deps: ApiDeps): boolean {
  return req.secure || (deps.config.http.publicUrl?.startsWith('https://') ?? false);
}

/**
 * The relying party passkeys belong to: the public URL's host when set (behind a proxy the browser's origin is that),
 * else the host the browser asked for. A passkey made for one host name never signs in at another.
 */
function relyingParty(req: Request, deps: ApiDeps): RelyingParty {
  const publicUrl = deps.config.http.publicUrl;
  if (publicUrl) {
    const url = new URL(publicUrl);
    return { id: url.hostname, origins: [url.origin] };
  }
  return { id: req.hostname, origins: [`${req.protocol}://${req.get('host') ?? req.hostname}`] };
}

/**
 * A credential as the browser's JSON gives it (@simplewebauthn/browser); its parts are checked cryptographically by
 * the verification, so only its shape is checked here.
 */
const credentialJson = z
  .object({
    id: z.string().min(1).max(1024),
    rawId: z.string().min(1).max(1024),
    type: z.literal('public-key'),
    response: z.looseObject({ clientDataJSON: z.string().min(1).max(16_384) }),
    clientExtensionResults: z.looseObject({}).default({}),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  })
  .loose();

const passkeySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

function setSessionCookie(req: Request, res: Response, deps: ApiDeps, id: string, expires: Date): void {
  res.cookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: isSecure(req, deps), path: '/', expires });
}

const tokenSchema = z.object({
  id: z.number().int(),
  userId: z.number().int(),
  username: z.string(),
  name: z.string(),
  createdAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

function tokenOut(t: ApiTokenRecord) {
  return {
    ...t,
    createdAt: t.createdAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}

export function authRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  return [
    route({
      method: 'post',
      path: '/auth/login',
      tag: 'auth',
      summary:
        'Sign in with username and password (and the second factor, if the user has one); sets the ariadne_session cookie. ' +
        'A user with two-factor sign-in who sent no code gets {twoFactorRequired: true} and no session.',
      roles: 'public',
      body: loginBody,
      response: z.union([
        z.object({ user: authUserSchema, expiresAt: z.string() }),
        z.object({ twoFactorRequired: z.literal(true) }),
      ]),
      // Written here: the attempts that end without a session have their own actions.
      audit: null,
      async handler({ req, res, body }) {
        const audit = (user: AuthUser | null, action: string) =>
          writeAudit(db, {
            user,
            actor: user?.username ?? body.username,
            action,
            targetType: 'user',
            targetId: user?.id ?? null,
            details: user ? { username: user.username } : undefined,
            ip: req.ip ?? null,
          });
        const user = await checkCredentials(db, body.username, body.password);
        if (!user) {
          await audit(null, 'auth.login_failed');
          throw new HttpError(401, 'unauthenticated', 'wrong username or password');
        }
        const twoFactor = await twoFactorStatus(db, user.id);
        if (twoFactor.enabled) {
          if (!body.code) return { twoFactorRequired: true as const };
          const check = await checkSecondFactor(db, user, body.code);
          if (check !== 'ok') {
            await audit(user, check === 'locked' ? 'auth.login_locked' : 'auth.login_failed');
            if (check === 'locked')
              throw new HttpError(
                429,
                'rate_limited',
                'too many wrong codes: two-factor sign-in is locked for a while',
              );
            throw new HttpError(401, 'unauthenticated', 'wrong two-factor code');
          }
        }
        const required = !twoFactor.enabled && deps.config.twoFactorRequiredFor.includes(user.role);
        // A passkey is their second factor: a password alone must not do instead.
        if (required && (await hasPasskey(db, user.id))) {
          await audit(user, 'auth.login_failed');
          throw new HttpError(
            401,
            'unauthenticated',
            `the ${user.role} role signs in with a second factor: sign in with your passkey`,
          );
        }
        const setupRequired = required;
        const session = await createSession(db, user.id, SESSION_TTL_MS, { setupRequired });
        setSessionCookie(req, res, deps, session.id, session.expiresAt);
        const signedIn: AuthUser = setupRequired ? { ...user, twoFactorSetupRequired: true } : user;
        res.locals.user = signedIn;
        await audit(signedIn, 'auth.login');
        return { user: signedIn, expiresAt: session.expiresAt.toISOString() };
      },
    }),
    route({
      method: 'post',
      path: '/auth/logout',
      tag: 'auth',
      summary: 'End the current session and clear the cookie',
      roles: 'any',
      status: 204,
      audit: { action: 'auth.logout', targetType: 'user' },
      async handler({ req, res, user, auditTarget }) {
        const session = readCookie(req.headers.cookie, SESSION_COOKIE);
        if (session) await deleteSession(db, session);
        res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: isSecure(req, deps), path: '/' });
        auditTarget(user.id);
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/auth/me',
      tag: 'auth',
      summary: 'The signed-in user',
      roles: 'any',
      response: z.object({ user: authUserSchema }),
      async handler({ user }) {
        return { user };
      },
    }),

    route({
      method: 'post',
      path: '/auth/password',
      tag: 'auth',
      summary: 'Change your own password; every session ends and this one is renewed',
      roles: 'any',
      body: z
        .object({
          currentPassword: z.string().min(1, 'required').max(1024),
          newPassword: z.string().min(8, 'at least 8 characters').max(1024),
        })
        .strict(),
      status: 204,
      audit: { action: 'auth.password_change', targetType: 'user' },
      async handler({ req, res, body, user, auditTarget }) {
        const ok = await checkCredentials(db, user.username, body.currentPassword);
        if (!ok) {
          throw new HttpError(400, 'validation_failed', 'body.currentPassword: wrong password', [
            { in: 'body', field: 'currentPassword', reason: 'wrong password' },
          ]);
        }
        await updateUser(db, user.id, { password: body.newPassword });
        if (!bearerToken(req.headers.authorization)) {
          // A session still owing its second factor stays one: a new password is not a second factor.
          const session = await createSession(db, user.id, SESSION_TTL_MS, {
            setupRequired: user.twoFactorSetupRequired ?? false,
          });
          setSessionCookie(req, res, deps, session.id, session.expiresAt);
        }
        auditTarget(user.id, {});
        return undefined;
      },
    }),

    // --- Two-factor sign-in --------------------------------------------------------------------------------------
    route({
      method: 'get',
      path: '/auth/two-factor',
      tag: 'auth',
      summary:
        'Whether your sign-in has a second factor (the authenticator app: `enabled`; `passkeys`, how many), whether your role requires one, and recovery codes left',
      roles: 'any',
      response: z.object({
        enabled: z.boolean(),
        required: z.boolean(),
        recoveryCodesLeft: z.number().int(),
        passkeys: z.number().int(),
      }),
      async handler({ user }) {
        const status = await twoFactorStatus(db, user.id);
        const passkeys = (await listPasskeys(db, user.id)).length;
        return { ...status, required: deps.config.twoFactorRequiredFor.includes(user.role), passkeys };
      },
    }),
    route({
      method: 'post',
      path: '/auth/two-factor/setup',
      tag: 'auth',
      summary:
        'Start setting up two-factor sign-in (your password again): a new secret as a QR code for an authenticator app. ' +
        'Nothing changes until /auth/two-factor/enable confirms a code from it.',
      roles: 'any',
      body: passwordBody,
      response: z.object({ secret: z.string(), otpauthUrl: z.string(), qrSvg: z.string() }),
      audit: { action: 'auth.two_factor_setup', targetType: 'user' },
      async handler({ body, user, auditTarget }) {
        if (!(await checkCredentials(db, user.username, body.password))) throw wrongPassword();
        auditTarget(user.id, {});
        return startSetup(db, user);
      },
    }),
    route({
      method: 'post',
      path: '/auth/two-factor/enable',
      tag: 'auth',
      summary:
        'Turn two-factor sign-in on with a code from the new secret; answers with ten single-use recovery codes, shown once',
      roles: 'any',
      body: codeBody,
      response: recoveryCodesOut,
      audit: { action: 'auth.two_factor_enable', targetType: 'user' },
      async handler({ body, user, auditTarget }) {
        const result = await confirmSetup(db, user, body.code);
        if (!result.ok) {
          if (result.reason === 'no_setup')
            throw new HttpError(
              409,
              'conflict',
              'start with /auth/two-factor/setup: there is no new secret to confirm',
            );
          throw wrongCode();
        }
        auditTarget(user.id, {});
        return { recoveryCodes: result.recoveryCodes };
      },
    }),
    route({
      method: 'post',
      path: '/auth/two-factor/recovery-codes',
      tag: 'auth',
      summary: 'New recovery codes (a current code from the app, or a recovery code); the old ones stop working',
      roles: 'any',
      body: codeBody,
      response: recoveryCodesOut,
      audit: { action: 'auth.recovery_codes', targetType: 'user' },
      async handler({ body, user, auditTarget }) {
        if (!(await twoFactorStatus(db, user.id)).enabled)
          throw new HttpError(409, 'conflict', 'two-factor sign-in is not on');
        const check = await checkSecondFactor(db, user, body.code);
        if (check === 'locked') throw new HttpError(429, 'rate_limited', 'too many wrong codes: try again later');
        if (check === 'wrong') throw wrongCode();
        auditTarget(user.id, {});
        return { recoveryCodes: await replaceRecoveryCodes(db, user.id) };
      },
    }),
    route({
      method: 'post',
      path: '/auth/two-factor/disable',
      tag: 'auth',
      summary: 'Turn your two-factor sign-in off (your password again); refused when your role requires it',
      roles: 'any',
      body: passwordBody,
      status: 204,
      audit: { action: 'auth.two_factor_disable', targetType: 'user' },
      async handler({ body, user, auditTarget }) {
        if (deps.config.twoFactorRequiredFor.includes(user.role))
          throw new HttpError(403, 'forbidden', `the ${user.role} role signs in with a second factor`);
        if (!(await checkCredentials(db, user.username, body.password))) throw wrongPassword();
        if (!(await disableTwoFactor(db, user.id)))
          throw new HttpError(409, 'conflict', 'two-factor sign-in is not on');
        auditTarget(user.id, {});
        return undefined;
      },
    }),

    // --- Passkeys ------------------------------------------------------------------------------------------------
    route({
      method: 'post',
      path: '/auth/passkey-login/options',
      tag: 'auth',
      summary:
        'Start signing in with a passkey: WebAuthn request options with a one-time challenge (five minutes), for navigator.credentials.get',
      roles: 'public',
      audit: null,
      async handler({ req }) {
        return signInOptions(db, relyingParty(req, deps), deps.now());
      },
    }),
    route({
      method: 'post',
      path: '/auth/passkey-login',
      tag: 'auth',
      summary:
        "Sign in with a passkey: the browser's answer to the challenge; sets the ariadne_session cookie. A passkey is verified by its device, so it is both factors",
      roles: 'public',
      body: z.object({ credential: credentialJson }).strict(),
      response: z.object({ user: authUserSchema, expiresAt: z.string() }),
      audit: null,
      async handler({ req, res, body }) {
        const now = deps.now();
        const found = await verifySignIn(
          db,
          body.credential as unknown as AuthenticationResponseJSON,
          relyingParty(req, deps),
          now,
        );
        const record = found && (await findUserById(db, found.userId));
        if (!found || !record?.active) {
          await writeAudit(db, {
            user: null,
            actor: record?.username ?? 'passkey',
            action: 'auth.login_failed',
            targetType: 'user',
            targetId: record?.id ?? null,
            details: { method: 'passkey' },
            ip: req.ip ?? null,
          });
          throw new HttpError(401, 'unauthenticated', 'that passkey does not sign in here');
        }
        const user = await withQueueScope(db, toAuthUser(record));
        const session = await createSession(db, user.id, SESSION_TTL_MS);
        setSessionCookie(req, res, deps, session.id, session.expiresAt);
        res.locals.user = user;
        await writeAudit(db, {
          user,
          actor: user.username,
          action: 'auth.login',
          targetType: 'user',
          targetId: user.id,
          details: { username: user.username, method: 'passkey', passkeyId: found.passkeyId },
          ip: req.ip ?? null,
        });
        return { user, expiresAt: session.expiresAt.toISOString() };
      },
    }),
    route({
      method: 'get',
      path: '/auth/passkeys',
      tag: 'auth',
      summary: 'Your passkeys',
      roles: 'any',
      response: z.object({ items: z.array(passkeySchema) }),
      async handler({ user }) {
        return { items: await listPasskeys(db, user.id) };
      },
    }),
    route({
      method: 'post',
      path: '/auth/passkeys/options',
      tag: 'auth',
      summary:
        'Start adding a passkey (your password again): WebAuthn creation options with a one-time challenge, for navigator.credentials.create',
      roles: 'any',
      body: passwordBody,
      // Only a challenge: adding the passkey is what is audited.
      audit: null,
      async handler({ req, body, user }) {
        if (!(await checkCredentials(db, user.username, body.password))) throw wrongPassword();
        return registrationOptions(db, user, relyingParty(req, deps), deps.now());
      },
    }),
    route({
      method: 'post',
      path: '/auth/passkeys',
      tag: 'auth',
      summary:
        'Keep the passkey the browser created for the challenge, under a name ("YubiKey", "work laptop"); it then signs you in, and satisfies a role that requires two-factor sign-in',
      roles: 'any',
      body: z.object({ name: z.string().trim().min(1, 'required').max(64), credential: credentialJson }).strict(),
      response: passkeySchema,
      status: 201,
      audit: { action: 'auth.passkey_add', targetType: 'user' },
      async handler({ req, body, user, auditTarget }) {
        const now = deps.now();
        const passkey = await addPasskey(
          db,
          user,
          body.name,
          body.credential as unknown as RegistrationResponseJSON,
          relyingParty(req, deps),
          now,
        );
        // A session that had to set up a second factor has one now.
        await db('sessions').where({ user_id: user.id }).update({ setup_required: false });
        auditTarget(user.id, { passkeyId: passkey.id, name: passkey.name });
        return passkey;
      },
    }),
    route({
      method: 'delete',
      path: '/auth/passkeys/:id',
      tag: 'auth',
      summary:
        'Remove one of your passkeys; refused for the last one when your role requires a second factor and you have no authenticator app',
      roles: 'any',
      params: idParam,
      status: 204,
      audit: { action: 'auth.passkey_remove', targetType: 'user' },
      async handler({ params, user, auditTarget }) {
        // As turning the app off is refused to such a role: the last second factor is not given up from the inside.
        if (
          deps.config.twoFactorRequiredFor.includes(user.role) &&
          !(await twoFactorStatus(db, user.id)).enabled &&
          (await listPasskeys(db, user.id)).every((p) => p.id === params.id)
        )
          throw new HttpError(
            403,
            'forbidden',
            `the ${user.role} role signs in with a second factor: add another passkey or set up the authenticator app first`,
          );
        if (!(await removePasskey(db, user.id, params.id))) throw notFound(`passkey ${params.id}`);
        auditTarget(user.id, { passkeyId: params.id });
        return undefined;
      },
    }),

    // --- API tokens ---------------------------------------------------------------------------------------------
    route({
      method: 'get',
      path: '/tokens',
      tag: 'tokens',
      summary: 'List API tokens (never the secrets)',
      roles: ADMIN,
      query: pageQuery,
      response: paged(tokenSchema),
      async handler({ query }) {
        const { offset, limit } = offsetOf(query);
        const found = await listApiTokens(db, offset, limit);
        return pageOf(query, { items: found.items.map(tokenOut), total: found.total });
      },
    }),
    route({
      method: 'post',
      path: '/tokens',
      tag: 'tokens',
      summary: 'Create an API token for a user (default: yourself); the secret is shown once',
      roles: ADMIN,
      body: z
        .object({ name: z.string().trim().min(1, 'required').max(128), userId: z.number().int().positive().optional() })
        .strict(),
      response: tokenSchema.extend({ token: z.string() }),
      status: 201,
      audit: { action: 'token.create', targetType: 'api_token' },
      async handler({ body, user, auditTarget }) {
        const ownerId = body.userId ?? user.id;
        const owner = await findUserById(db, ownerId);
        if (!owner)
          throw new HttpError(400, 'validation_failed', `body.userId: no user ${ownerId}`, [
            { in: 'body', field: 'userId', reason: 'no such user' },
          ]);
        const { token, record } = await createApiToken(db, ownerId, body.name);
        auditTarget(record.id, { name: body.name, userId: ownerId });
        return { ...tokenOut(record), token };
      },
    }),
    route({
      method: 'delete',
      path: '/tokens/:id',
      tag: 'tokens',
      summary: 'Revoke an API token',
      roles: ADMIN,
      params: idParam,
      status: 204,
      audit: { action: 'token.revoke', targetType: 'api_token' },
      async handler({ params }) {
        if (!(await revokeApiToken(db, params.id))) throw notFound(`active token ${params.id}`);
        return undefined;
      },
    }),
  ];
}
