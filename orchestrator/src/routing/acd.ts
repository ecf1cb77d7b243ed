import { dialEndpoint, loadAgent, loadAgents, loadPresence, type AgentRecord } from '../agents/repository.js';
import type { AgentChange, AgentService } from '../agents/service.js';
import { nextAgentState } from '../agents/states.js';
import type { Db } from '../db/knex.js';
import type { EventBus } from '../events/bus.js';
import { logger as rootLogger, type Logger } from '../logger.js';
import { loadQueues, type QueueConfig } from './repository.js';
import { IdleOrderedIds } from './idle-order.js';
import { idleSince, pickBest, pickTop, type RankContext } from './strategies.js';
import type {
  Acd,
  AgentOffer,
  OfferedAgent,
  OfferFailure,
  QueuePosition,
  QueueTimerEvent,
  SkillRequirement,
  WaitingCall,
} from './types.js';

export interface AcdOptions {
  readonly db: Db;
  readonly agents: AgentService;
  readonly bus?: EventBus;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** How often waiting times are checked for overflow and max wait (default 1000 ms; 0 = only tick()). */
  readonly tickMs?: number;
  /** How often presence is re-read for other orchestrators' changes (default 2000 ms; 0 = only refresh()). */
  readonly refreshMs?: number;
  /** Skills and queue settings are re-read every this many presence refreshes (default 15). */
  readonly fullRefreshEvery?: number;
  /** Handle time assumed before a queue has answered calls (seconds, default 180). */
  readonly defaultHandleSeconds?: number;
  /**
   * After an offer fails (no answer, busy, unreachable), the agent is not offered again for this long, like
   * app_queue's `retry` (default 5000 ms). Without it a busy phone and one waiting caller would spin.
   */
  readonly retryMs?: number;
  /**
   * Reservations of different calls in flight at once (default 64). Each is a database commit; one at a time
   * caps the whole orchestrator at one offer per commit time, and 16 capped it near 500 offers/s once the commits
   * shared packets (db/statement-batch.ts). `pending` keeps two of them off one agent.
   */
  readonly maxConcurrentOffers?: number;
  /**
   * ring_all: at most this many agents are rung at once for one call (default 20). app_queue rings every member;
   * a cap keeps one caller from holding a whole floor of phones (and as many originates) at once.
   */
  readonly ringAllMax?: number;
}

export const DEFAULT_RING_ALL_MAX = 20;

/** What one matching pass learnt beyond its offers. */
interface MatchPass {
  /** Queues of calls that found no agent while other reservations of this pass held the candidates. */
  readonly starved: Set<number>;
  /** A reservation was refused but the agent is still free (their row changed otherwise): worth another look. */
  freedAgain: boolean;
}

/** A call in a waiting list, with what overflow has done to it so far. */
interface Waiting {
  call: WaitingCall;
  seq: number;
  /** Overflow steps of the queue already applied. */
  stepsFired: number;
  /** 0 = as required, 1 = levels lowered to 1, 2 = no skill requirement. */
  widen: number;
  addedSites: Set<string>;
  tried: Set<number>;
  maxWaitFired: boolean;
  noAgentsFired: boolean;
}

/** A call being offered: the agents reserved for it (one, or a ring_all group) whose offer is not settled yet. */
interface Offering {
  readonly w: Waiting;
  readonly agents: Set<number>;
  /** Some agent answered: the others' failures (cancelled legs) never requeue the call. */
  answered: boolean;
  /** Some agent's offer failed in a way that sends the call back to the queue once the group is settled. */
  failed: boolean;
}

const WAIT_ORDER = (a: Waiting, b: Waiting): number =>
  b.call.priority - a.call.priority || a.call.enqueuedAt.getTime() - b.call.enqueuedAt.getTime() || a.seq - b.seq;

function effectiveSkills(w: Waiting): readonly SkillRequirement[] {
  if (w.widen >= 2) return [];
  if (w.widen === 1) return w.call.requiredSkills.map((s) => ({ skill: s.skill, minLevel: 1 }));
  return w.call.requiredSkills;
}

function requirementKey(skills: readonly SkillRequirement[], excluded: ReadonlySet<string>): string {
  return `${skills.map((s) => `${s.skill}:${s.minLevel}`).join(',')}|${[...excluded].join(',')}`;
}

/** May this agent be offered a call at all right now (ignoring skills)? */
function offerable(a: AgentRecord): boolean {
  if (!a.endpointOnline || a.reservedCallId !== null) return false;
  if (a.state === 'available') return true;
  // One going back to a pause after this call (dialled from it, or a break begun) takes no other.
  return a.state === 'on_call' && a.activeCalls < a.capacity && a.pauseReason === null;
}

