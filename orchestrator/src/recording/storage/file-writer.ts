import { open, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/** Bytes gathered before a write: an 800 KB recording is then one write instead of one per chunk. */
export const DEFAULT_BATCH_BYTES = 1024 * 1024;

/** `buffers` without their first `n` bytes (what a partial write left to write). */
export function remainingAfter(buffers: readonly Buffer[], n: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = n;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    rest.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return rest;
}

/**
 * Writes a stream into a new file (it must not exist yet) and ends once the bytes are durable (fsync'd and the
 * file closed). fs.createWriteStream writes each chunk as it arrives, one hand-off to libuv's thread pool per
 * chunk and per 16-byte GCM tag; with 10,000 calls' recordings ending at 50 a second those hand-offs were a tenth
 * of the main thread (docs/benchmarks.md, item 36). This one gathers chunks and writes them with one writev per
 * `batchBytes`, so a recording costs open, a write or two, fsync and close.
 */
export class BatchedFileWriter extends Writable {
  private handle: FileHandle | undefined;
  private parts: Buffer[] = [];
  private partsBytes = 0;

  constructor(
    private readonly path: string,
    private readonly batchBytes = DEFAULT_BATCH_BYTES,
  ) {
    super();
  }

  override _construct(cb: (err?: Error | null) => void): void {
    open(this.path, 'wx').then(
      (h) => {
        this.handle = h;
        cb();
      },
      (err: Error) => cb(err),
    );
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.parts.push(chunk);
    this.partsBytes += chunk.length;
    if (this.partsBytes < this.batchBytes) return cb();
    this.writeParts().then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    const handle = this.handle as FileHandle;
    this.writeParts()
      .then(() => handle.sync())
      .then(() => {
        this.handle = undefined;
        return handle.close();
      })
      .then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = undefined;
    this.parts = [];
    // close() waits for a write still under way; the caller removes the partial file.
    if (!handle) return cb(err);
    handle.close().then(
      () => cb(err),
      (closeErr: Error) => cb(err ?? closeErr),
    );
  }

  private async writeParts(): Promise<void> {
    let rest = this.parts;
    this.parts = [];
    this.partsBytes = 0;
    const handle = this.handle as FileHandle;
    while (rest.length > 0) {
      const { bytesWritten } = await handle.writev(rest);
      if (bytesWritten === 0) throw new Error(`writing ${this.path} made no progress`);
      rest = remainingAfter(rest, bytesWritten);
    }
  }
}
