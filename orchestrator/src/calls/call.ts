import type { Db } from '../db/knex.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { CustomerCard } from '../crm/types.js';
import type { RouteDecision } from '../routing/types.js';
import type { SurveyChannel } from '../surveys/replies.js';
import { nextState, TERMINAL_STATES, type CallEvent, type CallState } from './states.js';
import { callWriterFor, type CallStatement, type CallWrite } from './writer.js';

export { isTransientDbError } from './writer.js';

/** The calls row (CDR) as written; columns the flow does not touch are left out. */
export interface CallRow {
  id: string;
  node: string;
  channel_id: string;
  owner: string;
  state: CallState;
  /** inbound: a caller rang us; outbound: an agent placed the call (caller_* then names who was called). */
  direction: CallDirection;
  caller_raw: string;
  caller_e164: string | null;
  caller_name: string | null;
  did: string;
  trunk: string | null;
  customer_id: number | null;
  tier: string | null;
  language: string | null;
  queue_id: number | null;
  priority: number;
  required_skills: string | null;
  agent_id: number | null;
  arrived_at: Date;
  queued_at: Date | null;
  offered_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  wait_s: number | null;
  talk_s: number | null;
  /** After-call work: from the hang-up that began wrap-up to its end. */
  wrap_s: number | null;
  disposition: string | null;
  hangup_side: 'caller' | 'agent' | 'system' | null;
  hangup_cause: number | null;
  recording_id: string | null;
  ivr_path: string | null;
  attributes: string | null;
  agent_disposition: string | null;
  agent_channel_id: string | null;
  holding_bridge_id: string | null;
  mixing_bridge_id: string | null;
  abandoned_in: string | null;
  offer_count: number;
  ivr_flow: string | null;
  ivr_flow_version: number | null;
  /** The campaign an outbound call was placed for; absent on every other call (the column's default, null). */
  campaign_id?: number | null;
}

export type CallDirection = 'inbound' | 'outbound';

export type CallPatch = Partial<Omit<CallRow, 'id' | 'state'>>;

/** What is known of a call when its channel arrives; everything else starts empty. */
export type ArrivalFacts = Pick<
  CallRow,
  'id' | 'node' | 'channel_id' | 'owner' | 'caller_raw' | 'caller_name' | 'did' | 'trunk' | 'arrived_at'
>;

/**
 * The reason every call's signal aborts with. A bare abort() builds a DOMException, stack trace included, once
 * per call; nothing reads the reason beyond "the caller is gone".
 */
const CALLER_GONE: Error = Object.freeze(new Error('the caller is gone'));

/** The CDR's DECIMAL(10,3) durations. */
const DECIMAL_SECONDS: ReadonlySet<string> = new Set(['wait_s', 'talk_s', 'wrap_s']);

/** A new CDR row in state `arriving`. */
export function arrivingCallRow(facts: ArrivalFacts): CallRow {
  // Every field by name, no spread: V8 built `{ ...facts, <30 more> }` by cloning and then adding one property at
  // a time: tens of µs per row, 0.8 % of the main thread at 300 calls/s. A plain literal is one allocation.
  return {
    id: facts.id,
    node: facts.node,
    channel_id: facts.channel_id,
    owner: facts.owner,
    caller_raw: facts.caller_raw,
    caller_name: facts.caller_name,
    did: facts.did,
    trunk: facts.trunk,
    arrived_at: facts.arrived_at,
    state: 'arriving',
    direction: 'inbound',
    caller_e164: null,
    customer_id: null,
    tier: null,
    language: null,
    queue_id: null,
    priority: 0,
    required_skills: null,
    agent_id: null,
    queued_at: null,
    offered_at: null,
    answered_at: null,
    ended_at: null,
    wait_s: null,
    talk_s: null,
    wrap_s: null,
    disposition: null,
    hangup_side: null,
    hangup_cause: null,
    recording_id: null,
    ivr_path: null,
    attributes: null,
    agent_disposition: null,
    agent_channel_id: null,
    holding_bridge_id: null,
    mixing_bridge_id: null,
    abandoned_in: null,
    offer_count: 0,
    ivr_flow: null,
    ivr_flow_version: null,
  };
}

/** The agent leg being rung or talked to. */
export interface AgentLeg {
  readonly agentId: number;
  readonly agentName: string;
  readonly endpoint: string;
  /** The phone answers on its own (calls/auto-answer.ts). */
  readonly autoAnswer?: boolean;
  readonly channelId: string;
  /** The queue it was offered from; an outbound call's queue, or null when it was placed for none. */
  readonly queueId: number | null;
  answered: boolean;
  unwatch: () => void;
}

