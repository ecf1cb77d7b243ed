import { z } from 'zod';
import type { Role } from '../../auth/types.js';
import { notFound } from '../../http/errors.js';
import type { ApiObject } from '../../db/rows.js';
import { route, type ApiRoute } from '../registry.js';
import { idParam, offsetOf, pageOf, pageQuery, paged, type PageQuery } from '../validation.js';
import { ADMIN } from './common.js';

type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface CrudSpec<C extends z.ZodType, U extends z.ZodType, F extends AnyObject, T extends object> {
  readonly base: string;
  readonly tag: string;
  readonly noun: string;
  readonly readRoles: readonly Role[];
  readonly writeRoles?: readonly Role[];
  readonly item: z.ZodType;
  readonly filters?: F;
  readonly createBody: C;
  readonly updateBody: U;
  list(
    filter: z.output<F> & PageQuery,
    slice: { offset: number; limit: number },
  ): Promise<{ items: readonly T[]; total: number }>;
  get(id: number): Promise<T | null>;
  create(body: z.output<C>): Promise<T>;
  update(id: number, body: z.output<U>): Promise<T | null>;
  remove(id: number): Promise<boolean>;
  /** Told after every successful write (e.g. to publish queue.changed). */
  changed?(id: number): void;
}

/** The five routes of a configuration resource: list, get, create, update (PATCH), delete. Writes are audited. */
export function crud<C extends z.ZodType, U extends z.ZodType, F extends AnyObject, T extends object = ApiObject>(
  s: CrudSpec<C, U, F, T>,
): ApiRoute[] {
  const write = s.writeRoles ?? ADMIN;
  const filters = (s.filters ? pageQuery.extend(s.filters.shape) : pageQuery) as unknown as z.ZodObject<z.ZodRawShape>;
  return [
    route({
      method: 'get',
      path: s.base,
      tag: s.tag,
      summary: `List ${s.noun}s`,
      roles: s.readRoles,
      query: filters,
      response: paged(s.item),
      async handler({ query }) {
        const q = query as z.output<F> & PageQuery;
        const found = await s.list(q, offsetOf(q));
        return pageOf(q, { items: [...found.items], total: found.total });
      },
    }),
    route({
      method: 'get',
      path: `${s.base}/:id`,
      tag: s.tag,
      summary: `One ${s.noun}`,
      roles: s.readRoles,
      params: idParam,
      response: s.item,
      async handler({ params }) {
        const found = await s.get(params.id);
        if (!found) throw notFound(`${s.noun} ${params.id}`);
        return found;
      },
    }),
    route({
      method: 'post',
      path: s.base,
      tag: s.tag,
      summary: `Create a ${s.noun}`,
      roles: write,
      body: s.createBody,
      response: s.item,
      status: 201,
      audit: { action: `${s.tag}.create`, targetType: s.tag },
      async handler({ body, auditTarget }) {
        const created = await s.create(body as z.output<C>);
        const id = Number((created as { id?: unknown }).id);
        auditTarget(id, body);
        s.changed?.(id);
        return created;
      },
    }),
    route({
      method: 'patch',
      path: `${s.base}/:id`,
      tag: s.tag,
      summary: `Change a ${s.noun}`,
      roles: write,
      params: idParam,
      body: s.updateBody,
      response: s.item,
      audit: { action: `${s.tag}.update`, targetType: s.tag },
      async handler({ params, body }) {
        const updated = await s.update(params.id, body as z.output<U>);
        if (!updated) throw notFound(`${s.noun} ${params.id}`);
        s.changed?.(params.id);
        return updated;
      },
    }),
    route({
      method: 'delete',
      path: `${s.base}/:id`,
      tag: s.tag,
      summary: `Delete a ${s.noun}`,
      roles: write,
      params: idParam,
      status: 204,
      audit: { action: `${s.tag}.delete`, targetType: s.tag },
      async handler({ params }) {
        if (!(await s.remove(params.id))) throw notFound(`${s.noun} ${params.id}`);
        s.changed?.(params.id);
        return undefined;
      },
    }),
  ];
}
