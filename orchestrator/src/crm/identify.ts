import { LRUCache } from 'lru-cache';
import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';
import type { Tier } from '../routing/types.js';
import { normaliseCallerId } from './phone.js';
import type {
  ContactSummary,
  CustomerCard,
  ExternalCrm,
  ExternalCustomer,
  ExternalLookup,
  Identification,
  OrderSummary,
} from './types.js';

/** Orders a caller may be calling about; delivered, cancelled and returned ones are history. */
export const OPEN_ORDER_STATUSES = ['pending', 'paid', 'shipped', 'in_transit', 'exception'] as const;

export interface IdentifierOptions {
  readonly db: Db;
  readonly defaultCountry: string;
  readonly external?: ExternalCrm | null;
  /** Hard budget for the external CRM (also enforced here, whatever the adapter does). */
  readonly externalTimeoutMs?: number;
  readonly cacheSize?: number;
  readonly cacheTtlMs?: number;
  /** Unknown numbers are cached shorter, so a customer created a moment ago is found soon. */
  readonly negativeTtlMs?: number;
  readonly maxOrders?: number;
  readonly maxContacts?: number;
}

const TIERS: ReadonlySet<string> = new Set(['standard', 'gold', 'diamond']);

/**
 * Caller identification: caller id → E.164 → customer card. The local path is one statement (one round trip):
 * the customer by primary key, open orders by (customer_id, status) and the last contacts by
 * (customer_id, started_at), each part keyed by the indexed phone lookup and capped by a LIMIT, whatever the
 * customer's history: no N+1. Cards are cached (LRU + TTL).
 */
export class CustomerIdentifier {
  // Boxed: lru-cache holds no null, and an unknown number (null card) is cached too.
  private readonly cache: LRUCache<string, { readonly card: CustomerCard | null }>;
  private readonly negativeTtlMs: number;

  constructor(private readonly options: IdentifierOptions) {
    this.cache = new LRUCache({ max: options.cacheSize ?? 20_000, ttl: options.cacheTtlMs ?? 30_000 });
    this.negativeTtlMs = options.negativeTtlMs ?? 5_000;
  }

  async identify(rawCallerId: string | null | undefined): Promise<Identification> {
    const caller = normaliseCallerId(rawCallerId, this.options.defaultCountry);
    if (!caller.e164) return { caller, customer: null, source: 'none', externalOutcome: 'skipped' };
    const cached = this.cache.get(caller.e164);
    if (cached)
      return { caller, customer: cached.card, source: cached.card ? 'cache' : 'none', externalOutcome: 'skipped' };

    const [local, external] = await Promise.all([this.lookupLocal(caller.e164), this.lookupExternal(caller.e164)]);
    const customer = merge(local, external);
    this.cache.set(caller.e164, { card: customer }, customer ? undefined : { ttl: this.negativeTtlMs });
    const source = external.outcome === 'ok' ? 'external' : customer ? 'local' : 'none';
    return { caller, customer, source, externalOutcome: this.options.external ? external.outcome : 'disabled' };
  }

  /** Forget a number (after the CRM changed the customer). */
  invalidate(e164: string): void {
    this.cache.delete(e164);
  }

