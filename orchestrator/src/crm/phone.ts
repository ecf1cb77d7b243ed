import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** What a caller id turned out to be. `e164` is set only for a valid number. */
export type CallerIdKind = 'valid' | 'withheld' | 'invalid';

export interface NormalisedCallerId {
  readonly kind: CallerIdKind;
  readonly e164: string | null;
  readonly raw: string;
}

// Ways trunks and phones say "no number": withheld (CLIR), anonymous SIP URIs, Asterisk's own placeholders.
const WITHHELD = new Set([
  '',
  'anonymous',
  'unknown',
  'unavailable',
  'private',
  'restricted',
  'withheld',
  'blocked',
  'no caller id',
  'none',
  'null',
  'asterisk',
  's',
]);

/** Strips SIP/tel URI decoration so "sip:+861381234@host;user=phone" and "tel:+86 138..." become their user part. */
function userPart(raw: string): string {
  let s = raw.trim();
  const angle = /<([^>]*)>/.exec(s);
  if (angle?.[1] !== undefined) s = angle[1];
  s = s.replace(/^(sips?|tel):/i, '');
  const at = s.indexOf('@');
  if (at >= 0) s = s.slice(0, at);
  const semi = s.indexOf(';');
  if (semi >= 0) s = s.slice(0, semi);
  return s.trim();
}

/**
 * Caller id → E.164. Never throws: withheld and garbage ids come back as such, so identification can go on as
 * "unknown caller" instead of failing the call.
 */
export function normaliseCallerId(raw: string | null | undefined, defaultCountry: string): NormalisedCallerId {
  const original = typeof raw === 'string' ? raw : '';
  const user = userPart(original.slice(0, 128));
  if (WITHHELD.has(user.toLowerCase())) return { kind: 'withheld', e164: null, raw: original };
  // Only digits and the usual separators may remain; anything else is not a phone number.
  if (!/^\+?[\d\s().-]{3,32}$/.test(user)) return { kind: 'invalid', e164: null, raw: original };
  try {
    const parsed = parsePhoneNumberFromString(user, defaultCountry as CountryCode);
    if (parsed?.isValid()) return { kind: 'valid', e164: parsed.number, raw: original };
  } catch {
    // libphonenumber throws on some inputs (e.g. an unknown country); treated as garbage below.
  }
  return { kind: 'invalid', e164: null, raw: original };
}
