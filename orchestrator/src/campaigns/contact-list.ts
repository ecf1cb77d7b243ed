import { parse } from 'csv-parse/sync';
import { outboundNumber, type OutboundNumberPolicy } from '../calls/outbound-numbers.js';

/** The most numbers one upload may carry (the API's 256 kB body holds about as many); a bigger list goes in parts. */
export const MAX_CONTACTS_PER_UPLOAD = 5_000;

export interface ListedContact {
  readonly line: number;
  readonly e164: string;
  readonly name: string | null;
}

export interface RefusedLine {
  readonly line: number;
  readonly input: string;
  readonly reason: string;
}

export interface ContactList {
  readonly contacts: readonly ListedContact[];
  /** Lines whose number appeared on an earlier line of the same list. */
  readonly repeated: number;
  readonly invalid: readonly RefusedLine[];
}

/**
 * A pasted or exported list, one contact per line: `number` or `number,name` (CSV: a name with a comma is quoted).
 * A first line without a digit is a header and skipped. Each number passes the outbound policy of click-to-dial
 * (calls/outbound-numbers.ts): a number an agent could not dial is refused here, with its line and the reason.
 */
export function parseContactList(csv: string, policy: OutboundNumberPolicy): ContactList {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(csv, {
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    return {
      contacts: [],
      repeated: 0,
      invalid: [{ line: 1, input: '', reason: `not a CSV list: ${err instanceof Error ? err.message : String(err)}` }],
    };
  }
  const contacts: ListedContact[] = [];
  const invalid: RefusedLine[] = [];
  const seen = new Set<string>();
  let repeated = 0;
  records.forEach(({ record: fields, info }, i) => {
    const line = info.lines;
    const number = fields[0] ?? '';
    if (i === 0 && !/\d/.test(number)) return;
    const checked = outboundNumber(number, policy);
    if (!checked.ok) {
      invalid.push({ line, input: fields.join(',').slice(0, 80), reason: checked.reason });
      return;
    }
    if (seen.has(checked.e164)) {
      repeated++;
      return;
    }
    seen.add(checked.e164);
    const name = fields.slice(1).join(', ').trim().slice(0, 120);
    contacts.push({ line, e164: checked.e164, name: name || null });
  });
  return { contacts, repeated, invalid };
}
