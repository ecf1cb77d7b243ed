import type { Db } from '../knex.js';
import { addShift } from '../../shifts/repository.js';
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
  /** Agents on the rota each day (AGENTS_PER_DAY by default). */
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

/**
 * Shifts on the wall clock, as the schedule has them (shifts/): early and late, overlapping over the afternoon, each
 * with two breaks and a lunch, which the presence below keeps give or take a few minutes.
 */
const SHIFTS = [
  {
    plan: {
      startTime: '07:45',
      endTime: '16:15',
      activities: [
        { kind: 'break', startTime: '09:45', endTime: '10:00' },
        { kind: 'lunch', startTime: '12:00', endTime: '12:45' },
        { kind: 'break', startTime: '14:00', endTime: '14:15' },
      ],
    },
  },
  {
    plan: {
      startTime: '12:45',
      endTime: '21:15',
      activities: [
        { kind: 'break', startTime: '14:45', endTime: '15:00' },
        { kind: 'lunch', startTime: '17:00', endTime: '17:45' },
        { kind: 'break', startTime: '19:00', endTime: '19:15' },
      ],
    },
  },
] as const;

/** Hours after midnight of HH:MM (the demo's shifts do not cross a clock change, which falls at night). */
const hours = (time: string): number => Number(time.slice(0, 2)) + Number(time.slice(3, 5)) / 60;

/** Agents on the rota each day by default (the demo history's 600 calls a day keep them about 60 % occupied). */
const AGENTS_PER_DAY = 8;

/** Who works the `dayIndex`-th day of the rota, and which shift. */
function rota(dayIndex: number, agentIds: readonly number[], agentsPerDay = AGENTS_PER_DAY) {
  const perDay = Math.min(agentIds.length, agentsPerDay);
  return Array.from({ length: perDay }, (_, k) => ({
    agentId: agentIds[(dayIndex * perDay + k) % agentIds.length] as number,
    shift: SHIFTS[k % SHIFTS.length] as (typeof SHIFTS)[number],
  }));
}

export async function seedPresenceHistory(
  db: Db,
  o: PresenceHistoryOptions,
): Promise<{ spans: number; shifts: Shift[] }> {
  const rand = prng(o.seed ?? 11);
  const jitter = (minutes: number): number => (rand() - 0.5) * 2 * minutes * MINUTE;
  const rows: Record<string, unknown>[] = [];
  const shifts: Shift[] = [];
  o.days.forEach(({ start }, dayIndex) => {
    for (const { agentId, shift } of rota(dayIndex, o.agentIds, o.agentsPerDay)) {
      const login = start.getTime() + hours(shift.plan.startTime) * HOUR + jitter(10);
      const logout = start.getTime() + hours(shift.plan.endTime) * HOUR + jitter(15);
      shifts.push({ agentId, from: new Date(login), to: new Date(logout) });
      // The planned breaks and lunch, each taken a few minutes early or late and a little short or long, and now and
      // then a training session after the first break that the plan did not have.
      const pauses = shift.plan.activities.map((a) => {
        const planned = (hours(a.endTime) - hours(a.startTime)) * 60;
        return {
          reason: a.kind as string,
          at: start.getTime() + hours(a.startTime) * HOUR + jitter(4),
          minutes: planned + (rand() - 0.5) * (a.kind === 'lunch' ? 16 : 6),
        };
      });
      if (rand() < 0.15) pauses.splice(1, 0, { reason: 'training', at: pauses[0]!.at + 30 * MINUTE, minutes: 45 });
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

/**
 * The rota as the schedule has it (shifts/): the days of the presence history (the first `days`, in the same order)
 * and any after them, so Schedule shows adherence for the days lived and shifts for the days ahead.
 */
export async function seedShiftPlan(
  db: Db,
  o: { days: readonly string[]; agentIds: readonly number[]; timeZone: string; now: Date },
): Promise<number> {
  let count = 0;
  for (const [dayIndex, day] of o.days.entries())
    for (const { agentId, shift } of rota(dayIndex, o.agentIds)) {
      await addShift(
        db,
        { agentId, day, ...shift.plan, activities: [...shift.plan.activities] },
        {
          timeZone: o.timeZone,
          by: null,
          now: o.now,
        },
      );
      count++;
    }
  return count;
}
