import type { InboundChannel } from '../telephony/port.js';

/**
 * Numbers go out through the carrier trunk as `PJSIP/<number>@<trunk>` (Asterisk's PJSIP dial string form). A short
 * number (up to 6 digits, no +) is an extension of ours, as desk phones are named (PJSIP/2001): a transfer to it
 * stays inside.
 */
export function trunkDialString(trunk: string | undefined): ((number: string) => string) | undefined {
  return trunk ? (number) => (/^\d{1,6}$/.test(number) ? `PJSIP/${number}` : `PJSIP/${number}@${trunk}`) : undefined;
}

/** One way out for a number: the dial string, and the trunk it uses (for the CDR). */
export interface TrunkAttempt {
  readonly dial: string;
  readonly trunk: string | null;
}

/**
 * Q.850 causes that say the trunk could not carry the call, rather than anything about the number called: no circuit
 * (34), network out of order (38), temporary failure (41), switching equipment congestion (42), resource
 * unavailable (47). Asterisk's DIALSTATUS CONGESTION, on which the dialplan tries OUTBOUND_TRUNK_BACKUP.
 */
export const TRUNK_FAILURE_CAUSES: ReadonlySet<number> = new Set([34, 38, 41, 42, 47]);

/**
 * A number dialled on a desk phone, handed over by dialplans/outbound.conf `[outbound-dial]` as
 * `Stasis(ariadne,dialout,<E.164>,<trunk>,<backup trunk>,<number presentation>)` once the dialplan's rules (E.164,
 * premium-rate refused, international only when allowed, the caller id) have passed it.
 */
export interface DeskDialOut {
  /** E.164. */
  readonly number: string;
  /** The trunks to try in order: the second only when the first cannot carry the call. */
  readonly trunks: readonly string[];
  /** CALLERID(num-pres) when the agent withheld their number (*67), else null. */
  readonly presentation: string | null;
}

/** The context the orchestrator sends a dialled number to when it does not place it itself: the phone dials alone. */
export const DIRECT_DIAL_CONTEXT = 'outbound-direct';

export function isDeskDialOut(channel: Pick<InboundChannel, 'args'>): boolean {
  return channel.args[0] === 'dialout';
}

const E164 = /^\+[1-9]\d{5,14}$/;
const TRUNK = /^[A-Za-z0-9_.-]{1,64}$/;

/** The dial-out's number and trunks, or why they cannot be used (a dialplan edited out of shape). */
export function parseDeskDialOut(args: readonly string[]): DeskDialOut | { readonly error: string } {
  const [, number = '', trunk = '', backup = '', presentation = ''] = args;
  if (!E164.test(number)) return { error: `dial-out number "${number}" is not E.164` };
  if (!TRUNK.test(trunk)) return { error: `dial-out trunk "${trunk}" is not a PJSIP endpoint name` };
  const trunks = TRUNK.test(backup) && backup !== trunk ? [trunk, backup] : [trunk];
  const withheld = presentation !== '' && !presentation.startsWith('allowed');
  return { number, trunks, presentation: withheld ? presentation : null };
}
