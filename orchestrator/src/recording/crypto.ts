import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Envelope encryption of one recording object, stream-friendly ("ARDNREC1" format).
 *
 *   header  = magic "ARDNREC1" | u8 version=1 | u32 chunkSize | u8 keyIdLength | keyId (utf8)
 *             | wrapIv (12) | wrappedDataKey (32) | wrapTag (16) | baseNonce (12)
 *   chunk i = AES-256-GCM(dataKey, nonce_i, plaintext[i*C .. (i+1)*C)) | tag (16)
 *
 * - A random 256-bit data key per object, wrapped (AES-256-GCM) by the master key named by keyId, so master
 *   keys rotate: new objects use the active key, old objects still open with old keys kept in the key ring.
 * - nonce_i = baseNonce with its last 4 bytes XOR i (big-endian): unique per chunk under a key used once.
 * - Each chunk's additional data is header | u32 i | u8 final, so chunks cannot be reordered, moved to another
 *   object, or dropped from the end (the last chunk must say final) without the tag failing.
 * - The plaintext length is not stored: it follows from the object size (every chunk is C+16 bytes but the
 *   last; an empty plaintext is one empty final chunk). Playback serves any byte range by decrypting only the
 *   chunks that cover it.
 */

export const MAGIC = Buffer.from('ARDNREC1', 'ascii');
export const TAG_BYTES = 16;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
export const ENCRYPTION_NAME = 'ardnrec1-aes256gcm';
const FIXED_HEADER = MAGIC.length + 1 + 4 + 1 + 12 + 32 + 16 + 12;

export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

/** `keyId:base64` or bare base64 of 32 bytes; a bare key gets an id from its own hash (stable, not secret). */
export function parseMasterKey(spec: string, what = 'master key'): MasterKey {
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(':');
  const id = colon >= 0 ? trimmed.slice(0, colon) : null;
  const b64 = colon >= 0 ? trimmed.slice(colon + 1) : trimmed;
  if (id !== null && !/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new KeyError(`${what}: key id must be 1-64 of A-Z a-z 0-9 . _ -`);
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) throw new KeyError(`${what}: not base64`);
  const key = Buffer.from(b64, 'base64');
  if (key.length !== 32) throw new KeyError(`${what}: must be 32 bytes (base64 of 32 random bytes, e.g. \`openssl rand -base64 32\`), got ${key.length}`);
  return { id: id ?? `k${createHash('sha256').update(key).digest('hex').slice(0, 12)}`, key };
}

/** The active master key (encrypts new objects) and the old ones (still decrypt). */
export class Keyring {
  private readonly byId = new Map<string, MasterKey>();
  constructor(
    readonly active: MasterKey,
    old: readonly MasterKey[] = [],
  ) {
    for (const k of [active, ...old]) {
      const seen = this.byId.get(k.id);
      if (seen && !seen.key.equals(k.key)) throw new KeyError(`two different master keys share the id ${k.id}`);
      this.byId.set(k.id, k);
    }
  }
  get(id: string): MasterKey {
    const k = this.byId.get(id);
    if (!k) throw new KeyError(`master key ${id} is not configured (add it to ARIADNE_RECORDING_OLD_KEYS to read objects it encrypted)`);
    return k;
  }
  get ids(): string[] {
    return [...this.byId.keys()];
  }
  /** Secrets for other purposes (signed links), derived per key so rotation keeps recent links valid. */
  derive(purpose: string): Buffer[] {
    return [...this.byId.values()].map((k) => Buffer.from(hkdfSync('sha256', k.key, Buffer.from('ariadne'), Buffer.from(purpose), 32)));
  }
}

export interface ObjectHeader {
  readonly bytes: Buffer;
  readonly keyId: string;
  readonly chunkBytes: number;
  readonly wrapIv: Buffer;
  readonly wrappedKey: Buffer;
  readonly wrapTag: Buffer;
  readonly baseNonce: Buffer;
}

export function headerLength(keyId: string): number {
  return FIXED_HEADER + Buffer.byteLength(keyId, 'utf8');
}

