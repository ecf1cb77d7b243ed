import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { coalescedSync } from './coalesced-sync.js';
import { BatchedFileWriter } from './file-writer.js';
import { checkKey, StorageError, type ByteRange, type ObjectInfo, type ObjectStore, type PutOptions } from './types.js';

const META = '.meta.json';

/**
 * Largest read of a get: the upload's read-back of an 800 KB recording is one read instead of thirteen of the
 * default 64 KiB, each a hand-off to libuv's thread pool (docs/benchmarks.md, item 36).
 */
const READ_BYTES = 1024 * 1024;

function isNotFound(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'ENOENT';
}

/** Errors of a platform or file system that cannot sync a directory (Windows cannot even open one). */
const UNSYNCABLE_DIRECTORY = new Set(['EISDIR', 'EINVAL', 'EPERM', 'ENOTSUP']);

/**
 * Makes a directory's entries durable: a file's fsync covers its bytes, not its name, so a rename into a directory
 * (or a directory made in it) can be lost to a power cut until the directory itself is synced.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    if (!UNSYNCABLE_DIRECTORY.has((err as { code?: string } | null)?.code ?? '')) throw err;
  } finally {
    await handle?.close();
  }
}

export interface FileStoreOptions {
  /** How a directory is synced (tests watch it); default syncDirectory. */
  readonly syncDirectory?: (dir: string) => Promise<void>;
}

/**
 * Objects as files under a root directory. A put streams into a temporary file beside the target, syncs it,
 * renames it over the target and syncs the directories it changed, so a reader (or a crash) only ever sees the old
 * object or the whole new one, and once put resolves the object survives a power cut (the upload job deletes the
 * Asterisk copy next).
 */
export function createFileStore(url: string, options: FileStoreOptions = {}): ObjectStore {
  const root = resolve(url.replace(/^file:(\/\/)?/, ''));
  const sync = coalescedSync(options.syncDirectory ?? syncDirectory);
  const pathOf = (key: string): string => join(root, ...checkKey(key).split('/'));

  return {
    target: `file:${root}`,
    async put(key: string, body: Readable, options: PutOptions = {}): Promise<void> {
      const path = pathOf(key);
      const tmp = `${path}.tmp-${randomUUID()}`;
      const metaTmp = `${path}${META}.tmp-${randomUUID()}`;
      const dir = dirname(path);
      // Until pipeline() listens, a source that fails (a download reset during mkdir) would be an uncaught
      // 'error' and take the process down; with a listener the error stays the stream's state, which
      // pipeline() then reports. It stays attached: a late error after the outcome is decided changes nothing.
      body.on('error', () => undefined);
      try {
        // The first directory made, if any: its entry and those of the ones below it need syncing too.
        const made = await mkdir(dir, { recursive: true });
        // The writer fsyncs the file before it finishes, so the pipeline ends with the data durable.
        await pipeline(body, new BatchedFileWriter(tmp), { signal: options.signal });
        await writeFile(metaTmp, JSON.stringify({ contentType: options.contentType ?? 'application/octet-stream', metadata: options.metadata ?? {} }));
        await rename(metaTmp, `${path}${META}`);
        await rename(tmp, path);
        const changed = [dir];
        if (made) for (let d = dir; d !== dirname(made); d = dirname(d)) changed.push(dirname(d));
        await Promise.all(changed.map(sync));
      } catch (err) {
        body.destroy(); // release the source (e.g. the download from Asterisk) when we failed before reading it
        await rm(tmp, { force: true }).catch(() => undefined);
        await rm(metaTmp, { force: true }).catch(() => undefined);
        if (err instanceof StorageError) throw err;
        throw new StorageError('unavailable', `file store: writing ${key} failed: ${(err as Error).message}`, { cause: err });
      }
    },
    async get(key: string, range?: ByteRange): Promise<Readable> {
      const path = pathOf(key);
      let file: FileHandle | undefined;
      try {
        // Opened here, so that a missing object fails this call; the stream reads from the descriptor and closes it.
        file = await open(path, 'r');
        // The size bounds the read: a read shorter than the stream's buffer is copied into a buffer of its own
        // length (all 800 KB of a recording read with 1 MiB reads), and a known end spares the read that finds EOF.
        const { size } = await file.stat();
        const start = range?.start ?? 0;
        const end = Math.min(range?.end ?? size - 1, size - 1);
        if (end < start) {
          await file.close();
          return Readable.from([]);
        }
        return file.createReadStream({ start, end, highWaterMark: Math.min(end - start + 1, READ_BYTES) });
      } catch (err) {
        await file?.close().catch(() => undefined);
        if (isNotFound(err)) throw new StorageError('not_found', `object ${key} not found`);
        throw new StorageError('unavailable', `file store: ${(err as Error).message}`, { cause: err });
      }
    },
    async head(key: string): Promise<ObjectInfo | null> {
      const path = pathOf(key);
      try {
        const st = await stat(path);
        let metadata: Record<string, string> = {};
        try {
          const parsed = JSON.parse(await readFile(`${path}${META}`, 'utf8')) as { metadata?: Record<string, string> };
          metadata = parsed.metadata ?? {};
        } catch {
          // An object without a sidecar (copied in by hand) is still an object.
        }
        return { key, size: st.size, metadata };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw new StorageError('unavailable', `file store: ${(err as Error).message}`, { cause: err });
      }
    },
    async delete(key: string): Promise<void> {
      const path = pathOf(key);
      await rm(path, { force: true });
      await rm(`${path}${META}`, { force: true });
    },
    async *list(prefix: string) {
      // Start at the deepest directory the prefix names; filter the rest by string prefix.
      const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      const start = dirPart ? join(root, ...dirPart.split('/')) : root;
      const stack = [start];
      while (stack.length > 0) {
        const dir = stack.pop() as string;
        let entries;
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (err) {
          if (isNotFound(err)) continue;
          throw err;
        }
        for (const e of entries.sort((a, b) => (a.name < b.name ? 1 : -1))) {
          const full = join(dir, e.name);
          if (e.isDirectory()) stack.push(full);
          else if (e.isFile() && !e.name.endsWith(META) && !e.name.includes('.tmp-')) {
            const key = relative(root, full).split(sep).join('/');
            if (key.startsWith(prefix)) yield { key, size: (await stat(full)).size };
          }
        }
      }
    },
    close() {},
  };
}
