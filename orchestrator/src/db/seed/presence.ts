import type { Db } from '../knex.js';
import { prng } from './customers.js';

/**
 * A past week of agent shifts for the demo (agents/presence.ts rows), so Reports shows logged-in time, occupancy
 * and pause reasons at once: each agent works an early or a late shift with a lunch, two short breaks and now and
 * then a training session. Only whole days before today, as the call history.
 */
export interface PresenceHistoryOptions {
  /** The days to fill, each with its first instant (local midnight) in the contact center's zone. */
  readonly days: ReadonlyArray<{ readonly day: string; readonly start: Date }>;
  readonly agentIds: readonly number[];
  readonly seed?: number;
}

const HOUR = 3600_000;
const MINUTE = 60_000;

/** Shifts as hours after local midnight: early and late, overlapping over the afternoon peak. */
const SHIFTS = [
  { login: 7.75, logout: 16.25 },
  { login: 12.75, logout: 21.25 },
] as const;

export async function seedPresenceHistory(db: Db, o: PresenceHistoryOptions): Promise<{ spans: number }> {
  const rand = prng(o.seed ?? 11);
  const jitter = (minutes: number): number => (rand() - 0.5) * 2 * minutes * MINUTE;
  const rows: Record<string, unknown>[] = [];
  for (const { start } of o.days) {
    o.agentIds.forEach((agentId, i) => {
      const shift = SHIFTS[i % SHIFTS.length] as (typeof SHIFTS)[number];
      const login = start.getTime() + shift.login * HOUR + jitter(10);
      const logout = start.getTime() + shift.logout * HOUR + jitter(15);
      const length = logout - login;
      // Pauses at fixed points of the shift, each moved a little: breaks at a quarter and three quarters, lunch
      // at the middle, and a training session on some days after the first break.
      const pauses = [
        { reason: 'break', at: login + length * 0.25 + jitter(20), minutes: 10 + rand() * 10 },
        { reason: 'lunch', at: login + length * 0.5 + jitter(20), minutes: 30 + rand() * 30 },
        { reason: 'break', at: login + length * 0.75 + jitter(20), minutes: 10 + rand() * 10 },
      ];
      if (rand() < 0.3) pauses.splice(1, 0, { reason: 'training', at: login + length * 0.35, minutes: 45 });
      let at = login;
      for (const p of pauses) {
        const end = p.at + p.minutes * MINUTE;
        if (p.at <= at || end >= logout) continue;
        rows.push({
          agent_id: agentId,
          state: 'ready',
          reason: null,
          started_at: new Date(at),
          ended_at: new Date(p.at),
        });
        rows.push({
          agent_id: agentId,
          state: 'paused',
          reason: p.reason,
          started_at: new Date(p.at),
          ended_at: new Date(end),
        });
        at = end;
      }
      rows.push({
        agent_id: agentId,
        state: 'ready',
        reason: null,
        started_at: new Date(at),
        ended_at: new Date(logout),
      });
    });
  }
  // SQLite's multi-row insert is a compound SELECT of at most 500 terms.
  await db.batchInsert('agent_presence', rows, 400);
  return { spans: rows.length };
}
