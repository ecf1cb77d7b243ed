/**
 * The simulated Asterisk: channels, bridges, playbacks, recordings, endpoints and Stasis apps, with the event
 * sequences a real Asterisk 22 (chan_pjsip) emits. Every rule here is either taken from a capture in
 * /work/shared/asterisk/traces (named in the comment) or from Asterisk's documented behaviour (said so).
 *
 * Everything is keyed by id in Maps; no operation scans all channels, so 10,000 live channels cost nothing
 * per event.
 */
import { AriError, allocationFailed, badRequest, conflict, notFound, notInStasis, unprocessable } from './errors.js';
import {
  asteriskTime,
  causeText,
  HANGUP_REASONS,
  TECH_CAUSE,
  type ApplicationJson,
  type BridgeJson,
  type CallerIdJson,
  type ChannelJson,
  type ChannelStateName,
  type DialplanJson,
  type EndpointJson,
  type LiveRecordingJson,
  type PlaybackJson,
} from './model.js';

/**
 * `congestion`: the far end cannot carry the call (a carrier's SIP 503: cause 34, DIALSTATUS CONGESTION). `machine`
 * answers as `answer` does, with an answering machine: the simulated AMD() says MACHINE.
 */
export type EndpointBehaviour = 'answer' | 'machine' | 'no-answer' | 'busy' | 'unreachable' | 'reject' | 'congestion';

/** The dialplan context the simulator runs as dialplans/outbound.conf's answering-machine detection. */
const AMD_CONTEXT = 'ariadne-amd';
/** How long the simulated message left on a machine plays before the dialplan hangs up. */
const AMD_MESSAGE_MS = 3000;

/**
 * What the simulated AMD() decides, and when, with amd.conf's defaults (measured on Asterisk 22.10.1): an endpoint
 * whose behaviour is `machine` has a long greeting; a Local channel whose far half only waits sends no audio at
 * all, so AMD gives up at total_analysis_time (h_amd_visit); anything else says "Hello?" and waits.
 */
function amdVerdict(ch: Channel): { status: string; cause: string; afterMs: number } {
  if (ch.endpoint?.behaviour === 'machine') return { status: 'MACHINE', cause: 'LONGGREETING-1500-1500', afterMs: 2500 };
  if (ch.peer?.kind === 'local2') return { status: 'NOTSURE', cause: 'TOOLONG-4900', afterMs: 5000 };
  return { status: 'HUMAN', cause: 'HUMAN-800-800', afterMs: 2200 };
}

export interface EngineOptions {
  /** Entity id reported as `asterisk_id` and `system.entity_id`. */
  asteriskId: string;
  /** If set, every finite playback lasts this long (tests); otherwise the sound table applies. */
  playbackMs?: number;
  /** Duration of a sound not in the table. */
  defaultSoundMs: number;
  /** Per-sound durations (ms), merged over the built-in table. */
  sounds?: Record<string, number>;
  /** `strict`: only sounds in the table exist. `lenient` (default): any sound exists unless its name starts with `no-such`. */
  soundPolicy: 'strict' | 'lenient';
  /** `duration_ms` reported for DTMF the simulated caller sends (the UAs in the captures: 180). */
  dtmfDurationMs: number;
  /** Delay of each DTMF digit a `digits:` playback takes (trace a: `digits:5` lasted ~815 ms). */
  digitMs: number;
  /**
   * Every delay is multiplied by this and every measured duration divided by it, so 0.1 plays a 6 s ring
   * timeout in 600 ms while a 3 s recording still reports `duration: 3`. Default 1 (real time).
   */
  timeScale?: number;
}

interface Timed {
  timers: Set<NodeJS.Timeout>;
}

interface Endpoint extends Timed {
  technology: string;
  resource: string;
  behaviour: EndpointBehaviour;
  afterMs: number;
  /** The phone hangs up this long after answering (0 = never by itself). */
  talkMs: number;
  context: string;
  callerName: string;
  callerNumber: string;
  channelIds: Set<string>;
}

type ChannelKind = 'inbound' | 'originated' | 'created' | 'local2' | 'snoop';

export interface Channel extends Timed {
  id: string;
  name: string;
  state: ChannelStateName;
  protocolId: string;
  caller: CallerIdJson;
  connected: CallerIdJson;
  dialplan: DialplanJson;
  creationtime: string;
  createdMs: number;
  language: string;
  kind: ChannelKind;
  endpoint: Endpoint | null;
  /** Apps that receive this channel's events. */
  apps: Set<string>;
  stasisApp: string | null;
  args: string[];
  bridge: Bridge | null;
  vars: Map<string, string>;
  /** [0] is playing, the rest queued. */
  playQueue: Playback[];
  /** Playbacks of an unknown scheme: started, never finished, not blocking the queue. */
  lostPlaybacks: Set<Playback>;
  recording: LiveRecording | null;
  /**
   * Asterisk runs a Stasis channel's commands one at a time on the channel's own thread, and a playback or a
   * recording on the channel occupies that thread until it ends. `lastBlocker` is the latest such media
   * operation issued; commands issued after it wait in `pending` (errors_rest_and_ws: a removeChannel sent
   * while two playbacks were queued was answered only after the second finished).
   */
  lastBlocker: Playback | LiveRecording | null;
  pending: { barrier: Playback | LiveRecording; run: () => void; fail: (err: AriError) => void }[];
  moh: string | null;
  held: boolean;
  muted: string | null;
  silenced: boolean;
  ringing: boolean;
  dialing: boolean;
  dialMode: 'originate' | 'dial';
  dialApp: string | null;
  dialArgs: string[];
  /** The other half of a Local channel. */
  peer: Channel | null;
  snoops: Set<Channel>;
  destroyed: boolean;
  /** Continued from the Stasis of its originate into a dialplan that runs: that STASISSTATUS comes as it ends (h). */
  stasisStatusOwed: boolean;
  /** In Stasis again through the dialplan's Stasis() app, inside the Stasis of its originate (h). */
  nestedStasis: boolean;
  /** What the dialplan application it runs sets when it is hung up meanwhile (AMD: AMDSTATUS=HANGUP, h). */
  onDialplanHangup: (() => void) | null;
}

export interface Bridge {
  id: string;
  type: 'mixing' | 'holding';
  types: string[];
  name: string;
  creationtime: string;
  channels: Channel[];
  apps: Set<string>;
  /** How many of each app's channels joined minus left by request; at 0 the app unsubscribes (c1, d). */
  appRefs: Map<string, number>;
  playQueue: Playback[];
  lostPlaybacks: Set<Playback>;
  recording: LiveRecording | null;
  moh: string | null;
}

export interface Playback extends Timed {
  id: string;
  media: string[];
  index: number;
  targetUri: string;
  language: string;
  /**
   * `canceled`: stopped while still queued (Asterisk's STASIS_PLAYBACK_STATE_CANCELED). It keeps its place in the
   * queue and, when its turn comes, ends with PlaybackFinished (state `done`) without having started
   * (res_stasis_playback.c, playback_first_update).
   */
  state: PlaybackJson['state'] | 'canceled';
  channel: Channel | null;
  bridge: Bridge | null;
  startedMs: number;
  pausedAtMs: number | null;
  remainingMs: number;
}

export interface LiveRecording extends Timed {
  name: string;
  format: string;
  state: LiveRecordingJson['state'];
  targetUri: string;
  channel: Channel | null;
  bridge: Bridge | null;
  startedMs: number;
  accumulatedMs: number;
  pausedSinceMs: number | null;
  muted: boolean;
  maxDurationMs: number;
}

export interface StoredRecording {
  name: string;
  format: string;
  durationMs: number;
}

interface AppState {
  name: string;
  /** Number of open sockets that registered it; the app exists while > 0 or while it holds subscriptions. */
  sockets: number;
  subscribeAll: boolean;
  bridgeIds: Set<string>;
  endpointIds: Set<string>;
  /** The app's event filter as last set (PUT eventFilter), shown as given in the Application JSON. */
  eventsAllowed: unknown[] | null;
  eventsDisallowed: unknown[] | null;
  /** The same filter as type sets for delivery: null allows every type. */
  allowedTypes: Set<string> | null;
  disallowedTypes: Set<string> | null;
}

/** Durations (ms) of common core sounds (trace a: hello-world finished 1402 ms after starting). */
const SOUND_TABLE: Record<string, number> = {
  'hello-world': 1400,
  beep: 250,
  'tt-monkeys': 6000,
  'tt-weasels': 3000,
  'demo-congrats': 8000,
  'vm-goodbye': 1000,
  goodbye: 700,
  'queue-thankyou': 1500,
  'queue-callswaiting': 1800,
  'queue-holdtime': 1600,
  'pls-hold-while-try': 2000,
  'agent-loginok': 1200,
  'conf-onhold': 1500,
  'silence/1': 1000,
  'silence/2': 2000,
};

/** The id an app subscribed to all endpoints (`endpoint:`) lists in endpoint_ids (res/stasis/app.c ENDPOINT_ALL). */
const ALL_ENDPOINTS = '__AST_ENDPOINT_ALL_TOPIC';

const RECORDING_FORMATS = new Set(['wav', 'wav16', 'gsm', 'ulaw', 'alaw', 'sln', 'slin', 'g722', 'g729', 'ogg', 'WAV']);

/** What the engine hands to its outputs for each event: the app name and the JSON text of the frame. */
export type EventSink = (app: string, frame: string, event: Record<string, unknown>) => void;

export interface EngineStats {
  channelsLive: number;
  channelsTotal: number;
  bridgesLive: number;
  bridgesTotal: number;
  playbacksStarted: number;
  recordingsStarted: number;
  eventsSent: number;
  eventsDropped: number;
  /** Events the app's own event filter kept from it. */
  eventsFiltered: number;
  callsPlaced: number;
  originates: number;
  originatesFailed: number;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function randomHex(len: number): string {
  let s = '';
  while (s.length < len) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, len);
}

function uuid(): string {
  return globalThis.crypto.randomUUID();
}

