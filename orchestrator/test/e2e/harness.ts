/**
 * End-to-end harness: the real ARI adapter against the simulator (a fake Asterisk on the wire), the real rule
 * router, ACD and agent service, the call center, and a fresh MariaDB database seeded with the demo data.
 * Timers are short: 20 ms prompts, 1 s ring timeouts and wrap-ups.
 */
import { expect } from 'chai';
import { pino } from 'pino';
import { AgentService } from '../../src/agents/service.js';
import {
  createCallCenter,
  nextState,
  type CallCenter,
  type CallFollowUps,
  type CallState,
} from '../../src/calls/index.js';
import type { Db } from '../../src/db/knex.js';
import { seedDemo, type SeedDemoResult } from '../../src/db/seed/index.js';
import { EventBus, type BusEvents } from '../../src/events/bus.js';
import { AcdEngine } from '../../src/routing/acd.js';
import { RuleRouter } from '../../src/routing/router.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { MediaTarget, OriginateOptions, SwitchPort } from '../../src/telephony/port.js';
import { createSwitch } from '../../src/telephony/index.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { recordingUploadsInto } from '../calls/fakes.js';

export const INSTANCE = 'e2e-1';
const debug = Boolean(process.env.E2E_DEBUG);
export const log = pino({ level: debug ? 'debug' : 'silent' });

export interface EventRow {
  seq: number;
  from_state: string | null;
  event: string;
  to_state: string;
  data: string | null;
  at: unknown;
}

export interface StackOptions {
  /** Changes to the seeded data before the services start (queue settings, overflow, ...). */
  prepare?: (db: Db, seed: SeedDemoResult) => Promise<void>;
  /** Wall-clock instant the call center, router, ACD and agents see now (time moves on from there). */
  clockAt?: string;
  /** Reuse a database (restart tests). */
  testDb?: TestDb;
  sim?: Simulator;
  /** What follows each finished call (aftercall/), built on the stack's database. */
  followUps?: (db: Db) => CallFollowUps;
  /** Outbound settings (the carrier trunk, ring time). */
  outbound?: { trunk?: string; backupTrunk?: string; ringS?: number; callerId?: string };
}

export class Stack {
  offers: Array<BusEvents['call.offered']> = [];
  ended: Array<BusEvents['call.ended']> = [];
  stored: string[] = [];
  plays: Array<{ target: MediaTarget; media: string[] }> = [];
  originates: OriginateOptions[] = [];
  continues: Array<{ channelId: string; context?: string; extension?: string }> = [];

  constructor(
    readonly sim: Simulator,
    readonly t: TestDb,
    readonly seed: SeedDemoResult,
    readonly sw: SwitchPort,
    readonly bus: EventBus,
    readonly agents: AgentService,
    readonly router: RuleRouter,
    readonly acd: AcdEngine,
    public center: CallCenter,
  ) {}

  get db(): Db {
    return this.t.db;
  }

  agentId(n: number): number {
    const id = this.seed.agentIds[`PJSIP/${n}`];
    if (id === undefined) throw new Error(`no agent ${n}`);
    return id;
  }

  queueId(name: string): number {
    const id = this.seed.queueIds[name];
    if (id === undefined) throw new Error(`no queue ${name}`);
    return id;
  }

  /** The agent's phone behaves like this, and the agent logs in. */
  async login(
    n: number,
    behaviour: 'answer' | 'no-answer' | 'busy' | 'unreachable' = 'answer',
    afterMs = 50,
  ): Promise<void> {
    this.phone(n, behaviour, afterMs);
    await this.agents.login(this.agentId(n));
    await this.acd.idle();
  }

  phone(n: number, behaviour: 'answer' | 'no-answer' | 'busy' | 'unreachable', afterMs = 50): void {
    this.sim.control.setEndpoint('PJSIP', String(n), { behaviour, afterMs });
  }

  async call(from: string, to: string): Promise<{ channelId: string; callId: string }> {
    const { channelId } = this.sim.control.placeCall({ from, to });
    const callId = await waitFor(
      () => this.center.calls.list().find((c) => c.channelId === channelId)?.callId,
      `a call for channel ${channelId}`,
    );
    return { channelId, callId };
  }

  state(callId: string): string | undefined {
    return this.center.calls.get(callId)?.state;
  }

  async waitState(callId: string, state: string, timeoutMs = 6000): Promise<void> {
    await waitFor(
      () => this.state(callId) === state,
      `call ${callId} to be ${state} (is ${this.state(callId)})`,
      timeoutMs,
    );
  }

  async row(callId: string): Promise<Record<string, unknown>> {
    await this.center.calls.flushed(callId);
    return (await this.db('calls').where({ id: callId }).first()) as Record<string, unknown>;
  }

