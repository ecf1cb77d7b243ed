import { randomUUID } from 'node:crypto';
import type { OriginateOptions, OriginateOutcome, SwitchPort } from '../telephony/port.js';
import type { AgentLeg, Call } from './call.js';
import { CallControlError } from './control-error.js';
import type { MonitorRecord, MonitorStore } from './monitor-store.js';

/**
 * A supervisor on an agent's call, from their own phone:
 * - `listen`: hears caller and agent, unheard;
 * - `whisper`: also speaks to the agent alone (coaching); the caller hears nothing of it;
 * - `barge`: joins the conversation; everyone hears everyone.
 *
 * Listening and whispering go through a snoop channel on the agent's leg (`spy=both`: what the agent says and what
 * the agent hears; `whisper=out`: the supervisor's voice goes to the agent), bridged with the supervisor's leg in a
 * small mixing bridge of its own. Barging puts the supervisor's leg in the call's own mixing bridge. The mode changes
 * without ringing the supervisor again: a new snoop replaces the old one, or the leg moves between bridges.
 */
export const MONITOR_MODES = ['listen', 'whisper', 'barge'] as const;
export type MonitorMode = (typeof MONITOR_MODES)[number];

export interface Supervisor {
  readonly userId: number;
  readonly name: string;
}

export interface MonitorSession {
  readonly callId: string;
  readonly supervisor: Supervisor;
  /** What rings: a dial string such as PJSIP/2050. */
  readonly endpoint: string;
  readonly mode: MonitorMode;
}

interface Session {
  readonly supervisor: Supervisor;
  readonly endpoint: string;
  /** The supervisor's phone. */
  readonly legId: string;
  mode: MonitorMode;
  /** The snoop on the agent's leg while listening or whispering. */
  snoopId: string | null;
  /** The bridge of the supervisor's leg and the snoop. */
  bridgeId: string | null;
  unwatch: () => void;
}

export interface SupervisionDeps {
  readonly switchPort: SwitchPort;
  /** Originates and waits for the answer (or why not), within the ring time and the switch's budget. */
  readonly ring: (options: OriginateOptions & { readonly channelId: string }) => Promise<OriginateOutcome>;
  /** A switch request whose failure becomes a CallControlError('switch'). */
  readonly switchOp: <T>(op: Promise<T>) => Promise<T>;
  readonly ringSeconds: number;
  /** Where sessions are kept for recovery after a restart; none, kept in memory only. */
  readonly store?: MonitorStore;
}

export class Supervision {
  /** By call id, then by the supervisor's user id: one session per supervisor and call. */
  private readonly sessions = new Map<string, Map<number, Session>>();
  /** `<callId> <userId>` of the supervisors whose phone is ringing for a call: a second request waits for none. */
  private readonly ringing = new Set<string>();

  constructor(private readonly o: SupervisionDeps) {}

  /** The supervisors on a call now. */
  list(callId: string): MonitorSession[] {
    return [...(this.sessions.get(callId)?.values() ?? [])].map((s) => this.view(callId, s));
  }

  /**
   * Starts monitoring `call` in `mode`, ringing `endpoint`; a supervisor already on the call changes mode instead.
   * Resolves once the supervisor hears the call (their phone answered and bridged).
   */
  async monitor(
    call: Call & { agent: AgentLeg },
    supervisor: Supervisor,
    mode: MonitorMode,
    endpoint: string,
  ): Promise<MonitorSession> {
    const existing = this.sessions.get(call.id)?.get(supervisor.userId);
    if (existing) {
      if (existing.mode !== mode) {
        await this.o.switchOp(this.attach(call, call.agent, existing, mode));
        call.transition('monitor_mode', `${supervisor.name}: ${mode}`, { data: { mode, by: supervisor.userId } });
        await this.keep(call.id, existing);
      }
      return this.view(call.id, existing);
    }
    const key = `${call.id} ${supervisor.userId}`;
    if (this.ringing.has(key)) throw new CallControlError('bad_state', `${endpoint} is already ringing for this call`);
    this.ringing.add(key);
    try {
      return await this.start(call, supervisor, mode, endpoint);
    } finally {
      this.ringing.delete(key);
    }
  }

