/**
 * The switch port over ari-client (one supervised connection per Asterisk node) plus AMI where ARI has no verb.
 *
 * Guarantees (see docs/telephony.md): ids are chosen here (uuid) and routed before the request is sent, so an
 * event that overtakes its reply is never lost; events are routed by id in O(1); every request has a timeout
 * and fails as a SwitchError; every wait (playback, recording, originate) has a timeout and ends with the
 * channel; after a reconnect the node is re-synchronised and channels that vanished get their `hangup`.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { logger as rootLogger } from '../logger.js';
import {
  BLOCKED_CALLERS_FAMILY,
  SwitchError,
  isSwitchError,
  type BridgeId,
  type BridgeOptions,
  type ChannelId,
  type DialplanTarget,
  type BlockedCallRejected,
  type ChannelListener,
  type EndpointContact,
  type OutboundRegistration,
  type EndpointStateEvent,
  type InboundChannel,
  type LiveBridge,
  type LiveChannel,
  type MediaTarget,
  type NodeConnectionState,
  type OriginateOptions,
  type OriginateOutcome,
  type OriginatedLeg,
  type PlayOptions,
  type PlaybackHandle,
  type PlaybackOutcome,
  type RecordOptions,
  type RecordingHandle,
  type RecordingResult,
  type SnoopOptions,
  type StoredRecordingLocation,
  type SwitchPort,
} from './port.js';
import { AriConnection, type AriNodeConfig } from './ari-connection.js';
import { AmiConnection, type AmiMessage } from './ami-adapter.js';
import {
  EventRouter,
  channelState,
  targetKey,
  unroutedEventFilter,
  type AriChannelJson,
  type AriEvent,
} from './event-router.js';
import { NodeRegistry } from './node-registry.js';

export type { AriNodeConfig } from './ari-connection.js';

/** A stored recording's file, below /ari. */
function storedFilePath(name: string): string {
  return `/recordings/stored/${encodeURIComponent(name)}/file`;
}

/** AMI actions in flight at once on one connection when writing many (AstDB keys): AMI answers them in order. */
const AMI_PIPELINE = 32;

/** How long a stopped playback may take to report PlaybackFinished before it is settled as stopped anyway. */
const STOP_EVENT_GRACE_MS = 1000;

export interface AriAdapterOptions {
  readonly nodes: readonly AriNodeConfig[];
  /** Budget of every ARI REST request and AMI action. Default 5000 ms. */
  readonly requestTimeoutMs?: number;
  /** Budget of one connection attempt (credential check, API description, socket). Default 10000 ms. */
  readonly connectTimeoutMs?: number;
  /** Reconnect backoff: doubles from min to max, forever. Defaults 500 ms and 30000 ms. */
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  /** WebSocket ping interval (a missed pong closes and reconnects). Default 15000 ms. */
  readonly pingIntervalMs?: number;
  /** REST over the events socket where Asterisk offers it (`websocket`, the default) or always over HTTP. */
  readonly restTransport?: 'websocket' | 'http';
  /** Upper bound on a playback when the caller gives none. Default 600000 ms. */
  readonly playbackTimeoutMs?: number;
  /** Upper bound on a recording without maxDurationSeconds. Default 4 h. */
  readonly recordingTimeoutMs?: number;
  /** How long after its channel hangs up a recording waits for RecordingFinished. Default 3000 ms. */
  readonly recordingGraceMs?: number;
  /** An originated leg not answered by timeoutSeconds + this is given up (no_answer) and hung up. Default 10000 ms. */
  readonly originateGuardMs?: number;
  readonly logger?: Logger;
}

/** What a node re-synchronisation found; delivered with NodeConnectionState.resynced. */
export type ResyncReport = NonNullable<NodeConnectionState['resynced']>;

interface NodeSlot {
  readonly config: AriNodeConfig;
  readonly ari: AriConnection;
  readonly ami?: AmiConnection;
  state: NodeConnectionState;
}

