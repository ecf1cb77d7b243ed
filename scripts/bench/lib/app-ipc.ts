/**
 * The child side of a Stasis app process run by the harness (baseline-app.ts, script-app.ts): calls it finished
 * are reported over IPC in batches every 100 ms as `{ type: 'done', calls: [[channelId, atEpochMs, ok], ...] }`,
 * a `{ type: 'flush' }` request is answered once the batch is out, and SIGTERM/SIGINT flush before stopping.
 */
export interface DoneReporter {
  /** The call on `channelId` finished its measured part now (ok) or failed. */
  done(channelId: string, ok: boolean): void;
  /** Tells the harness the app is connected; then answers flush requests and stops on a signal. */
  ready(stop: () => Promise<void> | void): void;
}

export function doneReporter(name: string, required: Record<string, string | undefined>): DoneReporter {
  const send = process.send?.bind(process);
  const missing = Object.entries(required).filter(([, v]) => !v);
  if (!send || missing.length) {
    process.stderr.write(
      `${name}: run by scripts/bench (needs ${[...missing.map(([k]) => k), 'an IPC channel'].join(', ')})\n`,
    );
    process.exit(2);
  }
  let batch: Array<[string, number, boolean]> = [];
  const flush = (): void => {
    if (batch.length === 0) return;
    send({ type: 'done', calls: batch });
    batch = [];
  };
  setInterval(flush, 100).unref();
  return {
    done: (channelId, ok) => void batch.push([channelId, Date.now(), ok]),
    ready(stop) {
      send({ type: 'ready' });
      process.on('message', (m: { type?: string; id?: number }) => {
        if (m?.type === 'flush') {
          flush();
          send({ replyTo: m.id, type: 'flushed' });
        }
      });
      const onSignal = (): void => {
        flush();
        void Promise.resolve(stop()).finally(() => process.exit(0));
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    },
  };
}

/** The entry point's catch: a fatal error is written to the child's log and the process exits 1. */
export function fatal(name: string): (err: unknown) => void {
  return (err) => {
    process.stderr.write(`${name}: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  };
}
