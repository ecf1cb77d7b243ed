/**
 * The switch port: everything the call flow may ask of Asterisk, and everything it hears back.
 *
 * Domain code (calls, ivr, routing, agents, recording) depends on this file only, never on ari-client.
 * The ARI adapter implements it over ari-client (+ AMI where ARI has no verb); tests run that real adapter
 * against the simulator.
 *
 * Identity rule: ids (channel, bridge, playback, snoop, recording name) may be chosen by the caller of the
 * port; the adapter registers its routing for an id BEFORE issuing the request, so an event that overtakes the
 * REST reply is never lost.
 */

export type ChannelId = string;
export type BridgeId = string;

/** Why a switch request failed, in terms the call flow can act on. */
export type SwitchErrorCode =
  | 'not_found' // 404: channel/bridge/playback/recording is gone
  | 'not_in_stasis' // 409: channel exists but is not (or no longer) in our app
  | 'conflict' // 409/412/422 other than not-in-stasis: e.g. bridge already has the channel, recording exists
  | 'bad_request' // 400: our request was malformed
  | 'unreachable' // originate refused: endpoint unknown or not registered (Asterisk: 500 "Allocation failed")
  | 'unavailable' // no connection to the node, or 5xx
  | 'auth' // 401/403
  | 'timeout'; // no reply within the request budget

export class SwitchError extends Error {
  constructor(
    readonly code: SwitchErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SwitchError';
  }
}

/** A stored recording's file as an HTTP resource, and how to read a failed download as the switch's own error. */
export interface StoredRecordingLocation {
  readonly url: string;
  readonly authorization: string;
  /** Bound on the wait for the reply's headers, as for the switch's own requests. */
  readonly timeoutMs: number;
  failure(status: number, body: string): SwitchError;
}

export function isSwitchError(err: unknown, code?: SwitchErrorCode): err is SwitchError {
  return err instanceof SwitchError && (code === undefined || err.code === code);
}

export interface DialplanTarget {
  readonly context: string;
  readonly extension: string;
  readonly priority: number;
}

/** A channel that entered the app on its own (an inbound call), not one we originated. */
export interface InboundChannel {
  readonly channelId: ChannelId;
  /** Name of the Asterisk node the channel lives on; later requests about it are routed there. */
  readonly node: string;
  /** Stasis arguments from the dialplan: args[0] = DID, args[1] = trunk (see dialplans/). */
  readonly args: readonly string[];
  readonly callerNumber: string;
  readonly callerName: string;
  /** The extension dialled as Asterisk saw it (dialplan.exten). */
  readonly dialedExten: string;
  readonly channelName: string;
  readonly state: ChannelState;
  readonly createdAt: Date;
}

export type ChannelState = 'Down' | 'Rsrvd' | 'OffHook' | 'Dialing' | 'Ring' | 'Ringing' | 'Up' | 'Busy' | 'Unknown';

/** Events about one channel, routed by channel id (O(1)), delivered only to that channel's watchers. */
export type ChannelEvent =
  | { readonly type: 'ringing' }
  | { readonly type: 'answered' } // state Up, or an originated leg entering the app
  | { readonly type: 'dtmf'; readonly digit: string; readonly durationMs: number }
  /** Left the app but lives on in the dialplan (after continueInDialplan/redirect). */
  | { readonly type: 'left_app' }
  /**
   * The channel is gone (or going): emitted exactly once per channel, from the first of ChannelHangupRequest,
   * StasisEnd-without-continue or ChannelDestroyed. cause is the Q.850 code (16 normal, 17 busy, 19 no answer, ...).
   */
  | { readonly type: 'hangup'; readonly cause: number; readonly causeText: string };

export type ChannelListener = (event: ChannelEvent) => void;

export type PlaybackOutcome = 'done' | 'failed' | 'stopped' | 'hangup' | 'timeout';

export interface PlaybackHandle {
  readonly playbackId: string;
  /** Settles once, never rejects: PlaybackFinished, stop, hang-up of the target, or the timeout. */
  readonly finished: Promise<PlaybackOutcome>;
}

export interface PlayOptions {
  readonly playbackId?: string;
  readonly lang?: string;
  /** Upper bound on waiting for PlaybackFinished (a playback of an unknown scheme never finishes). */
  readonly timeoutMs?: number;
}

export type MediaTarget = { readonly channelId: ChannelId } | { readonly bridgeId: BridgeId };

export interface RecordOptions {
  /** Recording name; by convention the call id, so the file is findable after a crash. */
  readonly name: string;
  readonly format?: 'wav' | 'gsm' | 'ulaw' | 'sln16';
  readonly maxDurationSeconds?: number;
  readonly ifExists?: 'fail' | 'overwrite' | 'append';
  readonly beep?: boolean;
}

export interface RecordingResult {
  readonly status: 'done' | 'failed' | 'cancelled' | 'hangup' | 'timeout';
  readonly durationSeconds?: number;
  readonly cause?: string;
}

