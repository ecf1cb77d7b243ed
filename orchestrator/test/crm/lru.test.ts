import { expect } from 'chai';
import { LruCache } from '../../src/crm/lru.js';

describe('crm/lru LruCache', () => {
  it('evicts the least recently used entry past its size', () => {
    const c = new LruCache<string, number>(2, 1000);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).to.equal(1); // a is now the most recent
    c.set('c', 3);
    expect(c.get('b')).to.equal(undefined);
    expect(c.get('a')).to.equal(1);
    expect(c.get('c')).to.equal(3);
    expect(c.size).to.equal(2);
  });

  it('expires entries after their TTL (per-entry TTL too)', () => {
    let now = 0;
    const c = new LruCache<string, string | null>(10, 100, () => now);
    c.set('x', 'long');
    c.set('neg', null, 10);
    now = 50;
    expect(c.get('x')).to.equal('long');
    expect(c.get('neg')).to.equal(undefined);
    now = 101;
    expect(c.get('x')).to.equal(undefined);
    expect(c.size).to.equal(0);
  });

  it('caches null values as hits, distinct from a miss', () => {
    const c = new LruCache<string, number | null>(10, 1000);
    c.set('unknown', null);
    expect(c.get('unknown')).to.equal(null);
    expect(c.get('other')).to.equal(undefined);
  });

  it('refuses a non-positive size', () => {
    expect(() => new LruCache(0, 10)).to.throw(/maxEntries/);
  });
});
