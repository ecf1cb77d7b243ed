import type { Db } from '../knex.js';

/**
 * Bulk demo customers: names, Chinese mobile numbers, orders with shipping status and contact history,
 * generated deterministically and written with explicit ids in multi-row inserts (no id read-back per row), so
 * a million customers take a minute on MySQL, not an hour.
 */

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '赵',
  '黄',
  '周',
  '吴',
  '徐',
  '孙',
  '胡',
  '朱',
  '高',
  '林',
  '何',
  '郭',
  '马',
  '罗',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '霞',
  '平',
  '刚',
  '桂英',
  '建华',
  '文',
  '华',
  '晨',
  '欣怡',
  '子轩',
  '浩然',
  '雨桐',
];
const COMPANIES = [
  null,
  null,
  null,
  '上海云帆贸易有限公司',
  '成都天府科技有限公司',
  '杭州西湖电子商务有限公司',
  '深圳前海物流有限公司',
  '北京中关村软件有限公司',
];
const CARRIERS = ['SF Express', 'JD Logistics', 'ZTO Express', 'YTO Express', 'China Post EMS', 'STO Express'];
const CITIES = [
  '上海市浦东新区',
  '北京市海淀区',
  '成都市武侯区',
  '杭州市西湖区',
  '广州市天河区',
  '深圳市南山区',
  '武汉市洪山区',
  '南京市鼓楼区',
];
/** Weighted order statuses: most orders are history, a third are still open. */
const STATUSES: ReadonlyArray<readonly [string, number]> = [
  ['delivered', 48],
  ['in_transit', 16],
  ['shipped', 10],
  ['paid', 9],
  ['pending', 5],
  ['exception', 2],
  ['cancelled', 6],
  ['returned', 4],
];
const CATEGORIES: ReadonlyArray<readonly [string, number]> = [
  ['logistics', 40],
  ['billing', 20],
  ['technical', 15],
  ['sales', 15],
  ['other', 10],
];
const OUTCOMES = ['resolved', 'resolved', 'resolved', 'unresolved', 'escalated', 'callback'];

/** mulberry32: a tiny fast deterministic PRNG, so the same seed gives the same demo data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function weighted(rand: () => number, table: ReadonlyArray<readonly [string, number]>): string {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [v, w] of table) {
    r -= w;
    if (r < 0) return v;
  }
  return (table[table.length - 1] as readonly [string, number])[0];
}

/**
 * The mobile number of generated customer `index`: +86 13x xxxx xxxx. The 8 trailing digits are a bijection of
 * the index modulo 10^8 (multiplying by a number coprime with 10), so numbers never repeat below 10^8 customers.
 */
export function demoMobile(index: number): string {
  const digits = (index * 7_919 + 12_345_679) % 100_000_000;
  const prefix = 130 + (index % 10);
  return `+86${prefix}${String(digits).padStart(8, '0')}`;
}

/** Order numbers are 8 digits (the IVR collects them) and unique across the generated range. */
export function demoOrderNo(orderIndex: number): string {
  return String(10_000_000 + orderIndex);
}

