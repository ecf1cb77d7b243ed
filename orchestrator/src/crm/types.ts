import type { Tier } from '../routing/types.js';
import type { NormalisedCallerId } from './phone.js';

export interface OrderSummary {
  readonly orderNo: string;
  readonly status: string;
  readonly carrier: string | null;
  readonly trackingNo: string | null;
  readonly eta: string | null;
  readonly totalCents: number;
  readonly currency: string;
}

export interface ContactSummary {
  readonly channel: string;
  readonly category: string;
  readonly outcome: string;
  readonly startedAt: Date;
}

/** The customer card: what the screen pop shows and what routing looks at. */
export interface CustomerCard {
  /** Null when only the external CRM knows the caller. */
  readonly customerId: number | null;
  readonly name: string;
  readonly tier: Tier;
  readonly language: string;
  readonly company: string | null;
  readonly email: string | null;
  readonly openOrders: readonly OrderSummary[];
  readonly recentContacts: readonly ContactSummary[];
  /** Categories of the last contacts, newest first. */
  readonly recentCategories: readonly string[];
  /** Extra fields from the external CRM, if it answered in time. */
  readonly external: Readonly<Record<string, string>> | null;
}

export interface Identification {
  readonly caller: NormalisedCallerId;
  readonly customer: CustomerCard | null;
  /** Where the card came from: 'none' for withheld/invalid/unknown callers. */
  readonly source: 'local' | 'cache' | 'external' | 'none';
  readonly externalOutcome: 'disabled' | 'ok' | 'not_found' | 'timeout' | 'error' | 'skipped';
}

/** What an external CRM may add about a phone number (all optional). */
export interface ExternalCustomer {
  readonly name?: string;
  readonly tier?: Tier;
  readonly language?: string;
  readonly company?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export type ExternalLookup =
  | { readonly outcome: 'ok'; readonly customer: ExternalCustomer }
  | { readonly outcome: 'not_found' | 'timeout' | 'error'; readonly error?: string };

export interface ExternalCrm {
  lookup(e164: string): Promise<ExternalLookup>;
}
