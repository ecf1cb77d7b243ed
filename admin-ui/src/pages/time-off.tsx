// Time off: whole days an agent asks for and a supervisor grants or refuses (docs/schedule.md). In the workspace the
// agent's own requests (MyTimeOffCard: ask, see the decision, cancel) and the notice when one is decided; on the
// Schedule page the requests waiting (TimeOffPanel: grant, refuse, or record days for an agent at once) and, on the
// day's timeline, the agents off that day (TimeOffBar).
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type {
  Agent,
  TimeOff,
  TimeOffDecidedMessage,
  TimeOffInput,
  TimeOffKind,
  TimeOffResult,
  TimeOffStatus,
} from '../api/types.js';
import {
  AgentSelect,
  DecisionCell,
  ErrorBox,
  Field,
  fieldErrorsOf,
  inputValue,
  type Loaded,
  useAction,
  useLoad,
} from '../components/ui.js';
import { dayLabel } from '../format.js';
import { addDays } from './reports.js';

const KINDS: readonly TimeOffKind[] = ['vacation', 'sick', 'personal', 'other'];
const STATUS_LABELS: Record<TimeOffStatus, string> = {
  pending: 'pending',
  approved: 'granted',
  rejected: 'refused',
  cancelled: 'cancelled',
};
/** The fields the forms show the server's reasons under (the rest go in the box under the form). */
const FORM_FIELDS = new Set(['agentId', 'fromDay', 'toDay', 'kind', 'note']);

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "Mon 8 Dec" for one day, "Mon 8 Dec – Wed 10 Dec" for more. */
export function daysText(t: { fromDay: string; toDay: string }): string {
  return t.fromDay === t.toDay ? dayLabel(t.fromDay) : `${dayLabel(t.fromDay)} – ${dayLabel(t.toDay)}`;
}

/** "on Mon 8 Dec" / "from Mon 8 Dec to Wed 10 Dec", for sentences. */
export function daysPhrase(t: { fromDay: string; toDay: string }): string {
  return t.fromDay === t.toDay ? `on ${dayLabel(t.fromDay)}` : `from ${dayLabel(t.fromDay)} to ${dayLabel(t.toDay)}`;
}

/** A kind in a sentence: "Your sick leave on …", "Recorded Ann's vacation, …". */
const KIND_WORDS: Record<TimeOffKind, string> = {
  vacation: 'vacation',
  sick: 'sick leave',
  personal: 'personal time off',
  other: 'time off',
};

/** Pending and granted time off can still be cancelled. */
const live = (t: TimeOff): boolean => t.status === 'pending' || t.status === 'approved';

function StatusBadge({ status }: { status: TimeOffStatus }) {
  return (
    <span class={`badge time-off-${status}`} data-testid="time-off-status">
      {STATUS_LABELS[status]}
    </span>
  );
}

// --- the form's fields (the agent's request, the supervisor's record) -----------------------------------------

interface Draft {
  agentId: string;
  fromDay: string;
  toDay: string;
  kind: TimeOffKind;
  note: string;
}

function inputOf(d: Draft, withAgent: boolean): TimeOffInput {
  const note = d.note.trim();
  return {
    ...(withAgent ? { agentId: Number(d.agentId) } : {}),
    fromDay: d.fromDay,
    toDay: d.toDay,
    kind: d.kind,
    ...(note ? { note } : {}),
  };
}

function DayFields(props: { d: Draft; set: (change: Partial<Draft>) => void; errs: Record<string, string> }) {
  const { d, set, errs } = props;
  return (
    <>
      <Field label="From" error={errs.fromDay}>
        <input
          type="date"
          name="fromDay"
          value={d.fromDay}
          // A later start moves an earlier end along with it: one day off is the usual request.
          onInput={(e) => {
            const fromDay = inputValue(e);
            set({ fromDay, toDay: d.toDay && d.toDay >= fromDay ? d.toDay : fromDay });
          }}
          required
        />
      </Field>
      <Field label="To" error={errs.toDay} hint="included">
        <input type="date" name="toDay" value={d.toDay} onInput={(e) => set({ toDay: inputValue(e) })} required />
      </Field>
      <Field label="Kind" error={errs.kind}>
        <select name="kind" value={d.kind} onChange={(e) => set({ kind: inputValue(e) as TimeOffKind })}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Note" error={errs.note} hint="optional">
        <input name="note" value={d.note} onInput={(e) => set({ note: inputValue(e) })} size={18} maxLength={200} />
      </Field>
    </>
  );
}

// --- the agent's own (the workspace) ------------------------------------------------------------------------------

/**
 * The signed-in agent's time off from `today` (the contact center's) on, once today is known. `agentId` keeps a
 * supervisor who takes calls to their own (the server gives staff everyone's).
 */
export function useMyTimeOff(agentId: number | null, today: string): Loaded<{ items: TimeOff[] } | undefined> {
  return useLoad(
    async () => (today ? api.timeOff.list({ from: today, ...(agentId === null ? {} : { agentId }) }) : undefined),
    [agentId, today],
  );
}