  private async start(
    call: Call & { agent: AgentLeg },
    supervisor: Supervisor,
    mode: MonitorMode,
    endpoint: string,
  ): Promise<MonitorSession> {
    const legId = randomUUID();
    const session: Session = {
      supervisor,
      endpoint,
      legId,
      mode,
      snoopId: null,
      bridgeId: null,
      unwatch: () => undefined,
    };
    let answered = false;
    session.unwatch = this.o.switchPort.watchChannel(legId, (event) => {
      if (event.type === 'hangup' && answered) this.end(call, session, 'the supervisor hung up');
    });
    const outcome = await this.o.ring({
      endpoint,
      channelId: legId,
      node: call.node,
      callerId: call.row.caller_e164 ?? call.row.caller_raw,
      timeoutSeconds: this.o.ringSeconds,
      variables: { ARIADNE_CALL_ID: call.id },
      appArgs: ['monitor', call.id],
    });
    if (outcome.result !== 'answered') {
      session.unwatch();
      throw new CallControlError('switch', `${endpoint} did not answer (${outcome.result})`);
    }
    answered = true;
    const agent = call.agent as AgentLeg | null;
    if (call.state !== 'connected' || call.closing || !agent) {
      this.hangUp(session);
      throw new CallControlError('bad_state', `call ${call.id} ended while ${endpoint} rang`);
    }
    let byCall = this.sessions.get(call.id);
    if (!byCall) this.sessions.set(call.id, (byCall = new Map()));
    byCall.set(supervisor.userId, session);
    try {
      await this.o.switchOp(this.attach(call, agent, session, mode));
    } catch (err) {
      this.end(call, session, 'could not be bridged');
      throw err;
    }
    call.transition('monitor_start', `${supervisor.name}: ${mode} from ${endpoint}`, {
      data: { mode, endpoint, by: supervisor.userId },
    });
    await this.keep(call.id, session);
    return this.view(call.id, session);
  }

  /** The supervisor leaves the call (their phone is hung up); false when they were not on it. */
  stop(call: Call, userId: number): boolean {
    const session = this.sessions.get(call.id)?.get(userId);
    if (!session) return false;
    this.end(call, session, 'stopped');
    return true;
  }

  /** Every supervisor leaves: the agent's part of the call is over (hung up, transferred). */
  endAll(call: Call, reason: string): void {
    for (const session of [...(this.sessions.get(call.id)?.values() ?? [])]) this.end(call, session, reason);
  }

  private async attach(call: Call, agent: AgentLeg, s: Session, mode: MonitorMode): Promise<void> {
    const oldSnoop = s.snoopId;
    if (mode === 'barge') {
      const mixing = call.row.mixing_bridge_id;
      if (!mixing) throw new CallControlError('bad_state', 'no conversation bridge');
      // MOVES_BRIDGE: out of the monitor's own bridge as it joins the conversation.
      await this.o.switchPort.addToBridge(mixing, s.legId);
      s.snoopId = null;
      this.dropBridge(s);
    } else {
      const snoopId = await this.o.switchPort.snoop({
        channelId: agent.channelId,
        spy: 'both',
        whisper: mode === 'whisper' ? 'out' : 'none',
        appArgs: ['snoop', call.id],
      });
      s.snoopId = snoopId;
      s.bridgeId ??= await this.o.switchPort.createBridge({
        type: 'mixing',
        node: call.node,
        name: `monitor-${call.id}`,
      });
      await this.o.switchPort.addToBridge(s.bridgeId, [snoopId, s.legId]);
    }
    s.mode = mode;
    if (oldSnoop) this.o.switchPort.hangup(oldSnoop).catch(() => undefined);
  }

