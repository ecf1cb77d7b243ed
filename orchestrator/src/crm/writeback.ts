import type { CallFacts } from '../aftercall/facts.js';

/** The categories and outcomes of the contact history (table contacts) that routing rules read. */
export const CONTACT_CATEGORIES = ['logistics', 'billing', 'technical', 'sales', 'other'] as const;
const OUTCOME_BY_DISPOSITION: Readonly<Record<string, string>> = {
  answered: 'resolved',
  self_service: 'resolved',
  transferred: 'escalated',
  abandoned: 'abandoned',
  callback: 'callback',
  voicemail: 'unresolved',
  failed: 'unresolved',
};

/** The contact history's outcome for a call's disposition. */
export function contactOutcome(disposition: string | null): string {
  return OUTCOME_BY_DISPOSITION[disposition ?? ''] ?? 'unresolved';
}

/** What the external CRM receives for a call (POST {url}/interactions). */
export interface Interaction {
  readonly callId: string;
  readonly channel: 'phone';
  readonly customer: { readonly id: number | null; readonly externalRef: string | null; readonly phone: string | null };
  readonly did: string;
  readonly queue: string | null;
  readonly agent: string | null;
  readonly startedAt: string;
  readonly answeredAt: string | null;
  readonly endedAt: string | null;
  readonly waitSeconds: number | null;
  readonly talkSeconds: number | null;
  readonly disposition: string | null;
  readonly agentDisposition: string | null;
  readonly recordingId: string | null;
  readonly tickets: readonly { readonly id: number; readonly subject: string; readonly status: string }[];
}

export function interactionOf(facts: CallFacts, tickets: Interaction['tickets']): Interaction {
  return {
    callId: facts.callId,
    channel: 'phone',
    customer: { id: facts.customerId, externalRef: facts.customerRef, phone: facts.callerE164 },
    did: facts.did,
    queue: facts.queueName,
    agent: facts.agentName,
    startedAt: facts.arrivedAt.toISOString(),
    answeredAt: facts.answeredAt?.toISOString() ?? null,
    endedAt: facts.endedAt?.toISOString() ?? null,
    waitSeconds: facts.waitSeconds,
    talkSeconds: facts.talkSeconds,
    disposition: facts.disposition,
    agentDisposition: facts.agentDisposition,
    recordingId: facts.recordingId,
    tickets,
  };
}

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
