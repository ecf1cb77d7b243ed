import { expect } from 'chai';
import { coalescedSync } from '../../src/recording/storage/coalesced-sync.js';

/** A directory sync the test finishes by hand, recording when each started. */
function manualSync() {
  const started: string[] = [];
  const finishers: ((err?: Error) => void)[] = [];
  const sync = (dir: string) =>
    new Promise<void>((resolve, reject) => {
      started.push(dir);
      finishers.push((err) => (err ? reject(err) : resolve()));
    });
  const finish = async (i: number, err?: Error) => {
    finishers[i]!(err);
    await new Promise((r) => setImmediate(r));
  };
  return { started, sync, finish };
}

describe('coalescedSync', () => {
  it('a sync asked for while one runs waits for the next one, which callers arriving meanwhile share', async () => {
    const m = manualSync();
    const sync = coalescedSync(m.sync);
    const settled: string[] = [];
    void sync('/d').then(() => settled.push('first'));
    void sync('/d').then(() => settled.push('second'));
    void sync('/d').then(() => settled.push('third'));
    await new Promise((r) => setImmediate(r));
    expect(m.started).to.deep.equal(['/d']);
    await m.finish(0);
    // The first sync may have read the directory before the others' entries: they are not covered by it.
    expect(settled).to.deep.equal(['first']);
    expect(m.started).to.deep.equal(['/d', '/d']);
    await m.finish(1);
    expect(settled).to.deep.equal(['first', 'second', 'third']);
  });

  it('syncs one after another each run, and other directories at once', async () => {
    const m = manualSync();
    const sync = coalescedSync(m.sync);
    const a = sync('/a');
    void sync('/b');
    expect(m.started).to.deep.equal(['/a', '/b']);
    await m.finish(0);
    await a;
    void sync('/a');
    expect(m.started).to.deep.equal(['/a', '/b', '/a']);
  });

  it('a failed sync fails everyone waiting on it; the next ask starts a fresh one', async () => {
    const m = manualSync();
    const sync = coalescedSync(m.sync);
    void sync('/d').catch(() => undefined);
    // Their outcomes are taken at once: a rejection left unhandled for a tick would warn.
    const waiting = [sync('/d'), sync('/d')].map((p) => p.then(() => 'resolved', (e: Error) => e.message));
    await m.finish(0);
    await m.finish(1, new Error('EIO'));
    expect(await Promise.all(waiting)).to.deep.equal(['EIO', 'EIO']);
    const fourth = sync('/d');
    expect(m.started).to.have.length(3);
    await m.finish(2);
    await fourth;
  });
});
