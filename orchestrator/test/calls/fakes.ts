import { arrivingCallRow, type CallRow } from '../../src/calls/call.js';
import type { RecordingUploads } from '../../src/calls/index.js';
import { defineJob, enqueueJobStatement, enqueueJob } from '../../src/jobs/index.js';
import { uploadJobKey, uploadPayload } from '../../src/recording/jobs.js';
import type { Db } from '../../src/db/knex.js';
/**
 * In-memory stand-ins for unit tests of the call flow: a switch that keeps channel/bridge/playback state and
 * follows the port's contract (one hangup event per channel, outcomes settle once, events routed by id), a
 * small priority ACD, a table router and an agent-hook recorder. The end-to-end tests use the real adapter,
 * simulator, router and ACD instead.
 */
import type {
  AgentOffer,
  Acd,
  CallAttributes,
  OfferFailure,
  QueuePosition,
  QueueTimerEvent,
  RouteDecision,
  Router,
  WaitingCall,
} from '../../src/routing/types.js';
import {
  SwitchError,
  type BridgeId,
  type BridgeOptions,
  type ChannelEvent,
  type ChannelId,
  type ChannelListener,
  type BlockedCallRejected,
  type EndpointContact,
  type OutboundRegistration,
  type EndpointStateEvent,
  type InboundChannel,
  type LiveBridge,
  type LiveChannel,
  type MediaTarget,
  type NodeConnectionState,
  type OriginatedLeg,
  type OriginateOptions,
  type OriginateOutcome,
  type PlaybackHandle,
  type PlaybackOutcome,
  type PlayOptions,
  type RecordingHandle,
  type RecordingResult,
  type RecordOptions,
  type SnoopOptions,
  type SwitchPort,
} from '../../src/telephony/port.js';

export type EndpointBehaviour = { behaviour: 'answer' | 'no-answer' | 'busy' | 'unreachable'; afterMs: number };

interface FakeChannel {
  id: string;
  state: 'Ring' | 'Up';
  bridge: string | null;
  caller: string;
  gone: boolean;
  endOriginate?: (o: OriginateOutcome) => void;
}

interface FakePlayback {
  id: string;
  target: MediaTarget;
  media: readonly string[];
  finish: (o: PlaybackOutcome) => void;
}

export class FakeSwitch implements SwitchPort {
  readonly channels = new Map<string, FakeChannel>();
  readonly bridges = new Map<string, { type: string; channels: Set<string>; moh: boolean }>();
  readonly playbacks = new Map<string, FakePlayback>();
  readonly played: Array<{ target: MediaTarget; media: readonly string[] }> = [];
  readonly recordings = new Map<
    string,
    { target: MediaTarget; paused: boolean; finish: (r: RecordingResult) => void; startedAt: number }
  >();
  readonly originates: OriginateOptions[] = [];
  /** Every channel answered through the port, in order. */
  readonly answers: ChannelId[] = [];
  /** Every destroyBridge asked for, in order (a second request for one bridge is a wasted round trip). */
  readonly bridgeDestroys: BridgeId[] = [];
  readonly endpoints = new Map<string, EndpointBehaviour>();
  readonly destroyedBridges: string[] = [];
  private readonly watchers = new Map<string, Set<ChannelListener>>();
  private inboundHandler: ((c: InboundChannel) => void) | null = null;
  private seq = 0;

  constructor(private readonly playbackMs = 5) {}

  // --- test control ------------------------------------------------------------------------------------------
  /** `answeredByDialplan`: the channel enters the app Up, as dialplans/inbound.conf hands it over. */
  /** `presentation`: CALLERID(num-pres), the Stasis args[2] of dialplans/inbound.conf. */
  placeCall(from: string, did: string, answeredByDialplan = false, presentation?: string): string {
    const id = `in-${++this.seq}`;
    const state = answeredByDialplan ? 'Up' : 'Ring';
    this.channels.set(id, { id, state, bridge: null, caller: from, gone: false });
    this.inboundHandler?.({
      channelId: id,
      node: 'fake',
      args: presentation === undefined ? [did, 'trunk1'] : [did, 'trunk1', presentation],
      callerNumber: from,
      callerName: '',
      dialedExten: did,
      channelName: `PJSIP/trunk-${id}`,
      state,
      createdAt: new Date(),
    });
    return id;
  }
  dtmf(channelId: string, digits: string): void {
    for (const d of digits) this.emit(channelId, { type: 'dtmf', digit: d, durationMs: 100 });
  }
  /** The far end hangs up (caller or agent phone). */
  farHangup(channelId: string, cause = 16): void {
    this.drop(channelId, cause);
  }
  bridgeOf(channelId: string): string | null {
    return this.channels.get(channelId)?.bridge ?? null;
  }

