import type { AgentService } from '../agents/service.js';
import type { Db } from '../db/knex.js';
import { DEMO_DID, DEMO_DIRECT_DID } from '../db/seed/index.js';
import type { Logger } from '../logger.js';
import type { Simulator } from '../simulator/index.js';
import type { CallScriptStep } from '../simulator/control.js';
import { SURVEY_PROMPTS } from '../surveys/index.js';

/** The simulator's carrier in demo mode: agents' outbound calls and transfers to numbers go out through it. */
export const DEMO_TRUNK = 'carrier-a';

/**
 * Demo mode's living contact center: every agent's phone exists on the simulator and answers after a moment,
 * some agents are logged in, and callers (known customers, strangers, the odd withheld number) ring the demo
 * DID, pick menu options and hang up after a while. Only ever runs against the in-process simulator.
 */
export interface DemoTrafficOptions {
  readonly db: Db;
  readonly simulator: Simulator;
  readonly agents: AgentService;
  readonly logger: Logger;
  readonly callsPerMinute: number;
  readonly agentsAvailable: number;
  readonly random?: () => number;
  /** How often one of the logged-in demo agents who is free takes a break (default 90 s; 0 = never). */
  readonly breakEveryMs?: number;
  /** How long a break lasts, at least and at most (default 2 to 5 minutes). */
  readonly breakMs?: readonly [number, number];
}

const MENU_CHOICES = ['1', '2', '3', '0'];

export class DemoTraffic {
  private timer: NodeJS.Timeout | undefined;
  private breakTimer: NodeJS.Timeout | undefined;
  private readonly breaks = new Set<NodeJS.Timeout>();
  private callers: string[] = [];
  private readonly random: () => number;

  constructor(private readonly o: DemoTrafficOptions) {
    this.random = o.random ?? Math.random;
  }

  private between(min: number, max: number): number {
    return Math.round(min + this.random() * (max - min));
  }

  async start(): Promise<void> {
    const agents = await this.o.db('agents').select('id', 'endpoint', 'user_id').orderBy('id');
    for (const agent of agents as { id: number; endpoint: string; user_id: number | null }[]) {
      const slash = agent.endpoint.indexOf('/');
      if (slash < 0) continue;
      this.o.simulator.control.setEndpoint(agent.endpoint.slice(0, slash), agent.endpoint.slice(slash + 1), {
        behaviour: 'answer',
        afterMs: this.between(800, 3000),
        // The phone of an agent driven by a person in the browser never hangs up on its own.
        talkMs: agent.user_id ? 0 : this.between(15_000, 45_000),
      });
    }
    // Every number called through the demo's carrier answers after a few rings and stays until the agent hangs up.
    this.o.simulator.control.setEndpoint('PJSIP', DEMO_TRUNK, { behaviour: 'answer', afterMs: 4000, talkMs: 0 });
    // One in five of the campaigns' numbers is answered by a machine, so their screening shows in their results.
    const contacts = (await this.o.db('campaign_contacts').distinct('e164').orderBy('e164')) as { e164: string }[];
    for (const [i, { e164 }] of contacts.entries()) {
      if (i % 5 !== 4) continue;
      this.o.simulator.control.setEndpoint('PJSIP', `${e164}@${DEMO_TRUNK}`, {
        behaviour: 'machine',
        afterMs: 4000,
        talkMs: 0,
      });
    }
    // Leave agents bound to demo users for the person at the keyboard; log in a handful of the others.
    const unattended = (agents as { id: number; user_id: number | null }[]).filter((a) => !a.user_id);
    const working = unattended.slice(0, this.o.agentsAvailable);
    for (const agent of working) {
      try {
        const state = (await this.o.agents.get(agent.id))?.state;
        if (state === 'logged_out') await this.o.agents.login(agent.id);
      } catch (err) {
        this.o.logger.warn({ err, agentId: agent.id }, 'demo agent not logged in');
      }
    }
    const phones = await this.o.db('customer_phones').select('e164').orderBy('id').limit(500);
    this.callers = (phones as { e164: string }[]).map((p) => p.e164);
    if (this.o.callsPerMinute > 0) {
      this.timer = setInterval(() => this.placeOne(), 60_000 / this.o.callsPerMinute);
      this.timer.unref();
    }
    const breakEveryMs = this.o.breakEveryMs ?? 90_000;
    if (breakEveryMs > 0 && working.length > 0) {
      this.breakTimer = setInterval(() => void this.takeBreak(working.map((a) => a.id)), breakEveryMs);
      this.breakTimer.unref();
    }
    this.o.logger.info({ callsPerMinute: this.o.callsPerMinute, agents: Math.min(unattended.length, this.o.agentsAvailable) }, 'demo traffic started');
  }

  private pickCaller(): string {
    const roll = this.random();
    if (roll < 0.05) return 'anonymous';
    if (roll < 0.2 || this.callers.length === 0) return `+86139${String(this.between(0, 99_999_999)).padStart(8, '0')}`;
    return this.callers[this.between(0, this.callers.length - 1)] ?? 'anonymous';
  }

  placeOne(): void {
    const script: CallScriptStep[] = [
      { atMs: 1500, dtmf: '1' }, // language
      { atMs: 3200, dtmf: MENU_CHOICES[this.between(0, MENU_CHOICES.length - 1)] ?? '0' },
    ];
    // Most callers asked for the survey (queues with `ivr`, after the agent hangs up) key a score, mostly content.
    if (this.random() < 0.7) {
      const score = this.random() < 0.8 ? this.between(4, 5) : this.between(1, 3);
      script.push({ atMs: 2500, afterMedia: SURVEY_PROMPTS.ask, dtmf: String(score) });
    }
    try {
      // Half the callers ring the main IVR number (after hours they leave voicemail, as in real life); the other
      // half ring the direct line, which the router sends straight to a queue, so agents are busy at any hour.
      const to = this.random() < 0.5 ? DEMO_DID : DEMO_DIRECT_DID;
      this.o.simulator.control.placeCall({ from: this.pickCaller(), to, script, hangupAfterMs: this.between(60_000, 180_000) });
    } catch (err) {
      this.o.logger.warn({ err }, 'demo call not placed');
    }
  }

  /**
   * One free demo agent pauses with the first of the admin's pause reasons and comes back a few minutes later, so
   * the wallboard, the pause report and the presence timeline show pauses as a real floor has them.
   */
  async takeBreak(agentIds: readonly number[]): Promise<void> {
    const agentId = agentIds[this.between(0, agentIds.length - 1)];
    if (agentId === undefined) return;
    try {
      if ((await this.o.agents.get(agentId))?.state !== 'available') return;
      await this.o.agents.pause(agentId);
    } catch (err) {
      // Taken by a call or changed by a supervisor meanwhile: no break this time.
      this.o.logger.debug({ err, agentId }, 'demo agent break not taken');
      return;
    }
    const [min, max] = this.o.breakMs ?? [120_000, 300_000];
    const back = setTimeout(() => {
      this.breaks.delete(back);
      void this.o.agents
        .get(agentId)
        .then((a) => (a?.state === 'paused' ? this.o.agents.unpause(agentId) : undefined))
        .catch((err: unknown) => this.o.logger.debug({ err, agentId }, 'demo agent not back from a break'));
    }, this.between(min, max));
    back.unref();
    this.breaks.add(back);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.breakTimer) clearInterval(this.breakTimer);
    for (const back of this.breaks) clearTimeout(back);
    this.breaks.clear();
    this.timer = undefined;
    this.breakTimer = undefined;
  }
}
