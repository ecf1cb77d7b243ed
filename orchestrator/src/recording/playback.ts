import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import type { Knex } from 'knex';
import type { Logger } from '../logger.js';
import { chunkOffset, DecryptStream, encryptedSize, MAX_HEADER_BYTES, parseHeader, type Keyring } from './crypto.js';
import { readAll } from './jobs.js';
import type { Recording } from './repository.js';
import type { ObjectStore } from './storage/index.js';

export type RangeResult =
  { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * One `bytes=` range against a resource of `size` bytes (RFC 9110 §14.1.2): `a-b`, `a-`, `-n`. Several ranges
 * or a malformed header are answered with the whole resource, as the RFC allows.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return { kind: 'unsatisfiable' };
  if (end < start) return { kind: 'full' };
  return { kind: 'partial', start, end };
}

/** Plaintext bytes [start, end] of an encrypted object, decrypting only the chunks that cover them. */
export async function openPlaintextRange(
  store: ObjectStore,
  key: string,
  keyring: Keyring,
  plainBytes: number,
  start: number,
  end: number,
): Promise<Readable> {
  const header = parseHeader(await readAll(await store.get(key, { start: 0, end: MAX_HEADER_BYTES - 1 })));
  const c = header.chunkBytes;
  const first = Math.floor(start / c);
  const last = Math.floor(end / c);
  const objectEnd = encryptedSize(plainBytes, header.keyId, c) - 1;
  const from = chunkOffset(header.bytes.length, c, first);
  const to = Math.min(chunkOffset(header.bytes.length, c, last + 1) - 1, objectEnd);
  const decrypt = new DecryptStream(header, keyring, {
    plainBytes,
    firstChunk: first,
    skip: start - first * c,
    length: end - start + 1,
  });
  const body = await store.get(key, { start: from, end: to });
  pipeline(body, decrypt, () => undefined);
  return decrypt;
}

/**
 * Plaintext bytes [start, end] of an uploaded recording from the first copy that opens: the primary, then each
 * stored replica, so playback and transcription survive the loss of one site. Null when none opens (each failure
 * is logged).
 */
export async function openRecordingCopy(
  deps: { db: Knex; keyring: Keyring; storeFor(target: string): ObjectStore; logger: Logger },
  rec: Pick<Recording, 'id' | 'storageTarget' | 'storageKey' | 'bytes'>,
  start: number,
  end: number,
): Promise<Readable | null> {
  if (!rec.storageTarget || !rec.storageKey || rec.bytes === null) return null;
  const replicas = (await deps
    .db('recording_replicas')
    .where({ recording_id: rec.id, state: 'stored' })
    .select('target', 'storage_key')) as { target: string; storage_key: string | null }[];
  const copies = [
    { target: rec.storageTarget, key: rec.storageKey },
    ...replicas.map((r) => ({ target: r.target, key: r.storage_key ?? rec.storageKey })),
  ];
  for (const copy of copies) {
    try {
      return await openPlaintextRange(
        deps.storeFor(copy.target),
        copy.key as string,
        deps.keyring,
        rec.bytes,
        start,
        end,
      );
    } catch (err) {
      deps.logger.error(
        { err, recordingId: rec.id, target: copy.target },
        'this copy of the recording could not be opened',
      );
    }
  }
  return null;
}
