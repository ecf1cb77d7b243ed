import { randomUUID } from 'node:crypto';
import type { Db } from '../knex.js';
import { prng } from './customers.js';

/**
 * A past week of calls for the demo, so a newcomer's Reports and Calls pages have something to show before the
 * demo traffic has run for long: CDRs and the call_events a real call writes (the timeline on a call's page),
 * without recordings. Only whole days before today: today belongs to the live demo and its wallboard.
 */

export interface CallHistoryOptions {
  /** The days to fill, YYYY-MM-DD, each with its first instant (local midnight) in the contact center's zone. */
  readonly days: ReadonlyArray<{ readonly day: string; readonly start: Date }>;
  /** Queue ids by name, and the agents who answer (skills aside: any of them may take any queue's call). */
  readonly queueIds: Readonly<Record<string, number>>;
  readonly agentIds: readonly number[];
  /** The agents on shift at an instant: they take the calls then (all of `agentIds` when none is, or not given). */
  readonly agentsAt?: (at: Date) => readonly number[];
  /** Callers: E.164 numbers and their customer ids. */
  readonly callers: ReadonlyArray<{ readonly e164: string; readonly customerId: number }>;
  readonly dids: { readonly ivr: string; readonly direct: string };
  readonly callsPerDay?: number;
  readonly seed?: number;
  /** Queues with the IVR survey: some callers an agent hung up on answered it. */
  readonly surveyQueueIds?: readonly number[];
}

/** Scores callers give, 1 to 5: mostly content, as contact centers' surveys usually read. */
const SCORE_WEIGHTS = [0.05, 0.08, 0.17, 0.35, 0.35];

/** Relative volume per local hour: closed at night (the after-hours branch), peaks mid-morning and mid-afternoon. */
const HOURLY = [0.1, 0.05, 0, 0, 0, 0, 0.1, 0.4, 2, 6, 8, 7, 4.5, 5, 7, 7.5, 6, 5, 3.5, 3, 2.5, 1.5, 0.5, 0.2];
const HOURLY_TOTAL = HOURLY.reduce((a, b) => a + b, 0);
/** Queue shares of the traffic, by queue name. */
const QUEUE_WEIGHTS: Readonly<Record<string, number>> = {
  orders: 30,
  logistics: 20,
  billing: 15,
  technical: 12,
  general: 10,
  vip: 5,
  sales: 8,
};

interface Event {
  call_id: string;
  seq: number;
  at: Date;
  from_state: string | null;
  event: string;
  to_state: string;
  data: string | null;
}

