/**
 * The call state machine as a table: (state, event) → next state. Anything not in the table is refused and logged
 * as `from -> event -> to` with the call id; nothing changes silently. Self-transitions (connected --hold-->
 * connected) exist so that every agent action is a named event in call_events too.
 *
 * An inbound call runs arriving → identifying → in_ivr → queued → offering → connected; a call an agent places
 * runs arriving → dialing → connected. From connected on, both end the same way.
 */
export const CALL_STATES = [
  'arriving',
  'dialing',
  'identifying',
  'in_ivr',
  'queued',
  'offering',
  'connected',
  'wrap_up',
  'ended',
  'abandoned',
] as const;
export type CallState = (typeof CALL_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<CallState> = new Set(['ended', 'abandoned']);

export const TRANSITIONS = {
  arriving: {
    identify: 'identifying',
    caller_hangup: 'abandoned',
    /** An outbound call: the agent's phone answered and the customer's number is being rung. */
    dial: 'dialing',
    /** An outbound call the agent's phone did not take: nothing was dialled. */
    not_placed: 'ended',
    /** An inbound caller on the blocked list, hung up as rejected before anything else. */
    blocked: 'ended',
    fail: 'ended',
    recovered: 'ended',
  },
  /** An outbound call: the agent hears ringback while the customer's phone rings. */
  dialing: {
    answer: 'connected',
    /** No answer, busy or unreachable: the disposition says which. */
    not_answered: 'ended',
    /** The agent gave up before the customer answered. */
    agent_hangup: 'ended',
    fail: 'ended',
    recovered: 'ended',
  },
  identifying: {
    start_ivr: 'in_ivr',
    enqueue: 'queued',
    caller_hangup: 'abandoned',
    fail: 'ended',
    recovered: 'ended',
  },
  in_ivr: {
    enqueue: 'queued',
    /** The IVR bridged the caller to a number (transfer node). */
    transfer: 'connected',
    /** The flow hung up after serving the caller (e.g. order status read back). */
    self_service_done: 'ended',
    voicemail_done: 'ended',
    ivr_hangup: 'ended',
    caller_hangup: 'abandoned',
    fail: 'ended',
    recovered: 'ended',
  },
  queued: {
    offer: 'offering',
    /** Overflow step or explicit queue move while waiting. */
    overflow: 'queued',
    move_queue: 'queued',
    callback_requested: 'ended',
    voicemail_done: 'ended',
    timeout_hangup: 'ended',
    caller_hangup: 'abandoned',
    fail: 'ended',
    recovered: 'ended',
  },
  offering: {
    answer: 'connected',
    /** No answer / busy / unreachable: back to the head of the queue. */
    offer_failed: 'queued',
    caller_hangup: 'abandoned',
    fail: 'ended',
    recovered: 'ended',
  },
  connected: {
    hold: 'connected',
    unhold: 'connected',
    recording_paused: 'connected',
    recording_resumed: 'connected',
    consult_start: 'connected',
    consult_answered: 'connected',
    consult_failed: 'connected',
    consult_cancel: 'connected',
    /** The caller joined the consultation: three-way. */
    consult_conference: 'connected',
    consult_complete: 'connected',
    /** A supervisor listens, whispers to the agent or barges in (calls/supervision.ts). */
    monitor_start: 'connected',
    monitor_mode: 'connected',
    monitor_end: 'connected',
    transfer_number: 'connected',
    transfer_answered: 'connected',
    /** A transfer to a number found nobody: the caller goes back to a queue. */
    transfer_failed: 'queued',
    transfer_queue: 'queued',
    caller_hangup: 'wrap_up',
    agent_hangup: 'wrap_up',
    /** The call ended while the caller talked to a transferred-to party (no agent left on it). */
    party_hangup: 'ended',
    fail: 'ended',
    recovered: 'ended',
  },
  wrap_up: {
    disposition: 'wrap_up',
    wrap_up_done: 'ended',
    recovered: 'ended',
  },
  ended: {
    disposition: 'ended',
  },
  abandoned: {},
} as const satisfies Record<CallState, Record<string, CallState>>;

export type CallEvent = { [S in CallState]: keyof (typeof TRANSITIONS)[S] }[CallState];

export function nextState(from: CallState, event: string): CallState | null {
  const row = TRANSITIONS[from] as Readonly<Record<string, CallState>>;
  return Object.hasOwn(row, event) ? (row[event] as CallState) : null;
}

export class InvalidTransition extends Error {
  constructor(
    readonly callId: string,
    readonly from: CallState,
    readonly event: string,
  ) {
    super(`call ${callId}: ${from} -> ${event} -> (undefined)`);
    this.name = 'InvalidTransition';
  }
}
