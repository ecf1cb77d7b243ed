/**
 * A set of agent ids that iterates in longest-idle order: when the agent's idle stretch began, then id (the order
 * `longest_idle` ranks free agents by, strategies.ts `byIdle`).
 *
 * Why: the ACD looked at every free agent a call could take to find the one idle longest, which with 1,500 agents
 * mostly free was a few per cent of the orchestrator's CPU at 500 calls/s. In this order the first eligible agent
 * is the answer. Keeping it costs almost nothing, because agents become free in time order: an agent added after
 * the last one keeps the order (a Set iterates in insertion order). Any other add (a record from another
 * orchestrator with an older time, the first load) marks the set, and the next ordered read sorts it once.
 */
export class IdleOrderedIds implements Iterable<number> {
  private ids = new Set<number>();
  private lastSince = -Infinity;
  private lastId = -Infinity;
  private inOrder = true;

  /** `idleSince(id)` reads the time (epoch ms) the agent's idle stretch began, from the record that was added. */
  constructor(private readonly idleSince: (id: number) => number) {}

  get size(): number {
    return this.ids.size;
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }

  add(id: number): void {
    this.ids.delete(id);
    const since = this.idleSince(id);
    if (since > this.lastSince || (since === this.lastSince && id > this.lastId)) {
      this.lastSince = since;
      this.lastId = id;
    } else {
      this.inOrder = false;
    }
    this.ids.add(id);
  }

  /** Removing keeps the order: the last added is still at least as late as every id left. */
  delete(id: number): void {
    this.ids.delete(id);
  }

  [Symbol.iterator](): Iterator<number> {
    if (!this.inOrder) this.sort();
    return this.ids.values();
  }

  private sort(): void {
    const sorted = [...this.ids].sort((a, b) => this.idleSince(a) - this.idleSince(b) || a - b);
    this.ids = new Set(sorted);
    const last = sorted[sorted.length - 1];
    this.lastSince = last === undefined ? -Infinity : this.idleSince(last);
    this.lastId = last ?? -Infinity;
    this.inOrder = true;
  }
}
