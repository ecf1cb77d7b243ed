import { z } from 'zod';
import { notFound } from '../../http/errors.js';
import * as repo from '../../crm/records.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { idParam, offsetOf, pageOf, pageQuery } from '../validation.js';
import { EVERYONE } from './common.js';

export function crmRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  return [
    route({
      method: 'get',
      path: '/customers',
      tag: 'customers',
      summary: 'Search customers by phone (any format; normalised to E.164) or name',
      roles: EVERYONE,
      query: pageQuery.extend({
        phone: z.string().trim().min(3).max(40).optional(),
        name: z.string().trim().min(1).max(128).optional(),
      }),
      async handler({ query }) {
        const found = await repo.searchCustomers(
          db,
          { phone: query.phone, name: query.name, defaultCountry: deps.config.telephony.defaultCountry },
          offsetOf(query),
        );
        return pageOf(query, found);
      },
    }),
    route({
      method: 'get',
      path: '/customers/:id',
      tag: 'customers',
      summary: 'One customer with phones, latest orders and contacts',
      roles: EVERYONE,
      params: idParam,
      async handler({ params }) {
        const c = await repo.getCustomer(db, params.id);
        if (!c) throw notFound(`customer ${params.id}`);
        return c;
      },
    }),
    route({
      method: 'get',
      path: '/orders',
      tag: 'customers',
      summary: 'Orders by customer, order number or status',
      roles: EVERYONE,
      query: pageQuery.extend({
        customerId: z.coerce.number().int().positive().optional(),
        orderNo: z.string().trim().min(1).max(32).optional(),
        status: z.string().max(24).optional(),
      }),
      async handler({ query }) {
        return pageOf(query, await repo.listOrders(db, query, offsetOf(query)));
      },
    }),
    route({
      method: 'get',
      path: '/orders/:id',
      tag: 'customers',
      summary: 'One order',
      roles: EVERYONE,
      params: idParam,
      async handler({ params }) {
        const o = await repo.getOrder(db, params.id);
        if (!o) throw notFound(`order ${params.id}`);
        return o;
      },
    }),
  ];
}
