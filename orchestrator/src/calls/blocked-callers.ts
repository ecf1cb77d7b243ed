import { z } from 'zod';
import { insertedId } from '../agents/repository.js';
import type { Db } from '../db/knex.js';
import { isDuplicateKey } from '../db/errors.js';
import { mapRow, pageQuery, type Found, type Slice } from '../db/rows.js';
import { HttpError } from '../http/errors.js';
import type { Logger } from '../logger.js';
import { numberForms } from '../privacy/number-forms.js';
import { BLOCKED_CALLERS_FAMILY, type BlockedCallRejected, type SwitchPort } from '../telephony/port.js';
import { listedNumber } from './do-not-call.js';

/**
 * Callers the contact center does not take calls from: nuisance or abusive callers, and, with the entry
 * `anonymous`, every caller who withholds their number. Two places turn them away:
 *
 * - Asterisk, before answering: the orchestrator keeps the AstDB family `ariadne-blocked` (BLOCKED_CALLERS_FAMILY, by AMI DBPut) holding each
 *   blocked number in every digit form a carrier may deliver it in, and dialplans/inbound.conf rejects a caller
 *   found there with cause 21 (call rejected) without answering: the caller is not charged and the call costs the
 *   contact center nothing.
 * - The orchestrator, on arrival: a call that got past the dialplan (no AMI configured, an entry added a moment
 *   ago, a dialplan without the check) ends with the `blocked` event and disposition before any IVR, hung up with
 *   cause 21; the entry counts the hit.
 */

export { BLOCKED_CALLERS_FAMILY };
/** The entry that blocks calls without a caller id (also the AstDB key the dialplan looks up for them). */
export const ANONYMOUS = 'anonymous';
/** How often each orchestrator rereads the list (another orchestrator may have changed it) and resyncs AstDB. */
const RELOAD_MS = 60_000;

export type BlockedCaller = {
  readonly id: number;
  /** E.164, or `anonymous`. */
  readonly number: string;
  readonly reason: string | null;
  readonly createdBy: number | null;
  readonly createdAt: string;
  /** Null: until removed. */
  readonly expiresAt: string | null;
  readonly hits: number;
  readonly lastHitAt: string | null;
};

export const blockedCallerInput = z
  .object({
    /** As typed (national or E.164), or `anonymous`. */
    number: z.string().trim().min(1, 'required').max(40),
    reason: z.string().trim().max(200).nullable().optional(),
    /** Block for this many days, then let them call again; omitted: until removed. */
    days: z.number().int().min(1, 'at least 1').max(3650).nullable().optional(),
  })
  .strict();
export type BlockedCallerInput = z.infer<typeof blockedCallerInput>;

const COLUMNS = ['id', 'number', 'reason', 'created_by', 'created_at', 'expires_at', 'hits', 'last_hit_at'] as const;

const toEntry = (row: Record<string, unknown>) => mapRow(row) as BlockedCaller;

function live(db: Db, now: Date) {
  return db('blocked_callers').where((w) => w.whereNull('expires_at').orWhere('expires_at', '>', now));
}

export async function listBlockedCallers(db: Db, filter: { q?: string; now: Date }, slice: Slice): Promise<Found> {
  const q = live(db, filter.now).select(...COLUMNS);
  const digits = filter.q?.replace(/\D/g, '');
  if (digits) q.where('number', 'like', `%${digits}%`);
  return pageQuery(
    q,
    slice,
    [
      ['created_at', 'desc'],
      ['id', 'desc'],
    ],
    toEntry,
  );
}

export async function getBlockedCaller(db: Db, id: number): Promise<BlockedCaller | null> {
  const row = (await db('blocked_callers')
    .where({ id })
    .first(...COLUMNS)) as Record<string, unknown> | undefined;
  return row ? toEntry(row) : null;
}

/** `anonymous`, or the number read as E.164 (a 400 says why not). */
export function blockedNumber(typed: string, defaultCountry: string): string {
  return typed.trim().toLowerCase() === ANONYMOUS ? ANONYMOUS : listedNumber(typed, defaultCountry);
}

export async function addBlockedCaller(
  db: Db,
  input: BlockedCallerInput,
  o: { defaultCountry: string; now: Date; by: number | null },
): Promise<BlockedCaller> {
  const number = blockedNumber(input.number, o.defaultCountry);
  // An expired entry of the number gives way to the new one.
  await db('blocked_callers').where({ number }).where('expires_at', '<=', o.now).delete();
  if (await db('blocked_callers').where({ number }).first('id'))
    throw new HttpError(409, 'conflict', `${number} is already blocked`);
  const id = insertedId(
    await db('blocked_callers').insert({
      number,
      reason: input.reason ?? null,
      created_by: o.by,
      created_at: o.now,
      expires_at: input.days ? new Date(o.now.getTime() + input.days * 86_400_000) : null,
    }),
  );
  return (await getBlockedCaller(db, id)) as BlockedCaller;
}

export async function removeBlockedCaller(db: Db, id: number): Promise<boolean> {
  return (await db('blocked_callers').where({ id }).delete()) > 0;
}

