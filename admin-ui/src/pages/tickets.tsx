// Tickets: the ones agents wrote at wrap-up and the ones made for handled calls without one ("auto"), with the
// background analysis (sentiment, summary, keyword tags), filters, and a detail panel that changes the status.
// The server decides what each role sees: agents their own tickets, supervisors those of their queues' calls.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import {
  SENTIMENTS,
  TICKET_STATUSES,
  type Queue,
  type SentimentLabel,
  type Ticket,
  type TicketFilters,
  type TicketSource,
  type TicketStatus,
  type User,
} from '../api/types.js';
import { navigate } from '../router.js';
import {
  ErrorBox,
  Field,
  fieldErrorsOf,
  inputValue,
  Loading,
  PageHeader,
  Pager,
  useAction,
  useLoad,
} from '../components/ui.js';
import { fmtTime } from '../format.js';
import { RecordingPlayer } from './recordings.js';

const PAGE_SIZE = 50;
const SOURCES: readonly TicketSource[] = ['agent', 'auto'];
const LANGUAGES: Record<string, string> = { en: 'English', zh: 'Chinese' };
/** While a shown ticket waits for its analysis, it is read again this often (for at most ANALYSIS_POLLS times). */
const ANALYSIS_POLL_MS = 2000;
const ANALYSIS_POLLS = 30;

/** The analysis's own thresholds (VADER's usual ±0.05), as the server's sentiment filter uses them. */
export function sentimentOf(score: number): SentimentLabel {
  return score < -0.05 ? 'negative' : score > 0.05 ? 'positive' : 'neutral';
}

function fmtScore(score: number): string {
  return `${score > 0 ? '+' : ''}${score.toFixed(2)}`;
}

export function SentimentBadge({ score }: { score: number | null }) {
  if (score === null)
    return (
      <span class="muted" title="not analysed yet, or nothing to analyse" data-sentiment="none">
        —
      </span>
    );
  const label = sentimentOf(score);
  return (
    <span class={`badge sentiment-${label}`} data-sentiment={label} title={`sentiment score ${score}`}>
      {label} {fmtScore(score)}
    </span>
  );
}

function StatusBadge({ status }: { status: string }) {
  return <span class={`badge ticket-${status}`}>{status}</span>;
}

function Tags({ tags }: { tags: readonly string[] }) {
  if (tags.length === 0) return <span class="muted">—</span>;
  return (
    <span class="chips">
      {tags.map((t) => (
        <span key={t} class="chip">
          {t}
        </span>
      ))}
    </span>
  );
}

interface Draft {
  status: string;
  sentiment: string;
  source: string;
  q: string;
  tag: string;
}
const NO_FILTERS: Draft = { status: '', sentiment: '', source: '', q: '', tag: '' };

function filtersOf(d: Draft): TicketFilters {
  return {
    page: 1,
    pageSize: PAGE_SIZE,
    status: (d.status || undefined) as TicketStatus | undefined,
    sentiment: (d.sentiment || undefined) as SentimentLabel | undefined,
    source: (d.source || undefined) as TicketSource | undefined,
    q: d.q.trim() || undefined,
    tag: d.tag.trim() || undefined,
  };
}