  // --- events --------------------------------------------------------------------------------------------------
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  onInbound(handler: (channel: InboundChannel) => void): void {
    this.inboundHandler = handler;
  }
  watchChannel(channelId: ChannelId, listener: ChannelListener): () => void {
    let set = this.watchers.get(channelId);
    if (!set) this.watchers.set(channelId, (set = new Set()));
    set.add(listener);
    return () => {
      set?.delete(listener);
      if (set?.size === 0) this.watchers.delete(channelId);
    };
  }
  watcherCount(): number {
    let n = 0;
    for (const s of this.watchers.values()) n += s.size;
    return n;
  }
  onEndpointState(_handler: (event: EndpointStateEvent) => void): void {}
  onBlockedCallRejected(_handler: (event: BlockedCallRejected) => void): void {}
  onConnectionState(_handler: (state: NodeConnectionState) => void): void {}
  connectionStates(): readonly NodeConnectionState[] {
    return [{ node: 'fake', connected: true, since: new Date() }];
  }

  private emit(channelId: string, event: ChannelEvent): void {
    for (const l of [...(this.watchers.get(channelId) ?? [])]) l(event);
  }

  private drop(channelId: string, cause: number): void {
    const ch = this.channels.get(channelId);
    if (!ch || ch.gone) return;
    ch.gone = true;
    if (ch.bridge) this.bridges.get(ch.bridge)?.channels.delete(channelId);
    for (const p of [...this.playbacks.values()])
      if ('channelId' in p.target && p.target.channelId === channelId) p.finish('hangup');
    for (const [name, r] of this.recordings)
      if ('channelId' in r.target && r.target.channelId === channelId) {
        this.recordings.delete(name);
        r.finish({ status: 'hangup', durationSeconds: (Date.now() - r.startedAt) / 1000 });
      }
    ch.endOriginate?.({ result: 'cancelled', cause });
    this.channels.delete(channelId);
    this.emit(channelId, { type: 'hangup', cause, causeText: cause === 19 ? 'No answer' : 'Normal Clearing' });
  }

  private need(channelId: string): FakeChannel {
    const ch = this.channels.get(channelId);
    if (!ch) throw new SwitchError('not_found', `Channel not found: ${channelId}`, 404);
    return ch;
  }