/** Logged in, not paused, reachable: counts as staff for join/leave-when-empty and wait estimates. */
function staffing(a: AgentRecord): boolean {
  return a.endpointOnline && a.state !== 'logged_out' && a.state !== 'paused';
}

function covers(a: AgentRecord, skills: readonly SkillRequirement[]): boolean {
  for (const r of skills) if ((a.skills.get(r.skill) ?? 0) < r.minLevel) return false;
  return true;
}

/**
 * The ACD: in-memory waiting lists per queue (priority, then arrival), an in-memory index of offerable agents by
 * skill, and one database write per offer (the conditional reservation UPDATE). Matching runs whenever a call
 * enters or an agent frees up, serialised so one orchestrator never races itself; other orchestrators are kept
 * out by the reservation's version check.
 */
export class AcdEngine implements Acd {
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly queues = new Map<number, QueueConfig>();
  private readonly waiting = new Map<number, Waiting[]>();
  private readonly byCall = new Map<string, Waiting>();
  private readonly offering = new Map<string, Offering>();
  private readonly answeredAt = new Map<string, { queueId: number; at: number }>();
  private readonly aht = new Map<number, number>();
  private readonly lastOffered = new Map<number, number>();
  /** Queues being read because a call entered one the ACD did not know: their calls wait for the settings. */
  private readonly loadingQueues = new Set<number>();

  private readonly agents = new Map<number, AgentRecord>();
  /** Offerable agents, and the same by skill name. */
  private readonly free = this.idleOrdered();
  private readonly freeBySkill = new Map<string, IdleOrderedIds>();
  /** Reservation writes in flight. */
  private readonly pending = new Set<number>();

  private offerHandlers: ((offer: AgentOffer) => void)[] = [];
  private timerHandlers: ((event: QueueTimerEvent) => void)[] = [];
  private seq = 0;
  private matching: Promise<void> | null = null;
  private running = false;
  private again = false;
  private dirtyAll = false;
  private readonly dirty = new Set<number>();
  private tickTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshCount = 0;
  private refreshing = false;
  private unsubscribe: (() => void)[] = [];
  private started = false;

  /** Agent id → epoch ms before which the agent is not offered again (see AcdOptions.retryMs); not in `free` meanwhile. */
  private readonly coolingUntil = new Map<number, number>();

  constructor(private readonly o: AcdOptions) {
    this.log = o.logger ?? rootLogger.child({ module: 'acd' });
    this.now = o.now ?? (() => new Date());
  }

