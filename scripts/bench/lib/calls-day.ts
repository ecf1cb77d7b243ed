/**
 * One day of a contact center's CDR, generated for the `report` scenario: `calls` rows and the `call_events` a real
 * call writes (calls/call.ts `transition`), as SQL value tuples ready for large multi-row INSERTs, together with what
 * a correct daily report of that day must say (counted here independently of reports/, by the contract's rules:
 * queue intervals by `queued_at`, agent days by `answered_at`, missed offers by the `offer_failed` event's `at`).
 *
 * Calls come out in order of arrival, each with its events, as the orchestrator writes them. The day's 24 hours
 * follow a daytime curve, and calls arriving in the hour before the day and the hour after it are generated too:
 * a call queued before midnight and answered after it must count in one table and not the other, so the checks
 * also prove the report's day boundaries.
 *
 * Every value is generated here (digits, fixed words, UUIDs, JSON without quotes or backslashes), so the tuples are
 * built by concatenation: escaping 7 million rows through a driver would cost more CPU than the server's inserts.
 */
import { reportDay } from '../../../orchestrator/src/reports/day.js';
import { prngFor } from './random.js';

export interface CallsDayOptions {
  /** 'YYYY-MM-DD' in `timeZone`. */
  readonly day: string;
  readonly timeZone: string;
  /** Calls arriving within the day (the edge hours' calls come on top). */
  readonly calls: number;
  /** Queue ids 1..queues and agent ids 1..agents (seeded by the caller). */
  readonly queues: number;
  readonly agents: number;
  readonly seed?: number;
}

/** Share of calls served by the IVR alone (no queue), abandoned in queue; the rest are answered. */
export const SELF_SERVICE_SHARE = 0.05;
export const ABANDONED_SHARE = 0.1;
/** Share of all calls with one offer an agent let ring out (an `offer_failed` event, a miss for that agent). */
export const OFFER_FAILED_SHARE = 0.03;
/** The queues' ring timeout: a failed offer rings this long. */
const RING_TIMEOUT_MS = 20_000;
const WRAP_UP_MS = 30_000;
const BUCKET_MS = 15 * 60_000;

/** Relative call volume of each local hour: quiet nights, a morning peak, a lunch dip, a long afternoon. */
const HOURLY = [
  0.6, 0.4, 0.3, 0.25, 0.25, 0.4, 0.9, 2, 4.5, 7.5, 8.5, 8, 6, 6.5, 7.8, 8, 7.5, 6.5, 4.5, 3.8, 3.4, 2.6, 1.6, 1,
] as const;

export interface QueueBucket {
  offered: number;
  answered: number;
  abandoned: number;
  talkMs: number;
}

export interface AgentDay {
  calls: number;
  missed: number;
  talkMs: number;
  wrapMs: number;
}

/** What the day's report must hold, and what was seeded. */
export interface CallsDayExpected {
  readonly dayStartMs: number;
  readonly dayEndMs: number;
  /** `${queueId}|${intervalStartMs}` → the interval's figures (calls queued in the day only). */
  readonly buckets: Map<string, QueueBucket>;
  readonly agentDays: Map<number, AgentDay>;
  /** Rows written: calls of the day and of the edge hours, all their events. */
  seededCalls: number;
  seededEvents: number;
  /** Calls arriving within the day, and by kind. */
  dayCalls: number;
  answered: number;
  abandoned: number;
  selfService: number;
  offerFailed: number;
}

export interface CallsBatch {
  /** `(…)` tuples for CALL_COLUMNS. */
  readonly calls: string[];
  /** `(…)` tuples for EVENT_COLUMNS. */
  readonly events: string[];
}

export const CALL_COLUMNS = [
  'id',
  'node',
  'channel_id',
  'owner',
  'state',
  'caller_raw',
  'caller_e164',
  'did',
  'trunk',
  'tier',
  'language',
  'queue_id',
  'priority',
  'agent_id',
  'arrived_at',
  'queued_at',
  'offered_at',
  'answered_at',
  'ended_at',
  'wait_s',
  'talk_s',
  'wrap_s',
  'disposition',
  'hangup_side',
  'hangup_cause',
  'ivr_path',
  'agent_channel_id',
  'abandoned_in',
  'offer_count',
  'ivr_flow',
  'ivr_flow_version',
  'agent_disposition',
] as const;

