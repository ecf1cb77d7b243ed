import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';
import type { BusEvents, EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { adherenceNow } from '../shifts/adherence.js';
import { shiftsBetween } from '../shifts/repository.js';
import { segmentsOf, type Expected, type Segment } from '../shifts/segments.js';
import { today } from './routes/common.js';

// The start-up read model of the wallboard: it spans queues, calls and agents and serves only this push, so it
// lives with it rather than with any one table's owner.
/** What the wallboard knows of a queue besides its live figures: names, the SL threshold and its alerts. */
export interface QueueMeta {
  readonly name: string;
  readonly displayName: string;
  readonly serviceLevelS: number;
  readonly alerts: QueueAlertLevels;
}

/** When a queue's tile turns red (0: never), set on the queue (queues.alert_*). */
export interface QueueAlertLevels {
  readonly waitS: number;
  readonly waiting: number;
  readonly serviceLevelPct: number;
}

export type QueueAlert = 'longest_wait' | 'waiting' | 'service_level';

const QUEUE_META_COLUMNS = [
  'id',
  'name',
  'display_name',
  'service_level_s',
  'alert_wait_s',
  'alert_waiting',
  'service_level_target_pct',
];

function queueMeta(q: Record<string, unknown>): QueueMeta & { id: number } {
  return {
    id: Number(q.id),
    name: String(q.name),
    displayName: String(q.display_name),
    serviceLevelS: Number(q.service_level_s),
    alerts: {
      waitS: Number(q.alert_wait_s ?? 0),
      waiting: Number(q.alert_waiting ?? 0),
      serviceLevelPct: Number(q.service_level_target_pct ?? 0),
    },
  };
}

/** The alerts a queue's figures raise against its levels, in the order a supervisor reads a tile. */
export function queueAlerts(
  figures: { waiting: number; longestWaitS: number; serviceLevelPct: number | null },
  levels: QueueAlertLevels,
): QueueAlert[] {
  const out: QueueAlert[] = [];
  if (levels.waiting > 0 && figures.waiting >= levels.waiting) out.push('waiting');
  if (levels.waitS > 0 && figures.waiting > 0 && figures.longestWaitS >= levels.waitS) out.push('longest_wait');
  if (levels.serviceLevelPct > 0 && figures.serviceLevelPct !== null && figures.serviceLevelPct < levels.serviceLevelPct)
    out.push('service_level');
  return out;
}

export interface WallboardSeed {
  queues: (QueueMeta & { id: number })[];
  waiting: { callId: string; queueId: number; since: Date }[];
  today: { queueId: number; answered: number; abandoned: number; answeredInSl: number }[];
  agents: { id: number; name: string; state: string; since: Date; reason: string | null }[];
}

export async function wallboardSeed(db: Db, since: Date): Promise<WallboardSeed> {
  const toD = (v: unknown): Date => toDate(v) ?? new Date();
  const [queues, waiting, today, agents] = await Promise.all([
    db('queues').select(QUEUE_META_COLUMNS),
    db('calls')
      .whereIn('state', ['queued', 'offering'])
      .whereNotNull('queue_id')
      .select('id', 'queue_id', 'queued_at', 'arrived_at'),
    db('calls as c')
      .join('queues as q', 'q.id', 'c.queue_id')
      .where('c.arrived_at', '>=', since)
      // Calls that waited in the queue: an outbound call placed for it never does (unless transferred into it).
      .whereNotNull('c.queued_at')
      .groupBy('c.queue_id')
      .select('c.queue_id')
      .select(
        db.raw('sum(case when c.answered_at is not null then 1 else 0 end) as answered'),
        db.raw("sum(case when c.state = 'abandoned' then 1 else 0 end) as abandoned"),
        db.raw('sum(case when c.answered_at is not null and c.wait_s <= q.service_level_s then 1 else 0 end) as in_sl'),
      ),
    db('agents').select('id', 'name', 'state', 'state_since', 'pause_reason'),
  ]);
  return {
    queues: queues.map(queueMeta),
    waiting: waiting.map((c: Record<string, unknown>) => ({
      callId: String(c.id),
      queueId: Number(c.queue_id),
      since: toD(c.queued_at ?? c.arrived_at),
    })),
    today: today.map((t: Record<string, unknown>) => ({
      queueId: Number(t.queue_id),
      answered: Number(t.answered ?? 0),
      abandoned: Number(t.abandoned ?? 0),
      answeredInSl: Number(t.in_sl ?? 0),
    })),
    agents: agents.map((a: Record<string, unknown>) => ({
      id: Number(a.id),
      name: String(a.name),
      state: String(a.state),
      since: toD(a.state_since),
      reason: (a.pause_reason as string | null) ?? null,
    })),
  };
}

export interface WaitingCallView {
  readonly callId: string;
  readonly waitS: number;
}

export interface QueueBoard {
  readonly queueId: number;
  readonly name: string;
  readonly displayName: string;
  readonly waiting: number;
  readonly longestWaitS: number;
  /** Longest waiting first, at most 50. */
  readonly waitingCalls: readonly WaitingCallView[];
  readonly answeredToday: number;
  readonly abandonedToday: number;
  /** Answered within the queue's service level ÷ (answered + abandoned), in percent; null before the first call. */
  readonly serviceLevelPct: number | null;
  /** The queue's alert levels, and which it is past now (the tile turns red). */
  readonly alertLevels: QueueAlertLevels;
  readonly alerts: readonly QueueAlert[];
}

export interface AgentBoard {
  readonly agentId: number;
  readonly name: string;
  readonly state: string;
  readonly since: string;
  readonly reason: string | null;
  /** What the schedule expects of the agent now (shifts/); null: no shift now. */
  readonly scheduled: Expected | null;
  /** Whether the agent's state is what the schedule expects (adherenceNow); null: no shift now. */
  readonly inAdherence: boolean | null;
}

export interface WallboardSnapshot {
  readonly type: 'wallboard';
  readonly at: string;
  readonly queues: readonly QueueBoard[];
  readonly agents: {
    readonly byState: Record<string, number>;
    readonly list: readonly AgentBoard[];
    /** Agents whose state is not what their shift expects now. */
    readonly outOfAdherence: number;
  };
}

/**
 * The snapshot as a supervisor of `queueIds` sees it (undefined: everything). The agents stay: with skills-based
 * routing they are one pool that serves every queue, and a supervisor needs to see who is free.
 */
export function boardFor(board: WallboardSnapshot, queueIds: readonly number[] | undefined): WallboardSnapshot {
  if (!queueIds) return board;
  return { ...board, queues: board.queues.filter((q) => queueIds.includes(q.queueId)) };
}

interface Counters {
  answered: number;
  abandoned: number;
  inSl: number;
}

const WAITING_STATES = new Set(['queued', 'offering']);
/** A queue the wallboard has not read yet (a call of a queue created a moment ago). */
const NO_ALERTS: QueueAlertLevels = { waitS: 0, waiting: 0, serviceLevelPct: 0 };
const MAX_LISTED = 50;
/**
 * The schedule is reread this often (another orchestrator's changes; this one's come by the bus), and a shift's
 * activity beginning shows within it.
 */
const SCHEDULE_RELOAD_MS = 60_000;
/** The schedule held: the segments from a minute ago to this far ahead, so a late reload still has now's. */
const SCHEDULE_AHEAD_MS = 5 * 60_000;

/**
 * The wallboard as in-memory state fed by the bus: loaded once at start (a handful of queries), then every
 * call.state / agent.state event updates counters in O(1). A snapshot costs O(queues + waiting calls + agents)
 * and no query, so pushing it every second to every supervisor is cheap.
 */
export class Wallboard {
  private readonly queues = new Map<number, QueueMeta>();
  private readonly waiting = new Map<string, { queueId: number; since: number }>();
  private readonly today = new Map<number, Counters>();
  private readonly agents = new Map<number, { name: string; state: string; since: Date; reason: string | null }>();
  /** Each agent's shift segments around now. */
  private schedule = new Map<number, Segment[]>();
  private scheduleTimer: NodeJS.Timeout | null = null;
  /** The day the counters are for; its bounds let each call event compare numbers instead of dates. */
  private day = { startMs: Number.NaN, endMs: Number.NaN };
  private readonly unsubscribe: Array<() => void> = [];
  private readonly listeners = new Set<() => void>();
  private reloadTimer: NodeJS.Timeout | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private started = false;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly now: () => Date,
    private readonly log: Logger,
    /** The contact center's zone: "today" is its calendar day. */
    private readonly timeZone: string,
    /** Presence is re-read this often (0 = never), so agents changed by another orchestrator show too. */
    private readonly resyncMs = 5_000,
  ) {}

  /** Subscribes first, then loads, so no event is lost between the query and the subscription. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const buffered: Array<() => void> = [];
    let loading = true;
    const on = <K extends keyof BusEvents>(name: K, fn: (p: BusEvents[K]) => void) =>
      this.unsubscribe.push(
        this.bus.subscribe(name, (p) => {
          if (loading) buffered.push(() => fn(p));
          else fn(p);
        }),
      );
    on('call.state', (e) => this.onCallState(e));
    on('agent.state', (e) => this.onAgentState(e));
    on('queue.changed', () => this.scheduleReload());
    on('schedule.changed', () => void this.loadSchedule());
    try {
      await this.load();
    } finally {
      loading = false;
      for (const apply of buffered) apply();
    }
    if (this.resyncMs > 0) {
      this.resyncTimer = setInterval(() => void this.resyncAgents(), this.resyncMs);
      this.resyncTimer.unref();
    }
    await this.loadSchedule();
    this.scheduleTimer = setInterval(() => void this.loadSchedule(), SCHEDULE_RELOAD_MS);
    this.scheduleTimer.unref();
  }

  /** The shifts around now, for live adherence; a failed read keeps the last. */
  async loadSchedule(): Promise<void> {
    try {
      const now = this.now().getTime();
      const shifts = await shiftsBetween(
        this.db,
        new Date(now - SCHEDULE_RELOAD_MS),
        new Date(now + SCHEDULE_AHEAD_MS),
        // A draft is not yet anyone's schedule: no adherence, no no-show.
        { timeZone: this.timeZone, publishedOnly: true },
      );
      const schedule = new Map<number, Segment[]>();
      for (const shift of shifts)
        schedule.set(shift.agentId, [...(schedule.get(shift.agentId) ?? []), ...segmentsOf(shift)]);
      this.schedule = schedule;
      this.changed();
    } catch (err) {
      this.log.warn({ err }, 'wallboard: reading the schedule failed');
    }
  }

  /**
   * Presence from the database: the bus only carries this process's changes, and several orchestrators share
   * one agent pool. A row older than what the bus already told is ignored (the bus is fresher).
   */
  async resyncAgents(): Promise<void> {
    try {
      const rows = (await this.db('agents').select('id', 'name', 'state', 'state_since', 'pause_reason')) as Record<
        string,
        unknown
      >[];
      let changed = false;
      const seen = new Set<number>();
      for (const r of rows) {
        const id = Number(r.id);
        seen.add(id);
        const since = toDate(r.state_since) ?? new Date(0);
        const known = this.agents.get(id);
        const state = String(r.state);
        const reason = (r.pause_reason as string | null) ?? null;
        if (!known) {
          this.agents.set(id, { name: String(r.name), state, since, reason });
          changed = true;
        } else if (
          since.getTime() >= known.since.getTime() &&
          (known.state !== state || known.reason !== reason || known.name !== String(r.name))
        ) {
          Object.assign(known, { name: String(r.name), state, since, reason });
          changed = true;
        }
      }
      for (const id of [...this.agents.keys()]) {
        if (!seen.has(id)) {
          this.agents.delete(id);
          changed = true;
        }
      }
      if (changed) this.changed();
    } catch (err) {
      this.log.warn({ err }, 'wallboard: re-reading agent presence failed');
    }
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.resyncTimer = null;
    if (this.scheduleTimer) clearInterval(this.scheduleTimer);
    this.scheduleTimer = null;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
    this.listeners.clear();
    this.started = false;
  }

  /** Told after every change (the hub coalesces these into one push per tick). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch {
        // A broken listener must not stop the others.
      }
    }
  }

  private async load(): Promise<void> {
    const now = this.now();
    const seed = await wallboardSeed(this.db, today(now, this.timeZone).start);
    this.enterDay(now);
    this.queues.clear();
    for (const { id, ...meta } of seed.queues) this.queues.set(id, meta);
    this.waiting.clear();
    for (const w of seed.waiting) this.waiting.set(w.callId, { queueId: w.queueId, since: w.since.getTime() });
    this.today.clear();
    for (const t of seed.today)
      this.today.set(t.queueId, { answered: t.answered, abandoned: t.abandoned, inSl: t.answeredInSl });
    this.agents.clear();
    for (const a of seed.agents)
      this.agents.set(a.id, { name: a.name, state: a.state, since: a.since, reason: a.reason });
  }

  /** Queue settings and agent names changed: reload them (and only them) shortly, once per burst of changes. */
  private scheduleReload(): void {
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      void this.reloadNames();
    }, 200);
    this.reloadTimer.unref();
  }

  private async reloadNames(): Promise<void> {
    try {
      const [queues, agents] = await Promise.all([
        this.db('queues').select(QUEUE_META_COLUMNS),
        this.db('agents').select('id', 'name'),
      ]);
      this.queues.clear();
      for (const q of queues) {
        const { id, ...meta } = queueMeta(q as Record<string, unknown>);
        this.queues.set(id, meta);
      }
      for (const a of agents) {
        const known = this.agents.get(Number(a.id));
        if (known) known.name = String(a.name);
      }
      this.changed();
    } catch (err) {
      this.log.warn({ err }, 'wallboard: reloading queue and agent names failed');
    }
  }

  private rollDay(): void {
    if (this.enterDay(this.now())) this.today.clear();
  }

  /** Moves to the day of `now`, working out its bounds once a day rather than per event; true if it moved. */
  private enterDay(now: Date): boolean {
    const t = now.getTime();
    if (t >= this.day.startMs && t < this.day.endMs) return false;
    const { start, end } = today(now, this.timeZone);
    this.day = { startMs: start.getTime(), endMs: end.getTime() };
    return true;
  }

  private counters(queueId: number): Counters {
    let c = this.today.get(queueId);
    if (!c) this.today.set(queueId, (c = { answered: 0, abandoned: 0, inSl: 0 }));
    return c;
  }

  private onCallState(e: BusEvents['call.state']): void {
    this.rollDay();
    const at = e.at instanceof Date ? e.at.getTime() : Date.now();
    const was = this.waiting.get(e.callId);
    if (WAITING_STATES.has(e.to) && e.queueId != null) {
      if (!was) this.waiting.set(e.callId, { queueId: e.queueId, since: at });
      else was.queueId = e.queueId;
    } else if (was) {
      this.waiting.delete(e.callId);
      if (e.to === 'connected') {
        const c = this.counters(was.queueId);
        c.answered += 1;
        const sl = this.queues.get(was.queueId)?.serviceLevelS ?? 20;
        if (at - was.since <= sl * 1000) c.inSl += 1;
      } else if (e.to === 'abandoned') {
        this.counters(was.queueId).abandoned += 1;
      }
    }
    if (e.queueId != null && !this.queues.has(e.queueId)) this.scheduleReload();
    this.changed();
  }

  private onAgentState(e: BusEvents['agent.state']): void {
    const known = this.agents.get(e.agentId);
    if (known) {
      known.state = e.state;
      known.since = e.since;
      known.reason = e.reason;
    } else {
      this.agents.set(e.agentId, { name: `agent ${e.agentId}`, state: e.state, since: e.since, reason: e.reason });
      this.scheduleReload();
    }
    this.changed();
  }

  snapshot(): WallboardSnapshot {
    this.rollDay();
    const nowMs = this.now().getTime();
    const byQueue = new Map<number, WaitingCallView[]>();
    for (const [callId, w] of this.waiting) {
      const list = byQueue.get(w.queueId) ?? [];
      list.push({ callId, waitS: Math.max(0, Math.round((nowMs - w.since) / 1000)) });
      byQueue.set(w.queueId, list);
    }
    const ids = new Set<number>([...this.queues.keys(), ...byQueue.keys()]);
    const queues: QueueBoard[] = [...ids]
      .map((id) => {
        const meta = this.queues.get(id);
        const list = (byQueue.get(id) ?? []).sort((a, b) => b.waitS - a.waitS);
        const c = this.today.get(id) ?? { answered: 0, abandoned: 0, inSl: 0 };
        const denominator = c.answered + c.abandoned;
        const figures = {
          waiting: list.length,
          longestWaitS: list[0]?.waitS ?? 0,
          serviceLevelPct: denominator > 0 ? Math.round((c.inSl / denominator) * 1000) / 10 : null,
        };
        const alertLevels = meta?.alerts ?? NO_ALERTS;
        return {
          queueId: id,
          name: meta?.name ?? `queue ${id}`,
          displayName: meta?.displayName ?? `queue ${id}`,
          ...figures,
          waitingCalls: list.slice(0, MAX_LISTED),
          answeredToday: c.answered,
          abandonedToday: c.abandoned,
          alertLevels,
          alerts: queueAlerts(figures, alertLevels),
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    const byState: Record<string, number> = {};
    const list: AgentBoard[] = [];
    let outOfAdherence = 0;
    for (const [agentId, a] of this.agents) {
      byState[a.state] = (byState[a.state] ?? 0) + 1;
      const scheduled = this.schedule.get(agentId)?.find((s) => s.from <= nowMs && nowMs < s.to)?.expected ?? null;
      const inAdherence = adherenceNow(scheduled, a.state);
      if (inAdherence === false) outOfAdherence++;
      list.push({
        agentId,
        name: a.name,
        state: a.state,
        since: a.since.toISOString(),
        reason: a.reason,
        scheduled,
        inAdherence,
      });
    }
    list.sort((a, b) => a.name.localeCompare(b.name));
    return {
      type: 'wallboard',
      at: new Date(nowMs).toISOString(),
      queues,
      agents: { byState, list, outOfAdherence },
    };
  }
}
