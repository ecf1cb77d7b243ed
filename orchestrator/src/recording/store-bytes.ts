import { createHash } from 'node:crypto';
import { pipeline, Transform, Writable, type Readable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { DecryptStream, ENCRYPTION_NAME, EncryptStream, encryptedSize, type Keyring } from './crypto.js';
import { InspectStream } from './inspect.js';
import type { ObjectStore } from './storage/index.js';

/**
 * A recording's bytes, from the node's file to a verified object in storage: inspected (format, size, SHA-256),
 * encrypted, stored, and read back. No database and no switch: it runs on the main thread for a source given as a
 * stream, and in the upload thread (upload-worker.ts) for one it downloads itself.
 */
export interface StoreBytesInput {
  readonly source: Readable;
  readonly recordingId: string;
  readonly format: string;
  readonly key: string;
  readonly store: ObjectStore;
  readonly keyring: Keyring;
  readonly chunkBytes?: number;
  /** A download that stalls this long fails (the inspection's timer). */
  readonly fetchIdleMs?: number;
  /** Read the stored object back, decrypt it and compare the SHA-256. */
  readonly verify: boolean;
  readonly signal: AbortSignal;
}

/** What the stored object holds: the facts the recording's row is updated with. */
export interface StoredBytes {
  /** Plaintext bytes (the node's file). */
  readonly bytes: number;
  readonly sha256: string;
  readonly keyId: string;
  readonly encryption: string;
  readonly durationSeconds: number | undefined;
  /** The WAV header still had zero sizes: Asterisk never finalized it (node stopped mid-call?). */
  readonly unfinalized: boolean;
}

/**
 * The stored object read back whole, in one request: its size and the SHA-256 of what it decrypts to. Decrypting
 * authenticates every chunk, so a damaged, short or overlong object fails here.
 */
async function readBack(store: ObjectStore, key: string, keyring: Keyring, plainBytes: number): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  await pipelineAsync(
    await store.get(key),
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        cb(null, chunk);
      },
    }),
    new DecryptStream('in-stream', keyring, { plainBytes }),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        cb();
      },
    }),
  );
  return { bytes, sha256: hash.digest('hex') };
}

export async function storeRecordingBytes(i: StoreBytesInput): Promise<StoredBytes> {
  const inspect = new InspectStream(i.format, i.fetchIdleMs);
  const encrypt = new EncryptStream(i.keyring, i.chunkBytes);
  // Errors anywhere (source, inspection, encryption) destroy `encrypt`, which fails the put.
  pipeline(i.source, inspect, encrypt, () => undefined);
  const onAbort = (): void => {
    encrypt.destroy(new Error('upload aborted'));
  };
  i.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await i.store.put(i.key, encrypt, {
      contentType: 'application/octet-stream',
      metadata: { 'recording-id': i.recordingId, 'key-id': encrypt.header.keyId, encryption: ENCRYPTION_NAME, format: i.format },
      signal: i.signal,
    });
  } finally {
    i.signal.removeEventListener('abort', onAbort);
  }
  // The put only resolves once the source ended and passed inspection; check what the store now holds: read
  // back whole (which also gives its size), or only its size when read-back is off.
  const expected = encryptedSize(inspect.bytes, encrypt.header.keyId, encrypt.header.chunkBytes);
  const back = i.verify ? await readBack(i.store, i.key, i.keyring, inspect.bytes) : null;
  const size = back ? back.bytes : (await i.store.head(i.key))?.size;
  if (size !== expected) throw new Error(`stored object ${i.key} is ${size ?? 'absent'} bytes, expected ${expected}`);
  if (back && back.sha256 !== inspect.sha256)
    throw new Error(`stored object ${i.key} does not decrypt to the downloaded file (sha256 ${back.sha256} != ${inspect.sha256})`);
  return {
    bytes: inspect.bytes,
    sha256: inspect.sha256,
    keyId: encrypt.header.keyId,
    encryption: ENCRYPTION_NAME,
    durationSeconds: inspect.durationSeconds,
    unfinalized: inspect.unfinalized,
  };
}
