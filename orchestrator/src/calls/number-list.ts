import { parse } from 'csv-parse/sync';
import { HttpError } from '../http/errors.js';
import type { OutboundNumber } from './outbound-numbers.js';

/** The most numbers one upload may carry (the API's 256 kB body holds about as many); a bigger list goes in parts. */
export const MAX_NUMBERS_PER_UPLOAD = 5_000;

/** How a list reads a number as typed: E.164, or why not. */
export type ReadNumber = (typed: string) => OutboundNumber;

export interface ListedNumber {
  readonly line: number;
  readonly e164: string;
  /** The rest of the line (a contact's name, a reason), or null. */
  readonly note: string | null;
}

export interface RefusedLine {
  readonly line: number;
  readonly input: string;
  readonly reason: string;
}

export interface NumberList {
  readonly numbers: readonly ListedNumber[];
  /** Lines whose number appeared on an earlier line of the same list. */
  readonly repeated: number;
  readonly invalid: readonly RefusedLine[];
}

export type ParsedRecord = { record: string[]; info: { lines: number } };

/** A first line like `number`, `Phone number` or `电话`: a header, not a number. */
export const HEADER = /^[\p{L}][\p{L} _.#-]*$/u;

/** How csv-parse reads a list, pasted or streamed: each record with the line it ends on. */
export const LIST_CSV_OPTIONS = {
  // Spreadsheets export with commas, semicolons (where the comma is the decimal mark) or tabs.
  delimiter: [',', ';', '\t'],
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  trim: true,
  info: true,
};

/**
 * A pasted or exported list, one number per line: `number` or `number,note` (CSV: a note with a comma is quoted;
 * `;` or a tab separate as well as `,`). A first line of words only is a header and skipped; under a header the note is
 * the second column alone, without one it is the rest of the line. Each number is read by `read` (a campaign's by the
 * outbound policy of click-to-dial, the do-not-call list's by validity alone); a refused line comes back with its line
 * number and the reason.
 */
export function parseNumberList(csv: string, read: ReadNumber): NumberList {
  let records: ParsedRecord[];
  try {
    // With `info`, csv-parse returns each record with where it ends; its types do not follow the option.
    records = parse(csv, LIST_CSV_OPTIONS) as unknown as ParsedRecord[];
  } catch (err) {
    return {
      numbers: [],
      repeated: 0,
      invalid: [{ line: 1, input: '', reason: `not a CSV list: ${err instanceof Error ? err.message : String(err)}` }],
    };
  }
  const numbers: ListedNumber[] = [];
  const invalid: RefusedLine[] = [];
  const seen = new Set<string>();
  let repeated = 0;
  let headed = false;
  records.forEach(({ record: fields, info }, i) => {
    const line = info.lines;
    const typed = fields[0] ?? '';
    if (i === 0 && HEADER.test(typed)) {
      headed = true;
      return;
    }
    const checked = read(typed);
    if (!checked.ok) {
      invalid.push({ line, input: fields.join(',').slice(0, 80), reason: checked.reason });
      return;
    }
    if (seen.has(checked.e164)) {
      repeated++;
      return;
    }
    seen.add(checked.e164);
    numbers.push({ line, e164: checked.e164, note: noteOf(fields, headed) });
  });
  return { numbers, repeated, invalid };
}

/**
 * A line's note (a name, a reason). Under a header each column is its own (an export's later columns are not part of
 * the note); without one, the rest of the line is, so an unquoted "Li, Wei" stays one name.
 */
export function noteOf(fields: readonly string[], headed: boolean): string | null {
  return (headed ? (fields[1] ?? '') : fields.slice(1).join(', ')).trim() || null;
}

/** Refuses a list longer than one upload may be (413), before anything is written. */
export function checkListLength(list: NumberList): void {
  if (list.numbers.length > MAX_NUMBERS_PER_UPLOAD)
    throw new HttpError(
      413,
      'payload_too_large',
      `${list.numbers.length} numbers: send at most ${MAX_NUMBERS_PER_UPLOAD} at a time`,
    );
}