  /** The CDR once the call reached a terminal state (ended or abandoned) in the database. */
  async finalRow(callId: string, state: 'ended' | 'abandoned', timeoutMs = 8000): Promise<Record<string, unknown>> {
    return waitFor(
      async () => {
        const r = await this.row(callId);
        return r?.state === state ? r : null;
      },
      `CDR of ${callId} to be ${state}`,
      timeoutMs,
    );
  }

  async events(callId: string): Promise<EventRow[]> {
    await this.center.calls.flushed(callId);
    const rows = (await this.db('call_events').where({ call_id: callId }).orderBy('seq')) as EventRow[];
    rows.forEach((r, i) => expect(r.seq, 'call_events seq has no gaps').to.equal(i + 1));
    return rows;
  }

  async eventNames(callId: string): Promise<string[]> {
    return (await this.events(callId)).map((e) => `${e.from_state ?? '-'}>${e.event}>${e.to_state}`);
  }

  /** Live channels of a phone (PJSIP/<n>-...), ringing or answered. */
  legsOf(n: number): string[] {
    return this.sim.control
      .channels()
      .filter((c) => c.name.startsWith(`PJSIP/${n}-`))
      .map((c) => c.id);
  }

  /** The agent leg of a call as the call flow recorded it (calls.agent_channel_id). */
  async agentLeg(callId: string): Promise<string | null> {
    return ((await this.row(callId)).agent_channel_id as string | null) ?? null;
  }

  async agentState(n: number): Promise<string> {
    const row = await this.db('agents')
      .where({ id: this.agentId(n) })
      .first('state');
    return String(row?.state);
  }

  /**
   * Every CDR and event log in the database is consistent: terminal state, times in order, the log starts with
   * `arrive`, chains from_state → to_state without gaps, uses only transitions of the table, and ends in the
   * state the row has.
   */
  async expectConsistentCalls(): Promise<number> {
    const rows = (await this.db('calls').select()) as Array<Record<string, unknown>>;
    for (const row of rows) {
      const id = String(row.id);
      expect(['ended', 'abandoned'], `call ${id} state`).to.include(row.state);
      expect(row.disposition, `call ${id} disposition`).to.be.a('string');
      const t = (k: string): number | null => (row[k] == null ? null : new Date(row[k] as string).getTime());
      const order = ['arrived_at', 'queued_at', 'offered_at', 'answered_at', 'ended_at']
        .map(t)
        .filter((v): v is number => v !== null);
      expect(t('ended_at'), `call ${id} ended_at`).to.not.equal(null);
      expect(t('arrived_at'), `call ${id} arrived_at`).to.not.equal(null);
      // An outbound call is answered before it may ever queue (an agent transferring the customer to a queue).
      if (row.answered_at !== null)
        expect(t('answered_at') as number).to.be.at.least(
          (row.direction === 'outbound' ? null : t('queued_at')) ?? t('arrived_at') ?? 0,
        );
      expect(t('ended_at') as number, `call ${id} ends after it arrives`).to.be.at.least(order[0] as number);
      if (row.state === 'abandoned') expect(row.disposition).to.equal('abandoned');
      if (row.disposition === 'answered') expect(row.answered_at, `call ${id} answered_at`).to.not.equal(null);
      const events = await this.events(id);
      expect(events[0]?.event, `call ${id} first event`).to.equal('arrive');
      for (let i = 1; i < events.length; i++) {
        const prev = events[i - 1] as EventRow;
        const e = events[i] as EventRow;
        expect(e.from_state, `call ${id} event ${e.seq} chains`).to.equal(prev.to_state);
        expect(nextState(e.from_state as CallState, e.event), `call ${id}: ${e.from_state} -> ${e.event}`).to.equal(
          e.to_state,
        );
        expect(JSON.parse(e.data ?? '{}')).to.have.property('reason');
      }
      expect(events.at(-1)?.to_state, `call ${id} log ends in the row's state`).to.equal(row.state);
    }
    return rows.length;
  }

  /** Nothing may be left on the switch once every call is over: no channel, no bridge (holding bridges!). */
  async expectSwitchClean(): Promise<void> {
    await waitFor(
      () => this.sim.control.channels().length === 0,
      `no channels left (have ${this.sim.control
        .channels()
        .map((c) => `${c.name}:${c.state}`)
        .join(', ')})`,
    );
    await waitFor(() => this.sim.engine.bridges.size === 0, `no bridges left (have ${this.sim.engine.bridges.size})`);
  }

