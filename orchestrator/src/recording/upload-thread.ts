import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { Logger } from '../logger.js';
import type { StoredRecordingLocation } from '../telephony/port.js';
import type { Keyring } from './crypto.js';
import type { StoredBytes } from './store-bytes.js';

/**
 * Uploads moved off the main thread. A recording's download, inspection, encryption, write and read-back cost
 * the main thread about 2 ms and a dozen hand-offs to libuv's pool each: with 10,000 calls up, recordings ending
 * at a few dozen a second took a third of it, and a call's events waited behind them (docs/benchmarks.md, item
 * 45). One worker thread does that part for every upload; the job, its database writes and the deletion on
 * Asterisk stay on the main thread.
 */

export interface WireKey {
  readonly id: string;
  readonly key: Uint8Array;
}

export interface UploadThreadData {
  /** The primary store's URL as configured (credentials and all): the thread opens its own client of it. */
  readonly storeUrl: string;
  readonly active: WireKey;
  readonly old: readonly WireKey[];
  readonly chunkBytes?: number;
  readonly fetchIdleMs?: number;
  readonly verify: boolean;
  /** The thread's nice value (Linux); 0 leaves it at the process's priority. */
  readonly nice: number;
  /** Downloads from one Asterisk at once, whatever the number of uploads in the thread. */
  readonly downloadConnections: number;
}

export interface UploadThreadRequest {
  readonly id: number;
  readonly url: string;
  readonly authorization: string;
  readonly headersTimeoutMs: number;
  readonly recordingId: string;
  readonly format: string;
  readonly key: string;
}

export type UploadThreadReply =
  | { readonly id: number; readonly ok: true; readonly stored: StoredBytes }
  /** Asterisk answered other than 200: the main thread turns it into the switch's own error. */
  | { readonly id: number; readonly ok: false; readonly download: { readonly status: number; readonly body: string } }
  | { readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string; readonly code?: string } };

export interface UploadThreadJob {
  readonly location: StoredRecordingLocation;
  readonly recordingId: string;
  readonly format: string;
  readonly key: string;
}

/** A failure inside the upload thread, as it was thrown there. */
export class UploadThreadError extends Error {
  constructor(
    message: string,
    readonly original: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'UploadThreadError';
  }
}

interface Waiter {
  resolve(stored: StoredBytes): void;
  reject(err: Error): void;
  readonly location: StoredRecordingLocation;
}

export interface UploadThreadOptions {
  /** The primary store's URL, as configured. */
  readonly storeUrl: string;
  /** The thread's environment (S3 credentials). Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly keyring: Keyring;
  readonly chunkBytes?: number;
  readonly fetchIdleMs?: number;
  readonly verify: boolean;
  /** The thread's nice value on Linux. Default 10. */
  readonly nice?: number;
  /**
   * HTTP connections the thread opens to one Asterisk, each one of its `sessionlimit` (http.conf). An upload holds
   * one only while it downloads; under load most of its time is spent after that, waiting to be scheduled for the
   * encryption and the store's writes, so more uploads at once need no more sessions. Default 16.
   */
  readonly downloadConnections?: number;
  readonly logger: Logger;
}

/**
 * tsx's `register` as `import` resolves it (its require entry registers hooks a worker cannot find). On Node 20 a
 * worker does not get the loader hooks the main thread's `--import tsx` registered, so a thread run from source
 * registers them itself.
 */
function tsxRegisterUrl(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exported = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'];
  if (!exported) throw new Error(`${manifest} exports no ./esm/api`);
  return pathToFileURL(join(dirname(manifest), exported.import.default)).href;
}

/** The thread on upload-worker beside this file: .js when built, .ts when run from source with tsx. */
function startWorker(options: WorkerOptions): Worker {
  const ext = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./upload-worker${ext}`, import.meta.url);
  if (ext !== '.ts') return new Worker(entry, options);
  const bootstrap = `import(${JSON.stringify(tsxRegisterUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv: [] });
}

export class UploadThread {
  private worker: Worker | null = null;
  private next = 1;
  private readonly waiting = new Map<number, Waiter>();
  private readonly data: UploadThreadData;

  constructor(private readonly o: UploadThreadOptions) {
    const wire = (k: { id: string; key: Buffer }): WireKey => ({ id: k.id, key: new Uint8Array(k.key) });
    this.data = {
      storeUrl: o.storeUrl,
      active: wire(o.keyring.active),
      old: o.keyring.ids.filter((id) => id !== o.keyring.active.id).map((id) => wire(o.keyring.get(id))),
      chunkBytes: o.chunkBytes,
      fetchIdleMs: o.fetchIdleMs,
      verify: o.verify,
      nice: o.nice ?? 10,
      downloadConnections: o.downloadConnections ?? 16,
    };
  }

  /**
   * Starts the thread now rather than at the first upload: loading its modules (and, from source, compiling
   * them) takes a core for about a second, better spent at start-up than beside the first calls.
   */
  start(): void {
    this.started();
  }

  /** Stores one recording in the thread; `signal` aborts it there (the job's timeout or the runner stopping). */
  store(job: UploadThreadJob, signal: AbortSignal): Promise<StoredBytes> {
    if (signal.aborted) return Promise.reject(new Error('upload aborted'));
    const worker = this.started();
    const id = this.next++;
    return new Promise<StoredBytes>((resolve, reject) => {
      const onAbort = (): void => worker.postMessage({ type: 'abort', id });
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        this.waiting.delete(id);
        signal.removeEventListener('abort', onAbort);
        if (this.waiting.size === 0) this.worker?.unref();
      };
      this.waiting.set(id, {
        location: job.location,
        resolve: (stored) => {
          done();
          resolve(stored);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      });
      const request: UploadThreadRequest = {
        id,
        url: job.location.url,
        authorization: job.location.authorization,
        headersTimeoutMs: job.location.timeoutMs,
        recordingId: job.recordingId,
        format: job.format,
        key: job.key,
      };
      worker.ref();
      worker.postMessage(request);
    });
  }

  /** Stops the thread; uploads still in it fail and their jobs run again. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
    this.failAll(new Error('the upload thread was stopped'));
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker({ workerData: this.data, env: this.o.env ?? process.env });
    // Only an upload in it keeps the process alive (store() refs it, the last one settled unrefs it).
    worker.unref();
    worker.on('message', (reply: UploadThreadReply) => this.settle(reply));
    worker.on('error', (err) => {
      this.o.logger.error({ err }, 'the upload thread failed; uploads in it will be retried');
      this.lost(worker, err);
    });
    worker.on('exit', (code) => this.lost(worker, new Error(`the upload thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: UploadThreadReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    if (reply.ok) waiter.resolve(reply.stored);
    else if ('download' in reply) waiter.reject(waiter.location.failure(reply.download.status, reply.download.body));
    else waiter.reject(new UploadThreadError(reply.error.message, reply.error.name, reply.error.code));
  }

  /** The thread is gone: its uploads fail (their jobs retry) and the next upload starts a new one. */
  private lost(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.failAll(err);
  }

  private failAll(err: Error): void {
    for (const waiter of [...this.waiting.values()]) waiter.reject(err);
  }
}
