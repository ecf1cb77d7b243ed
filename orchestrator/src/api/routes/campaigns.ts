import { z } from 'zod';
import type { AuthUser } from '../../auth/types.js';
import { listedAmong } from '../../calls/do-not-call.js';
import { checkListLength, MAX_NUMBERS_PER_UPLOAD, parseNumberList } from '../../calls/number-list.js';
import { outboundNumber } from '../../calls/outbound-numbers.js';
import { MACHINE_DETECTIONS } from '../../campaigns/machine.js';
import * as campaigns from '../../campaigns/repository.js';
import { HttpError, notFound } from '../../http/errors.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { idParam, isoTime, offsetOf, pageOf, pageQuery, paged, stringIdParam } from '../validation.js';
import { toCsv } from '../../reports/api.js';
import { assertCallOf, assertQueue, EVERYONE, format, queueScope, sendCsv, STAFF } from './common.js';

const counts = z.object({
  total: z.number(),
  pending: z.number(),
  dialing: z.number(),
  done: z.number(),
  failed: z.number(),
  skipped: z.number(),
});
const campaignItem = z.object({
  id: z.number(),
  name: z.string(),
  queueId: z.number(),
  queueName: z.string(),
  state: z.enum(campaigns.CAMPAIGN_STATES),
  hours: z.string().nullable(),
  callerId: z.string().nullable(),
  maxAttempts: z.number(),
  retryMinutes: z.number(),
  script: z.string().nullable(),
  contactHours: z.string().nullable(),
  machineDetection: z.enum(MACHINE_DETECTIONS),
  machineMessage: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  contacts: counts,
});
const contactItem = z.object({
  id: z.number(),
  number: z.string(),
  name: z.string().nullable(),
  state: z.enum(campaigns.CONTACT_STATES),
  attempts: z.number(),
  nextAt: z.string().nullable(),
  lastResult: z.string().nullable(),
  lastCallId: z.string().nullable(),
  updatedAt: z.string(),
  timeZone: z.string().nullable(),
});
const uploadBody = z
  .object({
    /** One contact per line: `number` or `number,name`. */
    csv: z.string().max(250_000).optional(),
    contacts: z
      .array(z.object({ number: z.string().max(40), name: z.string().max(120).nullable().optional() }).strict())
      .max(MAX_NUMBERS_PER_UPLOAD)
      .optional(),
  })
  .strict()
  .refine((b) => (b.csv === undefined) !== (b.contacts === undefined), 'send either csv or contacts');
const uploadResult = z.object({
  added: z.number(),
  duplicates: z.number(),
  doNotCall: z.number(),
  invalid: z.array(z.object({ line: z.number(), input: z.string(), reason: z.string() })),
});

/** The columns of a campaign's results, as exported; a list is at most this long in one export. */
const CONTACT_CSV_COLUMNS = [
  'number',
  'name',
  'state',
  'attempts',
  'nextAt',
  'lastResult',
  'lastCallId',
  'updatedAt',
  'timeZone',
];
const EXPORT_LIMIT = 1_000_000;

/** How far ahead a customer's callback may be booked on a campaign's call. */
const CALLBACK_HORIZON_DAYS = 30;

/** A supervisor's campaign must be for one of their queues. */
function assertOwnQueue(user: AuthUser, queueId: number): void {
  const scope = queueScope(user);
  if (!scope || scope.includes(queueId)) return;
  const reason = 'a supervisor runs campaigns for one of their queues';
  throw new HttpError(400, 'validation_failed', `body.queueId: ${reason}`, [{ in: 'body', field: 'queueId', reason }]);
}

