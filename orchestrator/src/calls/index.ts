import type { Config } from '../config/schema.js';
import { createHttpCrm } from '../crm/external.js';
import { CustomerIdentifier } from '../crm/identify.js';
import type { ExternalCrm } from '../crm/types.js';
import type { Db } from '../db/knex.js';
import type { EventBus } from '../events/bus.js';
import { FlowRepository } from '../ivr/flows.js';
import { BusinessHoursStore } from '../ivr/hours.js';
import { createDbLookups } from '../ivr/lookups.js';
import { noopRecogniser, type SpeechRecogniser } from '../ivr/recogniser.js';
import { logger as rootLogger, type Logger } from '../logger.js';
import type { Acd, Router } from '../routing/types.js';
import type { SwitchPort } from '../telephony/port.js';
import { trunkDialString } from './dial-out.js';
import { QueueSettingsStore } from './queues.js';
import { recoverCalls, type RecoveryReport } from './recovery.js';
import { BlockedCallers } from './blocked-callers.js';
import {
  CallService,
  type AgentCallHooks,
  type CallFollowUps,
  type CallTimings,
  type RecordingUploads,
} from './service.js';

export {
  CallService,
  CallControlError,
  DEFAULT_TIMINGS,
  type CallSnapshot,
  type TransferTarget,
  type AgentCallHooks,
  type CallTimings,
  type RecordingUploads,
  type CallFollowUps,
  type FinishedCall,
} from './service.js';
export { trunkDialString } from './dial-out.js';
export { TRANSITIONS, CALL_STATES, nextState, type CallState, type CallEvent } from './states.js';
export type { RecoveryReport } from './recovery.js';

export interface CallCenterOptions {
  readonly db: Db;
  readonly switchPort: SwitchPort;
  readonly router: Router;
  readonly acd: Acd;
  readonly agents: AgentCallHooks;
  readonly bus: EventBus;
  readonly config: {
    readonly telephony: Pick<Config['telephony'], 'defaultCountry'> &
      Partial<
        Pick<Config['telephony'], 'outboundTrunk' | 'outboundTrunkBackup' | 'outboundCallerId' | 'outboundRingS'>
      >;
    readonly crm: Pick<Config['crm'], 'url' | 'timeoutMs'>;
    readonly instanceId?: string;
  };
  readonly logger?: Logger;
  /** Queues the upload of each recording once Asterisk has stored it (app.ts → the recording pipeline). */
  readonly recordingUploads?: RecordingUploads;
  /** What follows each finished call (app.ts → aftercall/): queued in the call's last commit. */
  readonly followUps?: CallFollowUps;
  readonly recogniser?: SpeechRecogniser;
  /** Overrides the HTTP CRM built from config.crm.url (null = none). */
  readonly externalCrm?: ExternalCrm | null;
  readonly now?: () => Date;
  readonly timings?: Partial<CallTimings>;
  readonly defaultQueueName?: string;
  /** Language of unknown callers before any IVR choice (default: zh for CN, else en). */
  readonly defaultLanguage?: string;
  readonly dialString?: (number: string) => string;
}

export interface CallCenter {
  /**
   * Registers the call handlers and recovers this instance's calls left from before a restart. When the switch
   * or the database cannot be asked yet, recovery is retried in the background and this resolves to null.
   */
  start(): Promise<RecoveryReport | null>;
  stop(): Promise<void>;
  readonly calls: CallService;
  readonly flows: FlowRepository;
  readonly identifier: CustomerIdentifier;
  /** The blocked-callers list; the API rereads it after a change (`reload`). */
  readonly blockedCallers: BlockedCallers;
}

/** The single wiring entry for main.ts: everything the inbound call needs, built from its collaborators. */
export function createCallCenter(options: CallCenterOptions): CallCenter {
  const logger = options.logger ?? rootLogger.child({ module: 'calls' });
  const telephony = options.config.telephony;
  const instanceId = options.config.instanceId ?? 'ariadne';
  const now = options.now ?? (() => new Date());
  const external =
    options.externalCrm !== undefined
      ? options.externalCrm
      : options.config.crm.url
        ? createHttpCrm({ url: options.config.crm.url, timeoutMs: options.config.crm.timeoutMs })
        : null;
  const identifier = new CustomerIdentifier({
    db: options.db,
    defaultCountry: options.config.telephony.defaultCountry,
    external,
    externalTimeoutMs: options.config.crm.timeoutMs,
  });
  const flows = new FlowRepository(options.db);
  const hours = new BusinessHoursStore(options.db);
  const queues = new QueueSettingsStore(options.db);
  const blockedCallers = new BlockedCallers({ db: options.db, switchPort: options.switchPort, logger, now });
  const calls = new CallService({
    db: options.db,
    switchPort: options.switchPort,
    router: options.router,
    acd: options.acd,
    agents: options.agents,
    bus: options.bus,
    logger,
    identifier,
    flows,
    queues,
    ivr: { lookups: createDbLookups(options.db), hours, recogniser: options.recogniser ?? noopRecogniser },
    instanceId,
    now,
    timings: options.timings,
    defaultQueueName: options.defaultQueueName ?? 'general',
    defaultLanguage: options.defaultLanguage ?? (options.config.telephony.defaultCountry === 'CN' ? 'zh' : 'en'),
    dialString: options.dialString ?? trunkDialString(telephony.outboundTrunk),
    outbound: {
      callerId: telephony.outboundCallerId,
      ringSeconds: telephony.outboundRingS ?? 45,
      trunk: telephony.outboundTrunk,
      backupTrunk: telephony.outboundTrunkBackup,
    },
    recordingUploads: options.recordingUploads,
    followUps: options.followUps,
    blockedCallers,
  });
  let started = false;
  let retryTimer: NodeJS.Timeout | undefined;
  // An erased caller's card is not served from the cache for its last seconds.
  const unsubscribeErased = options.bus.subscribe('customer.erased', (e) => {
    for (const n of e.numbers) identifier.invalidate(n);
  });
  return {
    calls,
    flows,
    identifier,
    blockedCallers,
    async start() {
      if (!started) {
        started = true;
        // Read before the first call is taken; AstDB is written in the background (AMI may still be connecting).
        await blockedCallers.start();
        calls.attach();
      }
      const recover = (): Promise<RecoveryReport> =>
        recoverCalls({
          db: options.db,
          switchPort: options.switchPort,
          service: calls,
          agents: options.agents,
          deps: { db: options.db, bus: options.bus, logger, now },
          instanceId,
          logger,
          recordingUploads: options.recordingUploads,
          followUps: options.followUps,
        });
      try {
        return await recover();
      } catch (err) {
        logger.warn({ err }, 'call recovery failed; retrying in the background');
        let attempt = 0;
        const retry = (): void => {
          retryTimer = setTimeout(() => {
            recover().catch((e: unknown) => {
              logger.warn({ err: e, attempt }, 'call recovery failed again');
              if (++attempt < 60) retry();
            });
          }, 5_000);
          retryTimer.unref();
        };
        retry();
        return null;
      }
    },
    async stop() {
      clearTimeout(retryTimer);
      unsubscribeErased();
      blockedCallers.stop();
      await calls.detach();
    },
  };
}
