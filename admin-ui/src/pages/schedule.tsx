// The Schedule page (admins and supervisors): one day's shifts, a row per agent on a 24-hour bar with the shift's
// activities in colour, and for a day lived (or today so far) each agent's adherence to it, live for today; or the
// week, Monday to Sunday, as a grid of agents and days with the hours against their contracts (schedule-week.tsx). A
// form adds or edits a shift; a week of shifts is copied a week on; a queue's day is planned from its forecast
// (schedule-plan.tsx); time off is granted, refused or recorded, and shown on the day (time-off.tsx); shift trades
// agents agreed between them are approved or refused (shift-trades.tsx). A shift outside its agent's availability
// (availability.tsx) is hatched, in both views; a draft, which its agent does not see until published, is dashed and
// labelled, with the days' drafts counted to publish or discard (schedule-drafts.tsx). The page reads its days again
// when the server says the schedule changed (another supervisor's edit, a publication, an agent's availability). The
// agent's own week is the workspace's My schedule card, also here (MyScheduleCard) as it shares the labels and the
// zone's arithmetic.
import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { useLive } from '../api/live.js';
import { navigate } from '../router.js';
import type {
  AdherenceActual,
  AdherenceAgent,
  AdherenceExpected,
  AdherenceReport,
  Agent,
  Shift,
  ShiftActivity,
  ShiftActivityKind,
  ShiftCopyResult,
  ShiftInput,
  ShiftList,
  ShiftPlan,
  TimeOff,
  User,
} from '../api/types.js';
import {
  AgentSelect,
  checked,
  ErrorBox,
  Field,
  fieldErrorsOf,
  inputValue,
  Loading,
  PageHeader,
  type Loaded,
  useAction,
  useLoad,
  useNow,
} from '../components/ui.js';
import { dayLabel, fmtDuration, fmtHoursMinutes, fmtPct, fmtSpan, LOW_ADHERENCE_PCT } from '../format.js';
import { OUTSIDE_AVAILABILITY, outsideAvailability } from './availability.js';
import { addDays, browserToday, DayAxis, dayScale, type DayScale, type ScaledDay } from './reports.js';
import { AsDraftsCheck, DRAFT_TEXT, DraftsBar, isDraft } from './schedule-drafts.js';
import { PlanPanel, PlanResult } from './schedule-plan.js';
import { mondayOf, ScheduleWeek } from './schedule-week.js';
import { ShiftTradesPanel, useTradesWaiting } from './shift-trades.js';
import { daysText, TimeOffBar, TimeOffPanel } from './time-off.js';

const KINDS: readonly ShiftActivityKind[] = ['break', 'lunch', 'meeting', 'training', 'offline'];
const EXPECTED_LABELS: Record<AdherenceExpected, string> = {
  phone: 'on the phones',
  break: 'break',
  lunch: 'lunch',
  meeting: 'meeting',
  training: 'training',
  offline: 'offline',
};
const ACTUAL_LABELS: Record<AdherenceActual, string> = { ready: 'ready', paused: 'paused', logged_out: 'logged out' };
/** Today's adherence is read again this often: the live badge and the figures move with the day. */
const LIVE_REFRESH_MS = 60_000;
/** The workspace's card reads the agent's week again this often, so a change the supervisor makes reaches it. */
const MY_SCHEDULE_REFRESH_MS = 10 * 60_000;
/** Copy week: the shown day and the six after it (the week view: its Monday to Sunday), to the same days a week on. */
const WEEK = 7;
/** The page's two views, each its own address. */
export type ScheduleView = 'day' | 'week';
const VIEW_PATHS: Record<ScheduleView, string> = { day: '/admin/schedule', week: '/admin/schedule/week' };

// --- the contact center's days ----------------------------------------------------------------------------------

/** The calendar day at instant `t` on `timeZone`'s clock, 'YYYY-MM-DD'. */
export function dayIn(timeZone: string, t: number = Date.now()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
}

/** How far `timeZone`'s clock is ahead of UTC at instant `t`, in ms. */
function offsetAt(timeZone: string, t: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(t);
  const n = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(t / 1000) * 1000;
}

/** The instant `day` begins on `timeZone`'s clock: UTC midnight less the offset in force then (asked twice near DST). */
function midnightIn(timeZone: string, day: string): number {
  const utc = Date.parse(`${day}T00:00:00Z`);
  return utc - offsetAt(timeZone, utc - offsetAt(timeZone, utc));
}

/**
 * A day's bounds for the timeline. Computed here rather than read from the adherence report, which a day ahead has
 * none of; a day lived uses the report's own bounds so both draw on one scale.
 */
function boundsOf(timeZone: string, day: string): ScaledDay {
  return {
    from: new Date(midnightIn(timeZone, day)).toISOString(),
    to: new Date(midnightIn(timeZone, addDays(day, 1))).toISOString(),
    timeZone,
  };
}

function hours(s: Shift): string {
  return `${s.startTime}–${s.endTime}`;
}

function activitiesText(s: Shift): string {
  return s.activities.map((a) => `${a.kind} ${a.startTime}–${a.endTime}`).join(' · ');
}

/** "09:00–17:00 · break 10:30–10:45 · lunch 12:00–12:30 · note" for a title or an aria-label. */
function shiftText(s: Shift): string {
  return [hours(s), ...(s.activities.length ? [activitiesText(s)] : []), ...(s.note ? [s.note] : [])].join(' · ');
}

/** The drafts among shifts, said after their hours: "draft", or how many when some are published. */
function draftsText(shifts: readonly Shift[]): string | null {
  const n = shifts.filter(isDraft).length;
  if (n === 0) return null;
  return n === shifts.length ? (n === 1 ? 'draft' : 'drafts') : `${n} ${n === 1 ? 'draft' : 'drafts'}`;
}