export class AriAdapter implements SwitchPort {
  private readonly nodes = new Map<string, NodeSlot>();
  private readonly registry = new NodeRegistry();
  private readonly router: EventRouter;
  private readonly log: Logger;
  private readonly stateHandlers: Array<(state: NodeConnectionState) => void> = [];
  private readonly o: Required<Omit<AriAdapterOptions, 'nodes' | 'logger'>>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(options: AriAdapterOptions) {
    if (options.nodes.length === 0)
      throw new SwitchError('bad_request', 'the ARI adapter needs at least one Asterisk node');
    this.log = (options.logger ?? rootLogger).child({ module: 'telephony' });
    this.o = {
      requestTimeoutMs: options.requestTimeoutMs ?? 5000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      backoffMinMs: options.backoffMinMs ?? 500,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      pingIntervalMs: options.pingIntervalMs ?? 15_000,
      restTransport: options.restTransport ?? 'websocket',
      playbackTimeoutMs: options.playbackTimeoutMs ?? 600_000,
      recordingTimeoutMs: options.recordingTimeoutMs ?? 4 * 3600_000,
      recordingGraceMs: options.recordingGraceMs ?? 3000,
      originateGuardMs: options.originateGuardMs ?? 10_000,
    };
    this.router = new EventRouter(this.registry, this.log);
    for (const config of options.nodes) {
      if (this.nodes.has(config.name))
        throw new SwitchError('bad_request', `two Asterisk nodes are named ${config.name}`);
      if (!/^https?:\/\/[^\s]+$/.test(config.ariUrl))
        throw new SwitchError('bad_request', `node ${config.name}: ARI URL must be http(s)://host:port/ari`);
      const tuning = {
        requestTimeoutMs: this.o.requestTimeoutMs,
        connectTimeoutMs: this.o.connectTimeoutMs,
        backoffMinMs: this.o.backoffMinMs,
        backoffMaxMs: this.o.backoffMaxMs,
        pingIntervalMs: this.o.pingIntervalMs,
        restTransport: this.o.restTransport,
      };
      const slot: NodeSlot = {
        config,
        state: { node: config.name, connected: false, since: new Date(), lastError: 'not started' },
        ari: new AriConnection(
          config,
          tuning,
          {
            onEvent: (event) => this.router.dispatch(config.name, event),
            onState: (connected, reconnected, lastError) =>
              this.onNodeState(config.name, connected, reconnected, lastError),
          },
          this.log,
        ),
        ...(config.amiUrl
          ? {
              ami: new AmiConnection(
                config.name,
                config.amiUrl,
                {
                  actionTimeoutMs: this.o.requestTimeoutMs,
                  backoffMinMs: this.o.backoffMinMs,
                  backoffMaxMs: this.o.backoffMaxMs,
                },
                this.log,
              ),
            }
          : {}),
      };
      this.nodes.set(config.name, slot);
    }
  }

