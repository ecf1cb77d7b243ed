import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** Which numbers agents may call, as the dialplan's [agent-outbound] says for desk phones. */
export interface OutboundNumberPolicy {
  /** Numbers without a country code are read in this country (ISO 3166 alpha-2). */
  readonly defaultCountry: string;
  /** Numbers of other countries may be called. */
  readonly international: boolean;
}

export type OutboundNumber =
  { readonly ok: true; readonly e164: string } | { readonly ok: false; readonly reason: string };

// Premium-rate and shared-cost lines charge the caller: a contact center never needs to ring them, and a
// mistyped or malicious callback number must not run up the bill (dialplans/outbound.conf refuses 1-900 too).
const REFUSED_TYPES: ReadonlySet<string> = new Set(['PREMIUM_RATE', 'SHARED_COST']);

/** A number an agent typed (or a callback holds) → the E.164 number to dial, or why it may not be called. */
export function outboundNumber(input: string, policy: OutboundNumberPolicy): OutboundNumber {
  const typed = input.trim();
  if (!/^\+?[\d\s().-]{3,32}$/.test(typed))
    return { ok: false, reason: `not a phone number: "${typed.slice(0, 40)}" (digits, and + for a country code)` };
  let parsed;
  try {
    parsed = parsePhoneNumberFromString(typed, policy.defaultCountry as CountryCode);
  } catch {
    parsed = undefined;
  }
  if (!parsed?.isValid())
    return { ok: false, reason: `not a valid phone number (read as a ${policy.defaultCountry} number): ${typed}` };
  const type = parsed.getType();
  if (type && REFUSED_TYPES.has(type))
    return { ok: false, reason: `${parsed.number} is a premium-rate or shared-cost number: it may not be called` };
  // One calling code is one numbering plan: from the US, Canada is a national call (NANP), as the dialplan has it.
  if (!policy.international && parsed.countryCallingCode !== homeCallingCode(policy.defaultCountry)) {
    const where = parsed.country ?? `+${parsed.countryCallingCode}`;
    return {
      ok: false,
      reason: `${parsed.number} is a number in ${where}: international calls are off (ARIADNE_OUTBOUND_INTERNATIONAL)`,
    };
  }
  return { ok: true, e164: parsed.number };
}

function homeCallingCode(country: string): string | null {
  try {
    return getCountryCallingCode(country as CountryCode);
  } catch {
    return null; // an unknown country: every number is abroad
  }
}