/** A leg to someone who is not an agent of ours: a transfer target or a consulted party. */
export interface PartyLeg {
  readonly channelId: string;
  readonly target: string;
  answered: boolean;
  unwatch: () => void;
}

export interface CallDeps {
  readonly db: Db;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly now: () => Date;
}

/**
 * One inbound call: its state, its CDR row and the live resources it holds. Every state change goes through
 * `transition`, which checks the table, appends a call_events row and updates the calls row, in order, through the
 * call's batches and the database's CallWriter (so rows land in the order things happened, even when the database
 * is slow).
 */
export class Call {
  state: CallState = 'arriving';
  readonly row: CallRow;
  private seq = 0;
  private writes: Promise<void> = Promise.resolve();
  /** The writes not yet taken by the writer: further writes join it, so one commit carries them (see batch()). */
  private open: CallWrite | null = null;
  private readonly ended = new AbortController();
  // callerGone reads this, not `ended.signal.aborted`: the flow asks dozens of times per call and AbortSignal's
  // getters are slow (0.3 % of the main thread under `full`). Only markCallerGone aborts, so the two agree.
  private gone = false;

  // --- live resources (not persisted unless mirrored in row) -----------------------------------------------
  customer: CustomerCard | null = null;
  ivrVars: Record<string, string> = {};
  /** IVR nodes visited, filled in place while the flow runs (so a hang-up mid-flow still records them). */
  readonly ivrPath: string[] = [];
  route: RouteDecision | null = null;
  agent: AgentLeg | null = null;
  /** The last agent that answered (for wrap-up and disposition after the leg is gone). */
  lastAgentId: number | null = null;
  party: PartyLeg | null = null;
  consult: PartyLeg | null = null;
  /** Legs we originated that are still ringing (transfer targets, consulted parties): hung up if the call ends. */
  readonly ringingLegs = new Set<string>();
  held = false;
  /** Which of the call's bridges the caller's channel is in. */
  inBridge: 'holding' | 'mixing' | null = null;
  /** Bridges this call already asked the switch to destroy. */
  readonly releasedBridges = new Set<string>();
  announceTimer: NodeJS.Timeout | null = null;
  /** Talk time accumulates over agent segments (a transfer starts a new one). */
  talkStartedAt: Date | null = null;
  talkMs = 0;
  /**
   * An outbound call's customer leg answered. Until then its end is the dial's outcome (busy, or a trunk that could
   * not carry it, when the next trunk is tried on the same channel id), not the customer hanging up.
   */
  customerAnswered = false;
  endPublished = false;
  /** Its follow-ups (contact, ticket, survey, CRM) are queued: a second release must not queue them again. */
  followedUp = false;
  /** The satisfaction survey of the queue whose agent took the call, known once the conversation ended. */
  survey: SurveyChannel = 'none';
  /** That queue's own IVR survey question, if any. */
  surveyPrompt: string | null = null;
  /** That queue transcribes its recordings, known with the survey. */
  transcribed = false;
  /** The conversation is being torn down; a second hang-up event must not start another teardown. */
  closing = false;
  recordingName: string | null = null;
  recordingPaused = false;
  recordingCount = 0;
  /** A recording started before a restart: no handle watches it, so the call closes its row itself. */
  adoptedRecording: { readonly id: string; readonly name: string; readonly startedAt: Date } | null = null;
  /** Something that must finish the call itself when the caller hangs up (voicemail recording, callback notice). */
  activity: 'voicemail' | 'callback' | 'closing' | null = null;
  /**
   * Set when this orchestrator shuts down: waits settled by the departing switch adapter must not move the
   * call or write its row; recovery on the next start takes over from what is persisted.
   */
  frozen = false;
  /** Who asked for the hang-up we are about to see (agent/system), so the CDR names the right side. */
  hangupRequestedBy: 'agent' | 'system' | null = null;
  timers = new Set<NodeJS.Timeout>();
  readonly log: Logger;

  constructor(
    private readonly deps: CallDeps,
    row: CallRow,
  ) {
    this.row = row;
    this.state = row.state;
    this.log = deps.logger.child({ callId: row.id });
  }

  get id(): string {
    return this.row.id;
  }
  get channelId(): string {
    return this.row.channel_id;
  }
  get node(): string {
    return this.row.node;
  }
  get finished(): boolean {
    return TERMINAL_STATES.has(this.state);
  }
  /** Aborted when the caller's part of the call is over: every wait of the call listens to it. */
  get signal(): AbortSignal {
    return this.ended.signal;
  }
  get callerGone(): boolean {
    return this.gone;
  }
  /** Caller, agent and consulted party talk at once: the caller joined the consultation's bridge (three-way). */
  get inConference(): boolean {
    return this.consult !== null && this.inBridge === 'mixing';
  }
  markCallerGone(): void {
    if (this.gone) return;
    this.gone = true;
    this.ended.abort(CALLER_GONE);
  }

