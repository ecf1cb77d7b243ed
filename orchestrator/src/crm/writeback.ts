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
  /** inbound: the customer called; outbound: an agent called the customer. */
  readonly direction: 'inbound' | 'outbound';
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
    direction: facts.direction,
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
