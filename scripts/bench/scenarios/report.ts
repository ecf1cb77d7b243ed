/**
 * report: the daily report (reports/ `buildDailyReport`, what the 15-minute job and the nightly rebuild run) over
 * one day of 1,000,000 calls in a fresh MariaDB database (DESIGN.md target: under 10 s).
 *
 * The day (lib/calls-day.ts) has 20 queues and 500 agents, a daytime curve, 85 % answered, 10 % abandoned in queue,
 * 5 % served by the IVR alone, 3 % with an offer an agent let ring out, and every call's `call_events` rows (about
 * 6.6 million): the report's read of the day's offer_failed events meets a table of a real day's size, not a
 * convenient one. The first build warms the buffer pool and the code; the next two are timed (only the next one
 * when the warm-up took over 30 s), and the first timed one is the figure. After every build the report tables are
 * checked against what was seeded: a fast wrong report fails the scenario instead of giving a figure.
 */
import mysql from 'mysql2/promise';
import { buildDailyReport } from '../../../orchestrator/src/reports/index.js';
import { CALL_COLUMNS, EVENT_COLUMNS, generateCallsDay, newExpected, type CallsDayExpected } from '../lib/calls-day.js';
import type { BenchContext } from '../lib/context.js';
import { createBenchDb } from '../lib/db.js';
import type { ScenarioOutcome } from '../lib/report.js';
import { round } from '../lib/stats.js';
import type { Db } from '../../../orchestrator/src/db/knex.js';

const DAY = '2026-11-20';
const TIME_ZONE = 'Asia/Shanghai';
const QUEUES = 20;
const AGENTS = 500;
/** Connections inserting at once: enough to keep the server busy while this process builds the next statement. */
const SEED_CONNECTIONS = 4;
const CALLS_PER_BATCH = 2_000;
const EVENTS_PER_STATEMENT = 5_000;
const TIMED_RUNS = 2;
/** A warm-up slower than this is a miss by far: one timed run says so without adding minutes to the scenario. */
const SLOW_WARM_UP_MS = 30_000;

export async function runReport(ctx: BenchContext): Promise<ScenarioOutcome> {
  const started = Date.now();
  const calls = ctx.quick ? 20_000 : 1_000_000;
  const bench = await createBenchDb('report');
  try {
    await seedStaff(bench.db);
    ctx.log(`report: seeding ${calls.toLocaleString('en')} calls of ${DAY} (${TIME_ZONE}) with their call_events…`);
    const expected = newExpected(DAY, TIME_ZONE);
    const t0 = Date.now();
    await seedCalls(bench.url, calls, expected, ctx.log);
    const seedSeconds = (Date.now() - t0) / 1000;
    await bench.db.raw('ANALYZE TABLE calls, call_events');
    const sizes = await tableSizes(bench.db, bench.name);
    const pool = (await bench.db.raw('SELECT @@innodb_buffer_pool_size AS b')) as [
      Array<{ b: number | string }>,
      unknown,
    ];
    const bufferPoolMiB = Math.round(Number(pool[0][0]?.b ?? 0) / 1024 ** 2);
    ctx.log(
      `report: seeded ${expected.seededCalls.toLocaleString('en')} calls and ` +
        `${expected.seededEvents.toLocaleString('en')} call_events in ${seedSeconds.toFixed(1)} s; building ${DAY}…`,
    );

    const runs: Array<{ ms: number; buildMs: number; calls: number; intervals: number; agents: number }> = [];
    let builds = 1 + TIMED_RUNS;
    for (let i = 0; i < builds; i++) {
      const a = performance.now();
      const result = await buildDailyReport(bench.db, DAY, TIME_ZONE);
      const ms = performance.now() - a;
      const check = await checkReport(bench.db, expected);
      runs.push({
        ms: round(ms, 1) ?? ms,
        buildMs: result.ms,
        calls: result.calls,
        intervals: result.intervals,
        agents: result.agents,
      });
      ctx.log(
        `  ${i === 0 ? 'warm-up' : `timed ${i}`}: ${(ms / 1000).toFixed(2)} s (calls ${result.calls}, intervals ` +
          `${result.intervals}, agents ${result.agents})${check.length ? '; WRONG' : ''}`,
      );
      if (check.length) throw new Error(`the daily report is wrong: ${check.slice(0, 5).join('; ')}`);
      if (result.intervals !== expected.buckets.size || result.agents !== expected.agentDays.size)
        throw new Error(
          `buildDailyReport says ${result.intervals} intervals and ${result.agents} agents; the tables hold ` +
            `${expected.buckets.size} and ${expected.agentDays.size}`,
        );
      if (i === 0 && ms > SLOW_WARM_UP_MS) builds = 2;
    }
    const timed = runs[1] as (typeof runs)[number];
    const seconds = timed.ms / 1000;
    return {
      scenario: 'report',
      status: 'ok',
      note:
        `${seconds.toFixed(2)} s for ${expected.dayCalls.toLocaleString('en')} calls ` +
        `(${runs
          .slice(1)
          .map((r) => `${(r.ms / 1000).toFixed(2)} s`)
          .join(', ')} timed); seeded in ${seedSeconds.toFixed(0)} s`,
      seconds: (Date.now() - started) / 1000,
      figures: { report_daily_s: round(seconds, 3) },
      details: {
        day: DAY,
        timeZone: TIME_ZONE,
        queues: QUEUES,
        agents: AGENTS,
        dayCalls: expected.dayCalls,
        answered: expected.answered,
        abandoned: expected.abandoned,
        selfService: expected.selfService,
        offerFailed: expected.offerFailed,
        seededCalls: expected.seededCalls,
        seededEvents: expected.seededEvents,
        seedSeconds: round(seedSeconds, 1),
        intervalRows: expected.buckets.size,
        agentRows: expected.agentDays.size,
        runs: runs.map((r, i) => ({ run: i === 0 ? 'warm-up' : `timed ${i}`, ...r })),
        // The day's tables are several times the server's buffer pool: how far the report's reads go to disk.
        bufferPoolMiB,
        tables: sizes,
      },
      ...(ctx.quick ? { reduced: `${calls.toLocaleString('en')} calls (1,000,000)` } : {}),
    };
  } finally {
    await bench.drop();
  }
}

