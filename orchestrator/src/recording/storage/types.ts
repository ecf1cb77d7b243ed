import type { Readable } from 'node:stream';

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface PutOptions {
  readonly contentType?: string;
  /** Small string metadata stored with the object (S3 user metadata; a sidecar file on the filesystem). */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/** Inclusive byte range, as in HTTP. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * One storage target. Keys are relative (`recordings/2026/11/23/<call>/<id>.wav.enc`); a put under an existing
 * key replaces the object whole (never a second object, never a half-written one).
 */
export interface ObjectStore {
  /** The target's URL without secrets: stored on rows so an object is found again after configuration changes. */
  readonly target: string;
  put(key: string, body: Readable, options?: PutOptions): Promise<void>;
  /** The object's bytes (or a range of them); StorageError 'not_found' when absent. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | null>;
  /** Idempotent: deleting an absent object succeeds. */
  delete(key: string): Promise<void>;
  list(prefix: string): AsyncIterable<Omit<ObjectInfo, 'metadata'>>;
  close(): void;
}

export type StorageErrorCode = 'not_found' | 'unavailable' | 'invalid';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,900}$/;

/** Keys are plain relative paths: no `..`, no empty segments, nothing a filesystem or S3 would read differently. */
export function checkKey(key: string): string {
  if (!KEY.test(key) || key.split('/').some((s) => s === '' || s === '.' || s === '..') || key.endsWith('.meta.json') || key.includes('.tmp-')) {
    throw new StorageError('invalid', `invalid object key ${JSON.stringify(key)}`);
  }
  return key;
}