export interface RecordingHandle {
  readonly name: string;
  readonly finished: Promise<RecordingResult>;
}

export interface OriginateOptions {
  /** Dial string, e.g. 'PJSIP/2001'. */
  readonly endpoint: string;
  readonly channelId?: ChannelId;
  /** Node to originate on; must be the caller's node when the legs will share a bridge. */
  readonly node?: string;
  readonly callerId?: string;
  readonly timeoutSeconds: number;
  readonly variables?: Readonly<Record<string, string>>;
  /** Stasis args the originated channel enters the app with. */
  readonly appArgs?: readonly string[];
}

export type OriginateOutcome =
  | { readonly result: 'answered' }
  | { readonly result: 'no_answer' | 'busy' | 'failed' | 'cancelled'; readonly cause: number };

export interface OriginatedLeg {
  readonly channelId: ChannelId;
  /** Settles once: answered, or the leg ended before answering (cause 19 no answer, 17 busy, ...). */
  readonly outcome: Promise<OriginateOutcome>;
}

export interface BridgeOptions {
  readonly type: 'mixing' | 'holding';
  readonly bridgeId?: BridgeId;
  readonly name?: string;
  readonly node?: string;
}

export interface SnoopOptions {
  readonly channelId: ChannelId;
  readonly spy: 'none' | 'in' | 'out' | 'both';
  readonly whisper: 'none' | 'in' | 'out' | 'both';
  readonly snoopId?: ChannelId;
  readonly appArgs?: readonly string[];
}

export interface LiveChannel {
  readonly channelId: ChannelId;
  readonly node: string;
  readonly name: string;
  readonly state: ChannelState;
  readonly callerNumber: string;
}

export interface LiveBridge {
  readonly bridgeId: BridgeId;
  readonly node: string;
  readonly type: string;
  readonly channelIds: readonly ChannelId[];
}

export type EndpointStatus = 'online' | 'offline' | 'unknown';

export interface EndpointStateEvent {
  readonly tech: string;
  readonly resource: string;
  readonly state: EndpointStatus;
}

export interface NodeConnectionState {
  readonly node: string;
  readonly connected: boolean;
  readonly since: Date;
  readonly lastError?: string;
  /**
   * Set on the state emitted after a reconnect once the node was listed again: what it has now, and what we
   * routed that is gone (each vanished channel's watchers already got a `hangup`). For the call registry to
   * reconcile against.
   */
  readonly resynced?: {
    readonly channels: readonly LiveChannel[];
    readonly bridges: readonly LiveBridge[];
    readonly vanished: readonly ChannelId[];
    /** Waits whose end event was lost in the gap and that were settled by the resync. */
    readonly playbacksEnded: readonly string[];
    readonly recordingsEnded: readonly string[];
  };
}

/** Per-node AMI contact status of a PJSIP endpoint (AMI PJSIPShowContacts). */
export interface EndpointContact {
  readonly endpoint: string;
  readonly uri: string;
  /** Reachable, Unreachable, NonQualified (no qualify configured) or Unknown. */
  readonly status: string;
  readonly roundtripUsec?: number;
}

/** A PJSIP outbound registration (a trunk that registers to its carrier), as AMI reports it. */
export interface OutboundRegistration {
  readonly node: string;
  readonly name: string;
  readonly endpoint: string;
  readonly serverUri: string;
  /** Registered, Unregistered, Rejected, Stopped… */
  readonly status: string;
}

/** The AstDB family of blocked callers' keys, which dialplans/inbound.conf looks callers up in. */
export const BLOCKED_CALLERS_FAMILY = 'ariadne-blocked';

/**
 * A caller the dialplan rejected as blocked before the call reached the app (dialplans/inbound.conf
 * [ariadne-blocked], AMI UserEvent AriadneBlocked).
 */
export interface BlockedCallRejected {
  readonly node: string;
  /** The channel's unique id on its node: one event per call, however many orchestrators hear it. */
  readonly uniqueId: string;
  /** The AstDB key it matched: the caller's digits, or `anonymous`. */
  readonly key: string;
  readonly callerNum: string;
  readonly did: string;
}

export interface SwitchPort {
  /** Connect to every node; resolves when each has been tried once (failures keep retrying in background). */
  start(): Promise<void>;
  stop(): Promise<void>;

  // --- events -------------------------------------------------------------------------------------------------
  onInbound(handler: (channel: InboundChannel) => void): void;
  /** Route events of one channel to a listener; returns the unsubscribe. Must be called before creating the id. */
  watchChannel(channelId: ChannelId, listener: ChannelListener): () => void;
  onEndpointState(handler: (event: EndpointStateEvent) => void): void;
  /** Callers the dialplan turned away as blocked, from every node with AMI. */
  onBlockedCallRejected(handler: (event: BlockedCallRejected) => void): void;
  /** Connection up/down per node, and after a reconnect (`resynced`: channels listed again). */
  onConnectionState(handler: (state: NodeConnectionState) => void): void;
  connectionStates(): readonly NodeConnectionState[];

