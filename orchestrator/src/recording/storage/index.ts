import { createFileStore } from './file.js';
import { createS3Store } from './s3.js';
import { StorageError, type ObjectStore } from './types.js';

export * from './types.js';
export { createFileStore } from './file.js';
export { createS3Store, parseS3Url } from './s3.js';

/** A store for `file:path` or `s3://bucket/prefix?...` (see s3.ts for the parameters). */
export function openStore(url: string, env: NodeJS.ProcessEnv = process.env): ObjectStore {
  if (url.startsWith('file:')) return createFileStore(url);
  if (url.startsWith('s3://')) return createS3Store(url, env);
  throw new StorageError('invalid', `storage URL ${url}: expected file:path or s3://bucket/prefix`);
}
