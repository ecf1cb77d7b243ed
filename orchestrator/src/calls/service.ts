import { randomUUID } from 'node:crypto';
import { endpointOfChannel, isFeatureCall } from '../agents/feature-codes.js';
import { endpointHolder } from '../agents/repository.js';
import { endsWrapUp } from '../agents/states.js';
import type { Db } from '../db/knex.js';
import type { CampaignOfCall, EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { CustomerIdentifier } from '../crm/identify.js';
import type { FlowRepository, PublishedFlow } from '../ivr/flows.js';
import { runFlow, type IvrEnvironment } from '../ivr/interpreter.js';
import {
  AMD_DIALPLAN,
  isDetectionReturn,
  isMachine,
  MESSAGE_DIALPLAN,
  MESSAGE_VARIABLE,
  type MachineHandling,
} from '../campaigns/machine.js';
import { requestCallback } from '../routing/callbacks.js';
import { recordIvrResponse, runIvrSurvey } from '../surveys/ivr.js';
import type { SurveyChannel } from '../surveys/replies.js';
import type {
  Acd,
  AgentOffer,
  CallAttributes,
  OfferedAgent,
  OfferFailure,
  QueueTimerEvent,
  RouteDecision,
  Router,
} from '../routing/types.js';
import {
  isSwitchError,
  type ChannelEvent,
  type InboundChannel,
  type MediaTarget,
  type OriginateOptions,
  type OriginateOutcome,
  type PlaybackHandle,
  type RecordingHandle,
  type RecordingResult,
  type SwitchPort,
} from '../telephony/port.js';
import {
  arrivingCallRow,
  Call,
  seconds,
  type AgentLeg,
  type CallDeps,
  type CallPatch,
  type CallDirection,
  type CallRow,
  type PartyLeg,
} from './call.js';
import type { CallStatement } from './writer.js';
import { ChannelIo, playAndWait } from './media.js';
import { doNotCallEntry, doNotCallReason } from './do-not-call.js';
import {
  DIRECT_DIAL_CONTEXT,
  isDeskDialOut,
  parseDeskDialOut,
  TRUNK_FAILURE_CAUSES,
  trunkDialString,
  type TrunkAttempt,
} from './dial-out.js';
import type { QueueSettings, QueueSettingsStore } from './queues.js';
import { autoAnswerVariables } from './auto-answer.js';
import { CallControlError } from './control-error.js';
import { CallRegistry } from './registry.js';
import { ANONYMOUS, type BlockedCallers } from './blocked-callers.js';
import { dbMonitorStore, type MonitorRecord } from './monitor-store.js';
import { Supervision, type MonitorMode, type MonitorSession, type Supervisor } from './supervision.js';
import type { CallState } from './states.js';

/** What the call flow needs from the agent service: wrap-up starts when the agent leg ends. */
export interface AgentCallHooks {
  callEnded(agentId: number, callId: string, wrapUpSeconds: number): Promise<unknown>;
  /**
   * The switch refused to ring this endpoint (unknown or not registered): mark it offline so the ACD stops
   * offering calls to it until the phone registers again (AgentService.setEndpointOnline).
   */
  setEndpointOnline?(endpoint: string, online: boolean): Promise<unknown>;
}

export interface CallTimings {
  /** Budget for one prompt list (a playback of an unknown scheme never finishes). */
  readonly playbackTimeoutMs: number;
  /** Budget for identification as a whole (local + external CRM). */
  readonly identifyTimeoutMs: number;
  /** Budget for one routing decision. */
  readonly routeTimeoutMs: number;
  /** Ring time for transfer targets and consulted parties. */
  readonly transferRingSeconds: number;
  /** Ring time of an agent's own phone for a call they asked to place. */
  readonly ownPhoneRingSeconds: number;
  /** Wrap-up when the queue is unknown. */
  readonly defaultWrapUpSeconds: number;
  /** Budget for a switch request whose reply we wait for (beyond the adapter's own). */
  readonly switchTimeoutMs: number;
}

export const DEFAULT_TIMINGS: CallTimings = {
  playbackTimeoutMs: 60_000,
  identifyTimeoutMs: 1_500,
  routeTimeoutMs: 2_000,
  transferRingSeconds: 30,
  ownPhoneRingSeconds: 30,
  defaultWrapUpSeconds: 30,
  switchTimeoutMs: 10_000,
};

export interface CallServiceOptions {
  readonly db: Db;
  readonly switchPort: SwitchPort;
  readonly router: Router;
  readonly acd: Acd;
  readonly agents: AgentCallHooks;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly identifier: CustomerIdentifier;
  readonly flows: FlowRepository;
  readonly queues: QueueSettingsStore;
  readonly ivr: Omit<IvrEnvironment, 'logger' | 'now'>;
  /** This orchestrator's id: the `owner` of its calls, for recovery after a restart. */
  readonly instanceId: string;
  readonly now?: () => Date;
  readonly timings?: Partial<CallTimings>;
  /** Language of a caller nobody knows and no IVR asked (routing sees it as `language`). */
  readonly defaultLanguage?: string;
  /** Queue for a caller whose flow broke and whom the router cannot place either. */
  readonly defaultQueueName?: string;
  /** Dial string for a number: a plain number goes out through this (default `PJSIP/{number}`). */
  readonly dialString?: (number: string) => string;
  readonly recordingUploads?: RecordingUploads;
  readonly followUps?: CallFollowUps;
  /** Callers turned away on arrival (calls/blocked-callers.ts); absent, every caller is taken. */
  readonly blockedCallers?: Pick<BlockedCallers, 'blockedNumberOf' | 'hit'>;
  /** Calls agents place: the number presented to the customer and how long their phone rings. */
  readonly outbound?: OutboundSettings;
}

export interface OutboundSettings {
  /** E.164 caller id sent on the customer's leg; unset, the trunk's own. */
  readonly callerId?: string;
  /** The customer's phone rings this long before the call counts as not answered. */
  readonly ringSeconds: number;
  /** The trunk's name, for the CDR. */
  readonly trunk?: string;
  /** The trunk tried when the first cannot carry the call (never after busy or no answer). */
  readonly backupTrunk?: string;
}

/** How the customer's number is dialled for an agent on the line. */
interface CustomerDial {
  readonly attempts: readonly TrunkAttempt[];
  readonly callerId?: string;
  /** Channel variables of the customer's leg (the presentation of a withheld number). */
  readonly variables?: Readonly<Record<string, string>>;
  /** The agent dialled on their desk phone: their channel is not answered until the customer is. */
  readonly agentDialled?: boolean;
  /** The answer is screened for an answering machine first (a campaign's call), and a machine handled so. */
  readonly machine?: MachineHandling;
}

/** Whom the IVR survey asks, and in which words. */
interface SurveyedCaller {
  readonly callId: string;
  readonly channelId: string;
  readonly language: string | null;
  readonly customerId: number | null;
  /** The queue's own question; null: the shipped one. */
  readonly question: string | null;
}

/** A call an agent asks to place; the number has passed the outbound policy (calls/outbound-numbers.ts). */
export interface OutboundCallRequest {
  readonly agent: {
    readonly id: number;
    readonly name: string;
    readonly endpoint: string;
    /** Their phone answers on its own: for a call they place, it rings only to connect them. */
    readonly autoAnswer?: boolean;
  };
  /** E.164. */
  readonly number: string;
  /** The queue it is made for (a callback's), which gives its recording, wrap-up and survey settings. */
  readonly queueId: number | null;
  /** The call's id, chosen by whoever places it (the dialler names its contact's call before placing it). */
  readonly callId?: string;
  /** The number presented to the customer, instead of ARIADNE_OUTBOUND_CALLER_ID. */
  readonly callerId?: string;
  /** Placed by the dialler for this campaign: the screen pop says so. */
  readonly campaign?: CampaignOfCall;
  /** The customer's answer is screened for an answering machine, and a machine handled so (campaigns/machine.ts). */
  readonly machine?: MachineHandling;
}

/** What the call flow knows of a finished call that its row does not say. */
export interface FinishedCall {
  readonly row: CallRow;
  /** The survey of the queue whose agent took the call ('none' when no agent did, or after a restart). */
  readonly survey: SurveyChannel;
  /** The queue whose agent took the call transcribes its recordings. */
  readonly transcribed: boolean;
  readonly queueName: string | null;
  /** The identified customer's name (the trunk's caller name is often empty or a placeholder). */
  readonly customerName: string | null;
  /** The `category` variable an IVR menu set, if any. */
  readonly ivrCategory: string | null;
  readonly language: string;
}

/** What follows a finished call (aftercall/): statements that ride its last commit. */
export interface CallFollowUps {
  queueWith(call: FinishedCall): { readonly statements: CallStatement[]; committed(): void };
}

/** A recording the call flow has just closed, as its row now stands: its upload's first attempt need not read it. */
export interface ClosedRecording {
  readonly callId: string;
  readonly name: string;
  readonly node: string | null;
  readonly format: string;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly durationS: number;
  /** The retention of the recording's queue; null when it has none (storage's default applies). */
  readonly retentionDays: number | null;
  /** The recording's queue transcribes its recordings once stored. */
  readonly transcribe: boolean;
}

/** A recording this process started, as its row was inserted. */
interface StartedRecording {
  readonly name: string;
  readonly startedAt: Date;
  readonly queueId: number | null;
  readonly format: string;
}

/** How a stored recording's upload gets queued (the recording pipeline's outbox). */
export interface RecordingUploads {
  /** Statements that queue the upload in someone else's commit; `committed` is called once they landed. */
  queueWith(recordingId: string, closed?: ClosedRecording): { readonly statements: CallStatement[]; committed(): void };
  /** Marks the recording stored and queues its upload in a commit of its own (recovery, outside a live call). */
  queue(recordingId: string): Promise<void>;
}

export type TransferTarget = { readonly queue: string | number } | { readonly number: string };

export { CallControlError };

export interface CallSnapshot {
  readonly callId: string;
  readonly state: CallState;
  readonly direction: CallDirection;
  readonly channelId: string;
  readonly caller: string;
  readonly callerE164: string | null;
  readonly did: string;
  readonly customerId: number | null;
  readonly tier: string | null;
  readonly queueId: number | null;
  readonly priority: number;
  readonly agentId: number | null;
  readonly held: boolean;
  readonly consulting: string | null;
  /** The consulted party talks with the caller and the agent at once. */
  readonly conference: boolean;
  /** Supervisors on the call (calls/supervision.ts); the API shows them to staff only. */
  readonly monitoredBy: readonly (Supervisor & { readonly mode: MonitorMode })[];
  readonly transferredTo: string | null;
  readonly recording: { readonly name: string; readonly paused: boolean } | null;
  readonly ivr: Readonly<Record<string, string>>;
  readonly arrivedAt: Date;
  readonly announcements: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const GONE_CODES = new Set(['not_found', 'not_in_stasis']);

/** The wait for AMD()'s verdict: amd.conf's total_analysis_time (5 s) and the dialplan's own steps, with room. */
const AMD_WAIT_MS = 10_000;

// MOVES_BRIDGE: adding a channel to a bridge takes it out of the Stasis bridge it is in first (Asterisk's
// control_swap_channel_in_bridge departs the current bridge before imparting; the simulator and the fakes do the
// same), so moving the caller between its holding and mixing bridges is one addChannel, not removeChannel + addChannel.

/**
 * The agent legs of one offer, ringing at once: one leg, or every agent of a ring_all offer. The first leg to
 * answer wins (claimed synchronously, so two answers in the same instant still give one winner).
 */
interface Ring {
  /** Legs still ringing whose offer is not settled (neither failed, cancelled nor won). */
  readonly legs: Set<AgentLeg>;
  /** How each leg that ended without an answer ended, in order. */
  readonly failures: Array<{ readonly agentId: number; readonly reason: OfferFailure }>;
  /** A ring_all offer (several agents). */
  readonly group: boolean;
  winner: AgentLeg | null;
}

/**
 * The inbound call, end to end: one `Call` per inbound channel, driven from arrival through identification,
 * IVR, queue, offer and conversation to wrap-up, with the agent-side controls the API calls.
 *
 * Holding bridges are per call, not per queue: position and estimated-wait announcements are personal, and a
 * per-call bridge lets them be played to the bridge without reaching other callers. The bridge is created when
 * the call first queues, reused for hold and consult, and deleted when the call ends (a holding bridge outlives
 * its last channel on Asterisk).
 */
export class CallService {
  readonly registry = new CallRegistry();
  private readonly timings: CallTimings;
  private readonly now: () => Date;
  private readonly deps: CallDeps;
  private readonly ios = new Map<string, ChannelIo>();
  private readonly unwatchCaller = new Map<string, () => void>();
  private readonly announceCounts = new Map<string, number>();
  /** Offers ringing, by call id. */
  private readonly rings = new Map<string, Ring>();
  private accepting = false;
  /** Shutting down: waits the switch adapter settles on its way out say nothing about the calls. */
  private stopping = false;

  /** Supervisors listening, whispering or barging in on agents' calls. */
  private readonly supervision: Supervision;

  constructor(private readonly o: CallServiceOptions) {
    this.timings = { ...DEFAULT_TIMINGS, ...o.timings };
    this.now = o.now ?? (() => new Date());
    this.deps = { db: o.db, bus: o.bus, logger: o.logger, now: this.now };
    this.supervision = new Supervision({
      switchPort: o.switchPort,
      ring: (options) => this.originateAndWait(options, 'supervisor ring'),
      switchOp: (op) => this.switchOp(op),
      ringSeconds: this.timings.transferRingSeconds,
      store: dbMonitorStore(o.db, o.logger, this.now),
    });
  }

  /** Calls in wrap_up by their agent, so the agent leaving wrap-up early ends the call's wrap-up too. */
  private readonly wrapUpByAgent = new Map<number, Call>();
  private unsubscribeAgentState: (() => void) | undefined;

  /** Registers the handlers. Called once by createCallCenter().start(). */
  attach(): void {
    this.accepting = true;
    // The agent may end after-call work early (workspace button, API): the call's wrap-up ends with it. Only a
    // state that leaves wrap-up counts: the agent's answer may be heard after the caller hung up (its write was
    // slow, or another instance's news), and that on_call must not end the wrap-up the caller just started.
    this.unsubscribeAgentState = this.o.bus.subscribe('agent.state', (e) => {
      if (!endsWrapUp(e.state)) return;
      const call = this.wrapUpByAgent.get(e.agentId);
      if (call) this.finishWrapUp(call, 'agent ended wrap-up');
    });
    this.o.switchPort.onInbound((channel) => {
      // Agent feature codes (*11 login ...) enter the same app but are not calls; agents/feature-codes.ts takes them.
      if (isFeatureCall(channel)) return;
      if (isDetectionReturn(channel)) {
        this.o.logger.warn(
          { channelId: channel.channelId, callId: channel.args[1] },
          'a campaign call came back from answering-machine detection after a restart: hung up',
        );
        this.o.switchPort.hangup(channel.channelId).catch(() => undefined);
        return;
      }
      if (isDeskDialOut(channel)) {
        this.onDeskDialOut(channel).catch((err: unknown) =>
          this.o.logger.error({ err, channelId: channel.channelId }, 'desk phone dial-out failed'),
        );
        return;
      }
      if (!this.accepting) return;
      this.onInbound(channel).catch((err: unknown) =>
        this.o.logger.error({ err, channelId: channel.channelId }, 'inbound call setup failed'),
      );
    });
    this.o.acd.onOffer((offer) => {
      this.onOffer(offer).catch((err: unknown) =>
        this.o.logger.error({ err, callId: offer.callId }, 'offer handling failed'),
      );
    });
    this.o.acd.onTimer((event) => {
      this.onQueueTimer(event).catch((err: unknown) =>
        this.o.logger.error({ err, callId: event.callId }, 'queue timer handling failed'),
      );
    });
  }

  /** Stops taking new calls and releases timers and watchers; live channels stay in Stasis for recovery. */
  async detach(): Promise<void> {
    this.accepting = false;
    this.stopping = true;
    this.unsubscribeAgentState?.();
    for (const call of this.registry.list()) {
      call.frozen = true;
      call.clearTimers();
      this.unwatchCaller.get(call.id)?.();
      call.agent?.unwatch();
      call.party?.unwatch();
      call.consult?.unwatch();
      for (const leg of this.rings.get(call.id)?.legs ?? []) leg.unwatch();
    }
    // Writes already issued land; live recordings are not waited for (they run until their call ends, and
    // recovery hands them on after a restart).
    await Promise.allSettled(this.registry.list().map((c) => c.flushed()));
  }

  // ============================================================================================================
  // Arrival, identification, IVR
  // ============================================================================================================

  private async onInbound(ch: InboundChannel): Promise<void> {
    // Subscribe before creating: a digit (or hang-up) in the same WebSocket read as StasisStart is dispatched
    // before Call.create resolves; it is kept here and replayed once the call is adopted.
    const early: ChannelEvent[] = [];
    const unwatch = this.o.switchPort.watchChannel(ch.channelId, (event) => void early.push(event));
    const now = this.now();
    const row = arrivingCallRow({
      id: randomUUID(),
      node: ch.node,
      channel_id: ch.channelId,
      owner: this.o.instanceId,
      caller_raw: (ch.callerNumber ?? '').slice(0, 64),
      caller_name: ch.callerName ? ch.callerName.slice(0, 128) : null,
      did: (ch.args[0] || ch.dialedExten || '').slice(0, 32),
      trunk: ch.args[1] ? ch.args[1].slice(0, 64) : null,
      arrived_at: now,
    });
    let call: Call;
    try {
      call = await Call.create(this.deps, row, 'StasisStart');
    } catch (err) {
      unwatch();
      throw err;
    }
    this.adopt(call);
    // adopt() watches the channel for the call from here on; the early watch only bridged the gap.
    unwatch();
    for (const event of early.splice(0)) this.onCallerEvent(call, event);
    // args[2]: CALLERID(num-pres) from dialplans/inbound.conf; prohib_* is a number the caller withheld.
    await this.runInbound(call, ch.state === 'Up', (ch.args[2] ?? '').startsWith('prohib'));
  }

  /** Registers a call and subscribes to its channel (new calls and calls recovered after a restart). */
  private adopt(call: Call): void {
    this.registry.add(call);
    this.ios.set(
      call.id,
      new ChannelIo(this.o.switchPort, call.id, call.channelId, call.signal, this.timings.playbackTimeoutMs),
    );
    this.unwatchCaller.set(
      call.id,
      this.o.switchPort.watchChannel(call.channelId, (event) => this.onCallerEvent(call, event)),
    );
  }

  /** `answered`: the dialplan answered before Stasis (dialplans/inbound.conf does), so no request is needed. */
  private async runInbound(call: Call, answered: boolean, withheld = false): Promise<void> {
    const blocked = this.o.blockedCallers?.blockedNumberOf(call.row.caller_raw, withheld) ?? null;
    if (blocked) {
      this.turnAway(call, blocked);
      return;
    }
    if (!answered) {
      try {
        await withTimeout(this.o.switchPort.answer(call.channelId), this.timings.switchTimeoutMs, 'answer');
      } catch (err) {
        if (call.callerGone || call.finished) return;
        if (isSwitchError(err) && GONE_CODES.has(err.code)) {
          this.onCallerGone(call, 16, `gone before answer (${err.code})`);
          return;
        }
        throw err;
      }
    }
    if (call.callerGone || !call.transition('identify', answered ? 'answered by the dialplan' : 'answered')) return;
    await this.identify(call);
    if (call.callerGone) return;

    let flow: PublishedFlow | null = null;
    try {
      flow = await this.o.flows.forDid(call.row.did);
    } catch (err) {
      call.log.error({ err }, 'cannot load the IVR flow; routing directly');
    }
    if (call.callerGone) return;
    if (flow) {
      if (
        !call.transition('start_ivr', `flow ${flow.name} v${flow.version}`, {
          patch: { ivr_flow: flow.name, ivr_flow_version: flow.version },
        })
      )
        return;
      await this.runIvr(call, flow);
    } else {
      await this.routeAndQueue(call, 'enqueue', 'no IVR flow for this DID');
    }
  }

  /**
   * A blocked caller the dialplan let through (it rejects them before answering when AstDB has them): hung up as
   * rejected (cause 21), before any prompt, unanswered if the dialplan did not answer.
   */
  private turnAway(call: Call, number: string): void {
    // Marked gone first: release() leaves the channel to the hang-up below, with its cause.
    call.markCallerGone();
    this.finish(
      call,
      'blocked',
      number === ANONYMOUS ? 'caller withheld their number, which is blocked' : 'caller is blocked',
      { disposition: 'blocked', hangup_side: 'system', hangup_cause: 21 },
    );
    this.o.switchPort.hangup(call.channelId, 'rejected').catch(() => undefined);
    void this.o.blockedCallers?.hit(number);
  }

  /** The customer on the other end, from the CRM (a failure leaves the call with an unknown caller). */
  private async identify(call: Call): Promise<void> {
    let identification = null;
    try {
      identification = await withTimeout(
        this.o.identifier.identify(call.row.caller_raw),
        this.timings.identifyTimeoutMs,
        'identify',
      );
    } catch (err) {
      call.log.warn({ err }, 'identification failed; continuing as unknown caller');
    }
    if (call.callerGone) return;
    const customer = identification?.customer ?? null;
    call.customer = customer;
    call.update({
      caller_e164: identification?.caller.e164 ?? call.row.caller_e164,
      customer_id: customer?.customerId ?? null,
      tier: customer?.tier ?? null,
      language: customer?.language ?? null,
    });
  }

  private async runIvr(call: Call, flow: PublishedFlow): Promise<void> {
    const io = this.ios.get(call.id);
    if (!io) return;
    const path = call.ivrPath;
    const run = await runFlow(
      flow.document,
      io,
      { ...this.o.ivr, logger: call.log, now: this.now },
      { vars: call.ivrVars, path, language: call.customer?.language },
    );
    if (call.finished || call.state !== 'in_ivr') return;
    call.update({ ivr_path: JSON.stringify(path).slice(0, 60_000), language: run.language });
    const outcome = run.outcome;
    switch (outcome.type) {
      case 'caller_hangup':
        return; // the hang-up handler has ended the call
      case 'queue': {
        if (outcome.queue) {
          const settings = await this.o.queues.byName(outcome.queue).catch(() => null);
          if (settings) {
            const decision: RouteDecision = {
              queueId: settings.id,
              queueName: settings.name,
              priority: outcome.priority ?? 0,
              requiredSkills: outcome.skills ?? settings.skills,
              ruleId: 0,
              ruleName: `ivr:${flow.name}`,
            };
            await this.enterQueue(call, decision, 'enqueue', `IVR queue node (${settings.name})`);
            return;
          }
          call.log.warn({ queue: outcome.queue }, 'IVR names an unknown queue; asking the router');
        }
        await this.routeAndQueue(call, 'enqueue', 'IVR route node');
        return;
      }
      case 'transfer':
        await this.transferToParty(call, outcome.number, 'ivr', flow);
        return;
      case 'voicemail': {
        const queue = outcome.queue ? await this.o.queues.byName(outcome.queue).catch(() => null) : null;
        await this.voicemail(call, queue?.id ?? null, outcome.maxSeconds, 'IVR voicemail node');
        return;
      }
      case 'hangup': {
        const selfService = outcome.selfService;
        this.finish(
          call,
          selfService ? 'self_service_done' : 'ivr_hangup',
          selfService ? 'self-service completed' : 'IVR hung up',
          {
            disposition: selfService ? 'self_service' : 'ivr_hangup',
            hangup_side: 'system',
            hangup_cause: 16,
          },
        );
        return;
      }
      case 'error':
        await this.fallbackToDefaultQueue(call, flow, `IVR node ${outcome.node}: ${outcome.reason}`);
        return;
    }
  }

  /** A broken flow never drops the caller: the flow's default queue, else the router's default rule. */
  private async fallbackToDefaultQueue(call: Call, flow: PublishedFlow | null, why: string): Promise<void> {
    const named = flow?.document.defaultQueue ?? this.o.defaultQueueName;
    const settings = named ? await this.o.queues.byName(named).catch(() => null) : null;
    if (settings) {
      await this.enterQueue(
        call,
        {
          queueId: settings.id,
          queueName: settings.name,
          priority: 0,
          requiredSkills: settings.skills,
          ruleId: 0,
          ruleName: 'fallback',
        },
        'enqueue',
        `fallback: ${why}`,
      );
      return;
    }
    await this.routeAndQueue(call, 'enqueue', `fallback: ${why}`);
  }

  attributesOf(call: Call): CallAttributes {
    return {
      did: call.row.did,
      callerE164: call.row.caller_e164,
      customerId: call.row.customer_id,
      tier: call.customer?.tier ?? null,
      language: call.row.language ?? call.customer?.language ?? this.o.defaultLanguage ?? 'en',
      ivr: { ...call.ivrVars },
      recentCategories: call.customer?.recentCategories ?? [],
      now: this.now(),
    };
  }

  private async routeAndQueue(call: Call, event: 'enqueue' | 'transfer_failed', reason: string): Promise<void> {
    let decision: RouteDecision | null = null;
    const attributes = this.attributesOf(call);
    try {
      decision = await withTimeout(this.o.router.route(attributes), this.timings.routeTimeoutMs, 'route');
    } catch (err) {
      call.log.error({ err }, 'router failed');
      const named = this.o.defaultQueueName
        ? await this.o.queues.byName(this.o.defaultQueueName).catch(() => null)
        : null;
      if (named)
        decision = {
          queueId: named.id,
          queueName: named.name,
          priority: 0,
          requiredSkills: named.skills,
          ruleId: 0,
          ruleName: 'fallback',
        };
    }
    if (call.callerGone || call.finished) return;
    call.update({
      attributes: JSON.stringify({
        ivr: attributes.ivr,
        recentCategories: attributes.recentCategories,
        tier: attributes.tier,
        language: attributes.language,
      }),
    });
    if (!decision) {
      await this.closeWithMessage(call, 'fail', 'no queue could be found', 'failed', [
        'sound:ariadne/technical-difficulties',
      ]);
      return;
    }
    await this.enterQueue(call, decision, event, `${reason}; rule ${decision.ruleName}`);
  }

  // ============================================================================================================
  // Queue wait
  // ============================================================================================================

  private async ensureHoldingBridge(call: Call, mohClass: string): Promise<string> {
    let bridgeId = call.row.holding_bridge_id;
    if (!bridgeId) {
      bridgeId = randomUUID();
      await this.o.switchPort.createBridge({ type: 'holding', bridgeId, node: call.node, name: `hold-${call.id}` });
      call.update({ holding_bridge_id: bridgeId });
    }
    await this.o.switchPort
      .startBridgeMoh(bridgeId, mohClass)
      .catch((err: unknown) => call.log.warn({ err }, 'cannot start music on hold'));
    return bridgeId;
  }

  /** Puts the caller into the call's holding bridge (leaving the mixing bridge if there). */
  private async parkCaller(call: Call, mohClass: string): Promise<void> {
    const holding = await this.ensureHoldingBridge(call, mohClass);
    if (call.inBridge === 'holding') return;
    // MOVES_BRIDGE: out of the mixing bridge as it joins the holding one.
    await this.o.switchPort.addToBridge(holding, call.channelId);
    call.inBridge = 'holding';
  }

  private async enterQueue(
    call: Call,
    decision: RouteDecision,
    event: 'enqueue' | 'transfer_queue' | 'transfer_failed' | 'move_queue' | 'overflow',
    reason: string,
  ): Promise<void> {
    const settings = await this.o.queues.get(decision.queueId).catch(() => null);
    try {
      await this.parkCaller(call, settings?.mohClass ?? 'default');
    } catch (err) {
      if (call.callerGone || call.finished) return;
      if (isSwitchError(err) && GONE_CODES.has(err.code)) return this.onCallerGone(call, 16, 'gone while queueing');
      call.log.error({ err }, 'cannot put the caller on hold; queueing anyway');
    }
    if (call.callerGone || call.finished) return;
    const now = this.now();
    call.route = decision;
    const patch: CallPatch = {
      queue_id: decision.queueId,
      priority: decision.priority,
      required_skills: JSON.stringify(decision.requiredSkills),
      queued_at: call.row.queued_at ?? now,
    };
    if (
      !call.transition(event, reason, {
        patch,
        data: { queue: decision.queueName, rule: decision.ruleName, priority: decision.priority },
      })
    )
      return;
    this.o.acd.enqueue({
      callId: call.id,
      queueId: decision.queueId,
      priority: decision.priority,
      requiredSkills: decision.requiredSkills,
      enqueuedAt: now,
      node: call.node,
    });
    this.scheduleAnnouncement(call, settings);
  }

  private scheduleAnnouncement(call: Call, settings: QueueSettings | null): void {
    if (call.announceTimer) {
      clearTimeout(call.announceTimer);
      call.timers.delete(call.announceTimer);
    }
    const interval = settings?.announceIntervalSeconds ?? 0;
    if (!(interval > 0)) return;
    call.announceTimer = call.setTimer(() => {
      call.announceTimer = null;
      this.announce(call, settings)
        .catch((err: unknown) => call.log.warn({ err }, 'announcement failed'))
        .finally(() => {
          if (call.state === 'queued' && !call.activity) this.scheduleAnnouncement(call, settings);
        });
    }, interval * 1000);
  }

  /** Position and estimated wait, played to the caller's own holding bridge (MOH paused meanwhile). */
  private async announce(call: Call, settings: QueueSettings | null): Promise<void> {
    if (call.state !== 'queued' || call.activity || !call.row.holding_bridge_id) return;
    const position = this.o.acd.position(call.id);
    if (!position) return;
    const media: string[] =
      position.position <= 1
        ? ['sound:queue-youarenext']
        : ['sound:queue-thereare', `number:${position.position}`, 'sound:queue-callswaiting'];
    const minutes = Math.ceil(position.estimatedWaitSeconds / 60);
    if (position.estimatedWaitSeconds > 0)
      media.push('sound:queue-holdtime', `number:${minutes}`, 'sound:queue-minutes');
    const bridgeId = call.row.holding_bridge_id;
    await this.o.switchPort.stopBridgeMoh(bridgeId).catch(() => undefined);
    this.announceCounts.set(call.id, (this.announceCounts.get(call.id) ?? 0) + 1);
    await playAndWait(this.o.switchPort, { bridgeId }, media, {
      lang: call.row.language ?? undefined,
      timeoutMs: this.timings.playbackTimeoutMs,
    });
    if (call.state === 'queued' && !call.activity)
      await this.o.switchPort.startBridgeMoh(bridgeId, settings?.mohClass ?? 'default').catch(() => undefined);
  }

  private async onQueueTimer(event: QueueTimerEvent): Promise<void> {
    const call = this.registry.get(event.callId);
    if (!call || call.state !== 'queued' || call.activity || call.callerGone) return;
    if (event.type === 'overflow') {
      if (event.newQueueId !== undefined && event.newQueueId !== call.row.queue_id) {
        await this.moveQueue(call, event.newQueueId, 'overflow', `overflow step ${event.step}: ${event.description}`);
      } else {
        call.transition('overflow', `overflow step ${event.step}: ${event.description}`, {
          data: { step: event.step },
        });
      }
      return;
    }
    const action = event.action;
    const why = event.type === 'max_wait' ? 'maximum wait reached' : 'no agents can take the call';
    switch (action) {
      case 'voicemail':
        await this.voicemail(call, call.row.queue_id, 120, why);
        return;
      case 'callback':
        await this.takeCallback(call, why);
        return;
      case 'hangup':
        await this.closeWithMessage(call, 'timeout_hangup', why, 'timeout', ['sound:ariadne/all-agents-busy']);
        return;
      case 'queue': {
        const target =
          event.type === 'max_wait' && event.target ? await this.o.queues.byName(event.target).catch(() => null) : null;
        if (target) await this.moveQueue(call, target.id, 'move_queue', `${why}: moved to ${target.name}`);
        else await this.voicemail(call, call.row.queue_id, 120, `${why} (unknown target queue)`);
        return;
      }
    }
  }

  private async moveQueue(
    call: Call,
    queueId: number,
    event: 'overflow' | 'move_queue',
    reason: string,
  ): Promise<void> {
    const settings = await this.o.queues.get(queueId).catch(() => null);
    if (!settings) {
      call.log.warn({ queueId }, 'move to an unknown queue ignored');
      return;
    }
    this.o.acd.remove(call.id);
    const decision: RouteDecision = {
      queueId: settings.id,
      queueName: settings.name,
      priority: call.row.priority,
      requiredSkills: settings.skills,
      ruleId: call.route?.ruleId ?? 0,
      ruleName: call.route?.ruleName ?? event,
    };
    await this.enterQueue(call, decision, event, reason);
  }

  /** Callback instead of waiting: a callbacks row, a confirmation, a polite hang-up. */
  private async takeCallback(call: Call, reason: string): Promise<void> {
    const phone = call.row.caller_e164;
    if (!phone) {
      // Nobody to call back: keep waiting rather than lose the caller.
      call.log.info('callback refused: the caller id is withheld or invalid');
      return;
    }
    if (call.activity || call.state !== 'queued') return;
    call.activity = 'callback';
    this.o.acd.remove(call.id);
    call.clearTimers();
    const now = this.now();
    try {
      await call.flushed();
      await requestCallback(
        this.o.db,
        { callId: call.id, customerId: call.row.customer_id, phone, queueId: call.row.queue_id, notes: reason },
        now,
      );
    } catch (err) {
      call.log.error({ err }, 'cannot store the callback request; keeping the caller in queue');
      call.activity = null;
      if (call.route)
        this.o.acd.enqueue({
          callId: call.id,
          queueId: call.route.queueId,
          priority: call.row.priority,
          requiredSkills: call.route.requiredSkills,
          enqueuedAt: now,
          node: call.node,
        });
      return;
    }
    await this.closeWithMessage(call, 'callback_requested', reason, 'callback', ['sound:ariadne/callback-confirmed']);
  }

  /** Leaves a voicemail: prompt, beep, recording on the caller's channel; a voicemails row either way. */
  private async voicemail(call: Call, queueId: number | null, maxSeconds: number, reason: string): Promise<void> {
    if (call.activity) return;
    call.activity = 'voicemail';
    this.o.acd.remove(call.id);
    call.clearTimers();
    if (call.row.holding_bridge_id && call.inBridge === 'holding') {
      await this.o.switchPort.removeFromBridge(call.row.holding_bridge_id, call.channelId).catch(() => undefined);
      call.inBridge = null;
    }
    const name = `vm-${call.id}`;
    const recordingId = randomUUID();
    const startedAt = this.now();
    let result: RecordingResult = { status: 'hangup' };
    if (!call.callerGone) {
      await playAndWait(this.o.switchPort, { channelId: call.channelId }, ['sound:vm-intro'], {
        lang: call.row.language ?? undefined,
        timeoutMs: this.timings.playbackTimeoutMs,
      });
    }
    if (!call.callerGone) {
      try {
        const handle = await this.o.switchPort.record(
          { channelId: call.channelId },
          { name, format: 'wav', maxDurationSeconds: maxSeconds, beep: true, ifExists: 'overwrite' },
        );
        result = await withTimeout(handle.finished, (maxSeconds + 10) * 1000, 'voicemail recording').catch(
          (): RecordingResult => ({ status: 'timeout' }),
        );
      } catch (err) {
        call.log.warn({ err }, 'voicemail recording could not start');
        result = { status: 'failed', cause: (err as Error).message };
      }
    }
    if (call.frozen) return; // shutting down mid-message: recovery ends the call from what is persisted
    const endedAt = this.now();
    const stored = result.status === 'done' || result.status === 'hangup';
    const duration = result.durationSeconds ?? seconds(startedAt, endedAt) ?? 0;
    const durationS = Math.round(duration * 1000) / 1000;
    const facts = stored
      ? await this.closedRecording(call, { name, startedAt, queueId, format: 'wav' }, endedAt, durationS)
      : undefined;
    if (call.frozen) return; // the same as above, should the instance have begun stopping during that read
    const upload = stored ? this.o.recordingUploads?.queueWith(recordingId, facts) : undefined;
    const recording = {
      id: recordingId,
      call_id: call.id,
      name,
      node: call.node,
      queue_id: queueId,
      state: stored ? 'stored' : 'failed',
      started_at: startedAt,
      ended_at: endedAt,
      duration_s: durationS,
      format: 'wav',
    };
    const voicemail = {
      call_id: call.id,
      queue_id: queueId,
      recording_name: name,
      state: stored ? 'new' : 'failed',
      caller: call.row.caller_e164 ?? call.row.caller_raw.slice(0, 32),
      customer_id: call.row.customer_id,
      duration_s: durationS,
      created_at: endedAt,
    };
    // The rows and the upload job ride the call's commit; a failed statement is logged by the call writer.
    const written = call.writeAlong(
      (q) => q('recordings').insert(recording),
      (q) => q('voicemails').insert(voicemail),
      ...(upload?.statements ?? []),
    );
    const waited = call.row.queued_at ? seconds(call.row.queued_at, endedAt) : null;
    this.finish(call, 'voicemail_done', reason, {
      disposition: 'voicemail',
      hangup_side: call.callerGone ? 'caller' : 'system',
      hangup_cause: 16,
      recording_id: recordingId,
      wait_s: waited,
    });
    await written;
    upload?.committed();
  }

  /** Plays a last message, ends the call with the given event, hangs up. */
  private async closeWithMessage(
    call: Call,
    event: 'fail' | 'timeout_hangup' | 'callback_requested',
    reason: string,
    disposition: string,
    media: readonly string[],
  ): Promise<void> {
    call.activity ??= 'closing';
    this.o.acd.remove(call.id);
    call.clearTimers();
    if (!call.callerGone) {
      const holding = call.inBridge === 'holding' ? call.row.holding_bridge_id : null;
      const target: MediaTarget = holding ? { bridgeId: holding } : { channelId: call.channelId };
      if (holding) await this.o.switchPort.stopBridgeMoh(holding).catch(() => undefined);
      await playAndWait(this.o.switchPort, target, media, {
        lang: call.row.language ?? undefined,
        timeoutMs: this.timings.playbackTimeoutMs,
      });
    }
    const now = this.now();
    this.finish(call, event, reason, {
      disposition,
      hangup_side: call.callerGone ? 'caller' : 'system',
      hangup_cause: 16,
      wait_s: call.row.queued_at ? seconds(call.row.queued_at, now) : null,
    });
  }

  // ============================================================================================================
  // Offer and connect
  // ============================================================================================================

  private async onOffer(offer: AgentOffer): Promise<void> {
    const targets: readonly OfferedAgent[] = offer.group ?? [offer];
    const refuse = async (): Promise<void> => {
      for (const t of targets)
        await this.o.acd.offerFailed(offer.callId, t.agentId, 'caller_gone').catch(() => undefined);
    };
    const call = this.registry.get(offer.callId);
    if (!call || call.state !== 'queued' || call.callerGone || call.activity) {
      await refuse();
      return;
    }
    const settings = await this.o.queues.get(offer.queueId).catch(() => null);
    if (call.state !== 'queued' || call.callerGone) {
      await refuse();
      return;
    }
    const ring: Ring = { legs: new Set(), failures: [], group: offer.group !== undefined, winner: null };
    for (const t of targets) {
      const leg: AgentLeg = {
        agentId: t.agentId,
        agentName: t.agentName,
        endpoint: t.endpoint,
        autoAnswer: t.autoAnswer,
        channelId: randomUUID(),
        queueId: offer.queueId,
        answered: false,
        unwatch: () => undefined,
      };
      leg.unwatch = this.o.switchPort.watchChannel(leg.channelId, (event) => this.onAgentEvent(call, leg, event));
      ring.legs.add(leg);
    }
    this.rings.set(call.id, ring);
    const legs = [...ring.legs];
    const now = this.now();
    if (!ring.group) {
      const leg = legs[0] as AgentLeg;
      call.agent = leg;
      call.transition('offer', `offered to ${offer.agentName}`, {
        patch: {
          agent_id: offer.agentId,
          offered_at: now,
          agent_channel_id: leg.channelId,
          offer_count: call.row.offer_count + 1,
        },
        data: { agentId: offer.agentId, endpoint: offer.endpoint, ringTimeoutSeconds: offer.ringTimeoutSeconds },
      });
    } else {
      // Nobody is the call's agent until one answers.
      call.transition('offer', `ringing ${legs.length} agents at once (${legs.map((l) => l.agentName).join(', ')})`, {
        patch: { agent_id: null, offered_at: now, agent_channel_id: null, offer_count: call.row.offer_count + 1 },
        data: {
          ringAll: true,
          agents: legs.map((l) => ({ agentId: l.agentId, endpoint: l.endpoint })),
          ringTimeoutSeconds: offer.ringTimeoutSeconds,
        },
      });
    }
    for (const leg of legs) {
      this.o.bus.publish('call.offered', {
        callId: call.id,
        agentId: leg.agentId,
        queueId: offer.queueId,
        caller: call.row.caller_e164 ?? call.row.caller_raw,
        customer: call.customer,
        ivr: { ...call.ivrVars },
        direction: 'inbound',
      });
    }
    await Promise.all(legs.map((leg) => this.ringLeg(call, ring, leg, offer.ringTimeoutSeconds, settings)));
  }

  /** Rings one agent of an offer; its answer takes the call unless another leg of the offer answered first. */
  private async ringLeg(
    call: Call,
    ring: Ring,
    leg: AgentLeg,
    ringTimeoutSeconds: number,
    settings: QueueSettings | null,
  ): Promise<void> {
    let outcome: OriginateOutcome;
    try {
      outcome = await this.originateAndWait(
        {
          endpoint: leg.endpoint,
          channelId: leg.channelId,
          node: call.node,
          callerId: call.row.caller_e164 ?? call.row.caller_raw,
          timeoutSeconds: ringTimeoutSeconds,
          variables: { ARIADNE_CALL_ID: call.id, ...autoAnswerVariables(leg.endpoint, leg.autoAnswer) },
          appArgs: ['agent', call.id],
        },
        'agent ring',
      );
    } catch (err) {
      // Asterisk answers an originate to an unknown or unregistered endpoint with 500 and sends no event.
      const reason: OfferFailure = isSwitchError(err, 'unreachable') ? 'unreachable' : 'error';
      if (ring.legs.has(leg))
        call.log.warn({ err, agentId: leg.agentId, endpoint: leg.endpoint }, 'originate to agent failed');
      await this.legFailed(call, ring, leg, reason, err instanceof Error ? err.message : String(err));
      return;
    }
    // Settled meanwhile: the caller hung up, or another agent answered first (this leg was hung up and released).
    if (!ring.legs.has(leg)) return;
    if (outcome.result === 'answered') {
      this.claim(call, ring, leg);
      await this.connect(call, leg, settings);
      return;
    }
    const reason: OfferFailure =
      outcome.result === 'busy'
        ? 'busy'
        : outcome.result === 'failed'
          ? 'unreachable'
          : outcome.result === 'cancelled'
            ? 'error'
            : 'no_answer';
    await this.legFailed(call, ring, leg, reason, `cause ${outcome.cause}`);
  }

  /**
   * Rings a leg and waits for its answer. A leg that neither answers nor ends in time is hung up and counts as not
   * answered; a refused originate (unknown or unregistered endpoint, switch down) throws.
   */
  private async originateAndWait(
    options: OriginateOptions & { readonly channelId: string },
    what: string,
  ): Promise<OriginateOutcome> {
    const originated = await withTimeout(
      this.o.switchPort.originate(options),
      this.timings.switchTimeoutMs,
      'originate',
    );
    return withTimeout(originated.outcome, (options.timeoutSeconds + 5) * 1000, what).catch((): OriginateOutcome => {
      this.o.switchPort.hangup(options.channelId).catch(() => undefined);
      return { result: 'no_answer', cause: 19 };
    });
  }

  /**
   * This leg answered first: it becomes the call's agent leg, and every other leg of the offer is hung up at once
   * and its agent released without a miss (a cancelled ring_all leg is not a no-answer).
   */
  private claim(call: Call, ring: Ring, leg: AgentLeg): void {
    ring.winner = leg;
    ring.legs.delete(leg);
    if (this.rings.get(call.id) === ring) this.rings.delete(call.id);
    call.agent = leg;
    for (const other of ring.legs) {
      other.unwatch();
      this.o.switchPort.hangup(other.channelId).catch(() => undefined);
      void this.releaseLeg(call, other, 'cancelled');
    }
    if (ring.group) call.log.info({ agentId: leg.agentId, cancelled: ring.legs.size }, 'ring_all: first to answer');
    ring.legs.clear();
  }

  /**
   * One leg ended without an answer. The call goes back to its queue when it was the last leg ringing and
   * nobody answered; the ACD is told of every leg (a miss for no_answer).
   */
  private async legFailed(call: Call, ring: Ring, leg: AgentLeg, reason: OfferFailure, detail: string): Promise<void> {
    if (!ring.legs.has(leg)) return;
    ring.legs.delete(leg);
    ring.failures.push({ agentId: leg.agentId, reason });
    leg.unwatch();
    if (call.agent === leg) call.agent = null;
    const last = ring.legs.size === 0 && ring.winner === null;
    if (last) {
      if (this.rings.get(call.id) === ring) this.rings.delete(call.id);
      if (call.state === 'offering' && !call.callerGone) {
        // Back to queued first (synchronously, before any leg's offerFailed below): the ACD may offer the next
        // agent from inside offerFailed.
        if (!ring.group) {
          call.transition('offer_failed', `${reason}: ${detail}`, {
            patch: { agent_id: null, agent_channel_id: null },
            data: { agentId: leg.agentId, reason },
          });
        } else {
          const summary = ring.failures.some((f) => f.reason === 'no_answer') ? 'no_answer' : reason;
          call.transition('offer_failed', `none of ${ring.failures.length} agents answered (${summary})`, {
            patch: { agent_id: null, agent_channel_id: null },
            data: { reason: summary, ringAll: true, agents: ring.failures },
          });
        }
      }
    }
    if (reason === 'unreachable' && this.o.agents.setEndpointOnline) {
      await this.o.agents
        .setEndpointOnline(leg.endpoint, false)
        .catch((err: unknown) => call.log.warn({ err }, 'cannot mark the endpoint offline'));
    }
    await this.releaseLeg(call, leg, call.callerGone ? 'caller_gone' : reason);
  }

  /** Every leg still ringing for the call is hung up and its agent released without a miss (the caller left). */
  private dropRing(call: Call): void {
    const ring = this.rings.get(call.id);
    if (!ring) return;
    this.rings.delete(call.id);
    for (const leg of ring.legs) {
      if (call.agent === leg) call.agent = null;
      leg.unwatch();
      this.o.switchPort.hangup(leg.channelId).catch(() => undefined);
      void this.releaseLeg(call, leg, 'caller_gone');
    }
    ring.legs.clear();
  }

  /**
   * The agent's offer of this call is over without a conversation: their screen drops the pop (the call may go
   * to someone else, so `call.ended` would not reach them) and the ACD releases them.
   */
  private releaseLeg(call: Call, leg: AgentLeg, reason: OfferFailure): Promise<void> {
    this.o.bus.publish('call.offer_ended', { callId: call.id, agentId: leg.agentId, queueId: leg.queueId, reason });
    return this.o.acd
      .offerFailed(call.id, leg.agentId, reason)
      .catch((err: unknown) => call.log.error({ err }, 'acd.offerFailed failed'));
  }

  /** The leg that answered could not be bridged: it is dropped and the call goes back to its queue. */
  private async bridgeFailed(call: Call, leg: AgentLeg): Promise<void> {
    leg.unwatch();
    call.agent = null;
    if (call.state === 'offering' && !call.callerGone) {
      // Back to queued first: the ACD may offer the next agent from inside offerFailed.
      call.transition('offer_failed', 'error: bridge failed', {
        patch: { agent_id: null, agent_channel_id: null },
        data: { agentId: leg.agentId, reason: 'error' },
      });
    }
    await this.releaseLeg(call, leg, call.callerGone ? 'caller_gone' : 'error');
  }

  private async connect(call: Call, leg: AgentLeg, settings: QueueSettings | null): Promise<void> {
    try {
      if (settings?.whisperQueueName) {
        await playAndWait(this.o.switchPort, { channelId: leg.channelId }, [`sound:ariadne/queue-${settings.name}`], {
          timeoutMs: Math.min(this.timings.playbackTimeoutMs, 10_000),
        });
      }
      if (call.agent !== leg || call.callerGone) return;
      const mixing = await this.newMixingBridge(call);
      if (call.finished) {
        // The call ended while the bridge was being made: nobody else will delete it.
        this.o.switchPort.destroyBridge(mixing).catch(() => undefined);
        return;
      }
      if (call.agent !== leg || call.callerGone) return;
      // MOVES_BRIDGE: the caller leaves the holding bridge as it joins this one.
      await this.o.switchPort.addToBridge(mixing, [call.channelId, leg.channelId]);
      call.inBridge = 'mixing';
    } catch (err) {
      if (call.agent !== leg || call.callerGone) return;
      call.inBridge = null; // which bridge holds the caller now is unknown: parking below puts it back in holding
      // A leg that hung up while the bridge was being made is a race every busy contact center sees, not a fault.
      if (isSwitchError(err) && GONE_CODES.has(err.code))
        call.log.warn({ err }, 'a party left before caller and agent were bridged');
      else call.log.error({ err }, 'cannot bridge caller and agent');
      this.o.switchPort.hangup(leg.channelId).catch(() => undefined);
      await this.bridgeFailed(call, leg);
      if (call.state === 'queued' && call.row.holding_bridge_id) {
        await this.parkCaller(call, settings?.mohClass ?? 'default').catch(() => undefined);
      }
      return;
    }
    if (call.agent !== leg || call.callerGone) return;
    const now = this.now();
    leg.answered = true;
    call.lastAgentId = leg.agentId;
    call.talkStartedAt = now;
    call.clearTimers();
    call.announceTimer = null;
    const firstAnswer = call.row.answered_at === null;
    call.transition('answer', `${leg.agentName} answered`, {
      patch: {
        agent_id: leg.agentId,
        agent_channel_id: leg.channelId,
        answered_at: call.row.answered_at ?? now,
        wait_s: firstAnswer ? seconds(call.row.queued_at, now) : call.row.wait_s,
      },
      data: { agentId: leg.agentId },
    });
    // The recording does not wait for the agent's answer to be written either.
    const recording = settings?.recordCalls ? this.startRecording(call, leg) : undefined;
    await this.o.acd
      .offerAnswered(call.id, leg.agentId)
      .catch((err: unknown) => call.log.error({ err }, 'acd.offerAnswered failed'));
    this.o.bus.publish('call.connected', { callId: call.id, agentId: leg.agentId, queueId: leg.queueId });
    await recording;
  }

  // ============================================================================================================
  // Recording
  // ============================================================================================================

  private async startRecording(call: Call, leg: AgentLeg | null): Promise<void> {
    const bridgeId = call.row.mixing_bridge_id;
    if (!bridgeId || call.recordingName) return;
    call.recordingCount += 1;
    const name = call.recordingCount === 1 ? call.id : `${call.id}-${call.recordingCount}`;
    const recordingId = randomUUID();
    const startedAt = this.now();
    // Claimed now: a second start while Asterisk answers must not record twice.
    call.recordingName = name;
    call.recordingPaused = false;
    const row = {
      id: recordingId,
      call_id: call.id,
      name,
      node: call.node,
      queue_id: call.row.queue_id,
      agent_id: leg?.agentId ?? null,
      state: 'recording',
      started_at: startedAt,
      format: 'wav',
    };
    // Asterisk first (the name is the call id, so nothing waits for our row): the conversation is recorded from
    // its start however slow the database is. The row references the calls row, so it goes through the call's
    // write chain, behind the insert of the call.
    let handle: RecordingHandle;
    try {
      handle = await this.o.switchPort.record({ bridgeId }, { name, format: 'wav', ifExists: 'fail' });
    } catch (err) {
      if (call.recordingName === name) call.recordingName = null;
      call.log.error({ err }, 'recording did not start');
      const failed = { ...row, state: 'failed', ended_at: this.now() };
      void call.writeAlong((q) => q('recordings').insert(failed));
      return;
    }
    const inserted = call.writeAlong((q) => q('recordings').insert(row));
    if (!call.row.recording_id) call.update({ recording_id: recordingId });
    void handle.finished
      .then(async (result) => {
        await inserted; // the row this closes must exist
        await this.recordingFinished(
          call,
          recordingId,
          { name, startedAt, queueId: row.queue_id, format: row.format },
          result,
        );
      })
      .catch((err: unknown) => call.log.error({ err }, 'recording bookkeeping failed'));
  }

  private async recordingFinished(
    call: Call,
    recordingId: string,
    started: StartedRecording,
    result: RecordingResult,
  ): Promise<void> {
    // Settled because this instance is stopping: the recording goes on on the switch; recovery takes it over.
    if (this.stopping) return;
    const endedAt = this.now();
    const stored = result.status === 'done' || result.status === 'hangup';
    const duration = result.durationSeconds ?? seconds(started.startedAt, endedAt) ?? 0;
    await this.closeRecording(call, recordingId, stored, endedAt, duration, started);
    if (call.recordingName === started.name) {
      call.recordingName = null;
      call.recordingPaused = false;
    }
  }

  /**
   * The row's close and (when stored) its upload job ride the call's next commit; an ended call still has one.
   * With `started` (a recording this process started), the job carries the row as closed.
   */
  private async closeRecording(
    call: Call,
    recordingId: string,
    stored: boolean,
    endedAt: Date,
    durationS: number,
    started?: StartedRecording,
  ): Promise<void> {
    const closed = {
      state: stored ? 'stored' : 'failed',
      ended_at: endedAt,
      duration_s: Math.round(durationS * 1000) / 1000,
    };
    const facts = stored && started ? await this.closedRecording(call, started, endedAt, closed.duration_s) : undefined;
    const upload = stored ? this.o.recordingUploads?.queueWith(recordingId, facts) : undefined;
    await call.writeAlong(
      (q) => q('recordings').where({ id: recordingId, state: 'recording' }).update(closed),
      ...(upload?.statements ?? []),
    );
    upload?.committed();
  }

  /**
   * The recording as its row stands once closed, for its upload's first attempt (which then reads nothing). None
   * when its queue's settings cannot be had: the upload reads the row instead.
   */
  private async closedRecording(
    call: Call,
    started: StartedRecording,
    endedAt: Date,
    durationS: number,
  ): Promise<ClosedRecording | undefined> {
    if (!this.o.recordingUploads) return undefined; // nothing will upload it
    const queue = started.queueId === null ? null : await this.o.queues.get(started.queueId).catch(() => null);
    if (started.queueId !== null && !queue) return undefined;
    return {
      callId: call.id,
      name: started.name,
      node: call.node,
      format: started.format,
      startedAt: started.startedAt,
      endedAt,
      durationS,
      retentionDays: queue?.retentionDays ?? null,
      transcribe: queue?.transcribe ?? false,
    };
  }

  private async stopRecording(call: Call): Promise<void> {
    const name = call.recordingName;
    if (!name) return;
    const adopted = call.adoptedRecording?.name === name ? call.adoptedRecording : null;
    if (adopted) {
      call.adoptedRecording = null;
      call.recordingName = null;
      await this.o.switchPort.stopRecording(name).catch(() => undefined);
      const endedAt = this.now();
      await this.closeRecording(call, adopted.id, true, endedAt, seconds(adopted.startedAt, endedAt) ?? 0);
      return;
    }
    // Cleared now, not when Asterisk confirms: a later conversation of this call must be able to record.
    call.recordingName = null;
    call.recordingPaused = false;
    await this.o.switchPort.stopRecording(name).catch((err: unknown) => {
      if (!isSwitchError(err, 'not_found')) call.log.warn({ err }, 'stop recording failed');
    });
  }

  async pauseRecording(callId: string): Promise<void> {
    const call = this.liveCall(callId);
    if (call.state !== 'connected' || !call.recordingName)
      throw new CallControlError('bad_state', 'the call is not being recorded');
    if (call.recordingPaused) return;
    await this.switchOp(this.o.switchPort.pauseRecording(call.recordingName));
    call.recordingPaused = true;
    call.transition('recording_paused', 'paused by the agent', { data: { name: call.recordingName } });
  }

  async resumeRecording(callId: string): Promise<void> {
    const call = this.liveCall(callId);
    if (call.state !== 'connected' || !call.recordingName)
      throw new CallControlError('bad_state', 'the call is not being recorded');
    if (!call.recordingPaused) return;
    await this.switchOp(this.o.switchPort.unpauseRecording(call.recordingName));
    call.recordingPaused = false;
    call.transition('recording_resumed', 'resumed by the agent', { data: { name: call.recordingName } });
  }

  // ============================================================================================================
  // Hang-ups and the end of a call
  // ============================================================================================================

  private onCallerEvent(call: Call, event: ChannelEvent): void {
    switch (event.type) {
      case 'dtmf': {
        this.ios.get(call.id)?.pushDigit(event.digit);
        if (call.state === 'queued' && !call.activity && call.route) {
          const route = call.route;
          this.o.queues
            .get(route.queueId)
            .then((settings) => {
              if (settings?.callbackDigit && settings.callbackDigit === event.digit && call.state === 'queued')
                return this.takeCallback(call, `caller pressed ${event.digit}`);
              return undefined;
            })
            .catch((err: unknown) => call.log.error({ err }, 'callback handling failed'));
        }
        return;
      }
      case 'answered':
        if (call.state === 'dialing') call.customerAnswered = true;
        return;
      case 'hangup':
        this.onCallerGone(call, event.cause, event.causeText);
        return;
      case 'left_app':
        this.onCallerGone(call, 16, 'left the application');
        return;
      default:
        return;
    }
  }

  /** The caller's channel is gone: end the call cleanly from whatever state it was in. */
  private onCallerGone(call: Call, cause: number, causeText: string): void {
    if (call.callerGone && call.finished) return;
    if (call.state === 'dialing' && !call.customerAnswered) return; // the dial's outcome ends the call
    call.markCallerGone();
    if (call.finished) {
      this.release(call);
      return;
    }
    if (call.activity) return; // voicemail, callback notice or closing message finishes the call itself
    const now = this.now();
    const state = call.state;
    const side = call.hangupRequestedBy ?? 'caller';
    switch (state) {
      case 'arriving':
      case 'identifying':
      case 'queued':
      case 'offering':
        this.o.acd.remove(call.id);
        this.dropRing(call);
        if (state === 'offering' && call.agent) {
          // The leg that answered and is being bridged.
          const leg = call.agent;
          call.agent = null;
          leg.unwatch();
          // Cancel the agent's ringing and release the reservation.
          this.o.switchPort.hangup(leg.channelId).catch(() => undefined);
          void this.releaseLeg(call, leg, 'caller_gone');
        }
        this.abandon(call, now, cause, causeText, side);
        return;
      case 'in_ivr':
        if (call.ivrVars.self_service !== undefined) {
          this.finish(call, 'self_service_done', `caller hung up after self-service (${causeText})`, {
            disposition: 'self_service',
            hangup_side: side,
            hangup_cause: cause,
          });
        } else {
          this.abandon(call, now, cause, causeText, side);
        }
        return;
      case 'connected':
        void this.endConversation(call, side === 'caller' ? 'caller' : 'agent', cause, causeText);
        return;
      case 'dialing': // answered, and gone before the answer's turn came: dialCustomer sees callerGone
      case 'wrap_up':
        return;
    }
  }

  private abandon(call: Call, now: Date, cause: number, causeText: string, side: 'caller' | 'agent' | 'system'): void {
    const wait = call.row.queued_at ? seconds(call.row.queued_at, now) : null;
    const from = call.state;
    if (side !== 'caller') {
      this.finish(call, 'fail', `hung up by ${side}`, {
        disposition: 'failed',
        hangup_side: side,
        hangup_cause: cause,
        wait_s: wait,
      });
      return;
    }
    call.clearTimers();
    call.transition('caller_hangup', `caller hung up (${causeText})`, {
      patch: {
        ended_at: now,
        disposition: 'abandoned',
        hangup_side: 'caller',
        hangup_cause: cause,
        wait_s: wait,
        abandoned_in: from,
        agent_id: call.lastAgentId,
        ...this.ivrPatch(call),
      },
      data: { waitSeconds: wait, cause },
    });
    this.published(call);
    this.release(call);
  }

  /** Ends a call in a terminal transition (not via wrap-up), writes the CDR end and releases everything. */
  private finish(
    call: Call,
    event:
      | 'self_service_done'
      | 'ivr_hangup'
      | 'voicemail_done'
      | 'callback_requested'
      | 'timeout_hangup'
      | 'fail'
      | 'party_hangup'
      | 'not_placed'
      | 'not_answered'
      | 'agent_hangup'
      | 'blocked',
    reason: string,
    patch: CallPatch,
  ): void {
    if (call.finished) return;
    const now = this.now();
    call.clearTimers();
    this.o.acd.remove(call.id);
    const talk = this.closeTalk(call, now);
    call.transition(event, reason, { patch: { ended_at: now, talk_s: talk, ...this.ivrPatch(call), ...patch } });
    this.published(call);
    this.release(call);
  }

  /** The IVR's trace for the CDR: path so far and the language the caller chose. */
  private ivrPatch(call: Call): CallPatch {
    if (call.ivrPath.length === 0) return {};
    return {
      ivr_path: JSON.stringify(call.ivrPath).slice(0, 60_000),
      ...(call.ivrVars.language ? { language: call.ivrVars.language } : {}),
    };
  }

  private closeTalk(call: Call, now: Date): number | null {
    if (call.talkStartedAt) {
      call.talkMs += now.getTime() - call.talkStartedAt.getTime();
      call.talkStartedAt = null;
    }
    return call.row.answered_at ? call.talkMs / 1000 : null;
  }

  private published(call: Call): void {
    if (call.endPublished) return;
    call.endPublished = true;
    this.o.bus.publish('call.ended', {
      callId: call.id,
      // An outbound call is its agent's from the start, answered or not: their workspace hears how it ended.
      agentId: call.lastAgentId ?? (call.row.direction === 'outbound' ? call.row.agent_id : null),
      queueId: call.row.queue_id,
      disposition: call.row.disposition ?? 'unknown',
    });
  }

  /** The conversation is over (caller, agent or transferred-to party hung up). Agent calls go to wrap-up. */
  private async endConversation(
    call: Call,
    side: 'caller' | 'agent' | 'party',
    cause: number,
    causeText: string,
  ): Promise<void> {
    if (call.state !== 'connected' || call.closing) return;
    call.closing = true;
    this.supervision.endAll(call, 'the call ended');
    const now = this.now();
    await this.stopRecording(call);
    const agent = call.agent;
    call.agent = null;
    agent?.unwatch();
    for (const leg of [call.party, call.consult]) {
      if (!leg) continue;
      leg.unwatch();
      this.o.switchPort.hangup(leg.channelId).catch(() => undefined);
    }
    call.party = null;
    call.consult = null;
    this.hangupRinging(call);
    if (agent && side !== 'agent') this.o.switchPort.hangup(agent.channelId).catch(() => undefined);
    const settings = agent ? await this.settingsOf(agent) : null;
    call.survey = settings?.survey ?? 'none';
    call.surveyPrompt = settings?.surveyPrompt ?? null;
    call.transcribed = settings?.transcribe ?? false;
    // The agent hung up on a caller whose queue asks for the IVR survey: the caller stays for it.
    const surveyCaller = side === 'agent' && call.survey === 'ivr' && !call.callerGone;
    if (side !== 'caller' && !call.callerGone) {
      call.markCallerGone();
      if (!surveyCaller) this.o.switchPort.hangup(call.channelId).catch(() => undefined);
    }
    const talk = this.closeTalk(call, now);
    const hangupSide = side === 'party' ? 'system' : side;
    if (agent) {
      const wrapUp = settings?.wrapUpSeconds ?? this.timings.defaultWrapUpSeconds;
      call.transition(side === 'caller' ? 'caller_hangup' : 'agent_hangup', `${side} hung up (${causeText})`, {
        patch: {
          ended_at: now,
          talk_s: talk,
          disposition: call.row.disposition ?? 'answered',
          hangup_side: hangupSide,
          hangup_cause: cause,
        },
      });
      this.published(call);
      this.releaseMedia(call);
      if (surveyCaller) void this.surveyCaller(call);
      this.o.agents
        .callEnded(agent.agentId, call.id, wrapUp)
        .catch((err: unknown) => call.log.error({ err }, 'agents.callEnded failed'));
      call.setTimer(() => this.finishWrapUp(call, 'wrap-up time over'), wrapUp * 1000);
      this.wrapUpByAgent.set(agent.agentId, call);
    } else {
      this.finish(call, 'party_hangup', `${side} hung up (${causeText})`, {
        disposition: call.row.disposition ?? 'transferred',
        hangup_side: hangupSide,
        hangup_cause: cause,
      });
    }
  }

  /** The post-call IVR survey on the caller's channel (which it hangs up); a score is stored as a response. */
  private surveyCaller(call: Call): Promise<void> {
    return this.survey(
      {
        callId: call.id,
        channelId: call.channelId,
        language: call.row.language,
        customerId: call.row.customer_id,
        question: call.surveyPrompt,
      },
      call.log,
    );
  }

  private async survey(caller: SurveyedCaller, log: Logger): Promise<void> {
    const score = await runIvrSurvey({
      switchPort: this.o.switchPort,
      callId: caller.callId,
      channelId: caller.channelId,
      language: caller.language ?? this.o.defaultLanguage ?? 'en',
      playbackTimeoutMs: this.timings.playbackTimeoutMs,
      question: caller.question ?? undefined,
    });
    log.info({ score }, score === null ? 'IVR survey: no answer' : 'IVR survey answered');
    if (score === null) return;
    await recordIvrResponse(this.o.db, {
      callId: caller.callId,
      customerId: caller.customerId,
      score,
      now: this.now(),
    }).catch((err: unknown) => log.error({ err, score }, 'IVR survey response not stored'));
  }

  /**
   * A caller an orchestrator that died left taking the IVR survey (their call over, the channel still in the app)
   * is asked again from the question, as the queue of the call asks it, unless they already answered. False when
   * there is no survey to resume: the caller is then hung up by recovery.
   */
  async resumeSurvey(
    row: Pick<CallRow, 'id' | 'channel_id' | 'queue_id' | 'hangup_side' | 'language' | 'customer_id'>,
  ): Promise<boolean> {
    // Only an agent's hang-up leaves the caller for the survey.
    if (row.hangup_side !== 'agent' || row.queue_id === null) return false;
    const settings = await this.o.queues.get(row.queue_id).catch(() => null);
    if (settings?.survey !== 'ivr') return false;
    if (await this.o.db('survey_responses').where({ call_id: row.id }).first('id')) return false;
    const log = this.o.logger.child({ callId: row.id });
    log.warn({ channelId: row.channel_id }, 'resuming the IVR survey of a caller a restart left waiting');
    void this.survey(
      {
        callId: row.id,
        channelId: row.channel_id,
        language: row.language,
        customerId: row.customer_id,
        question: settings.surveyPrompt,
      },
      log,
    );
    return true;
  }

  /** Hands a finished call to what follows it (contact, ticket, survey, CRM), once, in its last commit. */
  private followUp(call: Call): void {
    if (!this.o.followUps || call.followedUp) return;
    call.followedUp = true;
    const queued = this.o.followUps.queueWith({
      row: call.row,
      survey: call.survey,
      transcribed: call.transcribed,
      queueName: call.route?.queueName ?? null,
      customerName: call.customer?.name ?? null,
      ivrCategory: call.ivrVars.category ?? null,
      language: call.row.language ?? this.o.defaultLanguage ?? 'en',
    });
    if (queued.statements.length > 0) void call.writeAlong(...queued.statements).then(queued.committed);
  }

  private finishWrapUp(call: Call, reason: string): void {
    const agentId = call.row.agent_id;
    if (agentId !== null && this.wrapUpByAgent.get(agentId) === call) this.wrapUpByAgent.delete(agentId);
    if (call.state !== 'wrap_up') return;
    call.transition('wrap_up_done', reason, { patch: { wrap_s: seconds(call.row.ended_at, this.now()) } });
    this.release(call);
  }

  /** Releases switch resources (bridges, watchers) without dropping the call from the registry. */
  private releaseMedia(call: Call): void {
    this.ios.delete(call.id);
    this.unwatchCaller.get(call.id)?.();
    this.unwatchCaller.delete(call.id);
    // The row keeps the bridge ids for the record; a call released twice (at hang-up, again after wrap-up) must
    // not ask the switch a second time for bridges that are gone.
    for (const bridgeId of [call.row.mixing_bridge_id, call.row.holding_bridge_id]) {
      if (!bridgeId || call.releasedBridges.has(bridgeId)) continue;
      call.releasedBridges.add(bridgeId);
      this.o.switchPort.destroyBridge(bridgeId).catch(() => undefined);
    }
    call.inBridge = null;
  }

  private hangupRinging(call: Call): void {
    for (const channelId of call.ringingLegs) this.o.switchPort.hangup(channelId).catch(() => undefined);
    call.ringingLegs.clear();
  }

  /** Everything a finished call held goes: timers, watchers, legs, bridges, registry entry. */
  private release(call: Call): void {
    call.clearTimers();
    this.supervision.endAll(call, 'the call ended');
    this.dropRing(call);
    call.agent?.unwatch();
    call.party?.unwatch();
    call.consult?.unwatch();
    for (const leg of [call.agent, call.party, call.consult]) {
      if (leg) this.o.switchPort.hangup(leg.channelId).catch(() => undefined);
    }
    call.agent = null;
    call.party = null;
    call.consult = null;
    this.hangupRinging(call);
    void this.stopRecording(call);
    this.releaseMedia(call);
    if (!call.callerGone) {
      call.markCallerGone();
      this.o.switchPort.hangup(call.channelId).catch(() => undefined);
    }
    this.announceCounts.delete(call.id);
    if (call.finished) {
      this.followUp(call);
      this.registry.remove(call);
    }
  }

  // ============================================================================================================
  // Agent-side controls
  // ============================================================================================================

  private onAgentEvent(call: Call, leg: AgentLeg, event: ChannelEvent): void {
    if (event.type !== 'hangup' || call.agent !== leg || !leg.answered) return;
    if (call.state === 'arriving' || call.state === 'dialing') {
      // An outbound call the agent put the phone down on before the customer answered.
      this.giveUpOutbound(call, leg, call.state === 'dialing' ? 'agent_hangup' : 'not_placed', 'agent hung up', {
        disposition: 'cancelled',
        hangup_side: 'agent',
        hangup_cause: event.cause,
      });
      return;
    }
    if (call.consult?.answered) {
      // The agent hung up while a consulted party is on the line: complete the transfer, as desk phones do.
      this.completeTransfer(call.id).catch((err: unknown) =>
        call.log.error({ err }, 'transfer on agent hang-up failed'),
      );
      return;
    }
    void this.endConversation(call, 'agent', event.cause, event.causeText);
  }

  /** The settings of the queue the agent took the call from (null for an outbound call placed for no queue). */
  private settingsOf(leg: AgentLeg): Promise<QueueSettings | null> {
    return leg.queueId === null ? Promise.resolve(null) : this.o.queues.get(leg.queueId).catch(() => null);
  }

  private liveCall(callId: string): Call {
    const call = this.registry.get(callId);
    if (!call || call.finished) throw new CallControlError('not_found', `no live call ${callId}`);
    return call;
  }

  private connectedWithAgent(callId: string): Call & { agent: AgentLeg } {
    const call = this.liveCall(callId);
    if (call.state !== 'connected' || !call.agent?.answered || call.closing)
      throw new CallControlError('bad_state', `call ${callId} is not connected to an agent (state ${call.state})`);
    return call as Call & { agent: AgentLeg };
  }

  private async switchOp<T>(op: Promise<T>): Promise<T> {
    try {
      return await withTimeout(op, this.timings.switchTimeoutMs, 'switch request');
    } catch (err) {
      throw new CallControlError('switch', err instanceof Error ? err.message : String(err));
    }
  }

  /** Caller hears music on hold, out of the conversation; the agent stays in the mixing bridge. */
  async hold(callId: string): Promise<void> {
    const call = this.connectedWithAgent(callId);
    if (call.held) return;
    if (call.consult) throw new CallControlError('bad_state', 'a consultation is in progress');
    const settings = await this.settingsOf(call.agent);
    await this.switchOp(this.parkCaller(call, settings?.mohClass ?? 'default'));
    call.held = true;
    call.transition('hold', 'agent put the caller on hold');
  }

  async unhold(callId: string): Promise<void> {
    const call = this.connectedWithAgent(callId);
    if (!call.held) return;
    if (call.consult) throw new CallControlError('bad_state', 'a consultation is in progress: complete or cancel it');
    await this.switchOp(this.rejoinMixing(call));
    call.held = false;
    call.transition('unhold', 'agent took the caller off hold');
  }

  private async rejoinMixing(call: Call): Promise<void> {
    const mixing = call.row.mixing_bridge_id;
    if (!mixing) throw new CallControlError('bad_state', 'no conversation bridge');
    if (call.inBridge === 'mixing') return; // a three-way call: the caller never left
    await this.o.switchPort.addToBridge(mixing, call.channelId); // MOVES_BRIDGE: out of the holding bridge
    call.inBridge = 'mixing';
  }

  /** Ends the agent's part of a call: leg hung up, wrap-up started, talk time accounted. */
  private async releaseAgent(call: Call, agent: AgentLeg): Promise<void> {
    this.supervision.endAll(call, 'the agent left the call');
    call.agent = null;
    agent.unwatch();
    const now = this.now();
    if (call.talkStartedAt) {
      call.talkMs += now.getTime() - call.talkStartedAt.getTime();
      call.talkStartedAt = null;
    }
    this.o.switchPort.hangup(agent.channelId).catch(() => undefined);
    const settings = await this.settingsOf(agent);
    this.o.agents
      .callEnded(agent.agentId, call.id, settings?.wrapUpSeconds ?? this.timings.defaultWrapUpSeconds)
      .catch((err: unknown) => call.log.error({ err }, 'agents.callEnded failed'));
  }

  async blindTransfer(callId: string, target: TransferTarget): Promise<void> {
    const call = this.connectedWithAgent(callId);
    if (call.consult) throw new CallControlError('bad_state', 'a consultation is in progress');
    if ('queue' in target) {
      const settings =
        typeof target.queue === 'number'
          ? await this.o.queues.get(target.queue)
          : await this.o.queues.byName(target.queue);
      if (!settings) throw new CallControlError('bad_request', `no queue ${String(target.queue)}`);
      await this.stopRecording(call);
      await this.releaseAgent(call, call.agent);
      if (call.row.mixing_bridge_id) {
        this.o.switchPort.destroyBridge(call.row.mixing_bridge_id).catch(() => undefined);
        call.update({ mixing_bridge_id: null });
        if (call.inBridge === 'mixing') call.inBridge = null;
      }
      call.held = false;
      const decision: RouteDecision = {
        queueId: settings.id,
        queueName: settings.name,
        priority: call.row.priority,
        requiredSkills: settings.skills,
        ruleId: 0,
        ruleName: 'transfer',
      };
      await this.enterQueue(call, decision, 'transfer_queue', `blind transfer to queue ${settings.name}`);
      return;
    }
    const dial = this.dial(target.number);
    await this.stopRecording(call);
    await this.switchOp(this.parkCaller(call, 'default'));
    await this.releaseAgent(call, call.agent);
    call.held = false;
    call.transition('transfer_number', `blind transfer to ${target.number}`, { data: { target: dial } });
    void this.transferToParty(call, target.number, 'agent');
  }

  /**
   * Rings a number for the caller (IVR transfer node or an agent's blind transfer). On answer the two are
   * bridged; on failure the caller goes back to a queue rather than being dropped.
   */
  private async transferToParty(
    call: Call,
    number: string,
    from: 'ivr' | 'agent',
    flow: PublishedFlow | null = null,
  ): Promise<void> {
    const dial = this.dial(number);
    if (from === 'ivr') {
      try {
        await this.parkCaller(call, 'default');
      } catch (err) {
        if (call.callerGone) return;
        call.log.warn({ err }, 'cannot park the caller before the transfer');
      }
    }
    const leg = await this.originateParty(call, dial);
    if (call.callerGone || call.finished) {
      if (leg) this.o.switchPort.hangup(leg.channelId).catch(() => undefined);
      return;
    }
    if (!leg) {
      if (from === 'ivr') await this.fallbackToDefaultQueue(call, flow, `transfer to ${number} failed`);
      else await this.routeBack(call, `transfer to ${number} failed`);
      return;
    }
    try {
      const mixing = call.row.mixing_bridge_id ?? (await this.newMixingBridge(call));
      await this.o.switchPort.addToBridge(mixing, leg.channelId);
      await this.rejoinMixing(call);
    } catch (err) {
      call.log.error({ err }, 'cannot bridge the transfer');
      leg.unwatch();
      this.o.switchPort.hangup(leg.channelId).catch(() => undefined);
      if (!call.callerGone) await this.routeBack(call, 'transfer bridge failed');
      return;
    }
    call.party = leg;
    const now = this.now();
    call.talkStartedAt = now;
    if (from === 'ivr') {
      call.transition('transfer', `IVR transferred to ${number}`, {
        patch: { answered_at: now, disposition: 'transferred' },
        data: { target: dial },
      });
    } else {
      call.transition('transfer_answered', `${number} answered`, {
        patch: { disposition: 'transferred' },
        data: { target: dial },
      });
    }
  }

  private async routeBack(call: Call, reason: string): Promise<void> {
    if (call.state !== 'connected') return;
    if (call.route) await this.enterQueue(call, call.route, 'transfer_failed', reason);
    else await this.routeAndQueue(call, 'transfer_failed', reason);
  }

  /** Originates to a non-agent party and waits for the answer; null when nobody answered. */
  private async originateParty(call: Call, dial: string): Promise<PartyLeg | null> {
    const channelId = randomUUID();
    const leg: PartyLeg = { channelId, target: dial, answered: false, unwatch: () => undefined };
    leg.unwatch = this.o.switchPort.watchChannel(channelId, (event) => {
      if (event.type === 'hangup' && leg.answered) this.onPartyHangup(call, leg, event.cause, event.causeText);
    });
    call.ringingLegs.add(channelId);
    try {
      const outcome = await this.originateAndWait(
        {
          endpoint: dial,
          channelId,
          node: call.node,
          callerId: call.row.caller_e164 ?? call.row.caller_raw,
          timeoutSeconds: this.timings.transferRingSeconds,
          variables: { ARIADNE_CALL_ID: call.id },
          appArgs: ['party', call.id],
        },
        'party ring',
      );
      call.ringingLegs.delete(channelId);
      if (outcome.result === 'answered') {
        leg.answered = true;
        return leg;
      }
      call.log.info({ dial, outcome }, 'transfer target did not answer');
    } catch (err) {
      call.log.warn({ err, dial }, 'originate to transfer target failed');
    }
    call.ringingLegs.delete(channelId);
    leg.unwatch();
    this.o.switchPort.hangup(channelId).catch(() => undefined);
    return null;
  }

  private onPartyHangup(call: Call, leg: PartyLeg, cause: number, causeText: string): void {
    if (call.consult === leg) {
      const left = call.inConference ? 'left the conference' : 'hung up';
      call.consult = null;
      leg.unwatch();
      if (call.state === 'connected' && call.agent) {
        this.o.bus.publish('call.consult_ended', {
          callId: call.id,
          agentId: call.agent.agentId,
          queueId: call.row.queue_id,
          target: leg.target,
        });
        this.rejoinMixing(call)
          .then(() => {
            call.held = false;
            call.transition('consult_cancel', `consulted party ${left} (${causeText})`);
          })
          .catch((err: unknown) => call.log.error({ err }, 'cannot return the caller after the consultation'));
      }
      return;
    }
    if (call.party === leg) {
      call.party = null;
      leg.unwatch();
      void this.endConversation(call, 'party', cause, causeText);
    }
  }

  /** Attended transfer, step 1: caller on hold, the agent talks to the target. */
  async consult(callId: string, target: { readonly number: string }): Promise<void> {
    const call = this.connectedWithAgent(callId);
    if (call.consult) throw new CallControlError('bad_state', 'a consultation is already in progress');
    const dial = this.dial(target.number);
    const settings = await this.settingsOf(call.agent);
    if (!call.held) {
      await this.switchOp(this.parkCaller(call, settings?.mohClass ?? 'default'));
      call.held = true;
    }
    call.transition('consult_start', `consulting ${target.number}`, { data: { target: dial } });
    const leg = await this.originateParty(call, dial);
    if (!leg || call.state !== 'connected' || !call.agent) {
      if (leg) {
        leg.unwatch();
        this.o.switchPort.hangup(leg.channelId).catch(() => undefined);
      }
      if (call.state === 'connected' && call.agent) {
        await this.rejoinMixing(call).catch(() => undefined);
        call.held = false;
        call.transition('consult_failed', `${target.number} did not answer`);
      }
      throw new CallControlError('switch', `${target.number} did not answer`);
    }
    try {
      await this.o.switchPort.addToBridge(call.row.mixing_bridge_id as string, leg.channelId);
    } catch (err) {
      leg.unwatch();
      this.o.switchPort.hangup(leg.channelId).catch(() => undefined);
      await this.rejoinMixing(call).catch(() => undefined);
      call.held = false;
      call.transition('consult_failed', 'cannot bridge the consulted party');
      throw new CallControlError('switch', (err as Error).message);
    }
    call.consult = leg;
    call.transition('consult_answered', `${target.number} answered`, { data: { target: dial } });
  }

  /**
   * Attended transfer, or a step to it: the caller joins the agent and the consulted party in one conversation.
   * From there the agent leaves (completeTransfer: the caller stays with the party) or drops the party
   * (cancelTransfer); the party hanging up leaves the caller with the agent.
   */
  async conference(callId: string): Promise<void> {
    const call = this.connectedWithAgent(callId);
    const consult = call.consult;
    if (!consult?.answered) throw new CallControlError('bad_state', 'no answered consultation to join');
    if (call.inConference) return;
    await this.switchOp(this.rejoinMixing(call));
    call.held = false;
    call.transition('consult_conference', `caller joined the agent and ${consult.target}`, {
      data: { target: consult.target },
    });
  }

  /** Attended transfer, step 2: the agent leaves, the caller joins the consulted party. */
  async completeTransfer(callId: string): Promise<void> {
    const call = this.connectedWithAgent(callId);
    const consult = call.consult;
    if (!consult?.answered) throw new CallControlError('bad_state', 'no answered consultation to complete');
    await this.releaseAgent(call, call.agent);
    call.consult = null;
    call.party = consult;
    await this.switchOp(this.rejoinMixing(call));
    call.held = false;
    call.talkStartedAt = this.now();
    call.transition('consult_complete', `transferred to ${consult.target}`, {
      patch: { disposition: 'transferred' },
      data: { target: consult.target },
    });
  }

  /** Attended transfer, cancelled: the consulted party is hung up, the caller is back with the agent. */
  async cancelTransfer(callId: string): Promise<void> {
    const call = this.connectedWithAgent(callId);
    const consult = call.consult;
    if (!consult) throw new CallControlError('bad_state', 'no consultation in progress');
    const reason = call.inConference
      ? `agent dropped ${consult.target} from the conference`
      : 'agent cancelled the transfer';
    call.consult = null;
    consult.unwatch();
    this.o.switchPort.hangup(consult.channelId).catch(() => undefined);
    await this.switchOp(this.rejoinMixing(call));
    call.held = false;
    call.transition('consult_cancel', reason);
  }

  /**
   * A supervisor listens to, whispers to the agent of, or barges in on a connected call from `endpoint` (a dial
   * string or a number), which rings first; called again with another mode, their session changes mode.
   */
  async monitor(callId: string, supervisor: Supervisor, mode: MonitorMode, endpoint: string): Promise<MonitorSession> {
    const call = this.connectedWithAgent(callId);
    return this.supervision.monitor(call, supervisor, mode, this.dial(endpoint));
  }

  /** The supervisor's phone is hung up and the call goes on as before. */
  stopMonitor(callId: string, userId: number): void {
    const call = this.liveCall(callId);
    if (!this.supervision.stop(call, userId))
      throw new CallControlError('not_found', `you are not listening to call ${callId}`);
  }

  /** The supervisors on a call now. */
  monitors(callId: string): MonitorSession[] {
    return this.supervision.list(callId);
  }

  /** The agent (or a supervisor) ends the call. */
  async hangup(callId: string): Promise<void> {
    const call = this.liveCall(callId);
    if (call.state === 'connected') {
      await this.endConversation(call, call.agent ? 'agent' : 'party', 16, 'hung up from the workspace');
      return;
    }
    if (call.state === 'wrap_up') throw new CallControlError('bad_state', 'the call is already over');
    if ((call.state === 'arriving' || call.state === 'dialing') && call.row.direction === 'outbound' && call.agent) {
      this.giveUpOutbound(
        call,
        call.agent,
        call.state === 'dialing' ? 'agent_hangup' : 'not_placed',
        'cancelled from the workspace',
        {
          disposition: 'cancelled',
          hangup_side: 'agent',
          hangup_cause: 16,
        },
      );
      return;
    }
    call.hangupRequestedBy = 'system';
    if (call.activity) {
      this.o.switchPort.hangup(call.channelId).catch(() => undefined);
      return;
    }
    this.onCallerGone(call, 16, 'hung up from the workspace');
  }

  /** The agent's disposition code; allowed while connected, in wrap-up, and after the call ended. */
  async setDisposition(callId: string, disposition: string): Promise<void> {
    const code = disposition.trim();
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(code))
      throw new CallControlError('bad_request', 'a disposition is 1-64 letters, digits, _ . or -');
    const call = this.registry.get(callId);
    if (call && !call.finished) {
      if (call.state === 'wrap_up')
        call.transition('disposition', `disposition ${code}`, { patch: { agent_disposition: code } });
      else call.update({ agent_disposition: code });
      return;
    }
    const row = await this.o.db('calls').where({ id: callId }).first('state');
    if (!row) throw new CallControlError('not_found', `no call ${callId}`);
    await this.o.db.transaction(async (trx) => {
      const last = await trx('call_events').where({ call_id: callId }).max({ seq: 'seq' }).first();
      await trx('calls').where({ id: callId }).update({ agent_disposition: code });
      await trx('call_events').insert({
        call_id: callId,
        seq: Number(last?.seq ?? 0) + 1,
        at: this.now(),
        from_state: row.state,
        event: 'disposition',
        to_state: row.state,
        data: JSON.stringify({ reason: `disposition ${code}` }),
      });
    });
  }

  /** Ends wrap-up early (the agent is ready before the timer). */
  endWrapUp(callId: string): void {
    const call = this.registry.get(callId);
    if (call) this.finishWrapUp(call, 'agent ended wrap-up');
  }

  private dial(number: string): string {
    const n = number.trim();
    if (/^[A-Za-z]+\/\S+$/.test(n)) return n;
    if (!/^\+?[0-9]{2,20}$/.test(n)) throw new CallControlError('bad_request', `not a phone number: ${number}`);
    return this.o.dialString ? this.o.dialString(n) : `PJSIP/${n}`;
  }

  // ============================================================================================================
  // Outbound: calls agents place
  // ============================================================================================================

  /**
   * Places a call for an agent, as click-to-dial: their own phone rings first, and once they pick up, the customer's
   * number is dialled while they hear ringback. Answered, it is a conversation like an inbound one (recorded, held,
   * transferred, wrapped up and followed up). Resolves once the call exists; the rest is told by its events.
   */
  async placeCall(request: OutboundCallRequest): Promise<{ readonly callId: string }> {
    if (!this.accepting) throw new CallControlError('switch', 'this orchestrator is not taking calls');
    const node = this.o.switchPort.connectionStates().find((s) => s.connected)?.node;
    if (!node) throw new CallControlError('switch', 'no Asterisk node is connected: the call cannot be placed');
    const attempts = this.trunkAttempts(request.number);
    const callId = request.callId ?? randomUUID();
    const { agent } = request;
    const callerId = request.callerId ?? this.o.outbound?.callerId;
    if (!(await this.o.acd.reserveAgent(agent.id, callId, request.campaign ? 'campaign' : 'agent')))
      throw new CallControlError(
        'bad_state',
        request.campaign
          ? `${agent.name} is no longer available for the campaign's call`
          : `${agent.name} cannot place a call now: only a logged-in agent whose phone is online, who is not on ` +
              'a call or being offered one, can',
      );
    const { call, leg } = await this.createOutboundCall({
      callId,
      node,
      agent,
      agentChannelId: randomUUID(),
      number: request.number,
      queueId: request.queueId,
      presented: callerId ?? '',
      trunk: attempts[0]?.trunk ?? null,
      reason: request.campaign
        ? `placed for ${agent.name} by campaign ${request.campaign.name}`
        : `placed by ${agent.name}`,
      campaignId: request.campaign?.id,
    });
    const machine = request.machine;
    const variables = machine?.action === 'message' ? { [MESSAGE_VARIABLE]: machine.sound } : undefined;
    const dial = { attempts, callerId, ...(machine ? { machine } : {}), ...(variables ? { variables } : {}) };
    this.runOutbound(call, leg, dial, request.campaign).catch((err: unknown) => {
      call.log.error({ err }, 'outbound call failed');
      this.giveUpOutbound(call, leg, 'fail', 'error placing the call', {
        disposition: 'failed',
        hangup_side: 'system',
      });
    });
    return { callId };
  }

  /**
   * A number dialled on a desk phone (dialplans/outbound.conf `[outbound-dial]`). When the phone is a logged-in
   * agent's who is free to place a call (available, paused or in wrap-up: not on a call or being offered one), the
   * orchestrator places it as it places a click-to-dial call (the agent is reserved, and the call has its CDR,
   * recording and follow-ups); the phone hears ringing until the customer answers. Any other call is let go to the
   * dialplan, which dials it directly: a phone must always be able to call out.
   */
  private async onDeskDialOut(ch: InboundChannel): Promise<void> {
    // Watch at once: the phone may hang up while its agent is looked up; that is replayed once the call exists.
    const early: ChannelEvent[] = [];
    const unwatchEarly = this.o.switchPort.watchChannel(ch.channelId, (event) => void early.push(event));
    const letGo = (why: string): void => {
      unwatchEarly();
      this.o.logger.info({ channelId: ch.channelId, channel: ch.channelName, why }, 'desk phone dials directly');
      this.o.switchPort
        .continueInDialplan(ch.channelId, { context: DIRECT_DIAL_CONTEXT, extension: ch.args[1] ?? '', priority: 1 })
        .catch(() => undefined);
    };
    if (!this.accepting) return letGo('this orchestrator is not taking calls');
    const dialled = parseDeskDialOut(ch.args);
    if ('error' in dialled) return letGo(dialled.error);
    // The list binds every phone, an agent's or not; without the database the phone dials alone (below).
    const listed = await doNotCallEntry(this.o.db, dialled.number).catch(() => null);
    if (listed) {
      unwatchEarly();
      this.o.logger.info({ channelId: ch.channelId, channel: ch.channelName }, doNotCallReason(listed));
      await this.refuseOnPhone(ch.channelId, 'sound:ariadne/number-do-not-call');
      return;
    }
    const endpoint = endpointOfChannel(ch.channelName);
    const agent = endpoint ? await endpointHolder(this.o.db, endpoint).catch(() => null) : null;
    if (!endpoint || !agent) return letGo(`${endpoint ?? ch.channelName} is no logged-in agent's phone`);
    // A phone that dials is reachable, whatever Asterisk last said: one that registers again keeps its old
    // Unreachable status until the next OPTIONS, up to qualify_frequency later (seen on Asterisk 22.10.1), and
    // would dial around Ariadne until then.
    await this.o.agents.setEndpointOnline?.(endpoint, true).catch(() => undefined);
    const callId = randomUUID();
    if (!(await this.o.acd.reserveAgent(agent.id, callId, 'agent').catch(() => false)))
      return letGo(`${agent.name} is on a call or being offered one`);
    let placed: { call: Call; leg: AgentLeg };
    try {
      placed = await this.createOutboundCall({
        callId,
        node: ch.node,
        agent: { ...agent, endpoint },
        agentChannelId: ch.channelId,
        number: dialled.number,
        queueId: null,
        presented: ch.callerNumber,
        trunk: dialled.trunks[0] ?? null,
        reason: `dialled on ${endpoint}`,
      });
    } catch (err) {
      this.o.logger.error({ err, agentId: agent.id }, 'cannot record the dialled call; the phone dials directly');
      return letGo('the call could not be recorded');
    }
    const { call, leg } = placed;
    leg.answered = true; // off-hook: a hang-up from here on cancels the call
    unwatchEarly();
    for (const event of early.splice(0)) this.onAgentEvent(call, leg, event);
    try {
      await this.announceOutbound(call, leg);
      if (call.finished) return;
      const name = ch.callerName.replace(/["<>]/g, '');
      await this.dialCustomer(call, leg, {
        attempts: dialled.trunks.map((trunk) => ({ dial: `PJSIP/${dialled.number}@${trunk}`, trunk })),
        callerId: ch.callerNumber ? (name ? `"${name}" <${ch.callerNumber}>` : ch.callerNumber) : undefined,
        // ARI's originate presents its callerId as the leg's connected line, allowed; the variables are set after
        // it, so this withholds the number (`i`: no update is signalled on a channel not yet called).
        variables: dialled.presentation ? { 'CONNECTEDLINE(pres,i)': dialled.presentation } : undefined,
        agentDialled: true,
      });
    } catch (err) {
      call.log.error({ err }, 'dialled call failed');
      this.giveUpOutbound(call, leg, 'fail', 'error placing the call', {
        disposition: 'failed',
        hangup_side: 'system',
      });
    }
  }

  /** A desk phone's call refused: it is answered to hear why, then hung up. */
  private async refuseOnPhone(channelId: string, prompt: string): Promise<void> {
    try {
      await this.o.switchPort.answer(channelId);
      await playAndWait(this.o.switchPort, { channelId }, [prompt], { timeoutMs: this.timings.playbackTimeoutMs });
    } catch {
      // The agent hung up already: there is nobody left to tell.
    }
    await this.o.switchPort.hangup(channelId).catch(() => undefined);
  }

  /** The ways out for a number the orchestrator places: the configured trunk, then its backup. */
  private trunkAttempts(number: string): TrunkAttempt[] {
    const first = { dial: this.dial(number), trunk: this.o.outbound?.trunk ?? null };
    const backup = this.o.outbound?.backupTrunk;
    const second = backup ? trunkDialString(backup)?.(number) : undefined;
    return second && second !== first.dial ? [first, { dial: second, trunk: backup ?? null }] : [first];
  }

  /** The row of a call an agent places, and its agent leg, watched from here on. */
  private async createOutboundCall(o: {
    callId: string;
    node: string;
    agent: OutboundCallRequest['agent'];
    agentChannelId: string;
    number: string;
    queueId: number | null;
    presented: string;
    trunk: string | null;
    reason: string;
    campaignId?: number;
  }): Promise<{ call: Call; leg: AgentLeg }> {
    const leg: AgentLeg = {
      agentId: o.agent.id,
      agentName: o.agent.name,
      endpoint: o.agent.endpoint,
      autoAnswer: o.agent.autoAnswer,
      channelId: o.agentChannelId,
      queueId: o.queueId,
      answered: false,
      unwatch: () => undefined,
    };
    const row = arrivingCallRow({
      id: o.callId,
      node: o.node,
      channel_id: randomUUID(),
      owner: this.o.instanceId,
      caller_raw: o.number,
      caller_name: null,
      did: o.presented.slice(0, 32),
      trunk: o.trunk,
      arrived_at: this.now(),
    });
    row.direction = 'outbound';
    row.caller_e164 = o.number;
    row.queue_id = o.queueId;
    row.agent_id = o.agent.id;
    row.agent_channel_id = leg.channelId;
    if (o.campaignId !== undefined) row.campaign_id = o.campaignId;
    const call = await Call.create(this.deps, row, o.reason);
    this.adopt(call);
    call.agent = leg;
    leg.unwatch = this.o.switchPort.watchChannel(leg.channelId, (event) => this.onAgentEvent(call, leg, event));
    return { call, leg };
  }

  /** Click-to-dial: the customer's screen pop, then the agent's own phone rings; picked up, the number is dialled. */
  private async runOutbound(
    call: Call,
    leg: AgentLeg,
    how: Pick<CustomerDial, 'attempts' | 'callerId' | 'machine' | 'variables'>,
    campaign?: CampaignOfCall,
  ): Promise<void> {
    const number = call.row.caller_raw;
    await this.announceOutbound(call, leg, campaign);
    const own = await this.originateAndWait(
      {
        endpoint: leg.endpoint,
        channelId: leg.channelId,
        node: call.node,
        // The desk phone shows whom it is about to call.
        callerId: `"${(call.customer?.name ?? 'Call to').replace(/["<>]/g, '')}" <${number}>`,
        timeoutSeconds: this.timings.ownPhoneRingSeconds,
        variables: { ARIADNE_CALL_ID: call.id, ...autoAnswerVariables(leg.endpoint, leg.autoAnswer) },
        appArgs: ['agent', call.id],
      },
      'agent ring',
    ).catch((err: unknown): OriginateOutcome => {
      call.log.warn({ err, endpoint: leg.endpoint }, "cannot ring the agent's phone");
      return { result: 'failed', cause: 20 };
    });
    if (call.finished) return;
    if (own.result !== 'answered') {
      this.giveUpOutbound(call, leg, 'not_placed', `${leg.agentName}'s phone did not pick up (${own.result})`, {
        disposition: 'not_placed',
        hangup_side: 'agent',
        hangup_cause: own.cause,
      });
      return;
    }
    leg.answered = true;
    await this.dialCustomer(call, leg, how);
  }

  /** The customer's card and the screen pop of a call being placed. */
  private async announceOutbound(call: Call, leg: AgentLeg, campaign?: CampaignOfCall): Promise<void> {
    await this.identify(call);
    this.o.bus.publish('call.offered', {
      callId: call.id,
      agentId: leg.agentId,
      queueId: leg.queueId,
      caller: call.row.caller_raw,
      customer: call.customer,
      ivr: {},
      direction: 'outbound',
      ...(campaign ? { campaign } : {}),
    });
  }

  /**
   * The agent is on the line (picked up, or dialled on their desk phone): the customer's number is dialled, trunk
   * after trunk while a trunk cannot carry it, and once answered the two are bridged and recorded.
   */
  private async dialCustomer(call: Call, leg: AgentLeg, how: CustomerDial): Promise<void> {
    const number = call.row.caller_raw;
    call.lastAgentId = leg.agentId;
    call.transition('dial', `${leg.agentName} is on the line; calling ${number}`, { data: { agentId: leg.agentId } });
    await this.o.acd
      .offerAnswered(call.id, leg.agentId)
      .catch((err: unknown) => call.log.error({ err }, 'acd.offerAnswered failed'));
    if (call.state !== 'dialing') return;
    // Ringback: a picked-up phone hears a tone; a desk phone still dialling is told the far end rings (180), and
    // plays its own.
    let ringback: PlaybackHandle | null = null;
    if (how.agentDialled) await this.o.switchPort.ring(leg.channelId).catch(() => undefined);
    else
      ringback = await this.o.switchPort.play({ channelId: leg.channelId }, 'tone:ring').catch((err: unknown) => {
        call.log.warn({ err }, 'no ringback for the agent');
        return null;
      });
    const outcome = await this.dialTrunks(call, how);
    // The agent hears ringing until the answer is screened, so they never hear a machine's greeting.
    const answeredBy =
      outcome.result === 'answered' && how.machine && call.state === 'dialing' ? await this.answeredBy(call) : 'human';
    if (ringback) this.o.switchPort.stopPlayback(ringback.playbackId).catch(() => undefined);
    if (call.state !== 'dialing') return; // the agent gave up meanwhile; the customer's leg was hung up
    if (answeredBy === 'gone') {
      this.giveUpOutbound(call, leg, 'not_answered', `${number} hung up during answering-machine detection`, {
        disposition: 'no_answer',
        hangup_side: 'caller',
        hangup_cause: 16,
      });
      return;
    }
    if (answeredBy === 'machine' && how.machine) {
      await this.leaveMachine(call, leg, how.machine);
      return;
    }
    if (outcome.result !== 'answered') {
      const disposition = outcome.result === 'busy' ? 'busy' : outcome.result === 'no_answer' ? 'no_answer' : 'failed';
      this.giveUpOutbound(call, leg, 'not_answered', `${number}: ${disposition} (cause ${outcome.cause})`, {
        disposition,
        hangup_side: outcome.result === 'busy' ? 'caller' : 'system',
        hangup_cause: outcome.cause,
      });
      return;
    }
    if (how.agentDialled) {
      // The desk phone's own call is answered only now, so the agent heard ringing, not silence.
      try {
        await withTimeout(this.o.switchPort.answer(leg.channelId), this.timings.switchTimeoutMs, 'answer');
      } catch (err) {
        if (call.state !== 'dialing') return;
        call.log.warn({ err }, "cannot answer the agent's phone");
        this.o.switchPort.hangup(call.channelId).catch(() => undefined);
        this.giveUpOutbound(call, leg, 'agent_hangup', 'the agent left as the customer answered', {
          disposition: 'cancelled',
          hangup_side: 'agent',
          hangup_cause: 16,
        });
        return;
      }
      if (call.state !== 'dialing') return;
    }
    const now = this.now();
    call.talkStartedAt = now;
    call.transition('answer', `${number} answered`, { patch: { answered_at: now }, data: { agentId: leg.agentId } });
    if (call.callerGone) {
      // The customer's hang-up came in while the answer was on its way.
      await this.endConversation(call, 'caller', 16, 'hung up as the call was answered');
      return;
    }
    // Read afresh after each wait (a hang-up may have ended the conversation meanwhile).
    const over = (): boolean => call.state !== 'connected' || call.closing;
    try {
      const mixing = await this.newMixingBridge(call);
      if (over()) {
        // Hung up while the bridge was being made: the teardown may have gone by before the bridge was noted.
        this.o.switchPort.destroyBridge(mixing).catch(() => undefined);
        return;
      }
      await this.o.switchPort.addToBridge(mixing, [call.channelId, leg.channelId]);
      call.inBridge = 'mixing';
    } catch (err) {
      if (over()) return;
      call.log.error({ err }, 'cannot bridge the agent and the customer');
      this.o.switchPort.hangup(leg.channelId).catch(() => undefined);
      await this.endConversation(call, 'agent', 41, 'bridge failed');
      return;
    }
    const settings = await this.settingsOf(leg);
    // A call placed for no queue is recorded: nothing says otherwise, and a lost recording cannot be made again.
    const recording = (settings?.recordCalls ?? true) ? this.startRecording(call, leg) : undefined;
    this.o.bus.publish('call.connected', { callId: call.id, agentId: leg.agentId, queueId: leg.queueId });
    await recording;
  }

  /**
   * Who answered the customer's line, as AMD() in the dialplan heard it; 'gone': the line hung up meanwhile (or the
   * verdict never came, and the line was hung up).
   */
  private async answeredBy(call: Call): Promise<'human' | 'machine' | 'gone'> {
    let back: readonly string[] | null;
    try {
      back = await this.o.switchPort.visitDialplan(call.channelId, AMD_DIALPLAN, AMD_WAIT_MS);
    } catch (err) {
      // The switch would not send the line to the dialplan: it is still here, unscreened, so the agent takes it.
      call.log.warn({ err }, 'answering-machine detection could not start; the call goes to the agent');
      return call.callerGone ? 'gone' : 'human';
    }
    if (!back || call.callerGone) return 'gone';
    const [, , status, cause] = back;
    call.log.info({ status, cause }, 'answering-machine detection');
    return isMachine(status) ? 'machine' : 'human';
  }

  /** A machine answered a campaign's call: it is left the campaign's message, or hung up on; the agent is free. */
  private async leaveMachine(call: Call, leg: AgentLeg, machine: MachineHandling): Promise<void> {
    const number = call.row.caller_raw;
    if (machine.action === 'message') {
      try {
        await this.o.switchPort.continueInDialplan(call.channelId, MESSAGE_DIALPLAN);
        // The dialplan plays the message and hangs up: the line is no longer the call's to hang up.
        call.markCallerGone();
        this.giveUpOutbound(call, leg, 'not_answered', `${number}: answering machine, message left`, {
          disposition: 'machine_message',
          hangup_side: 'system',
          hangup_cause: 16,
        });
        return;
      } catch (err) {
        if (call.state !== 'dialing') return;
        call.log.warn({ err }, 'the message for the answering machine could not be played; hanging up');
      }
    }
    this.giveUpOutbound(call, leg, 'not_answered', `${number}: answering machine`, {
      disposition: 'machine',
      hangup_side: 'system',
      hangup_cause: 16,
    });
  }

  /**
   * Rings the customer through each trunk in turn, on the call's own channel id. The next trunk is tried only when
   * this one could not carry the call (unreachable, congested, out of order), never after a busy or unanswered
   * number: the customer would ring twice (dialplans/outbound.conf keeps the same rule).
   */
  private async dialTrunks(call: Call, how: CustomerDial): Promise<OriginateOutcome> {
    let outcome: OriginateOutcome = { result: 'failed', cause: 41 };
    for (const [i, attempt] of how.attempts.entries()) {
      if (i > 0) {
        if (call.state !== 'dialing') break;
        call.log.warn(
          { trunk: how.attempts[i - 1]?.trunk, outcome },
          'trunk could not carry the call; trying the next',
        );
        // The failed leg took its watchers with it; the next leg has the same channel id.
        this.unwatchCaller.get(call.id)?.();
        this.unwatchCaller.set(
          call.id,
          this.o.switchPort.watchChannel(call.channelId, (event) => this.onCallerEvent(call, event)),
        );
        if (attempt.trunk !== call.row.trunk) call.update({ trunk: attempt.trunk });
      }
      let retry = false;
      outcome = await this.originateAndWait(
        {
          endpoint: attempt.dial,
          channelId: call.channelId,
          node: call.node,
          callerId: how.callerId,
          timeoutSeconds: this.o.outbound?.ringSeconds ?? 45,
          variables: { ARIADNE_CALL_ID: call.id, ...how.variables },
          appArgs: ['outbound', call.id],
        },
        'customer ring',
      ).catch((err: unknown): OriginateOutcome => {
        call.log.warn({ err, dial: attempt.dial }, 'the call to the customer could not be placed');
        // Refused outright (Asterisk could not make the channel: the trunk is down) is final for this trunk
        // only; any other error leaves the leg's fate unknown, and a second leg could ring the customer twice.
        retry = isSwitchError(err) && err.code === 'unreachable';
        return { result: 'failed', cause: retry ? 34 : 41 };
      });
      if (!retry && !(outcome.result === 'failed' && TRUNK_FAILURE_CAUSES.has(outcome.cause))) break;
    }
    return outcome;
  }

  /**
   * A conversation bridge for the call, on its node, noted in its row (which keeps it for recovery) unless the call
   * ended while it was being made: then the caller must delete it.
   */
  private async newMixingBridge(call: Call): Promise<string> {
    const mixing = randomUUID();
    await this.o.switchPort.createBridge({
      type: 'mixing',
      bridgeId: mixing,
      node: call.node,
      name: `call-${call.id}`,
    });
    if (!call.finished) call.update({ mixing_bridge_id: mixing });
    return mixing;
  }

  /** An outbound call that never became a conversation: it ends, and its agent is free again at once. */
  private giveUpOutbound(
    call: Call,
    leg: AgentLeg,
    event: 'not_placed' | 'not_answered' | 'agent_hangup' | 'fail',
    reason: string,
    patch: CallPatch,
  ): void {
    if (call.finished || call.state === 'connected' || call.state === 'wrap_up') return;
    leg.unwatch();
    if (call.agent === leg) call.agent = null;
    // A desk phone still dialling is told why (busy, congestion) and shows it; an answered phone just hangs up.
    const why = patch.disposition === 'busy' ? 'busy' : patch.disposition === 'failed' ? 'congestion' : undefined;
    this.o.switchPort.hangup(leg.channelId, why).catch(() => undefined);
    this.finish(call, event, reason, patch);
    if (leg.answered) {
      this.o.agents
        .callEnded(leg.agentId, call.id, 0)
        .catch((err: unknown) => call.log.error({ err }, 'agents.callEnded failed'));
    } else {
      void this.releaseLeg(call, leg, 'cancelled');
    }
  }

  // ============================================================================================================
  // Views
  // ============================================================================================================

  get(callId: string): CallSnapshot | null {
    const call = this.registry.get(callId);
    return call ? this.snapshot(call) : null;
  }

  list(): CallSnapshot[] {
    return this.registry.list().map((c) => this.snapshot(c));
  }

  /** Resolves once every write of the call issued so far has landed (tests, shutdown). */
  async flushed(callId?: string): Promise<void> {
    const calls = callId ? [this.registry.get(callId)].filter((c): c is Call => c !== undefined) : this.registry.list();
    await Promise.all(calls.map((c) => c.flushed()));
  }

  private snapshot(call: Call): CallSnapshot {
    return {
      callId: call.id,
      state: call.state,
      direction: call.row.direction,
      channelId: call.channelId,
      caller: call.row.caller_raw,
      callerE164: call.row.caller_e164,
      did: call.row.did,
      customerId: call.row.customer_id,
      tier: call.row.tier,
      queueId: call.row.queue_id,
      priority: call.row.priority,
      agentId: call.agent?.agentId ?? call.lastAgentId,
      held: call.held,
      consulting: call.consult?.target ?? null,
      conference: call.inConference,
      monitoredBy: this.supervision.list(call.id).map((m) => ({ ...m.supervisor, mode: m.mode })),
      transferredTo: call.party?.target ?? null,
      recording: call.recordingName ? { name: call.recordingName, paused: call.recordingPaused } : null,
      ivr: { ...call.ivrVars },
      arrivedAt: call.row.arrived_at,
      announcements: this.announceCounts.get(call.id) ?? 0,
    };
  }

  // ============================================================================================================
  // Recovery
  // ============================================================================================================

  /** Takes back a call found alive after a restart (see recovery.ts). */
  adoptRecovered(call: Call): void {
    this.adopt(call);
  }

  /**
   * Takes back a conversation that outlived a restart: the caller and, if still there, the agent leg are watched
   * again, so whoever hangs up first ends the call the normal way (wrap-up, CDR). Talk time before the restart
   * counts from answered_at. An agent leg that vanished meanwhile ends the conversation now.
   */
  adoptConversation(
    call: Call,
    liveChannels: ReadonlySet<string>,
    openRecording: { readonly id: string; readonly name: string; readonly startedAt: Date } | null = null,
    monitors: readonly MonitorRecord[] = [],
  ): void {
    this.adopt(call);
    if (openRecording) {
      call.adoptedRecording = openRecording;
      call.recordingName = openRecording.name;
      call.recordingCount = 1;
    }
    const now = this.now();
    call.inBridge = call.row.mixing_bridge_id ? 'mixing' : null;
    call.lastAgentId = call.row.agent_id;
    call.talkMs = call.row.answered_at ? Math.max(0, now.getTime() - call.row.answered_at.getTime()) : 0;
    call.talkStartedAt = now;
    const legId = call.row.agent_channel_id;
    const agentId = call.row.agent_id;
    if (!legId || agentId === null) return;
    const leg: AgentLeg = {
      agentId,
      agentName: `agent ${agentId}`,
      endpoint: '',
      channelId: legId,
      queueId: call.row.queue_id,
      answered: true,
      unwatch: () => undefined,
    };
    call.agent = leg;
    // Supervisors first, so an agent leg gone meanwhile hangs their phones up with the conversation's end.
    this.supervision.adopt(call, monitors, liveChannels);
    if (liveChannels.has(legId)) {
      leg.unwatch = this.o.switchPort.watchChannel(legId, (event) => this.onAgentEvent(call, leg, event));
    } else {
      void this.endConversation(call, 'agent', 16, 'agent leg gone during a restart');
    }
  }

  /** Supervisors' sessions kept for calls that did not survive a restart as conversations: what is left goes. */
  discardMonitors(monitors: readonly MonitorRecord[], liveChannels: ReadonlySet<string>): void {
    this.supervision.discard(monitors, liveChannels);
  }

  requeueRecovered(call: Call, reason: string): Promise<void> {
    if (call.route) return this.enterQueue(call, call.route, 'move_queue', reason);
    return this.routeAndQueue(call, 'enqueue', reason);
  }
}
