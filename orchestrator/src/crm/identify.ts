import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';
import type { Tier } from '../routing/types.js';
import { LruCache } from './lru.js';
import { normaliseCallerId } from './phone.js';
import type { ContactSummary, CustomerCard, ExternalCrm, ExternalCustomer, ExternalLookup, Identification, OrderSummary } from './types.js';

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

interface CustomerRow {
  id: number;
  name: string;
  tier: string;
  language: string;
  company: string | null;
  email: string | null;
}

/**
 * Caller identification: caller id → E.164 → customer card. The local path is one indexed lookup
 * (customer_phones.e164 joined to customers by primary key) followed by two indexed reads run in parallel
 * (orders by (customer_id, status), contacts by (customer_id, started_at)), each with a LIMIT: three queries
 * whatever the customer's history, no N+1. Cards are cached (LRU + TTL).
 */
export class CustomerIdentifier {
  private readonly cache: LruCache<string, CustomerCard | null>;
  private readonly negativeTtlMs: number;

  constructor(private readonly options: IdentifierOptions) {
    this.cache = new LruCache(options.cacheSize ?? 20_000, options.cacheTtlMs ?? 30_000);
    this.negativeTtlMs = options.negativeTtlMs ?? 5_000;
  }

  async identify(rawCallerId: string | null | undefined): Promise<Identification> {
    const caller = normaliseCallerId(rawCallerId, this.options.defaultCountry);
    if (!caller.e164) return { caller, customer: null, source: 'none', externalOutcome: 'skipped' };
    const cached = this.cache.get(caller.e164);
    if (cached !== undefined) return { caller, customer: cached, source: cached ? 'cache' : 'none', externalOutcome: 'skipped' };

    const [local, external] = await Promise.all([this.lookupLocal(caller.e164), this.lookupExternal(caller.e164)]);
    const customer = merge(local, external);
    this.cache.set(caller.e164, customer, customer ? undefined : this.negativeTtlMs);
    const source = external.outcome === 'ok' ? 'external' : customer ? 'local' : 'none';
    return { caller, customer, source, externalOutcome: this.options.external ? external.outcome : 'disabled' };
  }

  /** Forget a number (after the CRM changed the customer). */
  invalidate(e164: string): void {
    this.cache.delete(e164);
  }

  async lookupLocal(e164: string): Promise<CustomerCard | null> {
    const { db } = this.options;
    const row = (await db('customer_phones as p')
      .join('customers as c', 'c.id', 'p.customer_id')
      .where('p.e164', e164)
      .orderBy('p.id')
      .first('c.id', 'c.name', 'c.tier', 'c.language', 'c.company', 'c.email')) as CustomerRow | undefined;
    if (!row) return null;
    const customerId = Number(row.id);
    const [orders, contacts] = await Promise.all([
      db('orders')
        .where('customer_id', customerId)
        .whereIn('status', OPEN_ORDER_STATUSES as unknown as string[])
        .orderBy('id', 'desc')
        .limit(this.options.maxOrders ?? 5)
        .select('order_no', 'status', 'carrier', 'tracking_no', 'eta', 'total_cents', 'currency'),
      db('contacts')
        .where('customer_id', customerId)
        .orderBy('started_at', 'desc')
        .limit(this.options.maxContacts ?? 5)
        .select('channel', 'category', 'outcome', 'started_at'),
    ]);
    const openOrders: OrderSummary[] = orders.map((o: Record<string, unknown>) => ({
      orderNo: String(o.order_no),
      status: String(o.status),
      carrier: o.carrier == null ? null : String(o.carrier),
      trackingNo: o.tracking_no == null ? null : String(o.tracking_no),
      eta: formatDay(o.eta),
      totalCents: Number(o.total_cents),
      currency: String(o.currency),
    }));
    const recentContacts: ContactSummary[] = contacts.map((c: Record<string, unknown>) => ({
      channel: String(c.channel),
      category: String(c.category),
      outcome: String(c.outcome),
      startedAt: toDate(c.started_at) ?? new Date(0),
    }));
    return {
      customerId,
      name: row.name,
      tier: (TIERS.has(row.tier) ? row.tier : 'standard') as Tier,
      language: row.language,
      company: row.company ?? null,
      email: row.email ?? null,
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
      return await Promise.race([crm.lookup(e164).catch((err: Error): ExternalLookup => ({ outcome: 'error', error: err.message })), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
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
