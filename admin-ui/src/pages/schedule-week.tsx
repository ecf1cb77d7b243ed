// The Schedule page's week (#/admin/schedule/week): Monday to Sunday, a row per agent with a shift or time off granted
// that week (or every agent), a column per day listing the shifts starting on it and the time off, and the week's hours
// against the agent's contract. A click on a shift opens it in the page's form, a click on an empty day the form for a
// new one; a day's heading opens the day. A shift outside its agent's availability is hatched; a draft is dashed and
// labelled (schedule-drafts.tsx). The page (schedule.tsx) reads the week and keeps the form.
import { useMemo } from 'preact/hooks';
import type { Agent, Shift, TimeOff } from '../api/types.js';
import { checked } from '../components/ui.js';
import { dayLabel, fmtHoursMinutes } from '../format.js';
import { OUTSIDE_AVAILABILITY, outsideAvailability } from './availability.js';
import { DRAFT_TEXT, isDraft } from './schedule-drafts.js';
import { addDays } from './reports.js';
import { daysText } from './time-off.js';

const DAYS = 7;
const HOUR_MS = 3_600_000;
/** "Under by more than a shift" for an agent with no shift that week to take the length of. */
const DEFAULT_SHIFT_MS = 8 * HOUR_MS;

/** The Monday of the week (Monday to Sunday) `day` is in. */
export function mondayOf(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0: Sunday
  return addDays(day, -((weekday + 6) % DAYS));
}

function lengthMs(s: Shift): number {
  return Date.parse(s.end) - Date.parse(s.start);
}

/** An end at or before the start is on the next day; one at midnight ends the day it started, to read it. */
function endsNextDay(s: Shift): boolean {
  return s.endTime <= s.startTime && s.endTime !== '00:00';
}

/** "09:00–17:00 · break 10:30–10:45 · lunch 12:00–12:30 · note": the shift's tooltip. */
function shiftTitle(s: Shift): string {
  return [
    `${s.startTime}–${s.endTime}${endsNextDay(s) ? ' (ends the next day)' : ''}`,
    ...s.activities.map((a) => `${a.kind} ${a.startTime}–${a.endTime}`),
    ...(s.note ? [s.note] : []),
    `${fmtHoursMinutes(s.phoneS)} on the phones`,
    ...(outsideAvailability(s) ? [OUTSIDE_AVAILABILITY] : []),
    ...(isDraft(s) ? [DRAFT_TEXT] : []),
  ].join(' · ');
}

interface WeekRow {
  agentId: number;
  name: string;
  weeklyHours: number | null;
  /** By day: the shifts starting on it, and the time off granted covering it. */
  days: Map<string, { shifts: Shift[]; off: TimeOff | undefined }>;
  scheduledMs: number;
  phoneS: number;
  shiftCount: number;
}

function rowsOf(
  days: readonly string[],
  shifts: readonly Shift[],
  off: readonly TimeOff[],
  agents: readonly Agent[],
  everyone: boolean,
): WeekRow[] {
  const contract = new Map(agents.map((a) => [a.id, a.weeklyHours ?? null]));
  const rows = new Map<number, WeekRow>();
  const rowOf = (agentId: number, name: string): WeekRow => {
    let row = rows.get(agentId);
    if (!row) {
      row = {
        agentId,
        name,
        weeklyHours: contract.get(agentId) ?? null,
        days: new Map(days.map((d) => [d, { shifts: [], off: undefined }])),
        scheduledMs: 0,
        phoneS: 0,
        shiftCount: 0,
      };
      rows.set(agentId, row);
    }
    return row;
  };
  if (everyone) for (const a of agents) rowOf(a.id, a.name);
  for (const s of shifts) {
    const cell = days.includes(s.day) ? rowOf(s.agentId, s.agentName).days.get(s.day) : undefined;
    if (!cell) continue;
    cell.shifts.push(s);
    const row = rows.get(s.agentId)!;
    row.scheduledMs += lengthMs(s);
    row.phoneS += s.phoneS;
    row.shiftCount += 1;
  }
  for (const t of off) {
    const covered = days.filter((d) => d >= t.fromDay && d <= t.toDay);
    if (covered.length === 0) continue;
    const row = rowOf(t.agentId, t.agentName);
    for (const d of covered) row.days.get(d)!.off = t;
  }
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name) || a.agentId - b.agentId);
}

