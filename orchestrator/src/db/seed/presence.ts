import type { Db } from '../knex.js';
import { prng } from './customers.js';

/**
 * A past week of agent shifts for the demo (agents/presence.ts rows), so Reports shows logged-in time, occupancy
 * and pause reasons at once. A rota staffs each day with a few of the agents, half on an early and half on a late
 * shift, each with a lunch, two short breaks and now and then a training session; the call history gives its calls
 * to the agents on shift (`agentsAt`). Only whole days before today, as the call history.
 */
export interface PresenceHistoryOptions {
  /** The days to fill, each with its first instant (local midnight) in the contact center's zone. */
  readonly days: ReadonlyArray<{ readonly day: string; readonly start: Date }>;
  readonly agentIds: readonly number[];
  /** Agents on the rota each day (default 8: the demo history's 600 calls a day keep them about 60 % occupied). */
  readonly agentsPerDay?: number;
  readonly seed?: number;
}

export interface Shift {
  readonly agentId: number;
  readonly from: Date;
  readonly to: Date;
}

const HOUR = 3600_000;
const MINUTE = 60_000;

/** Shifts as hours after local midnight: early and late, overlapping over the afternoon. */
const SHIFTS = [
  { login: 7.75, logout: 16.25 },
  { login: 12.75, logout: 21.25 },
] as const;

export async function seedPresenceHistory(
  db: Db,
  o: PresenceHistoryOptions,
): Promise<{ spans: number; shifts: Shift[] }> {
  const rand = prng(o.seed ?? 11);
  const jitter = (minutes: number): number => (rand() - 0.5) * 2 * minutes * MINUTE;
  const rows: Record<string, unknown>[] = [];
  const shifts: Shift[] = [];
  const perDay = Math.min(o.agentIds.length, o.agentsPerDay ?? 8);
  o.days.forEach(({ start }, dayIndex) => {
    for (let k = 0; k < perDay; k++) {
      const agentId = o.agentIds[(dayIndex * perDay + k) % o.agentIds.length] as number;
      const shift = SHIFTS[k % SHIFTS.length] as (typeof SHIFTS)[number];
      const login = start.getTime() + shift.login * HOUR + jitter(10);
      const logout = start.getTime() + shift.logout * HOUR + jitter(15);
      const length = logout - login;
      shifts.push({ agentId, from: new Date(login), to: new Date(logout) });
      // Pauses at fixed points of the shift, each moved a little: breaks at a quarter and three quarters, lunch
      // at the middle, and a training session on some days after the first break.
      const pauses = [
        { reason: 'break', at: login + length * 0.25 + jitter(20), minutes: 10 + rand() * 10 },
        { reason: 'lunch', at: login + length * 0.5 + jitter(20), minutes: 30 + rand() * 30 },
        { reason: 'break', at: login + length * 0.75 + jitter(20), minutes: 10 + rand() * 10 },
      ];
      if (rand() < 0.3) pauses.splice(1, 0, { reason: 'training', at: login + length * 0.35, minutes: 45 });
      let at = login;
      const span = (state: string, reason: string | null, from: number, to: number): void =>
        void rows.push({ agent_id: agentId, state, reason, started_at: new Date(from), ended_at: new Date(to) });
      for (const p of pauses) {
        const end = p.at + p.minutes * MINUTE;
        if (p.at <= at || end >= logout) continue;
        span('ready', null, at, p.at);
        span('paused', p.reason, p.at, end);
        at = end;
      }
      span('ready', null, at, logout);
    }
  });
  // SQLite's multi-row insert is a compound SELECT of at most 500 terms.
  await db.batchInsert('agent_presence', rows, 400);
  return { spans: rows.length, shifts };
}

/** The agents on shift at an instant (none at night). */
export function onShift(shifts: readonly Shift[]): (at: Date) => number[] {
  return (at) => shifts.filter((s) => s.from <= at && at < s.to).map((s) => s.agentId);
}
