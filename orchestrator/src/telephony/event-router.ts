/**
 * Routes ARI events to whoever waits for them, by resource id through Maps: O(1) per event whatever the number
 * of live calls. It knows nothing of ari-client: it takes the parsed JSON of an event, so it is unit-tested with
 * recorded payloads of a real Asterisk.
 *
 * Lifetimes: a channel route lives from the first of watchChannel / originate / StasisStart until the channel's
 * first hang-up signal (ChannelHangupRequest, StasisEnd without continue, ChannelDestroyed); a playback or
 * recording route until it settles. Nothing is left behind for a finished channel.
 */
import type { Logger } from 'pino';
import type {
  BridgeId,
  ChannelEvent,
  ChannelId,
  ChannelListener,
  ChannelState,
  EndpointStateEvent,
  EndpointStatus,
  InboundChannel,
  OriginateOutcome,
  PlaybackOutcome,
  RecordingResult,
} from './port.js';
import type { NodeRegistry } from './node-registry.js';

/** The subset of an ARI event's JSON the router reads. */
export interface AriEvent {
  readonly type: string;
  readonly timestamp?: string;
  readonly application?: string;
  readonly channel?: AriChannelJson;
  readonly bridge?: { readonly id: string; readonly bridge_type?: string; readonly channels?: readonly string[] };
  readonly playback?: { readonly id: string; readonly state?: string; readonly target_uri?: string };
  readonly recording?: {
    readonly name: string;
    readonly state?: string;
    readonly target_uri?: string;
    readonly duration?: number;
    readonly cause?: string;
  };
  readonly endpoint?: { readonly technology: string; readonly resource: string; readonly state?: string };
  readonly args?: readonly string[];
  readonly digit?: string;
  readonly duration_ms?: number;
  readonly cause?: number;
  readonly cause_txt?: string;
  readonly soft?: boolean;
}

export interface AriChannelJson {
  readonly id: string;
  readonly name?: string;
  readonly state?: string;
  readonly caller?: { readonly name?: string; readonly number?: string };
  readonly dialplan?: {
    readonly context?: string;
    readonly exten?: string;
    readonly priority?: number;
    readonly app_name?: string;
  };
  readonly creationtime?: string;
}

/** Q.850 causes the call flow cares about. */
export const CAUSE = { normal: 16, busy: 17, noAnswer: 19 } as const;

interface PendingLeg {
  settle(outcome: OriginateOutcome): void;
}

interface ChannelRoute {
  readonly listeners: Set<ChannelListener>;
  /** We created this channel (originate, snoop): its StasisStart is not an inbound call. */
  owned: boolean;
  inStasis: boolean;
  answered: boolean;
  /** continue/redirect was asked: the coming StasisEnd means "left the app", not a hang-up. */
  leavingApp: boolean;
  /** We asked for the hang-up (an unanswered originated leg then ends 'cancelled'). */
  hangupByUs: boolean;
  lastCause?: number;
  leg?: PendingLeg;
  /** Sent through the dialplan to come back (visitDialplan): settled by its next StasisStart, or its hang-up. */
  visit?: (args: readonly string[] | null) => void;
}

/** A playback or recording that must settle when its target (channel or bridge) goes away. */
interface TargetWaiter {
  targetGone(): void;
}

interface PendingPlayback extends TargetWaiter {
  readonly targetKey: string;
  stopped: boolean;
  settle(outcome: PlaybackOutcome): void;
}

interface PendingRecording extends TargetWaiter {
  readonly targetKey: string;
  settle(result: RecordingResult): void;
}

const CHANNEL_STATES = new Set<ChannelState>([
  'Down',
  'Rsrvd',
  'OffHook',
  'Dialing',
  'Ring',
  'Ringing',
  'Up',
  'Busy',
  'Unknown',
]);

export function channelState(state: string | undefined): ChannelState {
  return state && CHANNEL_STATES.has(state as ChannelState) ? (state as ChannelState) : 'Unknown';
}

function endpointStatus(state: string | undefined): EndpointStatus {
  return state === 'online' || state === 'offline' ? state : 'unknown';
}