export async function seedCallHistory(
  db: Db,
  o: CallHistoryOptions,
): Promise<{ calls: number; events: number; surveys: number }> {
  const rand = prng(o.seed ?? 7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const weighted = Object.entries(QUEUE_WEIGHTS).filter(([name]) => o.queueIds[name] !== undefined);
  const weightTotal = weighted.reduce((n, [, w]) => n + w, 0);
  const pickQueue = (): number => {
    let r = rand() * weightTotal;
    for (const [name, w] of weighted) if ((r -= w) < 0) return o.queueIds[name] as number;
    return o.queueIds[weighted[0]?.[0] ?? ''] as number;
  };
  const calls: Record<string, unknown>[] = [];
  const events: Event[] = [];
  const surveys: Record<string, unknown>[] = [];
  const surveyed = new Set(o.surveyQueueIds ?? []);
  const score = (): number => {
    let r = rand();
    for (let i = 0; i < SCORE_WEIGHTS.length; i++) if ((r -= SCORE_WEIGHTS[i] as number) < 0) return i + 1;
    return 5;
  };
  if (o.agentIds.length === 0 || o.callers.length === 0 || weighted.length === 0)
    return { calls: 0, events: 0, surveys: 0 };

  for (const { start } of o.days) {
    const perDay = Math.round((o.callsPerDay ?? 600) * (0.8 + rand() * 0.4));
    for (let i = 0; i < perDay; i++) {
      // An hour by the curve, then a moment within it.
      let r = rand() * HOURLY_TOTAL;
      let hour = 0;
      while (hour < 23 && (r -= HOURLY[hour] as number) >= 0) hour++;
      const arrived = new Date(start.getTime() + (hour * 3600 + rand() * 3600) * 1000);
      const caller = pick(o.callers);
      const id = randomUUID();
      const viaIvr = rand() < 0.6;
      const kind = rand();
      const t = (s: number): Date => new Date(arrived.getTime() + s * 1000);
      let seq = 0;
      let state: string | null = null;
      const ev = (atS: number, event: string, to: string, data: unknown = null): void => {
        events.push({
          call_id: id,
          seq: ++seq,
          at: t(atS),
          from_state: state,
          event,
          to_state: to,
          data: data === null ? null : JSON.stringify(data),
        });
        state = to;
      };
      ev(0, 'arrive', 'arriving');
      ev(0.1, 'identify', 'identifying');
      let clock = 0.2;
      if (viaIvr) {
        ev(clock, 'start_ivr', 'in_ivr');
        clock += 8 + rand() * 20;
      }
      const row: Record<string, unknown> = {
        id,
        node: 'asterisk',
        channel_id: `${Math.floor(arrived.getTime() / 1000)}.${i}`,
        owner: 'demo-history',
        caller_raw: caller.e164.replace(/^\+86/, '0'),
        caller_e164: caller.e164,
        did: viaIvr ? o.dids.ivr : o.dids.direct,
        trunk: 'carrier',
        customer_id: caller.customerId,
        arrived_at: arrived,
        ivr_flow: viaIvr ? 'main' : null,
        ivr_flow_version: viaIvr ? 1 : null,
        // Every row names every column: a multi-row insert on SQLite would put NULL into a missing NOT NULL one.
        queue_id: null,
        agent_id: null,
        queued_at: null,
        offered_at: null,
        answered_at: null,
        wait_s: null,
        talk_s: null,
        wrap_s: null,
        hangup_cause: null,
        abandoned_in: null,
        offer_count: 0,
      };
      if (viaIvr && kind < 0.05) {
        ev(clock, 'self_service_done', 'ended');
        calls.push({ ...row, state: 'ended', disposition: 'self_service', hangup_side: 'system', ended_at: t(clock) });
        continue;
      }
      const queueId = pickQueue();
      const queuedAt = clock;
      ev(clock, 'enqueue', 'queued', { queueId });
      const wait = Math.min(400, -Math.log(1 - rand()) * 18);
      if (kind < 0.15) {
        ev(queuedAt + wait, 'caller_hangup', 'abandoned', { waitSeconds: Math.round(wait * 1000) / 1000 });
        calls.push({
          ...row,
          state: 'abandoned',
          queue_id: queueId,
          queued_at: t(queuedAt),
          ended_at: t(queuedAt + wait),
          wait_s: Math.round(wait * 1000) / 1000,
          disposition: 'abandoned',
          hangup_side: 'caller',
          hangup_cause: 16,
          abandoned_in: 'queued',
        });
        continue;
      }
      const onShift = o.agentsAt?.(t(queuedAt)) ?? [];
      const agents = onShift.length > 0 ? onShift : o.agentIds;
      const agentId = pick(agents);
      let offerAt = queuedAt + wait * 0.5;
      const ringOut = rand() < 0.04;
      if (ringOut) {
        // One agent let it ring out first.
        const missed = pick(agents);
        ev(offerAt, 'offer', 'offering', { agentId: missed });
        ev(offerAt + 20, 'offer_failed', 'queued', { agentId: missed, reason: 'no_answer' });
        offerAt += 20;
      }
      const answeredS = Math.max(offerAt + 3, queuedAt + wait);
      ev(offerAt, 'offer', 'offering', { agentId });
      ev(answeredS, 'answer', 'connected', { agentId });
      const talk = 45 + rand() * 360;
      const wrap = 5 + rand() * 40;
      const agentEnds = rand() < 0.4;
      ev(answeredS + talk, agentEnds ? 'agent_hangup' : 'caller_hangup', 'wrap_up');
      ev(answeredS + talk + wrap, 'wrap_up_done', 'ended');
      calls.push({
        ...row,
        state: 'ended',
        queue_id: queueId,
        agent_id: agentId,
        queued_at: t(queuedAt),
        offered_at: t(offerAt),
        answered_at: t(answeredS),
        ended_at: t(answeredS + talk),
        wait_s: Math.round((answeredS - queuedAt) * 1000) / 1000,
        talk_s: Math.round(talk * 1000) / 1000,
        wrap_s: Math.round(wrap * 1000) / 1000,
        disposition: 'answered',
        hangup_side: agentEnds ? 'agent' : 'caller',
        hangup_cause: 16,
        offer_count: ringOut ? 2 : 1,
      });
      if (agentEnds && surveyed.has(queueId) && rand() < 0.6)
        surveys.push({
          call_id: row.id,
          customer_id: row.customer_id,
          channel: 'ivr',
          score: score(),
          comment: null,
          created_at: t(answeredS + talk + 10),
        });
    }
  }
  // SQLite's multi-row insert is a compound SELECT of at most 500 terms.
  await db.batchInsert('calls', calls, 400);
  await db.batchInsert('call_events', events, 400);
  await db.batchInsert('survey_responses', surveys, 400);
  return { calls: calls.length, events: events.length, surveys: surveys.length };
}
