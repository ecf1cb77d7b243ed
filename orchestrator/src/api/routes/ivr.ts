import { z } from 'zod';
import { FlowRepository, type PublishOptions } from '../../ivr/flows.js';
import { validateFlow } from '../../ivr/schema.js';
import { notFound } from '../../http/errors.js';
import { deleteDid, listDids, listFlows } from '../../ivr/admin-queries.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { offsetOf, pageOf, pageQuery } from '../validation.js';
import { ADMIN, STAFF } from './common.js';

const flowName = z.object({ name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, '1-64 letters, digits, _ . or -') });
const didParam = z.object({
  number: z.string().regex(/^\+?[0-9*#]{1,32}$/, 'the number as the trunk delivers it: digits, optional +'),
});
/** What an admin puts live must not name business hours or queues that do not exist. */
const NAMES_MUST_EXIST: PublishOptions = { namesMustExist: true };
const versionParams = flowName.extend({ version: z.coerce.number().int().positive() });

export function ivrRoutes(deps: ApiDeps): ApiRoute[] {
  const { db } = deps;
  // The call path keeps its own repository (with its DID cache); this one serves the admin screens.
  const flows = deps.services.flows ?? new FlowRepository(db);
  // DID mapping clears the DID cache of the repository that did it: the call path's, when it is wired.
  const mapper: Pick<FlowRepository, 'mapDid'> = flows.mapDid
    ? { mapDid: flows.mapDid.bind(flows) }
    : new FlowRepository(db);
  return [
    route({
      method: 'get',
      path: '/ivr-flows',
      tag: 'ivr-flows',
      summary: 'List IVR flows with their published and latest versions',
      roles: STAFF,
      query: pageQuery,
      async handler({ query }) {
        return pageOf(query, await listFlows(db, offsetOf(query)));
      },
    }),
    route({
      method: 'post',
      path: '/ivr-flows/validate',
      tag: 'ivr-flows',
      summary: 'Check a flow document without saving it: every issue with its path',
      roles: STAFF,
      body: z.object({ document: z.unknown() }).strict(),
      audit: null,
      async handler({ body }) {
        const result = validateFlow(body.document);
        return result.ok ? { ok: true, issues: [], flow: result.flow } : { ok: false, issues: result.issues };
      },
    }),
    route({
      method: 'get',
      path: '/ivr-flows/:name',
      tag: 'ivr-flows',
      summary: 'The published version of a flow',
      roles: STAFF,
      params: flowName,
      async handler({ params }) {
        const published = await flows.getPublished(params.name);
        if (!published) throw notFound(`published flow "${params.name}"`);
        return published;
      },
    }),
    route({
      method: 'get',
      path: '/ivr-flows/:name/versions',
      tag: 'ivr-flows',
      summary: 'Every version of a flow, newest first',
      roles: STAFF,
      params: flowName,
      async handler({ params }) {
        const versions = await flows.versions(params.name);
        return { items: versions.map((v) => ({ ...v, createdAt: v.createdAt?.toISOString() ?? null })) };
      },
    }),
    route({
      method: 'get',
      path: '/ivr-flows/:name/versions/:version',
      tag: 'ivr-flows',
      summary: 'One version of a flow',
      roles: STAFF,
      params: versionParams,
      async handler({ params }) {
        const document = await flows.getVersion(params.name, params.version);
        if (!document) throw notFound(`flow "${params.name}" version ${params.version}`);
        return { name: params.name, version: params.version, document };
      },
    }),
    route({
      method: 'post',
      path: '/ivr-flows/:name/versions',
      tag: 'ivr-flows',
      summary: 'Save a new version (validated; not yet live). Creates the flow on first save',
      roles: ADMIN,
      params: flowName,
      body: z
        .object({
          document: z.unknown(),
          description: z.string().max(255).optional(),
          publish: z.boolean().default(false),
        })
        .strict(),
      status: 201,
      audit: { action: 'ivr_flow.save', targetType: 'ivr_flow' },
      async handler({ params, body, user, auditTarget }) {
        // Checked before the save, so a refused publish leaves no new version behind.
        const checked = body.publish ? validateFlow(body.document) : null;
        if (checked?.ok) await flows.requireKnownNames(`flow "${params.name}"`, checked.flow);
        const saved = await flows.saveVersion(params.name, body.document, user.username, body.description);
        if (body.publish) await flows.publish(params.name, saved.version); // its names were checked above
        auditTarget(params.name, { version: saved.version, published: body.publish });
        return { ...saved, published: body.publish, createdAt: saved.createdAt?.toISOString() ?? null };
      },
    }),
    route({
      method: 'post',
      path: '/ivr-flows/:name/publish',
      tag: 'ivr-flows',
      summary: 'Make a version live (re-validated first)',
      roles: ADMIN,
      params: flowName,
      body: z.object({ version: z.number().int().positive() }).strict(),
      audit: { action: 'ivr_flow.publish', targetType: 'ivr_flow' },
      async handler({ params, body, auditTarget }) {
        await flows.publish(params.name, body.version, NAMES_MUST_EXIST);
        auditTarget(params.name, { version: body.version });
        return { name: params.name, publishedVersion: body.version };
      },
    }),
    route({
      method: 'post',
      path: '/ivr-flows/:name/rollback',
      tag: 'ivr-flows',
      summary: 'Publish the newest version older than the live one',
      roles: ADMIN,
      params: flowName,
      audit: { action: 'ivr_flow.rollback', targetType: 'ivr_flow' },
      async handler({ params, auditTarget }) {
        const version = await flows.rollback(params.name, NAMES_MUST_EXIST);
        auditTarget(params.name, { version });
        return { name: params.name, publishedVersion: version };
      },
    }),
    route({
      method: 'get',
      path: '/dids',
      tag: 'ivr-flows',
      summary: 'Dialled numbers and the IVR flow each one runs',
      roles: STAFF,
      query: pageQuery,
      async handler({ query }) {
        return pageOf(query, await listDids(db, offsetOf(query)));
      },
    }),
    route({
      method: 'put',
      path: '/dids/:number',
      tag: 'ivr-flows',
      summary: 'Point a dialled number at a flow (creates the number if new)',
      roles: ADMIN,
      params: didParam,
      body: z.object({ flow: flowName.shape.name, description: z.string().max(255).optional() }).strict(),
      audit: { action: 'did.map', targetType: 'did' },
      async handler({ params, body, auditTarget }) {
        await mapper.mapDid(params.number, body.flow, body.description);
        auditTarget(params.number, body);
        return { number: params.number, flow: body.flow, description: body.description ?? null };
      },
    }),
    route({
      method: 'delete',
      path: '/dids/:number',
      tag: 'ivr-flows',
      summary: 'Remove a dialled number (its calls then take the dialplan fallback)',
      roles: ADMIN,
      params: didParam,
      status: 204,
      audit: { action: 'did.delete', targetType: 'did' },
      async handler({ params, auditTarget }) {
        if (!(await deleteDid(db, params.number))) throw notFound(`DID ${params.number}`);
        auditTarget(params.number);
        return undefined;
      },
    }),
  ];
}
