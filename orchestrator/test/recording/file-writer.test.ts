import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BatchedFileWriter, remainingAfter } from '../../src/recording/storage/file-writer.js';

/** A recording as the encryption pushes it: 64 KiB of ciphertext, then its 16-byte tag, chunk after chunk. */
function sealedChunks(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 64 * 1024 + 16) {
    out.push(bytes.subarray(i, Math.min(i + 64 * 1024, bytes.length)));
    if (i + 64 * 1024 < bytes.length) out.push(bytes.subarray(i + 64 * 1024, Math.min(i + 64 * 1024 + 16, bytes.length)));
  }
  return out;
}

describe('BatchedFileWriter', () => {
  let dir: string;
  let writes: number;
  let restore: () => void;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ariadne-writer-'));
    // Count the system writes through the real FileHandle: the batching is what this module is for.
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const writev = proto.writev;
    writes = 0;
    proto.writev = function (this: FileHandle, ...args: Parameters<FileHandle['writev']>) {
      writes++;
      return writev.apply(this, args);
    } as FileHandle['writev'];
    restore = () => (proto.writev = writev);
  });
  afterEach(() => {
    restore();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes an 800 KB recording of 26 pieces in one write, byte for byte', async () => {
    const body = randomBytes(800_000);
    const path = join(dir, 'r.enc');
    await pipeline(Readable.from(sealedChunks(body)), new BatchedFileWriter(path));
    expect(readFileSync(path).equals(body)).to.equal(true);
    expect(writes).to.equal(1);
  });

  it('writes once per batch of bytes, and the rest at the end', async () => {
    const body = randomBytes(1_000_000);
    const path = join(dir, 'r.enc');
    await pipeline(Readable.from(sealedChunks(body)), new BatchedFileWriter(path, 256 * 1024));
    expect(readFileSync(path).equals(body)).to.equal(true);
    // A write starts once 256 KiB are gathered (four sealed chunks with their tags): three of those, then the rest.
    expect(writes).to.equal(4);
  });

  it('an empty stream makes an empty file', async () => {
    const path = join(dir, 'empty.enc');
    await pipeline(Readable.from([]), new BatchedFileWriter(path));
    expect(readFileSync(path).length).to.equal(0);
  });

  it('refuses to write over a file that exists, and leaves it as it was', async () => {
    const path = join(dir, 'taken.enc');
    writeFileSync(path, 'kept');
    let code = '';
    try {
      await pipeline(Readable.from([Buffer.from('new')]), new BatchedFileWriter(path));
    } catch (err) {
      code = (err as { code?: string }).code ?? '';
    }
    expect(code).to.equal('EEXIST');
    expect(readFileSync(path, 'utf8')).to.equal('kept');
  });

  it('a source that fails closes the file it opened', async () => {
    const path = join(dir, 'broken.enc');
    const openFiles = () => readdirSync('/proc/self/fd').length;
    const before = openFiles();
    const src = new PassThrough();
    src.write(randomBytes(100_000));
    const stored = pipeline(src, new BatchedFileWriter(path));
    setTimeout(() => src.destroy(new Error('download reset')), 10);
    let message = '';
    try {
      await stored;
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.equal('download reset');
    // Nothing of the failed source reached the disk: it was still gathering its first batch.
    expect(writes).to.equal(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(openFiles()).to.equal(before);
  });

  it('remainingAfter: what a partial write leaves, across buffer boundaries', () => {
    const parts = [Buffer.from('abc'), Buffer.from(''), Buffer.from('defg'), Buffer.from('h')];
    const text = (bs: Buffer[]) => bs.map((b) => b.toString()).join('|');
    expect(text(remainingAfter(parts, 0))).to.equal('abc|defg|h');
    expect(text(remainingAfter(parts, 2))).to.equal('c|defg|h');
    expect(text(remainingAfter(parts, 3))).to.equal('defg|h');
    expect(text(remainingAfter(parts, 5))).to.equal('fg|h');
    expect(text(remainingAfter(parts, 8))).to.equal('');
  });
});