export function targetKey(target: { channelId: ChannelId } | { bridgeId: BridgeId }): string {
  return 'channelId' in target ? `c:${target.channelId}` : `b:${target.bridgeId}`;
}

/** The event types `dispatch` acts on; it counts any other type in `ignored` and drops it. */
export const ROUTED_EVENT_TYPES: ReadonlySet<string> = new Set([
  'StasisStart',
  'StasisEnd',
  'ChannelStateChange',
  'ChannelDtmfReceived',
  'ChannelHangupRequest',
  'ChannelDestroyed',
  'PlaybackFinished',
  'RecordingFinished',
  'RecordingFailed',
  'BridgeDestroyed',
  'EndpointStateChange',
]);

/**
 * The served event types (events.json: the subtypes of Event) the app need not receive: the ones nobody routes.
 * The connection's own messages (RESTResponse, ApplicationReplaced) and the app's lifecycle notices stay.
 */
export function unroutedEventTypes(served: readonly string[]): string[] {
  return served.filter((t) => !ROUTED_EVENT_TYPES.has(t) && !t.startsWith('Application') && t !== 'RESTResponse');
}

/** The body of PUT /applications/{app}/eventFilter that keeps the unrouted types on Asterisk. */
export function unroutedEventFilter(served: readonly string[]): { disallowed: { type: string }[] } {
  return { disallowed: unroutedEventTypes(served).map((type) => ({ type })) };
}

export class EventRouter {
  private readonly channels = new Map<ChannelId, ChannelRoute>();
  private readonly playbacks = new Map<string, PendingPlayback>();
  private readonly recordings = new Map<string, PendingRecording>();
  /** target key ('c:id' / 'b:id') → playbacks and recordings on it. */
  private readonly targets = new Map<string, Set<TargetWaiter>>();
  private readonly inboundHandlers: Array<(channel: InboundChannel) => void> = [];
  private readonly endpointHandlers: Array<(event: EndpointStateEvent) => void> = [];
  /** Event types we do not handle, counted (debug aid; never grows past the number of event types). */
  readonly ignored = new Map<string, number>();

  constructor(
    private readonly registry: NodeRegistry,
    private readonly log: Logger,
  ) {}

  // --- registration ---------------------------------------------------------------------------------------------

  onInbound(handler: (channel: InboundChannel) => void): void {
    this.inboundHandlers.push(handler);
  }

  onEndpointState(handler: (event: EndpointStateEvent) => void): void {
    this.endpointHandlers.push(handler);
  }

  watch(channelId: ChannelId, listener: ChannelListener): () => void {
    const route = this.route(channelId);
    route.listeners.add(listener);
    return () => {
      const current = this.channels.get(channelId);
      if (current !== route) return;
      route.listeners.delete(listener);
      // Drop an idle route nobody created a channel for (a watch that was never followed by a channel).
      if (route.listeners.size === 0 && !route.owned && !route.inStasis && !route.leg) this.channels.delete(channelId);
    };
  }

  /** Marks a channel id as ours before the request that creates it. */
  own(channelId: ChannelId, leg?: PendingLeg): void {
    const route = this.route(channelId);
    route.owned = true;
    if (leg) route.leg = leg;
  }

  /** The request that would have created the channel failed for good: no event will ever come for it. */
  disown(channelId: ChannelId): void {
    this.channels.delete(channelId);
    this.registry.forget('channel', channelId);
  }

  /** The channel is about to visit the dialplan: `back` hears the args it returns with, or null if it never does. */
  expectReturn(channelId: ChannelId, back: (args: readonly string[] | null) => void): boolean {
    const route = this.channels.get(channelId);
    if (!route) return false;
    route.visit = back;
    return true;
  }

  /** The visit is off (its request failed, or it took too long): nobody waits for its return any more. */
  forgetReturn(channelId: ChannelId): void {
    const route = this.channels.get(channelId);
    if (route) route.visit = undefined;
  }

  markLeavingApp(channelId: ChannelId, leaving: boolean): void {
    const route = this.channels.get(channelId);
    if (route) route.leavingApp = leaving;
  }