async function seedStaff(db: Db): Promise<void> {
  await db('queues').insert(
    Array.from({ length: QUEUES }, (_, k) => ({
      id: k + 1,
      name: `q${k + 1}`,
      display_name: `Queue ${k + 1}`,
      ring_timeout_s: 20,
      wrap_up_s: 30,
      service_level_s: 20,
      overflow: '[]',
    })),
  );
  await db('agents').insert(
    Array.from({ length: AGENTS }, (_, k) => ({
      id: k + 1,
      name: `Agent ${String(k + 1).padStart(3, '0')}`,
      endpoint: `PJSIP/${2000 + k}`,
    })),
  );
}

/**
 * Multi-row INSERTs on several connections at once, into the tables as the migrations made them except for their
 * secondary indexes and foreign keys, which are taken off for the load and put back afterwards (checked to be the
 * same definitions). Every id is generated unique and every reference exists by construction; what the load would
 * otherwise pay for is keeping `(call_id, seq)` and the other random-order indexes up to date row by row in a buffer
 * pool far smaller than they are, which made the seeding, not the report, the scenario's minutes (365 s of 11 min).
 * An index built in one sorted pass after the load is no different to read. The calls rows themselves still go in
 * in arrival order, their random UUID keys scattering them over the clustered index as production's do.
 */
async function seedCalls(
  url: string,
  calls: number,
  expected: CallsDayExpected,
  log: (line: string) => void,
): Promise<void> {
  const conns = await Promise.all(
    Array.from({ length: SEED_CONNECTIONS }, () => mysql.createConnection({ uri: url, timezone: 'Z' })),
  );
  const t0 = Date.now();
  const free = [...conns];
  const inflight = new Set<Promise<void>>();
  let failure: unknown = null;
  const submit = async (sql: string): Promise<void> => {
    while (free.length === 0) await Promise.race(inflight);
    if (failure) throw failure;
    const conn = free.pop() as mysql.Connection;
    // The rejection is kept, not left unhandled: it surfaces at the next submit or at the end.
    const p: Promise<void> = conn.query(sql).then(
      () => undefined,
      (err: unknown) => {
        failure ??= err;
      },
    );
    const tracked = p.finally(() => {
      inflight.delete(tracked);
      free.push(conn);
    });
    inflight.add(tracked);
  };
  const [admin] = conns as [mysql.Connection];
  try {
    for (const c of conns) await c.query('SET SESSION foreign_key_checks = 0, unique_checks = 0');
    const deferred = [await deferIndexes(admin, 'call_events'), await deferIndexes(admin, 'calls')];
    const callsInsert = `INSERT INTO calls (${CALL_COLUMNS.join(',')}) VALUES `;
    const eventsInsert = `INSERT INTO call_events (${EVENT_COLUMNS.join(',')}) VALUES `;
    let pendingEvents: string[] = [];
    let lastLog = Date.now();
    for (const batch of generateCallsDay(
      { day: DAY, timeZone: TIME_ZONE, calls, queues: QUEUES, agents: AGENTS },
      expected,
      CALLS_PER_BATCH,
    )) {
      await submit(callsInsert + batch.calls.join(','));
      pendingEvents = pendingEvents.length ? pendingEvents.concat(batch.events) : batch.events;
      while (pendingEvents.length >= EVENTS_PER_STATEMENT) {
        await submit(eventsInsert + pendingEvents.slice(0, EVENTS_PER_STATEMENT).join(','));
        pendingEvents = pendingEvents.slice(EVENTS_PER_STATEMENT);
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(
          `  ${expected.seededCalls.toLocaleString('en')} calls, ${expected.seededEvents.toLocaleString('en')} events`,
        );
      }
    }
    if (pendingEvents.length) await submit(eventsInsert + pendingEvents.join(','));
    await Promise.all(inflight);
    if (failure) throw failure;
    log(`  loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s; building the indexes…`);
    for (const d of deferred) await restoreIndexes(admin, d);
  } finally {
    await Promise.all(conns.map((c) => c.end().catch(() => undefined)));
  }
}

