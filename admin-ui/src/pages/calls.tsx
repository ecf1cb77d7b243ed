// Call search with filters, and one call's timeline (its call_events) with its recordings.
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { CALL_STATES, type CallDirection, type CallFilters, type User } from '../api/types.js';
import {
  ErrorBox,
  Field,
  inputValue,
  Loading,
  num,
  PageHeader,
  Pager,
  StateBadge,
  TierBadge,
  useAction,
  useLoad,
} from '../components/ui.js';
import { fmtDuration, fmtTime } from '../format.js';
import { RecordingPlayer } from './recordings.js';
import { CallQuality } from './evaluations.js';

const STATES = ['', ...CALL_STATES];

/** A call's direction as a small marker: In (a customer called) or Out (an agent placed it). */
function DirectionBadge({ direction }: { direction: CallDirection | undefined }) {
  const out = direction === 'outbound';
  return (
    <span
      class={`badge dir dir-${out ? 'outbound' : 'inbound'}`}
      title={out ? 'Outbound: placed by an agent' : 'Inbound'}
    >
      {out ? 'Out' : 'In'}
    </span>
  );
}

/** datetime-local value → ISO (UTC), or undefined. */
function isoOf(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function CallsPage({ user }: { user: User }) {
  const [draft, setDraft] = useState({
    from: '',
    to: '',
    caller: '',
    direction: '',
    queueId: '',
    agentId: '',
    state: '',
    disposition: '',
  });
  const [filters, setFilters] = useState<CallFilters>({ page: 1, pageSize: 50 });
  const queues = useLoad(() => api.queues.list(), []);
  const calls = useLoad(() => api.calls.search(filters), [JSON.stringify(filters)]);
  const queueName = (id: number | null) =>
    id === null ? '—' : (queues.data?.items.find((q) => q.id === id)?.displayName ?? `#${id}`);
  const set = (k: keyof typeof draft) => (e: Event) => setDraft({ ...draft, [k]: inputValue(e) });
  const search = (e: Event) => {
    e.preventDefault();
    setFilters({
      page: 1,
      pageSize: 50,
      from: isoOf(draft.from),
      to: isoOf(draft.to),
      caller: draft.caller.trim() || undefined,
      direction: draft.direction === 'inbound' || draft.direction === 'outbound' ? draft.direction : undefined,
      queueId: num(draft.queueId),
      agentId: user.role === 'agent' ? undefined : num(draft.agentId),
      state: draft.state || undefined,
      disposition: draft.disposition.trim() || undefined,
    });
  };
  const page = calls.data;
  const pages = page ? Math.max(1, Math.ceil(page.total / page.pageSize)) : 1;
  return (
    <div>
      <PageHeader title="Calls" />
      <form class="filters call-filters" onSubmit={search}>
        <Field label="From">
          <input type="datetime-local" value={draft.from} onInput={set('from')} />
        </Field>
        <Field label="To">
          <input type="datetime-local" value={draft.to} onInput={set('to')} />
        </Field>
        <Field label="Number">
          <input name="caller" value={draft.caller} onInput={set('caller')} placeholder="+86…" size={14} />
        </Field>
        <Field label="Direction">
          <select name="direction" value={draft.direction} onChange={set('direction')}>
            <option value="">all</option>
            <option value="inbound">inbound</option>
            <option value="outbound">outbound</option>
          </select>
        </Field>
        <Field label="Queue">
          <select name="queue" value={draft.queueId} onChange={set('queueId')}>
            <option value="">any</option>
            {queues.data?.items.map((q) => (
              <option key={q.id} value={String(q.id)}>
                {q.displayName}
              </option>
            ))}
          </select>
        </Field>
        {user.role !== 'agent' ? (
          <Field label="Agent id">
            <input value={draft.agentId} onInput={set('agentId')} inputMode="numeric" size={6} />
          </Field>
        ) : null}
        <Field label="State">
          <select value={draft.state} onChange={set('state')}>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Disposition">
          <input value={draft.disposition} onInput={set('disposition')} size={10} />
        </Field>
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      <ErrorBox error={calls.error} />
      <Loading when={calls.loading && !page} />
      {page ? (
        <>
          <table class="list" data-testid="calls">
            <thead>
              <tr>
                <th>Arrived</th>
                <th title="In: a customer called; Out: an agent placed the call">Dir</th>
                <th title="The caller, or the number an agent called">Number</th>
                <th>Tier</th>
                <th>Queue</th>
                <th>Agent</th>
                <th>State</th>
                <th>Wait</th>
                <th>Talk</th>
                <th>Disposition</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((c) => (
                <tr key={c.id} class="clickable" onClick={() => (location.hash = `/calls/${encodeURIComponent(c.id)}`)}>
                  <td>{fmtTime(c.arrivedAt)}</td>
                  <td data-direction={c.direction}>
                    <DirectionBadge direction={c.direction} />
                  </td>
                  <td>
                    <a href={`#/calls/${encodeURIComponent(c.id)}`}>{c.callerE164 ?? c.callerRaw ?? 'anonymous'}</a>
                  </td>
                  <td>
                    <TierBadge tier={c.tier} />
                  </td>
                  <td>{queueName(c.queueId)}</td>
                  <td>{c.agentId ?? '—'}</td>
                  <td>
                    <StateBadge state={c.state} />
                  </td>
                  <td>{fmtDuration(c.waitS)}</td>
                  <td>{fmtDuration(c.talkS)}</td>
                  <td>{c.disposition ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.items.length === 0 ? <p class="muted">No calls match.</p> : null}
          <Pager
            page={page.page}
            pages={pages}
            onPage={(p) => setFilters({ ...filters, page: p })}
            suffix={` · ${page.total} calls`}
          />
        </>
      ) : null}
    </div>
  );
}

/** A call event's data: its reason as words, anything else as compact JSON. */
function eventDetail(data: unknown): string | null {
  if (!data || typeof data !== 'object') return null;
  const { reason, ...rest } = data as Record<string, unknown>;
  const extra = Object.keys(rest).length ? JSON.stringify(rest) : '';
  return [typeof reason === 'string' ? reason : '', extra].filter(Boolean).join(' · ') || null;
}

/** A nuisance caller, blocked from their call's page (the Blocked page keeps the list). */
function BlockCaller({ number, callId }: { number: string; callId: string }) {
  const action = useAction();
  const [blocked, setBlocked] = useState(false);
  const block = async () => {
    if (!confirm(`Block ${number}? Their calls will be rejected before they are answered.`)) return;
    const r = await action.run(() => api.blockedCallers.add({ number, reason: `from call ${callId.slice(0, 8)}` }));
    if (r) setBlocked(true);
  };
  if (blocked)
    return (
      <span class="muted" data-testid="caller-blocked">
        {' '}
        · blocked (<a href="#/admin/blocked-callers">Blocked callers</a>)
      </span>
    );
  return (
    <>
      {' '}
      <button class="link" onClick={() => void block()} disabled={action.busy} data-testid="block-caller">
        Block caller
      </button>
      <ErrorBox error={action.error} />
    </>
  );
}

export function CallDetailPage({ id, user }: { id: string; user: User }) {
  const call = useLoad(() => api.calls.get(id), [id]);
  const queues = useLoad(() => api.queues.list(), []);
  const c = call.data;
  return (
    <div>
      <PageHeader title="Call">
        <a class="button" href="#/calls">
          ‹ All calls
        </a>
      </PageHeader>
      <ErrorBox error={call.error} />
      <Loading when={call.loading && !c} />
      {c ? (
        <div class="two-col">
          <section class="card">
            <dl class="facts">
              <dt>Id</dt>
              <dd>
                <code>{c.id}</code>
              </dd>
              <dt>Direction</dt>
              <dd data-testid="call-direction">
                <DirectionBadge direction={c.direction} />{' '}
                {c.direction === 'outbound' ? 'placed by an agent' : 'called in'}
              </dd>
              <dt>{c.direction === 'outbound' ? 'Called' : 'Caller'}</dt>
              <dd>
                {c.callerE164 ?? c.callerRaw ?? 'anonymous'} {c.callerName ? `(${c.callerName})` : ''}{' '}
                <TierBadge tier={c.tier} />
                {user.role !== 'agent' && c.direction === 'inbound' && c.callerE164 ? (
                  <BlockCaller number={c.callerE164} callId={c.id} />
                ) : null}
              </dd>
              <dt>{c.direction === 'outbound' ? 'Caller id' : 'DID'}</dt>
              <dd>{c.did || '—'}</dd>
              <dt>State</dt>
              <dd>
                <StateBadge state={c.state} />
              </dd>
              <dt>Queue / agent</dt>
              <dd>
                {c.queueId === null
                  ? '—'
                  : (queues.data?.items.find((q) => q.id === c.queueId)?.displayName ?? `#${c.queueId}`)}{' '}
                / {c.agentId ?? '—'}
              </dd>
              <dt>Arrived</dt>
              <dd>{fmtTime(c.arrivedAt)}</dd>
              <dt>Answered</dt>
              <dd>{fmtTime(c.answeredAt)}</dd>
              <dt>Ended</dt>
              <dd>{fmtTime(c.endedAt)}</dd>
              <dt>Wait / talk</dt>
              <dd>
                {fmtDuration(c.waitS)} / {fmtDuration(c.talkS)}
              </dd>
              <dt>Disposition</dt>
              <dd>
                {c.disposition ?? '—'}
                {c.agentDisposition ? ` · agent: ${c.agentDisposition}` : ''}
              </dd>
              <dt>Hung up by</dt>
              <dd>{c.hangupSide ?? '—'}</dd>
            </dl>
            <h2>Recordings</h2>
            {c.recordings.length === 0 ? <p class="muted">No recording.</p> : null}
            {c.recordings.map((r) => (
              <RecordingPlayer key={r.id} recording={r} />
            ))}
          </section>
          <section class="card">
            <h2>Timeline</h2>
            <ol class="timeline" data-testid="timeline">
              {c.timeline.map((e) => (
                <li key={e.seq}>
                  <span class="when">{new Date(e.at).toLocaleTimeString()}</span>
                  <span class="event">{e.event}</span>
                  <span class="muted">
                    {e.fromState ?? '∅'} → {e.toState}
                  </span>
                  {eventDetail(e.data) ? <span class="data">{eventDetail(e.data)}</span> : null}
                </li>
              ))}
            </ol>
          </section>
        </div>
      ) : null}
      {c ? <CallQuality callId={c.id} user={user} evaluable={c.endedAt !== null && c.agentId !== null} /> : null}
    </div>
  );
}