export const EVENT_COLUMNS = ['call_id', 'seq', 'at', 'from_state', 'event', 'to_state', 'data'] as const;

/** DATETIME(3) literal in UTC (the connection's zone, db/knex.ts). */
function ts(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `'${iso.slice(0, 10)} ${iso.slice(11, 23)}'`;
}

function secs(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function q(s: string): string {
  return `'${s}'`;
}

const HEX = '0123456789abcdef';

/** A version-4-shaped UUID from the seeded generator: the same layout of random keys as randomUUID(), repeatable. */
function uuid(rand: () => number): string {
  let s = '';
  for (let i = 0; i < 32; i++) {
    let d = Math.floor(rand() * 16);
    if (i === 12) d = 4;
    else if (i === 16) d = 8 + (d & 3);
    s += HEX[d];
    if (i === 7 || i === 11 || i === 15 || i === 19) s += '-';
  }
  return s;
}

function exp(rand: () => number, meanMs: number): number {
  return Math.round(-Math.log(1 - rand()) * meanMs);
}

function between(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo));
}

/** Arrival instants of the day and its edge hours, sorted. */
function arrivals(rand: () => number, calls: number, dayStartMs: number, dayEndMs: number): Float64Array {
  const total = HOURLY.reduce((s, w) => s + w, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of HOURLY) cumulative.push((acc += w / total));
  // The neighbouring days' edge hours at the curve's rate for those hours of the night.
  const before = Math.round((calls * (HOURLY[23] as number)) / total);
  const after = Math.round((calls * (HOURLY[0] as number)) / total);
  const out = new Float64Array(calls + before + after);
  let n = 0;
  for (let i = 0; i < calls; i++) {
    const r = rand();
    let h = 0;
    while (h < 23 && r >= (cumulative[h] as number)) h++;
    // A 23- or 25-hour day (DST) stretches the curve rather than leaving an hour empty or doubled.
    out[n++] = Math.floor(dayStartMs + ((h + rand()) / 24) * (dayEndMs - dayStartMs));
  }
  for (let i = 0; i < before; i++) out[n++] = Math.floor(dayStartMs - rand() * 3_600_000) - 1;
  for (let i = 0; i < after; i++) out[n++] = Math.floor(dayEndMs + rand() * 3_600_000);
  return out.sort();
}

/**
 * Generates the day in batches of about `batchCalls` calls (in arrival order), filling `expected` as it goes; the
 * batches are yielded as they are made, so a million calls never sit in memory at once.
 */
