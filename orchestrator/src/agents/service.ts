import type { Db } from '../db/knex.js';
import type { EventBus } from '../events/bus.js';
import { logger as rootLogger, type Logger } from '../logger.js';
import {
  awayTooLong,
  endpointHolder,
  expiredWrapUps,
  loadAgent,
  loadAgents,
  reserveAgent,
  setEndpointOnline as writeEndpointOnline,
  staleReservations,
  updatePresence,
  type AgentRecord,
  type PresencePatch,
} from './repository.js';
import { AUTO_PAUSE_REASON, resolvePauseReason } from './pause-reasons.js';
import { presenceChange } from './presence.js';
import { AgentTransitionError, nextAgentState, type AgentEvent, type AgentState } from './states.js';

export class AgentNotFoundError extends Error {
  readonly code = 'not_found';
  constructor(readonly agentId: number) {
    super(`agent ${agentId} not found`);
    this.name = 'AgentNotFoundError';
  }
}

/** Another writer kept changing the agent while we tried (should not happen outside a storm of clicks). */
export class AgentBusyError extends Error {
  readonly code = 'conflict';
  constructor(readonly agentId: number) {
    super(`agent ${agentId} changed concurrently; try again`);
    this.name = 'AgentBusyError';
  }
}

export interface AgentChange {
  readonly agent: AgentRecord;
  readonly event: AgentEvent | 'endpoint' | 'refresh';
  readonly from: AgentState;
}

export interface AgentServiceOptions {
  readonly db: Db;
  readonly bus?: EventBus;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Sweep for wrap-ups that ran out and reservations left by a dead orchestrator (default 5 s). */
  readonly sweepIntervalMs?: number;
  /** A reservation older than this is released by the sweep (default 5 minutes). */
  readonly staleReservationMs?: number;
  /**
   * A logged-in agent (not on a call) whose phone has been away this long is logged out by the sweep (0 = never):
   * a closed softphone tab must not stay staffed and logged in for ever.
   */
  readonly offlineLogoutMs?: number;
}

const MAX_ATTEMPTS = 5;

const NO_SKILLS: ReadonlyMap<string, number> = new Map();

/** How wrap-up ends by itself: back to available, or to the pause the agent placed the call from. */
/** Events that leave the state as it was but change what the agent's screen shows (a reason, a login). */
const ANNOUNCED_IN_PLACE: ReadonlySet<string> = new Set<AgentEvent>(['pause', 'pause_after', 'login']);

function wrapUpEnd(a: AgentRecord): AgentEvent {
  return a.pauseReason !== null ? 'resume_pause' : 'wrap_up_done';
}

interface StepOptions {
  /** The work is already done when this holds for a fresh read (nothing is written). */
  readonly done?: (a: AgentRecord) => boolean;
  /** When the first event leads to wrap_up, the wrap-up's end is applied in the same write (see callEnded). */
  readonly thenEndWrapUp?: boolean;
  /** Start from the row as this process last knew it (see step). */
  readonly cached?: boolean;
  /**
   * Asked for by a person (the agent, a supervisor): a refusal is their 409, not a fault of ours, so it is logged
   * at info. A refused step of the call flow or the sweep means our state went wrong and is logged as an error.
   */
  readonly requested?: boolean;
  /** When the presence change happened, if not now (the offline logout: when the phone went away). */
  readonly presenceAt?: Date;
}

const REQUESTED: StepOptions = { requested: true };

/** The call flow's answer of `callId` was written while we were about to write it ourselves. */
function answeredMeanwhile(a: AgentRecord, callId: string): boolean {
  return a.state === 'on_call' && a.reservedCallId !== callId;
}

function sameDay(a: Date | null, b: Date): boolean {
  return a !== null && a.toISOString().slice(0, 10) === b.toISOString().slice(0, 10);
}

/**
 * Agent presence: every change is a named transition of the table in states.ts applied by a conditional update,
 * published on the bus ('agent.state') and told to in-process listeners (the ACD's index).
 *
 * Wrap-up is timed here (a timer per agent, plus a sweep over the database so wrap-ups outlive a restart and
 * agents of another orchestrator are freed too).
 */