  async stop(keepDb = false): Promise<void> {
    await this.center.stop();
    await this.acd.stop();
    this.agents.stop();
    this.router.stop();
    await this.sw.stop();
    if (!keepDb) {
      await this.sim.stop();
      await this.t.drop();
    }
  }
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const t = options.testDb ?? (await createTestDb('mysql'));
  let seed: SeedDemoResult;
  if (!options.testDb) {
    seed = await seedDemo(t.db, { customers: 50 });
    // Short timers for a fast suite; no announcements unless a test asks.
    // No surveys either: a caller whose agent hangs up is hung up too, unless a test asks for the survey.
    await t.db('queues').update({
      ring_timeout_s: 1,
      wrap_up_s: 1,
      announce_interval_s: 0,
      whisper_queue_name: false,
      survey: 'none',
    });
    await options.prepare?.(t.db, seed);
  } else {
    const queues = (await t.db('queues').select('id', 'name')) as Array<{ id: number; name: string }>;
    const agents = (await t.db('agents').select('id', 'endpoint')) as Array<{ id: number; endpoint: string }>;
    seed = {
      skipped: true,
      agents: agents.length,
      queues: queues.length,
      customers: null,
      shifts: 0,
      history: null,
      queueIds: Object.fromEntries(queues.map((q) => [q.name, Number(q.id)])),
      agentIds: Object.fromEntries(agents.map((a) => [a.endpoint, Number(a.id)])),
    };
  }
  const sim =
    options.sim ??
    (await startSimulator({
      port: 0,
      user: 'ariadne',
      password: 'ariadne',
      app: 'ariadne',
      playbackMs: 20,
      amiPort: null,
    }));
  const sw = createSwitch({
    nodes: [{ name: 'node1', url: sim.url, user: 'ariadne', password: 'ariadne' }],
    app: 'ariadne',
    logger: log,
  });
  await sw.start();
  // Every play request is noted (target and media), so tests can tell who heard what.
  const plays: Stack['plays'] = [];
  const play = sw.play.bind(sw);
  sw.play = (target, media, opts) => {
    plays.push({ target, media: typeof media === 'string' ? [media] : [...media] });
    return play(target, media, opts);
  };
  // So are originates (who was dialled, how) and channels let go to the dialplan (or sent there to come back).
  const originates: Stack['originates'] = [];
  const originate = sw.originate.bind(sw);
  sw.originate = (o) => {
    originates.push(o);
    return originate(o);
  };
  const continues: Stack['continues'] = [];
  const continueInDialplan = sw.continueInDialplan.bind(sw);
  sw.continueInDialplan = (channelId, target) => {
    continues.push({ channelId, ...target });
    return continueInDialplan(channelId, target);
  };
  const visitDialplan = sw.visitDialplan.bind(sw);
  sw.visitDialplan = (channelId, target, timeoutMs) => {
    continues.push({ channelId, ...target });
    return visitDialplan(channelId, target, timeoutMs);
  };
  const bus = new EventBus();
  let offset = 0;
  const now = (): Date => new Date(Date.now() + offset);
  if (options.clockAt) offset = Date.parse(options.clockAt) - Date.now();
  const agents = new AgentService({ db: t.db, bus, logger: log, now, sweepIntervalMs: 500 });
  agents.start();
  const router = new RuleRouter({ db: t.db, logger: log, timeZone: 'Asia/Shanghai', watchIntervalMs: 0 });
  await router.start();
  const acd = new AcdEngine({ db: t.db, agents, bus, logger: log, now, tickMs: 200, refreshMs: 0 });
  const stack = new Stack(sim, t, seed, sw, bus, agents, router, acd, null as unknown as CallCenter);
  const center = createCallCenter({
    db: t.db,
    switchPort: sw,
    router,
    acd,
    agents,
    bus,
    config: {
      telephony: {
        defaultCountry: 'CN',
        outboundTrunk: options.outbound?.trunk,
        outboundTrunkBackup: options.outbound?.backupTrunk,
        outboundRingS: options.outbound?.ringS,
        outboundCallerId: options.outbound?.callerId,
      },
      crm: { timeoutMs: 200 },
      instanceId: INSTANCE,
    },
    logger: log,
    now,
    timings: { playbackTimeoutMs: 3000, transferRingSeconds: 2, ownPhoneRingSeconds: 2 },
    recordingUploads: recordingUploadsInto(t.db, stack.stored),
    followUps: options.followUps?.(t.db),
  });
  stack.center = center;
  stack.plays = plays;
  stack.originates = originates;
  stack.continues = continues;
  bus.subscribe('call.offered', (e) => stack.offers.push(e));
  bus.subscribe('call.ended', (e) => stack.ended.push(e));
  await acd.start();
  await center.start();
  return stack;
}

export async function waitFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 6000,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
