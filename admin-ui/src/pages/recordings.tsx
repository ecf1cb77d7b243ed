// Recording search, in-browser playback through a short-lived signed link (the server checks who may play), and the
// recording's transcript when its queue transcribes (or an admin or supervisor asks for one).
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.js';
import type { Recording, Transcript } from '../api/types.js';
import { ErrorBox, Field, Loading, PageHeader, inputValue, useAction, useLoad } from '../components/ui.js';
import { fmtDuration, fmtOffset, fmtTime } from '../format.js';
import { TranscriptSearch } from './transcript-search.js';

/** While a transcription is pending and shown, it is asked for again this often. */
const PENDING_POLL_MS = 3000;

/** 'en' → 'English' (the code itself when the browser has no name for it). */
function languageName(code: string | null): string | null {
  if (!code) return null;
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** A transcript's timed stretch of text (`start`/`end` in seconds from the start of the recording). */
type Segment = NonNullable<Extract<Transcript, { state: 'done' | 'skipped' }>['segments']>[number];

/** An engine's speaker label as shown: "A" → "Speaker A" (a letter or two says little alone), "SPEAKER_01" as is. */
function speakerLabel(speaker: string): string {
  return speaker.length <= 2 ? `Speaker ${speaker}` : speaker;
}

/** The index of the segment playing at `time` (the latest to start when they overlap), or -1 between segments. */
function segmentAt(segments: readonly Segment[] | null, time: number): number {
  if (!segments) return -1;
  let found = -1;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s.start > time) break; // sorted by start
    if (time < s.end) found = i;
  }
  return found;
}

/** A play() that a later seek, pause or new source cut short is no failure; anything else is (a refused autoplay). */
async function play(audio: HTMLAudioElement): Promise<void> {
  try {
    await audio.play();
  } catch (e) {
    if (!(e instanceof DOMException && e.name === 'AbortError')) throw e;
  }
}

/**
 * What the transcript panel shows: a transcript or where it stands, or null when it was never asked for (a 404);
 * `mayAsk`: the signed-in user may ask for one (admins and supervisors), known when that could be offered.
 */
interface Shown {
  t: Transcript | null;
  mayAsk: boolean;
}

/** Whether the signed-in user may ask for transcripts (the pages showing recordings are not told who that is). */
async function mayAskForTranscripts(): Promise<boolean> {
  const me = await api.auth.me().catch(() => null);
  return me?.user.role === 'admin' || me?.user.role === 'supervisor';
}

