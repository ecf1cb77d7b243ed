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
 * A registry's file of removals (numbers whose owners took them off the registry) is read the same way and takes
 * off only what that registry listed.
 */

/** The most one file may carry; a bigger one is refused (413) once this much has been read. */
export const MAX_FEED_BYTES = 1024 ** 3;
/** Numbers read, checked against the list and written together. */
const BATCH = 500;
/** The longest line taken. */
const MAX_LINE_BYTES = 4096;
/** Refused lines named in the answer; the rest are only counted. */
const REFUSED_SHOWN = 100;

/** What reading a file came to, whichever way it changes the list. */
export interface FeedLines {
  /** The file's last line read. */
  readonly lines: number;
  readonly invalidCount: number;
  /** The first refused lines (at most 100). */
  readonly invalid: readonly RefusedLine[];
}

export interface DoNotCallFeedResult extends FeedLines {
  readonly added: number;
  /** Already listed, or repeated in the file. */
  readonly duplicates: number;
}

export interface DoNotCallRemovalResult extends FeedLines {
  /** Listed by this source, now off the list. */
  readonly removed: number;
  /** Listed, but by hand, from a call or by another source: left as they are. */
  readonly kept: number;
  /** Not on the list (or a repeat of an earlier line of the file). */
  readonly notListed: number;
}

/** A registry's name as kept with its numbers: `us-national`, `tps.uk`. */
export const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/;

interface ReadOptions {
  readonly defaultCountry: string;
  /** The body is gzip-compressed (Content-Encoding: gzip). */
  readonly gzip?: boolean;
  readonly maxBytes?: number;
}

export interface FeedOptions extends ReadOptions {
  /** Kept with each number whose line gives no reason of its own. */
  readonly reason: string;
  /** The registry the file is from, kept with the numbers it adds (null: none named). */
  readonly source?: string | null;
  readonly now: Date;
}

export interface RemovalOptions extends ReadOptions {
  /** Only numbers this registry listed are taken off. */
  readonly source: string;
}

/** A batch of distinct numbers read, each with its line's note. */
type Batch = ReadonlyMap<string, string | null>;

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

/**
 * Reads a file as it arrives and hands its numbers to `write` in batches of 500 (a number repeated within a batch
 * counted by `repeated`, given once). `done` says what the batches written so far came to, for the error of a file
 * that breaks off: every whole line before the break is kept.
 */
async function readFeed(
  body: Readable,
  o: ReadOptions,
  write: (batch: Batch) => Promise<void>,
  repeated: () => void,
  done: () => string,
): Promise<FeedLines> {
  const maxBytes = o.maxBytes ?? MAX_FEED_BYTES;
  let lines = 0;
  let invalidCount = 0;
  const invalid: RefusedLine[] = [];
  let batch = new Map<string, string | null>();

  const flush = async (): Promise<void> => {
    const taken = batch;
    batch = new Map();
    if (taken.size > 0) await write(taken);
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
        if (!checked.ok) {
          if (invalidCount++ < REFUSED_SHOWN)
            invalid.push({ line: info.lines, input: record.join(',').slice(0, 80), reason: checked.reason });
          continue;
        }
        if (batch.has(checked.e164)) repeated();
        else batch.set(checked.e164, note);
        if (batch.size >= BATCH) await flush();
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
    const sofar = `${done()} from the ${lines} lines before it`;
    if (err instanceof HttpError) throw new HttpError(err.status, err.code, `${err.message}; ${sofar}`);
    // Not CSV, or not gzip: the sender's file; anything else (the database) is ours, and a 500.
    const unreadable = err instanceof CsvError || /^Z_/.test(String((err as NodeJS.ErrnoException).code ?? ''));
    if (!unreadable) throw err;
    const why = (err as Error).message;
    throw new HttpError(400, 'bad_request', `the file could not be read after line ${lines} (${why}); ${sofar}`);
  }
  return { lines, invalidCount, invalid };
}

/** Adds a file's numbers; numbers already listed keep their entry. */
export async function importDoNotCallFeed(db: Db, body: Readable, o: FeedOptions): Promise<DoNotCallFeedResult> {
  let added = 0;
  let duplicates = 0;
  const write = async (batch: Batch): Promise<void> => {
    const listed = await listedAmong(db, [...batch.keys()]);
    duplicates += listed.size;
    const fresh = [...batch].filter(([e164]) => !listed.has(e164));
    if (fresh.length === 0) return;
    // Ignored on conflict: a number listed by someone else since the check above keeps its entry.
    await db('do_not_call')
      .insert(
        fresh.map(([e164, note]) => ({
          e164,
          reason: (note ?? o.reason).slice(0, 200),
          source: o.source ?? null,
          created_at: o.now,
        })),
      )
      .onConflict('e164')
      .ignore();
    added += fresh.length;
  };
  const read = await readFeed(
    body,
    o,
    write,
    () => duplicates++,
    () => `${added} numbers were added`,
  );
  return { ...read, added, duplicates };
}

/**
 * Takes a registry's removals off the list: each number of the file that this source listed. A number listed by
 * hand, from a call or by another registry stays: a customer who asked not to be called still is not.
 */
export async function removeDoNotCallFeed(db: Db, body: Readable, o: RemovalOptions): Promise<DoNotCallRemovalResult> {
  let removed = 0;
  let kept = 0;
  let notListed = 0;
  const write = async (batch: Batch): Promise<void> => {
    const numbers = [...batch.keys()];
    const listed = (await db('do_not_call').whereIn('e164', numbers).select('e164', 'source')) as {
      e164: string;
      source: string | null;
    }[];
    const ours = listed.filter((r) => r.source === o.source).map((r) => r.e164);
    notListed += numbers.length - listed.length;
    kept += listed.length - ours.length;
    if (ours.length === 0) return;
    // The source checked again: an entry changed since the read above is not this registry's to remove.
    removed += Number(await db('do_not_call').whereIn('e164', ours).where({ source: o.source }).delete());
  };
  const read = await readFeed(
    body,
    o,
    write,
    () => notListed++,
    () => `${removed} numbers were removed`,
  );
  return { ...read, removed, kept, notListed };
}