export function* generateCallsDay(
  o: CallsDayOptions,
  expected: CallsDayExpected,
  batchCalls = 2_000,
): Generator<CallsBatch> {
  if (o.queues < 1 || o.agents < o.queues * 2) throw new RangeError('need a queue and at least two agents per queue');
  const rand = prngFor(o.seed ?? 41);
  const { dayStartMs, dayEndMs } = expected;
  const inDay = (ms: number | null): boolean => ms !== null && ms >= dayStartMs && ms < dayEndMs;
  const times = arrivals(rand, o.calls, dayStartMs, dayEndMs);
  // Bigger and smaller queues, as in a real center (sales and logistics get more than the VIP line).
  const queueWeights = Array.from({ length: o.queues }, (_, k) => 1 / (1 + 0.15 * k));
  const queueTotal = queueWeights.reduce((s, w) => s + w, 0);
  const pickQueue = (): number => {
    let r = rand() * queueTotal;
    for (let k = 0; k < o.queues; k++) {
      r -= queueWeights[k] as number;
      if (r < 0) return k + 1;
    }
    return o.queues;
  };
  // Agent a serves queue ((a - 1) % queues) + 1.
  const perQueue = Math.floor(o.agents / o.queues);
  const agentOf = (queueId: number, k: number): number => queueId + (k % perQueue) * o.queues;
  const agentDay = (agentId: number): AgentDay => {
    let d = expected.agentDays.get(agentId);
    if (!d) expected.agentDays.set(agentId, (d = { calls: 0, missed: 0, talkMs: 0, wrapMs: 0 }));
    return d;
  };

  let calls: string[] = [];
  let events: string[] = [];
  for (let i = 0; i < times.length; i++) {
    const arrived = times[i] as number;
    const id = uuid(rand);
    const idq = q(id);
    let seq = 0;
    const event = (at: number, from: string | null, name: string, to: string, data: string): void => {
      events.push(`(${idq},${++seq},${ts(at)},${from === null ? 'NULL' : q(from)},${q(name)},${q(to)},${q(data)})`);
    };
    const kind = rand();
    const selfService = kind < SELF_SERVICE_SHARE;
    const abandoned = !selfService && kind < SELF_SERVICE_SHARE + ABANDONED_SHARE;
    const failedOffer = !selfService && rand() < OFFER_FAILED_SHARE / (1 - SELF_SERVICE_SHARE);
    const mobile = `13${between(rand, 0, 10)}${String(between(rand, 0, 100_000_000)).padStart(8, '0')}`;
    const channel = `${Math.floor(arrived / 1000)}.${i}`;
    const node = i % 2 === 0 ? 'pbx-1' : 'pbx-2';
    const owner = i % 2 === 0 ? 'orchestrator-a' : 'orchestrator-b';
    const identified = arrived + between(rand, 30, 150);
    event(arrived, null, 'arrive', 'arriving', '{"reason":"StasisStart"}');
    event(identified, 'arriving', 'identify', 'identifying', '{"reason":"caller id"}');

    let state = 'ended';
    let queueId: number | null = null;
    let agentId: number | null = null;
    let queued: number | null = null;
    let offered: number | null = null;
    let answered: number | null = null;
    let ended: number;
    let waitMs: number | null = null;
    let talkMs: number | null = null;
    let wrapMs: number | null = null;
    let disposition: string;
    let hangupSide: string;
    let abandonedIn: string | null = null;
    let offerCount = 0;
    let ivrPath = '["welcome","menu"]';

    if (selfService) {
      event(identified + between(rand, 5, 40), 'identifying', 'start_ivr', 'in_ivr', '{"reason":"flow main v3"}');
      ended = arrived + between(rand, 30_000, 180_000);
      event(
        ended,
        'in_ivr',
        'self_service_done',
        'ended',
        '{"reason":"caller hung up after self-service (Normal Clearing)"}',
      );
      disposition = 'self_service';
      hangupSide = 'caller';
      ivrPath = '["welcome","menu","order_status"]';
      if (inDay(arrived)) expected.selfService++;
    } else {
      queueId = pickQueue();
      const q0 = arrived + between(rand, 8_000, 45_000);
      queued = q0;
      event(q0, 'identifying', 'enqueue', 'queued', `{"reason":"rule default","queueId":${queueId}}`);
      const agentPick = between(rand, 0, perQueue);
      let t = q0;
      let missedBy: number | null = null;
      if (failedOffer) {
        missedBy = agentOf(queueId, agentPick + 1);
        const offer1 = t + exp(rand, 5_000);
        const failed = offer1 + RING_TIMEOUT_MS;
        event(offer1, 'queued', 'offer', 'offering', `{"reason":"longest_idle","agentId":${missedBy}}`);
        event(failed, 'offering', 'offer_failed', 'queued', `{"reason":"no_answer","agentId":${missedBy}}`);
        offerCount++;
        if (inDay(failed)) {
          agentDay(missedBy).missed++;
          expected.offerFailed++;
        }
        t = failed + between(rand, 20, 300);
      }
      if (abandoned) {
        const gone = t + 2_000 + Math.min(exp(rand, 45_000), 600_000);
        waitMs = gone - q0;
        ended = gone;
        state = 'abandoned';
        disposition = 'abandoned';
        hangupSide = 'caller';
        abandonedIn = 'queued';
        // The CDR keeps the last agent offered (calls/service.ts abandon: agent_id = lastAgentId).
        agentId = missedBy;
        event(
          gone,
          'queued',
          'caller_hangup',
          'abandoned',
          `{"reason":"caller hung up (Normal Clearing)","waitSeconds":${secs(waitMs)},"cause":16}`,
        );
        if (inDay(arrived)) expected.abandoned++;
      } else {
        agentId = agentOf(queueId, agentPick);
        offered = t + (failedOffer ? 0 : Math.min(exp(rand, 15_000), 600_000));
        answered = offered + between(rand, 1_500, 8_000);
        offerCount++;
        waitMs = answered - q0;
        talkMs = 20_000 + Math.min(exp(rand, 180_000), 3_600_000);
        ended = answered + talkMs;
        // Most agents let the wrap-up timer run out; some end it early.
        wrapMs = rand() < 0.7 ? WRAP_UP_MS + between(rand, 0, 50) : between(rand, 3_000, WRAP_UP_MS);
        const side = rand() < 0.6 ? 'agent' : 'caller';
        disposition = 'answered';
        hangupSide = side;
        event(offered, 'queued', 'offer', 'offering', `{"reason":"longest_idle","agentId":${agentId}}`);
        event(answered, 'offering', 'answer', 'connected', `{"reason":"agent answered","agentId":${agentId}}`);
        event(ended, 'connected', `${side}_hangup`, 'wrap_up', `{"reason":"${side} hung up (Normal Clearing)"}`);
        event(ended + wrapMs, 'wrap_up', 'wrap_up_done', 'ended', '{"reason":"wrap-up time over"}');
        if (inDay(answered)) {
          const d = agentDay(agentId);
          d.calls++;
          d.talkMs += talkMs;
          d.wrapMs += wrapMs;
        }
        if (inDay(arrived)) expected.answered++;
      }
      if (inDay(queued)) {
        const bucketStart = dayStartMs + Math.floor((q0 - dayStartMs) / BUCKET_MS) * BUCKET_MS;
        const key = `${queueId}|${bucketStart}`;
        let b = expected.buckets.get(key);
        if (!b) expected.buckets.set(key, (b = { offered: 0, answered: 0, abandoned: 0, talkMs: 0 }));
        b.offered++;
        if (answered !== null) {
          b.answered++;
          b.talkMs += talkMs ?? 0;
        }
        if (abandoned) b.abandoned++;
      }
    }
    if (inDay(arrived)) expected.dayCalls++;
    expected.seededCalls++;
    expected.seededEvents += seq;

    const dt = (ms: number | null): string => (ms === null ? 'NULL' : ts(ms));
    const dec = (ms: number | null): string => (ms === null ? 'NULL' : secs(ms));
    const int = (n: number | null): string => (n === null ? 'NULL' : String(n));
    const str = (s: string | null): string => (s === null ? 'NULL' : q(s));
    calls.push(
      `(${idq},${q(node)},${q(channel)},${q(owner)},${q(state)},${q(mobile)},${q(`+86${mobile}`)},'4008001234','carrier-a','standard','zh',` +
        `${int(queueId)},0,${int(agentId)},${ts(arrived)},${dt(queued)},${dt(offered)},${dt(answered)},${ts(ended)},` +
        `${dec(waitMs)},${dec(talkMs)},${dec(wrapMs)},${q(disposition)},${q(hangupSide)},16,${q(ivrPath)},` +
        `${answered === null ? 'NULL' : q(`PJSIP/agent${agentId}-${i.toString(16)}`)},${str(abandonedIn)},${offerCount},'main',3,` +
        `${answered === null ? 'NULL' : "'resolved'"})`,
    );
    if (calls.length >= batchCalls) {
      yield { calls, events };
      calls = [];
      events = [];
    }
  }
  if (calls.length) yield { calls, events };
}

export function newExpected(day: string, timeZone: string): CallsDayExpected {
  return {
    // The day's edges come from reports/day.ts (tested on its own, DST days included); everything inside the
    // day is counted here independently of the build.
    dayStartMs: reportDay(day, timeZone).start.getTime(),
    dayEndMs: reportDay(day, timeZone).end.getTime(),
    buckets: new Map(),
    agentDays: new Map(),
    seededCalls: 0,
    seededEvents: 0,
    dayCalls: 0,
    answered: 0,
    abandoned: 0,
    selfService: 0,
    offerFailed: 0,
  };
}
