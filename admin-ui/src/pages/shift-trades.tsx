// Shift trades (docs/schedule.md): an agent offers one of their shifts not yet begun to a colleague, or to anyone, as
// a give-away or for one of the colleague's shifts (a swap); the colleague accepts; a supervisor approves, and only
// then do the shifts change hands. In the workspace, My schedule's Trade on each shift (TradeButton) opens the form
// (TradeForm) in the agent's Shift trades card (MyShiftTradesCard: offers to take, their own with the decision); on
// the Schedule page the trades accepted and waiting for a decision (ShiftTradesPanel). Whether a trade can be made is
// the server's to say (its 409 shown where it was asked); the skills a side would lack are only a warning.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { useLive } from '../api/live.js';
import type { Shift, ShiftTrade, ShiftTradeOffer, ShiftTradeStatus, TradeCandidate, TradeShift } from '../api/types.js';
import {
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

const STATUS_LABELS: Record<ShiftTradeStatus, string> = {
  offered: 'offered',
  accepted: 'accepted',
  approved: 'approved',
  rejected: 'refused',
  declined: 'declined',
  cancelled: 'withdrawn',
};
const STATUS_TITLES: Record<ShiftTradeStatus, string> = {
  offered: 'Waiting for the colleague to accept',
  accepted: 'Accepted: waiting for a supervisor to approve',
  approved: 'Approved: the shifts changed hands',
  rejected: 'Refused by a supervisor',
  declined: 'Declined by the colleague',
  cancelled: 'Withdrawn',
};
/** The fields the offer form shows the server's reasons under (the rest go in the box under it). */
const FORM_FIELDS = new Set(['toAgentId', 'swapShiftId', 'note']);

/** Offered or accepted: not decided yet, so the shifts are spoken for. */
const live = (t: ShiftTrade): boolean => t.status === 'offered' || t.status === 'accepted';

/** "Thu 10 Dec 09:00–17:00". */
function shiftLabel(s: Pick<TradeShift, 'day' | 'startTime' | 'endTime'>): string {
  return `${dayLabel(s.day)} ${s.startTime}–${s.endTime}`;
}

/** A trade's shift, or what is left of it: removing a shift removes its trades, so this is a passing state. */
const shiftOf = (s: TradeShift | null): string => (s ? shiftLabel(s) : 'a shift since removed');

function TradeBadge({ trade }: { trade: ShiftTrade }) {
  // An expired trade's status no longer matters: it cannot be made.
  return trade.expired ? (
    <span
      class="badge trade-expired"
      data-testid="trade-status"
      title="A shift in it has begun: it can no longer be made"
    >
      expired
    </span>
  ) : (
    <span class={`badge trade-${trade.status}`} data-testid="trade-status" title={STATUS_TITLES[trade.status]}>
      {STATUS_LABELS[trade.status]}
    </span>
  );
}

/**
 * The skills each side would lack, "Bob lacks billing · Alice lacks sales" (`you` for the signed-in agent), or null.
 * The taker lacks some of the offering agent's skills; for a swap, the offering agent some of the taker's.
 */
function lacksText(t: ShiftTrade, me: number | null): string | null {
  const side = (id: number | null, name: string | null, lacks: readonly string[]) =>
    id !== null && id === me ? `you lack ${lacks.join(', ')}` : `${name ?? 'the taker'} lacks ${lacks.join(', ')}`;
  const parts = [
    ...(t.takerLacks.length ? [side(t.toAgentId, t.toAgentName, t.takerLacks)] : []),
    ...(t.giverLacks.length ? [side(t.fromAgentId, t.fromAgentName, t.giverLacks)] : []),
  ];
  if (parts.length === 0) return null;
  const text = parts.join(' · ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// --- the agent's own (the workspace) ------------------------------------------------------------------------------

/**
 * The trades of the signed-in agent's whose shift is today (the contact center's) or later, and the offers open to
 * anyone, read again on every `shift-trade.changed`. Nothing is read until today is known; an agent not bound to an
 * agents row has no trades to read.
 */
export function useMyShiftTrades(agentId: number | null, today: string): Loaded<{ items: ShiftTrade[] } | undefined> {
  const list = useLoad(
    async () => (today && agentId !== null ? api.shiftTrades.list({ from: today, agentId }) : undefined),
    [agentId, today],
  );
  const { reload } = list;
  useLive(
    (m) => {
      if (m.type === 'shift-trade.changed') reload();
    },
    [reload],
  );
  return list;
}

/** How a trade stands to the signed-in agent; null when it is none of theirs. */
type Side = 'to-me' | 'open' | 'mine' | 'taken';
const SIDE_ORDER: readonly Side[] = ['to-me', 'open', 'mine', 'taken'];

function sideOf(t: ShiftTrade, me: number | null): Side | null {
  if (me === null) return null;
  if (t.fromAgentId === me) return 'mine';
  if (t.toAgentId === me) return t.status === 'offered' ? 'to-me' : 'taken';
  if (t.toAgentId === null && t.status === 'offered') return 'open';
  return null;
}

/** The live trade, if any, that `shift` is in (given or asked for): My schedule then says so instead of Trade. */
function tradeOfShift(trades: readonly ShiftTrade[], shiftId: number): ShiftTrade | undefined {
  return trades.find((t) => live(t) && (t.shift?.id === shiftId || t.swapShift?.id === shiftId));
}

/** My schedule's action on a shift not begun: **Trade**, or "in a trade" for a shift already offered or asked for. */
export function TradeButton(props: {
  shift: Shift;
  trades: readonly ShiftTrade[] | undefined;
  active: boolean;
  onTrade: (s: Shift) => void;
}) {
  const inTrade = props.trades ? tradeOfShift(props.trades, props.shift.id) : undefined;
  if (inTrade)
    return (
      <span
        class={`badge trade-${inTrade.status} my-schedule-action`}
        data-testid="my-schedule-trade"
        title={STATUS_TITLES[inTrade.status]}
      >
        in a trade
      </span>
    );
  return (
    <button
      type="button"
      class={`small my-schedule-action${props.active ? ' active' : ''}`}
      aria-pressed={props.active}
      aria-label={`Trade ${shiftLabel(props.shift)}`}
      onClick={() => props.onTrade(props.shift)}
      title="Offer this shift to a colleague, or swap it for one of theirs"
    >
      Trade
    </button>
  );
}

/** The card's first column: the shift's day over its hours, as My schedule's day column. */
function ShiftCell({ shift }: { shift: TradeShift | null }) {
  return shift ? (
    <span class="my-trade-shift">
      <span>{dayLabel(shift.day)}</span>{' '}
      <span>
        {shift.startTime}–{shift.endTime}
      </span>
    </span>
  ) : (
    <span class="my-trade-shift muted">{shiftOf(shift)}</span>
  );
}

/** What a trade is, from the signed-in agent's side: to whom, from whom, for what. */
function TradeWhat({ trade: t, side }: { trade: ShiftTrade; side: Side }) {
  const swap = t.swapShift ? shiftOf(t.swapShift) : null;
  if (side === 'mine')
    return (
      <>
        to {t.toAgentName ?? 'anyone'}
        {swap ? `, for their ${swap}` : ''}
      </>
    );
  if (side === 'open') return <>from {t.fromAgentName}, open to anyone</>;
  return (
    <>
      from {t.fromAgentName}
      {swap ? `, for your ${swap}` : ''}
    </>
  );
}

/**
 * The agent's shift trades from today on, offers to them first (**Accept**, **Decline**), then those open to anyone
 * (**Take**), then their own (**Withdraw** while not decided) and those they took, each with its status, note, the
 * skills a side would lack and the supervisor's note; withdrawn ones drop out. `trading`, a shift from My schedule,
 * opens the offer form at the top.
 */
export function MyShiftTradesCard(props: {
  list: Loaded<{ items: ShiftTrade[] } | undefined>;
  me: number | null;
  trading: Shift | null;
  onTradeClose: () => void;
  onChanged: () => void;
}) {
  const action = useAction();
  const listed = props.list.data?.items
    .filter((t) => t.status !== 'cancelled')
    .map((t) => ({ t, side: sideOf(t, props.me) }))
    .filter((x): x is { t: ShiftTrade; side: Side } => x.side !== null)
    // Stable: newest first within each side, as the server lists them.
    .sort((a, b) => SIDE_ORDER.indexOf(a.side) - SIDE_ORDER.indexOf(b.side));
  const run = async (fn: () => Promise<ShiftTrade>) => {
    await action.run(fn);
    // Read again either way: a refusal (taken meanwhile, withdrawn) means the list was out of date.
    props.onChanged();
  };
  const withdraw = (t: ShiftTrade) => {
    if (t.status === 'accepted' && !confirm(`${t.toAgentName ?? 'A colleague'} has accepted it. Withdraw the trade?`))
      return;
    void run(() => api.shiftTrades.cancel(t.id));
  };
  return (
    <section class="card my-shift-trades" data-testid="my-shift-trades">
      <h2>Shift trades</h2>
      {props.trading ? (
        <TradeForm
          key={props.trading.id}
          shift={props.trading}
          onCancel={props.onTradeClose}
          onDone={() => {
            props.onTradeClose();
            props.onChanged();
          }}
        />
      ) : null}
      <ErrorBox error={props.list.error ?? action.error} />
      {!listed ? null : listed.length === 0 ? (
        <p class="muted small" data-testid="my-shift-trades-none">
          No trades. <strong>Trade</strong> on a shift in My schedule offers it to a colleague.
        </p>
      ) : (
        <ul class="my-trade-list">
          {listed.map(({ t, side }) => {
            const lacks = lacksText(t, props.me);
            const open = live(t) && !t.expired;
            const buttons =
              side === 'to-me' && open ? (
                <>
                  <button
                    type="button"
                    class="primary small"
                    disabled={action.busy}
                    onClick={() => void run(() => api.shiftTrades.accept(t.id))}
                  >
                    Accept
                  </button>
                  <button
                    type="button"
                    class="small"
                    disabled={action.busy}
                    onClick={() => void run(() => api.shiftTrades.decline(t.id))}
                  >
                    Decline
                  </button>
                </>
              ) : side === 'open' && open ? (
                <button
                  type="button"
                  class="primary small"
                  disabled={action.busy}
                  onClick={() => void run(() => api.shiftTrades.accept(t.id))}
                  title="Yours once a supervisor approves"
                >
                  Take
                </button>
              ) : side === 'mine' && live(t) ? (
                <button type="button" class="link small" disabled={action.busy} onClick={() => withdraw(t)}>
                  Withdraw
                </button>
              ) : null;
            return (
              <li key={t.id} data-trade={t.id} data-status={t.status} data-side={side}>
                <ShiftCell shift={t.shift} />
                <span class="my-trade-what">
                  <TradeWhat trade={t} side={side} /> <TradeBadge trade={t} />
                  {t.note ? <span class="muted small"> · {t.note}</span> : null}
                  {lacks && live(t) ? (
                    <span class="my-trade-line warn small" data-testid="trade-lacks">
                      {lacks}
                    </span>
                  ) : null}
                  {t.decisionNote ? (
                    <span class="my-trade-line muted small" data-testid="trade-reply">
                      Supervisor: “{t.decisionNote}”
                    </span>
                  ) : null}
                  {/* Under the words, not beside them: the card is as narrow as My schedule. */}
                  {buttons ? <span class="my-trade-actions">{buttons}</span> : null}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

// --- offering a shift ---------------------------------------------------------------------------------------------

type Kind = 'give' | 'swap';
interface Draft {
  /** '' for anyone (a give-away only). */
  toAgentId: string;
  kind: Kind;
  swapShiftId: string;
  note: string;
}

function offerOf(shiftId: number, d: Draft): ShiftTradeOffer {
  const note = d.note.trim();
  return {
    shiftId,
    toAgentId: d.toAgentId ? Number(d.toAgentId) : null,
    ...(d.kind === 'swap' && d.swapShiftId ? { swapShiftId: Number(d.swapShiftId) } : {}),
    ...(note ? { note } : {}),
  };
}

function candidateText(c: TradeCandidate): string {
  const lacks = c.lacks.length ? ` (lacks ${c.lacks.join(', ')})` : '';
  return c.busy ? `${c.name} — ${c.busy}${lacks}` : `${c.name}${lacks}`;
}

/**
 * Offers `shift`: to anyone or a colleague (those free then first; one busy then cannot be given it, though a swap
 * for the very shift that keeps them busy may work), as a give-away or for one of the colleague's shifts, with a note.
 */
function TradeForm(props: { shift: Shift; onCancel: () => void; onDone: () => void }) {
  const { shift } = props;
  const candidates = useLoad(() => api.shiftTrades.candidates(shift.id), [shift.id]);
  const [d, setD] = useState<Draft>({ toAgentId: '', kind: 'give', swapShiftId: '', note: '' });
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  const boxed = Object.keys(errs).some((k) => FORM_FIELDS.has(k)) ? null : action.error;
  // Opened from My schedule, above: the form brought into view.
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => ref.current?.scrollIntoView({ block: 'nearest' }), []);

  const items = candidates.data?.items ?? [];
  const chosen = items.find((c) => String(c.agentId) === d.toAgentId);
  const swap = d.kind === 'swap';
  const setKind = (kind: Kind) =>
    // A colleague busy then stays chosen for a swap only; a give-away to them could not be made.
    setD({ ...d, kind, swapShiftId: '', toAgentId: kind === 'give' && chosen?.busy ? '' : d.toAgentId });
  const submit = async (e: Event) => {
    e.preventDefault();
    const made = await action.run(() => api.shiftTrades.offer(offerOf(shift.id, d)));
    if (made) props.onDone();
  };
  return (
    <form ref={ref} class="trade-form" onSubmit={(e) => void submit(e)} data-testid="trade-form">
      <h3>Trade {shiftLabel(shift)}</h3>
      <div class="add-inline">
        <Field label="Colleague" error={errs.toAgentId}>
          <select
            name="toAgentId"
            value={d.toAgentId}
            onChange={(e) => setD({ ...d, toAgentId: inputValue(e), swapShiftId: '' })}
            required={swap}
            disabled={!candidates.data}
          >
            <option value="">{swap ? 'Choose a colleague' : 'Anyone'}</option>
            <optgroup label="Free then">
              {items
                .filter((c) => !c.busy)
                .map((c) => (
                  <option key={c.agentId} value={String(c.agentId)}>
                    {candidateText(c)}
                  </option>
                ))}
            </optgroup>
            <optgroup label="Busy then">
              {items
                .filter((c) => c.busy)
                .map((c) => (
                  <option key={c.agentId} value={String(c.agentId)} disabled={!swap}>
                    {candidateText(c)}
                  </option>
                ))}
            </optgroup>
          </select>
        </Field>
        <fieldset class="trade-kind">
          <legend>Kind</legend>
          <label>
            <input type="radio" name="kind" value="give" checked={!swap} onChange={() => setKind('give')} /> Give away
          </label>
          <label>
            <input type="radio" name="kind" value="swap" checked={swap} onChange={() => setKind('swap')} /> Swap for one
            of theirs
          </label>
        </fieldset>
        {swap && chosen ? (
          <Field label={`${chosen.name}'s shift`} error={errs.swapShiftId}>
            {chosen.shifts.length === 0 ? (
              <span class="muted small trade-no-shifts">None within a week of it</span>
            ) : (
              <select
                name="swapShiftId"
                value={d.swapShiftId}
                onChange={(e) => setD({ ...d, swapShiftId: inputValue(e) })}
                required
              >
                <option value="">Choose a shift</option>
                {chosen.shifts.map((s) => (
                  <option key={s.id} value={String(s.id)}>
                    {shiftLabel(s)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        <Field label="Note" error={errs.note} hint="optional">
          <input
            name="note"
            value={d.note}
            onInput={(e) => setD({ ...d, note: inputValue(e) })}
            size={18}
            maxLength={200}
          />
        </Field>
      </div>
      {chosen && chosen.lacks.length > 0 ? (
        <p class="warn small" data-testid="trade-form-lacks">
          {chosen.name} lacks {chosen.lacks.join(', ')}, which you have: the supervisor will see it.
        </p>
      ) : null}
      <ErrorBox error={candidates.error ?? boxed} />
      <div class="row">
        <button
          class="primary"
          type="submit"
          disabled={action.busy || !candidates.data || (swap && chosen?.shifts.length === 0)}
        >
          Offer
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

// --- the Schedule page --------------------------------------------------------------------------------------------

/**
 * The trades accepted and waiting for a supervisor (for the page's count and the panel), read again on every
 * `shift-trade.changed` (staff are sent them all). `onApproved` runs when any trade is approved, here or elsewhere:
 * the shifts moved, and the page shows them.
 */
export function useTradesWaiting(onApproved: () => void): Loaded<{ items: ShiftTrade[] }> {
  const list = useLoad(() => api.shiftTrades.list({ status: 'accepted' }), []);
  const { reload } = list;
  // The latest callback, without subscribing anew on every render of the page.
  const approved = useRef(onApproved);
  approved.current = onApproved;
  useLive(
    (m) => {
      if (m.type !== 'shift-trade.changed') return;
      reload();
      if (m.status === 'approved') approved.current();
    },
    [reload],
  );
  return list;
}

/**
 * The trades accepted and waiting (`waiting`, read by the page for its count): both shifts, both agents, the skills a
 * side would lack, the notes; each with an optional note, **Approve** (the shifts change hands) and **Refuse**.
 * `onChanged` after each.
 */
export function ShiftTradesPanel(props: {
  waiting: Loaded<{ items: ShiftTrade[] }>;
  day: string;
  onClose: () => void;
  onChanged: () => void;
  onGo: (day: string) => void;
}) {
  /** The trade last decided here, said above the list. */
  const [done, setDone] = useState<ShiftTrade | null>(null);
  const items = props.waiting.data?.items;
  const after = (trade: ShiftTrade) => {
    setDone(trade);
    props.waiting.reload();
    props.onChanged();
  };
  return (
    <section class="card editor shift-trades-panel" data-testid="shift-trades-panel">
      <div class="section-head">
        <h2>
          Shift trades
          {items && items.length > 0 ? (
            <span class="count-badge" data-testid="shift-trades-waiting">
              {items.length}
            </span>
          ) : null}
        </h2>
        <span class="muted">accepted by a colleague and waiting for a decision; approving moves the shifts</span>
        <button type="button" class="link push-right" onClick={props.onClose}>
          Close
        </button>
      </div>
      {done ? <DecidedNotice trade={done} shown={props.day} onGo={props.onGo} onDismiss={() => setDone(null)} /> : null}
      <ErrorBox error={props.waiting.error} />
      {!items ? null : items.length === 0 ? (
        <p class="muted" data-testid="shift-trades-none">
          No trades waiting.
        </p>
      ) : (
        <table class="list compact shift-trades-waiting" data-testid="shift-trades-list">
          <thead>
            <tr>
              <th>Shift</th>
              <th>From</th>
              <th>To</th>
              <th>In return</th>
              <th>Note</th>
              <th>Decision</th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <WaitingRow key={t.id} trade={t} onDecided={after} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** "Approved: Alice's Thu 10 Dec 09:00–17:00 goes to Bob, Bob's Fri 11 Dec 13:00–21:00 to Alice." */
function DecidedNotice(props: {
  trade: ShiftTrade;
  shown: string;
  onGo: (day: string) => void;
  onDismiss: () => void;
}) {
  const t = props.trade;
  const to = t.toAgentName ?? 'the colleague';
  const moved = t.status === 'approved';
  const day = t.shift?.day;
  return (
    <p class="notice" role="status" data-testid="shift-trade-result">
      {moved ? (
        <>
          Approved: {t.fromAgentName}'s {shiftOf(t.shift)} goes to {to}
          {t.swapShift ? `, ${to}'s ${shiftLabel(t.swapShift)} to ${t.fromAgentName}` : ''}.
        </>
      ) : (
        <>
          Refused {t.fromAgentName}'s trade of {shiftOf(t.shift)} with {to}.
        </>
      )}{' '}
      {moved && day && day !== props.shown ? (
        <>
          <button class="link" onClick={() => props.onGo(day)}>
            Show {dayLabel(day)}
          </button>{' '}
        </>
      ) : null}
      <button class="link" onClick={props.onDismiss}>
        Dismiss
      </button>
    </p>
  );
}

function WaitingRow(props: { trade: ShiftTrade; onDecided: (t: ShiftTrade) => void }) {
  const t = props.trade;
  const lacks = (names: readonly string[]) =>
    names.length ? (
      <span class="trade-lacks warn small" data-testid="trade-lacks">
        lacks {names.join(', ')}
      </span>
    ) : null;
  const unavailable = (available: boolean | null) =>
    available === false ? (
      <span class="trade-lacks warn small" data-testid="trade-unavailable">
        outside their availability
      </span>
    ) : null;
  return (
    <tr data-trade={t.id}>
      <td class="nowrap">
        {shiftOf(t.shift)}
        {t.expired ? (
          <>
            {' '}
            <TradeBadge trade={t} />
          </>
        ) : null}
      </td>
      <td>
        {t.fromAgentName}
        {lacks(t.giverLacks)}
        {unavailable(t.giverAvailable)}
      </td>
      <td>
        {t.toAgentName}
        {lacks(t.takerLacks)}
        {unavailable(t.takerAvailable)}
      </td>
      <td class="nowrap">{t.swapShift ? shiftLabel(t.swapShift) : <span class="muted">nothing: given away</span>}</td>
      <td>{t.note ?? <span class="muted">—</span>}</td>
      <DecisionCell
        noteTo={`${t.fromAgentName} and ${t.toAgentName ?? 'the colleague'}`}
        approveLabel="Approve"
        approveDisabled={t.expired}
        approveTitle={t.expired ? 'A shift in it has begun' : 'The shifts change hands'}
        testIds={{ approve: 'shift-trade-approve', refuse: 'shift-trade-refuse' }}
        decide={(d) => api.shiftTrades.decide(t.id, d)}
        onDecided={(_, result) => props.onDecided(result)}
      />
    </tr>
  );
}
