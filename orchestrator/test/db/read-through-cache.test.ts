import { expect } from 'chai';
import { ReadThroughCache } from '../../src/db/read-through-cache.js';

/** A load whose results the test hands out one by one, counting the reads. */
function controlledLoad<V>() {
  const pending: Array<{ key: string; resolve: (v: V) => void; reject: (e: Error) => void }> = [];
  const load = (key: string): Promise<V> => new Promise<V>((resolve, reject) => pending.push({ key, resolve, reject }));
  return { load, pending };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('db/read-through-cache ReadThroughCache', () => {
  let now = 1_000;
  const clock = (): number => now;
  beforeEach(() => {
    now = 1_000;
  });

  /** A cache whose key `q1` was loaded as `v1`, now at the end of its time. */
  async function expiredAfterLoadingV1() {
    const { load, pending } = controlledLoad<string>();
    const cache = new ReadThroughCache(load, { ttlMs: 5_000, now: clock });
    const first = cache.get('q1');
    await tick();
    pending[0]!.resolve('v1');
    await first;
    now += 5_001;
    return { cache, pending };
  }

  it('reads a key once for every caller of the moment, and serves it from memory while fresh', async () => {
    const { load, pending } = controlledLoad<string>();
    const cache = new ReadThroughCache(load, { ttlMs: 5_000, now: clock });
    const first = Promise.all([cache.get('q1'), cache.get('q1'), cache.get('q1')]);
    await tick();
    expect(pending).to.have.length(1);
    pending[0]!.resolve('settings v1');
    expect(await first).to.deep.equal(['settings v1', 'settings v1', 'settings v1']);
    now += 4_999;
    expect(await cache.get('q1')).to.equal('settings v1');
    expect(pending).to.have.length(1);
  });

  it('after its time, serves the old value while one reload runs, then the new one', async () => {
    const { cache, pending } = await expiredAfterLoadingV1();
    expect(await Promise.all([cache.get('q1'), cache.get('q1')])).to.deep.equal(['v1', 'v1']);
    expect(pending).to.have.length(2);
    pending[1]!.resolve('v2');
    await tick();
    expect(await cache.get('q1')).to.equal('v2');
    expect(pending).to.have.length(2);
  });

  it('keeps the last value for another while when a reload fails', async () => {
    const { cache, pending } = await expiredAfterLoadingV1();
    expect(await cache.get('q1')).to.equal('v1');
    pending[1]!.reject(new Error('database away'));
    await tick();
    now += 4_999;
    expect(await cache.get('q1')).to.equal('v1');
    expect(pending).to.have.length(2);
    now += 2;
    expect(await cache.get('q1')).to.equal('v1');
    expect(pending).to.have.length(3);
    pending[2]!.resolve('v2');
    await tick();
    expect(await cache.get('q1')).to.equal('v2');
  });

  it('gives the error to callers of a key it never loaded, and tries again on the next get', async () => {
    const { load, pending } = controlledLoad<string>();
    const cache = new ReadThroughCache(load, { ttlMs: 5_000, now: clock });
    const first = cache.get('q1');
    await tick();
    pending[0]!.reject(new Error('database away'));
    let caught: unknown = null;
    await first.catch((err: unknown) => (caught = err));
    expect((caught as Error | null)?.message).to.equal('database away');
    const second = cache.get('q1');
    await tick();
    expect(pending).to.have.length(2);
    pending[1]!.resolve('v1');
    expect(await second).to.equal('v1');
  });

  it('caches a missing row (null) like any value', async () => {
    let reads = 0;
    const cache = new ReadThroughCache(
      async (): Promise<string | null> => {
        reads++;
        return null;
      },
      { ttlMs: 5_000, now: clock },
    );
    expect(await cache.get('no such queue')).to.equal(null);
    expect(await cache.get('no such queue')).to.equal(null);
    expect(reads).to.equal(1);
  });

  it('drops a read in flight on delete, so a value edited meanwhile is read again', async () => {
    const { load, pending } = controlledLoad<string>();
    const cache = new ReadThroughCache(load, { ttlMs: 5_000, now: clock });
    const before = cache.get('q1').catch(() => 'aborted');
    await tick();
    cache.delete('q1');
    pending[0]!.resolve('as before the edit');
    await before;
    const after = cache.get('q1');
    await tick();
    expect(pending).to.have.length(2);
    pending[1]!.resolve('as edited');
    expect(await after).to.equal('as edited');
    expect(await cache.get('q1')).to.equal('as edited');
  });

  it('reads on every get with a time of 0', async () => {
    let reads = 0;
    const cache = new ReadThroughCache(async () => ++reads, { ttlMs: 0, now: clock });
    expect(await cache.get('q1')).to.equal(1);
    expect(await cache.get('q1')).to.equal(2);
  });
});