/** "Your vacation from Mon 8 Dec to Wed 10 Dec was granted: “enjoy”." */
export function TimeOffDecidedNotice(props: { message: TimeOffDecidedMessage; onDismiss: () => void }) {
  const m = props.message;
  const word = m.status === 'approved' ? 'granted' : m.status === 'rejected' ? 'refused' : m.status;
  return (
    <p class="notice" role="status" data-testid="time-off-notice">
      Your {KIND_WORDS[m.kind]} {daysPhrase(m)} was <strong>{word}</strong>
      {m.decisionNote ? `: “${m.decisionNote}”` : ''}.{' '}
      <button class="link" onClick={props.onDismiss}>
        Dismiss
      </button>
    </p>
  );
}

/**
 * The agent's time off from today on (pending, granted and refused; cancelled ones drop out), each with its status and
 * the supervisor's note, Cancel on those pending or granted; **Request time off** opens the form.
 */
export function MyTimeOffCard(props: {
  list: Loaded<{ items: TimeOff[] } | undefined>;
  today: string;
  onChanged: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const cancelling = useAction();
  const items = props.list.data?.items.filter((t) => t.status !== 'cancelled');
  const cancel = async (t: TimeOff) => {
    const warn = t.status === 'approved' ? ' Shifts removed when it was granted are not put back.' : '';
    if (!confirm(`Cancel your ${KIND_WORDS[t.kind]} ${daysPhrase(t)}?${warn}`)) return;
    const done = await cancelling.run(() => api.timeOff.cancel(t.id));
    if (done) props.onChanged();
  };
  return (
    <section class="card my-time-off" data-testid="my-time-off">
      <div class="my-time-off-head">
        <h2>Time off</h2>
        {asking ? null : (
          <button type="button" class="small" disabled={!props.today} onClick={() => setAsking(true)}>
            Request time off
          </button>
        )}
      </div>
      {asking ? (
        <TimeOffRequestForm
          today={props.today}
          onCancel={() => setAsking(false)}
          onDone={() => {
            setAsking(false);
            props.onChanged();
          }}
        />
      ) : null}
      <ErrorBox error={props.list.error ?? cancelling.error} />
      {!items ? null : items.length === 0 ? (
        <p class="muted small" data-testid="my-time-off-none">
          No time off asked for.
        </p>
      ) : (
        <ul class="my-time-off-list">
          {items.map((t) => (
            <li key={t.id} data-time-off={t.id} data-status={t.status}>
              <span class="my-time-off-days">{daysText(t)}</span>
              <span>
                {t.kind} <StatusBadge status={t.status} />
                {t.note ? <span class="muted small"> · {t.note}</span> : null}
                {t.decisionNote ? (
                  <span class="my-time-off-reply muted small" data-testid="time-off-reply">
                    Supervisor: “{t.decisionNote}”
                  </span>
                ) : null}
              </span>
              {live(t) ? (
                <button
                  type="button"
                  class="link small push-right"
                  disabled={cancelling.busy}
                  onClick={() => void cancel(t)}
                >
                  Cancel
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function TimeOffRequestForm(props: { today: string; onCancel: () => void; onDone: () => void }) {
  const tomorrow = addDays(props.today, 1);
  const [d, setD] = useState<Draft>({ agentId: '', fromDay: tomorrow, toDay: tomorrow, kind: 'vacation', note: '' });
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  const boxed = Object.keys(errs).some((k) => FORM_FIELDS.has(k)) ? null : action.error;
  const submit = async (e: Event) => {
    e.preventDefault();
    const made = await action.run(() => api.timeOff.request(inputOf(d, false)));
    if (made) props.onDone();
  };
  return (
    <form class="time-off-form" onSubmit={(e) => void submit(e)} data-testid="time-off-form">
      <div class="add-inline">
        <DayFields d={d} set={(change) => setD({ ...d, ...change })} errs={errs} />
      </div>
      <ErrorBox error={boxed} />
      <div class="row">
        <button class="primary" type="submit" disabled={action.busy}>
          Send request
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

// --- the Schedule page --------------------------------------------------------------------------------------------

/** What the panel last did, said above its list. */
interface Done {
  verb: 'Granted' | 'Refused' | 'Recorded';
  result: TimeOffResult;
}

/**
 * The requests waiting for a decision (`pending`, read by the page for its count), each with Grant and Refuse and an
 * optional note, and a form to record days off for an agent at once. `onChanged` after each: granting removed shifts.
 */
export function TimeOffPanel(props: {
  pending: Loaded<{ items: TimeOff[] }>;
  agents: readonly Agent[];
  day: string;
  onClose: () => void;
  onChanged: () => void;
  onGo: (day: string) => void;
}) {
  const [done, setDone] = useState<Done | null>(null);
  const items = props.pending.data?.items;
  const after = (d: Done) => {
    setDone(d);
    props.pending.reload();
    props.onChanged();
  };
  return (
    <section class="card editor time-off-panel" data-testid="time-off-panel">
      <div class="section-head">
        <h2>Time off</h2>
        <span class="muted">requests waiting for a decision; granting removes the agent's shifts on those days</span>
        <button type="button" class="link push-right" onClick={props.onClose}>
          Close
        </button>
      </div>
      {done ? <DoneNotice done={done} shown={props.day} onGo={props.onGo} onDismiss={() => setDone(null)} /> : null}
      <ErrorBox error={props.pending.error} />
      {!items ? null : items.length === 0 ? (
        <p class="muted" data-testid="time-off-none">
          No requests waiting.
        </p>
      ) : (
        <table class="list compact time-off-requests" data-testid="time-off-requests">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Days</th>
              <th>Kind</th>
              <th>Note</th>
              <th>Shifts</th>
              <th>Decision</th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <PendingRow key={t.id} request={t} onDecided={after} />
            ))}
          </tbody>
        </table>
      )}
      <RecordTimeOff
        agents={props.agents}
        day={props.day}
        onRecorded={(result) => after({ verb: 'Recorded', result })}
      />
    </section>
  );
}

function DoneNotice(props: { done: Done; shown: string; onGo: (day: string) => void; onDismiss: () => void }) {
  const { verb, result: t } = props.done;
  const removed = t.status === 'approved' ? `: ${plural(t.removedShifts, 'shift')} removed` : '';
  const elsewhere = props.shown < t.fromDay || props.shown > t.toDay;
  return (
    <p class="notice" role="status" data-testid="time-off-result">
      {verb} {t.agentName}'s {KIND_WORDS[t.kind]}, {daysText(t)}
      {removed}.{' '}
      {t.status === 'approved' && elsewhere ? (
        <>
          <button class="link" onClick={() => props.onGo(t.fromDay)}>
            Show {dayLabel(t.fromDay)}
          </button>{' '}
        </>
      ) : null}
      <button class="link" onClick={props.onDismiss}>
        Dismiss
      </button>
    </p>
  );
}

function PendingRow(props: { request: TimeOff; onDecided: (d: Done) => void }) {
  const t = props.request;
  return (
    <tr data-time-off={t.id} data-agent={t.agentId}>
      <td>{t.agentName}</td>
      <td class="nowrap">
        {daysText(t)}
        {t.days > 1 ? <span class="muted small"> · {t.days} days</span> : null}
      </td>
      <td>{t.kind}</td>
      <td>{t.note ?? <span class="muted">—</span>}</td>
      <td class={t.shifts > 0 ? 'nowrap' : 'nowrap muted'} data-testid="time-off-shifts">
        {plural(t.shifts, 'shift')} on those days
      </td>
      <DecisionCell
        noteTo={t.agentName}
        approveLabel="Grant"
        testIds={{ approve: 'time-off-grant', refuse: 'time-off-refuse' }}
        confirmApprove={() =>
          t.shifts === 0 ||
          confirm(
            `Grant ${t.agentName}'s ${KIND_WORDS[t.kind]} ${daysPhrase(t)}? Their ${plural(t.shifts, 'shift')} on those days will be removed.`,
          )
        }
        decide={(d) => api.timeOff.decide(t.id, d)}
        onDecided={(status, result) => props.onDecided({ verb: status === 'approved' ? 'Granted' : 'Refused', result })}
      />
    </tr>
  );
}

/** Days off recorded for an agent by a supervisor (a sick day): granted at once, the agent's shifts then removed. */
function RecordTimeOff(props: { agents: readonly Agent[]; day: string; onRecorded: (r: TimeOffResult) => void }) {
  const [d, setD] = useState<Draft>({ agentId: '', fromDay: props.day, toDay: props.day, kind: 'sick', note: '' });
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  const boxed = Object.keys(errs).some((k) => FORM_FIELDS.has(k)) ? null : action.error;
  const submit = async (e: Event) => {
    e.preventDefault();
    const made = await action.run(() => api.timeOff.request(inputOf(d, true)));
    if (made) {
      setD({ ...d, agentId: '', note: '' });
      props.onRecorded(made);
    }
  };
  return (
    <form class="time-off-record" onSubmit={(e) => void submit(e)} data-testid="time-off-record">
      <h3>Record time off</h3>
      <div class="add-inline">
        <Field label="Agent" error={errs.agentId}>
          <AgentSelect
            agents={props.agents}
            value={d.agentId}
            onChange={(e) => setD({ ...d, agentId: inputValue(e) })}
          />
        </Field>
        <DayFields d={d} set={(change) => setD({ ...d, ...change })} errs={errs} />
        <button type="submit" class="primary" disabled={action.busy} title="Granted at once">
          Record
        </button>
      </div>
      <ErrorBox error={boxed} />
    </form>
  );
}

// --- the day's timeline -------------------------------------------------------------------------------------------

/** Granted time off on the day's timeline: the whole bar hatched, named by its kind, behind any shift still there. */
export function TimeOffBar({ off }: { off: TimeOff }) {
  return (
    <span class="time-off-bar" title={`${off.kind}, ${daysText(off)}${off.note ? ` · ${off.note}` : ''}`}>
      <span class="time-off-label" data-testid="time-off-label">
        {off.kind}
      </span>
    </span>
  );
}
