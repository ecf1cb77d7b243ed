// The agent's workspace: presence controls, the agent's day so far and their week's shifts (schedule.tsx) with a
// reminder when a scheduled break or other activity begins, their time off (time-off.tsx: asked, told when decided,
// cancelled), their shift trades (shift-trades.tsx: a shift offered from My schedule, offers taken), when in the week
// they can work (availability.tsx: My availability, the week in a line and its editor), the screen pop (with the
// call's number put on the do-not-call list when the customer asks; on a campaign's call, a time to call the customer
// back), call controls, wrap-up (disposition + ticket), placing a call (click-to-dial) and the callback list. Presence
// comes from GET /api/agent/me, then 'agent.state' pushes; calls from 'call.*' pushes (a call the agent places too:
// its pop is 'call.offered' with direction 'outbound'); the day from GET /api/agent/me/today, read again as the state
// changes.
import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api/client.js';
import { useLive } from '../api/live.js';
import type {
  Agent,
  EvaluationCreatedMessage,
  AgentState,
  AgentToday,
  Callback,
  CallOfferedMessage,
  CampaignContact,
  ListedCallNumber,
  PauseReason,
  SchedulePublishedMessage,
  ActivityPausedMessage,
  Shift,
  ShiftActivityKind,
  TimeOffDecidedMessage,
  User,
} from '../api/types.js';
import {
  ErrorBox,
  Field,
  StateBadge,
  pauseReasonText,
  TierBadge,
  fieldErrorsOf,
  inputValue,
  useAction,
  useLoad,
  useNow,
} from '../components/ui.js';
import { SoftphoneCard } from '../components/softphone.js';
import { MyAvailabilityCard } from './availability.js';
import { browserToday } from './reports.js';
import { activityAt, dayIn, MyScheduleCard, useMyShifts } from './schedule.js';
import { SchedulePublishedNotice } from './schedule-drafts.js';
import { MyShiftTradesCard, TradeButton, useMyShiftTrades } from './shift-trades.js';
import { MyTimeOffCard, TimeOffDecidedNotice, useMyTimeOff } from './time-off.js';
import { fmtDuration, fmtHoursMinutes, fmtSpan, fmtTime, money, secondsSince } from '../format.js';

/** With no configured reasons (or the list unreadable), one plain Pause button with this reason. */
const FALLBACK_PAUSE = 'break';
const DISPOSITIONS = [
  'resolved',
  'follow_up',
  'escalated',
  'order_issue',
  'shipping_question',
  'refund',
  'wrong_number',
  'other',
];
const CATEGORIES = ['orders', 'logistics', 'billing', 'technical', 'sales', 'other'];
/** My day is read again this often, and this long after the agent's own state last changed (a burst: one read). */
const MY_DAY_REFRESH_MS = 60_000;
const MY_DAY_SETTLE_MS = 1_000;
/** The break reminder looks at the schedule this often. */
const REMINDER_CHECK_MS = 15_000;
const ACTIVITY_WORDS: Record<ShiftActivityKind, string> = {
  break: 'break',
  lunch: 'lunch',
  meeting: 'meeting',
  training: 'training',
  offline: 'time offline',
};

/** offered: ringing the agent (inbound), or, for a call the agent placed, dialling (their phone, then the number). */
type Phase = 'offered' | 'connected' | 'ended';
/** A consultation the agent started (attended transfer); `conference` once the caller joined it. */
interface Consultation {
  target: string;
  conference: boolean;
}
interface ActiveCall {
  offer: CallOfferedMessage;
  phase: Phase;
  since: number;
  held: boolean;
  consult: Consultation | null;
  /** Why the last consultation ended without the agent (the party hung up), shown until the next one. */
  consultEnded: string | null;
}
type CallControlsChange = Partial<Pick<ActiveCall, 'held' | 'consult' | 'consultEnded'>>;
/** How a call the agent placed ended without connecting (call.ended's disposition), in words. */
const DIAL_OUTCOMES: Record<string, string> = {
  not_placed: 'your phone did not pick up',
  no_answer: 'no answer',
  busy: 'busy',
  failed: 'failed',
  cancelled: 'cancelled',
  // A campaign's call that screened the answer.
  machine: 'an answering machine, hung up (the campaign tries it again)',
  machine_message: "an answering machine, left the campaign's message",
};
interface DialOutcome {
  callId: string;
  number: string;
  disposition: string;
}

const isOutbound = (o: CallOfferedMessage): boolean => o.direction === 'outbound';
/**
 * The pop's number is E.164 when the call has a number that can be listed; a withheld or unreadable caller id comes
 * as it was sent ("anonymous", "unknown"…), and the server would refuse to list it.
 */
const listable = (n: string): boolean => /^\+[1-9]\d{6,14}$/.test(n);