/**
 * The AstDB keys of a blocked number: the digits of every form a carrier may deliver it in (E.164 without the +,
 * 00 and the country code, national with and without the trunk 0), as the dialplan looks them up
 * (`FILTER(0-9,${CALLERID(num)})`).
 */
export function astDbKeys(number: string): string[] {
  if (number === ANONYMOUS) return [ANONYMOUS];
  return [...new Set(numberForms(number).map((f) => f.replace(/\D/g, '')))].filter((k) => k.length > 0);
}

/** The caller id of a call as the dialplan reads it: digits only, or `anonymous` when none are left. */
export function callerKey(callerRaw: string): string {
  const digits = callerRaw.replace(/\D/g, '');
  return digits || ANONYMOUS;
}

/**
 * The list in memory for the call path (one Set lookup per arriving call), reread every minute and after each
 * change, and kept in Asterisk's AstDB for the dialplan.
 */
/** The calls the dialplan rejected are kept this long (what the Blocked page's figures need, and no longer). */
const REJECTIONS_KEPT_MS = 90 * 86_400_000;

export class BlockedCallers {
  private numberOfKey = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  /** The keys AstDB was last written with; null: not yet. */
  private synced: string | null = null;
  private syncing = false;
  private syncAgain = false;

  constructor(
    private readonly o: {
      readonly db: Db;
      /** Absent (tests, no switch): only the orchestrator's own check turns callers away. */
      readonly switchPort?: Pick<SwitchPort, 'setBlockedCallers' | 'onBlockedCallRejected'>;
      readonly logger: Logger;
      readonly now: () => Date;
    },
  ) {}

  async start(): Promise<void> {
    this.o.switchPort?.onBlockedCallRejected((e) => void this.rejectedByDialplan(e));
    await this.reload();
    this.timer = setInterval(() => void this.reload(), RELOAD_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Rereads the list (awaited), then updates AstDB in the background when its keys changed since the last sync. */
  async reload(): Promise<void> {
    let numbers: string[];
    try {
      numbers = (await live(this.o.db, this.o.now()).pluck('number')) as string[];
    } catch (err) {
      this.o.logger.warn({ err }, 'blocked callers: cannot read the list; keeping the one in memory');
      return;
    }
    const numberOfKey = new Map<string, string>();
    for (const n of numbers) for (const k of astDbKeys(n)) numberOfKey.set(k, n);
    this.numberOfKey = numberOfKey;
    void this.sync();
    void this.o
      .db('blocked_rejections')
      .where('rejected_at', '<', new Date(this.o.now().getTime() - REJECTIONS_KEPT_MS))
      .delete()
      .catch((err: unknown) => this.o.logger.warn({ err }, 'blocked callers: cannot prune the rejected calls'));
  }

  /** One sync at a time; a change during one is picked up by the sync that follows it. */
  private async sync(): Promise<void> {
    if (!this.o.switchPort) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    try {
      do {
        this.syncAgain = false;
        const keys = [...this.numberOfKey.keys()].sort();
        const signature = keys.join(',');
        if (signature === this.synced) continue;
        try {
          await this.o.switchPort.setBlockedCallers(keys);
          this.synced = signature;
        } catch (err) {
          // The orchestrator's own check still turns them away; the next reload tries again.
          this.o.logger.warn(
            { err },
            'blocked callers: cannot write them to AstDB; the dialplan does not reject them yet',
          );
        }
      } while (this.syncAgain);
    } finally {
      this.syncing = false;
    }
  }

  /**
   * The blocked entry (its number) a caller id falls under, or null. A number the caller withheld (presentation
   * prohibited) that the carrier still asserts falls under `anonymous` too, as in the dialplan.
   */
  blockedNumberOf(callerRaw: string, withheld = false): string | null {
    const byNumber = this.numberOfKey.get(callerKey(callerRaw));
    if (byNumber) return byNumber;
    return withheld && this.numberOfKey.has(ANONYMOUS) ? ANONYMOUS : null;
  }

  /**
   * A caller the dialplan turned away: kept once per call (every orchestrator hears the AMI event; the first to
   * write it counts it) and counted on the entry its key falls under now. Never throws.
   */
  async rejectedByDialplan(e: BlockedCallRejected): Promise<void> {
    const number = this.numberOfKey.get(e.key) ?? null;
    try {
      await this.o.db('blocked_rejections').insert({
        node: e.node,
        unique_id: e.uniqueId,
        number,
        caller: e.callerNum.slice(0, 64),
        did: e.did.slice(0, 64),
        rejected_at: this.o.now(),
      });
    } catch (err) {
      if (!isDuplicateKey(err))
        this.o.logger.warn({ err, node: e.node }, 'blocked callers: cannot keep a call the dialplan rejected');
      return;
    }
    if (number) await this.hit(number);
  }

  /** Counts a call turned away; never fails the call path. */
  async hit(number: string): Promise<void> {
    const now = this.o.now();
    await this.o
      .db('blocked_callers')
      .where({ number })
      .update({ hits: this.o.db.raw('hits + 1'), last_hit_at: now })
      .catch((err: unknown) => this.o.logger.warn({ err }, 'blocked callers: cannot count the hit'));
  }
}
