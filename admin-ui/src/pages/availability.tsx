// Agents' availability (docs/schedule.md): windows of the week, on the contact center's clock, when an agent can
// work. None: available at any time; some: only inside them, so a weekday without one is a day off. Planning from the
// forecast keeps to them; a shift made by hand outside them is allowed and marked on the Schedule page. Within them
// an agent may prefer early or late shifts, which planning honours where it costs little cover. The editor
// (AvailabilityEditor) is the same for the agent in the workspace (MyAvailabilityCard) and for staff on the Agents
// page (AgentAvailabilityCard); whether the windows are valid (one ending before it starts, two overlapping) is the
// server's to say, its 400 shown under the editor.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { useLive } from '../api/live.js';
import type { Availability, AvailabilityWindow, Shift, ShiftPreference } from '../api/types.js';
import { ErrorBox, inputValue, type Loaded, useAction, useLoad } from '../components/ui.js';

/** ISO weekdays, Monday first as the API numbers them. */
const WEEK = [1, 2, 3, 4, 5, 6, 7] as const;
/** The server's limit on windows a week. */
const MAX_WINDOWS = 28;
/** A new day's first window: office hours, to be corrected rather than typed from nothing. */
const FIRST_WINDOW = { startTime: '09:00', endTime: '17:00' } as const;

/** "Mon" / "Monday" in the browser's language: 2024-01-01 was a Monday. */
function weekdayName(weekday: number, width: 'short' | 'long' = 'short'): string {
  return new Date(Date.UTC(2024, 0, weekday, 12)).toLocaleDateString(undefined, { timeZone: 'UTC', weekday: width });
}

/**
 * A shift made by hand outside the windows its agent stated: allowed (a supervisor may have agreed it with them), so
 * marked on the Schedule page rather than refused. Only an explicit false: a server older than availability says
 * nothing.
 */
export const outsideAvailability = (s: Shift): boolean => s.withinAvailability === false;

/** What a shift's tooltip adds when it is outside its agent's availability. */
export const OUTSIDE_AVAILABILITY = "outside the agent's availability";

const span = (w: Pick<AvailabilityWindow, 'startTime' | 'endTime'>): string => `${w.startTime}–${w.endTime}`;

/**
 * The week in a line: "Mon–Fri 08:00–18:00, Sat 09:00–13:00" (days in a row with the same windows joined, a day's
 * windows with "&"; a day not named is a day off), or "Any time" with no windows at all.
 */
export function availabilityText(windows: readonly AvailabilityWindow[]): string {
  if (windows.length === 0) return 'Any time';
  const byDay = WEEK.map((d) =>
    windows
      .filter((w) => w.weekday === d)
      .sort((a, b) => a.startTime.localeCompare(b.startTime))
      .map(span)
      .join(' & '),
  );
  const groups: { from: number; to: number; text: string }[] = [];
  byDay.forEach((text, i) => {
    const last = groups.at(-1);
    if (!text) return;
    if (last && last.to === i && last.text === text) last.to = i + 1;
    else groups.push({ from: i + 1, to: i + 1, text });
  });
  return groups
    .map((g) => `${weekdayName(g.from)}${g.to > g.from ? `–${weekdayName(g.to)}` : ''} ${g.text}`)
    .join(', ');
}

/** A shift preference in words, for the summary: "early shifts preferred"; empty for none. */
export function preferenceText(preference: ShiftPreference | null | undefined): string {
  return preference ? `${preference} shifts preferred` : '';
}

/** The week and the preference in a line: "Mon–Fri 08:00–18:00 · early shifts preferred". */
export function availabilitySummary(a: Pick<Availability, 'windows' | 'preference'>): string {
  return [availabilityText(a.windows), preferenceText(a.preference)].filter(Boolean).join(' · ');
}

/**
 * On a shift the plan from the forecast proposes, for an agent with a preference: whether it is the kind they prefer
 * (early: its middle at or before the middle of the day's need; late: at or after it). Nothing without one.
 */
export function PreferenceMark(props: { preference?: ShiftPreference | null; met?: boolean | null }) {
  if (!props.preference || props.met == null) return null;
  const { preference, met } = props;
  const other = preference === 'early' ? 'late' : 'early';
  return (
    <span
      class={`badge preference-mark ${met ? 'preference-met' : 'preference-missed'}`}
      data-preference={preference}
      data-met={String(met)}
      title={
        met
          ? `Prefers ${preference} shifts: this is one`
          : `Prefers ${preference} shifts, but this is ${other === 'early' ? 'an' : 'a'} ${other} one: what was still short lay there`
      }
    >
      {met ? '✓' : '✗'} prefers {preference}
    </span>
  );
}

