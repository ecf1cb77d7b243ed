import { z } from 'zod';
import type { ExternalCrm, ExternalLookup } from './types.js';

/**
 * The optional external CRM: `GET {url}/customers/lookup?phone=<E.164>` answering 200 with a JSON object
 * (name, tier, language, company, attributes: string map) or 404 for an unknown number. A strict time budget:
 * past it the lookup is abandoned and identification goes on with local data.
 */
const responseSchema = z.object({
  name: z.string().max(128).optional(),
  tier: z.enum(['standard', 'gold', 'diamond']).optional(),
  language: z
    .string()
    .regex(/^[a-z]{2}(-[A-Za-z]{2})?$/)
    .optional(),
  company: z.string().max(128).optional(),
  attributes: z.record(z.string().max(64), z.string().max(512)).optional(),
});

export interface HttpCrmOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetchImpl?: typeof fetch;
}

export function createHttpCrm(options: HttpCrmOptions): ExternalCrm {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetchImpl ?? fetch;
  return {
    async lookup(e164: string): Promise<ExternalLookup> {
      const signal = AbortSignal.timeout(options.timeoutMs);
      try {
        const res = await doFetch(`${base}/customers/lookup?phone=${encodeURIComponent(e164)}`, {
          headers: { accept: 'application/json', ...options.headers },
          signal,
        });
        if (res.status === 404) {
          await res.body?.cancel();
          return { outcome: 'not_found' };
        }
        if (!res.ok) {
          await res.body?.cancel();
          return { outcome: 'error', error: `HTTP ${res.status}` };
        }
        const parsed = responseSchema.safeParse(await res.json());
        if (!parsed.success)
          return { outcome: 'error', error: `bad response: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
        return { outcome: 'ok', customer: parsed.data };
      } catch (err) {
        if (signal.aborted) return { outcome: 'timeout' };
        return { outcome: 'error', error: (err as Error).message };
      }
    },
  };
}