export function RecordingPlayer({ recording }: { recording: Recording }) {
  const [src, setSrc] = useState<string | null>(null);
  const [shown, setShown] = useState<Shown | null>(null);
  // The panel is wanted open (an answer that lands after Hide must not open it again).
  const open = useRef(false);
  const action = useAction();
  const text = useAction();
  const audio = useRef<HTMLAudioElement>(null);
  // Where a segment's click wants playback to start once the audio's metadata has loaded.
  const seekTo = useRef<number | null>(null);
  // The segment playing (an index into the shown transcript's segments), -1 for none.
  const [current, setCurrent] = useState(-1);
  const playable =
    recording.state === 'stored' ||
    recording.state === 'uploaded' ||
    recording.state === 'ready' ||
    recording.state === 'replicated';
  // A transcript exists, or may be on its way (the list only knows finished ones).
  const mayHaveText =
    recording.transcript === 'done' || recording.transcript === 'skipped' || recording.state === 'uploaded';

  const load = async (): Promise<void> => {
    let t: Transcript | null;
    try {
      t = await api.recordings.transcript(recording.id);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404 && e.code === 'not_found')) throw e;
      t = null; // never asked for
    }
    // Never asked for, or given up: admins and supervisors may ask (again).
    const mayAsk = (t === null || t.state === 'failed') && (await mayAskForTranscripts());
    if (open.current) setShown({ t, mayAsk });
  };
  const toggle = () => {
    open.current = !shown;
    if (shown) {
      setShown(null);
      text.clear();
    } else void text.run(load);
  };
  const transcribe = () =>
    void text.run(async () => {
      const t = await api.recordings.transcribe(recording.id);
      if (open.current) setShown({ t, mayAsk: false });
    });

  const segments = shown?.t?.state === 'done' && shown.t.segments?.length ? shown.t.segments : null;
  const follow = () => setCurrent(audio.current ? segmentAt(segments, audio.current.currentTime) : -1);
  // Segments shown again (or first) while the player is somewhere already: mark where it is.
  useEffect(follow, [segments]);

  /** Plays the recording from `start` seconds: its signed link is fetched first, as ▶ Play does, when it has none. */
  const playFrom = (start: number) => {
    const el = audio.current;
    if (src && el && el.readyState >= HTMLMediaElement.HAVE_METADATA) {
      seekTo.current = null;
      el.currentTime = start;
      void action.run(() => play(el));
      return;
    }
    // Not loaded yet: the seek waits for the metadata (onMetadata).
    seekTo.current = start;
    if (src && el) {
      void action.run(() => play(el));
    } else if (!src && !action.busy) {
      // A second click while the link comes only moves where playback starts.
      void action.run(() => api.recordings.link(recording.id)).then((r) => r && setSrc(r.url));
    }
  };
  const onMetadata = () => {
    const el = audio.current;
    const start = seekTo.current;
    if (!el || start === null) return;
    seekTo.current = null;
    el.currentTime = start;
    void action.run(() => play(el));
  };

  // A pending transcription on screen is looked at again until it is done or has failed.
  const pending = shown?.t?.state === 'pending';
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(() => void text.run(load), PENDING_POLL_MS);
    return () => clearTimeout(timer);
  }, [pending, shown]);

  return (
    <div class="recording">
      <span>
        {fmtTime(recording.startedAt)} · {fmtDuration(recording.durationS)} ·{' '}
        <span class="muted">{recording.state}</span>
      </span>
      {src ? (
        <audio
          ref={audio}
          controls
          autoplay
          src={src}
          preload="none"
          onLoadedMetadata={onMetadata}
          onTimeUpdate={follow}
          onSeeked={follow}
          onEmptied={follow}
        />
      ) : (
        <button
          disabled={action.busy}
          title={playable ? '' : 'this recording may not be stored yet'}
          onClick={() => void action.run(() => api.recordings.link(recording.id)).then((r) => r && setSrc(r.url))}
        >
          ▶ Play
        </button>
      )}
      {mayHaveText ? (
        <button
          data-testid="transcript-toggle"
          aria-expanded={shown ? 'true' : 'false'}
          disabled={text.busy && !shown}
          onClick={toggle}
        >
          {shown ? 'Hide transcript' : 'Transcript'}
        </button>
      ) : null}
      <ErrorBox error={action.error} />
      {shown ? (
        <TranscriptPanel
          shown={shown}
          busy={text.busy}
          onTranscribe={transcribe}
          current={current}
          onPlayFrom={playFrom}
        />
      ) : null}
      <ErrorBox error={text.error} />
    </div>
  );
}