  async lookupLocal(e164: string): Promise<CustomerCard | null> {
    const maxOrders = Math.max(1, Math.min(50, Math.floor(this.options.maxOrders ?? 5)));
    const maxContacts = Math.max(1, Math.min(50, Math.floor(this.options.maxContacts ?? 5)));
    const { sql, bindings } = localLookupStatement(e164, maxOrders, maxContacts);
    const raw: unknown = await this.options.db.raw(sql, bindings);
    // mysql2 answers [rows, fields]; better-sqlite3 answers the rows.
    const rows = (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as Array<Record<string, unknown>>;
    const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
    const customer = rows.find((r) => r.k === 'c');
    if (!customer) return null;
    const openOrders: OrderSummary[] = rows
      .filter((r) => r.k === 'o')
      .map((o) => ({
        orderNo: String(o.a),
        status: String(o.b),
        carrier: str(o.c),
        trackingNo: str(o.d),
        eta: formatDay(o.e),
        totalCents: Number(o.n),
        currency: String(o.f ?? 'CNY'),
      }));
    const recentContacts: ContactSummary[] = rows
      .filter((r) => r.k === 'k')
      .map((c) => ({
        channel: String(c.a),
        category: String(c.b),
        outcome: String(c.c),
        startedAt: toDate(c.g) ?? new Date(0),
      }))
      .sort((x, y) => y.startedAt.getTime() - x.startedAt.getTime());
    const tier = String(customer.b);
    return {
      customerId: Number(customer.n),
      name: String(customer.a),
      tier: (TIERS.has(tier) ? tier : 'standard') as Tier,
      language: String(customer.c),
      company: str(customer.d),
      email: str(customer.e),
      openOrders,
      recentContacts,
      recentCategories: recentContacts.map((c) => c.category),
      external: null,
    };
  }

  private async lookupExternal(e164: string): Promise<ExternalLookup> {
    const crm = this.options.external;
    if (!crm) return { outcome: 'not_found' };
    const budget = this.options.externalTimeoutMs ?? 300;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ExternalLookup>((resolve) => {
      timer = setTimeout(() => resolve({ outcome: 'timeout' }), budget);
    });
    try {
      return await Promise.race([
        crm.lookup(e164).catch((err: Error): ExternalLookup => ({ outcome: 'error', error: err.message })),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The identification statement: the customer, their open orders and their last contacts as one UNION ALL (one
 * round trip), each part keyed by the same indexed phone lookup (customer_phones.e164 → customer_id) and then by
 * primary or compound keys. Exported so tests can EXPLAIN exactly what runs.
 */
export function localLookupStatement(
  e164: string,
  maxOrders: number,
  maxContacts: number,
): { sql: string; bindings: string[] } {
  const statuses = OPEN_ORDER_STATUSES.map(() => '?').join(', ');
  const owner = '(SELECT customer_id FROM customer_phones WHERE e164 = ? ORDER BY id LIMIT 1)';
  const sql = `
    SELECT 'c' AS k, c.id AS n, c.name AS a, c.tier AS b, c.language AS c, c.company AS d, c.email AS e, NULL AS f, NULL AS g
      FROM customers c WHERE c.id = ${owner}
    UNION ALL
    SELECT 'o', x.total_cents, x.order_no, x.status, x.carrier, x.tracking_no, x.eta, x.currency, NULL FROM (
      SELECT o.total_cents, o.order_no, o.status, o.carrier, o.tracking_no, o.eta, o.currency FROM orders o
       WHERE o.customer_id = ${owner} AND o.status IN (${statuses}) ORDER BY o.id DESC LIMIT ${maxOrders}) x
    UNION ALL
    SELECT 'k', NULL, y.channel, y.category, y.outcome, NULL, NULL, NULL, y.started_at FROM (
      SELECT t.channel, t.category, t.outcome, t.started_at FROM contacts t
       WHERE t.customer_id = ${owner} ORDER BY t.started_at DESC LIMIT ${maxContacts}) y`;
  return { sql, bindings: [e164, e164, ...OPEN_ORDER_STATUSES, e164] };
}

function formatDay(value: unknown): string | null {
  if (value == null) return null;
  if (typeof value === 'string') return value.slice(0, 10);
  const d = toDate(value);
  return d ? d.toISOString().slice(0, 10) : null;
}

function merge(local: CustomerCard | null, external: ExternalLookup): CustomerCard | null {
  if (external.outcome !== 'ok') return local;
  const ext: ExternalCustomer = external.customer;
  const base: CustomerCard = local ?? {
    customerId: null,
    name: ext.name ?? 'Unknown',
    tier: 'standard',
    language: 'en',
    company: null,
    email: null,
    openOrders: [],
    recentContacts: [],
    recentCategories: [],
    external: null,
  };
  return {
    ...base,
    name: ext.name ?? base.name,
    tier: ext.tier ?? base.tier,
    language: ext.language ?? base.language,
    company: ext.company ?? base.company,
    external: ext.attributes ?? {},
  };
}
