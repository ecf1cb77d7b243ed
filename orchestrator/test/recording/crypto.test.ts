import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DecryptStream,
  EncryptStream,
  encryptedSize,
  Keyring,
  parseHeader,
  parseMasterKey,
  plaintextSize,
  TAG_BYTES,
} from '../../src/recording/crypto.js';
import { loadKeyring } from '../../src/recording/keys.js';
import { signLink, verifyLink } from '../../src/recording/links.js';
import { parseRange } from '../../src/recording/playback.js';

const C = 1024;
const keyA = parseMasterKey(`key-a:${randomBytes(32).toString('base64')}`);
const keyB = parseMasterKey(`key-b:${randomBytes(32).toString('base64')}`);

async function collect(src: Readable, ...through: NodeJS.ReadWriteStream[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    src,
    ...(through as unknown as [NodeJS.ReadWriteStream]),
    new Writable({
      write(c: Buffer, _e, cb) {
        parts.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(parts);
}

function pieces(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

async function encrypt(plain: Buffer, ring: Keyring, inputPiece = 333): Promise<Buffer> {
  return collect(Readable.from(pieces(plain, inputPiece)), new EncryptStream(ring, C));
}

async function decrypt(obj: Buffer, ring: Keyring, plainBytes: number, range?: { start: number; end: number }): Promise<Buffer> {
  const header = parseHeader(obj);
  const first = range ? Math.floor(range.start / C) : 0;
  const last = range ? Math.floor(range.end / C) : Math.max(0, Math.ceil(plainBytes / C) - 1);
  const from = header.bytes.length + first * (C + TAG_BYTES);
  const to = Math.min(header.bytes.length + (last + 1) * (C + TAG_BYTES), obj.length);
  const d = new DecryptStream(header, ring, {
    plainBytes,
    firstChunk: first,
    skip: range ? range.start - first * C : 0,
    length: range ? range.end - range.start + 1 : plainBytes,
  });
  return collect(Readable.from(pieces(obj.subarray(from, to), 500)), d);
}

describe('recording encryption (ARDNREC1)', () => {
  const ring = new Keyring(keyA);

  for (const size of [0, 1, C - 1, C, C + 1, 3 * C, 3 * C + 5]) {
    it(`round-trips ${size} bytes; size formulas agree; ciphertext differs from plaintext`, async () => {
      const plain = randomBytes(size);
      const obj = await encrypt(plain, ring);
      expect(obj.length).to.equal(encryptedSize(size, 'key-a', C));
      const header = parseHeader(obj);
      expect(plaintextSize(obj.length, header.bytes.length, C)).to.equal(size);
      expect(header.keyId).to.equal('key-a');
      if (size >= 16) expect(obj.includes(plain.subarray(0, 16))).to.equal(false);
      expect((await decrypt(obj, ring, size)).equals(plain)).to.equal(true);
    });
  }

  it('decrypts arbitrary ranges by reading only the chunks that cover them', async () => {
    const size = 5 * C + 77;
    const plain = randomBytes(size);
    const obj = await encrypt(plain, ring);
    const ranges = [
      [0, 0],
      [0, 99],
      [C - 1, C],
      [2 * C + 10, 4 * C + 3],
      [size - 1, size - 1],
      [size - 200, size - 1],
      [0, size - 1],
    ];
    for (const [s, e] of ranges as [number, number][]) {
      const got = await decrypt(obj, ring, size, { start: s, end: e });
      expect(got.equals(plain.subarray(s, e + 1)), `range ${s}-${e}`).to.equal(true);
    }
  });

  it('decrypts a whole object read in one pass, header first, however the reads split it', async () => {
    const size = 3 * C + 5;
    const plain = randomBytes(size);
    const obj = await encrypt(plain, ring);
    for (const piece of [1, 7, 90, 5000]) {
      const got = await collect(Readable.from(pieces(obj, piece)), new DecryptStream('in-stream', ring, { plainBytes: size }));
      expect(got.equals(plain), `read in pieces of ${piece}`).to.equal(true);
    }
    const failures: string[] = [];
    for (const bad of [obj.subarray(0, 20), Buffer.concat([obj, Buffer.from([0])]), Buffer.alloc(0)]) {
      await collect(Readable.from([bad]), new DecryptStream('in-stream', ring, { plainBytes: size })).catch((err: Error) => failures.push(err.message));
    }
    expect(failures).to.have.length(3);
    expect(failures[0]).to.match(/ended before its header/);
    expect(failures[1]).to.match(/authentication/);
    expect(failures[2]).to.match(/ended before its header/);
  });

  it('two encryptions of the same audio differ (fresh data key and nonce per object)', async () => {
    const plain = randomBytes(3000);
    expect((await encrypt(plain, ring)).equals(await encrypt(plain, ring))).to.equal(false);
  });

  it('detects a flipped byte, a dropped final chunk, swapped chunks and a forged key id', async () => {
    const size = 3 * C + 5;
    const plain = randomBytes(size);
    const obj = await encrypt(plain, ring);
    const h = parseHeader(obj).bytes.length;
    const flipped = Buffer.from(obj);
    flipped[h + C + 40] = (flipped[h + C + 40] as number) ^ 1;
    const truncated = obj.subarray(0, h + 3 * (C + TAG_BYTES)); // whole chunks only: the last is not final
    const swapped = Buffer.concat([obj.subarray(0, h), obj.subarray(h + C + TAG_BYTES, h + 2 * (C + TAG_BYTES)), obj.subarray(h, h + C + TAG_BYTES), obj.subarray(h + 2 * (C + TAG_BYTES))]);
    for (const [name, bad, plainBytes] of [
      ['flipped', flipped, size],
      ['truncated', truncated, 3 * C],
      ['swapped', swapped, size],
    ] as [string, Buffer, number][]) {
      let failed = false;
      try {
        await decrypt(bad, ring, plainBytes);
      } catch (err) {
        failed = /authentication|ended early/.test((err as Error).message);
      }
      expect(failed, name).to.equal(true);
    }
    const forged = Buffer.from(obj);
    forged.write('key-b', 14, 'utf8'); // same length id, other key: unwrapping must fail, not decrypt garbage
    let msg = '';
    try {
      await decrypt(forged, new Keyring(keyA, [parseMasterKey(`key-b:${keyA.key.toString('base64')}`)]), size);
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).to.match(/does not open|authentication/);
  });

  it('key rotation: objects of the old key open with it in the ring; without it, a clear error', async () => {
    const plain = randomBytes(2 * C + 3);
    const old = await encrypt(plain, new Keyring(keyA));
    const rotated = new Keyring(keyB, [keyA]);
    expect((await decrypt(old, rotated, plain.length)).equals(plain)).to.equal(true);
    const fresh = await encrypt(plain, rotated);
    expect(parseHeader(fresh).keyId).to.equal('key-b');
    let msg = '';
    try {
      await decrypt(old, new Keyring(keyB), plain.length);
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).to.match(/master key key-a is not configured.*ARIADNE_RECORDING_OLD_KEYS/);
  });

  it('parses master keys and rejects bad ones with a clear message', () => {
    const b64 = randomBytes(32).toString('base64');
    expect(parseMasterKey(b64).id).to.match(/^k[0-9a-f]{12}$/);
    expect(parseMasterKey(b64).id).to.equal(parseMasterKey(b64).id);
    expect(parseMasterKey(`prod-2026:${b64}`).id).to.equal('prod-2026');
    expect(() => parseMasterKey(randomBytes(16).toString('base64'))).to.throw(/must be 32 bytes/);
    expect(() => parseMasterKey('bad id:' + b64)).to.throw(/key id/);
    expect(() => parseMasterKey('not*base64')).to.throw(/not base64/);
    expect(() => new Keyring(keyA, [parseMasterKey(`key-a:${b64}`)])).to.throw(/share the id key-a/);
  });

  it('demo mode: generates one local key file (0600) and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ariadne-key-'));
    try {
      const path = join(dir, 'sub', 'recording-master.key');
      const warnings: string[] = [];
      const logger = { warn: (_o: unknown, msg: string) => warnings.push(msg) } as unknown as import('../../src/logger.js').Logger;
      const a = loadKeyring({ localKeyPath: path, logger });
      const b = loadKeyring({ localKeyPath: path, logger });
      expect(a.active.key.equals(b.active.key)).to.equal(true);
      expect(a.active.id).to.match(/^local-[0-9a-f]{8}$/);
      expect(statSync(path).mode & 0o777).to.equal(0o600);
      expect(readFileSync(path, 'utf8')).to.match(/^local-[0-9a-f]{8}:/);
      expect(warnings.length).to.equal(2);
      expect(warnings[0]).to.match(/LOCAL DEMO KEY/);
      const configured = loadKeyring({ masterKey: `key-b:${keyB.key.toString('base64')}`, oldKeys: [`${a.active.id}:${a.active.key.toString('base64')}`], localKeyPath: path });
      expect(configured.active.id).to.equal('key-b');
      expect(configured.ids).to.deep.equal(['key-b', a.active.id]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('signed playback links', () => {
  const secrets = new Keyring(keyA).derive('recording-links');
  it('valid until exp; expired after; tampered id, exp or sig invalid', () => {
    const now = 1_800_000_000_000;
    const exp = now / 1000 + 300;
    const sig = signLink(secrets, 'rec-1', exp);
    expect(verifyLink(secrets, 'rec-1', String(exp), sig, now)).to.equal('valid');
    expect(verifyLink(secrets, 'rec-1', String(exp), sig, now + 301_000)).to.equal('expired');
    expect(verifyLink(secrets, 'rec-2', String(exp), sig, now)).to.equal('invalid');
    expect(verifyLink(secrets, 'rec-1', String(exp + 1), sig, now)).to.equal('invalid');
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(verifyLink(secrets, 'rec-1', String(exp), flipped, now)).to.equal('invalid');
    expect(verifyLink(secrets, 'rec-1', undefined, sig, now)).to.equal('invalid');
  });
  it('links signed before a key rotation stay valid while the old key is in the ring', () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const sig = signLink(secrets, 'r', exp);
    expect(verifyLink(new Keyring(keyB, [keyA]).derive('recording-links'), 'r', String(exp), sig)).to.equal('valid');
    expect(verifyLink(new Keyring(keyB).derive('recording-links'), 'r', String(exp), sig)).to.equal('invalid');
  });
});

describe('HTTP byte ranges', () => {
  it('parses first bytes, middle, open end, suffix; unsatisfiable; ignores what it cannot serve', () => {
    expect(parseRange(undefined, 100)).to.deep.equal({ kind: 'full' });
    expect(parseRange('bytes=0-9', 100)).to.deep.equal({ kind: 'partial', start: 0, end: 9 });
    expect(parseRange('bytes=40-59', 100)).to.deep.equal({ kind: 'partial', start: 40, end: 59 });
    expect(parseRange('bytes=90-', 100)).to.deep.equal({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).to.deep.equal({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).to.deep.equal({ kind: 'partial', start: 0, end: 99 });
    expect(parseRange('bytes=50-500', 100)).to.deep.equal({ kind: 'partial', start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).to.deep.equal({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).to.deep.equal({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-1,5-6', 100)).to.deep.equal({ kind: 'full' });
    expect(parseRange('items=0-1', 100)).to.deep.equal({ kind: 'full' });
  });
});
