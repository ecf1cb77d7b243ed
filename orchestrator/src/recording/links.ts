import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived signed playback links: `?exp=<unix seconds>&sig=<base64url HMAC-SHA256(secret, "rec-audio:<id>:<exp>")>`.
 * Secrets are derived from the recording master keys (every orchestrator sharing the key ring accepts the
 * link; a key rotation leaves links signed with the previous key valid until they expire).
 */
export const MAX_LINK_TTL_SECONDS = 24 * 3600;

function mac(secret: Buffer, id: string, exp: number): Buffer {
  return createHmac('sha256', secret).update(`rec-audio:${id}:${exp}`).digest();
}

export function signLink(secrets: readonly Buffer[], id: string, exp: number): string {
  const first = secrets[0];
  if (!first) throw new Error('no link secret');
  return mac(first, id, exp).toString('base64url');
}

export type LinkCheck = 'valid' | 'expired' | 'invalid';

export function verifyLink(secrets: readonly Buffer[], id: string, expRaw: unknown, sigRaw: unknown, nowMs = Date.now()): LinkCheck {
  if (typeof expRaw !== 'string' || typeof sigRaw !== 'string' || !/^\d{1,12}$/.test(expRaw) || !/^[A-Za-z0-9_-]{43}$/.test(sigRaw)) return 'invalid';
  const exp = Number(expRaw);
  const sig = Buffer.from(sigRaw, 'base64url');
  const ok = secrets.some((s) => {
    const want = mac(s, id, exp);
    return want.length === sig.length && timingSafeEqual(want, sig);
  });
  if (!ok) return 'invalid';
  // Checked after the signature, so an expired answer is only given for a link we really issued.
  return exp * 1000 <= nowMs ? 'expired' : 'valid';
}
