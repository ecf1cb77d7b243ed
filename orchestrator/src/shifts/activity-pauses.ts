import { AgentNotFoundError, type AgentService } from '../agents/service.js';
import { listPauseReasons } from '../agents/pause-reasons.js';
import type { Db } from '../db/knex.js';
import { isDuplicateKey } from '../db/errors.js';
import { requireDate } from '../db/time.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { wallTime } from '../reports/day.js';
import { LONGEST_SHIFT_MS, type ActivityKind } from './plan.js';

/**
 * Scheduled activities kept to (`ARIADNE_SCHEDULED_ACTIVITIES=pause`): when a break, lunch, meeting, training or
 * time offline in an agent's published shift begins, the agent is paused for it with the pause reason of the same
 * name (else the contact center's first), at once if available, after their call and its wrap-up if on one. An agent
 * already paused or logged out then is left alone, and one who comes back early is not paused again: the activity is
 * acted on once, by whichever orchestrator writes its row first. Nobody is unpaused when it ends (the agent says
 * they are back, and adherence measures how late).
 */

/** How often the schedule is looked at. */
export const CHECK_MS = 15_000;
/**
 * Each look comes this long after a quarter minute of the clock. Activities begin on whole minutes (HH:MM), so the
 * look at :00 acts on them at once, before the ACD can offer the agent another call; the others catch what an
 * orchestrator busy or starting up missed.
 */
const AFTER_THE_MINUTE_MS = 250;

/** How long after `nowMs` the next look is due: at a quarter minute of the clock and AFTER_THE_MINUTE_MS. */
export function nextLookIn(nowMs: number): number {
  return CHECK_MS - ((((nowMs - AFTER_THE_MINUTE_MS) % CHECK_MS) + CHECK_MS) % CHECK_MS);
}
/** An activity found later than this after it began (added late, or no orchestrator running) is the agent's to keep. */
export const GRACE_MS = 5 * 60_000;

export interface ActivityPausesOptions {
  readonly db: Db;
  readonly agents: Pick<AgentService, 'pauseWhenFree'>;
  readonly bus: EventBus;
  readonly timeZone: string;
  readonly logger: Logger;
  readonly now?: () => Date;
}

interface Due {
  readonly activityId: number;
  readonly agentId: number;
  readonly kind: ActivityKind;
  readonly start: Date;
  readonly end: Date;
}

export class ActivityPauses {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private readonly now: () => Date;

  constructor(private readonly o: ActivityPausesOptions) {
    this.now = o.now ?? (() => new Date());
  }

  start(): void {
    if (!this.timer) this.lookNext();
  }

  /** The next look, at the next quarter minute of the clock (and AFTER_THE_MINUTE_MS). */
  private lookNext(): void {
    this.timer = setTimeout(() => {
      this.running = this.check()
        .catch((err: unknown) => this.o.logger.warn({ err }, 'scheduled pauses: check failed'))
        .finally(() => {
          if (this.timer) this.lookNext(); // not stopped meanwhile
        });
    }, nextLookIn(Date.now()));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Acts on the activities begun since the last look; returns how many it claimed. */
  async check(): Promise<number> {
    const now = this.now();
    const due = await this.dueAt(now);
    let claimed = 0;
    for (const d of due) if (await this.act(d, now)) claimed++;
    return claimed;
  }

  private async dueAt(now: Date): Promise<Due[]> {
    // Through the shifts' starts_at index: an activity lies inside its shift, begun at most 16 hours before it.
    const rows = (await this.o
      .db('shifts as s')
      .join('shift_activities as sa', 'sa.shift_id', 's.id')
      .leftJoin('activity_pauses as p', 'p.activity_id', 'sa.id')
      .whereNull('p.activity_id')
      .whereNotNull('s.published_at')
      .where('s.starts_at', '>', new Date(now.getTime() - LONGEST_SHIFT_MS))
      .where('s.starts_at', '<=', now)
      .where('sa.starts_at', '<=', now)
      .where('sa.starts_at', '>', new Date(now.getTime() - GRACE_MS))
      .where('sa.ends_at', '>', now)
      .orderBy('sa.starts_at')
      .select('sa.id', 's.agent_id', 'sa.kind', 'sa.starts_at', 'sa.ends_at')) as Record<string, unknown>[];
    return rows.map((r) => ({
      activityId: Number(r.id),
      agentId: Number(r.agent_id),
      kind: String(r.kind) as ActivityKind,
      start: requireDate(r.starts_at, 'shift_activities.starts_at'),
      end: requireDate(r.ends_at, 'shift_activities.ends_at'),
    }));
  }

  /** Claims the activity, then pauses its agent; false when another orchestrator claimed it first. */
  private async act(d: Due, now: Date): Promise<boolean> {
    try {
      await this.o.db('activity_pauses').insert({ activity_id: d.activityId, agent_id: d.agentId, at: now });
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    const outcome = await this.o.agents.pauseWhenFree(d.agentId, await this.reasonFor(d.kind)).catch((err: unknown) => {
      if (!(err instanceof AgentNotFoundError))
        this.o.logger.warn({ err, agentId: d.agentId, activityId: d.activityId }, 'scheduled pauses: cannot pause');
      return 'left' as const;
    });
    await this.o.db('activity_pauses').where({ activity_id: d.activityId }).update({ outcome });
    if (outcome !== 'left')
      this.o.bus.publish('activity.paused', {
        agentId: d.agentId,
        kind: d.kind,
        startTime: wallTime(d.start, this.o.timeZone),
        endTime: wallTime(d.end, this.o.timeZone),
        afterCall: outcome === 'after_call',
      });
    return true;
  }

  /** The pause reason named like the activity, any case; '' (the list's first) when there is none. */
  private async reasonFor(kind: ActivityKind): Promise<string> {
    const reasons = await listPauseReasons(this.o.db);
    return reasons.find((r) => r.name.toLowerCase() === kind)?.name ?? '';
  }
}
