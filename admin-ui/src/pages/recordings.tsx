// Recording search and in-browser playback through a short-lived signed link (the server checks who may play).
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Recording } from '../api/types.js';
import { ErrorBox, Field, Loading, PageHeader, inputValue, useAction, useLoad } from '../components/ui.js';
import { fmtDuration, fmtTime } from '../format.js';

export function RecordingPlayer({ recording }: { recording: Recording }) {
  const [src, setSrc] = useState<string | null>(null);
  const action = useAction();
  const playable =
    recording.state === 'stored' ||
    recording.state === 'uploaded' ||
    recording.state === 'ready' ||
    recording.state === 'replicated';
  return (
    <div class="recording">
      <span>
        {fmtTime(recording.startedAt)} · {fmtDuration(recording.durationS)} ·{' '}
        <span class="muted">{recording.state}</span>
      </span>
      {src ? (
        <audio controls autoplay src={src} preload="none" />
      ) : (
        <button
          disabled={action.busy}
          title={playable ? '' : 'this recording may not be stored yet'}
          onClick={() => void action.run(() => api.recordings.link(recording.id)).then((r) => r && setSrc(r.url))}
        >
          ▶ Play
        </button>
      )}
      <ErrorBox error={action.error} />
    </div>
  );
}

export function RecordingsPage() {
  const [callId, setCallId] = useState('');
  const [query, setQuery] = useState<{ callId?: string; page: number }>({ page: 1 });
  const list = useLoad(() => api.recordings.search({ ...query, pageSize: 50 }), [query.callId, query.page]);
  return (
    <div>
      <PageHeader title="Recordings" />
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ callId: callId.trim() || undefined, page: 1 });
        }}
      >
        <Field label="Call id">
          <input value={callId} onInput={(e) => setCallId(inputValue(e))} size={36} />
        </Field>
        <button class="primary" type="submit">
          Search
        </button>
      </form>
      <ErrorBox error={list.error} />
      <Loading when={list.loading && !list.data} />
      {list.data ? (
        <table class="list">
          <thead>
            <tr>
              <th>Started</th>
              <th>Call</th>
              <th>Agent</th>
              <th>Queue</th>
              <th>Playback</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((r) => (
              <tr key={r.id}>
                <td>{fmtTime(r.startedAt)}</td>
                <td>
                  <a href={`#/calls/${encodeURIComponent(r.callId)}`}>{r.callId.slice(0, 8)}…</a>
                </td>
                <td>{r.agentId ?? '—'}</td>
                <td>{r.queueId ?? '—'}</td>
                <td>
                  <RecordingPlayer recording={r} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.data && list.data.items.length === 0 ? <p class="muted">No recordings.</p> : null}
      {list.data && list.data.total > list.data.page * list.data.pageSize ? (
        <button onClick={() => setQuery({ ...query, page: query.page + 1 })}>Next page ›</button>
      ) : null}
    </div>
  );
}