/** `selected` is the id in the hash (#/tickets/<id>), or null for the list alone. */
export function TicketsPage({ user, selected }: { user: User; selected: string | null }) {
  const [draft, setDraft] = useState<Draft>(NO_FILTERS);
  const [filters, setFilters] = useState<TicketFilters>(filtersOf(NO_FILTERS));
  const list = useLoad(() => api.tickets.search(filters), [JSON.stringify(filters)]);
  // Only for queue names in the detail; a role that may not list queues just sees ids.
  const queues = useLoad(() => api.queues.list(), []);
  const selectedId = selected === null ? null : Number(selected);
  const set = (k: keyof Draft) => (e: Event) => setDraft({ ...draft, [k]: inputValue(e) });
  const search = (e: Event) => {
    e.preventDefault();
    setFilters(filtersOf(draft));
  };
  const page = list.data;
  const pages = page ? Math.max(1, Math.ceil(page.total / page.pageSize)) : 1;

  return (
    <div class="tickets">
      <PageHeader title="Tickets">
        {user.role === 'agent' ? <span class="muted">your tickets</span> : null}
        <button onClick={list.reload} disabled={list.loading}>
          Refresh
        </button>
      </PageHeader>
      <form class="filters" onSubmit={search} data-testid="ticket-filters">
        <AnyOf label="Status" name="status" value={draft.status} options={TICKET_STATUSES} onChange={set('status')} />
        <AnyOf
          label="Sentiment"
          name="sentiment"
          value={draft.sentiment}
          options={SENTIMENTS}
          onChange={set('sentiment')}
        />
        <AnyOf
          label="Source"
          name="source"
          value={draft.source}
          options={SOURCES}
          onChange={set('source')}
          titles={{ auto: 'made for a handled call without an agent ticket' }}
        />
        <Field label="Subject contains">
          <input name="q" class="search" value={draft.q} onInput={set('q')} maxLength={128} />
        </Field>
        <Field label="Tag">
          <input name="tag" value={draft.tag} onInput={set('tag')} size={12} maxLength={64} />
        </Field>
        <button type="submit" class="primary">
          Search
        </button>
        <button
          type="button"
          onClick={() => {
            setDraft(NO_FILTERS);
            setFilters(filtersOf(NO_FILTERS));
          }}
        >
          Clear
        </button>
      </form>
      <ErrorBox error={list.error} />
      <Loading when={list.loading && !page} />
      <div class={selectedId === null ? 'tickets-layout' : 'tickets-layout with-detail'}>
        <div class="tickets-list">
          {page ? (
            <>
              <table class="list" data-testid="tickets">
                <thead>
                  <tr>
                    <th class="num">#</th>
                    <th>Created</th>
                    <th>Subject</th>
                    <th>Status</th>
                    <th>Sentiment</th>
                    <th>Tags</th>
                    <th>Source</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((t) => (
                    <tr
                      key={t.id}
                      data-ticket={t.id}
                      class={t.id === selectedId ? 'clickable selected' : 'clickable'}
                      onClick={() => navigate(`/tickets/${t.id}`)}
                    >
                      <td class="num">{t.id}</td>
                      <td class="nowrap">{fmtTime(t.createdAt)}</td>
                      <td class="subject">
                        <a href={`#/tickets/${t.id}`}>{t.subject}</a>
                      </td>
                      <td>
                        <StatusBadge status={t.status} />
                      </td>
                      <td class="sentiment">
                        <SentimentBadge score={t.sentiment} />
                      </td>
                      <td>
                        <Tags tags={t.tags ?? []} />
                      </td>
                      <td>
                        <span class={`badge source-${t.source}`}>{t.source}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {page.items.length === 0 ? (
                <p class="muted empty" data-testid="tickets-empty">
                  No tickets match.
                </p>
              ) : null}
              <Pager
                page={page.page}
                pages={pages}
                onPage={(p) => setFilters({ ...filters, page: p })}
                suffix={` · ${page.total} ${page.total === 1 ? 'ticket' : 'tickets'}`}
                labelTestid="tickets-count"
              />
            </>
          ) : null}
        </div>
        {selectedId !== null ? (
          Number.isInteger(selectedId) && selectedId > 0 ? (
            <TicketDetail
              key={selectedId}
              id={selectedId}
              queues={queues.data?.items ?? []}
              onSaved={list.reload}
              onClose={() => navigate('/tickets')}
            />
          ) : (
            <p class="error">No ticket {selected}.</p>
          )
        ) : null}
      </div>
    </div>
  );
}

function TicketDetail({
  id,
  queues,
  onSaved,
  onClose,
}: {
  id: number;
  queues: readonly Queue[];
  onSaved: () => void;
  onClose: () => void;
}) {
  const loaded = useLoad(() => api.tickets.get(id), [id]);
  const [ticket, setTicket] = useState<Ticket | undefined>(undefined);
  const [status, setStatus] = useState<TicketStatus | ''>('');
  const [saved, setSaved] = useState(false);
  const [polls, setPolls] = useState(0);
  const save = useAction();

  useEffect(() => {
    if (!loaded.data) return;
    setTicket(loaded.data);
    setStatus((s) => s || loaded.data!.status);
  }, [loaded.data]);

  // A ticket just written is analysed in the background a moment later: read it again until that happened.
  const waiting = !!ticket && ticket.analysedAt === null && polls < ANALYSIS_POLLS;
  useEffect(() => {
    if (!waiting) return;
    const t = setTimeout(() => {
      setPolls((n) => n + 1);
      loaded.reload();
    }, ANALYSIS_POLL_MS);
    return () => clearTimeout(t);
  }, [waiting, polls]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!ticket || !status) return;
    setSaved(false);
    const r = await save.run(() => api.tickets.update(ticket.id, { status }));
    if (r) {
      setTicket(r);
      setStatus(r.status);
      setSaved(true);
      onSaved();
    }
  };

  const t = ticket;
  const queueName = (qid: number | null) =>
    qid === null ? '—' : (queues.find((q) => q.id === qid)?.displayName ?? `#${qid}`);
  return (
    <section class="card ticket-detail" data-testid="ticket-detail">
      <div class="section-head">
        <h2 data-testid="ticket-subject">{t ? `#${t.id} ${t.subject}` : `Ticket #${id}`}</h2>
        <button class="link close" onClick={onClose} title="close" aria-label="close">
          ✕
        </button>
      </div>
      <ErrorBox error={loaded.error} />
      <Loading when={loaded.loading && !t} />
      {t ? (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={t.status} />
            </dd>
            <dt>Sentiment</dt>
            <dd data-testid="ticket-sentiment">
              <SentimentBadge score={t.sentiment} />
            </dd>
            <dt>Language</dt>
            <dd>{t.language ? (LANGUAGES[t.language] ?? t.language) : '—'}</dd>
            <dt>Tags</dt>
            <dd data-testid="ticket-tags">
              <Tags tags={t.tags ?? []} />
            </dd>
            <dt>Category</dt>
            <dd>{t.category ?? '—'}</dd>
            <dt>Disposition</dt>
            <dd>{t.disposition ?? '—'}</dd>
            <dt>Source</dt>
            <dd>
              {t.source === 'auto' ? 'auto: made for a handled call without an agent ticket' : 'written by the agent'}
            </dd>
            <dt>Call</dt>
            <dd>
              {t.callId ? (
                <a href={`#/calls/${encodeURIComponent(t.callId)}`} data-testid="ticket-call">
                  <code>{t.callId}</code>
                </a>
              ) : (
                '—'
              )}
            </dd>
            <dt>Queue / agent</dt>
            <dd>
              {queueName(t.queueId)} / {t.agentId ?? '—'}
            </dd>
            <dt>Customer</dt>
            <dd>{t.customerId ?? '—'}</dd>
            <dt>Created</dt>
            <dd>{fmtTime(t.createdAt)}</dd>
            <dt>Updated</dt>
            <dd>{fmtTime(t.updatedAt)}</dd>
            <dt>Analysed</dt>
            <dd>{t.analysedAt ? fmtTime(t.analysedAt) : <span class="muted">not yet</span>}</dd>
          </dl>

          <h3>Summary</h3>
          {t.summary ? (
            <p class="summary" data-testid="ticket-summary">
              {t.summary}
            </p>
          ) : (
            <p class="muted" data-testid="ticket-summary">
              {t.analysedAt ? 'Nothing to summarise.' : 'Not analysed yet.'}
            </p>
          )}

          <h3>Notes</h3>
          {t.body ? (
            <div class="ticket-body" data-testid="ticket-body">
              {t.body}
            </div>
          ) : (
            <p class="muted" data-testid="ticket-body">
              No notes.
            </p>
          )}

          {t.recordingId ? (
            <>
              <h3>Recording</h3>
              <TicketRecording recordingId={t.recordingId} callId={t.callId} />
            </>
          ) : null}

          <form class="filters status-form" onSubmit={submit} data-testid="ticket-status">
            <Field label="Status" error={fieldErrorsOf(save.error).status}>
              <select
                name="status"
                value={status}
                onChange={(e) => {
                  setSaved(false);
                  setStatus(inputValue(e) as TicketStatus);
                }}
              >
                {TICKET_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </Field>
            <button type="submit" class="primary" disabled={save.busy || status === t.status}>
              Save
            </button>
            {saved ? (
              <span class="ok" data-testid="ticket-saved">
                Saved.
              </span>
            ) : null}
          </form>
          <ErrorBox error={save.error} />
        </>
      ) : null}
    </section>
  );
}

/** The recording of the ticket's call: the usual player when the recording list has it, else a bare one by id. */
function TicketRecording({ recordingId, callId }: { recordingId: string; callId: string | null }) {
  const recs = useLoad(
    () => (callId ? api.recordings.search({ callId, pageSize: 50 }) : Promise.resolve(undefined)),
    [recordingId, callId],
  );
  const rec = recs.data?.items.find((r) => r.id === recordingId);
  if (rec) return <RecordingPlayer recording={rec} />;
  if (recs.loading) return <Loading when />;
  return <PlayById id={recordingId} />;
}

function PlayById({ id }: { id: string }) {
  const [src, setSrc] = useState<string | null>(null);
  const action = useAction();
  return (
    <div class="recording">
      {src ? (
        <audio controls autoplay src={src} preload="none" />
      ) : (
        <button
          disabled={action.busy}
          onClick={() => void action.run(() => api.recordings.link(id)).then((r) => r && setSrc(r.url))}
        >
          ▶ Play
        </button>
      )}
      <ErrorBox error={action.error} />
    </div>
  );
}

/** A filter select whose empty choice is "any". */
function AnyOf(props: {
  label: string;
  name: string;
  value: string;
  options: readonly string[];
  onChange: (e: Event) => void;
  titles?: Readonly<Record<string, string>>;
}) {
  return (
    <Field label={props.label}>
      <select name={props.name} value={props.value} onChange={props.onChange}>
        <option value="">any</option>
        {props.options.map((o) => (
          <option key={o} value={o} title={props.titles?.[o]}>
            {o}
          </option>
        ))}
      </select>
    </Field>
  );
}