  private end(call: Call, s: Session, reason: string): void {
    const byCall = this.sessions.get(call.id);
    if (byCall?.get(s.supervisor.userId) !== s) return;
    byCall.delete(s.supervisor.userId);
    if (byCall.size === 0) this.sessions.delete(call.id);
    this.hangUp(s);
    void this.o.store?.remove(call.id, s.supervisor.userId);
    // Only a conversation still going tells of it: a call's end ends its monitoring too.
    if (call.state === 'connected' && !call.closing)
      call.transition('monitor_end', `${s.supervisor.name}: ${reason}`, { data: { by: s.supervisor.userId } });
  }

  private hangUp(s: Session): void {
    s.unwatch();
    this.o.switchPort.hangup(s.legId).catch(() => undefined);
    if (s.snoopId) this.o.switchPort.hangup(s.snoopId).catch(() => undefined);
    s.snoopId = null;
    this.dropBridge(s);
  }

  private dropBridge(s: Session): void {
    if (s.bridgeId) this.o.switchPort.destroyBridge(s.bridgeId).catch(() => undefined);
    s.bridgeId = null;
  }

  private keep(callId: string, s: Session): Promise<void> {
    return (
      this.o.store?.save({
        callId,
        userId: s.supervisor.userId,
        supervisorName: s.supervisor.name,
        endpoint: s.endpoint,
        mode: s.mode,
        legId: s.legId,
        snoopId: s.snoopId,
        bridgeId: s.bridgeId,
      }) ?? Promise.resolve()
    );
  }

  /**
   * After a restart, the sessions kept for a conversation this instance took back: a supervisor whose phone is still
   * up is on the call again (heard hanging up, hung up when the call ends; a snoop lost meanwhile is made again);
   * anything else of theirs left on the switch goes.
   */
  adopt(call: Call, records: readonly MonitorRecord[], live: ReadonlySet<string>): void {
    const agent = call.agent as AgentLeg | null;
    for (const r of records) {
      if (call.state !== 'connected' || !agent || !live.has(r.legId)) {
        this.discard([r], live);
        continue;
      }
      const session: Session = {
        supervisor: { userId: r.userId, name: r.supervisorName },
        endpoint: r.endpoint,
        legId: r.legId,
        mode: r.mode,
        snoopId: r.snoopId !== null && live.has(r.snoopId) ? r.snoopId : null,
        bridgeId: r.bridgeId,
        unwatch: () => undefined,
      };
      let byCall = this.sessions.get(call.id);
      if (!byCall) this.sessions.set(call.id, (byCall = new Map()));
      byCall.set(r.userId, session);
      session.unwatch = this.o.switchPort.watchChannel(r.legId, (event) => {
        if (event.type === 'hangup') this.end(call, session, 'the supervisor hung up');
      });
      if (session.mode !== 'barge' && session.snoopId === null)
        void this.o.switchOp(this.attach(call, agent, session, session.mode)).then(
          () => this.keep(call.id, session),
          () => this.end(call, session, 'could not be bridged again after a restart'),
        );
    }
  }

  /** Sessions kept for a call that is over: their phones, snoops and bridges left on the switch go. */
  discard(records: readonly MonitorRecord[], live: ReadonlySet<string>): void {
    for (const r of records) {
      for (const channelId of [r.legId, r.snoopId])
        if (channelId && live.has(channelId)) this.o.switchPort.hangup(channelId).catch(() => undefined);
      if (r.bridgeId) this.o.switchPort.destroyBridge(r.bridgeId).catch(() => undefined);
      void this.o.store?.remove(r.callId, r.userId);
    }
  }

  private view(callId: string, s: Session): MonitorSession {
    return { callId, supervisor: s.supervisor, endpoint: s.endpoint, mode: s.mode };
  }
}
