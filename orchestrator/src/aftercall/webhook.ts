export type PostOutcome =
  { readonly ok: true } | { readonly ok: false; readonly retry: boolean; readonly error: string };

/**
 * POSTs JSON to a webhook and classifies the answer: 2xx done; 408, 429 and 5xx (and no answer at all) are worth
 * another attempt; any other 4xx says the request itself is wrong, which no retry fixes.
 */
export async function postJson(
  url: string,
  body: unknown,
  options: { headers?: Readonly<Record<string, string>>; timeoutMs: number; signal?: AbortSignal },
): Promise<PostOutcome> {
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)])
    : AbortSignal.timeout(options.timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
      body: JSON.stringify(body),
      signal,
    });
    const text = await res.text().catch(() => '');
    if (res.ok) return { ok: true };
    const error = `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    return { ok: false, retry: res.status >= 500 || res.status === 408 || res.status === 429, error };
  } catch (err) {
    return {
      ok: false,
      retry: true,
      error: signal.aborted ? `no answer within ${options.timeoutMs} ms` : (err as Error).message,
    };
  }
}