  markHangupByUs(channelId: ChannelId): void {
    const route = this.channels.get(channelId);
    if (route) route.hangupByUs = true;
  }

  isLive(channelId: ChannelId): boolean {
    return this.channels.has(channelId);
  }

  addPlayback(playbackId: string, pending: PendingPlayback): void {
    this.playbacks.set(playbackId, pending);
    this.addTarget(pending.targetKey, pending);
  }

  hasPlayback(playbackId: string): boolean {
    return this.playbacks.has(playbackId);
  }

  markPlaybackStopped(playbackId: string): void {
    const p = this.playbacks.get(playbackId);
    if (p) p.stopped = true;
  }

  /** Settles and forgets a playback (finished, failed to start, timed out). */
  endPlayback(playbackId: string, outcome: PlaybackOutcome): void {
    const p = this.playbacks.get(playbackId);
    if (!p) return;
    this.playbacks.delete(playbackId);
    this.removeTarget(p.targetKey, p);
    this.registry.forget('playback', playbackId);
    p.settle(outcome);
  }

  addRecording(name: string, pending: PendingRecording): void {
    this.recordings.set(name, pending);
    this.addTarget(pending.targetKey, pending);
  }

  hasRecording(name: string): boolean {
    return this.recordings.has(name);
  }

  endRecording(name: string, result: RecordingResult): void {
    const r = this.recordings.get(name);
    if (!r) return;
    this.recordings.delete(name);
    this.removeTarget(r.targetKey, r);
    this.registry.forget('recording', name);
    r.settle(result);
  }

  /** Live routes, for tests and metrics: proves nothing is left behind. */
  sizes(): { channels: number; playbacks: number; recordings: number; targets: number } {
    return {
      channels: this.channels.size,
      playbacks: this.playbacks.size,
      recordings: this.recordings.size,
      targets: this.targets.size,
    };
  }

  /** Channel ids we hold a route for on a node (reconciliation after a gap). */
  channelIdsOn(node: string): ChannelId[] {
    return this.registry.idsOn('channel', node).filter((id) => this.channels.has(id));
  }

  playbackIds(): string[] {
    return [...this.playbacks.keys()];
  }

  recordingNames(): string[] {
    return [...this.recordings.keys()];
  }

  // --- dispatch -------------------------------------------------------------------------------------------------

  dispatch(node: string, event: AriEvent): void {
    switch (event.type) {
      case 'StasisStart':
        return this.stasisStart(node, event);
      case 'StasisEnd':
        return this.stasisEnd(event);
      case 'ChannelStateChange':
        return this.stateChange(event);
      case 'ChannelDtmfReceived':
        if (event.channel && typeof event.digit === 'string') {
          this.emit(event.channel.id, { type: 'dtmf', digit: event.digit, durationMs: event.duration_ms ?? 0 });
        }
        return;
      case 'ChannelHangupRequest':
        if (event.channel) {
          const route = this.channels.get(event.channel.id);
          if (!route) return;
          if (typeof event.cause === 'number') route.lastCause = event.cause;
          // An unanswered leg's real cause (19 no answer, 17 busy) comes with ChannelDestroyed; a (soft) hang-up
          // request before it carries a generic one (c5: 32, then 19).
          if (route.leg) return;
          this.hangup(event.channel.id, route, event.cause ?? CAUSE.normal, event.cause_txt);
        }
        return;
      case 'ChannelDestroyed':
        if (event.channel) {
          const route = this.channels.get(event.channel.id);
          if (route) this.hangup(event.channel.id, route, event.cause ?? CAUSE.normal, event.cause_txt);
        }
        return;
      case 'PlaybackFinished':
        if (event.playback) {
          const p = this.playbacks.get(event.playback.id);
          if (p)
            this.endPlayback(
              event.playback.id,
              event.playback.state === 'failed' ? 'failed' : p.stopped ? 'stopped' : 'done',
            );
        }
        return;
      case 'RecordingFinished':
        if (event.recording) {
          const duration = event.recording.duration;
          this.endRecording(event.recording.name, {
            status: 'done',
            ...(typeof duration === 'number' ? { durationSeconds: duration } : {}),
          });
        }
        return;
      case 'RecordingFailed':
        if (event.recording) {
          this.endRecording(event.recording.name, {
            status: 'failed',
            ...(event.recording.cause ? { cause: event.recording.cause } : {}),
          });
        }
        return;
      case 'BridgeDestroyed':
        if (event.bridge) {
          this.registry.forget('bridge', event.bridge.id);
          this.targetGone(`b:${event.bridge.id}`);
        }
        return;
      case 'EndpointStateChange':
        if (event.endpoint) {
          const ev: EndpointStateEvent = {
            tech: event.endpoint.technology,
            resource: event.endpoint.resource,
            state: endpointStatus(event.endpoint.state),
          };
          for (const h of this.endpointHandlers) this.safe(() => h(ev), 'endpoint state handler');
        }
        return;
      default:
        this.ignored.set(event.type, (this.ignored.get(event.type) ?? 0) + 1);
    }
  }

