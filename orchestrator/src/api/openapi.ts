import { z } from 'zod';
import type { ApiRoute } from './registry.js';

type JsonSchema = Record<string, unknown>;

function schemaOf(s: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** Express '/queues/:id' → OpenAPI '/api/queues/{id}'. */
function openapiPath(path: string): string {
  return `/api${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
}

function parameters(where: 'path' | 'query', obj: z.ZodObject<z.ZodRawShape> | undefined): JsonSchema[] {
  if (!obj) return [];
  const json = schemaOf(obj, 'input');
  const props = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, schema]) => ({
    name,
    in: where,
    required: where === 'path' ? true : required.has(name) && !('default' in schema),
    schema,
  }));
}

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

/** The OpenAPI 3.1 description, generated from the same zod schemas the routes validate with. */
export function buildOpenApi(routes: readonly ApiRoute[], info: { title: string; version: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const p = (paths[openapiPath(r.path)] ??= {});
    const responses: Record<string, JsonSchema> = {};
    responses[String(r.status)] =
      r.status === 204
        ? { description: 'done' }
        : {
            description: 'ok',
            ...(r.response ? { content: { 'application/json': { schema: schemaOf(r.response, 'output') } } } : {}),
          };
    const err = {
      description: 'error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    if (r.body || r.query || r.params) responses['400'] = err;
    if (r.roles !== 'public') responses['401'] = err;
    if (Array.isArray(r.roles) && r.roles.length < 3) responses['403'] = err;
    const roles = r.roles === 'public' ? 'public' : r.roles === 'any' ? 'any signed-in user' : r.roles.join(', ');
    p[r.method] = {
      tags: [r.tag],
      summary: r.summary,
      description: `Roles: ${roles}.${r.audit ? ` Audited as \`${r.audit.action}\`.` : ''}`,
      operationId: `${r.method}${r.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: [...parameters('path', r.params), ...parameters('query', r.query)],
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } } }
        : {}),
      responses,
      ...(r.roles === 'public' ? { security: [] } : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info: { ...info, description: 'Ariadne contact center API. Errors are `{ error: { code, message, details? } }`.' },
    servers: [{ url: '/' }],
    security: [{ session: [] }, { bearer: [] }],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'ariadne_session' },
        bearer: { type: 'http', scheme: 'bearer', description: 'API token created by an admin via /api/tokens' },
      },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}
