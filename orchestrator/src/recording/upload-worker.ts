/**
 * The upload thread's entry (started by upload-thread.ts): downloads a stored recording from Asterisk and stores it
 * (store-bytes.ts), several at once, and answers each request with the stored facts or the failure.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { Agent, request } from 'undici';
import { Keyring, type MasterKey } from './crypto.js';
import { openStore, type ObjectStore } from './storage/index.js';
import { storeRecordingBytes } from './store-bytes.js';
import type { UploadThreadData, UploadThreadReply, UploadThreadRequest, WireKey } from './upload-thread.js';

const port = parentPort;
if (!port) throw new Error('upload-worker.ts runs as a worker thread (see upload-thread.ts)');

/**
 * On Linux a thread has a nice value of its own: raising this one's lets the scheduler run call control (the main
 * thread, Asterisk, the database) first on a busy machine, uploads taking the time left over. At the same
 * priority the thread took CPU from calls being set up (docs/benchmarks.md, item 45). Elsewhere it stays as it is.
 */
function lowerThreadPriority(nice: number): void {
  if (nice <= 0) return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    // Not Linux, or not allowed: the thread keeps the process's priority.
  }
}
const data = workerData as UploadThreadData;
lowerThreadPriority(data.nice);
const masterKey = (k: WireKey): MasterKey => ({ id: k.id, key: Buffer.from(k.key) });
const keyring = new Keyring(masterKey(data.active), data.old.map(masterKey));
const store: ObjectStore = openStore(data.storeUrl);
// A download past the bound waits for a connection here rather than taking another of Asterisk's HTTP sessions.
const downloads = new Agent({ connections: data.downloadConnections });
const running = new Map<number, AbortController>();

async function upload(m: UploadThreadRequest): Promise<UploadThreadReply> {
  const aborter = new AbortController();
  running.set(m.id, aborter);
  try {
    const res = await request(m.url, {
      method: 'GET',
      dispatcher: downloads,
      headers: { authorization: m.authorization },
      headersTimeout: m.headersTimeoutMs,
      // Pauses in the body are the inspection's to judge (fetchIdleMs), as on the main thread.
      bodyTimeout: 0,
      signal: aborter.signal,
    });
    if (res.statusCode !== 200) return { id: m.id, ok: false, download: { status: res.statusCode, body: await res.body.text() } };
    const stored = await storeRecordingBytes({
      source: res.body,
      recordingId: m.recordingId,
      format: m.format,
      key: m.key,
      store,
      keyring,
      chunkBytes: data.chunkBytes,
      fetchIdleMs: data.fetchIdleMs,
      verify: data.verify,
      signal: aborter.signal,
    });
    return { id: m.id, ok: true, stored };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (e as { code?: unknown }).code;
    return { id: m.id, ok: false, error: { name: e.name, message: e.message, code: typeof code === 'string' ? code : undefined } };
  } finally {
    running.delete(m.id);
  }
}

port.on('message', (m: UploadThreadRequest | { type: 'abort'; id: number }) => {
  if ('type' in m) {
    running.get(m.id)?.abort();
    return;
  }
  void upload(m).then((reply) => port.postMessage(reply));
});