interface DeferredIndexes {
  readonly table: string;
  /** SHOW CREATE TABLE before, for the check that the table came back the same. */
  readonly before: string;
  readonly keys: string[];
  readonly constraints: string[];
}

async function showCreate(conn: mysql.Connection, table: string): Promise<string> {
  const [rows] = (await conn.query(`SHOW CREATE TABLE \`${table}\``)) as unknown as [Array<Record<string, string>>];
  const create = rows[0]?.['Create Table'];
  if (!create) throw new Error(`SHOW CREATE TABLE ${table} said nothing`);
  return create;
}

/** The definition lines of SHOW CREATE TABLE (columns, keys, constraints), without trailing commas. */
function definitionLines(create: string): string[] {
  return create
    .split('\n')
    .slice(1, -1)
    .map((l) => l.trim().replace(/,$/, ''));
}

const nameOf = (line: string): string => /`([^`]+)`/.exec(line)?.[1] ?? line;

async function deferIndexes(conn: mysql.Connection, table: string): Promise<DeferredIndexes> {
  const before = await showCreate(conn, table);
  const lines = definitionLines(before);
  const keys = lines.filter((l) => /^(UNIQUE )?KEY /.test(l));
  const constraints = lines.filter((l) => l.startsWith('CONSTRAINT '));
  // A foreign key holds on to the index it uses: the keys go first.
  if (constraints.length)
    await conn.query(
      `ALTER TABLE \`${table}\` ${constraints.map((c) => `DROP FOREIGN KEY \`${nameOf(c)}\``).join(', ')}`,
    );
  if (keys.length)
    await conn.query(
      `ALTER TABLE \`${table}\` ${keys.map((k) => `DROP INDEX \`${nameOf(k.replace(/^UNIQUE /, ''))}\``).join(', ')}`,
    );
  return { table, before, keys, constraints };
}

/** Puts the keys back in one sorted build per table, then the foreign keys (not re-validated: checks are off). */
async function restoreIndexes(conn: mysql.Connection, d: DeferredIndexes): Promise<void> {
  if (d.keys.length) await conn.query(`ALTER TABLE \`${d.table}\` ${d.keys.map((k) => `ADD ${k}`).join(', ')}`);
  if (d.constraints.length)
    await conn.query(`ALTER TABLE \`${d.table}\` ${d.constraints.map((c) => `ADD ${c}`).join(', ')}`);
  const same = (create: string): string => definitionLines(create).sort().join('\n');
  const after = await showCreate(conn, d.table);
  if (same(after) !== same(d.before))
    throw new Error(`${d.table} did not come back as the migrations made it:\n${d.before}\n---\n${after}`);
}

