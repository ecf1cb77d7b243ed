import type { Knex } from 'knex';
import { toDate } from '../db/time.js';
import type { Transcript } from './transcripts.js';

/**
 * Finding the calls where something was said. Transcripts are sealed (recording/transcripts.ts), so no index can
 * hold their words: a search opens the transcripts of the recordings in its range, newest first, up to SCAN_LIMIT of
 * them, and matches in memory. A contact center searches days or weeks of one queue; a wider range says it was cut.
 */

/** Transcripts one search opens (about a second of decryption and matching on a small machine). */
export const SCAN_LIMIT = 5_000;
/** Calls one search answers. */
export const HIT_LIMIT = 200;
/** Places shown per recording. */
const MATCHES_PER_HIT = 3;
/** Characters of context either side of a match. */
const CONTEXT = 60;
const READ_CHUNK = 500;

export interface TranscriptQuery {
  /** Matched as a phrase, ignoring case and the width of characters (NFKC). */
  readonly q: string;
  readonly from: Date;
  readonly to: Date;
  readonly queueId?: number;
  /** A supervisor's queues: only their recordings are searched. */
  readonly queueIds?: readonly number[];
}

export interface TranscriptMatch {
  /** Seconds into the recording where the segment starts; null when found in a transcript without segments. */
  readonly at: number | null;
  readonly text: string;
}

export interface TranscriptHit {
  readonly recordingId: string;
  readonly callId: string | null;
  readonly queueId: number | null;
  readonly agentId: number | null;
  readonly startedAt: string;
  readonly language: string | null;
  readonly matches: TranscriptMatch[];
}

export interface TranscriptSearchResult {
  readonly scanned: number;
  /** More transcripts in the range than one search opens, or more calls matched than it answers. */
  readonly truncated: boolean;
  readonly hits: TranscriptHit[];
}

/** Case and width folded, runs of spaces made one: what is compared. */
export function fold(text: string): string {
  return text.normalize('NFKC').toLocaleLowerCase().replace(/\s+/g, ' ');
}

/**
 * Up to `limit` snippets of `text` around the places `needle` (folded) occurs. Folding keeps the length of the
 * text it is given when it is already NFKC and single-spaced (transcripts are stored cleaned), so positions in the
 * folded text are positions in the text.
 */
export function snippets(text: string, needle: string, limit: number): string[] {
  const hay = fold(text);
  const same = hay.length === text.length;
  const out: string[] = [];
  for (let at = hay.indexOf(needle); at >= 0 && out.length < limit; at = hay.indexOf(needle, at + needle.length)) {
    const source = same ? text : hay;
    const start = Math.max(0, at - CONTEXT);
    const end = Math.min(source.length, at + needle.length + CONTEXT);
    out.push(`${start > 0 ? '…' : ''}${source.slice(start, end).trim()}${end < source.length ? '…' : ''}`);
  }
  return out;
}

/** Where `needle` was said in one transcript: in its segments (with their times), else in its text. */
export function matchesIn(t: Transcript, needle: string): TranscriptMatch[] {
  const matches: TranscriptMatch[] = [];
  for (const s of t.segments ?? []) {
    if (matches.length >= MATCHES_PER_HIT) break;
    for (const text of snippets(s.text, needle, 1)) matches.push({ at: s.start, text });
  }
  // Said across two segments, or a transcript of text only.
  if (matches.length === 0 && t.text)
    for (const text of snippets(t.text, needle, MATCHES_PER_HIT)) matches.push({ at: null, text });
  return matches;
}

export async function searchTranscripts(
  db: Knex,
  read: (recordingIds: readonly string[]) => Promise<readonly Transcript[]>,
  query: TranscriptQuery,
): Promise<TranscriptSearchResult> {
  const needle = fold(query.q.trim());
  const q = db('recordings as r')
    .join('recording_transcripts as t', 't.recording_id', 'r.id')
    .where('t.state', 'done')
    .where('r.started_at', '>=', query.from)
    .where('r.started_at', '<', query.to)
    .orderBy('r.started_at', 'desc')
    .limit(SCAN_LIMIT + 1)
    .select('r.id', 'r.call_id', 'r.queue_id', 'r.agent_id', 'r.started_at');
  if (query.queueId !== undefined) q.where('r.queue_id', query.queueId);
  if (query.queueIds) q.whereIn('r.queue_id', [...query.queueIds]);
  const rows = (await q) as Record<string, unknown>[];
  let truncated = rows.length > SCAN_LIMIT;
  const recordings = rows.slice(0, SCAN_LIMIT);

  const hits: TranscriptHit[] = [];
  let scanned = 0;
  for (let i = 0; i < recordings.length && hits.length <= HIT_LIMIT; i += READ_CHUNK) {
    const chunk = recordings.slice(i, i + READ_CHUNK);
    scanned += chunk.length;
    const byId = new Map((await read(chunk.map((r) => String(r.id)))).map((t) => [t.recordingId, t]));
    for (const r of chunk) {
      const t = byId.get(String(r.id));
      const matches = t ? matchesIn(t, needle) : [];
      if (matches.length === 0) continue;
      hits.push({
        recordingId: String(r.id),
        callId: r.call_id == null ? null : String(r.call_id),
        queueId: r.queue_id == null ? null : Number(r.queue_id),
        agentId: r.agent_id == null ? null : Number(r.agent_id),
        startedAt: toDate(r.started_at)?.toISOString() ?? '',
        language: t?.language ?? null,
        matches,
      });
    }
  }
  if (hits.length > HIT_LIMIT) truncated = true;
  return { scanned, truncated, hits: hits.slice(0, HIT_LIMIT) };
}
