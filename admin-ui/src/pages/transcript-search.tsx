// "Search what was said" on the Recordings page: admins and supervisors (their queues) find the calls where a phrase
// was said, in the transcripts of the recordings started in a range of days (GET /api/transcripts/search).
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { TranscriptSearchHit, TranscriptSearchResult, User } from '../api/types.js';
import { ErrorBox, Field, fieldErrorsOf, inputValue, num, QueueOptions, useAction, useLoad } from '../components/ui.js';
import { fmtOffset, fmtTime } from '../format.js';

/** Days searched by default: the last week, today included. */
const DEFAULT_DAYS = 7;

const pad2 = (n: number) => String(n).padStart(2, '0');

/** A local date as a date input holds it, 'YYYY-MM-DD'. */
function dayOf(d: Date): string {
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/** The start of 'YYYY-MM-DD' plus `plus` days, in the browser's time zone, as ISO 8601; undefined for no day. */
function startOfDay(day: string, plus = 0): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plus).toISOString();
}

/** The form as first shown: the last DEFAULT_DAYS days, today included, every queue. */
function initialDraft(): Draft {
  const today = new Date();
  const first = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (DEFAULT_DAYS - 1));
  return { q: '', from: dayOf(first), to: dayOf(today), queueId: '' };
}

interface Draft {
  q: string;
  from: string;
  to: string;
  queueId: string;
}

/**
 * `text` folded as the server compares it (NFKC, lower case, runs of white space made one space), with where in
 * `text` each folded character came from (`start`) and where that source character ends (`end`).
 */
function folded(text: string): { text: string; start: number[]; end: number[] } {
  let out = '';
  const start: number[] = [];
  const end: number[] = [];
  let at = 0;
  let space = false;
  for (const ch of text) {
    for (const f of ch.normalize('NFKC').toLowerCase()) {
      const isSpace = /\s/.test(f);
      if (isSpace && space) continue;
      space = isSpace;
      const add = isSpace ? ' ' : f;
      out += add;
      for (let i = 0; i < add.length; i++) {
        start.push(at);
        end.push(at + ch.length);
      }
    }
    at += ch.length;
  }
  return { text: out, start, end };
}

/** The phrase as the server looks for it. */
function needleOf(q: string): string {
  return folded(q.trim()).text.trim();
}

/**
 * A snippet with every occurrence of the phrase (ignoring case and width, as the server matched it) in a <mark>:
 * the string split into text and marks, never markup.
 */
