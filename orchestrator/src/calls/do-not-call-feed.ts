import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CsvError, parse } from 'csv-parse';
import type { Db } from '../db/knex.js';
import { HttpError } from '../http/errors.js';
import { listedAmong, readListedNumber } from './do-not-call.js';
import { HEADER, LIST_CSV_OPTIONS, noteOf, type ParsedRecord, type RefusedLine } from './number-list.js';

/**
 * A do-not-call registry's file, streamed into the list whatever its length: a national registry's download, or
 * another system's export, too long for one JSON import (calls/number-list.ts keeps those to 5,000 numbers). It is
 * read as it arrives and written 500 numbers at a time, so neither the file nor its numbers are ever held whole.
 */

/** The most one file may carry; a bigger one is refused (413) once this much has been read. */
export const MAX_FEED_BYTES = 1024 ** 3;
/** Numbers read, checked against the list and written together. */
const BATCH = 500;
/** The longest line taken. */
const MAX_LINE_BYTES = 4096;
/** Refused lines named in the answer; the rest are only counted. */
const REFUSED_SHOWN = 100;

export interface DoNotCallFeedResult {
  /** The file's last line read. */
  readonly lines: number;
  readonly added: number;
  /** Already listed, or repeated in the file. */
  readonly duplicates: number;
  readonly invalidCount: number;
  /** The first refused lines (at most 100). */
  readonly invalid: readonly RefusedLine[];
}

export interface FeedOptions {
  readonly defaultCountry: string;
  /** Kept with each number whose line gives no reason of its own. */
  readonly reason: string;
  readonly now: Date;
  /** The body is gzip-compressed (Content-Encoding: gzip). */
  readonly gzip?: boolean;
  readonly maxBytes?: number;
}

/**
 * A registry line as typed, and its reason. The US National Do Not Call Registry's files give the area code and the
 * number in two columns (`201,2000004`): such a line is a North American number whatever the default country.
 */
export function feedLine(fields: readonly string[], headed: boolean): { typed: string; note: string | null } {
  const [first = '', second = ''] = fields;
  if (fields.length === 2 && /^[2-9]\d\d$/.test(first) && /^\d{7}$/.test(second))
    return { typed: `+1${first}${second}`, note: null };
  return { typed: first, note: noteOf(fields, headed) };
}

export async function importDoNotCallFeed(db: Db, body: Readable, o: FeedOptions): Promise<DoNotCallFeedResult> {
  const maxBytes = o.maxBytes ?? MAX_FEED_BYTES;
  let lines = 0;
  let added = 0;
  let duplicates = 0;
  let invalidCount = 0;
  const invalid: RefusedLine[] = [];
  let batch: { e164: string; note: string | null }[] = [];

  const flush = async (): Promise<void> => {
    const unique = new Map<string, string | null>();
    for (const n of batch) {
      if (unique.has(n.e164)) duplicates++;
      else unique.set(n.e164, n.note);
    }
    batch = [];
    if (unique.size === 0) return;
    const listed = await listedAmong(db, [...unique.keys()]);
    duplicates += listed.size;
    const fresh = [...unique].filter(([e164]) => !listed.has(e164));
    if (fresh.length === 0) return;
    // Ignored on conflict: a number listed by someone else since the check above keeps its entry.
    await db('do_not_call')
      .insert(fresh.map(([e164, note]) => ({ e164, reason: (note ?? o.reason).slice(0, 200), created_at: o.now })))
      .onConflict('e164')
      .ignore();
    added += fresh.length;
  };

  const read = async (records: AsyncIterable<ParsedRecord & { info: { bytes: number } }>): Promise<void> => {
    let headed = false;
    try {
      for await (const { record, info } of records) {
        // Counted on the lines read, so every whole line before the limit is kept (gzip's too: no bomb).
        if (info.bytes > maxBytes)
          throw new HttpError(
            413,
            'payload_too_large',
            `the file is over ${maxBytes} bytes: split it and send the parts`,
          );
        const first = lines === 0;
        lines = info.lines;
        if (first && HEADER.test(record[0] ?? '')) {
          headed = true;
          continue;
        }
        const { typed, note } = feedLine(record, headed);
        const checked = readListedNumber(typed, o.defaultCountry);
        if (checked.ok) batch.push({ e164: checked.e164, note });
        else if (invalidCount++ < REFUSED_SHOWN)
          invalid.push({ line: info.lines, input: record.join(',').slice(0, 80), reason: checked.reason });
        if (batch.length >= BATCH) await flush();
      }
    } finally {
      // The lines read whole before the file broke off are kept.
      await flush();
    }
  };

  // A line is a number and a reason: one longer than this is no list's (and is not held whole).
  const parser = parse({ ...LIST_CSV_OPTIONS, max_record_size: MAX_LINE_BYTES });
  // Piped, not pipeline(): the body is the HTTP request, which must outlive a failure to carry the answer back.
  const source = o.gzip ? body.pipe(createGunzip()) : body;
  if (source !== body) body.on('error', (err) => parser.destroy(err));
  source.on('error', (err) => parser.destroy(err));
  source.pipe(parser);
  try {
    await read(parser);
  } catch (err) {
    // The rest of the file is read and dropped, so the answer goes out on a connection still whole.
    source.unpipe(parser);
    if (source !== body) body.unpipe();
    body.resume();
    // What was written stays: the answer says how far the file got.
    const sofar = `${added} numbers were added from the ${lines} lines before it`;
    if (err instanceof HttpError) throw new HttpError(err.status, err.code, `${err.message}; ${sofar}`);
    // Not CSV, or not gzip: the sender's file; anything else (the database) is ours, and a 500.
    const unreadable = err instanceof CsvError || /^Z_/.test(String((err as NodeJS.ErrnoException).code ?? ''));
    if (!unreadable) throw err;
    const why = (err as Error).message;
    throw new HttpError(400, 'bad_request', `the file could not be read after line ${lines} (${why}); ${sofar}`);
  }
  return { lines, added, duplicates, invalidCount, invalid };
}
