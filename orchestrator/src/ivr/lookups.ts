import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';

export interface OrderStatus {
  readonly orderNo: string;
  readonly status: string;
  readonly carrier: string | null;
  readonly eta: string | null;
  readonly customerId: number;
}

export interface IvrLookups {
  orderStatus(orderNo: string): Promise<OrderStatus | null>;
}

/** Self-service lookups over the local tables: one query by the unique order_no index. */
export function createDbLookups(db: Db): IvrLookups {
  return {
    async orderStatus(orderNo) {
      const row = await db('orders')
        .where({ order_no: orderNo })
        .first('order_no', 'status', 'carrier', 'eta', 'customer_id');
      if (!row) return null;
      const eta =
        row.eta == null
          ? null
          : typeof row.eta === 'string'
            ? row.eta.slice(0, 10)
            : (toDate(row.eta)?.toISOString().slice(0, 10) ?? null);
      return {
        orderNo: String(row.order_no),
        status: String(row.status),
        carrier: row.carrier ?? null,
        eta,
        customerId: Number(row.customer_id),
      };
    },
  };
}
