/**
 * Child processes of a benchmark run (simulator, orchestrator, the no-op Stasis app): each in its own process, as
 * in production, logging to a file of the run's directory. Every child is stopped by its own pid (SIGTERM, then
 * SIGKILL after a grace period), on success, on failure and on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<number | string>;
  stop(graceMs?: number): Promise<void>;
  /** Messages over the IPC channel (only when started with `ipc: true`). */
  request<T>(message: Record<string, unknown>, timeoutMs?: number): Promise<T>;
}

const live = new Set<Child>();

/** Stops every child this run started (Ctrl-C, fatal error). */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...live].map((c) => c.stop(2000)));
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((r) => srv.close(() => r()));
  if (!port) throw new Error('could not find a free port');
  return port;
}

export interface StartOptions {
  readonly name: string;
  /** Script path relative to the repository root, run with tsx. */
  readonly script: string;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly logDir: string;
  /** Extra node flags (e.g. --cpu-prof), and modules to preload (--import). */
  readonly nodeFlags?: readonly string[];
  readonly ipc?: boolean;
}

let requestSeq = 0;

export function startChild(o: StartOptions): Child {
  mkdirSync(o.logDir, { recursive: true });
  const logFile = join(o.logDir, `${o.name}.log`);
  const fd = openSync(logFile, 'a');
  const proc = spawn(process.execPath, [...(o.nodeFlags ?? []), '--import', 'tsx', o.script, ...(o.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', fd, fd, ...(o.ipc ? (['ipc'] as const) : [])],
  });
  closeSync(fd);
  if (proc.pid === undefined) throw new Error(`${o.name}: could not start`);
  const pid = proc.pid;
  const exited = new Promise<number | string>((res) =>
    proc.once('exit', (code, signal) => res(code ?? signal ?? 'unknown')),
  );
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  proc.on('message', (m: unknown) => {
    const msg = m as { replyTo?: number; error?: string };
    if (typeof msg?.replyTo !== 'number') return;
    const p = pending.get(msg.replyTo);
    if (!p) return;
    pending.delete(msg.replyTo);
    clearTimeout(p.timer);
    if (msg.error) p.reject(new Error(`${o.name}: ${msg.error}`));
    else p.resolve(msg);
  });
  void exited.then((code) => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`${o.name} exited (${code}) before answering; see ${logFile}`));
    }
    pending.clear();
  });
  let stopping: Promise<void> | null = null;
  const child: Child = {
    name: o.name,
    proc,
    pid,
    logFile,
    exited,
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGTERM');
          const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        live.delete(child);
      })();
      return stopping;
    },
    request<T>(message: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
      if (!proc.connected) return Promise.reject(new Error(`${o.name}: no IPC channel`));
      const id = ++requestSeq;
      return new Promise<T>((resolvePromise, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${o.name}: no answer to ${String(message.type)} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolvePromise as (v: unknown) => void, reject, timer });
        proc.send({ ...message, id });
      });
    },
  };
  live.add(child);
  return child;
}

/** Polls `probe` until it resolves true, the child dies, or the time is up. */
export async function waitReady(
  child: Child,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died: number | string | null = null;
  void child.exited.then((c) => (died = c));
  while (Date.now() < deadline) {
    if (died !== null) throw new Error(`${child.name} exited (${died}) while starting; see ${child.logFile}`);
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${child.name}: ${what} not ready within ${timeoutMs} ms; see ${child.logFile}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
