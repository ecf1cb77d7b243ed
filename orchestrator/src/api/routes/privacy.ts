import { z } from 'zod';
import { eraseCaller } from '../../privacy/erasure.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { ADMIN } from './common.js';

const eraseBody = z
  .object({
    customerId: z.number().int('an id is a positive integer').positive('an id is a positive integer').optional(),
    /** As typed: national (read in the default country) or E.164. */
    phone: z.string().trim().min(3).max(40).optional(),
    dryRun: z.boolean().optional(),
  })
  .strict()
  .refine((b) => b.customerId !== undefined || b.phone !== undefined, {
    message: 'give the customer id or the phone number (or both)',
    path: ['phone'],
  });

/** A caller's right to erasure (privacy/erasure.ts): admins only. */
export function privacyRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  return [
    route({
      method: 'post',
      path: '/privacy/erase',
      tag: 'privacy',
      summary:
        "Erase a caller's data by customer id and/or number (dryRun: count only); do-not-call entries are kept " +
        '(audit `privacy.erase`, written with the erasure, the number masked)',
      roles: ADMIN,
      body: eraseBody,
      // The erasure writes its own audit line, in its transaction and with the number masked: the registry's would
      // come after the commit and hold the body, that is the number.
      audit: null,
      async handler({ body, user, req }) {
        return eraseCaller(db, body, {
          defaultCountry: deps.config.telephony.defaultCountry,
          now: deps.now(),
          by: { user, ip: req.ip ?? null },
          forget: (numbers) => deps.bus.publish('customer.erased', { numbers }),
        });
      },
    }),
  ];
}
