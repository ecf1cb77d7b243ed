import { Secret, TOTP } from 'otpauth';

/** The code an authenticator app shows for a base32 secret at a time. */
export function codeAt(secret: string, at: Date = new Date()): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: at.getTime() });
}
