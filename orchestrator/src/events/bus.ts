import { EventEmitter } from 'node:events';

/**
 * The internal event bus: domain modules publish what happened, the API layer pushes it over WebSocket to
 * agents (their own events), supervisors and wallboards. Publishing never throws and never waits for listeners.
 */
export interface CampaignOfCall {
  readonly id: number;
  readonly name: string;
  readonly contact: string | null;
  /** The campaign's script for this call, its placeholders filled (campaigns/script.ts); null: none. */
  readonly script: string | null;
}

export interface BusEvents {
  /** Screen pop: sent to the agent the call is offered to. `customer` is the CRM card (null when unknown). */
  'call.offered': {
    callId: string;
    agentId: number;
    queueId: number | null;
    caller: string;
    customer: unknown;
    ivr: Record<string, string>;
    /** outbound: the agent placed the call and `caller` is the number being called. */
    direction: 'inbound' | 'outbound';
    /** An outbound call the dialler placed for a campaign: which one, and the contact's name in its list. */
    campaign?: CampaignOfCall;
  };
  'call.connected': { callId: string; agentId: number; queueId: number | null };
  /** The agent's offer ended without them taking the call (no answer, another ring_all agent won, caller left). */
  'call.offer_ended': { callId: string; agentId: number; queueId: number | null; reason: string };
  'call.ended': { callId: string; agentId: number | null; queueId: number | null; disposition: string };
  /** The party an agent consulted (or had in a conference) hung up on their own: the caller is back with the agent. */
  'call.consult_ended': { callId: string; agentId: number; queueId: number | null; target: string };
  /** Every call state change (for the wallboard and supervisors). */
  'call.state': {
    callId: string;
    from: string | null;
    to: string;
    queueId: number | null;
    agentId: number | null;
    at: Date;
  };
  'agent.state': { agentId: number; state: string; reason: string | null; since: Date };
  /** A supervisor scored one of the agent's calls (quality/): sent to that agent. */
  'evaluation.created': {
    evaluationId: number;
    agentId: number;
    callId: string;
    scorePct: number | null;
    failedCritical: boolean;
  };
  'queue.changed': { queueId: number };
  /** A supervisor granted, refused, recorded or cancelled an agent's time off (shifts/time-off.ts): sent to that agent. */
  'time-off.decided': {
    timeOffId: number;
    agentId: number;
    status: string;
    fromDay: string;
    toDay: string;
    kind: string;
    decisionNote: string | null;
  };
  /**
   * Shifts were added, changed or removed (shifts/), or an agent's availability: the wallboard rereads the schedule,
   * staff are told (an open Schedule page rereads), and so are the agents whose published shifts they were (`all`: a
   * copy of the whole rota; none for drafts), so their workspace rereads theirs.
   */
  'schedule.changed': { agentIds: readonly number[] | 'all' };
  /**
   * A scheduled activity began and its agent was paused for it (`afterCall`: will be, when their call is over), by
   * shifts/activity-pauses.ts: the agent is told why.
   */
  'activity.paused': { agentId: number; kind: string; startTime: string; endTime: string; afterCall: boolean };
  /**
   * A caller was erased (privacy/erasure.ts): this orchestrator's identification cache forgets their numbers at once
   * (another's, within its 30 s). In-process only, never logged: it carries the numbers.
   */
  'customer.erased': { numbers: readonly string[] };
  /** Drafts starting on the days from `from` to `to` were published: their agents are told (shifts/publish.ts). */
  'schedule.published': { from: string; to: string; agentIds: readonly number[] };
  /** An agent asked for time off: supervisors and admins are told (the Schedule page's count of requests waiting). */
  'time-off.requested': { timeOffId: number; agentId: number };
  /**
   * A shift trade was offered, accepted, declined, cancelled or decided (shifts/trades.ts): sent to the agents in it
   * (to every agent when it was offered to anyone, whose lists show it until someone takes it) and to staff.
   */
  'shift-trade.changed': {
    tradeId: number;
    status: string;
    fromAgentId: number;
    toAgentId: number | null;
    toAnyone: boolean;
  };
}

export type BusEventName = keyof BusEvents;

export class EventBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    // Many API sockets may listen; a listener count warning would only be noise.
    this.emitter.setMaxListeners(0);
  }

  publish<K extends BusEventName>(name: K, payload: BusEvents[K]): void {
    for (const listener of this.emitter.listeners(name)) {
      try {
        (listener as (p: BusEvents[K]) => void)(payload);
      } catch {
        // A broken subscriber must not break the call path.
      }
    }
  }

  subscribe<K extends BusEventName>(name: K, listener: (payload: BusEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
