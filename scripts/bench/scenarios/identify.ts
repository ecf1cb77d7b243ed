/**
 * identify: caller identification as the call flow runs it (CustomerIdentifier.identify: caller id → E.164 →
 * one UNION ALL statement through knex → customer card) with 1,000,000 customers (and their orders and contact
 * history) in a fresh MariaDB database, against the floor: one raw indexed mysql2 query
 * (`SELECT customer_id FROM customer_phones WHERE e164 = ?`) for the same numbers.
 *
 * Every number is looked up once, so the identifier's cache never answers (a cached card is a Map lookup and says
 * nothing about the database path). Both are measured one after the other for each number, alternating which goes
 * first, so neither is favoured by pages the other just brought into the buffer pool.
 */
import mysql from 'mysql2/promise';
import { CustomerIdentifier } from '../../../orchestrator/src/crm/identify.js';
import { demoMobile, seedCustomers } from '../../../orchestrator/src/db/seed/customers.js';
import type { BenchContext } from '../lib/context.js';
import { createBenchDb } from '../lib/db.js';
import type { ScenarioOutcome } from '../lib/report.js';
import { prngFor } from '../lib/random.js';
import { ratio, round, roundSummary, summarize } from '../lib/stats.js';

export async function runIdentify(ctx: BenchContext): Promise<ScenarioOutcome> {
  const started = Date.now();
  const customers = ctx.quick ? 10_000 : 1_000_000;
  const lookups = ctx.quick ? 2_000 : 20_000;
  const warmup = ctx.quick ? 200 : 1_000;
  const bench = await createBenchDb('identify');
  let conn: mysql.Connection | null = null;
  try {
    ctx.log(`identify: seeding ${customers.toLocaleString('en')} customers with orders and contacts…`);
    const t0 = Date.now();
    let lastLog = 0;
    const seeded = await seedCustomers(bench.db, customers, {
      onProgress: (done, total) => {
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          ctx.log(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`);
        }
      },
    });
    const seedSeconds = (Date.now() - t0) / 1000;
    await bench.db.raw('ANALYZE TABLE customers, customer_phones, orders, contacts');
    ctx.log(
      `identify: seeded in ${seedSeconds.toFixed(1)} s; ${warmup} warm-up and ${lookups.toLocaleString('en')} measured lookups`,
    );

    const identifier = new CustomerIdentifier({ db: bench.db, defaultCountry: 'CN' });
    conn = await mysql.createConnection({ uri: bench.url });
    const raw = conn;
    const rand = prngFor(7);
    // Distinct customers in random order (a stride coprime with the count walks every index once).
    const stride = pickStride(customers, rand);
    let cursor = Math.floor(rand() * customers);
    const nextNumber = (): string => {
      cursor = (cursor + stride) % customers;
      return demoMobile(seeded.phoneOffset + cursor);
    };
    const idMs: number[] = [];
    const rawMs: number[] = [];
    let found = 0;
    for (let i = 0; i < warmup + lookups; i++) {
      const e164 = nextNumber();
      // Trunks deliver national and international forms; the identifier normalises both.
      const callerId = i % 2 === 0 ? e164 : e164.slice(3);
      const timeIdentify = async (): Promise<void> => {
        const a = performance.now();
        const r = await identifier.identify(callerId);
        const t = performance.now() - a;
        if (i >= warmup) {
          idMs.push(t);
          if (r.customer) found++;
        }
      };
      const timeRaw = async (): Promise<void> => {
        const a = performance.now();
        await raw.query('SELECT customer_id FROM customer_phones WHERE e164 = ?', [e164]);
        if (i >= warmup) rawMs.push(performance.now() - a);
      };
      if (i % 2 === 0) {
        await timeIdentify();
        await timeRaw();
      } else {
        await timeRaw();
        await timeIdentify();
      }
    }
    const id = summarize(idMs);
    const rq = summarize(rawMs);
    if (found !== lookups) throw new Error(`identification found ${found} of ${lookups} seeded customers`);
    ctx.log(
      `identify: p50 ${id.p50.toFixed(2)} ms, p99 ${id.p99.toFixed(2)} ms; raw query p50 ${rq.p50.toFixed(2)} ms, p99 ${rq.p99.toFixed(2)} ms`,
    );
    return {
      scenario: 'identify',
      status: 'ok',
      note: `p99 ${id.p99.toFixed(2)} ms over ${lookups.toLocaleString('en')} lookups, ${customers.toLocaleString('en')} customers`,
      seconds: (Date.now() - started) / 1000,
      figures: { identify_p99_ms: round(id.p99, 3), identify_vs_raw: round(ratio(id.p50, rq.p50), 2) },
      details: {
        customers,
        orders: seeded.orders,
        contacts: seeded.contacts,
        seedSeconds: round(seedSeconds, 1),
        lookups,
        identifyMs: roundSummary(id),
        rawQueryMs: roundSummary(rq),
        ratioP50: round(ratio(id.p50, rq.p50), 2),
        ratioP99: round(ratio(id.p99, rq.p99), 2),
      },
      ...(ctx.quick
        ? {
            reduced: `${customers.toLocaleString('en')} customers and ${lookups.toLocaleString('en')} lookups (1,000,000 and 20,000)`,
          }
        : {}),
    };
  } finally {
    await conn?.end().catch(() => undefined);
    await bench.drop();
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function pickStride(n: number, rand: () => number): number {
  for (;;) {
    const s = 1 + Math.floor(rand() * (n - 1));
    if (gcd(s, n) === 1) return s;
  }
}