  /** Inserts the row and the first event. */
  static async create(deps: CallDeps, row: CallRow, reason: string): Promise<Call> {
    const call = new Call(deps, row);
    call.seq = 1;
    const at = row.arrived_at;
    // The row object changes as the call moves on; the insert must carry the state at arrival.
    const initial = call.rowForDb({ ...row });
    const batch = call.batch();
    batch.insertRow = initial;
    batch.events.push({
      call_id: row.id,
      seq: 1,
      at,
      from_state: null,
      event: 'arrive',
      to_state: initial.state,
      data: JSON.stringify({ reason }),
    });
    deps.bus.publish('call.state', { callId: row.id, from: null, to: row.state, queueId: null, agentId: null, at });
    return call;
  }

  /** Rebuilds a call from its row (recovery); events continue after the highest persisted seq. */
  static restore(deps: CallDeps, row: CallRow, lastSeq: number): Call {
    const call = new Call(deps, row);
    call.seq = lastSeq;
    return call;
  }

  /**
   * Applies a named transition. An event the table does not define for the current state is refused and
   * logged as an error (`from -> event -> (undefined)`); returns whether the transition happened.
   */
  transition(
    event: CallEvent,
    reason: string,
    options: { patch?: CallPatch; data?: Record<string, unknown> } = {},
  ): boolean {
    if (this.frozen) {
      this.log.debug({ from: this.state, event }, 'transition ignored: this instance is shutting down');
      return false;
    }
    const from = this.state;
    const to = nextState(from, event);
    if (!to) {
      this.log.error({ callId: this.id, from, event }, `${from} -> ${event} -> (undefined): transition not defined`);
      return false;
    }
    const at = this.deps.now();
    this.state = to;
    const seq = ++this.seq;
    const patch = { ...options.patch };
    Object.assign(this.row, patch, { state: to });
    const data = JSON.stringify({ reason, ...options.data });
    // The event and the row change land in one commit (with whatever else is queued behind the call's last write).
    const batch = this.batch();
    batch.events.push({ call_id: this.id, seq, at, from_state: from, event, to_state: to, data });
    // Set on the new object, not `{ ...columns, state }`: on Node 20 a spread followed by more properties costs
    // microseconds per object, and this runs on every transition.
    const columns = this.rowForDb(patch);
    columns.state = to;
    this.merge(batch, columns);
    this.log.debug({ from, event, to, reason }, 'call transition');
    this.deps.bus.publish('call.state', {
      callId: this.id,
      from,
      to,
      queueId: this.row.queue_id,
      agentId: this.row.agent_id,
      at,
    });
    return true;
  }

  /** Updates CDR columns without a state change. */
  update(patch: CallPatch): void {
    if (this.frozen) return;
    Object.assign(this.row, patch);
    this.merge(this.batch(), this.rowForDb(patch));
  }

  /**
   * Writes of other tables that reference this call (its recording's row, the upload job) in the call's next
   * commit, after its own writes; resolves when they landed (or failed for good).
   */
  writeAlong(...statements: CallStatement[]): Promise<void> {
    this.batch().statements.push(...statements);
    return this.writes;
  }

  /** Resolves when every write issued so far has landed (or failed for good). */
  flushed(): Promise<void> {
    return this.writes;
  }

  setTimer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private rowForDb(patch: CallPatch): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      // DECIMAL columns: keep millisecond precision, never a float artefact.
      out[k] = DECIMAL_SECONDS.has(k) && typeof v === 'number' ? Math.round(v * 1000) / 1000 : v;
    }
    return out;
  }

  /**
   * The batch that the next write joins: the open one, or a new one handed to the database's call writer. It
   * closes when the writer takes it, so everything that happened while the previous commit was on its way
   * lands in one transaction (with other calls' batches): the events in one insert, the row changes merged
   * into one update (or into the insert of the row itself).
   */
  private batch(): CallWrite {
    if (this.open) return this.open;
    const b: CallWrite = {
      callId: this.id,
      log: this.log,
      insertRow: null,
      events: [],
      patch: {},
      statements: [],
      taken: () => {
        if (this.open === b) this.open = null;
      },
    };
    this.open = b;
    this.writes = callWriterFor(this.deps.db).submit(b);
    return b;
  }

  private merge(b: CallWrite, columns: Record<string, unknown>): void {
    Object.assign(b.insertRow ?? b.patch, columns);
  }
}

export function seconds(from: Date | null, to: Date): number | null {
  return from ? Math.max(0, (to.getTime() - from.getTime()) / 1000) : null;
}