  /**
   * The adapter stops: every wait settles (playbacks 'stopped', recordings 'cancelled', unanswered legs
   * 'cancelled') so nobody waits on a switch we no longer listen to. Watchers are dropped without an event:
   * the channels themselves live on in Asterisk.
   */
  shutdown(): void {
    for (const id of [...this.playbacks.keys()]) this.endPlayback(id, 'stopped');
    for (const name of [...this.recordings.keys()])
      this.endRecording(name, { status: 'cancelled', cause: 'switch adapter stopped' });
    for (const route of this.channels.values()) {
      const leg = route.leg;
      route.leg = undefined;
      leg?.settle({ result: 'cancelled', cause: 0 });
      const visit = route.visit;
      route.visit = undefined;
      visit?.(null);
    }
    this.channels.clear();
    this.targets.clear();
  }

  /** A channel we route for is gone without us hearing it (it vanished while the socket was down). */
  vanished(channelId: ChannelId, causeText: string): void {
    const route = this.channels.get(channelId);
    if (route) this.hangup(channelId, route, CAUSE.normal, causeText);
  }

  // --- internals ----------------------------------------------------------------------------------------------

  private route(channelId: ChannelId): ChannelRoute {
    let route = this.channels.get(channelId);
    if (!route) {
      route = {
        listeners: new Set(),
        owned: false,
        inStasis: false,
        answered: false,
        leavingApp: false,
        hangupByUs: false,
      };
      this.channels.set(channelId, route);
    }
    return route;
  }