/** The editor's choices, "" for none (a <select>'s value is a string). */
const PREFERENCES: readonly { value: ShiftPreference | ''; label: string }[] = [
  { value: '', label: 'no preference' },
  { value: 'early', label: 'early shifts' },
  { value: 'late', label: 'late shifts' },
];

/**
 * An agent's availability, read again on `schedule.changed` (sent to the agent when anyone changes it, and when their
 * shifts move): a supervisor's edit reaches the agent's workspace at once.
 */
function useAvailability(agentId: number | null): Loaded<Availability | undefined> {
  const loaded = useLoad(async () => (agentId === null ? undefined : api.agents.availability(agentId)), [agentId]);
  const { reload } = loaded;
  useLive(
    (m) => {
      if (m.type === 'schedule.changed') reload();
    },
    [reload],
  );
  return loaded;
}

// --- the editor ---------------------------------------------------------------------------------------------------

interface DraftWindow {
  /** Stable across edits, so removing a window does not move another's typing into its inputs. */
  key: number;
  startTime: string;
  endTime: string;
}
/** A list of windows a weekday, Monday first. */
type Draft = DraftWindow[][];

/**
 * HH:MM from what was typed: "8" → "08:00", "830" → "08:30", "8:30" → "08:30", "24" → "24:00". Anything else is left
 * as typed, for the server to refuse with its reason.
 */
function clockText(typed: string): string {
  const t = typed.trim();
  const m = /^(\d{1,2}):?(\d{2})?$/.exec(t);
  if (!m) return t;
  const h = Number(m[1]);
  const min = Number(m[2] ?? '0');
  if (h > 24 || min > 59 || (h === 24 && min > 0)) return t;
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
}

function windowsOf(draft: Draft): AvailabilityWindow[] {
  return draft.flatMap((list, i) =>
    list.map((w) => ({ weekday: i + 1, startTime: clockText(w.startTime), endTime: clockText(w.endTime) })),
  );
}

const sameWindows = (a: readonly AvailabilityWindow[], b: readonly AvailabilityWindow[]): boolean =>
  a.length === b.length &&
  a.every((w, i) => w.weekday === b[i]!.weekday && w.startTime === b[i]!.startTime && w.endTime === b[i]!.endTime);

/**
 * Edits an agent's week and saves it (PUT, all the windows at once): each day its windows, added and removed; no
 * windows at all is "any time" (Clear), and then a day left without one is "not available"; and whether they prefer
 * early or late shifts within it, saved with them. `subject` names the agent in its sentences; null for the
 * signed-in agent's own ("you").
 */