/** A CSV field as written: quoted when it holds a comma, a quote or a line break. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function campaignRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  /** The campaign, or 404 (also for a supervisor's look at another queue's campaign). */
  const reachable = async (user: AuthUser, id: number): Promise<campaigns.Campaign> => {
    const found = await campaigns.getCampaign(db, id);
    if (!found) throw notFound(`campaign ${id}`);
    assertQueue(user, found.queueId, `campaign ${id}`);
    return found;
  };
  const stateRoute = (state: campaigns.CampaignState, summary: string): ApiRoute =>
    route({
      method: 'post',
      path: `/campaigns/:id/${state === 'running' ? 'start' : 'pause'}`,
      tag: 'campaigns',
      summary,
      roles: STAFF,
      params: idParam,
      response: campaignItem,
      audit: { action: `campaign.${state === 'running' ? 'start' : 'pause'}`, targetType: 'campaign' },
      async handler({ user, params, auditTarget }) {
        await reachable(user, params.id);
        auditTarget(params.id);
        return campaigns.setCampaignState(db, params.id, state, deps.now());
      },
    });
  return [
    route({
      method: 'get',
      path: '/campaigns',
      tag: 'campaigns',
      summary: 'Outbound campaigns with their contacts counted by state (supervisors: their queues)',
      roles: STAFF,
      query: pageQuery,
      response: paged(campaignItem),
      async handler({ user, query }) {
        const found = await campaigns.listCampaigns(db, { queueIds: queueScope(user) }, offsetOf(query));
        return pageOf(query, { items: [...found.items], total: found.total });
      },
    }),
    route({
      method: 'get',
      path: '/campaigns/:id',
      tag: 'campaigns',
      summary: 'One campaign',
      roles: STAFF,
      params: idParam,
      response: campaignItem,
      handler: ({ user, params }) => reachable(user, params.id),
    }),
    route({
      method: 'post',
      path: '/campaigns',
      tag: 'campaigns',
      summary: "Create a campaign (paused) for a queue's agents",
      roles: STAFF,
      body: campaigns.campaignFields.required({ name: true, queueId: true }),
      response: campaignItem,
      status: 201,
      audit: { action: 'campaign.create', targetType: 'campaign' },
      async handler({ user, body, auditTarget }) {
        assertOwnQueue(user, body.queueId);
        const created = await campaigns.createCampaign(db, body, deps.now());
        auditTarget(created.id, body);
        return created;
      },
    }),
    route({
      method: 'patch',
      path: '/campaigns/:id',
      tag: 'campaigns',
      summary: "Change a campaign's name, queue, hours, contacts' local hours, caller id, retry rule or script",
      roles: STAFF,
      params: idParam,
      body: campaigns.campaignFields,
      response: campaignItem,
      audit: { action: 'campaign.update', targetType: 'campaign' },
      async handler({ user, params, body, auditTarget }) {
        await reachable(user, params.id);
        if (body.queueId !== undefined) assertOwnQueue(user, body.queueId);
        auditTarget(params.id, body);
        return campaigns.updateCampaign(db, params.id, body, deps.now());
      },
    }),
    route({
      method: 'delete',
      path: '/campaigns/:id',
      tag: 'campaigns',
      summary: 'Delete a paused campaign and its contacts (its calls stay in the CDR)',
      roles: STAFF,
      params: idParam,
      status: 204,
      audit: { action: 'campaign.delete', targetType: 'campaign' },
      async handler({ user, params, auditTarget }) {
        await reachable(user, params.id);
        await campaigns.removeCampaign(db, params.id);
        auditTarget(params.id);
        return undefined;
      },
    }),
    stateRoute('running', 'Start dialling: one call per free agent of the queue, within the hours'),
    stateRoute('paused', 'Pause dialling (calls under way go on)'),
    route({
      method: 'post',
      path: '/campaigns/:id/recycle',
      tag: 'campaigns',
      summary:
        'Call the failed numbers (out of attempts) again: pending, their attempts back; with results, only those whose last call ended so',
      roles: STAFF,
      params: idParam,
      body: z.object({ results: z.array(z.string().trim().min(1).max(64)).min(1).max(20).optional() }).strict(),
      response: z.object({ recycled: z.number() }),
      audit: { action: 'campaign.recycle', targetType: 'campaign' },
      async handler({ user, params, body, auditTarget }) {
        await reachable(user, params.id);
        const recycled = await campaigns.recycleFailedContacts(db, params.id, body.results, deps.now());
        auditTarget(params.id, { recycled, results: body.results ?? null });
        return { recycled };
      },
    }),
    route({
      method: 'post',
      path: '/campaigns/:id/contacts',
      tag: 'campaigns',
      summary:
        'Add numbers: csv (one per line, number[,name]) or contacts[]; numbers already in it or on the do-not-call list are left out',
      roles: STAFF,
      params: idParam,
      body: uploadBody,
      response: uploadResult,
      audit: { action: 'campaign.contacts', targetType: 'campaign' },
      async handler({ user, params, body, auditTarget }) {
        await reachable(user, params.id);
        const csv =
          body.csv ?? (body.contacts ?? []).map((c) => [c.number, c.name ?? ''].map(csvField).join(',')).join('\n');
        // Read as click-to-dial reads a typed number: a number an agent could not dial is refused here.
        const policy = {
          defaultCountry: deps.config.telephony.defaultCountry,
          international: deps.config.telephony.outboundInternational,
        };
        const list = parseNumberList(csv, (typed) => outboundNumber(typed, policy));
        checkListLength(list);
        const listed = await listedAmong(
          db,
          list.numbers.map((c) => c.e164),
        );
        const allowed = list.numbers
          .filter((c) => !listed.has(c.e164))
          .map((c) => ({ e164: c.e164, name: c.note?.slice(0, 120) ?? null }));
        const doNotCall = list.numbers.length - allowed.length;
        const added = await campaigns.addContacts(db, params.id, allowed, deps.now());
        const result = {
          added,
          duplicates: list.repeated + allowed.length - added,
          doNotCall,
          invalid: [...list.invalid],
        };
        auditTarget(params.id, { added, duplicates: result.duplicates, doNotCall, invalid: list.invalid.length });
        return result;
      },
    }),
    route({
      method: 'get',
      path: '/campaigns/:id/contacts',
      tag: 'campaigns',
      summary: "A campaign's contacts: state, attempts, next try and the last call's result (format=csv: all of them)",
      roles: STAFF,
      params: idParam,
      query: pageQuery.extend({ state: z.enum(campaigns.CONTACT_STATES).optional(), format }),
      response: paged(contactItem),
      async handler({ user, params, query, res }) {
        const campaign = await reachable(user, params.id);
        const filter = { state: query.state };
        if (query.format === 'csv') {
          const all = await campaigns.listContacts(db, params.id, filter, { offset: 0, limit: EXPORT_LIMIT });
          const name = `campaign-${params.id}-${campaign.name.replace(/[^\w-]+/g, '_')}.csv`;
          return sendCsv(res, name, toCsv(all.items, CONTACT_CSV_COLUMNS));
        }
        const found = await campaigns.listContacts(db, params.id, filter, offsetOf(query));
        return pageOf(query, { items: [...found.items], total: found.total });
      },
    }),
    route({
      method: 'post',
      path: '/calls/:id/campaign-callback',
      tag: 'campaigns',
      summary: "The customer on a campaign's call asked to be called at a time: the contact is tried again then",
      roles: EVERYONE,
      params: stringIdParam,
      body: z.object({ at: isoTime }).strict(),
      response: contactItem,
      audit: { action: 'campaign.callback', targetType: 'call' },
      async handler({ user, params, body, auditTarget }) {
        await assertCallOf(db, user, params.id);
        const now = deps.now();
        const ahead = body.at.getTime() - now.getTime();
        if (ahead < 60_000 || ahead > CALLBACK_HORIZON_DAYS * 86_400_000) {
          const reason = `a time from a minute to ${CALLBACK_HORIZON_DAYS} days from now`;
          throw new HttpError(400, 'validation_failed', `body.at: ${reason}`, [{ in: 'body', field: 'at', reason }]);
        }
        const contact = await campaigns.rescheduleContactOfCall(db, params.id, body.at, now);
        if (!contact) throw notFound(`a campaign's contact called by call ${params.id}`);
        auditTarget(params.id, { at: body.at.toISOString(), number: contact.number });
        return contact;
      },
    }),
  ];
}