export function highlighted(text: string, q: string): ComponentChildren[] {
  const needle = needleOf(q);
  if (!needle) return [text];
  const hay = folded(text);
  const parts: ComponentChildren[] = [];
  let shown = 0; // in `text`, what is already in parts
  for (let i = hay.text.indexOf(needle); i >= 0; i = hay.text.indexOf(needle, i + needle.length)) {
    const from = hay.start[i]!;
    const to = hay.end[i + needle.length - 1]!;
    if (from < shown) continue;
    if (from > shown) parts.push(text.slice(shown, from));
    parts.push(<mark key={parts.length}>{text.slice(from, to)}</mark>);
    shown = to;
  }
  if (shown < text.length) parts.push(text.slice(shown));
  return parts;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** The days a range covers as read: its start's date to the date of its last moment (`to` is not in it). */
function rangeText(from: string, to: string): string {
  const first = new Date(from);
  const last = new Date(new Date(to).getTime() - 1);
  if (Number.isNaN(first.getTime()) || Number.isNaN(last.getTime())) return `${from} – ${to}`;
  const a = first.toLocaleDateString();
  const b = last.toLocaleDateString();
  return a === b ? a : `${a} – ${b}`;
}

/** The card for admins and supervisors; nothing for anyone else (agents are refused the search). */
export function TranscriptSearch() {
  const me = useLoad(
    () =>
      api.auth.me().then(
        (r) => r.user,
        () => null,
      ),
    [],
  );
  const user = me.data;
  if (!user || (user.role !== 'admin' && user.role !== 'supervisor')) return null;
  return <TranscriptSearchCard user={user} />;
}

function TranscriptSearchCard({ user }: { user: User }) {
  const [draft, setDraft] = useState<Draft>(initialDraft);
  const [result, setResult] = useState<TranscriptSearchResult | null>(null);
  const search = useAction();
  // Only the latest search's answer is shown (an earlier one may land after it).
  const latest = useRef(0);
  const queues = useLoad(() => api.queues.list(), []);
  const agents = useLoad(() => api.agents.list(), []);
  const supervised = user.role === 'supervisor' ? new Set(user.queueIds ?? []) : null;
  const queueOptions = (queues.data?.items ?? []).filter((q) => !supervised || supervised.has(q.id));
  const queueName = (id: number | null) =>
    id === null ? null : (queues.data?.items.find((q) => q.id === id)?.displayName ?? `queue #${id}`);
  const agentName = (id: number | null) =>
    id === null ? null : (agents.data?.items.find((a) => a.id === id)?.name ?? `agent #${id}`);

  const errs = fieldErrorsOf(search.error);
  const shownByField = !!(errs.q || errs.from || errs.to || errs.queueId);
  const set = (key: keyof Draft) => (e: Event) => setDraft({ ...draft, [key]: inputValue(e) });

  const submit = async (e: Event) => {
    e.preventDefault();
    const seq = ++latest.current;
    const r = await search.run(() =>
      api.transcripts.search({
        q: draft.q.trim(),
        from: startOfDay(draft.from),
        // To is a day searched in full: up to the start of the next one.
        to: startOfDay(draft.to, 1),
        queueId: num(draft.queueId),
      }),
    );
    if (seq !== latest.current) return;
    setResult(r ?? null);
  };

  return (
    <section class="card transcript-search-card" data-testid="transcript-search-card">
      <h2>Search what was said</h2>
      <form class="transcript-search-form" data-testid="transcript-search" onSubmit={(e) => void submit(e)}>
        <Field label="Words" error={errs.q}>
          <input
            type="search"
            name="q"
            class="search"
            value={draft.q}
            onInput={set('q')}
            placeholder="e.g. cancel my account"
            maxLength={100}
            required
          />
        </Field>
        <Field label="From" error={errs.from}>
          <input type="date" name="from" value={draft.from} onInput={set('from')} />
        </Field>
        <Field label="To" error={errs.to}>
          <input type="date" name="to" value={draft.to} onInput={set('to')} />
        </Field>
        <Field label="Queue" error={errs.queueId}>
          <select name="queueId" value={draft.queueId} onChange={set('queueId')}>
            <option value="">{supervised ? 'all my queues' : 'all queues'}</option>
            <QueueOptions queues={queueOptions} />
          </select>
        </Field>
        <button class="primary" type="submit" disabled={search.busy}>
          {search.busy ? 'Searching…' : 'Search'}
        </button>
      </form>
      <ErrorBox error={shownByField ? null : search.error} />
      {result ? <SearchResults result={result} queueName={queueName} agentName={agentName} busy={search.busy} /> : null}
    </section>
  );
}

function SearchResults(props: {
  result: TranscriptSearchResult;
  queueName: (id: number | null) => string | null;
  agentName: (id: number | null) => string | null;
  busy: boolean;
}) {
  const { result } = props;
  return (
    <div
      class={props.busy ? 'transcript-search-results busy' : 'transcript-search-results'}
      data-testid="transcript-search-results"
      aria-busy={props.busy ? 'true' : undefined}
    >
      <p class="muted small" data-testid="transcript-search-summary">
        Searched {plural(result.scanned, 'transcript')} of recordings started {rangeText(result.from, result.to)}
        {result.hits.length ? `: ${plural(result.hits.length, 'call')} where “${result.q}” was said.` : '.'}
      </p>
      {result.truncated ? (
        <p class="transcript-search-truncated" data-testid="transcript-search-truncated">
          Not every call is here: there was more to read or more matched than one search answers. Narrow the dates (or
          choose a queue) to see the rest.
        </p>
      ) : null}
      {result.hits.length === 0 ? (
        <p class="transcript-search-none" data-testid="transcript-search-none">
          No call in these days has “{result.q}” in its transcript.
        </p>
      ) : (
        <ol class="transcript-hits">
          {result.hits.map((h) => (
            <Hit
              key={h.recordingId}
              hit={h}
              q={result.q}
              queue={props.queueName(h.queueId)}
              agent={props.agentName(h.agentId)}
            />
          ))}
        </ol>
      )}
    </div>
  );
}

/** One call's recording: when it started, its queue and agent, and where the phrase was said; a link to the call. */
function Hit({
  hit,
  q,
  queue,
  agent,
}: {
  hit: TranscriptSearchHit;
  q: string;
  queue: string | null;
  agent: string | null;
}) {
  const body = (
    <>
      <span class="transcript-hit-head">
        <span class="transcript-hit-time">{fmtTime(hit.startedAt)}</span>
        {queue ? <span class="muted">{queue}</span> : null}
        {agent ? <span class="muted">{agent}</span> : null}
      </span>
      <ul class="transcript-hit-matches">
        {hit.matches.map((m, i) => (
          <li key={i} data-testid="transcript-search-match">
            <span class="match-at" title={m.at === null ? 'in the transcript' : `${m.at} s into the recording`}>
              {m.at === null ? '' : fmtOffset(m.at)}
            </span>
            <span class="match-text" lang={hit.language ?? undefined}>
              {highlighted(m.text, q)}
            </span>
          </li>
        ))}
      </ul>
    </>
  );
  return (
    <li data-testid="transcript-hit" data-recording={hit.recordingId}>
      {hit.callId ? (
        <a class="transcript-hit" href={`#/calls/${encodeURIComponent(hit.callId)}`} title="Open the call">
          {body}
        </a>
      ) : (
        <div class="transcript-hit">{body}</div>
      )}
    </li>
  );
}
