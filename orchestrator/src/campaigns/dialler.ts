import { randomUUID } from 'node:crypto';
import type { CallService } from '../calls/service.js';
import { doNotCallEntry } from '../calls/do-not-call.js';
import type { Db } from '../db/knex.js';
import type { BusEvents, EventBus } from '../events/bus.js';
import type { HoursState } from '../ivr/hours.js';
import type { Logger } from '../logger.js';
import type { OfferedAgent } from '../routing/types.js';
import {
  claimNextContact,
  dialingCallIds,
  pendingTimeZones,
  runningCampaigns,
  setCampaignState,
  settleContactOfCall,
  skipContact,
  unclaimContact,
  type CampaignSettings,
} from './repository.js';
import { insideContactHours, parseContactHours } from './contact-hours.js';
import { machineHandling } from './machine.js';
import { fillScript } from './script.js';

export interface DiallerOptions {
  readonly db: Db;
  readonly acd: { idleAgentsFor(queueId: number, max: number): OfferedAgent[] };
  readonly calls: Pick<CallService, 'placeCall' | 'flushed'>;
  readonly bus: EventBus;
  readonly hours: { state(name: string, at: Date): Promise<HoursState | null> };
  readonly logger: Logger;
  readonly now?: () => Date;
  /** How often the running campaigns are looked at (ms, default 2000; 0: only when tick() is called). */
  readonly intervalMs?: number;
  /** Agents one campaign places calls for in one look (default 50). */
  readonly maxAgentsPerTick?: number;
}

/** A contact left `dialing` this long ago by an orchestrator that is gone is settled by its call's row. */
const ORPHANED_AFTER_MS = 60_000;
/** Looks between two searches for such contacts (the first look searches). */
const ORPHAN_CHECK_EVERY = 30;
/**
 * Calls in a row that no trunk could carry before the campaign is paused: its numbers are not being dialled at all
 * (a trunk that is down, or none configured), and every look would only write another failed call.
 */
const TRUNK_FAILURES_BEFORE_PAUSE = 3;

/** How long the time zones of a campaign's pending contacts are trusted before they are read again. */
const ZONES_REFRESH_MS = 60_000;

/**
 * The progressive dialler: every look, each running campaign inside its hours gets one call per available agent
 * of its queue whom no caller of that queue is waiting for (Acd.idleAgentsFor), for its next due contact. The call
 * is an ordinary click-to-dial call (CallService.placeCall: the agent's phone rings first, then the customer) named
 * by the dialler, so its contact is settled when it ends: done when the customer answered, otherwise tried again
 * after the campaign's retry time until its attempts run out.
 */
export class CampaignDialler {
  /** Calls placed here whose contact is not settled yet. */
  private readonly placed = new Set<string>();
  private readonly lastWarning = new Map<number, string>();
  /** Per campaign: its latest calls that no trunk could carry, in a row. */
  private readonly trunkFailures = new Map<number, number>();
  /** Per campaign with contact hours: the time zones of its pending contacts, and when they were read. */
  private readonly pendingZones = new Map<number, { readonly readAt: number; readonly zones: readonly string[] }>();
  private timer: NodeJS.Timeout | undefined;
  private looking: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  private looks = 0;
  private readonly now: () => Date;