  // --- channels ------------------------------------------------------------------------------------------------
  async answer(channelId: ChannelId): Promise<void> {
    const ch = this.need(channelId);
    this.answers.push(channelId);
    ch.state = 'Up';
  }
  /** The reason of each hang-up the service asked for, by channel. */
  hangupReasons = new Map<ChannelId, string>();
  async hangup(channelId: ChannelId, reason = 'normal'): Promise<void> {
    this.need(channelId);
    this.hangupReasons.set(channelId, reason);
    this.drop(channelId, reason === 'rejected' ? 21 : 16);
  }
  async ring(channelId: ChannelId): Promise<void> {
    this.need(channelId);
  }
  async originate(options: OriginateOptions): Promise<OriginatedLeg> {
    this.originates.push(options);
    const behaviour = this.endpoints.get(options.endpoint) ?? { behaviour: 'unreachable', afterMs: 0 };
    if (behaviour.behaviour === 'unreachable') throw new SwitchError('unreachable', 'Allocation failed', 500);
    const id = options.channelId ?? `out-${++this.seq}`;
    const ch: FakeChannel = { id, state: 'Ring', bridge: null, caller: options.callerId ?? '', gone: false };
    this.channels.set(id, ch);
    const outcome = new Promise<OriginateOutcome>((resolve) => {
      let settled = false;
      const settle = (o: OriginateOutcome): void => {
        if (settled) return;
        settled = true;
        ch.endOriginate = undefined;
        resolve(o);
      };
      ch.endOriginate = settle;
      const ringMs = options.timeoutSeconds * 1000;
      if (behaviour.behaviour === 'answer' && behaviour.afterMs < ringMs) {
        setTimeout(() => {
          if (ch.gone) return;
          ch.state = 'Up';
          settle({ result: 'answered' });
          this.emit(id, { type: 'answered' });
        }, behaviour.afterMs);
      } else if (behaviour.behaviour === 'busy') {
        setTimeout(() => {
          settle({ result: 'busy', cause: 17 });
          this.drop(id, 17);
        }, behaviour.afterMs);
      } else {
        setTimeout(() => {
          settle({ result: 'no_answer', cause: 19 });
          this.drop(id, 19);
        }, ringMs);
      }
    });
    return { channelId: id, outcome };
  }
  async setVariable(): Promise<void> {}
  async getVariable(): Promise<string | undefined> {
    return undefined;
  }
  async continueInDialplan(): Promise<void> {}
  /** A visit to the dialplan comes back at once, as a human answering-machine verdict. */
  async visitDialplan(): Promise<readonly string[] | null> {
    return ['amd', '', 'HUMAN', 'HUMAN-300-300'];
  }
  async redirect(): Promise<void> {}
  async startMoh(): Promise<void> {}
  async stopMoh(): Promise<void> {}
  async hold(): Promise<void> {}
  async unhold(): Promise<void> {}
  /** Snoops asked for, in order, with the channel each made. */
  readonly snoops: (SnoopOptions & { readonly snoopId: string })[] = [];
  async snoop(o: SnoopOptions): Promise<ChannelId> {
    this.need(o.channelId);
    const snoopId = o.snoopId ?? `snoop-${++this.seq}`;
    this.channels.set(snoopId, { id: snoopId, state: 'Up', bridge: null, caller: '', gone: false });
    this.snoops.push({ ...o, snoopId });
    return snoopId;
  }

  // --- media ---------------------------------------------------------------------------------------------------
  async play(
    target: MediaTarget,
    media: string | readonly string[],
    options: PlayOptions = {},
  ): Promise<PlaybackHandle> {
    if ('channelId' in target) this.need(target.channelId);
    else if (!this.bridges.has(target.bridgeId)) throw new SwitchError('not_found', 'Bridge not found', 404);
    const list = typeof media === 'string' ? [media] : media;
    const id = options.playbackId ?? `pb-${++this.seq}`;
    this.played.push({ target, media: list });
    let finish!: (o: PlaybackOutcome) => void;
    const finished = new Promise<PlaybackOutcome>((resolve) => {
      let done = false;
      finish = (o) => {
        if (done) return;
        done = true;
        this.playbacks.delete(id);
        resolve(o);
      };
    });
    this.playbacks.set(id, { id, target, media: list, finish });
    const failed = list.some((m) => m.startsWith('sound:no-such'));
    setTimeout(() => finish(failed ? 'failed' : 'done'), this.playbackMs * list.length);
    return { playbackId: id, finished };
  }
  async stopPlayback(playbackId: string): Promise<void> {
    const p = this.playbacks.get(playbackId);
    if (!p) throw new SwitchError('not_found', 'Playback not found', 404);
    p.finish('stopped');
  }