function TranscriptPanel({
  shown,
  busy,
  onTranscribe,
  current,
  onPlayFrom,
}: {
  shown: Shown;
  busy: boolean;
  onTranscribe: () => void;
  /** The segment playing, -1 for none. */
  current: number;
  onPlayFrom: (start: number) => void;
}) {
  const ask = (label: string) =>
    shown.mayAsk ? (
      <button data-testid="transcribe" disabled={busy} onClick={onTranscribe}>
        {label}
      </button>
    ) : null;
  const t = shown.t;
  if (t === null)
    return (
      <div class="transcript" data-testid="transcript" data-state="none">
        <span class="muted">Not transcribed: its queue does not transcribe recordings.</span>
        {ask('Transcribe')}
      </div>
    );
  if (t.state === 'pending')
    return (
      <div class="transcript" data-testid="transcript" data-state="pending">
        <span>Being transcribed…</span>
        {t.reason ? <span class="muted small">last try: {t.reason}</span> : null}
      </div>
    );
  if (t.state === 'failed')
    return (
      <div class="transcript" data-testid="transcript" data-state="failed">
        <span>Transcription failed{t.reason ? `: ${t.reason}` : '.'}</span>
        {ask('Try again')}
      </div>
    );
  const about = [languageName(t.language), t.engine].filter(Boolean).join(' · ');
  if (t.state === 'skipped')
    return (
      <div class="transcript" data-testid="transcript" data-state="skipped">
        <span>Not transcribed{t.reason ? `: ${t.reason}` : '.'}</span>
        <span class="muted small">{about}</span>
      </div>
    );
  return (
    <div class="transcript" data-testid="transcript" data-state="done">
      {t.segments?.length ? (
        <Segments segments={t.segments} lang={t.language ?? undefined} current={current} onPlayFrom={onPlayFrom} />
      ) : t.text ? (
        <p class="transcript-text" data-testid="transcript-text" lang={t.language ?? undefined}>
          {t.text}
        </p>
      ) : (
        <p class="muted">Nothing was heard.</p>
      )}
      <span class="muted small">{about}</span>
    </div>
  );
}

/**
 * A transcript's segments, each a button that plays the recording from its start; the one playing is marked (and
 * kept in view when the list scrolls).
 */
function Segments(props: {
  segments: readonly Segment[];
  lang: string | undefined;
  current: number;
  onPlayFrom: (start: number) => void;
}) {
  const list = useRef<HTMLOListElement>(null);
  const { segments, current } = props;
  // Speakers in the order they first speak (their colour), and whether to leave a column for their labels.
  const speakers = [...new Set(segments.map((s) => s.speaker).filter((s) => s !== null))];
  useLayoutEffect(() => {
    const ol = list.current;
    const item = ol?.children[current] as HTMLElement | undefined;
    if (!ol || !item) return;
    // Scrolls the list only, never the page, and only when the segment playing is out of its view.
    if (item.offsetTop < ol.scrollTop) ol.scrollTop = item.offsetTop;
    else if (item.offsetTop + item.offsetHeight > ol.scrollTop + ol.clientHeight)
      ol.scrollTop = item.offsetTop + item.offsetHeight - ol.clientHeight;
  }, [current]);
  return (
    <ol
      class={speakers.length ? 'transcript-segments with-speakers' : 'transcript-segments'}
      data-testid="transcript-segments"
      ref={list}
    >
      {segments.map((s, i) => {
        const at = fmtOffset(s.start);
        const who = s.speaker === null ? -1 : speakers.indexOf(s.speaker);
        return (
          <li key={i}>
            <button
              type="button"
              class={i === current ? 'segment current' : 'segment'}
              data-testid="transcript-segment"
              data-start={String(s.start)}
              aria-current={i === current ? 'true' : undefined}
              title={`Play from ${at}`}
              onClick={() => props.onPlayFrom(s.start)}
            >
              <span class="segment-time">{at}</span>
              {speakers.length ? (
                <span class={who < 0 ? 'segment-speaker' : `segment-speaker speaker-${who % 4}`}>
                  {s.speaker === null ? '' : speakerLabel(s.speaker)}
                </span>
              ) : null}
              <span class="segment-text" lang={props.lang}>
                {s.text}
              </span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}

export function RecordingsPage() {
  const [callId, setCallId] = useState('');
  const [query, setQuery] = useState<{ callId?: string; page: number }>({ page: 1 });
  const list = useLoad(() => api.recordings.search({ ...query, pageSize: 50 }), [query.callId, query.page]);
  return (
    <div>
      <PageHeader title="Recordings" />
      {/* Admins and supervisors: the calls where something was said (nothing for agents). */}
      <TranscriptSearch />
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