export class AgentService {
  private readonly db: Db;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly listeners = new Set<(change: AgentChange) => void>();
  private readonly wrapTimers = new Map<number, NodeJS.Timeout>();
  /** Each agent's row as this process last wrote or read it (without skills): see step's `cached`. */
  private readonly lastKnown = new Map<number, AgentRecord>();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: AgentServiceOptions) {
    this.db = o.db;
    this.log = o.logger ?? rootLogger.child({ module: 'agents' });
    this.now = o.now ?? (() => new Date());
  }

  /** Starts the sweep. Safe to call more than once. */
  start(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.log.warn({ err }, 'agent sweep failed'));
    }, this.o.sweepIntervalMs ?? 5_000);
    this.sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const t of this.wrapTimers.values()) clearTimeout(t);
    this.wrapTimers.clear();
  }

  onChange(listener: (change: AgentChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async get(agentId: number): Promise<AgentRecord | null> {
    return loadAgent(this.db, agentId);
  }

  async list(): Promise<AgentRecord[]> {
    return loadAgents(this.db);
  }

  // --- agent-facing actions ---------------------------------------------------------------------------------

  /** Logs in and binds the agent to `endpoint` (their own configured endpoint when omitted). */
  async login(agentId: number, endpoint?: string): Promise<AgentRecord> {
    const bound = endpoint?.trim() || null;
    if (bound !== null && !/^[A-Za-z0-9]+\/[A-Za-z0-9_.@-]{1,60}$/.test(bound))
      throw Object.assign(new Error(`not a dial string: ${bound}`), { code: 'bad_request' });
    const me = await this.require(agentId);
    const holder = await endpointHolder(this.db, bound ?? me.endpoint, agentId);
    // One phone, one agent: two agents on one endpoint would both be offered calls that ring the same phone.
    if (holder)
      throw Object.assign(new Error(`${bound ?? me.endpoint} is in use by ${holder.name} (agent ${holder.id})`), {
        code: 'conflict',
      });
    return this.transition(
      agentId,
      'login',
      (a, now) => ({
        boundEndpoint: bound !== null && bound !== a.endpoint ? bound : null,
        missedInRow: 0,
        ...(a.state === 'logged_out' ? { stateSince: now, pauseReason: null } : {}),
      }),
      REQUESTED,
    );
  }

  async logout(agentId: number): Promise<AgentRecord> {
    this.clearWrapTimer(agentId);
    return this.transition(
      agentId,
      'logout',
      () => ({ boundEndpoint: null, pauseReason: null, wrapUpUntil: null }),
      REQUESTED,
    );
  }

  /** Pauses with a reason of the configured list (pause-reasons.ts); no reason is the list's first. */
  async pause(agentId: number, reason?: string): Promise<AgentRecord> {
    const why = await resolvePauseReason(this.db, reason);
    this.clearWrapTimer(agentId);
    return this.transition(agentId, 'pause', () => ({ pauseReason: why, wrapUpUntil: null }), REQUESTED);
  }

  /**
   * A pause the schedule asks for (a break begun, shifts/activity-pauses.ts): an available agent is paused now, one
   * with a call (offered, on it, or in its after-call work) when it is over; an agent paused or logged out is left as
   * they are. Says which, and does nothing twice however many orchestrators ask.
   */
  async pauseWhenFree(agentId: number, reason: string): Promise<'paused' | 'after_call' | 'left'> {
    const why = await resolvePauseReason(this.db, reason);
    const { agent, applied } = await this.step(
      agentId,
      (a) => (a.state === 'available' ? 'pause' : 'pause_after'),
      () => ({ pauseReason: why }),
      { done: (a) => a.state === 'paused' || a.state === 'logged_out' || a.pauseReason !== null },
    );
    if (!applied) return 'left';
    return agent.state === 'paused' ? 'paused' : 'after_call';
  }

  async unpause(agentId: number): Promise<AgentRecord> {
    return this.transition(agentId, 'unpause', () => ({ pauseReason: null, missedInRow: 0 }), REQUESTED);
  }

  async endWrapUp(agentId: number): Promise<AgentRecord> {
    this.clearWrapTimer(agentId);
    // After a call placed from a pause, back to the pause: calls come only to an agent who asked for them.
    return this.transition(agentId, wrapUpEnd, () => ({ wrapUpUntil: null }), REQUESTED);
  }

  /** More after-call work time: `seconds` on top of what is left. */
  async extendWrapUp(agentId: number, seconds: number): Promise<AgentRecord> {
    if (!(Number.isFinite(seconds) && seconds > 0 && seconds <= 3600))
      throw Object.assign(new Error('extension must be 1..3600 seconds'), { code: 'bad_request' });
    const agent = await this.transition(
      agentId,
      'extend_wrap_up',
      (a, now) => {
        const base = a.wrapUpUntil && a.wrapUpUntil > now ? a.wrapUpUntil : now;
        return { wrapUpUntil: new Date(base.getTime() + seconds * 1000) };
      },
      REQUESTED,
    );
    this.scheduleWrapUp(agent);
    return agent;
  }

  /**
   * The conversation ended (called by the call flow): wrap-up for `wrapUpSeconds` (0 = straight back to
   * available). With capacity > 1 the agent stays on_call while other calls remain.
   */
  async callEnded(agentId: number, callId: string, wrapUpSeconds: number): Promise<AgentRecord> {
    const seconds = Number.isFinite(wrapUpSeconds) && wrapUpSeconds > 0 ? wrapUpSeconds : 0;
    const current = this.lastKnown.get(agentId) ?? (await this.require(agentId));
    // An answer that was never recorded (e.g. a lost offerAnswered): count it now so the agent is not stuck. The
    // call flow's own answer may commit meanwhile (the agent hung up while it was being written): then the
    // agent is already on_call and no longer reserved for the call, which is what this step wants.
    if (current.reservedCallId === callId && (current.state === 'reserved' || current.state === 'on_call'))
      await this.step(agentId, 'answer', this.answerPatch(agentId, callId), {
        done: (a) => answeredMeanwhile(a, callId),
        cached: true,
      });
    // With no wrap-up time the last call's end goes straight on to available (or the pause the agent dialled
    // from): one conditional update (last_call_ended then wrap-up's end, both checked against the table), and no
    // zero-second wrap-up for the sweep to race.
    const agent = await this.transition(
      agentId,
      (a) => (a.activeCalls > 1 ? 'call_ended' : 'last_call_ended'),
      (a, now) =>
        a.activeCalls > 1
          ? { activeCalls: a.activeCalls - 1, lastCallEndedAt: now }
          : {
              activeCalls: 0,
              lastCallEndedAt: now,
              wrapUpUntil: seconds === 0 ? null : new Date(now.getTime() + seconds * 1000),
            },
      { thenEndWrapUp: seconds === 0, cached: true },
    );
    if (agent.state !== 'wrap_up') return agent;
    this.scheduleWrapUp(agent);
    return agent;
  }

  /** Fed from the switch's endpoint state events: an offline endpoint is never offered a call. */
  async setEndpointOnline(endpoint: string, online: boolean): Promise<number[]> {
    const now = this.now();
    const ids = await writeEndpointOnline(this.db, endpoint, online, now);
    for (const id of ids) {
      const agent = await loadAgent(this.db, id);
      if (agent) this.emit({ agent, event: 'endpoint', from: agent.state });
    }
    if (ids.length) this.log.info({ endpoint, online, agents: ids }, 'agent endpoint reachability changed');
    return ids;
  }

  /**
   * The switch's EndpointState event (ARI tech/resource/state). 'unknown' counts as online: an originate to a
   * phone that is really gone fails as unreachable, which is better than never offering a working one.
   */
  endpointStateChanged(event: { readonly tech: string; readonly resource: string; readonly state: string }): void {
    const endpoint = `${event.tech}/${event.resource}`;
    this.setEndpointOnline(endpoint, event.state !== 'offline').catch((err: unknown) =>
      this.log.warn({ err, endpoint }, 'cannot record endpoint state'),
    );
  }

  // --- ACD-facing actions -----------------------------------------------------------------------------------

  /**
   * Reserves `agent` (as the caller last saw it) for `callId` with one conditional UPDATE; no read first.
   * Null when the agent changed meanwhile (another orchestrator reserved or paused them). `dial` is a call the
   * agent places: it may also take them from a pause or from wrap-up.
   */
  async tryReserve(
    agent: AgentRecord,
    callId: string,
    event: 'reserve' | 'dial' = 'reserve',
  ): Promise<AgentRecord | null> {
    const from = agent.state;
    const to = nextAgentState(from, event);
    if (!to || !agent.endpointOnline || agent.reservedCallId !== null || agent.activeCalls >= agent.capacity)
      return null;
    const now = this.now();
    if (!(await reserveAgent(this.db, agent, callId, now, event))) return null;
    const reserved: AgentRecord = {
      ...agent,
      state: to,
      stateSince: from === to ? agent.stateSince : now,
      reservedCallId: callId,
      wrapUpUntil: from === to ? agent.wrapUpUntil : null,
      version: agent.version + 1,
    };
    this.emit({ agent: reserved, event, from });
    return reserved;
  }

  /** The agent answered the call they were reserved for. */
  async answer(agentId: number, callId: string): Promise<AgentRecord> {
    return this.transition(agentId, 'answer', this.answerPatch(agentId, callId), { cached: true });
  }

  private answerPatch(agentId: number, callId: string): (a: AgentRecord, now: Date) => PresencePatch {
    return (a, now) => {
      if (a.reservedCallId !== callId)
        throw new Error(`agent ${agentId} is reserved for ${a.reservedCallId ?? 'nothing'}, not ${callId}`);
      return {
        reservedCallId: null,
        activeCalls: a.activeCalls + 1,
        missedInRow: 0,
        callsToday: sameDay(a.lastCallEndedAt ?? a.stateSince, now) ? a.callsToday + 1 : 1,
        ...(a.state === 'reserved' ? { stateSince: now } : {}),
      };
    };
  }

  /**
   * The offer failed: the reservation is released. A miss (no answer) counts towards auto-pause: after
   * `autoPauseAfterMisses` misses in a row (0 = never) the agent is paused with reason 'no answer'.
   * Returns null when the agent was not (or no longer) reserved for this call.
   */
  async releaseOffer(
    agentId: number,
    callId: string,
    missed: boolean,
    autoPauseAfterMisses: number,
  ): Promise<AgentRecord | null> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const a = await this.require(agentId);
      if (a.reservedCallId !== callId) return null;
      const misses = missed ? a.missedInRow + 1 : a.missedInRow;
      // An agent who placed the call from a pause goes back to it: the reason stayed on the row.
      const resume = a.state === 'reserved' && a.pauseReason !== null;
      const pauseNow =
        !resume && missed && autoPauseAfterMisses > 0 && misses >= autoPauseAfterMisses && a.state === 'reserved';
      const event: AgentEvent = resume ? 'resume_pause' : pauseNow ? 'miss_pause' : 'release';
      const to = nextAgentState(a.state, event);
      if (!to) throw this.invalid(a, event);
      const now = this.now();
      const reason = pauseNow ? AUTO_PAUSE_REASON : a.pauseReason;
      const patch: PresencePatch = {
        reservedCallId: null,
        missedInRow: misses,
        ...(to !== a.state ? { state: to, stateSince: now } : {}),
        ...(pauseNow ? { pauseReason: reason } : {}),
      };
      const presence = presenceChange(a, to, reason);
      if (await updatePresence(this.db, a.id, a.version, patch, now, presence)) {
        const agent = this.applied(a, patch);
        this.emit({ agent, event, from: a.state });
        if (pauseNow) this.log.warn({ agentId, misses }, 'agent auto-paused after missed calls');
        return agent;
      }
    }
    throw new AgentBusyError(agentId);
  }

  /** Ends wrap-ups that ran out and releases reservations of dead offers. Returns how many agents it freed. */
  async sweep(): Promise<number> {
    const now = this.now();
    let freed = 0;
    for (const id of await expiredWrapUps(this.db, now)) {
      // Ended meanwhile (callEnded with no wrap-up time, the timer, the agent) or extended: nothing to do.
      const ok = await this.endWrapUpIfStill(id, (a) => a.wrapUpUntil !== null && a.wrapUpUntil <= now).then(
        (r) => r.applied,
        (err: unknown) => {
          this.log.warn({ err, agentId: id }, 'sweep: cannot end wrap-up');
          return false;
        },
      );
      if (ok) freed++;
    }
    const offlineLogoutMs = this.o.offlineLogoutMs ?? 0;
    if (offlineLogoutMs > 0)
      for (const { id, since } of await awayTooLong(this.db, new Date(now.getTime() - offlineLogoutMs))) {
        this.clearWrapTimer(id);
        // Logged out only if still away and off calls on a fresh read (the phone may be back, or a call offered).
        const out = await this.step(
          id,
          'logout',
          () => ({ boundEndpoint: null, pauseReason: null, wrapUpUntil: null }),
          {
            done: (a) => a.endpointOnline || !['available', 'paused', 'wrap_up'].includes(a.state),
            // Nobody was there since the phone went away: logged-in time ends then, not at this sweep.
            presenceAt: since,
          },
        ).catch((err: unknown) => {
          this.log.warn({ err, agentId: id }, 'sweep: cannot log out an agent whose phone is away');
          return null;
        });
        if (out?.applied)
          this.log.info(
            { agentId: id, awayMs: offlineLogoutMs },
            'agent logged out: their phone has been away too long',
          );
      }
    const stale = this.o.staleReservationMs ?? 300_000;
    for (const id of await staleReservations(this.db, new Date(now.getTime() - stale))) {
      const a = await loadAgent(this.db, id);
      if (a?.state === 'reserved' && a.reservedCallId) {
        this.log.warn({ agentId: id, callId: a.reservedCallId }, 'releasing a reservation nobody answered for');
        if (await this.releaseOffer(id, a.reservedCallId, false, 0).catch(() => null)) freed++;
      }
    }
    return freed;
  }

  // --- internals ----------------------------------------------------------------------------------------------

  private async require(agentId: number): Promise<AgentRecord> {
    const a = await loadAgent(this.db, agentId);
    if (!a) throw new AgentNotFoundError(agentId);
    this.remember(a);
    return a;
  }

  private invalid(a: AgentRecord, event: AgentEvent, requested = false): AgentTransitionError {
    const err = new AgentTransitionError(a.id, a.state, event);
    this.log[requested ? 'info' : 'error'](
      { agentId: a.id, from: a.state, event },
      `${a.state} -> ${event} -> (undefined): transition not defined`,
    );
    return err;
  }

  private applied(a: AgentRecord, patch: PresencePatch): AgentRecord {
    return {
      ...a,
      state: patch.state ?? a.state,
      stateSince: patch.stateSince ?? a.stateSince,
      pauseReason: patch.pauseReason !== undefined ? patch.pauseReason : a.pauseReason,
      boundEndpoint: patch.boundEndpoint !== undefined ? patch.boundEndpoint : a.boundEndpoint,
      reservedCallId: patch.reservedCallId !== undefined ? patch.reservedCallId : a.reservedCallId,
      wrapUpUntil: patch.wrapUpUntil !== undefined ? patch.wrapUpUntil : a.wrapUpUntil,
      lastCallEndedAt: patch.lastCallEndedAt !== undefined ? patch.lastCallEndedAt : a.lastCallEndedAt,
      callsToday: patch.callsToday ?? a.callsToday,
      missedInRow: patch.missedInRow ?? a.missedInRow,
      activeCalls: patch.activeCalls ?? a.activeCalls,
      version: a.version + 1,
    };
  }

  /**
   * Read, check the table, write conditionally; on a lost race read again. `patch` may throw to refuse a
   * transition the table allows but the row does not (e.g. answering someone else's call).
   */
  private async transition(
    agentId: number,
    event: AgentEvent | ((a: AgentRecord) => AgentEvent),
    patch: (a: AgentRecord, now: Date) => PresencePatch,
    options: StepOptions = {},
  ): Promise<AgentRecord> {
    return (await this.step(agentId, event, patch, options)).agent;
  }

  /**
   * A transition that may find its work done by someone else (another step of this process, the sweep of
   * another orchestrator): when `done` holds for a fresh read, nothing is written and the row is returned as
   * read (`applied` false), instead of refusing a transition from a state that is already the wanted one.
   *
   * With `cached`, the first attempt starts from the row as this process last wrote or read it instead of a
   * read: the write is conditional on its version, so a row changed elsewhere only costs the read it would
   * have cost anyway. Skipping or refusing is always decided on a fresh read.
   */
  private async step(
    agentId: number,
    event: AgentEvent | ((a: AgentRecord) => AgentEvent),
    patch: (a: AgentRecord, now: Date) => PresencePatch,
    options: StepOptions = {},
  ): Promise<{ agent: AgentRecord; applied: boolean }> {
    let cached = options.cached ? this.lastKnown.get(agentId) : undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const fromCache = cached !== undefined;
      const a = cached ?? (await this.require(agentId));
      cached = undefined;
      if (options.done?.(a)) {
        if (fromCache) continue;
        this.log.debug({ agentId, state: a.state, event }, 'agent transition already done');
        return { agent: a, applied: false };
      }
      // The event may depend on the row (e.g. the last of several calls ending): decided on each fresh read.
      const ev = typeof event === 'function' ? event(a) : event;
      const first = nextAgentState(a.state, ev);
      const then = options.thenEndWrapUp ? wrapUpEnd(a) : undefined;
      const to = first === 'wrap_up' && then ? nextAgentState(first, then) : first;
      if (!first || !to) {
        if (fromCache) continue;
        throw first
          ? this.invalid({ ...a, state: first }, then as AgentEvent, options.requested)
          : this.invalid(a, ev, options.requested);
      }
      const now = this.now();
      let p: PresencePatch;
      try {
        p = { ...patch(a, now) };
      } catch (err) {
        if (fromCache) continue;
        throw err;
      }
      if (to !== a.state) {
        p.state = to;
        p.stateSince ??= now;
      }
      const presence = presenceChange(a, to, p.pauseReason !== undefined ? p.pauseReason : a.pauseReason);
      if (await updatePresence(this.db, a.id, a.version, p, now, presence, options.presenceAt)) {
        const agent = this.applied(a, p);
        this.log.debug({ agentId, from: a.state, event: ev, to }, 'agent transition');
        this.emit({ agent, event: ev, from: a.state });
        return { agent, applied: true };
      }
    }
    throw new AgentBusyError(agentId);
  }

  /**
   * Ends a wrap-up if the agent still is in it and `due` holds (not extended meanwhile). An agent no longer in
   * wrap-up was freed by another step (sweep, timer, the agent, callEnded with no wrap-up time): done.
   */
  private endWrapUpIfStill(
    agentId: number,
    due: (a: AgentRecord) => boolean,
  ): Promise<{ agent: AgentRecord; applied: boolean }> {
    return this.step(agentId, wrapUpEnd, () => ({ wrapUpUntil: null }), {
      done: (a) => a.state !== 'wrap_up' || !due(a),
      cached: true,
    });
  }

  /**
   * Kept without skills: a record emitted from it then carries none, and the ACD keeps the skills it knows
   * (an admin may have changed them since; they are not presence and are not versioned).
   */
  private remember(a: AgentRecord): void {
    this.lastKnown.set(a.id, a.skills.size === 0 ? a : { ...a, skills: NO_SKILLS });
  }

  private emit(change: AgentChange): void {
    const a = change.agent;
    this.remember(a);
    if (a.state !== 'wrap_up') this.clearWrapTimer(a.id);
    if (change.from !== a.state || ANNOUNCED_IN_PLACE.has(change.event)) {
      this.o.bus?.publish('agent.state', { agentId: a.id, state: a.state, reason: a.pauseReason, since: a.stateSince });
    }
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.log.error({ err }, 'agent change listener failed');
      }
    }
  }

  private scheduleWrapUp(agent: AgentRecord): void {
    this.clearWrapTimer(agent.id);
    if (agent.state !== 'wrap_up' || !agent.wrapUpUntil) return;
    const delay = Math.max(0, agent.wrapUpUntil.getTime() - this.now().getTime());
    const timer = setTimeout(() => {
      this.wrapTimers.delete(agent.id);
      // Extended meanwhile (perhaps by another orchestrator): the sweep or the new timer ends it. Already over
      // (the sweep of another orchestrator, the agent): nothing to do.
      this.endWrapUpIfStill(
        agent.id,
        (a) => !(a.wrapUpUntil && agent.wrapUpUntil && a.wrapUpUntil.getTime() > agent.wrapUpUntil.getTime()),
      ).catch((err: unknown) => this.log.warn({ err, agentId: agent.id }, 'wrap-up timer: cannot end wrap-up'));
    }, delay);
    timer.unref();
    this.wrapTimers.set(agent.id, timer);
  }

  private clearWrapTimer(agentId: number): void {
    const t = this.wrapTimers.get(agentId);
    if (t) {
      clearTimeout(t);
      this.wrapTimers.delete(agentId);
    }
  }
}