export function AvailabilityEditor(props: {
  agentId: number;
  initial: readonly AvailabilityWindow[];
  initialPreference: ShiftPreference | null;
  subject: string | null;
  onSaved: (a: Availability) => void;
  onCancel?: () => void;
  /** Whether there are changes not saved: the Agents page asks before closing over them. */
  onDirtyChange?: (dirty: boolean) => void;
}) {
  const next = useRef(0);
  const keyed = (w: Pick<DraftWindow, 'startTime' | 'endTime'>): DraftWindow => ({ ...w, key: next.current++ });
  const [draft, setDraft] = useState<Draft>(() =>
    WEEK.map((d) => props.initial.filter((w) => w.weekday === d).map(keyed)),
  );
  const [preference, setPreference] = useState<ShiftPreference | null>(props.initialPreference);
  const action = useAction();
  const windows = windowsOf(draft);
  const dirty =
    preference !== props.initialPreference ||
    !sameWindows(
      windows,
      WEEK.flatMap((d) => props.initial.filter((w) => w.weekday === d)),
    );
  const onDirty = useRef(props.onDirtyChange);
  onDirty.current = props.onDirtyChange;
  useEffect(() => onDirty.current?.(dirty), [dirty]);
  useEffect(() => () => onDirty.current?.(false), []);

  const anyTime = windows.length === 0;
  const full = windows.length >= MAX_WINDOWS;
  // Any change makes the server's last refusal out of date.
  const change = (fn: (d: Draft) => Draft) => {
    action.clear();
    setDraft(fn);
  };
  const setDay = (i: number, list: DraftWindow[]) => change((d) => d.map((l, j) => (j === i ? list : l)));
  const setWindow = (i: number, key: number, set: Partial<DraftWindow>) =>
    change((d) => d.map((l, j) => (j === i ? l.map((w) => (w.key === key ? { ...w, ...set } : w)) : l)));
  /** Leaving a field tidies what was typed in it ("8" → "08:00"), if that changes anything. */
  const tidy = (i: number, w: DraftWindow, field: 'startTime' | 'endTime') => {
    const tidied = clockText(w[field]);
    if (tidied !== w[field]) setWindow(i, w.key, { [field]: tidied });
  };
  const add = (i: number) => {
    const last = draft[i]!.at(-1);
    // A second window starts where the first ends; its end is the agent's to say.
    setDay(i, [...draft[i]!, keyed(last ? { startTime: last.endTime, endTime: '' } : FIRST_WINDOW)]);
  };
  const save = async (e: Event) => {
    e.preventDefault();
    const saved = await action.run(() => api.agents.setAvailability(props.agentId, windows, preference));
    if (saved) props.onSaved(saved);
  };
  const you = props.subject === null;

  return (
    <form class="availability-editor" onSubmit={(e) => void save(e)} data-testid="availability-editor">
      {anyTime ? (
        <p class="availability-state" data-testid="availability-any">
          <strong>Any time</strong>: {you ? 'you have' : `${props.subject} has`} no windows, so a shift may be planned
          on any day at any hour. Add a window to a day to say when {you ? 'you' : 'they'} can work; days left without
          one are then days off.
        </p>
      ) : null}
      <ul class="availability-days">
        {draft.map((list, i) => {
          const weekday = i + 1;
          const long = weekdayName(weekday, 'long');
          const previous = i > 0 ? draft[i - 1]! : [];
          return (
            <li key={weekday} data-weekday={weekday} data-state={list.length > 0 ? 'windows' : anyTime ? 'any' : 'off'}>
              <span class="availability-day" title={long}>
                {weekdayName(weekday)}
              </span>
              <span class="availability-windows">
                {list.length === 0 ? (
                  anyTime ? (
                    <span class="muted small">any time</span>
                  ) : (
                    <span class="badge availability-off" data-testid="availability-off">
                      Not available
                    </span>
                  )
                ) : null}
                {list.map((w, n) => (
                  <span class="availability-window" key={w.key} data-index={n}>
                    {/*
                     * Text fields, not <input type=time>: that cannot hold 24:00, the end of a day (a window until
                     * midnight), and in a 12-hour locale it would read "8:00 PM" beside the schedule's 24-hour times.
                     * What is typed is tidied on leaving the field ("8" → "08:00"); the server judges the rest.
                     */}
                    <input
                      name="startTime"
                      class="clock"
                      value={w.startTime}
                      aria-label={`${long}, window ${n + 1}: from`}
                      placeholder="HH:MM"
                      inputMode="numeric"
                      size={5}
                      maxLength={5}
                      required
                      onInput={(e) => setWindow(i, w.key, { startTime: inputValue(e) })}
                      onBlur={() => tidy(i, w, 'startTime')}
                    />
                    –
                    <input
                      name="endTime"
                      class="clock"
                      value={w.endTime}
                      aria-label={`${long}, window ${n + 1}: until (24:00 for midnight)`}
                      title="24:00: until midnight"
                      placeholder="HH:MM"
                      inputMode="numeric"
                      size={5}
                      maxLength={5}
                      required
                      onInput={(e) => setWindow(i, w.key, { endTime: inputValue(e) })}
                      onBlur={() => tidy(i, w, 'endTime')}
                    />
                    <button
                      type="button"
                      class="link availability-remove"
                      aria-label={`Remove ${long}'s window ${span(w)}`}
                      title="Remove this window"
                      onClick={() =>
                        setDay(
                          i,
                          list.filter((x) => x.key !== w.key),
                        )
                      }
                    >
                      ×
                    </button>
                  </span>
                ))}
                <span class="availability-day-actions">
                  <button
                    type="button"
                    class="link small"
                    disabled={full}
                    aria-label={`Add a window on ${long}`}
                    onClick={() => add(i)}
                  >
                    + window
                  </button>
                  {/* Monday to Friday alike is the usual week: each day a click from the one before. */}
                  {list.length === 0 && previous.length > 0 ? (
                    <button
                      type="button"
                      class="link small"
                      disabled={windows.length + previous.length > MAX_WINDOWS}
                      onClick={() =>
                        setDay(
                          i,
                          previous.map((w) => keyed(w)),
                        )
                      }
                    >
                      same as {weekdayName(weekday - 1)}
                    </button>
                  ) : null}
                </span>
              </span>
            </li>
          );
        })}
      </ul>
      <p class="muted small availability-hint">
        24-hour times on the contact center's clock; 24:00 ends a day. Working past midnight is two windows: one until
        24:00, and one from 00:00 the next day.
      </p>
      <p class="availability-preference">
        <label>
          Prefer{' '}
          <select
            name="preference"
            value={preference ?? ''}
            onChange={(e) => {
              action.clear();
              const value = inputValue(e);
              setPreference(value === 'early' || value === 'late' ? value : null);
            }}
          >
            {PREFERENCES.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </label>{' '}
        <span class="muted small">Planning from the forecast honours it where that costs little cover.</span>
      </p>
      <ErrorBox error={action.error} />
      <div class="row">
        <button class="primary" type="submit" disabled={action.busy || !dirty}>
          Save
        </button>
        <button
          type="button"
          disabled={action.busy || anyTime}
          title="No windows: available at any time (saved with Save)"
          onClick={() => change(() => WEEK.map(() => []))}
        >
          Clear
        </button>
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

// --- the workspace ------------------------------------------------------------------------------------------------

/** The agent's week in a line ("Mon–Fri 08:00–18:00" or "Any time"), **Edit** opening the editor in the card. */
export function MyAvailabilityCard({ agentId }: { agentId: number | null }) {
  const loaded = useAvailability(agentId);
  const [editing, setEditing] = useState(false);
  const data = loaded.data;
  return (
    <section class="card my-availability" data-testid="my-availability">
      <div class="my-availability-head">
        <h2>My availability</h2>
        {editing || !data ? null : (
          <button type="button" class="small" onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
      </div>
      <ErrorBox error={loaded.error} />
      {!data ? null : editing ? (
        <AvailabilityEditor
          agentId={data.agentId}
          initial={data.windows}
          initialPreference={data.preference ?? null}
          subject={null}
          onCancel={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            loaded.reload();
          }}
        />
      ) : (
        <p class="my-availability-summary">
          <span data-testid="availability-summary">{availabilitySummary(data)}</span>
          <span class="muted small">
            {data.windows.length === 0
              ? ' · shifts may be planned on any day'
              : ' · other days off; planning keeps to it'}
          </span>
        </p>
      )}
    </section>
  );
}

// --- the Agents page ----------------------------------------------------------------------------------------------

/**
 * Staff's editor of an agent's availability, a card of its own under the agent editor (supervisors, who do not edit
 * agents, open it alone): saved with its own Save, apart from the agent's other fields. Keyed by agent where used.
 */
export function AgentAvailabilityCard(props: {
  agentId: number;
  name: string;
  /** Scrolled into view on opening. */
  reveal: boolean;
  onClose: () => void;
  onDirtyChange?: (dirty: boolean) => void;
}) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (props.reveal) ref.current?.scrollIntoView({ block: 'nearest' });
  }, []);
  const loaded = useLoad(() => api.agents.availability(props.agentId), [props.agentId]);
  /** The windows as last saved here, which start the editor afresh. */
  const [saved, setSaved] = useState<{ availability: Availability; n: number } | null>(null);
  const current = saved?.availability ?? loaded.data;
  return (
    <section
      ref={ref}
      class="card editor agent-availability"
      data-testid="agent-availability"
      data-agent={props.agentId}
    >
      <div class="section-head">
        <h2>Availability of {props.name}</h2>
        <span class="muted">
          when they can work; planning from the forecast keeps to it, and to their preference where it can
        </span>
        <button type="button" class="link push-right" onClick={props.onClose}>
          Close
        </button>
      </div>
      {saved ? (
        <p class="notice" role="status" data-testid="availability-saved">
          Saved: {availabilitySummary(saved.availability)}.
        </p>
      ) : null}
      <ErrorBox error={loaded.error} />
      {current ? (
        <AvailabilityEditor
          key={saved?.n ?? 0}
          agentId={props.agentId}
          initial={current.windows}
          initialPreference={current.preference ?? null}
          subject={props.name}
          onDirtyChange={props.onDirtyChange}
          onSaved={(availability) => setSaved({ availability, n: (saved?.n ?? 0) + 1 })}
        />
      ) : null}
    </section>
  );
}