/** The most a header can take; read this many bytes (or the whole object if smaller) to parse one. */
export const MAX_HEADER_BYTES = FIXED_HEADER + 64;

function wrapAad(keyId: string): Buffer {
  return Buffer.from(`ariadne-recording-dek-v1:${keyId}`, 'utf8');
}

function buildHeader(master: MasterKey, dataKey: Buffer, chunkBytes: number): ObjectHeader {
  const keyIdBytes = Buffer.from(master.id, 'utf8');
  const wrapIv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', master.key, wrapIv);
  c.setAAD(wrapAad(master.id));
  const wrappedKey = Buffer.concat([c.update(dataKey), c.final()]);
  const wrapTag = c.getAuthTag();
  const baseNonce = randomBytes(12);
  const fixed = Buffer.alloc(MAGIC.length + 1 + 4 + 1);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt8(1, MAGIC.length);
  fixed.writeUInt32BE(chunkBytes, MAGIC.length + 1);
  fixed.writeUInt8(keyIdBytes.length, MAGIC.length + 5);
  const bytes = Buffer.concat([fixed, keyIdBytes, wrapIv, wrappedKey, wrapTag, baseNonce]);
  return { bytes, keyId: master.id, chunkBytes, wrapIv, wrappedKey, wrapTag, baseNonce };
}

