import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * The ways one phone number is written in what Ariadne stores, so an erasure finds it wherever it is: E.164 (the
 * CRM, callbacks, campaigns, identified calls), and the raw forms a trunk delivers before identification or an
 * agent types (national with and without the trunk 0, international with 00 or without the +).
 */

/** Shorter strings would match inside unrelated text (a queue's wait, an order number). */
const MIN_FORM_LENGTH = 6;

/** The written forms of an E.164 number, longest first (replaced in that order, no form eats into a longer one). */
export function numberForms(e164: string): string[] {
  const forms = new Set<string>([e164]);
  const international = e164.replace(/^\+/, '');
  forms.add(international);
  forms.add(`00${international}`);
  let national = '';
  try {
    national = parsePhoneNumberFromString(e164)?.nationalNumber ?? '';
  } catch {
    // Not a number libphonenumber reads: only the international forms are looked for.
  }
  if (national) {
    forms.add(national);
    forms.add(`0${national}`);
  }
  return [...forms].filter((f) => f.length >= MIN_FORM_LENGTH).sort((a, b) => b.length - a.length);
}

/** What the audit log keeps of a number: its last two digits, enough to tell two requests apart and no more. */
export function maskNumber(number: string): string {
  const digits = number.replace(/\D/g, '');
  return `…${digits.slice(-2)}`;
}

/** Pairs of (text to find, its replacement), longest text first. */
export type Replacements = ReadonlyArray<readonly [string, string]>;

/** Replacements for every form of these numbers: each by `replace(number)` (a mask, or the erased marker). */
export function replacementsFor(numbers: Iterable<string>, replace: (e164: string) => string): Replacements {
  const out = new Map<string, string>();
  for (const n of numbers) for (const form of numberForms(n)) if (!out.has(form)) out.set(form, replace(n));
  return [...out].sort((a, b) => b[0].length - a[0].length);
}

/** The text with every listed string replaced; null when nothing was found (the row needs no write). */
export function scrub(text: string, replacements: Replacements): string | null {
  let out = text;
  for (const [find, by] of replacements) if (find && out.includes(find)) out = out.split(find).join(by);
  return out === text ? null : out;
}