  // --- channels -----------------------------------------------------------------------------------------------
  answer(channelId: ChannelId): Promise<void>;
  hangup(
    channelId: ChannelId,
    reason?: 'normal' | 'busy' | 'congestion' | 'no_answer' | 'rejected' | 'answered_elsewhere',
  ): Promise<void>;
  ring(channelId: ChannelId): Promise<void>;
  originate(options: OriginateOptions): Promise<OriginatedLeg>;
  setVariable(channelId: ChannelId, name: string, value: string): Promise<void>;
  getVariable(channelId: ChannelId, name: string): Promise<string | undefined>;
  continueInDialplan(channelId: ChannelId, target?: { context?: string; extension?: string; priority?: number }): Promise<void>;
  /**
   * Sends a channel the app originated through a dialplan context that hands it back with `Stasis(<app>,<args>)`
   * (answering-machine detection, dialplans/outbound.conf [ariadne-amd]); its watchers stay, and hear a hang-up
   * meanwhile. Resolves with the args it came back with; null when it hung up first, or did not come back within
   * timeoutMs (it is then hung up).
   */
  visitDialplan(channelId: ChannelId, target: DialplanTarget, timeoutMs: number): Promise<readonly string[] | null>;
  redirect(channelId: ChannelId, endpoint: string): Promise<void>;
  startMoh(channelId: ChannelId, mohClass?: string): Promise<void>;
  stopMoh(channelId: ChannelId): Promise<void>;
  hold(channelId: ChannelId): Promise<void>;
  unhold(channelId: ChannelId): Promise<void>;
  /** Resolves once the snoop channel is in the app (it may then be bridged); rejects if it ends before. */
  snoop(options: SnoopOptions): Promise<ChannelId>;

  // --- media ----------------------------------------------------------------------------------------------------
  /** media: 'sound:x', 'recording:x', 'tone:ring', 'digits:123', or several played in order. */
  play(target: MediaTarget, media: string | readonly string[], options?: PlayOptions): Promise<PlaybackHandle>;
  stopPlayback(playbackId: string): Promise<void>;

  // --- bridges --------------------------------------------------------------------------------------------------
  createBridge(options: BridgeOptions): Promise<BridgeId>;
  destroyBridge(bridgeId: BridgeId): Promise<void>;
  addToBridge(bridgeId: BridgeId, channelIds: ChannelId | readonly ChannelId[]): Promise<void>;
  removeFromBridge(bridgeId: BridgeId, channelId: ChannelId): Promise<void>;
  startBridgeMoh(bridgeId: BridgeId, mohClass?: string): Promise<void>;
  stopBridgeMoh(bridgeId: BridgeId): Promise<void>;

  // --- recording --------------------------------------------------------------------------------------------------
  record(target: MediaTarget, options: RecordOptions): Promise<RecordingHandle>;
  stopRecording(name: string): Promise<void>;
  pauseRecording(name: string): Promise<void>;
  unpauseRecording(name: string): Promise<void>;
  muteRecording(name: string): Promise<void>;
  unmuteRecording(name: string): Promise<void>;
  /** The stored file as a stream (GET /recordings/stored/{name}/file), never buffered whole. */
  fetchStoredRecording(name: string, node?: string): Promise<NodeJS.ReadableStream>;
  /**
   * Where another thread can download the stored file itself (the upload thread). Absent on a switch without an
   * HTTP interface (test fakes): the file is then fetched as a stream here.
   */
  storedRecordingLocation?(name: string, node?: string): StoredRecordingLocation;
  deleteStoredRecording(name: string, node?: string): Promise<void>;

  // --- reconciliation and administration ------------------------------------------------------------------------
  listChannels(): Promise<readonly LiveChannel[]>;
  listBridges(): Promise<readonly LiveBridge[]>;
  /** AMI: `dialplan reload` / `module reload res_pjsip.so` on every node. */
  reload(what: 'dialplan' | 'pjsip'): Promise<void>;
  /** AMI: PJSIP contact status of agent phones and trunks on every node. */
  endpointContacts(): Promise<readonly EndpointContact[]>;
  /** AMI: every node's PJSIP outbound registrations (trunks registering to their carrier). */
  outboundRegistrations(): Promise<readonly OutboundRegistration[]>;
  /**
   * AMI: makes the AstDB family BLOCKED_CALLERS_FAMILY on every node hold these keys (callers' digits, or
   * `anonymous`), which dialplans/inbound.conf rejects before answering: the keys changed since the last call, or
   * the whole family on a new AMI session. Nodes without AMI are skipped.
   */
  setBlockedCallers(keys: readonly string[]): Promise<void>;
}
