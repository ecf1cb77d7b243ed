import { z } from 'zod';
import { HttpError, type FieldIssue } from '../http/errors.js';

/** zod issues → `[{ in, field, reason }]`; the message names the first field so a human sees it at once. */
export function toFieldIssues(where: FieldIssue['in'], error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    let field = path;
    // An unknown key is reported on the object; name the key itself.
    if (issue.code === 'unrecognized_keys') field = [path, ...issue.keys].filter(Boolean).join('.');
    // zod says "expected string, received undefined" for a missing field; people say "required".
    const reason =
      issue.code === 'invalid_type' && /received undefined$/.test(issue.message) ? 'required' : issue.message;
    return { in: where, field: field || '(root)', reason };
  });
}

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, where: FieldIssue['in']): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = toFieldIssues(where, result.error);
  const first = issues[0];
  const message = first ? `${where}.${first.field}: ${first.reason}` : `invalid ${where}`;
  throw new HttpError(400, 'validation_failed', message, issues);
}

// --- shared schema pieces -------------------------------------------------------------------------------------

export const idParam = z.object({ id: z.coerce.number().int().positive('an id is a positive integer') });
export const stringIdParam = z.object({ id: z.string().min(1).max(64) });

export const pageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});
export type PageQuery = z.output<typeof pageQuery>;

export function paged<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    page: z.number().int(),
    pageSize: z.number().int(),
    total: z.number().int(),
  });
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export function pageOf<T>(q: PageQuery, result: { items: T[]; total: number }): Page<T> {
  return { items: result.items, page: q.page, pageSize: q.pageSize, total: result.total };
}

export function offsetOf(q: PageQuery): { offset: number; limit: number } {
  return { offset: (q.page - 1) * q.pageSize, limit: q.pageSize };
}

/** An ISO 8601 time in a query string. */
export const isoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 time such as 2026-01-31T09:00:00Z')
  .transform((s) => new Date(s));

/** "true"/"false"/"1"/"0" in a query string (z.coerce.boolean would take "false" as true). */
export const queryBool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const okResponse = z.object({ ok: z.literal(true) });