export function parseHeader(buf: Buffer): ObjectHeader {
  if (buf.length < FIXED_HEADER || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new KeyError('not an Ariadne encrypted recording (bad magic)');
  const version = buf.readUInt8(MAGIC.length);
  if (version !== 1) throw new KeyError(`unsupported recording format version ${version}`);
  const chunkBytes = buf.readUInt32BE(MAGIC.length + 1);
  if (chunkBytes < 16 || chunkBytes > 16 * 1024 * 1024) throw new KeyError(`implausible chunk size ${chunkBytes}`);
  const idLen = buf.readUInt8(MAGIC.length + 5);
  let o = MAGIC.length + 6;
  if (buf.length < FIXED_HEADER + idLen) throw new KeyError('truncated header');
  const keyId = buf.subarray(o, o + idLen).toString('utf8');
  o += idLen;
  const wrapIv = buf.subarray(o, (o += 12));
  const wrappedKey = buf.subarray(o, (o += 32));
  const wrapTag = buf.subarray(o, (o += 16));
  const baseNonce = buf.subarray(o, (o += 12));
  return { bytes: Buffer.from(buf.subarray(0, o)), keyId, chunkBytes, wrapIv, wrappedKey, wrapTag, baseNonce };
}

export function unwrapDataKey(header: ObjectHeader, keyring: Keyring): Buffer {
  const master = keyring.get(header.keyId);
  const d = createDecipheriv('aes-256-gcm', master.key, header.wrapIv);
  d.setAAD(wrapAad(header.keyId));
  d.setAuthTag(header.wrapTag);
  try {
    return Buffer.concat([d.update(header.wrappedKey), d.final()]);
  } catch {
    throw new KeyError(`the data key does not open with master key ${header.keyId} (wrong key material for this id, or a damaged header)`);
  }
}

function chunkNonce(base: Buffer, index: number): Buffer {
  const n = Buffer.from(base);
  n.writeUInt32BE((n.readUInt32BE(8) ^ index) >>> 0, 8);
  return n;
}

function chunkAad(header: Buffer, index: number, final: boolean): Buffer {
  const tail = Buffer.alloc(5);
  tail.writeUInt32BE(index, 0);
  tail.writeUInt8(final ? 1 : 0, 4);
  return Buffer.concat([header, tail]);
}

/** Size of the encrypted object for a plaintext of `plainBytes`. */
export function encryptedSize(plainBytes: number, keyId: string, chunkBytes = DEFAULT_CHUNK_BYTES): number {
  const chunks = Math.max(1, Math.ceil(plainBytes / chunkBytes));
  return headerLength(keyId) + plainBytes + chunks * TAG_BYTES;
}

/** Plaintext size of an encrypted object of `objectBytes` (inverse of encryptedSize). */
export function plaintextSize(objectBytes: number, headerBytes: number, chunkBytes: number): number {
  const body = objectBytes - headerBytes;
  if (body < TAG_BYTES) throw new KeyError('encrypted object is shorter than one chunk');
  const chunks = Math.ceil(body / (chunkBytes + TAG_BYTES));
  return body - chunks * TAG_BYTES;
}

/** Streams plaintext in, the encrypted object (header first) out. Holds at most one chunk plus one input. */
export class EncryptStream extends Transform {
  readonly header: ObjectHeader;
  private readonly dataKey: Buffer;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;
  private headerSent = false;

  constructor(keyring: Keyring, chunkBytes = DEFAULT_CHUNK_BYTES) {
    super();
    this.dataKey = randomBytes(32);
    this.header = buildHeader(keyring.active, this.dataKey, chunkBytes);
  }

  private seal(plain: Buffer, final: boolean): void {
    const c = createCipheriv('aes-256-gcm', this.dataKey, chunkNonce(this.header.baseNonce, this.index));
    c.setAAD(chunkAad(this.header.bytes, this.index, final));
    // Pushed as they come (GCM's final() adds no bytes): joining them copied every byte of a recording once more,
    // a cost that shows with 10,000 calls' recordings ending at 50 a second (docs/benchmarks.md, item 33).
    this.push(c.update(plain));
    const rest = c.final();
    if (rest.length > 0) this.push(rest);
    this.push(c.getAuthTag());
    this.index++;
  }

  private sendHeader(): void {
    if (!this.headerSent) {
      this.headerSent = true;
      this.push(this.header.bytes);
    }
  }

  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.sendHeader();
    this.pending.push(data);
    this.pendingBytes += data.length;
    const size = this.header.chunkBytes;
    // Seal a chunk only once more data follows it: the last chunk is sealed in _flush, marked final.
    if (this.pendingBytes > size) {
      // A single buffer (a read at least a chunk long) is sealed in place; only pieces are joined first.
      let all = this.pending.length === 1 ? data : Buffer.concat(this.pending, this.pendingBytes);
      while (all.length > size) {
        this.seal(all.subarray(0, size), false);
        all = all.subarray(size);
      }
      this.pending = [all];
      this.pendingBytes = all.length;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.sendHeader();
    this.seal(Buffer.concat(this.pending, this.pendingBytes), true);
    this.pending = [];
    this.pendingBytes = 0;
    this.dataKey.fill(0);
    cb();
  }
}

/** The header's length once `buf` holds enough of an object's start to tell (its key id's length), else null. */
function headerBytesIn(buf: Buffer): number | null {
  return buf.length < MAGIC.length + 6 ? null : FIXED_HEADER + buf.readUInt8(MAGIC.length + 5);
}

/**
 * Decrypts whole chunks starting at chunk `firstChunk` of an object whose plaintext is `plainBytes` long, and
 * emits plaintext bytes [skip, skip+length) of what those chunks hold. Input: the object's bytes from
 * chunkOffset(firstChunk) on. A tag that does not verify fails the stream (no unauthenticated byte is emitted).
 */
export class DecryptStream extends Transform {
  private header!: ObjectHeader;
  private dataKey!: Buffer;
  private totalChunks = 0;
  private headerRead: boolean;
  private index: number;
  private buf: Buffer = Buffer.alloc(0);
  /** Reads not joined into `buf` yet. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private skip: number;
  private remaining: number;

  /**
   * `header` 'in-stream': the input is the whole object, header first (one read of a stored object instead of
   * one for its header and one for its chunks).
   */
  constructor(
    header: ObjectHeader | 'in-stream',
    private readonly keyring: Keyring,
    private readonly opts: { plainBytes: number; firstChunk?: number; skip?: number; length?: number },
  ) {
    super();
    this.index = opts.firstChunk ?? 0;
    this.skip = opts.skip ?? 0;
    this.remaining = opts.length ?? opts.plainBytes;
    this.headerRead = header !== 'in-stream';
    if (header !== 'in-stream') this.useHeader(header);
  }

  private useHeader(header: ObjectHeader): void {
    this.header = header;
    this.dataKey = unwrapDataKey(header, this.keyring);
    this.totalChunks = Math.max(1, Math.ceil(this.opts.plainBytes / header.chunkBytes));
  }

  /** False while the object's header has not fully arrived; then it is parsed and stripped from the buffer. */
  private readHeader(): boolean {
    if (this.headerRead) return true;
    const need = headerBytesIn(this.buf);
    if (need === null || this.buf.length < need) return false;
    this.useHeader(parseHeader(this.buf.subarray(0, need)));
    this.buf = this.buf.subarray(need);
    this.headerRead = true;
    return true;
  }

  private open(sealed: Buffer): Buffer {
    const final = this.index === this.totalChunks - 1;
    const d = createDecipheriv('aes-256-gcm', this.dataKey, chunkNonce(this.header.baseNonce, this.index));
    d.setAAD(chunkAad(this.header.bytes, this.index, final));
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plain = d.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    // final() verifies the tag (and throws) before anything of the chunk is delivered; GCM adds no bytes there.
    const rest = d.final();
    this.index++;
    return rest.length > 0 ? Buffer.concat([plain, rest]) : plain;
  }

  private deliver(plain: Buffer): void {
    let p = plain;
    if (this.skip > 0) {
      const s = Math.min(this.skip, p.length);
      p = p.subarray(s);
      this.skip -= s;
    }
    if (this.remaining <= 0 || p.length === 0) return;
    const out = p.subarray(0, Math.min(p.length, this.remaining));
    this.remaining -= out.length;
    this.push(out);
  }

  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.parts.push(data);
    this.partsBytes += data.length;
    // Join the reads only once a whole sealed chunk (or the header) can be in them: reads of the chunk's size left
    // a partial chunk behind every time, and joining on each read copied every byte twice.
    const wanted = this.headerRead ? this.header.chunkBytes + TAG_BYTES : MAGIC.length + 6;
    if (this.buf.length + this.partsBytes < wanted) return cb();
    this.buf = this.joined();
    try {
      if (!this.readHeader()) return cb();
    } catch (err) {
      return cb(err as Error);
    }
    try {
      const sealedSize = this.header.chunkBytes + TAG_BYTES;
      // Keep a partial chunk (and the final, possibly shorter, chunk) until it is complete or the input ends.
      while (this.buf.length >= sealedSize && this.index < this.totalChunks - 1) {
        this.deliver(this.open(this.buf.subarray(0, sealedSize)));
        this.buf = this.buf.subarray(sealedSize);
        if (this.remaining <= 0) break;
      }
      cb();
    } catch {
      cb(new KeyError(`recording chunk ${this.index} failed authentication (damaged or tampered object)`));
    }
  }

  /** `buf` with the reads not joined yet (no copy when there is only one). */
  private joined(): Buffer {
    if (this.partsBytes === 0) return this.buf;
    const pieces = this.buf.length > 0 ? [this.buf, ...this.parts] : this.parts;
    const all = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
    this.parts = [];
    this.partsBytes = 0;
    return all;
  }

  override _flush(cb: TransformCallback): void {
    this.buf = this.joined();
    if (!this.headerRead) return cb(new KeyError('recording object ended before its header'));
    try {
      if (this.remaining > 0) {
        if (this.buf.length < TAG_BYTES) throw new Error('short');
        this.deliver(this.open(this.buf));
        if (this.remaining > 0) throw new Error('short');
      }
      cb();
    } catch {
      cb(new KeyError(`recording object ended early or failed authentication at chunk ${this.index}`));
    }
  }
}

/** Where chunk `i` starts in the object. */
export function chunkOffset(headerBytes: number, chunkBytes: number, i: number): number {
  return headerBytes + i * (chunkBytes + TAG_BYTES);
}
