/**
 * Agent presence as a transition table: a (state, event) pair that is not listed is an invalid transition, logged
 * as `from -> event -> (undefined)` and refused, never a silent no-op.
 *
 * Capacity above 1 (several simultaneous calls) keeps the agent `on_call` while another call is reserved,
 * answered or ended; the service checks the capacity guard, the table only says which moves exist.
 */
export const AGENT_STATES = ['logged_out', 'available', 'reserved', 'on_call', 'wrap_up', 'paused'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export const AGENT_EVENTS = [
  'login',
  'logout',
  'reserve',
  'dial',
  'answer',
  'release',
  'resume_pause',
  'miss_pause',
  'call_ended',
  'last_call_ended',
  'wrap_up_done',
  'extend_wrap_up',
  'pause',
  'pause_after',
  'unpause',
] as const;
export type AgentEvent = (typeof AGENT_EVENTS)[number];

export const AGENT_TRANSITIONS: Readonly<Record<AgentState, Partial<Record<AgentEvent, AgentState>>>> = {
  logged_out: { login: 'available' },
  available: { reserve: 'reserved', dial: 'reserved', pause: 'paused', logout: 'logged_out', login: 'available' },
  // An offer in progress: the ACD holds the agent for one call, a caller's or one the agent places (`dial`, also
  // from a pause or wrap-up). An agent who dialled from a pause keeps its reason and goes back to it
  // (`resume_pause`) when the call is over.
  // `pause_after`: a pause due now (a scheduled break) waits for the agent's call and its after-call work; the
  // reason goes on the row, which then ends in `resume_pause` like a call dialled from a pause.
  reserved: {
    answer: 'on_call',
    release: 'available',
    resume_pause: 'paused',
    miss_pause: 'paused',
    pause_after: 'reserved',
  },
  // With capacity > 1 the agent may be offered, answer and end further calls without leaving on_call.
  on_call: {
    reserve: 'on_call',
    answer: 'on_call',
    release: 'on_call',
    miss_pause: 'on_call',
    call_ended: 'on_call',
    last_call_ended: 'wrap_up',
    pause_after: 'on_call',
  },
  wrap_up: {
    wrap_up_done: 'available',
    resume_pause: 'paused',
    extend_wrap_up: 'wrap_up',
    pause_after: 'wrap_up',
    pause: 'paused',
    dial: 'reserved',
    logout: 'logged_out',
  },
  paused: { unpause: 'available', pause: 'paused', dial: 'reserved', logout: 'logged_out', login: 'paused' },
};

export function nextAgentState(from: AgentState, event: AgentEvent): AgentState | undefined {
  return AGENT_TRANSITIONS[from][event];
}

/** The states `event` leaves from (the conditional UPDATE of a reservation checks the row is in one of them). */
export function statesWith(event: AgentEvent): readonly AgentState[] {
  return AGENT_STATES.filter((s) => AGENT_TRANSITIONS[s][event] !== undefined);
}

/** The states an agent can go to from wrap-up (ended, paused or logged out): its after-call work is over. */
const AFTER_WRAP_UP: ReadonlySet<string> = new Set(
  Object.values(AGENT_TRANSITIONS.wrap_up).filter((to) => to !== 'wrap_up'),
);

export function endsWrapUp(state: string): boolean {
  return AFTER_WRAP_UP.has(state);
}

export function isAgentState(value: unknown): value is AgentState {
  return typeof value === 'string' && (AGENT_STATES as readonly string[]).includes(value);
}

/** A transition the table does not allow; `code` lets the API answer 409. */
export class AgentTransitionError extends Error {
  readonly code = 'bad_state';
  constructor(
    readonly agentId: number,
    readonly from: AgentState,
    readonly event: AgentEvent,
  ) {
    super(`agent ${agentId}: ${from} -> ${event} -> (undefined): transition not defined`);
    this.name = 'AgentTransitionError';
  }
}
