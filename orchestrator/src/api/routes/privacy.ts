import { z } from 'zod';
import { exportCaller } from '../../privacy/access.js';
import { eraseCaller } from '../../privacy/erasure.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { ADMIN } from './common.js';

const person = {
  customerId: z.number().int('an id is a positive integer').positive('an id is a positive integer').optional(),
  /** As typed: national (read in the default country) or E.164. */
  phone: z.string().trim().min(3).max(40).optional(),
};
const namesSomeone = (b: { customerId?: number; phone?: string }): boolean =>
  b.customerId !== undefined || b.phone !== undefined;
const noOne = { message: 'give the customer id or the phone number (or both)', path: ['phone'] };
const eraseBody = z
  .object({ ...person, dryRun: z.boolean().optional() })
  .strict()
  .refine(namesSomeone, noOne);
const exportBody = z.object(person).strict().refine(namesSomeone, noOne);

/** A caller's rights of access (privacy/access.ts) and to erasure (privacy/erasure.ts): admins only. */
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
    route({
      method: 'post',
      path: '/privacy/export',
      tag: 'privacy',
      summary:
        "A caller's copy of their data by customer id and/or number: customer, orders, calls with their steps, " +
        'recordings, transcripts, tickets, surveys, callbacks (audit `privacy.export`, the number masked)',
      roles: ADMIN,
      body: exportBody,
      // The export writes its own audit line with the number masked and the counts: the registry's would hold the
      // body, that is the number.
      audit: null,
      async handler({ body, user, req }) {
        return exportCaller(db, body, {
          defaultCountry: deps.config.telephony.defaultCountry,
          now: deps.now(),
          by: { user, ip: req.ip ?? null },
          transcripts: deps.services.transcripts,
        });
      },
    }),
  ];
}
