import cron, { type ScheduledTask } from 'node-cron';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { buildDailyReport, type BuildResult } from './build.js';
import { addDays, dayOf } from './day.js';

export interface ReportScheduleOptions {
  readonly db: Db;
  readonly timeZone: string;
  readonly logger: Logger;
  /** When today's report is rebuilt (node-cron, in the report's zone); null = no schedule, no start-up build. */
  readonly cron: string | null;
  readonly now?: () => Date;
}

export interface ReportSchedule {
  /** Builds yesterday and today at once, then on the schedule. */
  start(): void;
  stop(): Promise<void>;
  /** One pass as the schedule runs it (exposed for tests and the rebuild route). */
  runOnce(): Promise<BuildResult[]>;
}

/** Calls still in wrap-up at midnight finish after it: yesterday is rebuilt through the new day's first hour. */
const LATE_MS = 60 * 60_000;

/**
 * Keeps the report tables current: today's quarter hours as the day goes (the daily build is cheap enough to
 * repeat: docs/benchmarks.md `report`), and yesterday's until the calls that spanned midnight have ended. Every
 * orchestrator runs it; a build replaces a day in one transaction, so doing it twice is waste, not harm.
 */
export function createReportSchedule(o: ReportScheduleOptions): ReportSchedule {
  const now = o.now ?? (() => new Date());
  const log = o.logger.child({ module: 'reports' });
  let task: ScheduledTask | null = null;
  let running: Promise<BuildResult[]> | null = null;

  const pass = async (withYesterday: boolean): Promise<BuildResult[]> => {
    const at = now();
    const today = dayOf(at, o.timeZone);
    const days =
      withYesterday || dayOf(new Date(at.getTime() - LATE_MS), o.timeZone) !== today
        ? [addDays(today, -1), today]
        : [today];
    const results: BuildResult[] = [];
    for (const day of days) {
      try {
        results.push(await buildDailyReport(o.db, day, o.timeZone, at));
      } catch (err) {
        // A database away or a lock conflict with another orchestrator's build: the next pass builds it again.
        log.warn({ err, day }, 'report build failed; the next pass retries');
      }
    }
    if (results.length > 0) log.debug({ results }, 'reports built');
    return results;
  };

  const run = (withYesterday: boolean): Promise<BuildResult[]> => {
    // Never two passes at once in one process: a slow database would otherwise stack them up.
    running ??= pass(withYesterday).finally(() => {
      running = null;
    });
    return running;
  };

  return {
    start() {
      if (task || o.cron === null) return;
      task = cron.schedule(o.cron, () => void run(false), { timezone: o.timeZone, noOverlap: true });
      void run(true);
    },
    async stop() {
      await task?.destroy();
      task = null;
      await running;
    },
    runOnce: () => run(false),
  };
}
