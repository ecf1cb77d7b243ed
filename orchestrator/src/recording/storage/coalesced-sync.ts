/**
 * Group fsync of directories: puts that need the same directory synced while a sync of it is under way share the
 * next one, instead of each opening, syncing and closing the directory (three hand-offs to libuv's thread pool,
 * 100-200 µs of the main thread each on a busy two-vCPU machine; docs/benchmarks.md, item 36). Recordings of one
 * day all land in one day directory, so at 50 uploads a second most of their syncs of it are shared.
 *
 * A caller's entry must be covered by a sync that started after the caller asked (its rename or mkdir is done by
 * then): one already running may have read the directory before it, so a caller arriving during a sync waits for
 * the one after it. Everyone waiting on a sync gets its outcome, a failure too.
 */
export function coalescedSync(sync: (dir: string) => Promise<void>): (dir: string) => Promise<void> {
  const running = new Map<string, Promise<void>>();
  const queued = new Map<string, Promise<void>>();

  const start = (dir: string): Promise<void> => {
    const done: Promise<void> = sync(dir).finally(() => {
      if (running.get(dir) === done) running.delete(dir);
    });
    running.set(dir, done);
    return done;
  };

  return (dir) => {
    const next = queued.get(dir);
    if (next) return next;
    const current = running.get(dir);
    if (!current) return start(dir);
    const after = current
      .catch(() => undefined)
      .then(() => {
        queued.delete(dir);
        return start(dir);
      });
    queued.set(dir, after);
    return after;
  };
}