// --- the page ---------------------------------------------------------------------------------------------------

export function SchedulePage({ user, view = 'day' }: { user: User; view?: ScheduleView }) {
  // The contact center's today, which the browser's may not be: the list's default read (today) says which day.
  const [day, setDay] = useState('');
  useEffect(() => {
    let current = true;
    api.shifts
      .list()
      .then(
        (r) => r.from,
        () => browserToday(),
      )
      .then((d) => current && setDay(d));
    return () => {
      current = false;
    };
  }, []);

  const isDay = view === 'day';
  // The day before too: a night shift begun then still covers the shown day's first hours.
  const shifts = useLoad(
    async () => (day && isDay ? { day, list: await api.shifts.list({ from: addDays(day, -1), to: day }) } : undefined),
    [day, isDay],
  );
  // The week view's: the shifts starting Monday to Sunday (a night shift is its first day's), the time off granted.
  const monday = day ? mondayOf(day) : '';
  const week = useLoad(async () => {
    if (!monday || isDay) return undefined;
    const to = addDays(monday, WEEK - 1);
    const [list, off] = await Promise.all([
      api.shifts.list({ from: monday, to }),
      api.timeOff.list({ status: 'approved', from: monday, to }),
    ]);
    return { monday, list, off: off.items };
  }, [monday, isDay]);
  const timeZone = shifts.data?.list.timeZone ?? week.data?.list.timeZone;
  const today = timeZone ? dayIn(timeZone) : '';
  // A day ahead has nothing to adhere to yet.
  const lived = !!day && !!today && day <= today;
  const adherence = useLoad<{ day: string; report: AdherenceReport } | undefined>(
    async () => (lived && isDay ? { day, report: await api.reports.adherence({ day }) } : undefined),
    [day, lived, isDay],
  );
  const reloadAdherence = adherence.reload;
  useEffect(() => {
    if (day !== today || !isDay) return;
    const t = setInterval(reloadAdherence, LIVE_REFRESH_MS);
    return () => clearInterval(t);
  }, [day, today, isDay, reloadAdherence]);

  const agents = useLoad(() => api.agents.list(), []);
  // Time off: the requests waiting (their count on the Time off button), and the agents off on the shown day.
  const pending = useLoad(() => api.timeOff.list({ status: 'pending' }), []);
  // Another agent's request shows in the count as it is made.
  const reloadPending = pending.reload;
  useLive(
    (m) => {
      if (m.type === 'time-off.requested') reloadPending();
    },
    [reloadPending],
  );
  const [timeOffOpen, setTimeOffOpen] = useState(false);
  // Shift trades accepted and waiting (their count on the Shift trades button); one approved moves shifts.
  const trades = useTradesWaiting(() => reload());
  const [tradesOpen, setTradesOpen] = useState(false);
  const off = useLoad(
    async () =>
      day && isDay ? { day, list: await api.timeOff.list({ status: 'approved', from: day, to: day }) } : undefined,
    [day, isDay],
  );
  // Another supervisor's change, a publication, an agent's availability: the days shown read again.
  const { reload: reloadShifts } = shifts;
  const { reload: reloadWeek } = week;
  const { reload: reloadOff } = off;
  useLive(
    (m) => {
      if (m.type !== 'schedule.changed') return;
      reloadShifts();
      reloadWeek();
      reloadAdherence();
      reloadOff();
    },
    [reloadShifts, reloadWeek, reloadAdherence, reloadOff],
  );
  /** The form's shift (id null: a new one), and a key that starts the form afresh for each shift opened. */
  const [editing, setEditing] = useState<{ fields: ShiftFields; key: number } | null>(null);
  /** Plan from forecast: the panel open (a key that starts it afresh), then the plan applied. */
  const [planning, setPlanning] = useState<number | null>(null);
  const [planned, setPlanned] = useState<{ plan: ShiftPlan; queue: string } | null>(null);
  /** Copy week: its form open, then what was copied. */
  const [copyOpen, setCopyOpen] = useState(false);
  const [copied, setCopied] = useState<{ result: ShiftCopyResult; toDay: string; draft: boolean } | null>(null);
  // One form at a time: the shift's, the plan's, or the copy's.
  const open = (fields: ShiftFields) => {
    setPlanning(null);
    setCopyOpen(false);
    setEditing((e) => ({ fields, key: (e?.key ?? 0) + 1 }));
  };
  /** The week's All agents. */
  const [everyone, setEveryone] = useState(false);

  const reload = () => {
    shifts.reload();
    adherence.reload();
    off.reload();
    week.reload();
  };
  const go = (d: string) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return;
    setDay(d);
    setCopied(null);
    setPlanned(null);
  };
  /** After a change on `changed`: shown if the view shows it already, else gone to; read again either way. */
  const show = (changed: string) => {
    const shown = isDay ? changed === day : mondayOf(changed) === monday;
    if (!shown) go(changed);
    reload();
  };
  const step = (n: number) => go(addDays(day, isDay ? n : n * WEEK));
  // The week view copies its own week; the day view the shown day and the six after it.
  const copyFrom = isDay ? day : monday;

  const shown = shifts.data && shifts.data.day === day ? shifts.data : undefined;
  const weekShown = week.data && week.data.monday === monday ? week.data : undefined;
  const report = adherence.data && adherence.data.day === day ? adherence.data.report : undefined;
  const offShown = off.data && off.data.day === day ? off.data.list.items : undefined;
  // The drafts starting on the days shown (a night shift from the day before is that day's): Publish and Discard.
  const range = isDay || !monday ? { from: day, to: day } : { from: monday, to: addDays(monday, WEEK - 1) };
  const drafts = isDay
    ? shown?.list.shifts.filter((s) => s.day === day && isDraft(s))
    : weekShown?.list.shifts.filter(isDraft);
  const waiting = pending.data?.items.length ?? 0;
  const tradesWaiting = trades.data?.items.length ?? 0;
  const agentList = useMemo(
    () => [...(agents.data?.items ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
    [agents.data],
  );

  return (
    <div class="schedule-page">
      <PageHeader title="Schedule">
        <div class="row schedule-nav" data-testid="schedule-nav">
          <div class="segmented" role="group" aria-label="View" data-testid="schedule-view">
            {(['day', 'week'] as const).map((v) => (
              <button
                key={v}
                type="button"
                class={view === v ? 'active' : undefined}
                aria-pressed={view === v}
                onClick={() => navigate(VIEW_PATHS[v])}
              >
                {v === 'day' ? 'Day' : 'Week'}
              </button>
            ))}
          </div>
          <button
            type="button"
            disabled={!day}
            onClick={() => step(-1)}
            aria-label={isDay ? 'Previous day' : 'Previous week'}
          >
            ‹ Previous
          </button>
          <input
            type="date"
            name="day"
            aria-label="Day"
            value={day}
            onInput={(e) => go(inputValue(e))}
            disabled={!day}
          />
          <button type="button" disabled={!day} onClick={() => step(1)} aria-label={isDay ? 'Next day' : 'Next week'}>
            Next ›
          </button>
          <button
            type="button"
            disabled={!today || (isDay ? day === today : monday === mondayOf(today))}
            onClick={() => go(today)}
          >
            Today
          </button>
        </div>
        <button
          type="button"
          class="primary"
          disabled={!day}
          onClick={() => open(newShift(day))}
          data-testid="add-shift"
        >
          Add shift
        </button>
        <button
          type="button"
          disabled={!day}
          onClick={() => {
            setEditing(null);
            setPlanning(null);
            setCopied(null);
            setCopyOpen(true);
          }}
          data-testid="copy-week"
          title={
            !day
              ? undefined
              : isDay
                ? `The shifts of ${dayLabel(day)} and the 6 days after, to the same days a week on`
                : `The shifts of this week, ${dayLabel(monday)} to ${dayLabel(addDays(monday, WEEK - 1))}, to the week after`
          }
        >
          Copy week
        </button>
        <button
          type="button"
          disabled={!day}
          onClick={() => {
            setEditing(null);
            setCopyOpen(false);
            setPlanning((k) => (k ?? 0) + 1);
          }}
          data-testid="plan-forecast"
          title="Shifts for a queue's agents where its calls forecast need more than are scheduled"
        >
          Plan from forecast
        </button>
        <button
          type="button"
          class={timeOffOpen ? 'active' : undefined}
          aria-pressed={timeOffOpen}
          onClick={() => {
            if (!timeOffOpen) pending.reload();
            setTimeOffOpen(!timeOffOpen);
          }}
          data-testid="time-off-button"
          title={
            waiting ? `${waiting} waiting for a decision` : 'Requests for time off, and time off recorded for an agent'
          }
        >
          Time off
          {waiting > 0 ? (
            <span class="count-badge" data-testid="time-off-count">
              {waiting}
            </span>
          ) : null}
        </button>
        <button
          type="button"
          class={tradesOpen ? 'active' : undefined}
          aria-pressed={tradesOpen}
          onClick={() => {
            if (!tradesOpen) trades.reload();
            setTradesOpen(!tradesOpen);
          }}
          data-testid="shift-trades-button"
          title={
            tradesWaiting
              ? `${tradesWaiting} waiting for a decision`
              : 'Shift trades agents agreed between them, waiting for a decision'
          }
        >
          Shift trades
          {tradesWaiting > 0 ? (
            <span class="count-badge" data-testid="shift-trades-count">
              {tradesWaiting}
            </span>
          ) : null}
        </button>
      </PageHeader>
      {copied ? <CopyResult {...copied} onDismiss={() => setCopied(null)} onGo={go} /> : null}
      {planned ? (
        <PlanResult {...planned} dayText={dayLabel(planned.plan.day, true)} onDismiss={() => setPlanned(null)} />
      ) : null}
      {timeOffOpen ? (
        <TimeOffPanel
          pending={pending}
          agents={agentList}
          day={day}
          onClose={() => setTimeOffOpen(false)}
          onChanged={reload}
          onGo={go}
        />
      ) : null}
      {tradesOpen ? (
        <ShiftTradesPanel
          waiting={trades}
          day={day}
          onClose={() => setTradesOpen(false)}
          onChanged={reload}
          onGo={go}
        />
      ) : null}
      {planning !== null ? (
        <PlanPanel
          key={planning}
          user={user}
          day={day}
          onCancel={() => setPlanning(null)}
          onApplied={(plan, queue) => {
            setPlanning(null);
            show(plan.day);
            setPlanned({ plan, queue });
          }}
        />
      ) : null}
      {copyOpen && day ? (
        <CopyForm
          fromDay={copyFrom}
          onCancel={() => setCopyOpen(false)}
          onCopied={(result, toDay, draft) => {
            setCopyOpen(false);
            setCopied({ result, toDay, draft });
            reload();
          }}
        />
      ) : null}
      {editing ? (
        <ShiftForm
          key={editing.key}
          initial={editing.fields}
          agents={agentList}
          agentsError={agents.error}
          onCancel={() => setEditing(null)}
          onDone={(savedDay) => {
            setEditing(null);
            if (savedDay) show(savedDay);
            else reload();
          }}
        />
      ) : null}
      <ErrorBox error={shifts.error ?? adherence.error ?? off.error ?? week.error} />
      {drafts ? <DraftsBar key={`${range.from} ${range.to}`} {...range} drafts={drafts} onChanged={reload} /> : null}
      <Loading when={isDay ? !shown && !shifts.error : !weekShown && !week.error} />
      {!isDay && weekShown ? (
        <ScheduleWeek
          monday={monday}
          today={today}
          timeZone={weekShown.list.timeZone}
          shifts={weekShown.list.shifts}
          off={weekShown.off}
          agents={agentList}
          everyone={everyone}
          onEveryone={setEveryone}
          onEdit={(s) => open(fieldsOf(s))}
          onAdd={(agentId, d) => open(newShift(d, String(agentId)))}
          onDay={(d) => {
            go(d);
            navigate(VIEW_PATHS.day);
          }}
        />
      ) : null}
      {isDay && shown ? (
        <ScheduleDay
          day={day}
          today={today}
          shifts={shown.list.shifts}
          bounds={report ?? boundsOf(shown.list.timeZone, day)}
          report={report}
          off={offShown ?? []}
          lived={lived}
          onEdit={(s) => open(fieldsOf(s))}
        />
      ) : null}
    </div>
  );
}

/**
 * Copy week: the shifts of the seven days from `fromDay` to the same days a week on, as drafts unless unticked (the
 * week after is where a rota is still being worked on); a shift that would overlap one already there is skipped.
 */
function CopyForm(props: {
  fromDay: string;
  onCancel: () => void;
  onCopied: (result: ShiftCopyResult, toDay: string, draft: boolean) => void;
}) {
  const { fromDay } = props;
  const toDay = addDays(fromDay, WEEK);
  const [draft, setDraft] = useState(true);
  const action = useAction();
  const copy = async (e: Event) => {
    e.preventDefault();
    const result = await action.run(() => api.shifts.copy({ fromDay, toDay, days: WEEK, draft }));
    if (result) props.onCopied(result, toDay, draft);
  };
  return (
    <form class="card editor copy-form" onSubmit={copy} data-testid="copy-form">
      <h2>Copy week</h2>
      <p data-testid="copy-what">
        Every shift from {dayLabel(fromDay)} to {dayLabel(addDays(fromDay, WEEK - 1))}, to the same days a week on:{' '}
        {dayLabel(toDay)} to {dayLabel(addDays(toDay, WEEK - 1), true)}. A shift that would overlap one already there is
        skipped.
      </p>
      <div class="check-field">
        <AsDraftsCheck value={draft} onChange={setDraft} testId="copy-draft" />
        <span class="hint">their agents see them once they are published</span>
      </div>
      <ErrorBox error={action.error} />
      <div class="row">
        <button class="primary" type="submit" disabled={action.busy}>
          Copy
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function CopyResult(props: {
  result: ShiftCopyResult;
  toDay: string;
  draft: boolean;
  onDismiss: () => void;
  onGo: (day: string) => void;
}) {
  const { result, toDay } = props;
  const n = result.copied;
  return (
    <div class="notice" role="status" data-testid="copy-result">
      Copied <strong>{n}</strong> {props.draft ? 'draft ' : ''}
      {n === 1 ? 'shift' : 'shifts'} to {dayLabel(toDay)} – {dayLabel(addDays(toDay, WEEK - 1), true)}
      {result.skipped.length > 0 ? `; skipped ${result.skipped.length} that would overlap:` : '.'}{' '}
      <button class="link" onClick={() => props.onGo(toDay)}>
        Show {dayLabel(toDay)}
      </button>{' '}
      <button class="link" onClick={props.onDismiss}>
        Dismiss
      </button>
      {result.skipped.length > 0 ? (
        <ul class="small" data-testid="copy-skipped">
          {result.skipped.map((s, i) => (
            <li key={i}>
              {s.agentName} on {dayLabel(s.day)}: {s.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

// --- the day's timeline -----------------------------------------------------------------------------------------

interface AgentRow {
  agentId: number;
  name: string;
  /** Shifts on the shown day: those starting on it, and a night shift from the day before still running into it. */
  shifts: Shift[];
  adherence: AdherenceAgent | undefined;
  /** Time off granted covering the day. */
  off: TimeOff | undefined;
}

function rowsOf(
  day: string,
  scale: DayScale,
  shifts: readonly Shift[],
  adherence: readonly AdherenceAgent[],
  off: readonly TimeOff[],
) {
  const rows = new Map<number, AgentRow>();
  const rowOf = (agentId: number, name: string): AgentRow => {
    const row = rows.get(agentId) ?? { agentId, name, shifts: [], adherence: undefined, off: undefined };
    rows.set(agentId, row);
    return row;
  };
  for (const s of shifts) {
    if (s.day !== day && Date.parse(s.end) <= scale.from) continue;
    rowOf(s.agentId, s.agentName).shifts.push(s);
  }
  for (const a of adherence) rowOf(a.agentId, a.name).adherence = a;
  for (const t of off) rowOf(t.agentId, t.agentName).off = t;
  // Scheduled agents by when they start, so the day reads as a staircase; those only logged in or off after, by name.
  const start = (r: AgentRow) => (r.shifts[0] ? Date.parse(r.shifts[0].start) : Infinity);
  return [...rows.values()].sort((a, b) => start(a) - start(b) || a.name.localeCompare(b.name));
}

function ScheduleDay(props: {
  day: string;
  today: string;
  shifts: readonly Shift[];
  bounds: ScaledDay;
  report: AdherenceReport | undefined;
  off: readonly TimeOff[];
  lived: boolean;
  onEdit: (s: Shift) => void;
}) {
  const { day, report } = props;
  const scale = useMemo(() => dayScale(props.bounds), [props.bounds.from, props.bounds.to, props.bounds.timeZone]);
  const rows = useMemo(
    () => rowsOf(day, scale, props.shifts, report?.agents ?? [], props.off),
    [day, scale, props.shifts, report, props.off],
  );
  const isToday = day === props.today;
  const now = useNow(30_000);
  // A night shift's exceptions run past the day's end, where the scale's clock stops at 24:00.
  const clock = useMemo(() => {
    const hhmm = new Intl.DateTimeFormat(undefined, {
      timeZone: props.bounds.timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    return (t: number) => (t <= scale.to ? scale.clock(t) : `${hhmm.format(t)} next day`);
  }, [scale, props.bounds.timeZone]);
  // A row for the adherence under each agent's bar, once the day has begun.
  const per = props.lived ? 2 : 1;
  return (
    <section class="card" data-testid="schedule-day" data-day={day}>
      <div class="section-head">
        <h2>{dayLabel(day, true)}</h2>
        <span class="muted" data-testid="schedule-range">
          {props.bounds.timeZone} time
          {isToday ? ' · today' : day < props.today ? '' : ' · ahead'}
          {report && report.totals.adherencePct !== null ? (
            <span data-testid="adherence-total">
              {' '}
              · adherence {isToday ? 'so far ' : ''}
              {fmtPct(report.totals.adherencePct)}
            </span>
          ) : null}
        </span>
      </div>
      {rows.length === 0 ? (
        <p class="muted empty" data-testid="schedule-empty">
          Nobody is scheduled on this day{props.lived ? ', and nobody logged in' : ''}. Add a shift, or copy last
          week's.
        </p>
      ) : (
        <>
          <ScheduleLegend
            now={isToday}
            off={rows.some((r) => r.off)}
            outside={rows.some((r) => r.shifts.some(outsideAvailability))}
            draft={rows.some((r) => r.shifts.some(isDraft))}
          />
          <div class="presence schedule" data-testid="schedule">
            <DayAxis scale={scale} />
            {rows.map((r, i) => (
              <AgentScheduleRow
                key={r.agentId}
                row={r}
                day={day}
                scale={scale}
                clock={clock}
                gridRow={2 + i * per}
                adherence={props.lived}
                live={isToday}
                now={isToday ? now : null}
                onEdit={props.onEdit}
              />
            ))}
          </div>
        </>
      )}
    </section>
  );
}

function ScheduleLegend(props: { now: boolean; off: boolean; outside: boolean; draft: boolean }) {
  const { now, off, outside, draft } = props;
  return (
    <div class="presence-legend small muted" aria-hidden="true">
      <span>
        <span class="presence-swatch shift-phone" /> on the phones
      </span>
      {KINDS.map((k) => (
        <span key={k}>
          <span class={`presence-swatch shift-act ${k}`} /> {k}
        </span>
      ))}
      {off ? (
        <span>
          <span class="presence-swatch time-off-bar" /> time off
        </span>
      ) : null}
      {outside ? (
        <span>
          <span class="presence-swatch outside-availability" /> outside availability
        </span>
      ) : null}
      {draft ? (
        <span>
          <span class="presence-swatch draft" /> draft, not published
        </span>
      ) : null}
      {now ? (
        <span>
          <span class="presence-swatch now" /> now
        </span>
      ) : null}
    </div>
  );
}

function AgentScheduleRow(props: {
  row: AgentRow;
  day: string;
  scale: DayScale;
  clock: (t: number) => string;
  gridRow: number;
  adherence: boolean;
  live: boolean;
  now: number | null;
  onEdit: (s: Shift) => void;
}) {
  const { row, scale, now } = props;
  const gridRow = String(props.gridRow);
  return (
    <div class="presence-row" data-agent={row.agentId}>
      <span class="presence-name" style={{ gridRow }} title={row.name}>
        {row.name}
      </span>
      <div class="presence-bar schedule-bar" style={{ gridRow }}>
        {scale.ticks.slice(1, -1).map((t) => (
          <span key={t.at} class="presence-tick" style={{ left: `${t.at}%` }} />
        ))}
        {row.off ? <TimeOffBar off={row.off} /> : null}
        {row.shifts.map((s) => (
          <ShiftBar key={s.id} shift={s} scale={scale} name={row.name} onEdit={props.onEdit} />
        ))}
        {now !== null && now >= scale.from && now < scale.to ? (
          <span class="presence-now" style={{ left: `${scale.pos(now)}%` }} aria-hidden="true" />
        ) : null}
      </div>
      <span class="presence-sum" style={{ gridRow }} data-testid="shift-summary">
        {row.off ? `${row.off.kind}${row.off.fromDay === row.off.toDay ? '' : `, ${daysText(row.off)}`}` : null}
        {row.off && row.shifts.length > 0 ? ' · ' : null}
        {row.shifts.length === 0
          ? row.off
            ? null
            : 'not scheduled'
          : row.shifts.map((s) => `${s.day === props.day ? '' : `from ${dayLabel(s.day)} `}${hours(s)}`).join(', ') +
            ` · ${fmtHoursMinutes(row.shifts.reduce((n, s) => n + s.phoneS, 0))} on the phones` +
            (draftsText(row.shifts) ? ` · ${draftsText(row.shifts)}` : '')}
      </span>
      {/* An agent off all day with nothing to measure has no adherence line. */}
      {props.adherence && !(row.off && !row.adherence && row.shifts.length === 0) ? (
        <AdherenceLine
          agent={row.adherence}
          // Measured on the day it starts: a night shift from the day before counts there; a draft not at all.
          scheduled={row.shifts.some((s) => s.day === props.day && !isDraft(s))}
          draftsOnly={row.shifts.length > 0 && row.shifts.every(isDraft)}
          clock={props.clock}
          live={props.live}
          gridRow={String(props.gridRow + 1)}
        />
      ) : null}
    </div>
  );
}

/** The shift as a button on the bar (it opens the form), its activities as coloured parts of it. */
function ShiftBar(props: { shift: Shift; scale: DayScale; name: string; onEdit: (s: Shift) => void }) {
  const { shift, scale } = props;
  const start = Date.parse(shift.start);
  const end = Date.parse(shift.end);
  const left = scale.pos(start);
  const width = scale.pos(end) - left;
  if (width <= 0) return null;
  /** An instant's place within the shift's own box, in percent of it. */
  const within = (t: number) => ((scale.pos(t) - left) / width) * 100;
  const cut = `${start < scale.from ? ' from-before' : ''}${end > scale.to ? ' continues' : ''}`;
  const outside = outsideAvailability(shift);
  const draft = isDraft(shift);
  const text = [shiftText(shift), ...(outside ? [OUTSIDE_AVAILABILITY] : []), ...(draft ? [DRAFT_TEXT] : [])].join(
    ' · ',
  );
  return (
    <button
      type="button"
      class={`shift-bar${cut}${outside ? ' outside-availability' : ''}${draft ? ' draft' : ''}`}
      style={{ left: `${left}%`, width: `${width}%` }}
      title={text}
      aria-label={`Edit ${props.name}'s shift ${text}`}
      data-shift={shift.id}
      data-outside={outside ? '' : undefined}
      data-draft={draft ? '' : undefined}
      onClick={() => props.onEdit(shift)}
    >
      {/* Over the activities, not only a colour: the word itself. */}
      {draft ? (
        <span class="shift-draft-label" aria-hidden="true">
          Draft
        </span>
      ) : null}
      {shift.activities.map((a, i) => {
        const l = within(Date.parse(a.start));
        const w = within(Date.parse(a.end)) - l;
        return w > 0 ? (
          <span key={i} class={`shift-act ${a.kind}`} style={{ left: `${l}%`, width: `${w}%` }} data-kind={a.kind} />
        ) : null;
      })}
    </button>
  );
}

function AdherenceLine(props: {
  agent: AdherenceAgent | undefined;
  /** The agent has a shift on the day (else they are listed for time logged in off shift). */
  scheduled: boolean;
  /** The agent's shifts shown are all drafts, which nothing is measured against until published. */
  draftsOnly: boolean;
  clock: (t: number) => string;
  live: boolean;
  gridRow: string;
}) {
  const a = props.agent;
  const style = { gridRow: props.gridRow };
  if (!a)
    return (
      <div class="schedule-adherence muted small" style={style} data-testid="adherence">
        {props.draftsOnly ? 'A draft: adherence is measured once it is published.' : 'No adherence figures yet.'}
      </div>
    );
  const begun = a.adherencePct !== null;
  const low = begun && (a.adherencePct ?? 100) < LOW_ADHERENCE_PCT;
  return (
    <div class="schedule-adherence" style={style} data-testid="adherence">
      <span class="adherence-figures small">
        {begun ? (
          <>
            <strong class={low ? 'warn' : undefined} data-testid="adherence-pct" title={adherenceTitle(a)}>
              {fmtPct(a.adherencePct)}
            </strong>{' '}
            in adherence ·{' '}
            <span
              data-testid="adherence-phone"
              title={`${fmtDuration(a.phoneReadyS)} of ${fmtDuration(a.phoneScheduledS)}`}
            >
              ready {fmtHoursMinutes(a.phoneReadyS)} of {fmtHoursMinutes(a.phoneScheduledS)} on the phones
            </span>
          </>
        ) : props.scheduled ? (
          <span class="muted" data-testid="adherence-not-begun">
            shift not begun
          </span>
        ) : null}
        {/* Time off shift only where there is some, or for an agent listed for it alone. */}
        {a.unscheduledS > 0 || !props.scheduled ? (
          <>
            {begun || props.scheduled ? ' · ' : ''}
            <span data-testid="adherence-unscheduled" title={fmtDuration(a.unscheduledS)}>
              {fmtHoursMinutes(a.unscheduledS)} logged in off shift
            </span>
          </>
        ) : null}
      </span>
      {props.live && a.current ? <LiveAdherence current={a.current} /> : null}
      {a.exceptions.length > 0 ? (
        <details class="adherence-exceptions small" data-testid="adherence-exceptions">
          <summary>
            {a.exceptions.length} {a.exceptions.length === 1 ? 'exception' : 'exceptions'}
          </summary>
          <ul>
            {a.exceptions.map((x, i) => {
              const start = Date.parse(x.start);
              const end = Date.parse(x.end);
              return (
                <li key={i}>
                  {props.clock(start)}–{props.clock(end)} ({fmtSpan((end - start) / 1000)}): scheduled{' '}
                  {EXPECTED_LABELS[x.expected]}, was {ACTUAL_LABELS[x.actual]}
                  {x.reason ? ` (${x.reason})` : ''}
                </li>
              );
            })}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

function adherenceTitle(a: AdherenceAgent): string {
  return `${fmtDuration(a.inAdherenceS)} of ${fmtDuration(a.scheduledS)} scheduled so far as scheduled`;
}

/**
 * Where the agent is now against where the schedule has them: a badge while they are due for something (on the
 * phones, or an activity); logged in off shift, a quiet note; off shift and logged out, nothing to say.
 */
function LiveAdherence({ current }: { current: NonNullable<AdherenceAgent['current']> }) {
  const actual = `${ACTUAL_LABELS[current.actual]}${current.reason ? ` (${current.reason})` : ''}`;
  if (current.expected === null)
    return current.actual === 'logged_out' ? null : (
      <span class="adherence-live muted small" data-testid="adherence-off-shift">
        now: off shift, {actual}
      </span>
    );
  return (
    <span class="adherence-live">
      <span class={`badge ${current.inAdherence ? 'adherence-in' : 'adherence-out'}`} data-testid="adherence-live">
        {current.inAdherence ? 'In adherence' : 'Out of adherence'}
      </span>{' '}
      <span class="muted small">
        now: {EXPECTED_LABELS[current.expected]}, {actual}
      </span>
    </span>
  );
}

// --- the shift form ---------------------------------------------------------------------------------------------

interface ActivityFields {
  kind: ShiftActivityKind;
  startTime: string;
  endTime: string;
}
interface ShiftFields {
  /** Null: a new shift. */
  id: number | null;
  agentId: string;
  day: string;
  startTime: string;
  endTime: string;
  note: string;
  activities: ActivityFields[];
  /** The shift being edited is published already: it stays so (the form does not offer to make it a draft again). */
  published: boolean;
  /** A draft: only staff see it until it is published. */
  draft: boolean;
}

function newShift(day: string, agentId = ''): ShiftFields {
  return {
    id: null,
    agentId,
    day,
    startTime: '09:00',
    endTime: '17:00',
    note: '',
    activities: [],
    published: false,
    draft: false,
  };
}

function fieldsOf(s: Shift): ShiftFields {
  return {
    id: s.id,
    agentId: String(s.agentId),
    day: s.day,
    startTime: s.startTime,
    endTime: s.endTime,
    note: s.note ?? '',
    activities: s.activities.map((a) => ({ kind: a.kind, startTime: a.startTime, endTime: a.endTime })),
    published: !isDraft(s),
    draft: isDraft(s),
  };
}

function inputOf(d: ShiftFields): ShiftInput {
  const note = d.note.trim();
  return {
    agentId: Number(d.agentId),
    day: d.day,
    startTime: d.startTime,
    endTime: d.endTime,
    // PUT replaces the shift: a note left out is a note removed.
    ...(note ? { note } : {}),
    activities: d.activities,
    // A new shift says which it is; a draft edited stays one unless unticked (false publishes it); a published shift
    // is left as it is (the server refuses to make it a draft again).
    ...(d.id === null ? { draft: d.draft } : !d.published && !d.draft ? { draft: false } : {}),
  };
}

/** The fields the form shows the server's reasons under (the rest go in the box under the form). */
const FORM_FIELDS = new Set(['agentId', 'day', 'startTime', 'endTime', 'note']);
const ACTIVITY_FIELD = /^activities\.\d+\.(kind|startTime|endTime)$/;

function ShiftForm(props: {
  initial: ShiftFields;
  agents: readonly Agent[];
  agentsError: unknown;
  onCancel: () => void;
  /** The saved shift's day, or null once deleted. */
  onDone: (day: string | null) => void;
}) {
  const [d, setD] = useState<ShiftFields>(props.initial);
  // Opened from a row far down the week's grid, the form above it is brought into view.
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => ref.current?.scrollIntoView({ block: 'nearest' }), []);
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  const boxed = Object.keys(errs).some((k) => FORM_FIELDS.has(k) || ACTIVITY_FIELD.test(k)) ? null : action.error;
  const set = (k: 'agentId' | 'day' | 'startTime' | 'endTime' | 'note') => (e: Event) =>
    setD({ ...d, [k]: inputValue(e) });
  const setActivity = (i: number, change: Partial<ActivityFields>) =>
    setD({ ...d, activities: d.activities.map((a, j) => (j === i ? { ...a, ...change } : a)) });
  const editing = d.id;

  const save = async (e: Event) => {
    e.preventDefault();
    const input = inputOf(d);
    const saved = await action.run(() =>
      editing === null ? api.shifts.create(input) : api.shifts.update(editing, input),
    );
    if (saved) props.onDone(saved.day);
  };
  const remove = async () => {
    if (editing === null) return;
    const name = props.agents.find((a) => String(a.id) === d.agentId)?.name ?? 'this agent';
    if (!confirm(`Delete ${name}'s shift ${props.initial.startTime}–${props.initial.endTime} on ${dayLabel(d.day)}?`))
      return;
    const done = await action.run(async () => {
      await api.shifts.remove(editing);
      return true;
    });
    if (done) props.onDone(null);
  };

  return (
    <form ref={ref} class="card editor shift-form" onSubmit={save} data-testid="shift-form">
      <h2>{editing === null ? 'Add a shift' : 'Edit shift'}</h2>
      <div class="add-inline">
        <Field label="Agent" error={errs.agentId}>
          <AgentSelect agents={props.agents} value={d.agentId} onChange={set('agentId')} />
        </Field>
        <Field label="Day" error={errs.day} hint="the day it starts">
          <input type="date" name="day" value={d.day} onInput={set('day')} required />
        </Field>
        <Field label="Start" error={errs.startTime}>
          <input type="time" name="startTime" value={d.startTime} onInput={set('startTime')} required />
        </Field>
        <Field label="End" error={errs.endTime} hint="before the start: the next day">
          <input type="time" name="endTime" value={d.endTime} onInput={set('endTime')} required />
        </Field>
        <Field label="Note" error={errs.note} hint="optional">
          <input name="note" value={d.note} onInput={set('note')} size={24} maxLength={200} />
        </Field>
      </div>
      {d.published ? (
        <p class="muted small shift-published" data-testid="shift-published">
          Published: its agent sees it.
        </p>
      ) : (
        <label class="check shift-draft-check">
          <input
            type="checkbox"
            name="draft"
            checked={d.draft}
            onChange={(e) => setD({ ...d, draft: checked(e) })}
            data-testid="shift-draft"
          />{' '}
          Draft — its agent does not see it until published
        </label>
      )}
      <ErrorBox error={props.agentsError} />
      <fieldset class="shift-activities" data-testid="shift-activities">
        <legend>Activities off the phones</legend>
        {d.activities.length === 0 ? <p class="muted small">None: the whole shift on the phones.</p> : null}
        {d.activities.map((a, i) => (
          <div class="add-inline activity-row" key={i} data-index={i}>
            <Field label="Kind" error={errs[`activities.${i}.kind`]}>
              <select
                name="activityKind"
                value={a.kind}
                onChange={(e) => setActivity(i, { kind: inputValue(e) as ShiftActivityKind })}
              >
                {KINDS.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="From" error={errs[`activities.${i}.startTime`]}>
              <input
                type="time"
                name="activityStart"
                value={a.startTime}
                onInput={(e) => setActivity(i, { startTime: inputValue(e) })}
                required
              />
            </Field>
            <Field label="To" error={errs[`activities.${i}.endTime`]}>
              <input
                type="time"
                name="activityEnd"
                value={a.endTime}
                onInput={(e) => setActivity(i, { endTime: inputValue(e) })}
                required
              />
            </Field>
            <button
              type="button"
              class="link"
              aria-label={`Remove activity ${i + 1}`}
              onClick={() => setD({ ...d, activities: d.activities.filter((_, j) => j !== i) })}
            >
              Remove
            </button>
          </div>
        ))}
        <button
          type="button"
          data-testid="add-activity"
          onClick={() => setD({ ...d, activities: [...d.activities, { kind: 'break', startTime: '', endTime: '' }] })}
        >
          Add activity
        </button>
      </fieldset>
      <ErrorBox error={boxed} />
      <div class="row">
        <button class="primary" type="submit" disabled={action.busy}>
          {editing !== null && !d.published && !d.draft ? 'Save and publish' : 'Save'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        {editing !== null ? (
          <button type="button" class="danger push-right" disabled={action.busy} onClick={() => void remove()}>
            Delete shift
          </button>
        ) : null}
      </div>
    </form>
  );
}

// --- the agent's own week (the workspace's card) ----------------------------------------------------------------

/**
 * The signed-in agent's shifts from yesterday to a week on, read on
 * opening and every ten minutes; the workspace's My schedule card and its break reminder share them. The days asked
 * for reach a day either side of the browser's today, so they hold the contact center's whatever its zone; the
 * answer's zone then picks today out. `agentId` keeps a supervisor who takes calls to their own (the server gives
 * staff everyone's), and their drafts are left out: a shift is the agent's once it is published (the server gives an
 * agent only those).
 */
export function useMyShifts(agentId: number | null): Loaded<ShiftList> {
  const [range] = useState(() => {
    const t = browserToday();
    return { from: addDays(t, -1), to: addDays(t, WEEK), ...(agentId === null ? {} : { agentId }) };
  });
  const list = useLoad(async () => {
    const l = await api.shifts.list(range);
    return { ...l, shifts: l.shifts.filter((s) => !isDraft(s)) };
  }, [range]);
  const { reload } = list;
  useEffect(() => {
    const t = setInterval(reload, MY_SCHEDULE_REFRESH_MS);
    return () => clearInterval(t);
  }, [reload]);
  return list;
}

/** The shifts' activity under way at instant `now` (their ISO instants: no zone comes into it), or null. */
export function activityAt(shifts: readonly Shift[], now: number): ShiftActivity | null {
  for (const s of shifts)
    for (const a of s.activities) if (Date.parse(a.start) <= now && now < Date.parse(a.end)) return a;
  return null;
}

/**
 * The agent's shifts today and the next 6 days (useMyShifts); `action`, on each not begun, is what the workspace
 * offers on it (shift-trades.tsx: Trade).
 */
export function MyScheduleCard({
  list,
  action,
}: {
  list: Loaded<ShiftList>;
  action?: (s: Shift) => ComponentChildren;
}) {
  const data = list.data;
  const today = data ? dayIn(data.timeZone) : '';
  const now = Date.now();
  // A night shift begun yesterday is today's until it ends.
  const todays = data?.shifts.filter((s) => s.day === today || (s.day < today && Date.parse(s.end) > now)) ?? [];
  const later = data?.shifts.filter((s) => s.day > today && s.day <= addDays(today, WEEK - 1)) ?? [];
  return (
    <section class="card my-schedule" data-testid="my-schedule">
      <h2>My schedule</h2>
      <ErrorBox error={list.error} />
      {!data ? (
        list.error ? null : (
          <p class="muted small">Loading…</p>
        )
      ) : todays.length === 0 && later.length === 0 ? (
        <p class="muted" data-testid="my-schedule-none">
          No shift scheduled.
        </p>
      ) : (
        <ul class="my-schedule-days">
          <li class="today" data-testid="my-schedule-today">
            <span class="my-schedule-day">Today</span>
            {todays.length === 0 ? (
              <span class="muted">No shift scheduled</span>
            ) : (
              <span>
                {todays.map((s) => (
                  <span key={s.id} class="my-schedule-shift" data-shift={s.id}>
                    <strong>{hours(s)}</strong>
                    {s.note ? <span class="muted small"> · {s.note}</span> : null}
                    {action && Date.parse(s.start) > now ? action(s) : null}
                    {s.activities.length ? (
                      // A line of their own, each kept whole: the card stays as narrow as My day above it.
                      <span class="my-schedule-acts muted small">
                        {s.activities.map((a, i) => (
                          <Fragment key={i}>
                            {i > 0 ? ' · ' : ''}
                            <span>
                              {a.kind} {a.startTime}–{a.endTime}
                            </span>
                          </Fragment>
                        ))}
                      </span>
                    ) : null}
                  </span>
                ))}
              </span>
            )}
          </li>
          {later.map((s) => (
            <li key={s.id} data-day={s.day} data-shift={s.id} title={shiftText(s)}>
              <span class="my-schedule-day">{dayLabel(s.day)}</span>
              <span>{hours(s)}</span>
              {action?.(s)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