export function WorkspacePage({ user }: { user: User }) {
  const [agent, setAgent] = useState<Agent | null>(null);
  const [call, setCall] = useState<ActiveCall | null>(null);
  const [notes, setNotes] = useState('');
  /** How the last call the agent placed ended, when it never connected (until dismissed or the next call). */
  const [outcome, setOutcome] = useState<DialOutcome | null>(null);
  /** A supervisor's new evaluation of one of the agent's calls (until dismissed). */
  const [evaluated, setEvaluated] = useState<EvaluationCreatedMessage | null>(null);
  /** Calls the agent placed that have not connected (yet): call id → the number, for the outcome notice. */
  const dialled = useRef(new Map<string, string>());
  const presence = useAction();
  const controls = useAction();
  const dialAction = useAction();
  const callbackAction = useAction();
  const now = useNow(1000);
  const me = useLoad(() => api.agent.me(), []);
  const callbacks = useLoad(() => api.callbacks.list(), []);
  // The admin's list of pause reasons (the API refuses any other), read once: one button each.
  const reasons = useLoad(() => api.pauseReasons.list(), []);
  const myShifts = useMyShifts(user.agentId);
  // The contact center's today, from the schedule's zone (the browser's if that list cannot be read).
  const today = myShifts.data ? dayIn(myShifts.data.timeZone) : myShifts.error ? browserToday() : '';
  const myTimeOff = useMyTimeOff(user.agentId, today);
  /** A supervisor's decision on the agent's time off (until dismissed). */
  const [decided, setDecided] = useState<TimeOffDecidedMessage | null>(null);
  /** Drafts of the agent's a supervisor published (until dismissed). */
  const [published, setPublished] = useState<SchedulePublishedMessage | null>(null);
  /** The pause the schedule put the agent in, or will after this call (until dismissed). */
  const [scheduledPause, setScheduledPause] = useState<ActivityPausedMessage | null>(null);
  const myTrades = useMyShiftTrades(user.agentId, today);
  /** The shift of My schedule whose Trade opened the offer form. */
  const [trading, setTrading] = useState<Shift | null>(null);

  useEffect(() => {
    if (me.data) setAgent(me.data);
  }, [me.data]);

  useLive(
    (m) => {
      if (m.type === 'agent.state' && m.agentId === user.agentId) {
        setAgent((a) =>
          m.agent ? m.agent : a ? { ...a, state: m.state, stateSince: m.since, pauseReason: m.reason } : a,
        );
      } else if (m.type === 'call.offered') {
        setNotes('');
        setOutcome(null);
        if (isOutbound(m)) dialled.current.set(m.callId, m.caller);
        setCall({ offer: m, phase: 'offered', since: Date.now(), held: false, consult: null, consultEnded: null });
      } else if (m.type === 'call.offer_ended') {
        // Someone else took it, or it rang out: the pop goes, nothing to wrap up.
        setCall((c) => (c && c.offer.callId === m.callId && c.phase === 'offered' ? null : c));
      } else if (m.type === 'call.connected') {
        dialled.current.delete(m.callId);
        setCall((c) => (c && c.offer.callId === m.callId ? { ...c, phase: 'connected', since: Date.now() } : c));
      } else if (m.type === 'call.ended') {
        // A call the agent placed that never connected: say how it ended, instead of the pop just going.
        const number = dialled.current.get(m.callId);
        if (number !== undefined) {
          dialled.current.delete(m.callId);
          setOutcome({ callId: m.callId, number, disposition: m.disposition });
        }
        setCall((c) => {
          if (!c || c.offer.callId !== m.callId) return c;
          // An offer that was never answered leaves nothing to wrap up.
          if (c.phase === 'offered') return null;
          return { ...c, phase: 'ended', since: Date.now(), held: false, consult: null };
        });
        callbacks.reload();
      } else if (m.type === 'schedule.changed') {
        myShifts.reload();
      } else if (m.type === 'schedule.published') {
        // Shifts the agent had not seen: said, and My schedule reads them.
        setPublished(m);
        myShifts.reload();
      } else if (m.type === 'activity.paused') {
        setScheduledPause(m);
      } else if (m.type === 'evaluation.created') {
        setEvaluated(m);
      } else if (m.type === 'time-off.decided') {
        // Granting removed the agent's shifts on those days: the list and My schedule read again.
        setDecided(m);
        myTimeOff.reload();
        myShifts.reload();
      } else if (m.type === 'call.consult_ended') {
        setCall((c) =>
          c && c.offer.callId === m.callId && c.consult
            ? {
                ...c,
                held: false,
                consult: null,
                consultEnded: `${m.target} hung up: the caller is back with you`,
              }
            : c,
        );
      }
    },
    [user.agentId],
  );

  const act = (fn: () => Promise<Agent>) => void presence.run(fn).then((a) => a && setAgent(a));
  const state = agent?.state ?? 'logged_out';
  /** Why no call can be placed now (null: one can). */
  const dialBlocked = call
    ? call.phase === 'ended'
      ? 'Finish the wrap-up first'
      : 'Finish the current call first'
    : state === 'logged_out'
      ? 'Log in to place a call'
      : null;
  /** Places a call (a number, or a callback's); true once the server took it. */
  const place = async (body: { number?: string; callbackId?: number }, action: ReturnType<typeof useAction>) => {
    setOutcome(null);
    const placed = await action.run(() => api.agent.placeCall(body));
    if (!placed) return false;
    // Its pop (call.offered) may have come before this answer; either one remembers the number.
    if (!dialled.current.has(placed.callId)) dialled.current.set(placed.callId, placed.number);
    return true;
  };

  return (
    <div class="workspace">
      {evaluated ? (
        <p class="notice" role="status" data-testid="evaluation-notice">
          A supervisor evaluated one of your calls:{' '}
          <strong>
            {evaluated.failedCritical
              ? 'a critical point was missed'
              : evaluated.scorePct === null
                ? 'no score'
                : `${evaluated.scorePct} %`}
          </strong>
          . <a href={`#/evaluations/${evaluated.evaluationId}`}>Read it</a>{' '}
          <button class="link" onClick={() => setEvaluated(null)}>
            Dismiss
          </button>
        </p>
      ) : null}
      {decided ? <TimeOffDecidedNotice message={decided} onDismiss={() => setDecided(null)} /> : null}
      {published ? <SchedulePublishedNotice message={published} onDismiss={() => setPublished(null)} /> : null}
      {scheduledPause ? (
        <p class="notice" role="status" data-testid="scheduled-pause">
          {scheduledPause.afterCall
            ? `Your ${ACTIVITY_WORDS[scheduledPause.kind]} is scheduled now (${scheduledPause.startTime}–${scheduledPause.endTime}): you will be paused when this call and its wrap-up are over.`
            : `Paused for your ${ACTIVITY_WORDS[scheduledPause.kind]} (${scheduledPause.startTime}–${scheduledPause.endTime}), as scheduled. Unpause when you are back.`}{' '}
          <button type="button" class="link" onClick={() => setScheduledPause(null)}>
            Dismiss
          </button>
        </p>
      ) : null}
      <BreakReminder
        shifts={myShifts.data?.shifts}
        state={state}
        reasons={reasons.data?.items ?? (reasons.error ? [] : undefined)}
        busy={presence.busy}
        onPause={(r) => act(() => api.agent.pause(r))}
      />
      <div class="workspace-top">
        <section class="card presence" data-testid="presence">
          <div class="presence-state">
            <StateBadge state={state} />
            <span class="muted">
              {agent ? `for ${fmtDuration(secondsSince(agent.stateSince, now))}` : ''}
              {agent?.pauseReason ? ` · ${pauseReasonText(agent.state, agent.pauseReason)}` : ''}
            </span>
            <span class="muted">{agent ? ` · ${agent.name} · ${agent.boundEndpoint ?? agent.endpoint}` : ''}</span>
          </div>
          <div class="presence-actions">
            {state === 'logged_out' ? (
              <button class="primary" disabled={presence.busy} onClick={() => act(() => api.agent.login())}>
                Log in
              </button>
            ) : null}
            {state === 'paused' ? (
              <button class="primary" disabled={presence.busy} onClick={() => act(() => api.agent.unpause())}>
                Available
              </button>
            ) : null}
            {state === 'wrap_up' && !call ? (
              <button class="primary" disabled={presence.busy} onClick={() => act(() => api.agent.endWrapUp())}>
                End wrap-up
              </button>
            ) : null}
            {state === 'available' || state === 'wrap_up' || state === 'paused' ? (
              <PauseButtons
                reasons={reasons.data?.items}
                failed={!!reasons.error}
                current={state === 'paused' ? agent?.pauseReason : null}
                busy={presence.busy}
                onPause={(r) => act(() => api.agent.pause(r))}
              />
            ) : null}
            {state === 'available' || state === 'paused' || state === 'wrap_up' ? (
              <button class="danger" disabled={presence.busy} onClick={() => act(() => api.agent.logout())}>
                Log out
              </button>
            ) : null}
          </div>
          <ErrorBox error={presence.error ?? me.error ?? reasons.error} />
        </section>
        <div class="workspace-side">
          <MyDay stateKey={agent ? `${agent.state} ${agent.stateSince} ${agent.pauseReason ?? ''}` : null} />
          <MyScheduleCard
            list={myShifts}
            action={(s) => (
              <TradeButton shift={s} trades={myTrades.data?.items} active={trading?.id === s.id} onTrade={setTrading} />
            )}
          />
          <MyShiftTradesCard
            list={myTrades}
            me={user.agentId}
            trading={trading}
            onTradeClose={() => setTrading(null)}
            onChanged={() => {
              myTrades.reload();
              myShifts.reload();
            }}
          />
          <MyTimeOffCard
            list={myTimeOff}
            today={today}
            onChanged={() => {
              myTimeOff.reload();
              myShifts.reload();
            }}
          />
          <MyAvailabilityCard agentId={user.agentId} />
        </div>
      </div>

      <SoftphoneCard />

      {call ? (
        <div class="call-area">
          <ScreenPop call={call} now={now} agentState={state} />
          <section class="card">
            {call.phase === 'ended' ? (
              <WrapUp
                call={call}
                notes={notes}
                agentState={state}
                onDone={() => {
                  // Ending wrap-up may bring the next offer before this answer does: keep a newer call.
                  const ended = call.offer.callId;
                  setCall((c) => (c && c.offer.callId === ended ? null : c));
                  setNotes('');
                  void api.agent.me().then(setAgent, () => undefined);
                }}
              />
            ) : (
              <>
                <h2>{isOutbound(call.offer) && call.phase === 'offered' ? 'Dialling' : 'Call'}</h2>
                <CallControls
                  call={call}
                  action={controls}
                  onChange={(change) => setCall((c) => (c ? { ...c, ...change } : c))}
                />
                <Field label="Notes">
                  <textarea
                    name="notes"
                    rows={5}
                    value={notes}
                    onInput={(e) => setNotes(inputValue(e))}
                    placeholder="What the caller needs…"
                  />
                </Field>
              </>
            )}
          </section>
        </div>
      ) : (
        <section class="card idle muted" data-testid="no-call">
          {state === 'available' ? 'Waiting for a call…' : 'No call.'}
        </section>
      )}

      <DialCard
        blocked={dialBlocked}
        action={dialAction}
        outcome={outcome}
        onDismiss={() => setOutcome(null)}
        onPlace={(number) => place({ number }, dialAction)}
      />

      <section class="card" data-testid="callbacks">
        <h2>My callbacks</h2>
        <ErrorBox error={callbacks.error ?? callbackAction.error} />
        {callbacks.data && callbacks.data.items.length === 0 ? (
          <p class="muted">No callbacks assigned to you.</p>
        ) : null}
        {callbacks.data && callbacks.data.items.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th>Phone</th>
                <th>State</th>
                <th>Due</th>
                <th>Notes</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {callbacks.data.items.map((cb) => (
                <tr key={cb.id}>
                  <td>{cb.phone}</td>
                  <td>
                    {cb.state}
                    <Attempts callback={cb} />
                  </td>
                  <td>{fmtTime(cb.dueAt ?? cb.requestedAt)}</td>
                  <td>{cb.notes ?? ''}</td>
                  <td class="callback-actions">
                    {cb.state === 'pending' || cb.state === 'assigned' ? (
                      <button
                        class="primary"
                        data-testid="call-back"
                        disabled={dialBlocked !== null || callbackAction.busy || dialAction.busy}
                        title={dialBlocked ?? `Call ${cb.phone}: your phone rings first`}
                        onClick={() => void place({ callbackId: cb.id }, callbackAction).then(callbacks.reload)}
                      >
                        Call back
                      </button>
                    ) : null}
                    {cb.state === 'assigned' ? (
                      <>
                        <button
                          onClick={() =>
                            void callbackAction.run(() => api.callbacks.complete(cb.id, true)).then(callbacks.reload)
                          }
                        >
                          Done
                        </button>
                        <button
                          onClick={() =>
                            void callbackAction.run(() => api.callbacks.complete(cb.id, false)).then(callbacks.reload)
                          }
                        >
                          Give up
                        </button>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}

/**
 * "Your lunch is scheduled now (12:00–12:45)" once a scheduled activity has begun (its instants against the clock,
 * looked at every 15 s) while the agent is still taking calls, with a button to pause for it: the pause reason named
 * as the activity, else the first one. It goes when the activity ends, when dismissed, and once the agent pauses
 * (for good: back early from lunch, they are not reminded again).
 */
function BreakReminder(props: {
  shifts: readonly Shift[] | undefined;
  state: AgentState;
  /** Undefined while loading; empty when there are none (or the list is unreadable). */
  reasons: readonly PauseReason[] | undefined;
  busy: boolean;
  onPause: (reason: string) => void;
}) {
  const now = useNow(REMINDER_CHECK_MS);
  const due = props.shifts ? activityAt(props.shifts, now) : null;
  const key = due ? `${due.start} ${due.kind}` : null;
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    if (key !== null && props.state === 'paused') setDone(key);
  }, [key, props.state]);
  if (!due || key === done || (props.state !== 'available' && props.state !== 'wrap_up')) return null;
  const reasons = props.reasons;
  const reason = reasons && (reasons.find((r) => r.name === due.kind) ?? reasons[0])?.name;
  return (
    <div class="notice break-reminder" role="status" data-testid="break-reminder">
      <span>
        Your {ACTIVITY_WORDS[due.kind]} is scheduled now ({due.startTime}–{due.endTime}).
      </span>
      {reasons ? (
        <button class="primary" disabled={props.busy} onClick={() => props.onPause(reason ?? FALLBACK_PAUSE)}>
          Pause: {reason ?? FALLBACK_PAUSE}
        </button>
      ) : null}
      <button class="link" onClick={() => setDone(key)}>
        Dismiss
      </button>
    </div>
  );
}

/** "2 attempts" after a callback's state, once it has been called back at least once. */
function Attempts({ callback: cb }: { callback: Callback }) {
  if (!cb.attempts) return null;
  return (
    <span class="muted small attempts" data-testid="callback-attempts">
      {' · '}
      {cb.attempts} {cb.attempts === 1 ? 'attempt' : 'attempts'}
    </span>
  );
}

/**
 * Click-to-dial: a number (national, or + and the country code) and Call; Enter places it too. A logged-in agent
 * without a call may, paused too (the pause resumes after the call); the reason shows otherwise, and the API's
 * refusal (not a number, international calls off, premium rate…) under the form. Below it, how the last call
 * placed ended when it never connected.
 */
function DialCard({
  blocked,
  action,
  outcome,
  onDismiss,
  onPlace,
}: {
  blocked: string | null;
  action: ReturnType<typeof useAction>;
  outcome: DialOutcome | null;
  onDismiss: () => void;
  onPlace: (number: string) => Promise<boolean>;
}) {
  const [number, setNumber] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    const n = number.trim();
    if (!n || blocked !== null || action.busy) return;
    void onPlace(n).then((ok) => ok && setNumber(''));
  };
  return (
    <section class="card dial" data-testid="dial">
      <form class="dial-form" onSubmit={submit}>
        <h2>Call</h2>
        <input
          type="tel"
          name="dial"
          autocomplete="off"
          placeholder="Number to call"
          aria-label="Number to call"
          value={number}
          onInput={(e) => {
            setNumber(inputValue(e));
            action.clear();
          }}
        />
        <button type="submit" class="primary" disabled={blocked !== null || action.busy || !number.trim()}>
          Call
        </button>
        {blocked ? (
          <span class="muted small" data-testid="dial-blocked">
            {blocked}
          </span>
        ) : (
          <span class="muted small">Your phone rings first; pick it up and the number is dialled.</span>
        )}
      </form>
      {action.error ? (
        <div class="error" role="alert" data-testid="dial-error">
          {errorText(action.error)}
        </div>
      ) : null}
      {outcome ? (
        <div class={`dial-outcome dial-outcome-${outcome.disposition}`} role="status" data-testid="dial-outcome">
          <span>
            Call to <strong>{outcome.number}</strong>:{' '}
            {DIAL_OUTCOMES[outcome.disposition] ?? outcome.disposition.replace(/_/g, ' ')}
          </span>
          <button type="button" class="link" aria-label="Dismiss" title="Dismiss" onClick={onDismiss}>
            ×
          </button>
        </div>
      ) : null}
    </section>
  );
}

/**
 * The agent's day so far, read live (not the quarter-hour report tables): on mount, every minute, and a moment after
 * each change of the agent's own state (`stateKey`: pushed, or the answer to a presence button). A failed read shows
 * in the card only; the last figures stay.
 */
function MyDay({ stateKey }: { stateKey: string | null }) {
  const today = useLoad(() => api.agent.today(), []);
  const { reload } = today;
  useEffect(() => {
    const t = setInterval(reload, MY_DAY_REFRESH_MS);
    return () => clearInterval(t);
  }, [reload]);
  // The first state known is the one the mount's read already saw; each later one reads again once they settle.
  const seen = useRef<string | null>(null);
  useEffect(() => {
    if (stateKey === null) return;
    if (seen.current === null) {
      seen.current = stateKey;
      return;
    }
    if (seen.current === stateKey) return;
    seen.current = stateKey;
    const t = setTimeout(reload, MY_DAY_SETTLE_MS);
    return () => clearTimeout(t);
  }, [stateKey, reload]);
  const d = today.data;
  return (
    <section class="card my-day" data-testid="my-day">
      <div class="my-day-row">
        <div class="my-day-title">
          <h2>My day</h2>
          {d ? (
            <span class="muted small" title={`${d.day} (${d.timeZone}), live`}>
              as of {new Date(d.asOf).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
            </span>
          ) : null}
        </div>
        {d ? <MyDayFigures day={d} /> : today.error ? null : <span class="muted">Loading…</span>}
      </div>
      <ErrorBox error={today.error} />
      {d ? <MyDayPauses pauses={d.pauses} /> : null}
    </section>
  );
}

function MyDayFigures({ day: d }: { day: AgentToday }) {
  return (
    <dl class="my-day-figures">
      <div>
        <dt>Logged in</dt>
        <dd data-testid="my-day-logged-in" title={fmtDuration(d.loggedInS)}>
          {fmtHoursMinutes(d.loggedInS)}
        </dd>
      </div>
      <div>
        <dt>Paused</dt>
        <dd data-testid="my-day-paused" title={fmtDuration(d.pausedS)}>
          {fmtHoursMinutes(d.pausedS)}
        </dd>
      </div>
      <div>
        <dt>Calls</dt>
        <dd data-testid="my-day-calls">{d.calls}</dd>
      </div>
      <div>
        <dt title="Talk and after-call work per call">Avg handle</dt>
        <dd data-testid="my-day-avg-handle">{fmtDuration(d.avgHandleS)}</dd>
      </div>
      <div>
        <dt title="Of the time logged in and not paused, the share on calls and after-call work">Occupancy</dt>
        <dd data-testid="my-day-occupancy">{d.occupancyPct === null ? '—' : `${d.occupancyPct.toFixed(1)}%`}</dd>
      </div>
    </dl>
  );
}

/** Paused time per reason, longest first: "lunch 30 min · break 2×, 12 min" (the count when more than one). */
function MyDayPauses({ pauses }: { pauses: AgentToday['pauses'] }) {
  return (
    <div class="my-day-pauses small muted" data-testid="my-day-pauses">
      {pauses.length === 0
        ? 'No pauses today.'
        : pauses.map((p, i) => (
            <Fragment key={p.reason}>
              {i > 0 ? ' · ' : ''}
              <span data-reason={p.reason} title={fmtDuration(p.seconds)}>
                {p.reason} {p.count > 1 ? `${p.count}×, ` : ''}
                {fmtSpan(p.seconds)}
              </span>
            </Fragment>
          ))}
    </div>
  );
}

/**
 * One "Pause: <reason>" button per configured reason, with its desk-phone code (*13<code>) as a quiet hint so agents
 * learn it; the reason the agent is paused with is disabled. No list (empty, or it failed to load): one Pause button.
 */
function PauseButtons({
  reasons,
  failed,
  current,
  busy,
  onPause,
}: {
  reasons: PauseReason[] | undefined;
  failed: boolean;
  current: string | null | undefined;
  busy: boolean;
  onPause: (reason: string) => void;
}) {
  if (!reasons && !failed) return null; // still loading: no button that may not exist
  if (!reasons || reasons.length === 0) {
    return (
      <span class="pause-buttons" data-testid="pause-buttons">
        <button disabled={busy || current === FALLBACK_PAUSE} onClick={() => onPause(FALLBACK_PAUSE)}>
          Pause
        </button>
      </span>
    );
  }
  return (
    <span class="pause-buttons" data-testid="pause-buttons">
      {reasons.map((r) => (
        <button
          key={r.id}
          disabled={busy || current === r.name}
          title={r.code ? `On a desk phone: dial *13${r.code}` : undefined}
          onClick={() => onPause(r.name)}
        >
          Pause: {r.name}
          {r.code ? (
            <>
              {' '}
              <span class="pause-code">*13{r.code}</span>
            </>
          ) : null}
        </button>
      ))}
    </span>
  );
}

function ScreenPop({ call, now, agentState }: { call: ActiveCall; now: number; agentState: AgentState }) {
  const o = call.offer;
  const c = o.customer;
  const ivr = Object.entries(o.ivr);
  const outbound = isOutbound(o);
  const dialling = outbound && call.phase === 'offered';
  return (
    <section
      class={`card screen-pop phase-${call.phase}${outbound ? ' outbound' : ''}`}
      data-testid="screen-pop"
      data-direction={outbound ? 'outbound' : 'inbound'}
    >
      <div class="pop-head">
        <span class="phase">
          {call.phase === 'offered'
            ? outbound
              ? 'Dialling…'
              : 'Incoming call'
            : call.phase === 'connected'
              ? 'On call'
              : 'Call ended'}
        </span>
        <span class="timer">{fmtDuration((now - call.since) / 1000)}</span>
        {outbound ? <span class="badge dir dir-outbound">outbound</span> : null}
        {call.held ? <span class="badge state-paused">on hold</span> : null}
      </div>
      {outbound ? (
        <div class="calling" data-testid="calling">
          Calling <strong>{o.caller}</strong>
          {dialling ? (
            <span class="muted small">
              {' · '}
              {/* Reserved: the agent's own phone is ringing; once picked up, the number is being dialled. */}
              {agentState === 'reserved' ? 'pick up your phone to dial the number' : 'ringing the number'}
            </span>
          ) : null}
        </div>
      ) : null}
      {/* A call the dialler placed for a campaign: which, and whom the campaign's list names. */}
      {o.campaign ? (
        <div class="calling" data-testid="pop-campaign">
          Campaign: <strong>{o.campaign.name}</strong>
          {o.campaign.contact ? ` · for ${o.campaign.contact}` : ''}
        </div>
      ) : null}
      {o.campaign?.script ? (
        <blockquote class="campaign-script" data-testid="pop-script">
          {o.campaign.script}
        </blockquote>
      ) : null}
      {/* "Call me tomorrow at 10": once the customer is on the line (and through wrap-up); the next call starts afresh. */}
      {o.campaign && call.phase !== 'offered' ? (
        <CampaignCallback key={o.callId} callId={o.callId} number={o.caller} />
      ) : null}
      <div class="customer" data-testid="customer">
        <div class="customer-name">{c ? c.name : outbound ? 'Unknown number' : 'Unknown caller'}</div>
        <TierBadge tier={o.tier ?? c?.tier} />
        <div class="muted">
          {o.caller}
          {c?.company ? ` · ${c.company}` : ''}
          {c?.language ? ` · ${c.language}` : ''}
        </div>
        {/* Once the customer is on the line (and through wrap-up); keyed so the next call starts afresh. */}
        {call.phase !== 'offered' && listable(o.caller) ? (
          <DoNotCallNumber key={o.callId} callId={o.callId} number={o.caller} />
        ) : null}
      </div>
      <h3>Open orders</h3>
      {o.openOrders.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <table data-testid="orders">
          <thead>
            <tr>
              <th>Order</th>
              <th>Status</th>
              <th>Carrier</th>
              <th>ETA</th>
              <th>Total</th>
            </tr>
          </thead>
          <tbody>
            {o.openOrders.map((ord) => (
              <tr key={ord.orderNo}>
                <td>{ord.orderNo}</td>
                <td>
                  <span class={`badge ship-${ord.status}`}>{ord.status.replace(/_/g, ' ')}</span>
                </td>
                <td>
                  {ord.carrier ?? '—'} {ord.trackingNo ? <span class="muted">{ord.trackingNo}</span> : null}
                </td>
                <td>{ord.eta ? fmtTime(ord.eta) : '—'}</td>
                <td>{money(ord.totalCents, ord.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Last contacts</h3>
      {o.lastContacts.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <ul class="contacts">
          {o.lastContacts.slice(0, 5).map((k, i) => (
            <li key={i}>
              {fmtTime(k.startedAt)} · {k.channel} · {k.category} · <span class="muted">{k.outcome}</span>
            </li>
          ))}
        </ul>
      )}
      {outbound ? null : <h3>IVR</h3>}
      {outbound ? null : ivr.length === 0 ? (
        <p class="muted">No choices.</p>
      ) : (
        <dl class="ivr" data-testid="ivr">
          {ivr.map(([k, v]) => (
            <Fragment key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </Fragment>
          ))}
        </dl>
      )}
    </section>
  );
}

/**
 * "Do not call this number": the customer asked not to be called again. After a confirm the call's number goes on the
 * do-not-call list (`POST /api/calls/:id/do-not-call`, the reason naming the day and the agent); the notice says so,
 * or that it already was, and the action is gone for this call. The server's refusal shows under it.
 */
function DoNotCallNumber({ callId, number }: { callId: string; number: string }) {
  const [listed, setListed] = useState<ListedCallNumber | null>(null);
  const action = useAction();
  const list = async () => {
    if (!confirm(`Put ${number} on the do-not-call list? No call Ariadne places will reach it again.`)) return;
    const r = await action.run(() => api.calls.doNotCall(callId));
    if (r) setListed(r);
  };
  if (listed) {
    return (
      <div class="dnc-call dnc-call-result small" role="status" data-testid="dnc-call-result">
        {listed.number} {listed.added ? 'is now' : 'was already'} on the do-not-call list
      </div>
    );
  }
  return (
    <div class="dnc-call">
      <button
        type="button"
        class="link small"
        data-testid="dnc-call"
        disabled={action.busy}
        title="The customer asked not to be called again: no call Ariadne places will reach this number"
        onClick={() => void list()}
      >
        Do not call this number
      </button>
      <ErrorBox error={action.error} />
    </div>
  );
}

/** A `datetime-local` input's value for `d`: the browser's local time, to the minute. */
function localInputValue(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
/** Tomorrow, at `hour` (default: this hour), on the hour. */
function tomorrowAt(now: Date, hour = now.getHours()): Date {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  d.setHours(hour, 0, 0, 0);
  return d;
}
/** The time a campaign's callback is booked for, in the agent's words: "Thu, 5 Jun 2025, 10:00". */
function fmtCallbackTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/**
 * "Call back later" on a call the dialler placed for a campaign: the customer asked to be called at another time. A
 * date and time (default: tomorrow at this hour; "In 1 hour", "Tomorrow 10:00" fill it in), then Book
 * (`POST /api/calls/:id/campaign-callback`, the time in the browser's time zone): the campaign's contact is pending
 * again, to be called then, and the notice says when until wrap-up ends. The server's refusal (a time too soon or too
 * far) shows under the field.
 */
function CampaignCallback({ callId, number }: { callId: string; number: string }) {
  const [open, setOpen] = useState(false);
  const [at, setAt] = useState('');
  /** Why the typed time was not sent (none, or not a time). */
  const [unreadable, setUnreadable] = useState<string | null>(null);
  const [booked, setBooked] = useState<{ contact: CampaignContact; at: string } | null>(null);
  const action = useAction();
  const choose = (value: string) => {
    setAt(value);
    setUnreadable(null);
    action.clear();
  };
  if (booked) {
    return (
      <div
        class="campaign-callback campaign-callback-result small"
        role="status"
        data-testid="campaign-callback-result"
      >
        We'll call {booked.contact.number || number} again on {fmtCallbackTime(booked.contact.nextAt ?? booked.at)}.
      </div>
    );
  }
  if (!open) {
    return (
      <div class="campaign-callback">
        <button
          type="button"
          class="small"
          data-testid="campaign-callback"
          title="The customer asked to be called at another time: the campaign calls the number again then"
          onClick={() => {
            choose(localInputValue(tomorrowAt(new Date())));
            setOpen(true);
          }}
        >
          Call back later
        </button>
      </div>
    );
  }
  const book = async (e: Event) => {
    e.preventDefault();
    const when = new Date(at);
    if (at === '' || Number.isNaN(when.getTime())) {
      setUnreadable('Choose a date and a time');
      return;
    }
    setUnreadable(null);
    const iso = when.toISOString();
    const contact = await action.run(() => api.calls.campaignCallback(callId, iso));
    if (contact) setBooked({ contact, at: iso });
  };
  const fieldError = unreadable ?? fieldErrorsOf(action.error).at;
  return (
    <form
      class="campaign-callback campaign-callback-form"
      data-testid="campaign-callback-form"
      noValidate
      onSubmit={(e) => void book(e)}
    >
      <Field label={`Call ${number} again at`} error={fieldError}>
        <input type="datetime-local" name="at" value={at} required onInput={(e) => choose(inputValue(e))} />
      </Field>
      <div class="row">
        <button
          type="button"
          class="small"
          onClick={() => choose(localInputValue(new Date(Math.ceil((Date.now() + 3_600_000) / 60_000) * 60_000)))}
        >
          In 1 hour
        </button>
        <button type="button" class="small" onClick={() => choose(localInputValue(tomorrowAt(new Date(), 10)))}>
          Tomorrow 10:00
        </button>
        <button class="primary" type="submit" disabled={action.busy}>
          Book
        </button>
        <button
          type="button"
          onClick={() => {
            setOpen(false);
            action.clear();
          }}
        >
          Cancel
        </button>
      </div>
      {fieldError ? null : <ErrorBox error={action.error} />}
    </form>
  );
}

function CallControls({
  call,
  action,
  onChange,
}: {
  call: ActiveCall;
  action: ReturnType<typeof useAction>;
  onChange: (change: CallControlsChange) => void;
}) {
  const [target, setTarget] = useState('');
  const consult = call.consult;
  const [recordingPaused, setRecordingPaused] = useState(false);
  const id = call.offer.callId;
  const connected = call.phase === 'connected';
  // A call the agent placed, not answered yet: hanging up gives it up (the server says "cancelled").
  const dialling = isOutbound(call.offer) && call.phase === 'offered';
  const run = (what: () => Promise<unknown>, then: () => void): void =>
    void action.run(what).then((r) => r !== undefined && then());
  return (
    <div class="controls">
      <div class="row">
        <button
          class="danger"
          data-testid="hangup"
          disabled={action.busy}
          title={dialling ? 'Stop dialling' : undefined}
          onClick={() => void action.run(() => api.calls.hangup(id))}
        >
          {dialling ? 'Cancel call' : 'Hang up'}
        </button>
        {call.held ? (
          <button
            disabled={action.busy || !connected || consult !== null}
            onClick={() =>
              run(
                () => api.calls.unhold(id),
                () => onChange({ held: false }),
              )
            }
          >
            Resume
          </button>
        ) : (
          <button
            disabled={action.busy || !connected || consult !== null}
            onClick={() =>
              run(
                () => api.calls.hold(id),
                () => onChange({ held: true }),
              )
            }
          >
            Hold
          </button>
        )}
        <button
          data-testid="recording-toggle"
          disabled={action.busy || !connected}
          title="Pause while the caller reads out a card number"
          onClick={() =>
            recordingPaused
              ? run(
                  () => api.calls.resumeRecording(id),
                  () => setRecordingPaused(false),
                )
              : run(
                  () => api.calls.pauseRecording(id),
                  () => setRecordingPaused(true),
                )
          }
        >
          {recordingPaused ? 'Resume recording' : 'Pause recording'}
        </button>
        {recordingPaused ? (
          <span class="badge state-paused" data-testid="recording-paused">
            recording paused
          </span>
        ) : null}
      </div>
      {consult ? (
        <div class="row" data-testid="consult">
          <span>
            {consult.conference ? (
              <>
                In conference with <strong>{consult.target}</strong> and the caller
              </>
            ) : (
              <>
                Consulting <strong>{consult.target}</strong> (the caller is on hold)
              </>
            )}
          </span>
          {consult.conference ? null : (
            <button
              data-testid="conference"
              disabled={action.busy}
              title="Bring the caller in: the three of you talk at once"
              onClick={() =>
                run(
                  () => api.calls.conference(id),
                  () => onChange({ held: false, consult: { ...consult, conference: true } }),
                )
              }
            >
              Conference
            </button>
          )}
          <button
            class="primary"
            disabled={action.busy}
            title={`You leave; the caller stays with ${consult.target}`}
            onClick={() =>
              run(
                () => api.calls.completeTransfer(id),
                () => onChange({ consult: null }),
              )
            }
          >
            {consult.conference ? 'Leave the call' : 'Complete transfer'}
          </button>
          <button
            disabled={action.busy}
            title={`${consult.target} is hung up; the caller is back with you`}
            onClick={() =>
              run(
                () => api.calls.cancelTransfer(id),
                () => onChange({ held: false, consult: null }),
              )
            }
          >
            {consult.conference ? `Drop ${consult.target}` : 'Cancel'}
          </button>
        </div>
      ) : (
        <>
          {call.consultEnded ? (
            <p class="muted" data-testid="consult-ended">
              {call.consultEnded}
            </p>
          ) : null}
          <div class="row">
            <input
              name="transfer"
              placeholder="queue:billing, PJSIP/2002 or a number"
              value={target}
              onInput={(e) => setTarget(inputValue(e))}
            />
            <button
              disabled={action.busy || !connected || !target.trim()}
              title="Hand the caller over now"
              onClick={() => void action.run(() => api.calls.transfer(id, target.trim(), 'blind'))}
            >
              Transfer
            </button>
            <button
              data-testid="consult-start"
              disabled={action.busy || !connected || !target.trim() || target.trim().startsWith('queue:')}
              title="Talk to a person first (the caller waits on hold), then bring the caller in, complete or cancel"
              onClick={() => {
                const who = target.trim();
                run(
                  () => api.calls.transfer(id, who, 'attended'),
                  () => onChange({ held: true, consult: { target: who, conference: false }, consultEnded: null }),
                );
              }}
            >
              Consult
            </button>
          </div>
        </>
      )}
      <ErrorBox error={action.error} />
    </div>
  );
}

function WrapUp({
  call,
  notes,
  agentState,
  onDone,
}: {
  call: ActiveCall;
  notes: string;
  agentState: string;
  onDone: () => void;
}) {
  const o = call.offer;
  const [disposition, setDisposition] = useState('resolved');
  const [subject, setSubject] = useState(`${isOutbound(o) ? 'Call to' : 'Call from'} ${o.customer?.name ?? o.caller}`);
  const [body, setBody] = useState(notes);
  const [category, setCategory] = useState(
    o.ivr.menu === '2' ? 'billing' : o.ivr.menu === '3' ? 'technical' : 'orders',
  );
  const [ticket, setTicket] = useState(true);
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const ok = await action.run(async () => {
      await api.calls.disposition(o.callId, disposition);
      if (ticket) {
        await api.tickets.create({
          subject: subject.trim(),
          body: body.trim() || null,
          callId: o.callId,
          customerId: o.customer?.customerId ?? null,
          category,
          disposition,
        });
      }
      if (agentState === 'wrap_up') await api.agent.endWrapUp();
      return true;
    });
    if (ok) onDone();
  };
  return (
    <form class="wrap-up" data-testid="wrap-up" onSubmit={submit}>
      <h2>Wrap-up</h2>
      <Field label="Disposition">
        <select name="disposition" value={disposition} onChange={(e) => setDisposition(inputValue(e))}>
          {DISPOSITIONS.map((d) => (
            <option key={d} value={d}>
              {d.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
      </Field>
      <label class="check">
        <input
          type="checkbox"
          checked={ticket}
          onChange={(e) => setTicket((e.currentTarget as HTMLInputElement).checked)}
        />{' '}
        Create a ticket
      </label>
      {ticket ? (
        <>
          <Field label="Subject">
            <input name="subject" value={subject} onInput={(e) => setSubject(inputValue(e))} required maxLength={255} />
          </Field>
          <Field label="Category">
            <select name="category" value={category} onChange={(e) => setCategory(inputValue(e))}>
              {CATEGORIES.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </Field>
          <Field label="Details">
            <textarea name="body" rows={4} value={body} onInput={(e) => setBody(inputValue(e))} />
          </Field>
        </>
      ) : null}
      <ErrorBox error={action.error} />
      <button type="submit" class="primary" disabled={action.busy}>
        Finish wrap-up
      </button>
    </form>
  );
}