export interface SeedCustomersOptions {
  /** Deterministic seed for the generator. */
  readonly seed?: number;
  /** Rows per INSERT. */
  readonly batchSize?: number;
  /** Average orders per customer (0 = none). */
  readonly ordersPerCustomer?: number;
  /** Average past contacts per customer (0 = none). */
  readonly contactsPerCustomer?: number;
  /** Share of gold and diamond customers. */
  readonly goldShare?: number;
  readonly diamondShare?: number;
  readonly now?: Date;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SeedCustomersResult {
  readonly customers: number;
  readonly orders: number;
  readonly contacts: number;
  readonly firstCustomerId: number;
  /** Index offset used for phone numbers (demoMobile(offset + i) is customer i's phone). */
  readonly phoneOffset: number;
}

function dayString(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Generates `count` customers with phones, orders and contact history. Safe to call on a non-empty table. */
export async function seedCustomers(
  db: Db,
  count: number,
  options: SeedCustomersOptions = {},
): Promise<SeedCustomersResult> {
  if (!Number.isInteger(count) || count < 0) throw new Error('seedCustomers: count must be a non-negative integer');
  const rand = prng(options.seed ?? 20261123);
  const isSqlite = db.client.config.client === 'better-sqlite3';
  // SQLite caps bound variables per statement; MySQL takes far larger statements.
  const batchSize = options.batchSize ?? (isSqlite ? 500 : 2000);
  const ordersAvg = options.ordersPerCustomer ?? 1.6;
  const contactsAvg = options.contactsPerCustomer ?? 1.5;
  const gold = options.goldShare ?? 0.08;
  const diamond = options.diamondShare ?? 0.02;
  const now = options.now ?? new Date();

  const maxCustomer = await db('customers').max({ id: 'id' }).first();
  const maxOrder = await db('orders').max({ id: 'id' }).first();
  const maxPhone = await db('customer_phones').max({ id: 'id' }).first();
  const firstCustomerId = Number(maxCustomer?.id ?? 0) + 1;
  let nextOrderId = Number(maxOrder?.id ?? 0) + 1;
  let nextPhoneId = Number(maxPhone?.id ?? 0) + 1;
  // Phone and order numbers continue after what exists, so repeated calls never collide.
  const phoneOffset = firstCustomerId - 1;
  let orders = 0;
  let contacts = 0;

  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const customerRows: Record<string, unknown>[] = [];
    const phoneRows: Record<string, unknown>[] = [];
    const orderRows: Record<string, unknown>[] = [];
    const contactRows: Record<string, unknown>[] = [];
    for (let i = start; i < end; i++) {
      const id = firstCustomerId + i;
      const r = rand();
      const tier = r < diamond ? 'diamond' : r < diamond + gold ? 'gold' : 'standard';
      const name = pick(rand, SURNAMES) + pick(rand, GIVEN);
      const created = new Date(now.getTime() - Math.floor(rand() * 3 * 365) * 86_400_000);
      customerRows.push({
        id,
        external_ref: `C${String(id).padStart(9, '0')}`,
        name,
        email: rand() < 0.6 ? `user${id}@example.cn` : null,
        tier,
        language: rand() < 0.9 ? 'zh' : 'en',
        company: pick(rand, COMPANIES),
        created_at: created,
        updated_at: created,
      });
      phoneRows.push({ id: nextPhoneId++, customer_id: id, e164: demoMobile(phoneOffset + i), label: 'mobile' });
      const nOrders = ordersAvg > 0 ? Math.floor(rand() * ordersAvg * 2 + 0.5) : 0;
      for (let k = 0; k < nOrders; k++) {
        const orderId = nextOrderId++;
        const status = weighted(rand, STATUSES);
        const placed = new Date(now.getTime() - Math.floor(rand() * 60) * 86_400_000);
        const shipped = ['shipped', 'in_transit', 'delivered', 'exception', 'returned'].includes(status);
        orderRows.push({
          id: orderId,
          customer_id: id,
          order_no: demoOrderNo(orderId),
          status,
          total_cents: Math.floor(rand() * 200_000) + 990,
          currency: 'CNY',
          carrier: shipped ? pick(rand, CARRIERS) : null,
          tracking_no: shipped ? `SF${String(Math.floor(rand() * 1e12)).padStart(12, '0')}` : null,
          shipping_address: `${pick(rand, CITIES)}${Math.floor(rand() * 999) + 1}号`,
          eta:
            shipped || status === 'paid'
              ? dayString(new Date(placed.getTime() + (3 + Math.floor(rand() * 5)) * 86_400_000))
              : null,
          created_at: placed,
          updated_at: placed,
        });
      }
      const nContacts = contactsAvg > 0 ? Math.floor(rand() * contactsAvg * 2 + 0.5) : 0;
      for (let k = 0; k < nContacts; k++) {
        const started = new Date(now.getTime() - Math.floor(rand() * 90 * 86_400) * 1000);
        contactRows.push({
          customer_id: id,
          channel: rand() < 0.8 ? 'phone' : pick(rand, ['email', 'chat', 'sms']),
          category: weighted(rand, CATEGORIES),
          outcome: pick(rand, OUTCOMES),
          started_at: started,
          ended_at: new Date(started.getTime() + Math.floor(rand() * 900_000)),
        });
      }
    }
    await db.transaction(async (trx) => {
      await trx('customers').insert(customerRows);
      await trx('customer_phones').insert(phoneRows);
      // Orders and contacts can be several per customer: keep each statement under the batch size.
      for (let j = 0; j < orderRows.length; j += batchSize)
        await trx('orders').insert(orderRows.slice(j, j + batchSize));
      for (let j = 0; j < contactRows.length; j += batchSize)
        await trx('contacts').insert(contactRows.slice(j, j + batchSize));
    });
    orders += orderRows.length;
    contacts += contactRows.length;
    options.onProgress?.(end, count);
  }
  return { customers: count, orders, contacts, firstCustomerId, phoneOffset };
}