  private stasisStart(node: string, event: AriEvent): void {
    const ch = event.channel;
    if (!ch) return;
    const existing = this.channels.get(ch.id);
    const known = this.registry.get('channel', ch.id);
    if (known && known !== node) {
      // Asterisk uniqueids are only unique per node unless each node sets its own `systemname`.
      this.log.error(
        { channelId: ch.id, node, otherNode: known },
        'the same channel id is live on two nodes; give every Asterisk node a distinct systemname',
      );
    }
    this.registry.set('channel', ch.id, node);
    if (existing?.owned) {
      existing.inStasis = true;
      existing.leavingApp = false;
      const visit = existing.visit;
      existing.visit = undefined;
      visit?.(event.args ?? []);
      // An originated leg enters the app once answered (state Up): from here it can be bridged. A channel made
      // with channels/create enters at Down and is answered by its ChannelStateChange(Up) later.
      if (ch.state === 'Up') this.answered(existing);
      return;
    }
    const route = existing ?? this.route(ch.id);
    route.inStasis = true;
    route.leavingApp = false;
    route.answered = ch.state === 'Up';
    const inbound: InboundChannel = {
      channelId: ch.id,
      node,
      args: event.args ?? [],
      callerNumber: ch.caller?.number ?? '',
      callerName: ch.caller?.name ?? '',
      dialedExten: ch.dialplan?.exten ?? '',
      channelName: ch.name ?? '',
      state: channelState(ch.state),
      createdAt: ch.creationtime ? new Date(ch.creationtime.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : new Date(),
    };
    for (const h of this.inboundHandlers) this.safe(() => h(inbound), 'inbound handler');
  }

  private stasisEnd(event: AriEvent): void {
    const ch = event.channel;
    if (!ch) return;
    const route = this.channels.get(ch.id);
    if (!route) return;
    if (route.visit) {
      // Off to the dialplan and coming back: a channel the app made stays subscribed, so its hang-up is heard.
      route.inStasis = false;
      return;
    }
    if (route.leavingApp) {
      // The channel lives on in the dialplan; it is no longer ours to route.
      this.emitTo(route, { type: 'left_app' });
      this.channels.delete(ch.id);
      this.registry.forget('channel', ch.id);
      this.targetGone(`c:${ch.id}`);
      return;
    }
    if (route.leg) return; // see ChannelHangupRequest: wait for ChannelDestroyed
    this.hangup(ch.id, route, route.lastCause ?? CAUSE.normal, undefined);
  }

  private stateChange(event: AriEvent): void {
    const ch = event.channel;
    if (!ch) return;
    const route = this.channels.get(ch.id);
    if (!route) return;
    if (ch.state === 'Ringing') this.emitTo(route, { type: 'ringing' });
    else if (ch.state === 'Up' && (route.inStasis || !route.leg)) {
      // An originated leg is reported answered when it is in the app (StasisStart): bridging it before that
      // answers 422 "Channel not in Stasis application".
      this.answered(route);
    }
  }

  private answered(route: ChannelRoute): void {
    if (route.answered) return;
    route.answered = true;
    const leg = route.leg;
    route.leg = undefined;
    leg?.settle({ result: 'answered' });
    this.emitTo(route, { type: 'answered' });
  }

  private hangup(channelId: ChannelId, route: ChannelRoute, cause: number, causeText: string | undefined): void {
    this.channels.delete(channelId);
    this.registry.forget('channel', channelId);
    const visit = route.visit;
    route.visit = undefined;
    visit?.(null);
    if (route.leg) {
      const leg = route.leg;
      route.leg = undefined;
      if (route.hangupByUs) leg.settle({ result: 'cancelled', cause });
      else if (cause === CAUSE.noAnswer) leg.settle({ result: 'no_answer', cause });
      else if (cause === CAUSE.busy) leg.settle({ result: 'busy', cause });
      else leg.settle({ result: 'failed', cause });
    }
    this.emitTo(route, { type: 'hangup', cause, causeText: causeText ?? causeName(cause) });
    route.listeners.clear();
    this.targetGone(`c:${channelId}`);
  }

  private emit(channelId: ChannelId, event: ChannelEvent): void {
    const route = this.channels.get(channelId);
    if (route) this.emitTo(route, event);
  }

  private emitTo(route: ChannelRoute, event: ChannelEvent): void {
    // Copy: a listener may unwatch (or watch) while we iterate.
    for (const l of [...route.listeners]) this.safe(() => l(event), `channel listener (${event.type})`);
  }

  private addTarget(key: string, waiter: TargetWaiter): void {
    let set = this.targets.get(key);
    if (!set) {
      set = new Set();
      this.targets.set(key, set);
    }
    set.add(waiter);
  }

  private removeTarget(key: string, waiter: TargetWaiter): void {
    const set = this.targets.get(key);
    if (!set) return;
    set.delete(waiter);
    if (set.size === 0) this.targets.delete(key);
  }

  private targetGone(key: string): void {
    const set = this.targets.get(key);
    if (!set) return;
    this.targets.delete(key);
    for (const w of set) this.safe(() => w.targetGone(), 'target gone');
  }

  private safe(fn: () => void, what: string): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, `${what} threw; the event was still delivered to the others`);
    }
  }
}

export function causeName(cause: number): string {
  switch (cause) {
    case 16:
      return 'Normal Clearing';
    case 17:
      return 'User busy';
    case 18:
      return 'No user responding';
    case 19:
      return 'User alerting, no answer';
    case 21:
      return 'Call Rejected';
    case 32:
      return 'Circuit/channel congestion';
    default:
      return `Cause ${cause}`;
  }
}
