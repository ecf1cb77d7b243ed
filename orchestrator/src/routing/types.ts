/**
 * The contract between the call flow (calls/) and routing + agents (routing/, agents/).
 * The router maps a call's attributes to a queue, priority and skills; the ACD matches waiting calls with agents,
 * reserving each agent by an atomic conditional update in the database, and tells the call flow whom to ring.
 */

export type Tier = 'standard' | 'gold' | 'diamond';

export interface SkillRequirement {
  readonly skill: string;
  readonly minLevel: number;
}

/** What the router may look at. Every field is available to rule expressions under the same name. */
export interface CallAttributes {
  readonly did: string;
  readonly callerE164: string | null;
  readonly customerId: number | null;
  readonly tier: Tier | null;
  readonly language: string;
  /** IVR choices and collected values by variable name, e.g. { menu: '1', intent: 'orders', order_no: '12345' }. */
  readonly ivr: Readonly<Record<string, string>>;
  /** Categories of the customer's last contacts, newest first (e.g. ['logistics', 'logistics', 'billing']). */
  readonly recentCategories: readonly string[];
  readonly now: Date;
}

export interface RouteDecision {
  readonly queueId: number;
  readonly queueName: string;
  readonly priority: number;
  readonly requiredSkills: readonly SkillRequirement[];
  readonly ruleId: number;
  readonly ruleName: string;
}

export interface Router {
  route(attributes: CallAttributes): Promise<RouteDecision>;
}

export interface WaitingCall {
  readonly callId: string;
  readonly queueId: number;
  readonly priority: number;
  readonly requiredSkills: readonly SkillRequirement[];
  readonly enqueuedAt: Date;
  /** Asterisk node of the caller's channel: the agent leg is originated there. */
  readonly node: string;
}

/** One agent the ACD reserved for a call. */
export interface OfferedAgent {
  readonly agentId: number;
  readonly agentName: string;
  readonly endpoint: string;
  /** Their phone answers on its own (calls/auto-answer.ts). */
  readonly autoAnswer?: boolean;
}

/**
 * The ACD reserved this agent for this call (agents.state = 'reserved'); the call flow must now ring them.
 * A ring_all offer reserves several agents at once: `group` lists them all (the first is the one in
 * `agentId`/`agentName`/`endpoint`), the call flow rings every one, the first to answer takes the call and the
 * others are released with `offerFailed(…, 'cancelled')`. Every other strategy offers one agent (no `group`).
 */
export interface AgentOffer extends OfferedAgent {
  readonly callId: string;
  readonly queueId: number;
  readonly ringTimeoutSeconds: number;
  readonly group?: readonly OfferedAgent[];
}

/**
 * Why an offer to one agent ended without a conversation. `cancelled`: another agent of the same ring_all offer
 * answered first; like `caller_gone` it is not a miss and does not cool the agent down.
 */
export type OfferFailure = 'no_answer' | 'busy' | 'unreachable' | 'caller_gone' | 'cancelled' | 'error';

export interface QueuePosition {
  readonly position: number; // 1 = next to be offered
  readonly waiting: number;
  readonly estimatedWaitSeconds: number;
}

/** Queue-timing outcomes the ACD decides and the call flow carries out. */
export type QueueTimerEvent =
  | {
      readonly type: 'overflow';
      readonly callId: string;
      readonly step: number;
      readonly description: string;
      readonly newQueueId?: number;
    }
  | {
      readonly type: 'max_wait';
      readonly callId: string;
      readonly action: 'voicemail' | 'callback' | 'hangup' | 'queue';
      readonly target?: string;
    }
  | { readonly type: 'no_agents'; readonly callId: string; readonly action: 'voicemail' | 'callback' | 'hangup' };

export interface Acd {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A call enters (or re-enters) a queue. Matching happens now and whenever an agent frees up. */
  enqueue(call: WaitingCall): void;
  /** Caller left (abandon, callback, voicemail): remove without offering. Returns whether it was waiting. */
  remove(callId: string): boolean;
  /** The agent answered: agent goes on_call. */
  offerAnswered(callId: string, agentId: number): Promise<void>;
  /**
   * The offer failed: the agent is released (and counted as a miss for no_answer). The call returns to the head
   * once no agent of the offer is left ringing and none answered (not for caller_gone or cancelled).
   */
  offerFailed(callId: string, agentId: number, reason: OfferFailure): Promise<void>;
  /**
   * Holds an agent for a call placed for them, so no queue offers them a call meanwhile. A call the agent places
   * themselves may start from a pause or wrap-up too (a pause resumes when the call is over); a campaign's call
   * only for an available agent. Settled like an offer: offerAnswered once their phone is picked up, offerFailed
   * (cancelled: no miss) otherwise. False when the agent cannot take it (logged out, on a call, phone offline,
   * being offered a call, or not available for a campaign).
   */
  reserveAgent(agentId: number, callId: string, placedBy: 'agent' | 'campaign'): Promise<boolean>;
  position(callId: string): QueuePosition | null;
  onOffer(handler: (offer: AgentOffer) => void): void;
  onTimer(handler: (event: QueueTimerEvent) => void): void;
}