  // --- lifecycle ------------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    this.stopped = false;
    await Promise.all([...this.nodes.values()].flatMap((n) => [n.ari.start(), ...(n.ami ? [n.ami.start()] : [])]));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.router.shutdown();
    await Promise.all([...this.nodes.values()].flatMap((n) => [n.ari.stop(), ...(n.ami ? [n.ami.stop()] : [])]));
  }

  /** Test and operations aid: the live routes (proves nothing is left behind for finished channels). */
  routeSizes(): ReturnType<EventRouter['sizes']> {
    return this.router.sizes();
  }

  /** The per-node connection (tests: counters, forced drops). */
  connection(node: string): AriConnection | undefined {
    return this.nodes.get(node)?.ari;
  }

  amiConnection(node: string): AmiConnection | undefined {
    return this.nodes.get(node)?.ami;
  }

  // --- events ---------------------------------------------------------------------------------------------------

  onInbound(handler: (channel: InboundChannel) => void): void {
    this.router.onInbound(handler);
  }

  watchChannel(channelId: ChannelId, listener: ChannelListener): () => void {
    return this.router.watch(channelId, listener);
  }

  onEndpointState(handler: (event: EndpointStateEvent) => void): void {
    this.router.onEndpointState(handler);
  }

  onConnectionState(handler: (state: NodeConnectionState) => void): void {
    this.stateHandlers.push(handler);
  }

  onBlockedCallRejected(handler: (event: BlockedCallRejected) => void): void {
    for (const { ami } of this.nodes.values())
      ami?.onUserEvent((ev) => {
        // Raised by dialplans/inbound.conf [ariadne-blocked]: `UserEvent(AriadneBlocked,Key: …,Did: …)`.
        if (str(ev.userevent) !== 'AriadneBlocked') return;
        handler({
          node: ami.node,
          uniqueId: str(ev.uniqueid),
          key: str(ev.key),
          callerNum: str(ev.calleridnum),
          did: str(ev.did),
        });
      });
  }

  connectionStates(): readonly NodeConnectionState[] {
    return [...this.nodes.values()].map((n) => n.state);
  }

  private onNodeState(node: string, connected: boolean, reconnected: boolean, lastError?: string): void {
    const slot = this.nodes.get(node);
    if (!slot) return;
    const changed = slot.state.connected !== connected || slot.state.lastError !== lastError;
    if (changed) {
      slot.state = {
        node,
        connected,
        since: slot.state.connected !== connected ? new Date() : slot.state.since,
        ...(lastError ? { lastError } : {}),
      };
      this.emitState(slot.state);
    }
    if (connected && changed) {
      void this.subscribeEndpoints(slot).then(() => this.readEndpointStates(slot));
      void this.filterEvents(slot);
    }
    if (connected && reconnected) void this.resync(slot);
  }

  /**
   * Asterisk sends EndpointStateChange only to apps subscribed to the endpoint: subscribe to every PJSIP endpoint
   * (`endpoint:PJSIP`) on each connect, so agent phones registering or dropping reach the ACD. That subscription
   * also forwards every PJSIP channel's events a second time; the connection drops the copies (repeated-frames.ts).
   * Not `endpoint:` (all endpoints, which forwards no channel): on Asterisk 22.10.1 an app that subscribes to it
   * again after re-registering with a channel still in it leaves a router behind that crashes Asterisk at the next
   * endpoint state change once the app is gone (reproduced; res/stasis/app.c keeps one endpoint_router per app).
   */
  private async subscribeEndpoints(slot: NodeSlot): Promise<void> {
    try {
      await slot.ari.request('applications', 'subscribe', {
        applicationName: slot.config.app,
        eventSource: 'endpoint:PJSIP',
      });
    } catch (err) {
      this.log.warn({ err, node: slot.config.name }, 'could not subscribe to PJSIP endpoint states');
    }
  }

  /**
   * A phone that registered or dropped while no socket was open (this orchestrator restarting, or Asterisk) told
   * nobody: on each connect the PJSIP endpoints' states are read once, after subscribing, and handed on as their
   * EndpointStateChange would have been (the handlers write only what changed). Seen on Asterisk 22.10.1: an agent
   * whose phone came back during a restart stayed offline, and callers waited for nobody.
   */
  private async readEndpointStates(slot: NodeSlot): Promise<void> {
    let endpoints: unknown;
    try {
      endpoints = await slot.ari.request('endpoints', 'listByTech', { tech: 'PJSIP' });
    } catch (err) {
      this.log.warn(
        { err, node: slot.config.name },
        'could not read the PJSIP endpoints; their states follow events only',
      );
      return;
    }
    if (!Array.isArray(endpoints)) return;
    for (const endpoint of endpoints as AriEvent['endpoint'][]) {
      if (endpoint?.state === 'online' || endpoint?.state === 'offline')
        this.router.dispatch(slot.config.name, { type: 'EndpointStateChange', endpoint });
    }
  }

  /**
   * Asterisk sends the app every event of its channels and bridges, and most of them nothing here reads: a
   * bridged call alone brings two dozen ChannelVarset. The app's event filter (Asterisk 13.26/16.3+) stops them
   * before Asterisk serialises them, and we no longer parse them. It belongs to the app, which Asterisk may
   * drop while we are away, so it is set on every connect; events that arrive before it holds are ignored as
   * they always were.
   */
  private async filterEvents(slot: NodeSlot): Promise<void> {
    const filter = unroutedEventFilter(slot.ari.servedEventTypes);
    if (filter.disallowed.length === 0) return;
    try {
      await slot.ari.request('applications', 'filter', { applicationName: slot.config.app, filter });
    } catch (err) {
      this.log.warn({ err, node: slot.config.name }, 'could not set the app event filter; every event still arrives');
    }
  }

  private emitState(state: NodeConnectionState): void {
    for (const h of this.stateHandlers) {
      try {
        h(state);
      } catch (err) {
        this.log.error({ err }, 'connection state handler threw');
      }
    }
  }

  /**
   * After a gap: list the node's channels and bridges, end what vanished (watchers get `hangup`, waits settle),
   * and report what was found so the call registry can reconcile.
   */
  private async resync(slot: NodeSlot): Promise<void> {
    const node = slot.config.name;
    try {
      const [channels, bridges] = await Promise.all([this.channelsOn(slot), this.bridgesOn(slot)]);
      const live = new Set(channels.map((c) => c.channelId));
      const vanished = this.router.channelIdsOn(node).filter((id) => !live.has(id));
      for (const id of vanished) this.router.vanished(id, 'Gone while the ARI connection was down');
      const settled = await this.resyncMedia(slot);
      const resynced: ResyncReport = { channels, bridges, vanished, ...settled };
      this.log.info(
        { node, channels: channels.length, bridges: bridges.length, vanished: vanished.length },
        'node re-synchronised after reconnect',
      );
      slot.state = { ...slot.state, resynced };
      this.emitState(slot.state);
    } catch (err) {
      this.log.warn(
        { node, err: (err as Error).message },
        'resync after reconnect failed; dropping the socket to try again',
      );
      slot.ari.dropSocket();
    }
  }

  /** Playbacks and recordings whose end event was lost in the gap. */
  private async resyncMedia(slot: NodeSlot): Promise<{ playbacksEnded: string[]; recordingsEnded: string[] }> {
    const node = slot.config.name;
    const playbacksEnded: string[] = [];
    const recordingsEnded: string[] = [];
    const playbacks = this.router.playbackIds().filter((id) => (this.registry.get('playback', id) ?? node) === node);
    await inBatches(playbacks, 32, async (id) => {
      try {
        await slot.ari.request('playbacks', 'get', { playbackId: id });
      } catch (err) {
        if (isSwitchError(err, 'not_found')) {
          // It finished while we could not hear it; the outcome is not knowable, 'done' is the likely one.
          this.router.endPlayback(id, 'done');
          playbacksEnded.push(id);
        }
      }
    });
    const recordings = this.router
      .recordingNames()
      .filter((name) => (this.registry.get('recording', name) ?? node) === node);
    await inBatches(recordings, 32, async (name) => {
      try {
        await slot.ari.request('recordings', 'getLive', { recordingName: name });
      } catch (err) {
        if (!isSwitchError(err, 'not_found')) return;
        const stored = await slot.ari.request('recordings', 'getStored', { recordingName: name }).then(
          () => true,
          () => false,
        );
        this.router.endRecording(
          name,
          stored
            ? { status: 'done' }
            : { status: 'failed', cause: 'ended while the ARI connection was down; no stored file' },
        );
        recordingsEnded.push(name);
      }
    });
    return { playbacksEnded, recordingsEnded };
  }

  // --- routing helpers ------------------------------------------------------------------------------------------

  private slot(name: string): NodeSlot {
    const slot = this.nodes.get(name);
    if (!slot) throw new SwitchError('bad_request', `no Asterisk node named ${name}`);
    return slot;
  }

  /** The node for a new resource: the one asked for, else the first connected, else the first. */
  private pickNode(name?: string): NodeSlot {
    if (name) return this.slot(name);
    for (const s of this.nodes.values()) if (s.ari.connected) return s;
    return this.nodes.values().next().value as NodeSlot;
  }

  private nodeOf(kind: 'channel' | 'bridge' | 'playback' | 'recording', id: string): NodeSlot {
    const name = this.registry.get(kind, id);
    if (name) return this.slot(name);
    if (this.nodes.size === 1) return this.nodes.values().next().value as NodeSlot;
    throw new SwitchError('not_found', `${kind} ${id} is not known on any node (list channels and bridges first)`);
  }

  private nodeOfTarget(target: MediaTarget): NodeSlot {
    return 'channelId' in target ? this.nodeOf('channel', target.channelId) : this.nodeOf('bridge', target.bridgeId);
  }

  private async onChannel(
    channelId: ChannelId,
    operation: string,
    params: Record<string, unknown> = {},
  ): Promise<void> {
    await this.nodeOf('channel', channelId).ari.request('channels', operation, { channelId, ...params });
  }

  private timer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private clearTimer(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  // --- channels -------------------------------------------------------------------------------------------------

  answer(channelId: ChannelId): Promise<void> {
    return this.onChannel(channelId, 'answer');
  }

  async hangup(
    channelId: ChannelId,
    reason: 'normal' | 'busy' | 'congestion' | 'no_answer' | 'rejected' | 'answered_elsewhere' = 'normal',
  ): Promise<void> {
    this.router.markHangupByUs(channelId);
    await this.onChannel(channelId, 'hangup', { reason });
  }

  ring(channelId: ChannelId): Promise<void> {
    return this.onChannel(channelId, 'ring');
  }

  async originate(options: OriginateOptions): Promise<OriginatedLeg> {
    const channelId = options.channelId ?? randomUUID();
    if (this.router.isLive(channelId) && this.registry.get('channel', channelId)) {
      throw new SwitchError('conflict', `channel id ${channelId} is already in use`);
    }
    if (!Number.isFinite(options.timeoutSeconds) || options.timeoutSeconds <= 0) {
      throw new SwitchError('bad_request', 'originate needs a positive timeoutSeconds');
    }
    const slot = this.pickNode(options.node);
    let settle!: (o: OriginateOutcome) => void;
    const outcome = new Promise<OriginateOutcome>((resolve) => {
      let done = false;
      settle = (o) => {
        if (done) return;
        done = true;
        this.clearTimer(guard);
        resolve(o);
      };
    });
    // Every wait has an end: if neither StasisStart nor ChannelDestroyed arrives, give the leg up.
    const guard = this.timer(
      () => {
        if (!this.router.isLive(channelId)) return;
        this.log.warn(
          { channelId, node: slot.config.name },
          'originated leg neither answered nor ended in time; hanging it up',
        );
        this.router.vanished(channelId, 'No answer (orchestrator guard)');
        slot.ari.request('channels', 'hangup', { channelId, reason: 'no_answer' }).catch(() => undefined);
      },
      options.timeoutSeconds * 1000 + this.o.originateGuardMs,
    );
    this.router.own(channelId, { settle: (o) => settle(o) });
    this.registry.set('channel', channelId, slot.config.name);
    try {
      await slot.ari.request('channels', 'originate', {
        endpoint: options.endpoint,
        app: slot.config.app,
        appArgs: options.appArgs && options.appArgs.length > 0 ? options.appArgs.join(',') : undefined,
        callerId: options.callerId,
        timeout: Math.round(options.timeoutSeconds),
        channelId,
        variables: options.variables && Object.keys(options.variables).length > 0 ? options.variables : undefined,
      });
    } catch (err) {
      const e = err instanceof SwitchError ? err : new SwitchError('unavailable', String(err));
      // A timeout leaves the leg's fate unknown: keep routing it (the guard ends it). Anything else is final.
      if (e.code !== 'timeout') {
        this.router.disown(channelId);
        this.clearTimer(guard);
      }
      if (e.code === 'unreachable')
        throw new SwitchError(
          'unreachable',
          `${options.endpoint} is not reachable (unknown or not registered): ${e.message}`,
          e.status,
        );
      throw e;
    }
    return { channelId, outcome };
  }

  setVariable(channelId: ChannelId, name: string, value: string): Promise<void> {
    return this.onChannel(channelId, 'setChannelVar', { variable: name, value });
  }

  async getVariable(channelId: ChannelId, name: string): Promise<string | undefined> {
    try {
      const res = await this.nodeOf('channel', channelId).ari.request<{ value?: string }>('channels', 'getChannelVar', {
        channelId,
        variable: name,
      });
      return res?.value;
    } catch (err) {
      // 404 "Provided variable was not found" (the channel itself exists).
      if (isSwitchError(err, 'not_found') && /variable/i.test(err.message)) return undefined;
      throw err;
    }
  }

  async continueInDialplan(
    channelId: ChannelId,
    target?: { context?: string; extension?: string; priority?: number },
  ): Promise<void> {
    this.router.markLeavingApp(channelId, true);
    try {
      await this.onChannel(channelId, 'continueInDialplan', {
        context: target?.context,
        extension: target?.extension,
        priority: target?.priority,
      });
    } catch (err) {
      this.router.markLeavingApp(channelId, false);
      throw err;
    }
  }

  async visitDialplan(
    channelId: ChannelId,
    target: DialplanTarget,
    timeoutMs: number,
  ): Promise<readonly string[] | null> {
    let back!: (args: readonly string[] | null) => void;
    const returned = new Promise<readonly string[] | null>((resolve) => (back = resolve));
    if (!this.router.expectReturn(channelId, back)) return null; // gone already
    try {
      await this.onChannel(channelId, 'continueInDialplan', { ...target });
    } catch (err) {
      this.router.forgetReturn(channelId);
      throw err;
    }
    const timer = this.timer(() => {
      this.router.forgetReturn(channelId);
      back(null);
      this.hangup(channelId).catch(() => undefined);
    }, timeoutMs);
    const args = await returned;
    this.clearTimer(timer);
    return args;
  }

  async redirect(channelId: ChannelId, endpoint: string): Promise<void> {
    this.router.markLeavingApp(channelId, true);
    try {
      await this.onChannel(channelId, 'redirect', { endpoint });
    } catch (err) {
      this.router.markLeavingApp(channelId, false);
      throw err;
    }
  }

  startMoh(channelId: ChannelId, mohClass?: string): Promise<void> {
    return this.onChannel(channelId, 'startMoh', { mohClass });
  }

  stopMoh(channelId: ChannelId): Promise<void> {
    return this.onChannel(channelId, 'stopMoh');
  }

  hold(channelId: ChannelId): Promise<void> {
    return this.onChannel(channelId, 'hold');
  }

  unhold(channelId: ChannelId): Promise<void> {
    return this.onChannel(channelId, 'unhold');
  }

  async snoop(options: SnoopOptions): Promise<ChannelId> {
    const snoopId = options.snoopId ?? randomUUID();
    const slot = this.nodeOf('channel', options.channelId);
    // Asterisk answers the request with the channel before it has entered the app, and bridging it before its
    // StasisStart answers 422 "Channel not in Stasis application": it is ready once it is in the app.
    let settle!: (o: OriginateOutcome) => void;
    const inApp = new Promise<OriginateOutcome>((resolve) => (settle = resolve));
    this.router.own(snoopId, { settle: (o) => settle(o) });
    this.registry.set('channel', snoopId, slot.config.name);
    try {
      await slot.ari.request('channels', 'snoopChannelWithId', {
        channelId: options.channelId,
        snoopId,
        spy: options.spy,
        whisper: options.whisper,
        app: slot.config.app,
        appArgs: options.appArgs && options.appArgs.length > 0 ? options.appArgs.join(',') : undefined,
      });
    } catch (err) {
      if (!isSwitchError(err, 'timeout')) this.router.disown(snoopId);
      throw err;
    }
    const guard = this.timer(() => settle({ result: 'failed', cause: 0 }), this.o.originateGuardMs);
    const outcome = await inApp;
    this.clearTimer(guard);
    if (outcome.result !== 'answered') {
      slot.ari.request('channels', 'hangup', { channelId: snoopId }).catch(() => undefined);
      throw new SwitchError('not_found', `snoop on ${options.channelId} never reached the app (${outcome.result})`);
    }
    return snoopId;
  }

  // --- media ----------------------------------------------------------------------------------------------------

  async play(
    target: MediaTarget,
    media: string | readonly string[],
    options: PlayOptions = {},
  ): Promise<PlaybackHandle> {
    const playbackId = options.playbackId ?? randomUUID();
    if (this.router.hasPlayback(playbackId))
      throw new SwitchError('conflict', `playback id ${playbackId} is already playing`);
    const list = typeof media === 'string' ? [media] : [...media];
    if (list.length === 0 || list.some((m) => !/^[a-z]+:./.test(m)))
      throw new SwitchError(
        'bad_request',
        `media must be scheme:value (sound:x, digits:1, ...), got ${JSON.stringify(media)}`,
      );
    const slot = this.nodeOfTarget(target);
    const timeoutMs = options.timeoutMs ?? this.o.playbackTimeoutMs;
    let timer: NodeJS.Timeout | undefined = undefined;
    const finished = new Promise<PlaybackOutcome>((resolve) => {
      this.router.addPlayback(playbackId, {
        targetKey: targetKey(target),
        stopped: false,
        settle: (outcome) => {
          this.clearTimer(timer);
          resolve(outcome);
        },
        targetGone: () => this.router.endPlayback(playbackId, 'hangup'),
      });
    });
    this.registry.set('playback', playbackId, slot.config.name);
    timer = this.timer(() => {
      if (!this.router.hasPlayback(playbackId)) return;
      this.router.endPlayback(playbackId, 'timeout');
      // A playback that never finishes (unknown scheme) would otherwise block the channel's queue.
      slot.ari.request('playbacks', 'stop', { playbackId }).catch(() => undefined);
    }, timeoutMs);
    try {
      if ('channelId' in target) {
        await slot.ari.request('channels', 'play', {
          channelId: target.channelId,
          media: list,
          lang: options.lang,
          playbackId,
        });
      } else {
        await slot.ari.request('bridges', 'play', {
          bridgeId: target.bridgeId,
          media: list,
          lang: options.lang,
          playbackId,
        });
      }
    } catch (err) {
      if (!isSwitchError(err, 'timeout')) this.router.endPlayback(playbackId, 'failed');
      throw err;
    }
    return { playbackId, finished };
  }

  async stopPlayback(playbackId: string): Promise<void> {
    this.router.markPlaybackStopped(playbackId);
    try {
      await this.nodeOf('playback', playbackId).ari.request('playbacks', 'stop', { playbackId });
      // A playback stopped while still queued behind another one reports its PlaybackFinished only when its turn
      // comes (res_stasis_playback.c, canceled), which may be a whole prompt later: settle it ourselves if the event
      // has not come by then (endPlayback is a no-op once it has).
      setTimeout(() => this.router.endPlayback(playbackId, 'stopped'), STOP_EVENT_GRACE_MS).unref();
    } catch (err) {
      // Stopping a playback that already ended is not an error: the wanted state holds.
      if (isSwitchError(err, 'not_found')) {
        this.router.endPlayback(playbackId, 'stopped');
        return;
      }
      throw err;
    }
  }

  // --- bridges --------------------------------------------------------------------------------------------------

  async createBridge(options: BridgeOptions): Promise<BridgeId> {
    const bridgeId = options.bridgeId ?? randomUUID();
    const slot = this.pickNode(options.node);
    this.registry.set('bridge', bridgeId, slot.config.name);
    try {
      await slot.ari.request('bridges', 'create', { type: options.type, bridgeId, name: options.name });
    } catch (err) {
      if (!isSwitchError(err, 'timeout') && !isSwitchError(err, 'conflict')) this.registry.forget('bridge', bridgeId);
      throw err;
    }
    return bridgeId;
  }

  async destroyBridge(bridgeId: BridgeId): Promise<void> {
    await this.nodeOf('bridge', bridgeId).ari.request('bridges', 'destroy', { bridgeId });
    this.registry.forget('bridge', bridgeId);
  }

  async addToBridge(bridgeId: BridgeId, channelIds: ChannelId | readonly ChannelId[]): Promise<void> {
    const ids = typeof channelIds === 'string' ? [channelIds] : [...channelIds];
    const slot = this.nodeOf('bridge', bridgeId);
    for (const id of ids) {
      const n = this.registry.get('channel', id);
      if (n && n !== slot.config.name)
        throw new SwitchError(
          'bad_request',
          `channel ${id} is on node ${n} but bridge ${bridgeId} is on ${slot.config.name}`,
        );
    }
    await slot.ari.request('bridges', 'addChannel', { bridgeId, channel: ids });
  }

  async removeFromBridge(bridgeId: BridgeId, channelId: ChannelId): Promise<void> {
    await this.nodeOf('bridge', bridgeId).ari.request('bridges', 'removeChannel', { bridgeId, channel: channelId });
  }

  async startBridgeMoh(bridgeId: BridgeId, mohClass?: string): Promise<void> {
    await this.nodeOf('bridge', bridgeId).ari.request('bridges', 'startMoh', { bridgeId, mohClass });
  }

  async stopBridgeMoh(bridgeId: BridgeId): Promise<void> {
    await this.nodeOf('bridge', bridgeId).ari.request('bridges', 'stopMoh', { bridgeId });
  }

  // --- recording ------------------------------------------------------------------------------------------------

  async record(target: MediaTarget, options: RecordOptions): Promise<RecordingHandle> {
    const name = options.name;
    if (!name || /[/\\]|\.\./.test(name))
      throw new SwitchError('bad_request', `invalid recording name ${JSON.stringify(name)}`);
    if (this.router.hasRecording(name)) throw new SwitchError('conflict', `recording ${name} is already running`);
    const slot = this.nodeOfTarget(target);
    const timeoutMs = options.maxDurationSeconds
      ? options.maxDurationSeconds * 1000 + 30_000
      : this.o.recordingTimeoutMs;
    let timer: NodeJS.Timeout | undefined = undefined;
    let grace: NodeJS.Timeout | undefined;
    const finished = new Promise<RecordingResult>((resolve) => {
      this.router.addRecording(name, {
        targetKey: targetKey(target),
        settle: (result) => {
          this.clearTimer(timer);
          this.clearTimer(grace);
          resolve(result);
        },
        // Asterisk usually still sends RecordingFinished (with the duration) after the hang-up: wait a little.
        targetGone: () => {
          grace ??= this.timer(() => this.router.endRecording(name, { status: 'hangup' }), this.o.recordingGraceMs);
        },
      });
    });
    this.registry.set('recording', name, slot.config.name);
    timer = this.timer(() => {
      if (!this.router.hasRecording(name)) return;
      this.router.endRecording(name, { status: 'timeout' });
      slot.ari.request('recordings', 'stop', { recordingName: name }).catch(() => undefined);
    }, timeoutMs);
    const params = {
      name,
      format: options.format ?? 'wav',
      maxDurationSeconds: options.maxDurationSeconds,
      ifExists: options.ifExists,
      beep: options.beep,
    };
    try {
      if ('channelId' in target)
        await slot.ari.request('channels', 'record', { channelId: target.channelId, ...params });
      else await slot.ari.request('bridges', 'record', { bridgeId: target.bridgeId, ...params });
    } catch (err) {
      if (!isSwitchError(err, 'timeout'))
        this.router.endRecording(name, { status: 'failed', cause: (err as Error).message });
      throw err;
    }
    return { name, finished };
  }

  private async onRecording(name: string, operation: string): Promise<void> {
    await this.nodeOf('recording', name).ari.request('recordings', operation, { recordingName: name });
  }

  stopRecording(name: string): Promise<void> {
    return this.onRecording(name, 'stop');
  }

  pauseRecording(name: string): Promise<void> {
    return this.onRecording(name, 'pause');
  }

  unpauseRecording(name: string): Promise<void> {
    return this.onRecording(name, 'unpause');
  }

  muteRecording(name: string): Promise<void> {
    return this.onRecording(name, 'mute');
  }

  unmuteRecording(name: string): Promise<void> {
    return this.onRecording(name, 'unmute');
  }

  async fetchStoredRecording(name: string, node?: string): Promise<NodeJS.ReadableStream> {
    const slot = node ? this.slot(node) : this.nodeOf('recording', name);
    return slot.ari.stream(storedFilePath(name));
  }

  storedRecordingLocation(name: string, node?: string): StoredRecordingLocation {
    const slot = node ? this.slot(node) : this.nodeOf('recording', name);
    return slot.ari.locate(storedFilePath(name));
  }

  async deleteStoredRecording(name: string, node?: string): Promise<void> {
    const slot = node ? this.slot(node) : this.nodeOf('recording', name);
    await slot.ari.request('recordings', 'deleteStored', { recordingName: name });
  }

  // --- reconciliation and administration ------------------------------------------------------------------------

  /** Every node's channels; fails (never returns a partial list) if a node cannot answer. */
  async listChannels(): Promise<readonly LiveChannel[]> {
    const lists = await Promise.all([...this.nodes.values()].map((s) => this.channelsOn(s)));
    return lists.flat();
  }

  async listBridges(): Promise<readonly LiveBridge[]> {
    const lists = await Promise.all([...this.nodes.values()].map((s) => this.bridgesOn(s)));
    return lists.flat();
  }

  private async channelsOn(slot: NodeSlot): Promise<LiveChannel[]> {
    const node = slot.config.name;
    const list = (await slot.ari.request<AriChannelJson[]>('channels', 'list', {})) ?? [];
    return list.map((c) => {
      // Requests about it after a restart must reach this node.
      this.registry.set('channel', c.id, node);
      return {
        channelId: c.id,
        node,
        name: c.name ?? '',
        state: channelState(c.state),
        callerNumber: c.caller?.number ?? '',
      };
    });
  }

  private async bridgesOn(slot: NodeSlot): Promise<LiveBridge[]> {
    const node = slot.config.name;
    const list =
      (await slot.ari.request<Array<{ id: string; bridge_type?: string; channels?: string[] }>>(
        'bridges',
        'list',
        {},
      )) ?? [];
    return list.map((b) => {
      this.registry.set('bridge', b.id, node);
      return { bridgeId: b.id, node, type: b.bridge_type ?? '', channelIds: b.channels ?? [] };
    });
  }

  private amiSlots(what: string): AmiConnection[] {
    const out: AmiConnection[] = [];
    for (const s of this.nodes.values()) {
      if (!s.ami) throw new SwitchError('unavailable', `${what}: node ${s.config.name} has no AMI URL configured`);
      out.push(s.ami);
    }
    return out;
  }

  async reload(what: 'dialplan' | 'pjsip'): Promise<void> {
    const command = what === 'dialplan' ? 'dialplan reload' : 'module reload res_pjsip.so';
    await Promise.all(this.amiSlots(`reload ${what}`).map((a) => a.command(command)));
  }

  async endpointContacts(): Promise<readonly EndpointContact[]> {
    const lists = await Promise.all(
      this.amiSlots('endpoint contacts').map((a) =>
        // Asterisk answers a node without contacts with an error, not an empty list.
        a.list({ action: 'PJSIPShowContacts' }, 'ContactListComplete').catch(noneFound(/No Contacts found/)),
      ),
    );
    return lists.flat().map(toContact);
  }

  async outboundRegistrations(): Promise<readonly OutboundRegistration[]> {
    const lists = await Promise.all(
      this.amiSlots('outbound registrations').map(async (a) =>
        // Each registration's auth comes in the same list (AuthDetail): only the registrations are kept.
        (await a.list({ action: 'PJSIPShowRegistrationsOutbound' }, 'OutboundRegistrationDetailComplete'))
          .filter((m) => str(m.event).toLowerCase() === 'outboundregistrationdetail')
          .map((m) => ({
            node: a.node,
            name: str(m.objectname),
            endpoint: str(m.endpoint),
            serverUri: str(m.serveruri),
            status: str(m.status) || 'Unknown',
          })),
      ),
    );
    return lists.flat();
  }

  /**
   * Each AMI connection's blocked-caller keys as last written, and in which of its sessions: within the same session
   * only the keys that changed are written; a new session (Asterisk restarted, or the link dropped) is rewritten
   * whole, as is one whose last write failed part-way.
   */
  private readonly blockedWritten = new WeakMap<AmiConnection, { session: number; keys: ReadonlySet<string> }>();

  async setBlockedCallers(keys: readonly string[]): Promise<void> {
    const wanted = new Set(keys);
    const put = (ami: AmiConnection) => (key: string) =>
      ami.action({ action: 'DBPut', family: BLOCKED_CALLERS_FAMILY, key, val: '1' }).then(() => undefined);
    // Asterisk answers a delete of what is not there with an error: then there is nothing to delete.
    const absentOk = (err: unknown): void => {
      if (!(err instanceof SwitchError) || !/not found/i.test(err.message)) throw err;
    };
    const amis = [...this.nodes.values()].flatMap((s) => (s.ami ? [s.ami] : []));
    await Promise.all(
      amis.map(async (ami) => {
        const last = this.blockedWritten.get(ami);
        this.blockedWritten.delete(ami);
        const session = ami.stats.sessions;
        if (last?.session === session) {
          const gone = [...last.keys].filter((k) => !wanted.has(k));
          await inBatches(gone, AMI_PIPELINE, (key) =>
            ami
              .action({ action: 'DBDel', family: BLOCKED_CALLERS_FAMILY, key })
              .then(() => undefined)
              .catch(absentOk),
          );
          await inBatches(
            [...wanted].filter((k) => !last.keys.has(k)),
            AMI_PIPELINE,
            put(ami),
          );
        } else {
          await ami.action({ action: 'DBDelTree', family: BLOCKED_CALLERS_FAMILY }).catch(absentOk);
          await inBatches([...wanted], AMI_PIPELINE, put(ami));
        }
        this.blockedWritten.set(ami, { session, keys: wanted });
      }),
    );
  }

  /** AMI CoreShowChannels of every node (reconciliation aid; ARI lists only what Stasis sees too, but this sees all). */
  async coreShowChannels(): Promise<
    Array<{ node: string; channel: string; uniqueid: string; application: string; state: string }>
  > {
    const out: Array<{ node: string; channel: string; uniqueid: string; application: string; state: string }> = [];
    for (const a of this.amiSlots('core show channels')) {
      for (const m of await a.list({ action: 'CoreShowChannels' }, 'CoreShowChannelsComplete')) {
        out.push({
          node: a.node,
          channel: str(m.channel),
          uniqueid: str(m.uniqueid),
          application: str(m.application),
          state: str(m.channelstatedesc),
        });
      }
    }
    return out;
  }

  /** AMI Ping on every node with AMI; the names of nodes that did not answer. */
  async amiPing(): Promise<string[]> {
    const failed: string[] = [];
    await Promise.all(
      [...this.nodes.values()].map(async (s) => {
        if (!s.ami) return;
        try {
          await s.ami.ping();
        } catch {
          failed.push(s.config.name);
        }
      }),
    );
    return failed;
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}

/** Runs fn over items with at most `width` in flight (a resync of thousands of waits must not be serial). */
async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

function str(v: AmiMessage[string]): string {
  return typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? '') : '';
}

/** An AMI list action's "nothing of that kind" error as an empty list. */
function noneFound(message: RegExp): (err: unknown) => AmiMessage[] {
  return (err) => {
    if (err instanceof SwitchError && message.test(err.message)) return [];
    throw err;
  };
}

function toContact(m: AmiMessage): EndpointContact {
  const rtt = Number(str(m.roundtripusec));
  return {
    endpoint: str(m.endpoint) || str(m.aor),
    uri: str(m.uri),
    status: str(m.status) || 'Unknown',
    ...(Number.isFinite(rtt) && str(m.roundtripusec) !== '' && str(m.roundtripusec) !== 'N/A'
      ? { roundtripUsec: rtt }
      : {}),
  };
}
