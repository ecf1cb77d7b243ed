import { expect } from 'chai';
import { IdleOrderedIds } from '../../src/routing/idle-order.js';

describe('IdleOrderedIds', () => {
  const since = new Map<number, number>();
  const ids = (): IdleOrderedIds => new IdleOrderedIds((id) => since.get(id) ?? 0);
  beforeEach(() => since.clear());

  it('iterates longest idle first, then by id, whatever order the ids came in', () => {
    since.set(1, 300).set(2, 100).set(3, 200).set(4, 100);
    const set = ids();
    for (const id of [1, 2, 3, 4]) set.add(id);
    expect([...set]).to.deep.equal([2, 4, 3, 1]);
  });

  it('keeps the order through adds after the last one, deletes and re-adds', () => {
    since.set(1, 100).set(2, 200).set(3, 300);
    const set = ids();
    for (const id of [1, 2, 3]) set.add(id);
    set.delete(1);
    since.set(1, 400); // agent 1 took a call and is free again: now the most recently idle
    set.add(1);
    expect([...set]).to.deep.equal([2, 3, 1]);
    since.set(2, 50); // a record from another orchestrator with an older idle time
    set.add(2);
    expect([...set]).to.deep.equal([2, 3, 1]);
    expect(set.size).to.equal(3);
    expect(set.has(1)).to.equal(true);
  });

  it('sorts again after an add out of order that follows a sort', () => {
    since.set(5, 500).set(6, 100);
    const set = ids();
    set.add(5);
    set.add(6);
    expect([...set]).to.deep.equal([6, 5]);
    since.set(7, 50);
    set.add(7);
    expect([...set]).to.deep.equal([7, 6, 5]);
  });
});
