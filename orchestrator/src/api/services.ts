import type { RequestHandler } from 'express';
import type { OutboundCallRequest } from '../calls/service.js';
import type { Config } from '../config/schema.js';
import type { Db } from '../db/knex.js';
import type { EventBus } from '../events/bus.js';
import type { FlowRepository } from '../ivr/flows.js';
import type { Transcript } from '../recording/transcripts.js';
import type { CallAttributes } from '../routing/types.js';
import type { SwitchPort } from '../telephony/port.js';

/**
 * The domain services the API calls into. Every one is optional: a process that has not wired a module still
 * serves the rest of the API, and routes of the missing module answer 503 `unavailable`.
 * The shapes are the smallest the API needs; main.ts adapts the owners' classes to them where names differ.
 */

/** agents/ AgentService: presence changes of one agent (the ACD and wallboard hear them via the bus). */
export interface AgentActions {
  login(agentId: number, endpoint?: string): Promise<unknown>;
  logout(agentId: number): Promise<unknown>;
  pause(agentId: number, reason: string): Promise<unknown>;
  unpause(agentId: number): Promise<unknown>;
  endWrapUp(agentId: number): Promise<unknown>;
}

export interface TransferRequest {
  readonly mode: 'blind' | 'attended';
  /** An endpoint (PJSIP/2001), a number, or `queue:<name>`. */
  readonly target: string;
}

export interface MonitorRequest {
  readonly mode: 'listen' | 'whisper' | 'barge';
  /** What rings: an endpoint (PJSIP/2050) or a number. */
  readonly endpoint: string;
  readonly supervisor: { readonly userId: number; readonly name: string };
}

/** calls/ CallService: controls on a live call. Each throws when the call is not in a state that allows it. */
export interface CallControls {
  hangup(callId: string): Promise<unknown>;
  hold(callId: string): Promise<unknown>;
  unhold(callId: string): Promise<unknown>;
  transfer(callId: string, request: TransferRequest): Promise<unknown>;
  /** The caller joins the agent and the consulted party (three-way). */
  conference(callId: string): Promise<unknown>;
  completeTransfer(callId: string): Promise<unknown>;
  /** A supervisor listens, whispers to the agent or barges in; called again, changes the mode. */
  monitor(callId: string, request: MonitorRequest): Promise<unknown>;
  /** The supervisor leaves the call. */
  stopMonitor(callId: string, userId: number): Promise<unknown>;
  cancelTransfer(callId: string): Promise<unknown>;
  pauseRecording(callId: string): Promise<unknown>;
  resumeRecording(callId: string): Promise<unknown>;
  setDisposition(callId: string, disposition: string): Promise<unknown>;
  /** Places a call for an agent to an E.164 number (click-to-dial). */
  place(request: OutboundCallRequest): Promise<{ readonly callId: string }>;
}

/** routing/ Router.test: which rule a sample call matches (and, ideally, why the others did not). */
export interface RoutingTester {
  test(attributes: CallAttributes): Promise<unknown>;
  /** Checks a rule expression against the live vocabulary (e.g. business hours names); null when fine. */
  validate?(expression: string): string | null;
  /** Re-reads rules, queues and hours after an edit through the API. */
  reload?(): Promise<void>;
}

/** crm/ identification, used for the screen pop when a bus event carries no card. */
export interface CustomerLookup {
  identify(raw: string): Promise<{ customer: unknown }>;
}

/** calls/ CallService views of the calls this process holds (live, in memory). */
export interface LiveCalls {
  list(): ReadonlyArray<{
    readonly callId: string;
    readonly agentId: number | null;
    readonly queueId: number | null;
    readonly state: string;
    /** Who listens in: not for agents' eyes. */
    readonly monitoredBy?: unknown;
  }>;
}

export interface ApiServices {
  readonly agents?: AgentActions;
  readonly calls?: CallControls;
  readonly liveCalls?: LiveCalls;
  readonly routing?: RoutingTester;
  /** The call path's repository, so a publish or DID change clears the cache the calls read through. */
  readonly flows?: Pick<
    FlowRepository,
    'saveVersion' | 'requireKnownNames' | 'publish' | 'rollback' | 'versions' | 'getVersion' | 'getPublished'
  > &
    Partial<Pick<FlowRepository, 'mapDid'>>;
  /**
   * recording/ router factory output for playback and signed links, mounted at /api/recordings after the API's
   * own list and metadata routes. It sees `res.locals.user` when the request is signed in (signed links are not).
   */
  readonly recordingsRouter?: RequestHandler;
  /** The call path's blocked-callers list, reread after the API changes it. */
  readonly blockedCallers?: { reload(): Promise<void> };
  /** Transcripts opened with the recordings' key (a caller's copy of their data, privacy/access.ts). */
  readonly transcripts?: (recordingIds: readonly string[]) => Promise<readonly Transcript[]>;
}

export interface ApiDeps {
  readonly db: Db;
  readonly config: Config;
  readonly bus: EventBus;
  readonly switchPort: Pick<
    SwitchPort,
    'connectionStates' | 'reload' | 'endpointContacts' | 'outboundRegistrations'
  >;
  readonly services: ApiServices;
  readonly now: () => Date;
}
