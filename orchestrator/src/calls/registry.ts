import type { Call } from './call.js';

/** Live calls by call id and by the caller's channel id; both O(1). */
export class CallRegistry {
  private readonly byId = new Map<string, Call>();
  private readonly byChannel = new Map<string, Call>();

  add(call: Call): void {
    this.byId.set(call.id, call);
    this.byChannel.set(call.channelId, call);
  }

  remove(call: Call): void {
    if (this.byId.get(call.id) === call) this.byId.delete(call.id);
    if (this.byChannel.get(call.channelId) === call) this.byChannel.delete(call.channelId);
  }

  get(callId: string): Call | undefined {
    return this.byId.get(callId);
  }

  byChannelId(channelId: string): Call | undefined {
    return this.byChannel.get(channelId);
  }

  list(): Call[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }
}