  // --- bridges -------------------------------------------------------------------------------------------------
  async createBridge(options: BridgeOptions): Promise<BridgeId> {
    const id = options.bridgeId ?? `br-${++this.seq}`;
    this.bridges.set(id, { type: options.type, channels: new Set(), moh: false });
    return id;
  }
  async destroyBridge(bridgeId: BridgeId): Promise<void> {
    this.bridgeDestroys.push(bridgeId);
    const b = this.bridges.get(bridgeId);
    if (!b) throw new SwitchError('not_found', 'Bridge not found', 404);
    for (const c of b.channels) {
      const ch = this.channels.get(c);
      if (ch) ch.bridge = null;
    }
    for (const [name, r] of this.recordings)
      if ('bridgeId' in r.target && r.target.bridgeId === bridgeId) {
        this.recordings.delete(name);
        r.finish({ status: 'done', durationSeconds: (Date.now() - r.startedAt) / 1000 });
      }
    this.bridges.delete(bridgeId);
    this.destroyedBridges.push(bridgeId);
  }
  async addToBridge(bridgeId: BridgeId, channelIds: ChannelId | readonly ChannelId[]): Promise<void> {
    const b = this.bridges.get(bridgeId);
    if (!b) throw new SwitchError('not_found', 'Bridge not found', 404);
    for (const c of typeof channelIds === 'string' ? [channelIds] : channelIds) {
      const ch = this.need(c);
      if (ch.bridge && ch.bridge !== bridgeId) this.bridges.get(ch.bridge)?.channels.delete(c);
      ch.bridge = bridgeId;
      b.channels.add(c);
    }
  }
  async removeFromBridge(bridgeId: BridgeId, channelId: ChannelId): Promise<void> {
    const b = this.bridges.get(bridgeId);
    if (!b) throw new SwitchError('not_found', 'Bridge not found', 404);
    if (!b.channels.has(channelId)) throw new SwitchError('conflict', 'Channel not in bridge', 422);
    b.channels.delete(channelId);
    const ch = this.channels.get(channelId);
    if (ch) ch.bridge = null;
  }
  async startBridgeMoh(bridgeId: BridgeId): Promise<void> {
    const b = this.bridges.get(bridgeId);
    if (!b) throw new SwitchError('not_found', 'Bridge not found', 404);
    b.moh = true;
  }
  async stopBridgeMoh(bridgeId: BridgeId): Promise<void> {
    const b = this.bridges.get(bridgeId);
    if (!b) throw new SwitchError('not_found', 'Bridge not found', 404);
    b.moh = false;
  }

  // --- recording -----------------------------------------------------------------------------------------------
  async record(target: MediaTarget, options: RecordOptions): Promise<RecordingHandle> {
    if (this.recordings.has(options.name) && options.ifExists === 'fail')
      throw new SwitchError('conflict', 'Recording exists', 409);
    let finish!: (r: RecordingResult) => void;
    const finished = new Promise<RecordingResult>((resolve) => {
      finish = resolve;
    });
    this.recordings.set(options.name, { target, paused: false, finish, startedAt: Date.now() });
    if (options.maxDurationSeconds) {
      setTimeout(() => {
        const r = this.recordings.get(options.name);
        if (!r) return;
        this.recordings.delete(options.name);
        r.finish({ status: 'done', durationSeconds: options.maxDurationSeconds });
      }, options.maxDurationSeconds * 1000);
    }
    return { name: options.name, finished };
  }
  async stopRecording(name: string): Promise<void> {
    const r = this.recordings.get(name);
    if (!r) throw new SwitchError('not_found', 'Recording not found', 404);
    this.recordings.delete(name);
    r.finish({ status: 'done', durationSeconds: (Date.now() - r.startedAt) / 1000 });
  }
  async pauseRecording(name: string): Promise<void> {
    const r = this.recordings.get(name);
    if (!r) throw new SwitchError('not_found', 'Recording not found', 404);
    r.paused = true;
  }
  async unpauseRecording(name: string): Promise<void> {
    const r = this.recordings.get(name);
    if (!r) throw new SwitchError('not_found', 'Recording not found', 404);
    r.paused = false;
  }
  async muteRecording(): Promise<void> {}
  async unmuteRecording(): Promise<void> {}
  async fetchStoredRecording(): Promise<NodeJS.ReadableStream> {
    throw new SwitchError('not_found', 'no stored recordings in the fake');
  }
  async deleteStoredRecording(): Promise<void> {}