export function ScheduleWeek(props: {
  monday: string;
  today: string;
  timeZone: string;
  shifts: readonly Shift[];
  off: readonly TimeOff[];
  agents: readonly Agent[];
  /** Every agent a row, not only those with a shift or time off (the page keeps it from week to week). */
  everyone: boolean;
  onEveryone: (on: boolean) => void;
  onEdit: (s: Shift) => void;
  onAdd: (agentId: number, day: string) => void;
  /** A day's heading: that day in the day view. */
  onDay: (day: string) => void;
}) {
  const { monday, today, everyone } = props;
  const days = useMemo(() => Array.from({ length: DAYS }, (_, i) => addDays(monday, i)), [monday]);
  const rows = useMemo(
    () => rowsOf(days, props.shifts, props.off, props.agents, everyone),
    [days, props.shifts, props.off, props.agents, everyone],
  );
  // Agents scheduled each day: those with a shift starting on it.
  const perDay = days.map((d) => new Set(props.shifts.filter((s) => s.day === d).map((s) => s.agentId)).size);
  const totalMs = rows.reduce((n, r) => n + r.scheduledMs, 0);
  const totalPhoneS = rows.reduce((n, r) => n + r.phoneS, 0);
  return (
    <section class="card" data-testid="schedule-week" data-from={monday}>
      <div class="section-head">
        <h2>
          {dayLabel(monday)} – {dayLabel(days[DAYS - 1]!, true)}
        </h2>
        <span class="muted" data-testid="schedule-week-range">
          {props.timeZone} time
          {today >= monday && today <= days[DAYS - 1]! ? ' · this week' : ''}
        </span>
        <label class="check push-right">
          <input
            type="checkbox"
            name="allAgents"
            checked={everyone}
            onChange={(e) => props.onEveryone(checked(e))}
            data-testid="week-all-agents"
          />{' '}
          All agents
        </label>
      </div>
      {rows.length === 0 ? (
        <p class="muted empty" data-testid="week-empty">
          Nobody is scheduled or off this week. Add a shift, copy last week's, or show all agents to add one on a day.
        </p>
      ) : (
        <>
          <p class="week-legend small muted" aria-hidden="true">
            <span>
              <span class="next-day">⁺¹</span> ends the next day
            </span>
            <span>
              <span class="presence-swatch time-off-bar" /> time off
            </span>
            {props.shifts.some(outsideAvailability) ? (
              <span>
                <span class="presence-swatch outside-availability" /> outside availability
              </span>
            ) : null}
            {props.shifts.some(isDraft) ? (
              <span>
                <span class="presence-swatch draft" /> draft, not published
              </span>
            ) : null}
            <span>Hours: the week's shifts, their time on the phones, and the contract where there is one</span>
          </p>
          <div class="week-scroll">
            <table class="list schedule-week-grid" data-testid="week-grid">
              <thead>
                <tr>
                  <th class="week-agent">Agent</th>
                  {days.map((d) => (
                    <th key={d} data-day={d} class={d === today ? 'today' : undefined}>
                      <button
                        type="button"
                        class="link"
                        onClick={() => props.onDay(d)}
                        title={`Show ${dayLabel(d, true)}`}
                      >
                        {dayLabel(d)}
                      </button>
                    </th>
                  ))}
                  <th class="week-hours">Hours</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <WeekAgentRow
                    key={r.agentId}
                    row={r}
                    days={days}
                    today={today}
                    onEdit={props.onEdit}
                    onAdd={props.onAdd}
                  />
                ))}
              </tbody>
              <tfoot>
                <tr data-testid="week-totals">
                  <th class="week-agent">Agents scheduled</th>
                  {days.map((d, i) => (
                    <td key={d} data-day={d} class={d === today ? 'today' : undefined}>
                      {perDay[i]}
                    </td>
                  ))}
                  <td class="week-hours" data-testid="week-total-hours">
                    <span class="week-scheduled">{fmtHoursMinutes(totalMs / 1000)}</span>
                    <span class="week-phone muted small">{fmtHoursMinutes(totalPhoneS)} on the phones</span>
                  </td>
                </tr>
              </tfoot>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function WeekAgentRow(props: {
  row: WeekRow;
  days: readonly string[];
  today: string;
  onEdit: (s: Shift) => void;
  onAdd: (agentId: number, day: string) => void;
}) {
  const { row } = props;
  return (
    <tr data-agent={row.agentId}>
      <th class="week-agent" scope="row" title={row.name}>
        {row.name}
      </th>
      {props.days.map((d) => {
        const { shifts, off } = row.days.get(d)!;
        const cls = [d === props.today ? 'today' : '', off ? 'off' : ''].filter(Boolean).join(' ');
        return (
          <td key={d} data-day={d} class={cls || undefined}>
            {off ? (
              <span
                class="week-off"
                data-testid="week-off"
                title={`${off.kind}, ${daysText(off)}${off.note ? ` · ${off.note}` : ''}`}
              >
                <span class="time-off-label">{off.kind}</span>
              </span>
            ) : null}
            {shifts.map((s) => (
              <WeekShift key={s.id} shift={s} name={row.name} onEdit={props.onEdit} />
            ))}
            {/* A day with nothing on it takes a new shift; one off would be refused. */}
            {shifts.length === 0 && !off ? (
              <button
                type="button"
                class="week-add"
                aria-label={`Add a shift for ${row.name} on ${dayLabel(d)}`}
                title={`Add a shift for ${row.name} on ${dayLabel(d)}`}
                onClick={() => props.onAdd(row.agentId, d)}
              >
                +
              </button>
            ) : null}
          </td>
        );
      })}
      <WeekHours row={row} />
    </tr>
  );
}

/** A shift in its day's cell: its hours (⁺¹ when it ends the next day), its activities as a strip under them. */
function WeekShift(props: { shift: Shift; name: string; onEdit: (s: Shift) => void }) {
  const s = props.shift;
  const start = Date.parse(s.start);
  const length = lengthMs(s);
  const title = shiftTitle(s);
  const outside = outsideAvailability(s);
  const draft = isDraft(s);
  return (
    <button
      type="button"
      class={`week-shift${outside ? ' outside-availability' : ''}${draft ? ' draft' : ''}`}
      data-shift={s.id}
      data-outside={outside ? '' : undefined}
      data-draft={draft ? '' : undefined}
      title={title}
      aria-label={`Edit ${props.name}'s shift on ${dayLabel(s.day)}: ${title}`}
      onClick={() => props.onEdit(s)}
    >
      <span class="week-shift-hours">
        {s.startTime}–{s.endTime}
        {endsNextDay(s) ? (
          <>
            {' '}
            <span class="next-day">⁺¹</span>
          </>
        ) : null}
      </span>
      {/* A line of its own: a night shift's hours fill the day's width. */}
      {draft ? (
        <span class="week-draft-label" aria-hidden="true">
          Draft
        </span>
      ) : null}
      {s.activities.length > 0 && length > 0 ? (
        <span class="week-shift-strip" aria-hidden="true">
          {s.activities.map((a, i) => (
            <span
              key={i}
              class={`shift-act ${a.kind}`}
              style={{
                left: `${((Date.parse(a.start) - start) / length) * 100}%`,
                width: `${((Date.parse(a.end) - Date.parse(a.start)) / length) * 100}%`,
              }}
            />
          ))}
        </span>
      ) : null}
    </button>
  );
}

/**
 * The week's scheduled time and its time on the phones; with a contract, "32:00 of 40:00", marked when over it and
 * quietly when short of it by more than a shift (the agent's own shifts' mean length that week, else 8 hours).
 */
function WeekHours({ row }: { row: WeekRow }) {
  const scheduled = fmtHoursMinutes(row.scheduledMs / 1000);
  let mark: 'over' | 'under' | null = null;
  let title: string | undefined;
  if (row.weeklyHours !== null) {
    const contractMs = row.weeklyHours * HOUR_MS;
    const shiftMs = row.shiftCount > 0 ? row.scheduledMs / row.shiftCount : DEFAULT_SHIFT_MS;
    if (row.scheduledMs > contractMs) {
      mark = 'over';
      title = `${fmtHoursMinutes((row.scheduledMs - contractMs) / 1000)} over the contract's ${row.weeklyHours} hours`;
    } else if (contractMs - row.scheduledMs > shiftMs) {
      mark = 'under';
      title = `${fmtHoursMinutes((contractMs - row.scheduledMs) / 1000)} short of the contract's ${row.weeklyHours} hours`;
    } else title = `Within a shift of the contract's ${row.weeklyHours} hours`;
  }
  return (
    <td class="week-hours" data-testid="week-hours">
      <span
        class={`week-scheduled${mark === 'over' ? ' warn' : mark === 'under' ? ' short' : ''}`}
        data-testid="week-scheduled"
        data-mark={mark ?? undefined}
        title={title}
      >
        {scheduled}
        {row.weeklyHours !== null ? ` of ${row.weeklyHours}:00` : ''}
      </span>
      <span class="week-phone muted small" data-testid="week-phone">
        {fmtHoursMinutes(row.phoneS)} on the phones
      </span>
    </td>
  );
}
