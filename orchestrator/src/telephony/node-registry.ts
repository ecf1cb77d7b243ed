/**
 * Which Asterisk node owns a channel, bridge, playback or recording, so a request about it goes to the node
 * that has it. Entries are added when we learn of the resource and removed when it ends.
 */
export type ResourceKind = 'channel' | 'bridge' | 'playback' | 'recording';

export class NodeRegistry {
  private readonly maps: Record<ResourceKind, Map<string, string>> = {
    channel: new Map(),
    bridge: new Map(),
    playback: new Map(),
    recording: new Map(),
  };

  set(kind: ResourceKind, id: string, node: string): void {
    this.maps[kind].set(id, node);
  }

  get(kind: ResourceKind, id: string): string | undefined {
    return this.maps[kind].get(id);
  }

  forget(kind: ResourceKind, id: string): void {
    this.maps[kind].delete(id);
  }

  /** Ids of one kind living on a node (used after a reconnect). */
  idsOn(kind: ResourceKind, node: string): string[] {
    const out: string[] = [];
    for (const [id, n] of this.maps[kind]) if (n === node) out.push(id);
    return out;
  }

  size(kind: ResourceKind): number {
    return this.maps[kind].size;
  }
}