/** `"Name" <1000>` or `Name <1000>` or `1000`, as Asterisk's ast_callerid_parse reads it. */
export function parseCallerId(value: string): CallerIdJson {
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(value);
  if (m) return { name: (m[1] ?? m[2] ?? '').trim(), number: (m[3] ?? '').trim() };
  const v = value.trim();
  return /^[0-9+*#]+$/.test(v) ? { name: '', number: v } : { name: v, number: '' };
}

export class Engine {
  readonly channels = new Map<string, Channel>();
  readonly bridges = new Map<string, Bridge>();
  readonly playbacks = new Map<string, Playback[]>();
  readonly liveRecordings = new Map<string, LiveRecording>();
  readonly storedRecordings = new Map<string, StoredRecording>();
  readonly endpoints = new Map<string, Endpoint>();
  readonly apps = new Map<string, AppState>();
  /** Scripted callers waiting to hear a prompt before they act (onChannelHears), by channel id. */
  private readonly hearing = new Map<string, { media: string; fn: () => void }[]>();
  readonly globals = new Map<string, string>();
  /** AstDB, `family/key` → value: what AMI DBPut/DBDel/DBDelTree change (the blocked callers' family). */
  readonly astdb = new Map<string, string>();
  /** Dialplan UserEvent(name,Key: value,…) on a channel: the AMI server sends it to the sessions logged in. */
  private readonly userEventListeners = new Set<(ch: Channel, name: string, body: [string, string][]) => void>();
  readonly soundTable: Map<string, number>;
  readonly missingSounds = new Set<string>();
  readonly stats: EngineStats = {
    channelsLive: 0,
    channelsTotal: 0,
    bridgesLive: 0,
    bridgesTotal: 0,
    playbacksStarted: 0,
    recordingsStarted: 0,
    eventsSent: 0,
    eventsDropped: 0,
    eventsFiltered: 0,
    callsPlaced: 0,
    originates: 0,
    originatesFailed: 0,
  };
  /** Apps with subscribeAll: they receive every event. */
  private readonly allApps = new Set<string>();
  /** Apps subscribed to one endpoint or a technology (not to all endpoints): they hear its channels' events. */
  private readonly endpointWatchers = new Set<string>();
  private readonly globalTimers = new Set<NodeJS.Timeout>();
  private chanSeq = 0x40;
  private uniqueSeq = 100;
  private localSeq = 0x20;
  private recorderSeq = 0x10;
  private readonly epoch = Math.floor(Date.now() / 1000);
  private stopped = false;
  sink: EventSink = () => {};
  /** Where failures of scheduled steps go (they have no request to answer). */
  onError: (err: unknown) => void = () => {};
  /** Whether an app currently has a live socket (set by the WebSocket layer). */
  isConnected: (app: string) => boolean = () => false;

  private readonly scale: number;

  constructor(readonly opts: EngineOptions) {
    this.scale = opts.timeScale && opts.timeScale > 0 ? opts.timeScale : 1;
    this.soundTable = new Map(Object.entries({ ...SOUND_TABLE, ...(opts.sounds ?? {}) }));
  }

  // ---------------------------------------------------------------- timers

  private after(owner: Timed | null, ms: number, fn: () => void): void {
    if (this.stopped) return;
    const set = owner ? owner.timers : this.globalTimers;
    const t = setTimeout(() => {
      set.delete(t);
      if (this.stopped) return;
      try {
        fn();
      } catch (err) {
        // A scheduled step that fails (e.g. its channel went away in between) must never take the process down.
        this.onError(err);
      }
    }, Math.max(0, ms * this.scale));
    set.add(t);
  }

  private clearTimers(owner: Timed): void {
    for (const t of owner.timers) clearTimeout(t);
    owner.timers.clear();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.globalTimers) clearTimeout(t);
    this.globalTimers.clear();
    for (const ch of this.channels.values()) this.clearTimers(ch);
    for (const list of this.playbacks.values()) for (const p of list) this.clearTimers(p);
    for (const r of this.liveRecordings.values()) this.clearTimers(r);
    for (const e of this.endpoints.values()) this.clearTimers(e);
  }

  // ---------------------------------------------------------------- events

  private emit(event: Record<string, unknown>, ...targets: (Set<string> | null | undefined)[]): void {
    event.asterisk_id = this.opts.asteriskId;
    // Serialised on the first app that takes it: most types some app filters out are never serialised at all.
    let head: string | null = null;
    const seen = targets.length > 1 || this.allApps.size > 0 ? new Set<string>() : null;
    const deliver = (app: string): void => {
      if (!this.isConnected(app)) {
        this.stats.eventsDropped++;
        return;
      }
      if (this.filteredOut(app, event.type)) return;
      this.stats.eventsSent++;
      head ??= JSON.stringify(event).slice(0, -1) + ',"application":';
      this.sink(app, head + JSON.stringify(app) + '}', event);
    };
    const send = (app: string): void => {
      if (seen) {
        if (seen.has(app)) return;
        seen.add(app);
      }
      deliver(app);
    };
    for (const set of targets) if (set) for (const app of set) send(app);
    for (const app of this.allApps) send(app);
    // A subscription to an endpoint or a technology forwards the endpoint's whole topic, which carries its
    // channels' messages (res/stasis/app.c forwards_create_endpoint): such an app hears each of them once more,
    // as Asterisk 22.10.1 does (an app in Stasis with the channel and subscribed to endpoint:PJSIP got every
    // ChannelDtmfReceived and PlaybackFinished twice).
    if (this.endpointWatchers.size > 0) {
      const endpoint = this.endpointOfEvent(event);
      if (endpoint) for (const app of this.endpointWatchers) if (this.watchesEndpoint(app, endpoint)) deliver(app);
    }
  }

  /** The endpoint (`PJSIP/2001`) of the channel an event is about, or of its playback's or recording's channel. */
  private endpointOfEvent(event: Record<string, unknown>): string | undefined {
    let name = (event.channel as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string') {
      const target = (event.playback ?? event.recording) as { target_uri?: unknown } | undefined;
      const uri = target?.target_uri;
      if (typeof uri === 'string' && uri.startsWith('channel:')) name = this.channels.get(uri.slice(8))?.name;
    }
    if (typeof name !== 'string') return undefined;
    const dash = name.lastIndexOf('-');
    return dash > 0 ? name.slice(0, dash) : name;
  }

  private watchesEndpoint(app: string, endpoint: string): boolean {
    const ids = this.apps.get(app)?.endpointIds;
    if (!ids) return false;
    const slash = endpoint.indexOf('/');
    return ids.has(endpoint) || (slash > 0 && ids.has(endpoint.slice(0, slash)));
  }

  /**
   * StasisStart and StasisEnd go to the one app the channel enters or leaves (res_stasis sends them with
   * app_send), not to other subscribers nor to subscribeAll apps.
   */
  private emitToApp(app: string, event: Record<string, unknown>): void {
    event.asterisk_id = this.opts.asteriskId;
    if (!this.isConnected(app)) {
      this.stats.eventsDropped++;
      return;
    }
    if (this.filteredOut(app, event.type)) return;
    this.stats.eventsSent++;
    const json = JSON.stringify(event);
    this.sink(app, json.slice(0, -1) + ',"application":' + JSON.stringify(app) + '}', event);
  }

  /** stasis_app_event_allowed: a disallowed type never goes out; with an allowed list, only its types do. */
  private filteredOut(app: string, type: unknown): boolean {
    const a = this.apps.get(app);
    if (!a || (!a.allowedTypes && !a.disallowedTypes)) return false;
    const t = String(type);
    if (a.disallowedTypes?.has(t) || (a.allowedTypes && !a.allowedTypes.has(t))) {
      this.stats.eventsFiltered++;
      return true;
    }
    return false;
  }

  private chanEvent(type: string, ch: Channel, fields: Record<string, unknown> = {}, extraTargets?: Set<string>): void {
    this.emit({ type, timestamp: asteriskTime(), ...fields, channel: this.channelJson(ch) }, ch.apps, extraTargets);
  }

  private varset(ch: Channel, variable: string, value: string): void {
    this.emit({ variable, value, type: 'ChannelVarset', timestamp: asteriskTime(), channel: this.channelJson(ch) }, ch.apps);
  }

  private hangupRequest(ch: Channel, cause?: number, soft?: boolean): void {
    const head: Record<string, unknown> = {};
    if (cause !== undefined) head.cause = cause;
    if (soft) head.soft = true;
    this.emit({ ...head, type: 'ChannelHangupRequest', timestamp: asteriskTime(), channel: this.channelJson(ch) }, ch.apps);
  }

  private dialEvent(ch: Channel, dialstatus: string, dialstring: string): void {
    this.emit(
      { type: 'Dial', timestamp: asteriskTime(), dialstatus, forward: '', dialstring, peer: this.channelJson(ch) },
      ch.apps,
    );
  }

  private bridgeEvent(type: string, b: Bridge, ch: Channel | null): void {
    const ev: Record<string, unknown> = { type, timestamp: asteriskTime(), bridge: this.bridgeJson(b) };
    if (ch) ev.channel = this.channelJson(ch);
    this.emit(ev, b.apps, ch?.apps);
  }

  private playbackEvent(type: string, p: Playback): void {
    this.emit({ type, timestamp: asteriskTime(), playback: this.playbackJson(p) }, p.channel?.apps ?? p.bridge?.apps);
  }

  private recordingEvent(type: string, r: LiveRecording, extra: Record<string, unknown> = {}): void {
    const rec = { ...this.liveRecordingJson(r), ...extra };
    this.emit({ type, timestamp: asteriskTime(), recording: rec }, r.channel?.apps ?? r.bridge?.apps);
  }

  // ---------------------------------------------------------------- JSON views

  channelJson(ch: Channel): ChannelJson {
    return {
      id: ch.id,
      name: ch.name,
      state: ch.state,
      protocol_id: ch.protocolId,
      caller: { name: ch.caller.name, number: ch.caller.number },
      connected: { name: ch.connected.name, number: ch.connected.number },
      accountcode: '',
      dialplan: { ...ch.dialplan },
      creationtime: ch.creationtime,
      language: ch.language,
    };
  }

  bridgeJson(b: Bridge): BridgeJson {
    let technology = 'simple_bridge';
    if (b.type === 'holding') technology = 'holding_bridge';
    else if (b.channels.length > 2) technology = 'softmix';
    return {
      id: b.id,
      technology,
      bridge_type: b.type,
      bridge_class: 'stasis',
      creator: 'Stasis',
      name: b.name,
      channels: b.channels.map((c) => c.id),
      creationtime: b.creationtime,
      video_mode: 'talker',
    };
  }

  playbackJson(p: Playback): PlaybackJson {
    const j: PlaybackJson = {
      id: p.id,
      media_uri: p.media[p.index] ?? p.media[0] ?? '',
      target_uri: p.targetUri,
      language: p.language,
      // Asterisk reports a canceled playback as done (state_to_string).
      state: p.state === 'canceled' ? 'done' : p.state,
    };
    const next = p.media[p.index + 1];
    if (next !== undefined && p.media.length > 1) {
      return { id: j.id, media_uri: j.media_uri, next_media_uri: next, target_uri: j.target_uri, language: j.language, state: j.state };
    }
    return j;
  }

  liveRecordingJson(r: LiveRecording): LiveRecordingJson {
    return { name: r.name, format: r.format, state: r.state, target_uri: r.targetUri };
  }

  endpointJson(e: Endpoint): EndpointJson {
    return {
      technology: e.technology,
      resource: e.resource,
      state: e.behaviour === 'unreachable' ? 'offline' : 'online',
      channel_ids: [...e.channelIds],
    };
  }

  applicationJson(a: AppState): ApplicationJson {
    const channelIds: string[] = [];
    // An app's channel list is only asked for in admin views, never per event: a scan is acceptable here.
    for (const ch of this.channels.values()) if (ch.apps.has(a.name)) channelIds.push(ch.id);
    return {
      name: a.name,
      channel_ids: channelIds,
      bridge_ids: [...a.bridgeIds],
      endpoint_ids: [...a.endpointIds],
      device_names: [],
      events_allowed: a.eventsAllowed ?? [],
      events_disallowed: a.eventsDisallowed ?? [],
    };
  }

  // ---------------------------------------------------------------- apps

  registerApp(name: string, subscribeAll: boolean): void {
    let a = this.apps.get(name);
    if (!a) {
      a = {
        name,
        sockets: 0,
        subscribeAll: false,
        bridgeIds: new Set(),
        endpointIds: new Set(),
        eventsAllowed: null,
        eventsDisallowed: null,
        allowedTypes: null,
        disallowedTypes: null,
      };
      this.apps.set(name, a);
    }
    a.sockets++;
    a.subscribeAll = subscribeAll;
    if (subscribeAll) this.allApps.add(name);
    else this.allApps.delete(name);
  }

  unregisterApp(name: string): void {
    const a = this.apps.get(name);
    if (!a) return;
    a.sockets = Math.max(0, a.sockets - 1);
    if (a.sockets === 0) {
      this.allApps.delete(name);
      // Asterisk keeps a deactivated app while channels are still in it; an idle one disappears.
      let busy = a.bridgeIds.size > 0;
      if (!busy) for (const ch of this.channels.values()) if (ch.stasisApp === name) { busy = true; break; }
      if (!busy) this.apps.delete(name);
    }
  }

  getApp(name: string): AppState {
    const a = this.apps.get(name);
    if (!a) throw notFound('Application not found');
    return a;
  }

  /**
   * PUT /applications/{app}/eventFilter, as res/stasis/app.c reads its body: no body or `{}` clears both lists;
   * otherwise `disallowed`, then `allowed`, each replaced when present (an array of objects with a non-empty
   * `type`) and kept when absent. A malformed list is 400 "Invalid format definition"; a good `disallowed`
   * before a bad `allowed` stays set, as in Asterisk.
   */
  setEventFilter(appName: string, body: Record<string, unknown> | null): AppState {
    const a = this.getApp(appName);
    const clear = !body || Object.keys(body).length === 0;
    for (const kind of ['disallowed', 'allowed'] as const) {
      let list: { type: string }[] | null = null;
      if (!clear) {
        const given: unknown = body[kind];
        if (given === undefined) continue;
        if (!Array.isArray(given) || !given.every(hasEventType)) throw badRequest('Invalid format definition');
        list = given;
      }
      const types = list && list.length > 0 ? new Set(list.map((o) => o.type)) : null;
      if (kind === 'allowed') {
        a.eventsAllowed = list;
        a.allowedTypes = types;
      } else {
        a.eventsDisallowed = list;
        a.disallowedTypes = types;
      }
    }
    return a;
  }

  subscribe(appName: string, sources: string[], on: boolean): AppState {
    const a = this.getApp(appName);
    for (const src of sources) {
      const [kind, id = ''] = splitOnce(src, ':');
      if (kind === 'channel') {
        const ch = this.channels.get(id);
        if (!ch) throw unprocessable('Event source does not exist');
        if (on) ch.apps.add(appName);
        else ch.apps.delete(appName);
      } else if (kind === 'bridge') {
        const b = this.bridges.get(id);
        if (!b) throw unprocessable('Event source does not exist');
        if (on) { b.apps.add(appName); a.bridgeIds.add(id); } else { b.apps.delete(appName); a.bridgeIds.delete(id); }
      } else if (kind === 'endpoint') {
        // Nothing after the colon subscribes to all endpoints: their state changes, none of their channels.
        const key = id === '' ? ALL_ENDPOINTS : id;
        if (on) a.endpointIds.add(key);
        else if (id === '') {
          // res_stasis's app_unsubscribe fails (-1, no value resource_applications.c answers), so res_ari's
          // default reply stands and the subscription stays (capture g_endpoint_subscriptions, and checked after).
          throw new AriError(501, 'Not Implemented', { message: 'Method not implemented' });
        } else if (!a.endpointIds.delete(key)) throw unprocessable('Event source was not subscribed to');
        if ([...a.endpointIds].some((e) => e !== ALL_ENDPOINTS)) this.endpointWatchers.add(appName);
        else this.endpointWatchers.delete(appName);
      } else if (kind !== 'deviceState') {
        throw badRequest('Invalid event source URI scheme');
      }
    }
    return a;
  }

  // ---------------------------------------------------------------- endpoints

  setEndpoint(
    tech: string,
    resource: string,
    cfg: { behaviour?: EndpointBehaviour; afterMs?: number; talkMs?: number; context?: string; callerName?: string; callerNumber?: string },
  ): EndpointJson {
    const key = `${tech}/${resource}`;
    let e = this.endpoints.get(key);
    const before = e ? this.endpointJson(e).state : null;
    if (!e) {
      e = {
        technology: tech,
        resource,
        behaviour: 'answer',
        afterMs: 0,
        talkMs: 0,
        context: 'default',
        callerName: '',
        callerNumber: resource,
        channelIds: new Set(),
        timers: new Set(),
      };
      this.endpoints.set(key, e);
    }
    if (cfg.behaviour) e.behaviour = cfg.behaviour;
    if (cfg.afterMs !== undefined) e.afterMs = cfg.afterMs;
    if (cfg.talkMs !== undefined) e.talkMs = cfg.talkMs;
    if (cfg.context) e.context = cfg.context;
    if (cfg.callerName !== undefined) e.callerName = cfg.callerName;
    if (cfg.callerNumber !== undefined) e.callerNumber = cfg.callerNumber;
    const json = this.endpointJson(e);
    if (before !== json.state) this.endpointChanged(e);
    return json;
  }

  /**
   * The endpoint a dial string reaches. `PJSIP/<number>@<trunk>` goes out through the trunk endpoint (chan_pjsip's
   * form for a number at a carrier), so it behaves as the trunk does, unless that very number was given a behaviour
   * of its own (a busy or unanswered number in a test).
   */
  private dialledEndpoint(tech: string, resource: string): Endpoint | undefined {
    const exact = this.endpoints.get(`${tech}/${resource}`);
    const at = resource.lastIndexOf('@');
    if (exact || at < 0) return exact;
    return this.endpoints.get(`${tech}/${resource.slice(at + 1)}`);
  }

  deleteEndpoint(tech: string, resource: string): boolean {
    return this.endpoints.delete(`${tech}/${resource}`);
  }

  /**
   * An endpoint went online or offline. EndpointStateChange comes from the endpoint's own topic: only apps
   * subscribed to it or to its technology hear it. res_pjsip also publishes PeerStatusChange (Reachable /
   * Unreachable), which apps subscribed to all endpoints hear too (subscribeAll ones included); with an
   * `endpoint:` subscription it is the only state change an app gets (checked on Asterisk 22.10.1).
   */
  private endpointChanged(e: Endpoint): void {
    const key = `${e.technology}/${e.resource}`;
    let watchers: Set<string> | null = null;
    let toAll: Set<string> | null = null;
    for (const a of this.apps.values()) {
      if (a.endpointIds.has(key) || a.endpointIds.has(e.technology)) (watchers ??= new Set()).add(a.name);
      else if (a.endpointIds.has(ALL_ENDPOINTS)) (toAll ??= new Set()).add(a.name);
    }
    const endpoint = this.endpointJson(e);
    if (watchers) {
      for (const app of watchers) this.emitToApp(app, { type: 'EndpointStateChange', timestamp: asteriskTime(), endpoint });
    }
    if (endpoint.state !== 'online' && endpoint.state !== 'offline') return;
    if (!watchers && !toAll && this.allApps.size === 0) return;
    const peer = { peer_status: endpoint.state === 'online' ? 'Reachable' : 'Unreachable' };
    this.emit({ type: 'PeerStatusChange', timestamp: asteriskTime(), endpoint, peer }, watchers, toAll);
  }

  getEndpoint(tech: string, resource: string): EndpointJson {
    const e = this.endpoints.get(`${tech}/${resource}`);
    if (!e) throw notFound('Endpoint not found');
    return this.endpointJson(e);
  }

  listEndpoints(tech?: string): EndpointJson[] {
    const out: EndpointJson[] = [];
    for (const e of this.endpoints.values()) if (!tech || e.technology === tech) out.push(this.endpointJson(e));
    if (tech && out.length === 0 && !this.knownTech(tech)) throw notFound(`No Endpoints found - invalid tech ${tech}`);
    return out;
  }

  private knownTech(tech: string): boolean {
    return tech === 'PJSIP' || tech === 'SIP' || tech === 'Local' || tech === 'IAX2';
  }

  // ---------------------------------------------------------------- channels: lookup

  getChannel(id: string): Channel {
    const ch = this.channels.get(id);
    if (!ch) throw notFound('Channel not found');
    return ch;
  }

  stasisChannel(id: string): Channel {
    const ch = this.getChannel(id);
    if (!ch.stasisApp) throw notInStasis();
    return ch;
  }

  private newChannel(init: {
    id?: string;
    name: string;
    state: ChannelStateName;
    kind: ChannelKind;
    caller: CallerIdJson;
    connected?: CallerIdJson;
    dialplan: DialplanJson;
    endpoint?: Endpoint | null;
    protocolId?: string;
  }): Channel {
    const now = Date.now();
    const id = init.id ?? `${this.epoch}.${this.uniqueSeq++}`;
    const ch: Channel = {
      id,
      name: init.name,
      state: init.state,
      protocolId: init.protocolId ?? (init.kind === 'local2' || init.name.startsWith('Local/') || init.kind === 'snoop' ? '' : uuid()),
      caller: init.caller,
      connected: init.connected ?? { name: '', number: '' },
      dialplan: init.dialplan,
      creationtime: asteriskTime(now),
      createdMs: now,
      language: 'en',
      kind: init.kind,
      endpoint: init.endpoint ?? null,
      apps: new Set(),
      stasisApp: null,
      args: [],
      bridge: null,
      vars: new Map(),
      playQueue: [],
      lostPlaybacks: new Set(),
      lastBlocker: null,
      pending: [],
      recording: null,
      moh: null,
      held: false,
      muted: null,
      silenced: false,
      ringing: false,
      dialing: false,
      dialMode: 'originate',
      dialApp: null,
      dialArgs: [],
      peer: null,
      snoops: new Set(),
      destroyed: false,
      stasisStatusOwed: false,
      nestedStasis: false,
      onDialplanHangup: null,
      timers: new Set(),
    };
    this.channels.set(id, ch);
    ch.endpoint?.channelIds.add(id);
    this.stats.channelsLive++;
    this.stats.channelsTotal++;
    // Only subscribeAll apps hear of a channel's creation: an app subscribes to its own channels just after
    // (trace b has no ChannelCreated on the app socket; e1's observer socket does).
    if (this.allApps.size) this.chanEvent('ChannelCreated', ch);
    return ch;
  }

  private setState(ch: Channel, state: ChannelStateName): void {
    if (ch.state === state) return;
    ch.state = state;
    this.chanEvent('ChannelStateChange', ch);
  }

  private enterStasis(ch: Channel, app: string, args: string[]): void {
    ch.stasisApp = app;
    ch.args = args;
    ch.apps.add(app);
    ch.dialplan = { ...ch.dialplan, app_name: 'Stasis', app_data: [app, ...args].join(',') };
    this.emitToApp(app, { type: 'StasisStart', timestamp: asteriskTime(), args, channel: this.channelJson(ch) });
  }

  // ---------------------------------------------------------------- the channel's command queue

  /**
   * Run `fn` once the channel's thread is free (see Channel.lastBlocker). Resolves with fn's result; rejects
   * with 409 if the channel leaves Stasis first. Synchronous ARI commands (answer, bridge add/remove,
   * variable set) make the HTTP reply wait for this; asynchronous ones (moh, hold, mute, continue, ...) reply
   * at once and take effect here.
   */
  whenIdle<T>(ch: Channel, fn: () => T): Promise<T> {
    const barrier = ch.lastBlocker;
    if (!barrier) {
      try {
        return Promise.resolve(fn());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise<T>((resolve, reject) => {
      ch.pending.push({
        barrier,
        run: () => {
          try {
            resolve(fn());
          } catch (err) {
            reject(err);
          }
        },
        fail: reject,
      });
    });
  }

  /** Like whenIdle, for commands whose reply does not wait: errors after the reply are dropped. */
  private queueAsync(ch: Channel, fn: () => void): void {
    this.whenIdle(ch, fn).catch(() => {});
  }

  private releaseBarrier(ch: Channel | null, b: Playback | LiveRecording): void {
    if (!ch) return;
    if (ch.lastBlocker === b) ch.lastBlocker = null;
    if (!ch.pending.length) return;
    const ready = ch.pending.filter((x) => x.barrier === b);
    if (!ready.length) return;
    ch.pending = ch.pending.filter((x) => x.barrier !== b);
    for (const x of ready) {
      if (!ch.destroyed && ch.stasisApp) x.run();
      else x.fail(notInStasis());
    }
  }

  private failPending(ch: Channel): void {
    ch.lastBlocker = null;
    const list = ch.pending;
    ch.pending = [];
    for (const x of list) x.fail(notInStasis());
  }

  // ---------------------------------------------------------------- inbound calls (the caller's side)

  /** A call arrives from a trunk and the dialplan runs `Stasis(app,DID,trunk)` (see dialplans/). */
  inboundCall(p: {
    from: string;
    to: string;
    trunk?: string;
    callerName?: string;
    app: string;
    channelId?: string;
    /** Channel technology/resource of the calling side (default `PJSIP/<trunk>`). */
    endpoint?: string;
    context?: string;
    /** Stasis arguments (default `[to, trunk]`). */
    args?: string[];
    /** Answer() ran before Stasis (default: only in `ariadne-inbound`). */
    answered?: boolean;
  }): { channelId: string; inStasis: boolean } {
    // Defaults follow dialplans/inbound.conf: [ariadne-inbound] priority 4 is Answer(), priority 5
    // Stasis(ariadne,DID,trunk endpoint).
    const trunk = p.trunk ?? 'carrier-a';
    const answered = p.answered ?? !p.context;
    const args = p.args ?? [p.to, trunk];
    if (p.channelId && this.channels.has(p.channelId)) throw conflict('Channel with given unique ID already exists');
    const seq = this.chanSeq++;
    const ch = this.newChannel({
      id: p.channelId,
      name: `${p.endpoint ?? `PJSIP/${trunk}`}-${hex8(seq)}`,
      state: 'Ring',
      kind: 'inbound',
      caller: { name: p.callerName ?? '', number: p.from },
      dialplan: {
        context: p.context ?? 'ariadne-inbound',
        exten: p.to,
        priority: p.context ? 2 : answered ? 5 : 4,
        app_name: 'Stasis',
        app_data: [p.app, ...args].join(','),
      },
      protocolId: randomHex(16),
    });
    if (!p.context) {
      ch.vars.set('ARIADNE_DID', p.to);
      ch.vars.set('ARIADNE_TRUNK', trunk);
    }
    this.stats.callsPlaced++;
    const blocked = p.context ? null : this.blockedKey(p.from, args[2]);
    if (blocked) {
      this.rejectBlocked(ch, blocked, p.to);
      return { channelId: ch.id, inStasis: false };
    }
    // Only subscribeAll apps hear this ChannelStateChange: the app subscribes to the channel at StasisStart.
    if (answered) this.setState(ch, 'Up');
    if (!this.isConnected(p.app)) {
      // Stasis() fails when the app is not registered; the dialplan's fallback then hangs up (or queues).
      ch.vars.set('STASISSTATUS', 'FAILED');
      this.destroy(ch, 16);
      return { channelId: ch.id, inStasis: false };
    }
    this.enterStasis(ch, p.app, args);
    return { channelId: ch.id, inStasis: true };
  }

  onUserEvent(listener: (ch: Channel, name: string, body: [string, string][]) => void): () => void {
    this.userEventListeners.add(listener);
    return () => this.userEventListeners.delete(listener);
  }

  /**
   * dialplans/inbound.conf before Answer(): the caller's digits (or `anonymous` when none are left, or when the
   * number is withheld and `anonymous` is blocked) looked up in AstDB family ariadne-blocked. The key found, or null.
   */
  private blockedKey(callerNum: string, presentation: string | undefined): string | null {
    const cli = callerNum.replace(/\D/g, '') || 'anonymous';
    if (this.astdb.has(`ariadne-blocked/${cli}`)) return cli;
    if (presentation?.startsWith('prohib') && this.astdb.has('ariadne-blocked/anonymous')) return 'anonymous';
    return null;
  }

  /** [ariadne-blocked]: UserEvent(AriadneBlocked,Key: …,Did: …), then Hangup(21), never answered nor in Stasis. */
  private rejectBlocked(ch: Channel, key: string, did: string): void {
    const body: [string, string][] = [
      ['Key', key],
      ['Did', did],
    ];
    ch.dialplan = {
      context: 'ariadne-blocked',
      exten: 's',
      priority: 3,
      app_name: 'UserEvent',
      app_data: `AriadneBlocked,${body.map(([k, v]) => `${k}: ${v}`).join(',')}`,
    };
    for (const l of this.userEventListeners) l(ch, 'AriadneBlocked', body);
    this.destroy(ch, 21);
  }

  /** DTMF from the far end of a channel (trace a: `ChannelDtmfReceived` with `duration_ms` 180). */
  receiveDtmf(id: string, digits: string, gapMs = 250): void {
    const ch = this.getChannel(id);
    let i = 0;
    const next = (): void => {
      if (ch.destroyed || i >= digits.length) return;
      const digit = digits[i++]!;
      this.chanEvent('ChannelDtmfReceived', ch, { digit, duration_ms: this.opts.dtmfDurationMs });
      if (i < digits.length) this.after(ch, gapMs, next);
    };
    next();
  }

  /** The far end hangs up (BYE), e.g. the caller or an agent's phone. */
  remoteHangup(id: string, cause = 16): void {
    const ch = this.getChannel(id);
    if (ch.destroyed) return;
    if (ch.dialing || (ch.kind === 'originated' && !ch.stasisApp)) {
      // Rejected while ringing (e.g. 603 Decline).
      this.failDial(ch, cause === 16 ? 21 : cause);
      return;
    }
    this.hangup(ch, { remote: true, cause });
  }

  // ---------------------------------------------------------------- originate

  originate(q: Params, pathChannelId?: string): ChannelJson {
    const endpointStr = q.str('endpoint');
    if (!endpointStr) throw badRequest('Endpoint must be specified');
    const app = q.str('app');
    const extension = q.str('extension');
    if (!app && !extension) throw badRequest('Application or extension must be specified');
    const channelId = pathChannelId ?? q.str('channelId');
    const slash = endpointStr.indexOf('/');
    if (slash <= 0) throw badRequest('Invalid endpoint specified');
    if (channelId && this.channels.has(channelId)) throw conflict('Channel with given unique ID already exists');
    const tech = endpointStr.slice(0, slash);
    const resource = endpointStr.slice(slash + 1);
    const appArgs = q.str('appArgs');
    const args = appArgs ? appArgs.split(',') : [];
    const timeoutMs = parseTimeout(q.str('timeout'), 30) * 1000;
    const callerIdParam = q.str('callerId');
    this.stats.originates++;

    if (tech === 'Local') {
      const [extCtx = ''] = resource.split('/');
      const [exten = '', context = 'default'] = splitOnce(extCtx, '@');
      const lseq = this.localSeq++;
      const caller = callerIdParam ? parseCallerId(callerIdParam) : { name: '', number: '' };
      const ch = this.newChannel({
        id: channelId,
        name: `Local/${exten}@${context}-${hex8(lseq)};1`,
        state: 'Down',
        kind: 'originated',
        caller,
        connected: callerIdParam ? { ...caller } : { name: '', number: '' },
        dialplan: { context, exten, priority: 1, app_name: 'AppDial2', app_data: '(Outgoing Line)' },
      });
      const other = this.newChannel({
        id: q.str('otherChannelId'),
        name: `Local/${exten}@${context}-${hex8(lseq)};2`,
        state: 'Ring',
        kind: 'local2',
        caller: { name: '', number: '' },
        dialplan: { context, exten, priority: 1, app_name: '', app_data: '' },
      });
      ch.peer = other;
      other.peer = ch;
      if (app) {
        ch.apps.add(app);
        other.apps.add(app);
      }
      setVariables(ch, q.body?.variables);
      const json = this.channelJson(ch);
      this.after(ch, 0, () => this.runLocal(ch, other, app, args, `${exten}@${context}`));
      return json;
    }

    const e = this.dialledEndpoint(tech, resource);
    if (!e || e.behaviour === 'unreachable') {
      // c3/c4: unregistered or unknown endpoint → 500 and no event at all.
      this.stats.originatesFailed++;
      throw allocationFailed();
    }
    const caller = callerIdParam ? parseCallerId(callerIdParam) : { name: e.callerName, number: e.callerNumber };
    const ch = this.newChannel({
      id: channelId,
      name: `${tech}/${e.resource}-${hex8(this.chanSeq++)}`,
      state: 'Down',
      kind: 'originated',
      endpoint: e,
      caller,
      connected: callerIdParam ? { ...caller } : { name: '', number: '' },
      dialplan: { context: e.context, exten: 's', priority: 1, app_name: 'AppDial2', app_data: '(Outgoing Line)' },
    });
    if (app) ch.apps.add(app);
    setVariables(ch, q.body?.variables);
    const json = this.channelJson(ch);
    this.after(ch, 0, () => this.ringOut(ch, 'originate', timeoutMs, app ?? null, args));
    return json;
  }

  /** Local channel to a dialplan that answers at once (errors_rest_and_ws: `Local/5@local-sink`). */
  private runLocal(ch: Channel, other: Channel, app: string | undefined, args: string[], dialstring: string): void {
    // h: the originate's variables, set on ;1 before anyone hears of it, are copied to ;2 as the call starts.
    for (const [name, value] of ch.vars) {
      other.vars.set(name, value);
      this.varset(other, name, value);
    }
    this.dialEvent(ch, '', dialstring);
    other.dialplan = { ...other.dialplan, app_name: 'Answer', app_data: '' };
    this.emit(
      { type: 'ChannelDialplan', timestamp: asteriskTime(), dialplan_app: 'Answer', dialplan_app_data: '', channel: this.channelJson(other) },
      other.apps,
    );
    this.setState(other, 'Up');
    this.setState(ch, 'Up');
    this.dialEvent(ch, 'ANSWER', dialstring);
    // local-sink then runs Wait(3600); Answer() returns ~300 ms later (errors_rest_and_ws).
    this.after(other, 300, () => {
      other.dialplan = { ...other.dialplan, priority: 2, app_name: 'Wait', app_data: '3600' };
      this.emit(
        { type: 'ChannelDialplan', timestamp: asteriskTime(), dialplan_app: 'Wait', dialplan_app_data: '3600', channel: this.channelJson(other) },
        other.apps,
      );
    });
    if (app) {
      ch.dialplan = { ...ch.dialplan, app_name: 'Stasis', app_data: [app, ...args].join(',') };
      this.varset(ch, 'STASISSTATUS', '');
      this.enterStasis(ch, app, args);
    }
  }

  /** POST /channels/create: the channel enters Stasis at once in state Down (c5, c6). */
  create(q: Params): ChannelJson {
    const endpointStr = q.str('endpoint');
    if (!endpointStr) throw badRequest('Endpoint must be specified');
    const app = q.str('app');
    if (!app) throw badRequest('Application must be specified');
    const slash = endpointStr.indexOf('/');
    if (slash <= 0) throw badRequest('Invalid endpoint specified');
    const channelId = q.str('channelId');
    if (channelId && this.channels.has(channelId)) throw conflict('Channel with given unique ID already exists');
    const tech = endpointStr.slice(0, slash);
    const resource = endpointStr.slice(slash + 1);
    const e = this.dialledEndpoint(tech, resource);
    if (!e || e.behaviour === 'unreachable') {
      this.stats.originatesFailed++;
      throw allocationFailed();
    }
    const appArgs = q.str('appArgs');
    const args = appArgs ? appArgs.split(',') : [];
    const ch = this.newChannel({
      id: channelId,
      name: `${tech}/${e.resource}-${hex8(this.chanSeq++)}`,
      state: 'Down',
      kind: 'created',
      endpoint: e,
      caller: { name: e.callerName, number: e.callerNumber },
      dialplan: { context: e.context, exten: 's', priority: 1, app_name: '', app_data: '' },
    });
    ch.apps.add(app);
    const json = this.channelJson(ch);
    ch.stasisApp = app; // dial/answer are allowed as soon as the 200 is out
    this.after(ch, 0, () => {
      const data = [app, ...args].join(',');
      ch.dialplan = { ...ch.dialplan, app_name: 'Stasis', app_data: data };
      this.emit(
        { type: 'ChannelDialplan', timestamp: asteriskTime(), dialplan_app: 'Stasis', dialplan_app_data: data, channel: this.channelJson(ch) },
        ch.apps,
      );
      this.varset(ch, 'STASISSTATUS', '');
      this.enterStasis(ch, app, args);
    });
    return json;
  }

  /** POST /channels/{id}/dial (c5, c6). */
  dial(id: string, q: Params): void {
    const ch = this.stasisChannel(id);
    if (ch.state !== 'Down' || ch.dialing) throw conflict("Channel is not in the 'Down' state");
    if (!ch.endpoint) throw conflict("Channel is not in the 'Down' state");
    const timeoutMs = parseTimeout(q.str('timeout'), 0) * 1000;
    this.after(ch, 0, () => this.ringOut(ch, 'dial', timeoutMs, null, []));
  }

  /**
   * The outbound leg rings the endpoint and then answers, times out, or is busy, as the endpoint's behaviour says.
   * Orders from b/c1 (originate) and c5/c6 (create + dial).
   */
  private ringOut(ch: Channel, mode: 'originate' | 'dial', timeoutMs: number, app: string | null, args: string[]): void {
    const e = ch.endpoint!;
    ch.dialing = true;
    this.dialEvent(ch, '', e.resource);
    this.setState(ch, 'Ringing');
    this.dialEvent(ch, 'RINGING', mode === 'originate' ? e.resource : '');
    if (timeoutMs > 0) this.after(ch, timeoutMs, () => ch.dialing && this.failDial(ch, 19));
    ch.dialMode = mode;
    ch.dialApp = app;
    ch.dialArgs = args;
    const behaviour = e.behaviour;
    if (behaviour === 'answer' || behaviour === 'machine') {
      this.after(ch, e.afterMs, () => this.remoteAnswer(ch.id));
    } else if (behaviour === 'busy' || behaviour === 'reject' || behaviour === 'congestion') {
      const cause = behaviour === 'busy' ? 17 : behaviour === 'reject' ? 21 : 34;
      this.after(ch, e.afterMs, () => {
        if (ch.destroyed || !ch.dialing) return;
        // Documented: dial.c publishes BUSY for a busy far end; a timeout publishes nothing (c1, c5).
        if (behaviour === 'busy') this.dialEvent(ch, 'BUSY', mode === 'originate' ? e.resource : '');
        this.failDial(ch, cause);
      });
    }
  }

  /** The far end of a ringing outbound leg answers (auto-answer after afterMs, or the control API). */
  remoteAnswer(id: string): boolean {
    const ch = this.getChannel(id);
    if (ch.destroyed || !ch.dialing) return false;
    const e = ch.endpoint!;
    const mode = ch.dialMode;
    ch.dialing = false;
    if (e.talkMs > 0) this.after(ch, e.talkMs, () => this.remoteHangup(ch.id, 16));
    this.setState(ch, 'Up');
    this.dialEvent(ch, 'ANSWER', mode === 'originate' ? e.resource : '');
    if (mode === 'originate' && ch.dialApp) {
      ch.dialplan = { ...ch.dialplan, app_name: 'Stasis', app_data: [ch.dialApp, ...ch.dialArgs].join(',') };
      this.varset(ch, 'STASISSTATUS', '');
      this.enterStasis(ch, ch.dialApp, ch.dialArgs);
    }
    return true;
  }

  /** Run `fn` after `ms` unless the channel is gone by then (caller scripts). */
  private heard(ch: Channel, media: string): void {
    const waiting = this.hearing.get(ch.id);
    if (!waiting) return;
    const now = waiting.filter((w) => w.media === media);
    if (now.length === 0) return;
    const rest = waiting.filter((w) => w.media !== media);
    if (rest.length > 0) this.hearing.set(ch.id, rest);
    else this.hearing.delete(ch.id);
    for (const w of now) w.fn();
  }

  onChannelAfter(id: string, ms: number, fn: () => void): void {
    const ch = this.getChannel(id);
    this.after(ch, ms, () => {
      if (!ch.destroyed) fn();
    });
  }

  /** Runs `fn` `ms` after `media` starts playing to the channel (once): a scripted caller answering a prompt. */
  onChannelHears(id: string, media: string, ms: number, fn: () => void): void {
    const ch = this.getChannel(id);
    const waiting = this.hearing.get(ch.id) ?? [];
    waiting.push({ media, fn: () => this.onChannelAfter(ch.id, ms, fn) });
    this.hearing.set(ch.id, waiting);
  }

  /** The outbound leg gave up: no answer (19), busy (17), rejected (21), congestion (34). */
  private failDial(ch: Channel, cause: number): void {
    if (ch.destroyed) return;
    ch.dialing = false;
    if (ch.stasisApp) {
      // c5: created channel in Stasis: HangupRequest(32, soft), StasisEnd, STASISSTATUS, Destroyed.
      this.hangupRequest(ch, 32, true);
      this.leaveStasisForHangup(ch);
      ch.dialplan = { ...ch.dialplan, app_name: '', app_data: '' };
      this.destroy(ch, cause);
    } else {
      // c1: an unanswered originate ends with ChannelDestroyed only.
      this.destroy(ch, cause);
    }
  }

  // ---------------------------------------------------------------- hangup

  /**
   * Hang a channel up. Sequences:
   * - remote (caller/agent BYE): RTPAUDIOQOS varsets (if it had media), HangupRequest (no cause), bridge leave,
   *   StasisEnd, and for a channel the app created: STASISSTATUS + ChannelDestroyed (a, b, d).
   * - by the app (DELETE): RTPAUDIOQOS, HangupRequest(cause 32, soft), bridge leave, StasisEnd, ... (b, c1, c6).
   * An inbound channel gets no ChannelDestroyed: after StasisEnd the app is no longer subscribed (a, b).
   */
  hangup(ch: Channel, how: { remote: boolean; cause: number }): void {
    if (ch.destroyed) return;
    if (ch.kind === 'local2') {
      this.destroy(ch, how.cause);
      return;
    }
    if (!ch.stasisApp) {
      // Not (yet) in Stasis: a ringing originate cancelled by the app, or a channel in the dialplan.
      if (!how.remote) this.hangupRequest(ch, 32, true);
      const interrupted = ch.onDialplanHangup;
      ch.onDialplanHangup = null;
      interrupted?.();
      this.payStasisStatus(ch);
      ch.dialing = false;
      this.destroy(ch, how.cause);
      return;
    }
    if (ch.state === 'Up' && ch.kind !== 'snoop' && !ch.name.startsWith('Local/')) this.rtpQos(ch);
    if (how.remote) this.hangupRequest(ch);
    else this.hangupRequest(ch, 32, true);
    this.leaveStasisForHangup(ch);
    this.destroy(ch, how.cause);
  }

  private rtpQos(ch: Channel): void {
    const bridged = ch.bridge && ch.bridge.channels.length > 1 ? ch.bridge.channels.find((c) => c !== ch) ?? null : null;
    const rx = Math.max(1, Math.round((Date.now() - ch.createdMs) / 20));
    const qos = `ssrc=${randomInt()};themssrc=${randomInt()};lp=0;rxjitter=0.000000;rxcount=${rx};txjitter=0.000000;txcount=${rx};rlp=0;rtt=0.000000;rxmes=0.000000;txmes=0.000000`;
    const vals: [string, string][] = [
      ['RTPAUDIOQOS', qos],
      ['RTPAUDIOQOSJITTER', 'minrxjitter=000.000000;maxrxjitter=000.000000;avgrxjitter=000.000000;stdevrxjitter=000.000000;mintxjitter=000.000000;maxtxjitter=000.000000;avgtxjitter=000.000000;stdevtxjitter=000.000000;'],
      ['RTPAUDIOQOSLOSS', '  minrxlost=000.000000;  maxrxlost=000.000000;  avgrxlost=000.000000;  stdevrxlost=000.000000;  mintxlost=000.000000;  maxtxlost=000.000000;  avgtxlost=000.000000;  stdevtxlost=000.000000;'],
      ['RTPAUDIOQOSRTT', '     minrtt=000.000000;     maxrtt=000.000000;     avgrtt=000.000000;     stdevrtt=000.000000;'],
      ['RTPAUDIOQOSMES', '   minrxmes=000.000000;   maxrxmes=000.000000;   avgrxmes=000.000000;   stdevrxmes=000.000000;   mintxmes=000.000000;   maxtxmes=000.000000;   avgtxmes=000.000000;   stdevtxmes=000.000000;'],
    ];
    for (const [k, v] of vals) {
      this.varset(ch, k, v);
      // b: the bridged peer gets the same values with a BRIDGED suffix.
      if (bridged) this.varset(bridged, `${k}BRIDGED`, v);
    }
  }

  /** Everything that ends when a channel leaves Stasis because it is hanging up, then StasisEnd. */
  private leaveStasisForHangup(ch: Channel): void {
    this.stopChannelMedia(ch, 'done');
    if (ch.bridge) this.removeFromBridge(ch, true);
    this.endStasis(ch);
  }

  /** `intoDialplan`: the channel goes on in a dialplan that runs, so its originate's Stasis has not returned (h). */
  private endStasis(ch: Channel, intoDialplan = false): void {
    const app = ch.stasisApp;
    if (!app) return;
    if (ch.pending.length) this.failPending(ch);
    this.emitToApp(app, { type: 'StasisEnd', timestamp: asteriskTime(), channel: this.channelJson(ch) });
    ch.stasisApp = null;
    if (ch.kind === 'inbound' || ch.kind === 'snoop') {
      // a, b: the app stops hearing about a channel it did not create once it leaves Stasis; i_snoop: nor about a
      // snoop (no STASISSTATUS, no ChannelDestroyed).
      ch.apps.delete(app);
      return;
    }
    if (ch.nestedStasis) {
      // h: the dialplan's Stasis() returns; a hang-up ends the originate's Stasis too (a second SUCCESS).
      ch.nestedStasis = false;
      this.stasisStatus(ch, 'SUCCESS');
      if (!intoDialplan) this.payStasisStatus(ch);
    } else if (intoDialplan) {
      ch.stasisStatusOwed = true;
    } else {
      this.stasisStatus(ch, 'SUCCESS');
    }
  }

  private stasisStatus(ch: Channel, value: string): void {
    ch.vars.set('STASISSTATUS', value);
    this.varset(ch, 'STASISSTATUS', value);
  }

  /** The originate's Stasis returns at last, as the dialplan the channel was continued into ends (h). */
  private payStasisStatus(ch: Channel): void {
    if (!ch.stasisStatusOwed) return;
    ch.stasisStatusOwed = false;
    this.stasisStatus(ch, 'SUCCESS');
  }

  private stopChannelMedia(ch: Channel, state: 'done'): void {
    for (const p of ch.lostPlaybacks) this.forgetPlayback(p);
    ch.lostPlaybacks.clear();
    if (ch.playQueue.length) {
      const [current, ...queued] = ch.playQueue;
      ch.playQueue = [];
      for (const p of queued) this.forgetPlayback(p);
      if (current) this.finishPlayback(current, state, false);
    }
    if (ch.recording) this.finishRecording(ch.recording, 'done');
  }

  private destroy(ch: Channel, cause: number): void {
    if (ch.destroyed) return;
    ch.destroyed = true;
    this.hearing.delete(ch.id);
    this.clearTimers(ch);
    if (ch.pending.length) this.failPending(ch);
    if (ch.bridge) this.removeFromBridge(ch, false);
    if (ch.playQueue.length || ch.recording || ch.lostPlaybacks.size) this.stopChannelMedia(ch, 'done');
    const localPeer = ch.peer && !ch.peer.destroyed && ch.peer.kind === 'local2' ? ch.peer : null;
    // errors_rest_and_ws: the ;2 half's hangup request arrives between ;1's StasisEnd and ;1's ChannelDestroyed.
    if (localPeer) this.hangupRequest(localPeer, 16);
    if (localPeer && ch.snoops.size) {
      // i_snoop: the snoops' detaching delays ;1's end: its ;2 half is gone first (a second, soft request, then its
      // ChannelDestroyed), then the snoops leave Stasis, then ;1's ChannelDestroyed. Without a snoop ;1 goes first.
      ch.peer = null;
      localPeer.peer = null;
      this.hangupRequest(localPeer, 16, true);
      localPeer.dialplan = { ...localPeer.dialplan, app_name: '', app_data: '' };
      this.destroy(localPeer, 16);
    }
    if (ch.snoops.size) this.endSnoops(ch);
    if (ch.apps.size || this.allApps.size) {
      const fields: Record<string, unknown> = { cause, cause_txt: causeText(cause) };
      const tech = TECH_CAUSE[cause];
      if (tech !== undefined && ch.endpoint && cause !== 16) fields.tech_cause = tech;
      if (ch.kind === 'originated') ch.dialplan = { ...ch.dialplan, app_name: 'AppDial2', app_data: '(Outgoing Line)' };
      else if (ch.kind === 'created') ch.dialplan = { ...ch.dialplan, app_name: '', app_data: '' };
      this.chanEvent('ChannelDestroyed', ch, fields);
    }
    this.channels.delete(ch.id);
    ch.endpoint?.channelIds.delete(ch.id);
    this.stats.channelsLive--;
    const peer = ch.peer;
    if (peer && !peer.destroyed) {
      ch.peer = null;
      peer.peer = null;
      if (peer.kind === 'local2') {
        this.hangupRequest(peer, 16, true);
        peer.dialplan = { ...peer.dialplan, app_name: '', app_data: '' };
        this.destroy(peer, 16);
      } else {
        this.hangup(peer, { remote: true, cause: 16 });
      }
    }
  }

  /** DELETE /channels/{id}: any channel, in Stasis or not. */
  appHangup(id: string, q: Params): void {
    const ch = this.getChannel(id);
    const reason = q.str('reason');
    const code = q.str('reason_code');
    let cause = 16;
    if (code !== undefined && code !== '') {
      const n = Number(code);
      if (!Number.isInteger(n)) throw badRequest('Invalid reason for hangup reason provided', 'Invalid Reason');
      cause = n;
    } else if (reason !== undefined && reason !== '') {
      const c = HANGUP_REASONS[reason];
      if (c === undefined) throw badRequest('Invalid reason for hangup reason provided', 'Invalid Reason');
      cause = c;
    }
    this.hangup(ch, { remote: false, cause });
  }

  // ---------------------------------------------------------------- channel operations

  answer(id: string): Promise<void> {
    const ch = this.stasisChannel(id);
    // a: ChannelStateChange(Up) reaches the socket before the 204.
    return this.whenIdle(ch, () => this.setState(ch, 'Up'));
  }

  ring(id: string, on: boolean): void {
    const ch = this.stasisChannel(id);
    this.queueAsync(ch, () => {
      ch.ringing = on;
    });
  }

  progress(id: string): void {
    this.stasisChannel(id);
  }

  moh(id: string, cls: string | null): void {
    const ch = this.stasisChannel(id);
    this.queueAsync(ch, () => {
      ch.moh = cls;
    });
  }

  hold(id: string, on: boolean): void {
    const ch = this.stasisChannel(id);
    this.queueAsync(ch, () => {
      if (ch.held === on) return;
      ch.held = on;
      this.chanEvent(on ? 'ChannelHold' : 'ChannelUnhold', ch);
    });
  }

  mute(id: string, direction: string | null): void {
    const ch = this.stasisChannel(id);
    if (direction !== null && !['both', 'in', 'out'].includes(direction)) throw badRequest('Invalid direction specified');
    this.queueAsync(ch, () => {
      ch.muted = direction;
    });
  }

  silence(id: string, on: boolean): void {
    const ch = this.stasisChannel(id);
    this.queueAsync(ch, () => {
      ch.silenced = on;
    });
  }

  sendDtmf(id: string, dtmf: string | undefined): void {
    const ch = this.stasisChannel(id);
    if (!dtmf) throw badRequest('DTMF is required');
    void ch;
  }

  getVariable(id: string, name: string | undefined): { value: string } {
    const ch = this.stasisChannel(id);
    if (!name) throw badRequest('Variable name is required');
    const builtin = this.builtinVar(ch, name);
    if (builtin !== undefined) return { value: builtin };
    const v = ch.vars.get(name);
    if (v === undefined) throw notFound('Provided variable was not found');
    return { value: v };
  }

  private builtinVar(ch: Channel, name: string): string | undefined {
    switch (name) {
      case 'CHANNEL(name)': return ch.name;
      case 'CHANNEL(state)': return ch.state;
      case 'CALLERID(num)': return ch.caller.number;
      case 'CALLERID(name)': return ch.caller.name;
      case 'CHANNEL(language)': return ch.language;
      case 'UNIQUEID': return ch.id;
      case 'EXTEN': return ch.dialplan.exten;
      case 'CONTEXT': return ch.dialplan.context;
      default: return undefined;
    }
  }

  setVariable(id: string, name: string | undefined, value: string): Promise<void> {
    const ch = this.stasisChannel(id);
    if (!name) throw badRequest('Variable name is required');
    return this.whenIdle(ch, () => {
      if (name === 'CALLERID(num)') ch.caller = { ...ch.caller, number: value };
      else if (name === 'CALLERID(name)') ch.caller = { ...ch.caller, name: value };
      else ch.vars.set(name, value);
      this.varset(ch, name, value);
    });
  }

  getGlobal(name: string | undefined): { value: string } {
    if (!name) throw badRequest('Variable name is required');
    if (name === 'EPOCH') return { value: String(Math.floor(Date.now() / 1000)) };
    return { value: this.globals.get(name) ?? '' };
  }

  setGlobal(name: string | undefined, value: string): void {
    if (!name) throw badRequest('Variable name is required');
    this.globals.set(name, value);
  }

  /** continue / redirect / move: the channel leaves Stasis. */
  continueInDialplan(id: string, target: { context?: string; extension?: string; priority?: string } = {}): void {
    const ch = this.stasisChannel(id);
    this.queueAsync(ch, () => this.leaveToDialplan(ch, target));
  }

  private leaveToDialplan(ch: Channel, target: { context?: string; extension?: string; priority?: string }): void {
    const app = ch.stasisApp;
    const amd = ch.kind !== 'inbound' && target.context === AMD_CONTEXT && app ? app : null;
    this.stopChannelMedia(ch, 'done');
    if (ch.bridge) this.removeFromBridge(ch, true);
    this.endStasis(ch, amd !== null);
    const prio = Number(target.priority ?? '1');
    ch.dialplan = {
      context: target.context || ch.dialplan.context,
      exten: target.extension || ch.dialplan.exten,
      priority: Number.isInteger(prio) && prio > 0 ? prio : 1,
      app_name: ch.kind === 'inbound' ? '' : 'AppDial2',
      app_data: ch.kind === 'inbound' ? '' : '(Outgoing Line)',
    };
    if (amd) {
      this.runAmdContext(ch, amd);
      return;
    }
    // Without a dialplan to run, the simulated dialplan ends at once, as a missing context does
    // (errors_rest_and_ws: Local ;1 continued to `nosuchcontext`: ;2 hangs up and is destroyed, then ;1).
    this.after(null, 0, () => {
      if (ch.destroyed) return;
      const peer = ch.peer;
      if (peer && peer.kind === 'local2' && !peer.destroyed) {
        ch.peer = null;
        peer.peer = null;
        this.hangupRequest(peer, 16);
        this.hangupRequest(peer, 16, true);
        peer.dialplan = { ...peer.dialplan, app_name: '', app_data: '' };
        this.destroy(peer, 16);
        this.destroy(ch, 16);
        this.emit(
          { type: 'ChannelDialplan', timestamp: asteriskTime(), dialplan_app: 'AppDial2', dialplan_app_data: '(Outgoing Line)', channel: this.channelJson(ch) },
          ch.apps,
        );
        return;
      }
      if (ch.apps.size) {
        this.hangupRequest(ch, 16);
        this.hangupRequest(ch, 16, true);
      }
      this.destroy(ch, 16);
    });
  }

  /**
   * dialplans/outbound.conf [ariadne-amd], as Asterisk 22.10.1 runs it (h_amd_visit): `s` runs AMD() and goes back
   * to Stasis(<app>,amd,<call id>,<AMDSTATUS>,<AMDCAUSE>), in the app the channel left (the shipped dialplan names
   * `ariadne`); `message` waits for the greeting's silence, plays ARIADNE_MACHINE_MESSAGE and hangs up.
   */
  private runAmdContext(ch: Channel, app: string): void {
    const step = (priority: number, application: string, data: string): void => {
      ch.dialplan = { ...ch.dialplan, priority, app_name: application, app_data: data };
      this.emit(
        { type: 'ChannelDialplan', timestamp: asteriskTime(), dialplan_app: application, dialplan_app_data: data, channel: this.channelJson(ch) },
        ch.apps,
      );
    };
    const callId = ch.vars.get('ARIADNE_CALL_ID') ?? '';
    if (ch.dialplan.exten === 'message') {
      step(1, 'NoOp', `Message for the answering machine of call ${callId}`);
      step(2, 'WaitForSilence', '1500,1,20');
      this.after(ch, 1500, () => {
        step(3, 'Playback', ch.vars.get('ARIADNE_MACHINE_MESSAGE') ?? '');
        this.after(ch, AMD_MESSAGE_MS, () => {
          step(4, 'Hangup', '');
          this.hangupRequest(ch, 16);
          this.hangup(ch, { remote: true, cause: 16 });
        });
      });
      return;
    }
    step(1, 'NoOp', `Answering-machine detection for call ${callId}`);
    step(2, 'AMD', '');
    const verdict = amdVerdict(ch);
    const set = (name: string, value: string): void => {
      ch.vars.set(name, value);
      this.varset(ch, name, value);
    };
    ch.onDialplanHangup = () => {
      set('AMDSTATUS', 'HANGUP');
      set('AMDCAUSE', '');
    };
    this.after(ch, verdict.afterMs, () => {
      ch.onDialplanHangup = null;
      set('AMDSTATUS', verdict.status);
      set('AMDCAUSE', verdict.cause);
      const args = ['amd', callId, verdict.status, verdict.cause];
      step(3, 'Stasis', [app, ...args].join(','));
      this.stasisStatus(ch, '');
      ch.nestedStasis = true;
      this.enterStasis(ch, app, args);
    });
  }

  redirect(id: string, endpoint: string | undefined): void {
    const ch = this.stasisChannel(id);
    if (!endpoint) throw badRequest('Required parameter endpoint not provided');
    if (!endpoint.includes('/')) throw unprocessable('Endpoint parameter does not contain tech');
    this.continueInDialplan(ch.id);
  }

  move(id: string, app: string | undefined, appArgs: string | undefined): void {
    const ch = this.stasisChannel(id);
    if (!app) throw badRequest('app is required');
    const args = appArgs ? appArgs.split(',') : [];
    const from = ch.stasisApp!;
    this.emitToApp(from, { type: 'StasisEnd', timestamp: asteriskTime(), channel: this.channelJson(ch) });
    if (ch.kind === 'inbound') ch.apps.delete(from);
    this.enterStasis(ch, app, args);
  }

  /**
   * POST /channels/{id}/snoop: the checks in the order of res/ari/resource_channels.c (22.10.1), with its wording
   * (capture i_snoop). Any live channel may be snooped on, in Stasis or not. The reply comes before the snoop's
   * StasisStart; a snoop id in use is a 500.
   */
  snoop(id: string, q: Params, snoopIdPath?: string): ChannelJson {
    const DIRECTIONS = ['none', 'both', 'out', 'in'];
    const spy = q.str('spy') || 'none';
    if (!DIRECTIONS.includes(spy)) throw badRequest('Invalid direction specified for spy');
    const whisper = q.str('whisper') || 'none';
    if (!DIRECTIONS.includes(whisper)) throw badRequest('Invalid direction specified for whisper');
    const app = q.str('app');
    if (spy === 'none' && whisper === 'none') throw badRequest('Direction must be specified for at least spy or whisper');
    if (!app) throw badRequest('Application name is required');
    const ch = this.channels.get(id);
    if (!ch || ch.destroyed) throw notFound('Provided channel was not found', 'Channel Not Found');
    const snoopId = snoopIdPath ?? q.str('snoopId');
    if (snoopId && this.channels.has(snoopId)) throw new AriError(500, 'Internal error', { message: 'Snoop channel could not be created' });
    const appArgs = q.str('appArgs');
    const s = this.newChannel({
      id: snoopId,
      name: `Snoop/${ch.id}-${hex8(this.chanSeq++)}`,
      state: 'Up',
      kind: 'snoop',
      caller: { name: '', number: '' },
      dialplan: { context: 'default', exten: 's', priority: 1, app_name: 'Stasis', app_data: appArgs ? `${app},${appArgs}` : app },
    });
    ch.snoops.add(s);
    s.peer = null;
    s.apps.add(app);
    const json = this.channelJson(s);
    this.after(s, 0, () => this.enterStasis(s, app, appArgs ? appArgs.split(',') : []));
    return json;
  }

  /** i_snoop: the snooped channel is going, and its snoops with it: each only leaves Stasis, and is heard of no more. */
  private endSnoops(ch: Channel): void {
    for (const s of ch.snoops) {
      if (s.destroyed) continue;
      if (s.bridge) this.removeFromBridge(s, true);
      this.endStasis(s);
      this.destroy(s, 16);
    }
    ch.snoops.clear();
  }

  // ---------------------------------------------------------------- playbacks

  play(target: { channel?: Channel; bridge?: Bridge }, q: Params, playbackIdPath?: string): PlaybackJson {
    const media = q.list('media');
    if (!media.length) throw badRequest('Missing parameter media');
    const id = playbackIdPath ?? q.str('playbackId') ?? uuid();
    const p: Playback = {
      id,
      media,
      index: 0,
      targetUri: target.channel ? `channel:${target.channel.id}` : `bridge:${target.bridge!.id}`,
      language: q.str('lang') ?? 'en',
      state: 'queued',
      channel: target.channel ?? null,
      bridge: target.bridge ?? null,
      startedMs: 0,
      pausedAtMs: null,
      remainingMs: 0,
      timers: new Set(),
    };
    let list = this.playbacks.get(id);
    if (!list) this.playbacks.set(id, (list = []));
    list.push(p);
    const queue = target.channel ? target.channel.playQueue : target.bridge!.playQueue;
    queue.push(p);
    if (target.channel) target.channel.lastBlocker = p;
    const json = this.playbackJson(p);
    if (queue.length === 1) this.after(p, 0, () => this.startPlayback(p));
    return json;
  }

  private mediaDuration(uri: string): number | 'failed' | 'forever' | 'lost' {
    const [scheme, rest = ''] = splitOnce(uri, ':');
    switch (scheme) {
      case 'sound': {
        if (this.missingSounds.has(rest)) return 'failed';
        const known = this.soundTable.get(rest);
        if (known === undefined && (this.opts.soundPolicy === 'strict' || rest.startsWith('no-such'))) return 'failed';
        return this.opts.playbackMs ?? known ?? this.opts.defaultSoundMs;
      }
      case 'recording': {
        const r = this.storedRecordings.get(rest);
        if (!r) return 'failed';
        return this.opts.playbackMs ?? r.durationMs;
      }
      case 'digits':
      case 'characters':
        return this.opts.playbackMs ?? Math.max(1, rest.length) * this.opts.digitMs;
      case 'number':
        return this.opts.playbackMs ?? 1000;
      case 'tone':
        return 'forever';
      default:
        return 'lost';
    }
  }

  private startPlayback(p: Playback): void {
    if (p.state === 'canceled') {
      this.finishPlayback(p, 'done', true, true);
      return;
    }
    if (p.state !== 'queued') return;
    p.state = 'playing';
    this.stats.playbacksStarted++;
    this.playbackEvent('PlaybackStarted', p);
    this.playCurrentMedia(p);
  }

  private playCurrentMedia(p: Playback): void {
    const d = this.mediaDuration(p.media[p.index] ?? '');
    if (d === 'failed') {
      this.finishPlayback(p, 'failed', true);
      return;
    }
    if (d === 'forever') return;
    if (d === 'lost') {
      // errors_rest_and_ws: `bogus:thing` gets PlaybackStarted and never finishes, yet the next playback on the
      // channel starts at once. It stays visible as `playing` until its channel or bridge goes away.
      const queue = p.channel ? p.channel.playQueue : p.bridge?.playQueue;
      if (queue) {
        const i = queue.indexOf(p);
        if (i >= 0) queue.splice(i, 1);
        (p.channel ?? p.bridge)!.lostPlaybacks.add(p);
        const next = queue[0];
        if (next) this.after(next, 0, () => this.startPlayback(next));
      }
      this.releaseBarrier(p.channel, p);
      return;
    }
    p.startedMs = Date.now();
    p.remainingMs = d;
    if (p.channel && this.hearing.size > 0) this.heard(p.channel, p.media[p.index] ?? '');
    this.after(p, d, () => this.mediaEnded(p));
  }

  private mediaEnded(p: Playback): void {
    if (p.index + 1 < p.media.length) {
      p.index++;
      p.state = 'continuing';
      this.playbackEvent('PlaybackContinuing', p);
      p.state = 'playing';
      this.playCurrentMedia(p);
      return;
    }
    this.finishPlayback(p, 'done', true);
  }

  private forgetPlayback(p: Playback): void {
    this.clearTimers(p);
    const list = this.playbacks.get(p.id);
    if (!list) return;
    const i = list.indexOf(p);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.playbacks.delete(p.id);
  }

  /**
   * Ends a playback. One that never started ends silently unless `announce` says otherwise: when a channel or
   * bridge goes, Asterisk drops its queued commands without running them.
   */
  private finishPlayback(
    p: Playback,
    state: 'done' | 'failed',
    startNext: boolean,
    announce = p.state !== 'queued' && p.state !== 'canceled',
  ): void {
    if (p.state === 'done' || p.state === 'failed') return;
    p.state = state;
    this.forgetPlayback(p);
    const queue = p.channel ? p.channel.playQueue : p.bridge?.playQueue;
    if (queue) {
      const i = queue.indexOf(p);
      if (i >= 0) queue.splice(i, 1);
    }
    if (announce) this.playbackEvent('PlaybackFinished', p);
    this.releaseBarrier(p.channel, p);
    if (startNext && queue && queue.length) {
      const next = queue[0]!;
      this.after(next, 0, () => this.startPlayback(next));
    }
  }

  getPlayback(id: string): Playback {
    const p = this.playbacks.get(id)?.[0];
    if (!p) throw notFound('Playback not found');
    return p;
  }

  stopPlayback(id: string): void {
    const p = this.getPlayback(id);
    // Still queued: canceled, it reports PlaybackFinished when its turn comes (f_playback_stopped_while_queued;
    // res_stasis_playback.c: QUEUED + STOP = playback_cancel, CANCELED + STOP = no-op).
    if (p.state === 'canceled') return;
    if (p.state === 'queued') {
      p.state = 'canceled';
      return;
    }
    // errors_rest_and_ws: DELETE /playbacks/{id} → PlaybackFinished(done), then the next queued one starts.
    this.finishPlayback(p, 'done', true);
  }

  controlPlayback(id: string, operation: string | undefined): void {
    const p = this.getPlayback(id);
    if (!operation) throw badRequest('Missing parameter operation');
    if (!['restart', 'pause', 'unpause', 'reverse', 'forward'].includes(operation)) throw badRequest(`Invalid operation ${operation}`);
    // f_playback_stopped_while_queued: a queued playback takes only restart (a no-op) and stop.
    if (p.state === 'queued' && operation === 'restart') return;
    if (p.state === 'queued' || p.state === 'canceled') throw conflict(`Can only ${operation} while media is playing`);
    if (operation === 'pause' && p.state === 'playing') {
      p.state = 'paused';
      this.clearTimers(p);
      p.remainingMs = Math.max(0, p.remainingMs - (Date.now() - p.startedMs) / this.scale);
      p.pausedAtMs = Date.now();
    } else if (operation === 'unpause' && p.state === 'paused') {
      p.state = 'playing';
      p.startedMs = Date.now();
      const rem = p.remainingMs;
      this.after(p, rem, () => this.mediaEnded(p));
    } else if (operation === 'restart' && p.state === 'playing') {
      this.clearTimers(p);
      this.playCurrentMedia(p);
    }
  }

  // ---------------------------------------------------------------- bridges

  getBridge(id: string, statusText = 'Not Found'): Bridge {
    const b = this.bridges.get(id);
    if (!b) throw notFound('Bridge not found', statusText);
    return b;
  }

  createBridge(q: Params, idPath: string | undefined, creatorApp: string | null): BridgeJson {
    const typeStr = q.str('type') ?? '';
    const types = typeStr ? typeStr.split(',').map((t) => t.trim()) : [];
    const allowed = ['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label'];
    if (types.some((t) => !allowed.includes(t))) {
      throw new AriError(500, 'Internal Error', { message: "Unable to create bridge. Possible duplicate bridge id '(null)'" });
    }
    const id = idPath ?? q.str('bridgeId') ?? uuid();
    if (this.bridges.has(id)) throw conflict(`Bridge with id '${id}' already exists`);
    const b: Bridge = {
      id,
      type: types.includes('holding') ? 'holding' : 'mixing',
      types,
      name: q.str('name') ?? '',
      creationtime: asteriskTime(),
      channels: [],
      apps: new Set(),
      appRefs: new Map(),
      playQueue: [],
      lostPlaybacks: new Set(),
      recording: null,
      moh: null,
    };
    if (creatorApp) {
      b.apps.add(creatorApp);
      this.apps.get(creatorApp)?.bridgeIds.add(id);
    }
    this.bridges.set(id, b);
    this.stats.bridgesLive++;
    this.stats.bridgesTotal++;
    if (this.allApps.size) this.emit({ type: 'BridgeCreated', timestamp: asteriskTime(), bridge: this.bridgeJson(b) });
    return this.bridgeJson(b);
  }

  addToBridge(bridgeId: string, channelIds: string[], role?: string): Promise<void> {
    const b = this.getBridge(bridgeId, 'Not found');
    if (!channelIds.length) throw badRequest('Missing parameter channel');
    const chans: Channel[] = [];
    for (const cid of channelIds) {
      const ch = this.channels.get(cid);
      // 400, not 404: bridges' channel lists are parsed as parameters (res/ari/resource_bridges.c find_channel_control).
      if (!ch) throw badRequest('Channel not found');
      if (!ch.stasisApp) throw unprocessable('Channel not in Stasis application');
      chans.push(ch);
    }
    void role;
    return Promise.all(chans.map((ch) => this.whenIdle(ch, () => this.joinBridge(b, ch)))).then(() => undefined);
  }

  private joinBridge(b: Bridge, ch: Channel): void {
    if (!this.bridges.has(b.id)) throw notFound('Bridge not found', 'Not found');
    if (ch.bridge) this.removeFromBridge(ch, true, true);
    b.channels.push(ch);
    ch.bridge = b;
    // The app whose channel joins subscribes to the bridge (it later gets BridgeDestroyed: b, d). A channel
    // taken out by removeChannel or moved elsewhere drops that subscription again; one that hangs up does not
    // (c1: no BridgeDestroyed for the holding bridge the caller was moved out of; d: one after a hangup).
    if (ch.stasisApp) {
      const app = ch.stasisApp;
      b.appRefs.set(app, (b.appRefs.get(app) ?? 0) + 1);
      if (!b.apps.has(app)) {
        b.apps.add(app);
        this.apps.get(app)?.bridgeIds.add(b.id);
      }
    }
    this.bridgeEvent('ChannelEnteredBridge', b, ch);
    if (b.type === 'mixing' && b.channels.length === 2) this.peersMet(b);
  }

  /** b: two channels meet in a mixing bridge → BRIDGEPEER/BRIDGEPVTCALLID varsets, ChannelConnectedLine. */
  private peersMet(b: Bridge): void {
    const [x, y] = b.channels as [Channel, Channel];
    this.varset(y, 'BRIDGEPEER', x.name);
    this.varset(y, 'BRIDGEPVTCALLID', x.protocolId);
    this.varset(x, 'BRIDGEPEER', y.name);
    this.varset(x, 'BRIDGEPVTCALLID', y.protocolId);
    if (x.kind === 'inbound' && (x.connected.name !== y.caller.name || x.connected.number !== y.caller.number)) {
      x.connected = { ...y.caller };
      this.chanEvent('ChannelConnectedLine', x);
    }
  }

  removeFromBridgeById(bridgeId: string, channelIds: string[]): Promise<void> {
    const b = this.getBridge(bridgeId, 'Not found');
    if (!channelIds.length) throw badRequest('Missing parameter channel');
    const chans: Channel[] = [];
    for (const cid of channelIds) {
      const ch = this.channels.get(cid);
      // 400, not 404: bridges' channel lists are parsed as parameters (res/ari/resource_bridges.c find_channel_control).
      if (!ch) throw badRequest('Channel not found');
      if (!ch.stasisApp) throw unprocessable('Channel not in Stasis application');
      if (ch.bridge !== b) throw unprocessable('Channel not in this bridge');
      chans.push(ch);
    }
    return Promise.all(
      chans.map((ch) =>
        this.whenIdle(ch, () => {
          if (ch.bridge !== b) throw unprocessable('Channel not in this bridge');
          this.removeFromBridge(ch, true, true);
        }),
      ),
    ).then(() => undefined);
  }

  private removeFromBridge(ch: Channel, emitPeer: boolean, unsubscribe = false): void {
    const b = ch.bridge;
    if (!b) return;
    const app = ch.stasisApp;
    const leaveTargets = unsubscribe && app ? new Set(b.apps) : null;
    const i = b.channels.indexOf(ch);
    if (i >= 0) b.channels.splice(i, 1);
    ch.bridge = null;
    if (emitPeer && b.type === 'mixing' && b.channels.length >= 1) {
      this.varset(ch, 'BRIDGEPEER', '');
      this.varset(ch, 'BRIDGEPVTCALLID', '');
    }
    if (leaveTargets && app) {
      this.emit({ type: 'ChannelLeftBridge', timestamp: asteriskTime(), bridge: this.bridgeJson(b), channel: this.channelJson(ch) }, leaveTargets, ch.apps);
      const n = (b.appRefs.get(app) ?? 1) - 1;
      if (n <= 0) {
        b.appRefs.delete(app);
        b.apps.delete(app);
        this.apps.get(app)?.bridgeIds.delete(b.id);
      } else {
        b.appRefs.set(app, n);
      }
      return;
    }
    this.bridgeEvent('ChannelLeftBridge', b, ch);
  }

  destroyBridge(id: string): void {
    const b = this.getBridge(id, 'Not found');
    for (const ch of [...b.channels]) this.removeFromBridge(ch, true);
    for (const p of [...b.playQueue]) this.finishPlayback(p, 'done', false);
    for (const p of b.lostPlaybacks) this.forgetPlayback(p);
    if (b.recording) this.finishRecording(b.recording, 'done');
    this.bridges.delete(id);
    this.stats.bridgesLive--;
    this.bridgeEvent('BridgeDestroyed', b, null);
    for (const app of b.apps) this.apps.get(app)?.bridgeIds.delete(id);
  }

  bridgeMoh(id: string, cls: string | null): void {
    this.getBridge(id).moh = cls;
  }

  // ---------------------------------------------------------------- recordings

  record(target: { channel?: Channel; bridge?: Bridge }, q: Params): LiveRecordingJson {
    const name = q.str('name');
    if (!name) throw badRequest('Recording name is required');
    const format = q.str('format');
    if (!format) throw badRequest('Recording format is required');
    if (!RECORDING_FORMATS.has(format)) throw unprocessable('specified format is unknown on this system');
    const ifExists = q.str('ifExists') ?? 'fail';
    if (!['fail', 'overwrite', 'append'].includes(ifExists)) throw badRequest('ifExists invalid');
    const stored = this.storedRecordings.get(name);
    if ((stored || this.liveRecordings.has(name)) && ifExists === 'fail') throw conflict(`Recording '${name}' already exists and can not be overwritten`);
    if (this.liveRecordings.has(name)) throw conflict('Recording with the same name already in progress');
    const maxDur = Number(q.str('maxDurationSeconds') ?? '0');
    const r: LiveRecording = {
      name,
      format,
      state: 'queued',
      targetUri: target.channel ? `channel:${target.channel.id}` : `bridge:${target.bridge!.id}`,
      channel: target.channel ?? null,
      bridge: target.bridge ?? null,
      startedMs: Date.now(),
      accumulatedMs: ifExists === 'append' && stored ? stored.durationMs : 0,
      pausedSinceMs: null,
      muted: false,
      maxDurationMs: Number.isFinite(maxDur) && maxDur > 0 ? maxDur * 1000 : 0,
      timers: new Set(),
    };
    const owner = target.channel ?? target.bridge!;
    if (owner.recording) this.finishRecording(owner.recording, 'done');
    owner.recording = r;
    if (target.channel) target.channel.lastBlocker = r;
    this.liveRecordings.set(name, r);
    this.stats.recordingsStarted++;
    const json = this.liveRecordingJson(r);
    if (target.bridge) {
      // b: a Recorder channel joins the bridge, so each party's BRIDGEPEER changes.
      const rec = `Recorder/ARI-${hex8(this.recorderSeq++)};2`;
      for (const ch of target.bridge.channels) {
        const others = target.bridge.channels.filter((c) => c !== ch).map((c) => c.name);
        this.varset(ch, 'BRIDGEPEER', [rec, ...others].join(','));
      }
    }
    r.state = 'recording';
    r.startedMs = Date.now();
    this.recordingEvent('RecordingStarted', r);
    // A timer may fire a millisecond before the wall clock says it is due; the recording still lasted its maximum.
    if (r.maxDurationMs > 0) this.after(r, r.maxDurationMs, () => this.finishRecording(r, 'done', r.maxDurationMs));
    return json;
  }

  getLiveRecording(name: string): LiveRecording {
    const r = this.liveRecordings.get(name);
    if (!r) throw notFound('Recording not found');
    return r;
  }

  recordingElapsedMs(r: LiveRecording): number {
    const running = r.pausedSinceMs === null && r.state === 'recording' ? (Date.now() - r.startedMs) / this.scale : 0;
    return r.accumulatedMs + running;
  }

  private finishRecording(r: LiveRecording, state: 'done' | 'canceled' | 'failed', atLeastMs = 0): void {
    if (r.state === 'done' || r.state === 'canceled' || r.state === 'failed') return;
    const elapsed = Math.max(atLeastMs, this.recordingElapsedMs(r));
    r.accumulatedMs = elapsed;
    r.state = state;
    this.clearTimers(r);
    this.liveRecordings.delete(r.name);
    if (r.channel && r.channel.recording === r) r.channel.recording = null;
    if (r.bridge && r.bridge.recording === r) r.bridge.recording = null;
    if (state === 'done') this.storedRecordings.set(r.name, { name: r.name, format: r.format, durationMs: elapsed });
    this.releaseBarrier(r.channel, r);
    if (state === 'failed') this.recordingEvent('RecordingFailed', r, { cause: 'failed' });
    else this.recordingEvent('RecordingFinished', r, { duration: Math.floor(elapsed / 1000) });
  }

  recordingOp(name: string, op: 'stop' | 'cancel' | 'pause' | 'unpause' | 'mute' | 'unmute'): void {
    const r = this.getLiveRecording(name);
    switch (op) {
      case 'stop':
        this.finishRecording(r, 'done');
        return;
      case 'cancel':
        this.finishRecording(r, 'canceled');
        return;
      case 'pause':
        if (r.state === 'recording') {
          r.accumulatedMs = this.recordingElapsedMs(r);
          r.pausedSinceMs = Date.now();
          r.state = 'paused';
        }
        return;
      case 'unpause':
        if (r.state === 'paused') {
          r.pausedSinceMs = null;
          r.startedMs = Date.now();
          r.state = 'recording';
        }
        return;
      case 'mute':
        r.muted = true;
        return;
      case 'unmute':
        r.muted = false;
        return;
    }
  }

  getStored(name: string): StoredRecording {
    const r = this.storedRecordings.get(name);
    if (!r) throw notFound('Recording not found');
    return r;
  }

  deleteStored(name: string): void {
    this.getStored(name);
    this.storedRecordings.delete(name);
  }

  copyStored(name: string, dest: string | undefined): StoredRecording {
    const r = this.getStored(name);
    if (!dest) throw badRequest('destinationRecordingName is required');
    if (this.storedRecordings.has(dest)) throw conflict('A recording with the same name already exists on the system');
    const copy = { ...r, name: dest };
    this.storedRecordings.set(dest, copy);
    return copy;
  }
}

/** Request parameters, from the query string and (overriding, as Asterisk does) a JSON body. */
function hasEventType(o: unknown): o is { type: string } {
  return !!o && typeof o === 'object' && typeof (o as { type?: unknown }).type === 'string' && (o as { type: string }).type !== '';
}

export class Params {
  constructor(
    private readonly query: URLSearchParams,
    readonly body: Record<string, unknown> | null,
  ) {}

  str(name: string): string | undefined {
    const b = this.body?.[name];
    if (typeof b === 'string') return b;
    if (typeof b === 'number' || typeof b === 'boolean') return String(b);
    const v = this.query.get(name);
    return v === null ? undefined : v;
  }

  /** A parameter with allowMultiple: repeated keys and comma-separated values. */
  list(name: string): string[] {
    const b = this.body?.[name];
    if (Array.isArray(b)) return b.filter((x): x is string => typeof x === 'string');
    if (typeof b === 'string') return b.split(',').filter(Boolean);
    return this.query.getAll(name).flatMap((v) => v.split(',')).filter(Boolean);
  }

  bool(name: string, dflt: boolean): boolean {
    const v = this.str(name);
    if (v === undefined) return dflt;
    return v === 'true' || v === 'yes' || v === '1';
  }
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + sep.length)];
}

/** Asterisk reads `timeout=abc` as 0 and accepts it (errors_rest_and_ws); 0 or absent means the default. */
function parseTimeout(v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = parseInt(v, 10);
  if (!Number.isFinite(n) || n === 0) return dflt;
  return n < 0 ? 0 : n;
}

function setVariables(ch: Channel, vars: unknown): void {
  if (!vars || typeof vars !== 'object' || Array.isArray(vars)) return;
  for (const [k, v] of Object.entries(vars as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number') ch.vars.set(k, String(v));
  }
}

function randomInt(): number {
  return Math.floor(Math.random() * 0xffffffff);
}