  // --- lifecycle -----------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.started) return;
    await this.refresh(true);
    this.started = true;
    this.unsubscribe.push(this.o.agents.onChange((c) => this.onAgentChange(c)));
    if (this.o.bus) {
      this.unsubscribe.push(
        this.o.bus.subscribe('queue.changed', () => {
          this.reloadQueues().catch((err: unknown) => this.log.warn({ err }, 'queue reload failed'));
        }),
        this.o.bus.subscribe('call.ended', (e) => this.onCallEnded(e.callId)),
      );
    }
    const tick = this.o.tickMs ?? 1000;
    if (tick > 0) {
      this.tickTimer = setInterval(() => this.tick(), tick);
      this.tickTimer.unref();
    }
    const every = this.o.refreshMs ?? 2000;
    if (every > 0) {
      this.refreshTimer = setInterval(() => {
        // A slow database must not pile refreshes up: skip a beat while one is still running.
        if (this.refreshing) return;
        const full = ++this.refreshCount % (this.o.fullRefreshEvery ?? 15) === 0;
        this.refreshing = true;
        this.refresh(full)
          .catch((err: unknown) => this.log.warn({ err }, 'agent refresh failed'))
          .finally(() => {
            this.refreshing = false;
          });
      }, every);
      this.refreshTimer.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.tickTimer);
    clearInterval(this.refreshTimer);
    this.tickTimer = this.refreshTimer = undefined;
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.started = false;
    if (this.running && this.matching) await this.matching;
  }

  /** Re-reads presence (and with `full`, skills and queue settings) from the database. */
  async refresh(full = false): Promise<void> {
    if (full || this.queues.size === 0) await this.reloadQueues();
    if (full || this.agents.size === 0) {
      const all = await loadAgents(this.o.db);
      const seen = new Set<number>();
      for (const a of all) {
        seen.add(a.id);
        const known = this.agents.get(a.id);
        // A read that started before a reservation we made must not undo it; its skills are still news.
        const stale = known !== undefined && a.version < known.version;
        this.index(stale ? { ...known, skills: a.skills } : a, true);
        if (known && !stale && (known.state !== a.state || known.pauseReason !== a.pauseReason))
          this.heardFromElsewhere(a);
      }
      for (const id of [...this.agents.keys()]) if (!seen.has(id)) this.unindex(id);
    } else {
      const seen = new Set<number>();
      for (const p of await loadPresence(this.o.db)) {
        seen.add(p.id);
        const known = this.agents.get(p.id);
        if (!known) {
          const a = await loadAgent(this.o.db, p.id);
          if (a) this.index(a, true);
        } else if (p.version < known.version) {
          continue;
        } else if (
          known.version !== p.version ||
          known.state !== p.state ||
          known.reservedCallId !== p.reservedCallId ||
          known.endpointOnline !== p.endpointOnline ||
          known.boundEndpoint !== p.boundEndpoint ||
          known.activeCalls !== p.activeCalls ||
          known.callsToday !== p.callsToday ||
          known.capacity !== p.capacity ||
          known.site !== p.site
        ) {
          this.index({ ...p, skills: known.skills }, true);
          if (known.state !== p.state || known.pauseReason !== p.pauseReason) this.heardFromElsewhere(p);
        }
      }
      for (const id of [...this.agents.keys()]) if (!seen.has(id)) this.unindex(id);
    }
    this.markAllDirty();
  }

  async reloadQueues(): Promise<void> {
    const list = await loadQueues(this.o.db);
    const seen = new Set<number>();
    for (const q of list) {
      seen.add(q.id);
      const before = this.queues.get(q.id);
      if (q.problems.length && JSON.stringify(before?.problems) !== JSON.stringify(q.problems))
        this.log.warn({ queue: q.name, problems: q.problems }, 'queue settings have problems');
      this.queues.set(q.id, q);
    }
    for (const id of [...this.queues.keys()]) if (!seen.has(id)) this.queues.delete(id);
    this.markAllDirty();
  }

  // --- the Acd contract ----------------------------------------------------------------------------------------

  onOffer(handler: (offer: AgentOffer) => void): void {
    this.offerHandlers.push(handler);
  }

  onTimer(handler: (event: QueueTimerEvent) => void): void {
    this.timerHandlers.push(handler);
  }

  enqueue(call: WaitingCall): void {
    this.drop(call.callId);
    const w: Waiting = {
      call,
      seq: ++this.seq,
      stepsFired: 0,
      widen: 0,
      addedSites: new Set(),
      tried: new Set(),
      maxWaitFired: false,
      noAgentsFired: false,
    };
    this.insert(w);
    const q = this.queues.get(call.queueId);
    if (!q) {
      // A queue created since the last reload: read the queues now; matching follows the reload.
      this.log.info(
        { callId: call.callId, queueId: call.queueId },
        'call queued to a queue the ACD does not know yet; reloading queues',
      );
      this.loadingQueues.add(call.queueId);
      this.reloadQueues()
        .catch((err: unknown) => this.log.warn({ err }, 'queue reload failed'))
        .finally(() => {
          // Found or not, match now (an unknown queue gets default settings rather than a call stuck forever).
          this.loadingQueues.delete(call.queueId);
          if (!this.queues.has(call.queueId))
            this.log.error(
              { queueId: call.queueId },
              'calls wait in a queue that does not exist; default settings apply',
            );
          this.markDirty(call.queueId);
        });
    } else if (!q.joinWhenEmpty && !this.staffed(q, w)) {
      w.noAgentsFired = true;
      this.fireSoon({
        type: 'no_agents',
        callId: call.callId,
        action: q.maxWaitAction === 'queue' ? 'voicemail' : q.maxWaitAction,
      });
    }
    this.markDirty(call.queueId);
  }

  remove(callId: string): boolean {
    const was = this.byCall.has(callId);
    // An offer in flight is forgotten too: offerFailed still releases its agent but will not requeue the call.
    this.drop(callId);
    return was;
  }

  async offerAnswered(callId: string, agentId: number): Promise<void> {
    const offer = this.offering.get(callId);
    const mine = offer?.agents.has(agentId) ? offer : undefined;
    if (mine) {
      mine.answered = true;
      this.settle(callId, mine, agentId);
    }
    const queueId = mine?.w.call.queueId;
    const agent = await this.o.agents.answer(agentId, callId);
    this.index(agent, false);
    if (queueId !== undefined) this.answeredAt.set(callId, { queueId, at: this.now().getTime() });
  }

  async offerFailed(callId: string, agentId: number, reason: OfferFailure): Promise<void> {
    const offer = this.offering.get(callId);
    const mine = offer?.agents.has(agentId) ? offer : null;
    const queueId = mine?.w.call.queueId;
    const q = queueId !== undefined ? this.queues.get(queueId) : undefined;
    const missed = reason === 'no_answer';
    // A leg cancelled because another agent answered, or a caller who left, is nobody's fault.
    const refused = reason !== 'caller_gone' && reason !== 'cancelled';
    if (mine) {
      if (refused) {
        mine.failed = true;
        // This agent goes to the back of the call's candidates.
        mine.w.tried.add(agentId);
      }
      const settled = this.settle(callId, mine, agentId);
      if (settled && mine.failed && !mine.answered && !this.byCall.has(callId)) {
        // Back to the head before the agent is freed, so the freed agent cannot skip it: the call keeps its place
        // (priority and first arrival).
        this.insert(mine.w);
        this.markDirty(mine.w.call.queueId);
      }
    }
    if (refused) this.coolDown(agentId);
    const agent = await this.o.agents.releaseOffer(agentId, callId, missed, q?.autoPauseAfterMisses ?? 0);
    if (agent) this.index(agent, false);
  }

  /** One agent's offer of a call is over; true when it was the last one of the offer. */
  private settle(callId: string, offer: Offering, agentId: number): boolean {
    offer.agents.delete(agentId);
    if (offer.agents.size > 0) return false;
    if (this.offering.get(callId) === offer) this.offering.delete(callId);
    return true;
  }

  /**
   * An agent who refused or missed a call waits out the retry time outside the free pool. Skipping them inside
   * it cost every look a step per cooling agent: once offers failed under overload, hundreds of them, and a fifth
   * of the orchestrator (docs/benchmarks.md, item 44).
   */
  private coolDown(agentId: number): void {
    const retryMs = this.o.retryMs ?? 5000;
    if (retryMs <= 0) return;
    this.coolingUntil.set(agentId, this.now().getTime() + retryMs);
    const known = this.agents.get(agentId);
    if (known) this.unfree(known);
  }

  /** Agents whose retry time has passed become offerable again (called from tick()). */
  private expireCoolDowns(now: number): void {
    let expired = false;
    for (const [agentId, until] of this.coolingUntil) {
      if (until > now) continue;
      this.coolingUntil.delete(agentId);
      const known = this.agents.get(agentId);
      if (known) this.index(known, true);
      expired = true;
    }
    if (expired) this.markAllDirty();
  }

  async reserveAgent(agentId: number, callId: string, placedBy: 'agent' | 'campaign'): Promise<boolean> {
    if (this.pending.has(agentId)) return false;
    this.pending.add(agentId);
    let agent: AgentRecord | null;
    try {
      // Read afresh: the index may be a refresh behind, and a stale version would refuse a free agent.
      agent = await this.o.agents.get(agentId);
    } catch (err) {
      this.pending.delete(agentId);
      throw err;
    }
    if (!agent || !(placedBy === 'agent' ? nextAgentState(agent.state, 'dial') : agent.state === 'available')) {
      this.pending.delete(agentId);
      return false;
    }
    return (await this.reserve(agent, callId, 'dial')) !== null;
  }

  position(callId: string): QueuePosition | null {
    const w = this.byCall.get(callId);
    if (!w) return null;
    const list = this.waiting.get(w.call.queueId) ?? [];
    const i = list.indexOf(w);
    if (i < 0) return null;
    const q = this.queues.get(w.call.queueId);
    const servers = q ? this.staffCount(q, w) : 0;
    const handle = this.aht.get(w.call.queueId) ?? this.o.defaultHandleSeconds ?? 180;
    const ahead = i + 1;
    const estimate = servers > 0 ? Math.round((ahead * handle) / servers) : Math.round(ahead * handle);
    // One free agent and first in line: the offer is about to happen.
    const freeNow = i === 0 && this.free.size > 0 && this.candidate(w, q) !== null;
    return { position: i + 1, waiting: list.length, estimatedWaitSeconds: freeNow ? 0 : estimate };
  }

  // --- observability (wallboard, tests) ------------------------------------------------------------------------

  /** Calls waiting in a queue, in offer order. */
  waitingCalls(queueId: number): WaitingCall[] {
    return (this.waiting.get(queueId) ?? []).map((w) => w.call);
  }

  /**
   * Available agents who could take a call of this queue (its skills), longest idle first, at most `max`: whom the
   * dialler may place a campaign's calls for. None while a caller waits in the queue: its callers come first.
   */
  idleAgentsFor(queueId: number, max: number): OfferedAgent[] {
    const q = this.queues.get(queueId);
    if (!q || (this.waiting.get(queueId)?.length ?? 0) > 0) return [];
    const out: OfferedAgent[] = [];
    for (const id of this.free) {
      if (out.length >= max) break;
      const a = this.agents.get(id);
      if (!a || this.pending.has(id) || a.state !== 'available' || !offerable(a) || !covers(a, q.skills)) continue;
      out.push({ agentId: a.id, agentName: a.name, endpoint: dialEndpoint(a), autoAnswer: a.autoAnswer });
    }
    return out;
  }

  /** Every agent the ACD still holds for a call being offered (several for ring_all). */
  offeredAgents(callId: string): number[] {
    return [...(this.offering.get(callId)?.agents ?? [])];
  }

  /** The ACD's view of an agent (index), for tests and diagnostics. */
  agentView(agentId: number): AgentRecord | null {
    return this.agents.get(agentId) ?? null;
  }

  /** Resolves when matching triggered so far has finished (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.running && this.matching) await this.matching;
  }

  // --- timers ----------------------------------------------------------------------------------------------------

  /** Overflow, max wait and leave-when-empty checks for every waiting call (runs every tickMs). */
  tick(): void {
    const now = this.now().getTime();
    this.expireCoolDowns(now);
    const staffedCache = new Map<string, boolean>();
    const staffed = (q: QueueConfig, w: Waiting): boolean => {
      const key = `${q.id}/${requirementKey(effectiveSkills(w), new Set())}`;
      let v = staffedCache.get(key);
      if (v === undefined) staffedCache.set(key, (v = this.staffed(q, w)));
      return v;
    };
    for (const [queueId, list] of this.waiting) {
      const q = this.queues.get(queueId);
      if (!q) continue;
      for (const w of [...list]) {
        const waited = (now - w.call.enqueuedAt.getTime()) / 1000;
        let changed = false;
        while (w.stepsFired < q.overflow.length && waited >= (q.overflow[w.stepsFired]?.afterSeconds ?? Infinity)) {
          const step = q.overflow[w.stepsFired];
          w.stepsFired++;
          if (!step) break;
          if (step.action === 'move_queue') {
            const target = [...this.queues.values()].find((x) => x.name === step.queue);
            if (!target || target.id === q.id) {
              this.log.warn({ queue: q.name, target: step.queue }, 'overflow to an unknown queue skipped');
              continue;
            }
            this.fire({
              type: 'overflow',
              callId: w.call.callId,
              step: w.stepsFired,
              description: `move to queue ${target.name}`,
              newQueueId: target.id,
            });
            break;
          }
          if (step.action === 'widen_skills') {
            w.widen = Math.min(2, w.widen + 1);
            this.fire({
              type: 'overflow',
              callId: w.call.callId,
              step: w.stepsFired,
              description: w.widen === 1 ? 'skill levels lowered to 1' : 'skill requirement dropped',
            });
          } else {
            w.addedSites.add(step.site);
            this.fire({
              type: 'overflow',
              callId: w.call.callId,
              step: w.stepsFired,
              description: `agents of site ${step.site} added`,
            });
          }
          changed = true;
        }
        if (!this.byCall.has(w.call.callId)) continue;
        if (!w.maxWaitFired && q.maxWaitSeconds > 0 && waited >= q.maxWaitSeconds) {
          w.maxWaitFired = true;
          this.fire({
            type: 'max_wait',
            callId: w.call.callId,
            action: q.maxWaitAction,
            ...(q.maxWaitTarget ? { target: q.maxWaitTarget } : {}),
          });
          continue;
        }
        if (q.leaveWhenEmpty && !w.noAgentsFired && !staffed(q, w)) {
          w.noAgentsFired = true;
          this.fire({
            type: 'no_agents',
            callId: w.call.callId,
            action: q.maxWaitAction === 'queue' ? 'voicemail' : q.maxWaitAction,
          });
        }
        if (changed) this.markDirty(queueId);
      }
    }
    for (const [callId, a] of this.answeredAt) if (now - a.at > 6 * 3600_000) this.answeredAt.delete(callId);
  }

  // --- internals: waiting lists --------------------------------------------------------------------------------

  private insert(w: Waiting): void {
    let list = this.waiting.get(w.call.queueId);
    if (!list) this.waiting.set(w.call.queueId, (list = []));
    // Binary search for the place: priority desc, arrival asc.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (WAIT_ORDER(list[mid] as Waiting, w) <= 0) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, w);
    this.byCall.set(w.call.callId, w);
  }

  private drop(callId: string): void {
    const w = this.byCall.get(callId);
    if (w) {
      this.byCall.delete(callId);
      const list = this.waiting.get(w.call.queueId);
      if (list) {
        const i = list.indexOf(w);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.waiting.delete(w.call.queueId);
      }
    }
    this.offering.delete(callId);
  }

  private fire(event: QueueTimerEvent): void {
    this.log.info({ callId: event.callId, event }, 'queue timer');
    for (const h of this.timerHandlers) {
      try {
        h(event);
      } catch (err) {
        this.log.error({ err, callId: event.callId }, 'queue timer handler failed');
      }
    }
  }

  private fireSoon(event: QueueTimerEvent): void {
    setImmediate(() => this.fire(event));
  }

  // --- internals: agent index ------------------------------------------------------------------------------------

  private onAgentChange(change: AgentChange): void {
    this.index(change.agent, false);
  }

  /** A presence change made by another orchestrator: this one's wallboard and agents hear it here. */
  private heardFromElsewhere(a: AgentRecord): void {
    this.o.bus?.publish('agent.state', { agentId: a.id, state: a.state, reason: a.pauseReason, since: a.stateSince });
  }

  private onCallEnded(callId: string): void {
    const a = this.answeredAt.get(callId);
    if (!a) return;
    this.answeredAt.delete(callId);
    const q = this.queues.get(a.queueId);
    const seconds = (this.now().getTime() - a.at) / 1000 + (q?.wrapUpSeconds ?? 0);
    const prev = this.aht.get(a.queueId);
    // Moving average: recent calls weigh most, one odd call does not swing the estimate.
    this.aht.set(a.queueId, prev === undefined ? seconds : prev * 0.8 + seconds * 0.2);
  }

  /** Puts an agent record into the index (ignoring records older than what we hold unless `force`). */
  private index(a: AgentRecord, force: boolean): void {
    const known = this.agents.get(a.id);
    if (known && !force && a.version < known.version) return;
    const record = a.skills.size === 0 && known && known.skills.size > 0 && !force ? { ...a, skills: known.skills } : a;
    if (known) this.unfree(known);
    this.agents.set(a.id, record);
    if (offerable(record) && !this.coolingUntil.has(record.id)) {
      this.free.add(record.id);
      for (const skill of record.skills.keys()) {
        let set = this.freeBySkill.get(skill);
        if (!set) this.freeBySkill.set(skill, (set = this.idleOrdered()));
        set.add(record.id);
      }
      if (!known || !offerable(known)) this.markAllDirty();
    }
  }

  private unindex(id: number): void {
    const known = this.agents.get(id);
    if (known) this.unfree(known);
    this.agents.delete(id);
  }

  private unfree(a: AgentRecord): void {
    this.free.delete(a.id);
    for (const skill of a.skills.keys()) this.freeBySkill.get(skill)?.delete(a.id);
  }

  private idleOrdered(): IdleOrderedIds {
    return new IdleOrderedIds((id) => {
      const a = this.agents.get(id);
      return a ? idleSince(a) : 0;
    });
  }

  /** Sites that are backup pools of this queue and not yet added for this call. */
  private excludedSites(q: QueueConfig | undefined, w: Waiting): Set<string> {
    const out = new Set<string>();
    if (!q) return out;
    for (const s of q.overflow) if (s.action === 'add_site' && !w.addedSites.has(s.site)) out.add(s.site);
    return out;
  }

  private staffed(q: QueueConfig, w: Waiting): boolean {
    return this.staffCount(q, w, 1) > 0;
  }

  private staffCount(q: QueueConfig, w: Waiting, stopAt = Infinity): number {
    const skills = effectiveSkills(w);
    // Backup sites count as staff too: overflow will reach them.
    let n = 0;
    for (const a of this.agents.values()) {
      if (staffing(a) && covers(a, skills)) {
        n++;
        if (n >= stopAt) break;
      }
    }
    void q;
    return n;
  }

  /** The best free agent for this call, or null. `skip` holds agents already refused in this attempt. */
  private candidate(w: Waiting, q: QueueConfig | undefined, skip?: ReadonlySet<number>): AgentRecord | null {
    const found = this.eligible(w, q, skip, (q?.strategy ?? 'longest_idle') === 'longest_idle');
    return found ? pickBest(found.agents, found.ctx) : null;
  }

  /** ring_all: every free agent for this call, best first, up to the cap. */
  private candidates(w: Waiting, q: QueueConfig | undefined, skip?: ReadonlySet<number>): AgentRecord[] {
    const found = this.eligible(w, q, skip);
    return found ? pickTop(found.agents, found.ctx, this.o.ringAllMax ?? DEFAULT_RING_ALL_MAX) : [];
  }

  /**
   * The free agents who may take this call, and how the queue's strategy ranks them. The pools iterate longest
   * idle first (IdleOrderedIds), so with `untilFirstUntried` (longest_idle) the look stops at the first eligible
   * agent who has not missed this call: no agent after it ranks higher.
   */
  private eligible(
    w: Waiting,
    q: QueueConfig | undefined,
    skip?: ReadonlySet<number>,
    untilFirstUntried = false,
  ): { agents: AgentRecord[]; ctx: RankContext } | null {
    if (this.free.size === 0) return null;
    const skills = effectiveSkills(w);
    const excluded = this.excludedSites(q, w);
    let pool: IdleOrderedIds = this.free;
    for (const r of skills) {
      const s = this.freeBySkill.get(r.skill);
      if (!s || s.size === 0) return null;
      if (s.size < pool.size) pool = s;
    }
    const eligible: AgentRecord[] = [];
    for (const id of pool) {
      if (this.pending.has(id) || skip?.has(id)) continue;
      const a = this.agents.get(id);
      if (!a || !offerable(a) || excluded.has(a.site) || !covers(a, skills)) continue;
      eligible.push(a);
      if (untilFirstUntried && !w.tried.has(id)) break;
    }
    const ctx: RankContext = {
      strategy: q?.strategy ?? 'longest_idle',
      required: skills,
      tried: w.tried,
      lastAgentId: this.lastOffered.get(w.call.queueId) ?? 0,
    };
    return { agents: eligible, ctx };
  }

  // --- internals: matching ---------------------------------------------------------------------------------------

  private markDirty(queueId: number): void {
    this.dirty.add(queueId);
    this.kick();
  }

  private markAllDirty(): void {
    this.dirtyAll = true;
    this.kick();
  }

  private kick(): void {
    if (!this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    const p = this.matchLoop().catch((err: unknown) => this.log.error({ err }, 'matching failed'));
    if (this.running) this.matching = p;
  }

  /**
   * Runs until no trigger is left. The last check of the flags and the release of `running` happen in the same
   * synchronous step, so a trigger can never fall between them and be lost.
   */
  private async matchLoop(): Promise<void> {
    try {
      for (;;) {
        this.again = false;
        const queueIds = this.dirtyAll ? [...this.waiting.keys()] : [...this.dirty];
        this.dirtyAll = false;
        this.dirty.clear();
        if (this.free.size > 0 && queueIds.length > 0) await this.matchQueues(queueIds);
        if (!this.again && !this.dirtyAll && this.dirty.size === 0) break;
      }
    } finally {
      this.running = false;
      this.matching = null;
    }
  }

  private async matchQueues(queueIds: readonly number[]): Promise<void> {
    // Across queues too: highest priority first, then longest waiting. Calls pick their agent in this order
    // (synchronously, before their reservation's commit), so a later call never takes an earlier one's best agent;
    // only the commits overlap.
    const calls: Waiting[] = [];
    for (const id of queueIds) for (const w of this.waiting.get(id) ?? []) calls.push(w);
    if (queueIds.length > 1) calls.sort(WAIT_ORDER);
    const limit = Math.max(1, this.o.maxConcurrentOffers ?? 64);
    const hopeless = new Set<string>();
    const pass: MatchPass = { starved: new Set(), freedAgain: false };
    const inFlight = new Set<Promise<void>>();
    for (const w of calls) {
      // Every free agent is being reserved by an attempt of this pass: no later call can find one until an
      // attempt ends. Looking anyway cost a scan per waiting call, per agent freed: with a backlog of a thousand
      // callers the ACD took a quarter of the orchestrator (docs/benchmarks.md, item 44).
      while (inFlight.size >= limit || (inFlight.size > 0 && this.pending.size >= this.free.size)) await Promise.race(inFlight);
      if (this.free.size === 0) break;
      if (!this.byCall.has(w.call.callId) || this.loadingQueues.has(w.call.queueId)) continue;
      const q = this.queues.get(w.call.queueId);
      const key = `${w.call.queueId}/${requirementKey(effectiveSkills(w), this.excludedSites(q, w))}`;
      if (w.tried.size === 0 && hopeless.has(key)) continue;
      const fresh = w.tried.size === 0;
      // offerOne's first look is synchronous: a fresh call that found nobody makes its requirements hopeless for
      // the calls right after it, not only once its promise has settled.
      let foundNobody = false;
      const attempt: Promise<void> = this.offerOne(w, q, pass, () => (foundNobody = true))
        .then(
          (offered) => {
            // Per completed attempt: the same requirements found no agent, so later calls like it need not look.
            if (!offered && fresh) hopeless.add(key);
          },
          (err: unknown) => this.log.error({ err, callId: w.call.callId }, 'offer attempt failed'),
        )
        .finally(() => inFlight.delete(attempt));
      inFlight.add(attempt);
      if (foundNobody && fresh) hopeless.add(key);
    }
    await Promise.all(inFlight);
    // A call that found every fitting agent held by this pass's reservations, one of which came back unused: look
    // again (a refused reservation of an agent who stayed free does not make them newly offerable in the index).
    if (pass.freedAgain) for (const queueId of pass.starved) this.markDirty(queueId);
  }

  /**
   * Tries the best agents for one call until a reservation sticks or none is left. ring_all reserves every free
   * agent for the call at once (up to its cap), each by the same conditional UPDATE, and offers those it got.
   */
  private async offerOne(w: Waiting, q: QueueConfig | undefined, pass?: MatchPass, foundNobody?: () => void): Promise<boolean> {
    const refused = new Set<number>();
    const ringAll = q?.strategy === 'ring_all';
    for (let attempt = 0; attempt < 8; attempt++) {
      // The caller may have left while an earlier attempt of this call was being refused.
      if (attempt > 0 && this.byCall.get(w.call.callId) !== w) return false;
      const picked = ringAll
        ? this.candidates(w, q, refused)
        : [this.candidate(w, q, refused)].filter((a) => a !== null);
      if (picked.length === 0) {
        if (this.pending.size > 0) pass?.starved.add(w.call.queueId);
        if (attempt === 0) foundNobody?.();
        return false;
      }
      // Claimed before the first await, so no other call of this pass picks them meanwhile.
      for (const a of picked) this.pending.add(a.id);
      const results = await Promise.all(picked.map((a) => this.reserve(a, w.call.callId)));
      const reserved: AgentRecord[] = [];
      for (const [i, r] of results.entries()) {
        const agent = picked[i] as AgentRecord;
        if (r) {
          reserved.push(r);
          continue;
        }
        refused.add(agent.id);
        // Someone else changed this agent: learn how they are now (one read, only after a lost race).
        const fresh = await loadAgent(this.o.db, agent.id).catch(() => null);
        if (fresh) this.index(fresh, true);
        if (pass && this.free.has(agent.id)) pass.freedAgain = true;
      }
      if (reserved.length === 0) continue;
      if (this.byCall.get(w.call.callId) !== w) {
        // The caller left (or was moved to another queue) while we were reserving: give the agents back.
        await Promise.all(
          reserved.map((r) =>
            this.o.agents.releaseOffer(r.id, w.call.callId, false, 0).then(
              (a) => a && this.index(a, false),
              (err: unknown) => this.log.error({ err, agentId: r.id }, 'cannot release a reservation'),
            ),
          ),
        );
        return false;
      }
      const first = reserved[0] as AgentRecord;
      this.drop(w.call.callId);
      this.offering.set(w.call.callId, {
        w,
        agents: new Set(reserved.map((r) => r.id)),
        answered: false,
        failed: false,
      });
      this.lastOffered.set(w.call.queueId, first.id);
      const offered = (r: AgentRecord): OfferedAgent => ({
        agentId: r.id,
        agentName: r.name,
        endpoint: dialEndpoint(r),
        autoAnswer: r.autoAnswer,
      });
      const offer: AgentOffer = {
        ...offered(first),
        callId: w.call.callId,
        queueId: w.call.queueId,
        ringTimeoutSeconds: q?.ringTimeoutSeconds ?? 20,
        ...(ringAll ? { group: reserved.map(offered) } : {}),
      };
      for (const h of this.offerHandlers) {
        try {
          h(offer);
        } catch (err) {
          this.log.error({ err, callId: offer.callId }, 'offer handler failed');
        }
      }
      return true;
    }
    return false;
  }

  /** One reservation (the conditional UPDATE); null when the agent changed meanwhile or the write failed. */
  private async reserve(
    agent: AgentRecord,
    callId: string,
    event: 'reserve' | 'dial' = 'reserve',
  ): Promise<AgentRecord | null> {
    let reserved: AgentRecord | null = null;
    try {
      reserved = await this.o.agents.tryReserve(agent, callId, event);
    } catch (err) {
      this.log.error({ err, agentId: agent.id, callId }, 'reservation failed');
    } finally {
      this.pending.delete(agent.id);
    }
    if (reserved) this.index(reserved, false);
    return reserved;
  }
}