  constructor(private readonly o: DiallerOptions) {
    this.now = o.now ?? (() => new Date());
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.o.bus.subscribe('call.ended', (e) => this.onCallEnded(e));
    const every = this.o.intervalMs ?? 2000;
    if (every > 0) {
      this.timer = setInterval(() => void this.tick(), every);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.looking;
  }

  /** One look at the running campaigns; a look already under way is joined, not doubled. */
  tick(): Promise<void> {
    this.looking ??= this.look()
      .catch((err: unknown) => this.o.logger.error({ err }, 'dialler look failed'))
      .finally(() => (this.looking = null));
    return this.looking;
  }

  private async look(): Promise<void> {
    if (this.looks++ % ORPHAN_CHECK_EVERY === 0) await this.settleOrphans();
    for (const campaign of await runningCampaigns(this.o.db)) {
      if (this.stopped) return;
      if (campaign.hours && (await this.o.hours.state(campaign.hours, this.now())) !== 'open') continue;
      const agents = this.o.acd.idleAgentsFor(campaign.queueId, this.o.maxAgentsPerTick ?? 50);
      if (agents.length === 0) continue;
      const zones = await this.openZones(campaign);
      for (const agent of agents) {
        if (this.stopped || !(await this.placeFor(campaign, agent, zones))) break;
      }
    }
  }

  /**
   * The time zones in which the campaign may call its contacts now (its contact hours on their clocks); undefined
   * when it has no contact hours: any contact.
   */
  private async openZones(campaign: CampaignSettings): Promise<readonly string[] | undefined> {
    if (!campaign.contactHours) return undefined;
    const hours = parseContactHours(campaign.contactHours);
    // Saved hours were checked; a row edited by hand to nonsense calls nobody of a known zone.
    if ('error' in hours) return [];
    const now = this.now();
    let known = this.pendingZones.get(campaign.id);
    if (!known || now.getTime() - known.readAt > ZONES_REFRESH_MS) {
      known = { readAt: now.getTime(), zones: await pendingTimeZones(this.o.db, campaign.id) };
      this.pendingZones.set(campaign.id, known);
    }
    return known.zones.filter((zones) => insideContactHours(zones, hours, now));
  }

  /** Places the campaign's next due contact for this agent. False: no contact is due, or the call was refused. */
  private async placeFor(
    campaign: CampaignSettings,
    agent: OfferedAgent,
    openZones: readonly string[] | undefined,
  ): Promise<boolean> {
    const machine = machineHandling(campaign);
    for (;;) {
      const callId = randomUUID();
      const contact = await claimNextContact(this.o.db, campaign.id, callId, this.now(), openZones);
      if (!contact) return false;
      if (await doNotCallEntry(this.o.db, contact.e164)) {
        // Listed after it was added: its turn never comes.
        await skipContact(this.o.db, contact, 'do_not_call', this.now());
        continue;
      }
      this.placed.add(callId);
      try {
        await this.o.calls.placeCall({
          agent: { id: agent.agentId, name: agent.agentName, endpoint: agent.endpoint, autoAnswer: agent.autoAnswer },
          number: contact.e164,
          queueId: campaign.queueId,
          callId,
          ...(campaign.callerId ? { callerId: campaign.callerId } : {}),
          campaign: {
            id: campaign.id,
            name: campaign.name,
            contact: contact.name,
            script: campaign.script && fillScript(campaign.script, { contact: contact.name, agent: agent.agentName }),
          },
          ...(machine ? { machine } : {}),
        });
        this.lastWarning.delete(campaign.id);
        return true;
      } catch (err) {
        // The agent was taken meanwhile, or the switch is away: the contact keeps its turn.
        this.placed.delete(callId);
        await unclaimContact(this.o.db, contact, this.now());
        this.warnOnce(campaign, err);
        return false;
      }
    }
  }

  /** A refusal is logged when it changes, not on every look while the switch stays away. */
  private warnOnce(campaign: CampaignSettings, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (this.lastWarning.get(campaign.id) === message) return;
    this.lastWarning.set(campaign.id, message);
    this.o.logger.warn({ campaignId: campaign.id, err: message }, 'campaign call not placed');
  }

  private onCallEnded(e: BusEvents['call.ended']): void {
    if (!this.placed.delete(e.callId)) return;
    // Published as the call ends, before its row's last write has landed: settled on the written row.
    this.o.calls
      .flushed(e.callId)
      .then(() => this.settle(e.callId))
      .catch((err: unknown) => this.o.logger.error({ err, callId: e.callId }, 'campaign contact not settled'));
  }

  private async settle(callId: string): Promise<void> {
    const settled = await settleContactOfCall(this.o.db, callId, this.now());
    if (!settled || settled.result === 'not_placed') return;
    const { campaignId } = settled;
    if (settled.result !== 'trunk_failed') {
      this.trunkFailures.delete(campaignId);
      return;
    }
    const inRow = (this.trunkFailures.get(campaignId) ?? 0) + 1;
    this.trunkFailures.set(campaignId, inRow);
    if (inRow < TRUNK_FAILURES_BEFORE_PAUSE) return;
    this.trunkFailures.delete(campaignId);
    await setCampaignState(this.o.db, campaignId, 'paused', this.now());
    this.o.logger.error(
      { campaignId, callsInRow: inRow },
      'campaign paused: no trunk could carry its calls (check ARIADNE_OUTBOUND_TRUNK and the trunk on Asterisk); its contacts keep their attempts',
    );
  }

  /**
   * Contacts left dialing by an orchestrator that stopped (this one before a restart, or another): each is settled
   * by its call's row once that says the call ended; a call never written puts its contact back. A call still live
   * is left to whoever holds it.
   */
  private async settleOrphans(): Promise<void> {
    const before = new Date(this.now().getTime() - ORPHANED_AFTER_MS);
    for (const callId of await dialingCallIds(this.o.db, before)) {
      if (!this.placed.has(callId)) await this.settle(callId);
    }
  }
}