  // --- reconciliation ------------------------------------------------------------------------------------------
  async listChannels(): Promise<readonly LiveChannel[]> {
    return [...this.channels.values()].map((c) => ({
      channelId: c.id,
      node: 'fake',
      name: c.id,
      state: c.state,
      callerNumber: c.caller,
    }));
  }
  async listBridges(): Promise<readonly LiveBridge[]> {
    return [...this.bridges.entries()].map(([id, b]) => ({
      bridgeId: id,
      node: 'fake',
      type: b.type,
      channelIds: [...b.channels],
    }));
  }
  async reload(): Promise<void> {}
  async endpointContacts(): Promise<readonly EndpointContact[]> {
    return [];
  }
  async outboundRegistrations(): Promise<readonly OutboundRegistration[]> {
    return [];
  }
  /** The AstDB keys of blocked callers, as last written. */
  blockedKeys: readonly string[] = [];
  async setBlockedCallers(keys: readonly string[]): Promise<void> {
    this.blockedKeys = [...keys];
  }
}

interface FakeAgent {
  id: number;
  name: string;
  endpoint: string;
  state: 'available' | 'reserved' | 'on_call' | 'paused';
  queues: number[];
  autoAnswer?: boolean;
}

/** Priority first, then arrival; an agent who missed a call is paused (as auto-pause would after N misses). */
export class SimpleAcd implements Acd {
  readonly waiting: WaitingCall[] = [];
  readonly agents: FakeAgent[] = [];
  readonly failures: Array<{ callId: string; agentId: number; reason: OfferFailure }> = [];
  readonly answered: Array<{ callId: string; agentId: number }> = [];
  private offerHandler: ((o: AgentOffer) => void) | null = null;
  private timerHandler: ((e: QueueTimerEvent) => void) | null = null;
  ringTimeoutSeconds = 1;
  /** Offer every available agent of the queue at once (AgentOffer.group), as the ACD does for ring_all. */
  ringAll = false;

