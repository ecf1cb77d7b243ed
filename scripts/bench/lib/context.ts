import type { Child } from './procs.js';

/** What every scenario gets from the harness. */
export interface BenchContext {
  readonly quick: boolean;
  /** Logs of the child processes, CPU profiles, per-run files. */
  readonly runDir: string;
  /** Write CPU profiles of the orchestrator's measured windows into runDir. */
  readonly profile: boolean;
  /**
   * `--rate`: `full` runs one step at each of these rates instead of searching for its limit, to compare the cost
   * per call of two versions of the code (empty: the search).
   */
  readonly fixedRates: readonly number[];
  /** Progress lines (stderr), never mixed into the JSON on stdout. */
  readonly log: (line: string) => void;
  /** Figures earlier scenarios of the same run found, used as hints (e.g. a ramp rate), never as results. */
  readonly hints: { ariBaselineCps?: number; fullCps?: number };
}

/** Resolves with the first IPC message of `type` from a child, or rejects on timeout or exit. */
export function waitForMessage<T extends { type: string }>(child: Child, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if ((m as { type?: string })?.type === type) {
        cleanup();
        resolve(m as T);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${child.name}: no "${type}" within ${timeoutMs} ms; see ${child.logFile}`));
    }, timeoutMs);
    const onExit = (): void => {
      cleanup();
      reject(new Error(`${child.name} exited before "${type}"; see ${child.logFile}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.proc.off('message', onMessage);
      child.proc.off('exit', onExit);
    };
    child.proc.on('message', onMessage);
    child.proc.once('exit', onExit);
  });
}