/** Every difference between the report tables and what the seeded day must give (empty: the report is right). */
async function checkReport(db: Db, expected: CallsDayExpected): Promise<string[]> {
  const wrong: string[] = [];
  const intervals = (await db('report_queue_intervals').select(
    'queue_id',
    'interval_start',
    'offered',
    'answered',
    'abandoned',
    'talk_s_sum',
  )) as Array<{
    queue_id: number;
    interval_start: Date;
    offered: number;
    answered: number;
    abandoned: number;
    talk_s_sum: string;
  }>;
  const seen = new Set<string>();
  const totals = { offered: 0, answered: 0, abandoned: 0 };
  for (const r of intervals) {
    const key = `${r.queue_id}|${r.interval_start.getTime()}`;
    seen.add(key);
    totals.offered += r.offered;
    totals.answered += r.answered;
    totals.abandoned += r.abandoned;
    const e = expected.buckets.get(key);
    const at = `queue ${r.queue_id} at ${r.interval_start.toISOString()}`;
    if (!e) {
      wrong.push(`${at}: a row where no call was queued`);
      continue;
    }
    const talkMs = Math.round(Number(r.talk_s_sum) * 1000);
    if (r.offered !== e.offered || r.answered !== e.answered || r.abandoned !== e.abandoned || talkMs !== e.talkMs)
      wrong.push(
        `${at}: offered/answered/abandoned/talk ${r.offered}/${r.answered}/${r.abandoned}/${talkMs / 1000} s, ` +
          `seeded ${e.offered}/${e.answered}/${e.abandoned}/${e.talkMs / 1000} s`,
      );
  }
  const missing = [...expected.buckets.keys()].filter((k) => !seen.has(k));
  if (missing.length) wrong.push(`${missing.length} queue intervals with calls have no row (e.g. ${missing[0]})`);
  let queued = 0;
  for (const b of expected.buckets.values()) queued += b.offered;
  if (totals.offered !== queued)
    wrong.push(`offered sums to ${totals.offered}; ${queued} seeded calls were queued in the day`);

  const agents = (await db('report_agent_days').select(
    'agent_id',
    'day',
    'calls',
    'missed',
    'talk_s',
    'wrap_s',
  )) as Array<{
    agent_id: number;
    day: Date | string;
    calls: number;
    missed: number;
    talk_s: string;
    wrap_s: string;
  }>;
  let answered = 0;
  let missed = 0;
  for (const r of agents) {
    answered += r.calls;
    missed += r.missed;
    const day = r.day instanceof Date ? r.day.toISOString().slice(0, 10) : String(r.day).slice(0, 10);
    if (day !== DAY) wrong.push(`agent ${r.agent_id}: a row for ${day}, only ${DAY} was built`);
    const e = expected.agentDays.get(r.agent_id);
    if (!e) {
      wrong.push(`agent ${r.agent_id}: a row for an agent without calls or misses in the day`);
      continue;
    }
    const talkMs = Math.round(Number(r.talk_s) * 1000);
    const wrapMs = Math.round(Number(r.wrap_s) * 1000);
    if (r.calls !== e.calls || r.missed !== e.missed || talkMs !== e.talkMs || wrapMs !== e.wrapMs)
      wrong.push(
        `agent ${r.agent_id}: calls/missed/talk/wrap ${r.calls}/${r.missed}/${talkMs / 1000}/${wrapMs / 1000} s, ` +
          `seeded ${e.calls}/${e.missed}/${e.talkMs / 1000}/${e.wrapMs / 1000} s`,
      );
  }
  if (agents.length !== expected.agentDays.size)
    wrong.push(`${agents.length} agent rows; ${expected.agentDays.size} agents answered or missed calls in the day`);
  let seededAnswered = 0;
  for (const d of expected.agentDays.values()) seededAnswered += d.calls;
  if (answered !== seededAnswered)
    wrong.push(`agents' calls sum to ${answered}; ${seededAnswered} were answered in the day`);
  if (missed !== expected.offerFailed)
    wrong.push(`agents' missed sum to ${missed}; ${expected.offerFailed} offers failed in the day`);
  return wrong;
}

/** InnoDB's own estimates (information_schema), for scale only. */
async function tableSizes(
  db: Db,
  schema: string,
): Promise<Record<string, { rowsEstimate: number; dataMiB: number; indexMiB: number }>> {
  const raw = (await db.raw(
    `SELECT table_name AS name, table_rows AS n, data_length AS d, index_length AS i FROM information_schema.tables
      WHERE table_schema = ? AND table_name IN ('calls', 'call_events')`,
    [schema],
  )) as [Array<{ name: string; n: number; d: number; i: number }>, unknown];
  const mib = (b: number): number => Math.round((Number(b) / 1024 ** 2) * 10) / 10;
  return Object.fromEntries(
    raw[0].map((r) => [r.name, { rowsEstimate: Number(r.n), dataMiB: mib(r.d), indexMiB: mib(r.i) }]),
  );
}