  addAgent(id: number, endpoint: string, queues: number[], state: FakeAgent['state'] = 'available'): void {
    this.agents.push({ id, name: `Agent ${id}`, endpoint, state, queues });
  }
  setAvailable(id: number): void {
    const a = this.agents.find((x) => x.id === id);
    if (a) a.state = 'available';
    this.match();
  }
  fireTimer(event: QueueTimerEvent): void {
    this.timerHandler?.(event);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  enqueue(call: WaitingCall): void {
    this.remove(call.callId);
    this.waiting.push(call);
    this.match();
  }
  remove(callId: string): boolean {
    const i = this.waiting.findIndex((w) => w.callId === callId);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }
  async offerAnswered(callId: string, agentId: number): Promise<void> {
    this.answered.push({ callId, agentId });
    const a = this.agents.find((x) => x.id === agentId);
    if (a) a.state = 'on_call';
  }
  async offerFailed(callId: string, agentId: number, reason: OfferFailure): Promise<void> {
    this.failures.push({ callId, agentId, reason });
    const a = this.agents.find((x) => x.id === agentId);
    const blameless = reason === 'caller_gone' || reason === 'cancelled';
    if (a) a.state = blameless ? 'available' : 'paused';
    const offered = this.offered.get(callId);
    const ringing = this.ringing.get(callId);
    ringing?.delete(agentId);
    if (ringing && ringing.size > 0) return;
    this.ringing.delete(callId);
    this.offered.delete(callId);
    if (!blameless && offered) this.waiting.unshift(offered);
    this.match();
  }
  async reserveAgent(agentId: number, callId: string): Promise<boolean> {
    const a = this.agents.find((x) => x.id === agentId);
    if (a?.state !== 'available') return false;
    a.state = 'reserved';
    this.reservedFor.set(callId, agentId);
    return true;
  }
  /** Outbound calls' reservations, by call. */
  readonly reservedFor = new Map<string, number>();
  position(callId: string): QueuePosition | null {
    const sorted = this.sorted();
    const i = sorted.findIndex((w) => w.callId === callId);
    return i < 0 ? null : { position: i + 1, waiting: sorted.length, estimatedWaitSeconds: 90 * (i + 1) };
  }
  onOffer(handler: (offer: AgentOffer) => void): void {
    this.offerHandler = handler;
  }
  onTimer(handler: (event: QueueTimerEvent) => void): void {
    this.timerHandler = handler;
  }

  private readonly offered = new Map<string, WaitingCall>();
  /** Agents of an offer still ringing, by call. */
  private readonly ringing = new Map<string, Set<number>>();
  private sorted(): WaitingCall[] {
    return [...this.waiting].sort((a, b) => b.priority - a.priority || a.enqueuedAt.getTime() - b.enqueuedAt.getTime());
  }
  private match(): void {
    for (const call of this.sorted()) {
      const free = this.agents.filter((a) => a.state === 'available' && a.queues.includes(call.queueId));
      const picked = this.ringAll ? free : free.slice(0, 1);
      const agent = picked[0];
      if (!agent) continue;
      for (const a of picked) a.state = 'reserved';
      this.remove(call.callId);
      this.offered.set(call.callId, call);
      this.ringing.set(call.callId, new Set(picked.map((a) => a.id)));
      const offer: AgentOffer = {
        callId: call.callId,
        queueId: call.queueId,
        agentId: agent.id,
        agentName: agent.name,
        endpoint: agent.endpoint,
        autoAnswer: agent.autoAnswer,
        ringTimeoutSeconds: this.ringTimeoutSeconds,
        ...(this.ringAll
          ? {
              group: picked.map((a) => ({
                agentId: a.id,
                agentName: a.name,
                endpoint: a.endpoint,
                autoAnswer: a.autoAnswer,
              })),
            }
          : {}),
      };
      setImmediate(() => this.offerHandler?.(offer));
    }
  }
}

export class TableRouter implements Router {
  readonly seen: CallAttributes[] = [];
  constructor(private readonly decide: (a: CallAttributes) => RouteDecision) {}
  async route(attributes: CallAttributes): Promise<RouteDecision> {
    this.seen.push(attributes);
    return this.decide(attributes);
  }
}

export class AgentHooks {
  readonly ended: Array<{ agentId: number; callId: string; wrapUpSeconds: number }> = [];
  async callEnded(agentId: number, callId: string, wrapUpSeconds: number): Promise<void> {
    this.ended.push({ agentId, callId, wrapUpSeconds });
  }
}

export async function waitFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 4000,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The same database, but `before(sql)` runs (and is awaited) just before each statement goes out: a test holds
 * some statements back to play a slow database at an exact point.
 */
export function intercepted(db: Db, before: (sql: string) => Promise<void>): Db {
  return new Proxy(db, {
    apply(target, thisArg, args: unknown[]) {
      const qb = Reflect.apply(target, thisArg, args) as { then: PromiseLike<unknown>['then']; toSQL(): unknown };
      const then = qb.then.bind(qb);
      qb.then = (ok, bad) => {
        const sql = [qb.toSQL()]
          .flat()
          .map((q) => (q as { sql: string }).sql)
          .join(';');
        return before(sql).then(() => then(ok, bad));
      };
      return qb;
    },
  });
}

/** A call row as it is on arrival, for tests that drive `Call` directly. */
export function arrivingTestRow(id = 'c1'): CallRow {
  return arrivingCallRow({
    id,
    node: 'n',
    channel_id: `ch-${id}`,
    owner: 'o',
    caller_raw: '1',
    caller_name: null,
    did: '1',
    trunk: null,
    arrived_at: new Date(),
  });
}

/** The upload job as the recording pipeline defines it, without a handler (nothing runs it in these tests). */
const uploadJob = defineJob({
  type: 'recording.upload',
  schema: uploadPayload,
  handler: () => Promise.resolve(),
});

/**
 * The recording pipeline's side of `RecordingUploads`, on the real outbox: the job row is written by the call's
 * own commit (or a commit of its own), and `stored` lists each recording once its job landed.
 */
export function recordingUploadsInto(db: Db, stored: string[]): RecordingUploads {
  const key = (id: string) => ({ idempotencyKey: uploadJobKey(id) });
  return {
    queueWith: (id, closed) => ({
      statements: [enqueueJobStatement(uploadJob, closed ? { recordingId: id, closed } : { recordingId: id }, key(id))],
      committed: () => stored.push(id),
    }),
    queue: async (id) => {
      await enqueueJob(db, uploadJob, { recordingId: id }, key(id));
      stored.push(id);
    },
  };
}
