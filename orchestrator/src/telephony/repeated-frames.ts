/**
 * Remembers the last frames an events socket brought, to drop a frame that arrives a second time.
 *
 * The app subscribes to `endpoint:PJSIP` to hear phones register and drop (EndpointStateChange). Asterisk then
 * forwards each PJSIP channel's messages to the app twice, through the channel's own subscription and through its
 * endpoint's technology, so the same frame, timestamp included, arrives twice within a few frames (Asterisk 22.10.1:
 * every ChannelDtmfReceived, PlaybackFinished and ChannelHangupRequest of a caller; one key press was taken for
 * two). Two real events never share a frame's text: their timestamps or contents differ.
 */
export class RepeatedFrames {
  private readonly recent = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(capacity = 256) {
    this.ring = new Array<string | undefined>(Math.max(1, capacity));
  }

  /** True when `frame` is among the last `capacity` frames; otherwise it is remembered. */
  seen(frame: string): boolean {
    if (this.recent.has(frame)) return true;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.recent.delete(evicted);
    this.ring[this.next] = frame;
    this.next = (this.next + 1) % this.ring.length;
    this.recent.add(frame);
    return false;
  }
}
