import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { z } from 'zod';
import { defineJob, PermanentJobError, type Backoff, type JobDefinition } from '../jobs/index.js';
import type { Logger } from '../logger.js';
import { queueCallTicketAnalysis } from '../tickets/analyse.js';
import type { Transcriber } from '../transcription/engines.js';
import type { Heard, TranscriptSegment } from '../transcription/heard.js';
import { redactCardNumbers } from '../privacy/card-numbers.js';
import { DecryptStream, EncryptStream, type Keyring } from './crypto.js';
import { readAll } from './jobs.js';
import { openRecordingCopy } from './playback.js';
import { getRecording } from './repository.js';
import type { ObjectStore } from './storage/index.js';

export const TRANSCRIBE_JOB = 'recording.transcribe';
/** A WAV file this short holds no sound: there is nothing to hear. */
const WAV_HEADER_BYTES = 44;
export const transcribePayload = z.object({ recordingId: z.string().min(1).max(36) });
export type TranscribePayload = z.infer<typeof transcribePayload>;

/** One transcription per recording, however often it is asked for. */
export function transcribeJobKey(recordingId: string): string {
  return `${TRANSCRIBE_JOB}:${recordingId}`;
}

export type TranscriptState = 'done' | 'skipped';

export interface Transcript {
  readonly recordingId: string;
  readonly callId: string | null;
  /** done: `text` is what was heard (empty when nothing was); skipped: `reason` says why there is none. */
  readonly state: TranscriptState;
  readonly engine: string;
  readonly language: string | null;
  readonly text: string | null;
  /** When each part of `text` was said (and by whom, when the engine tells); null when the engine gave text only. */
  readonly segments: readonly TranscriptSegment[] | null;
  readonly reason: string | null;
  readonly audioSeconds: number | null;
  readonly tookMs: number | null;
  readonly createdAt: Date;
}

/** The text sealed like a recording (crypto.ts): a database dump alone never reads what callers said. */
export async function sealText(keyring: Keyring, text: string): Promise<Buffer> {
  return readAll(Readable.from([Buffer.from(text, 'utf8')]).pipe(new EncryptStream(keyring)));
}

export async function openText(keyring: Keyring, sealed: Buffer, plainBytes: number): Promise<string> {
  const plain = await readAll(Readable.from([sealed]).pipe(new DecryptStream('in-stream', keyring, { plainBytes })));
  return plain.toString('utf8');
}

type Row = Record<string, unknown>;

async function rowToTranscript(keyring: Keyring, r: Row): Promise<Transcript> {
  const sealed = r.text_enc as Buffer | null;
  const sealedSegments = r.segments_enc as Buffer | null;
  return {
    recordingId: String(r.recording_id),
    callId: r.call_id == null ? null : String(r.call_id),
    state: r.state === 'done' ? 'done' : 'skipped',
    engine: String(r.engine),
    language: r.language == null ? null : String(r.language),
    text: sealed ? await openText(keyring, Buffer.from(sealed), Number(r.text_bytes ?? 0)) : null,
    segments: sealedSegments
      ? (JSON.parse(
          await openText(keyring, Buffer.from(sealedSegments), Number(r.segments_bytes ?? 0)),
        ) as TranscriptSegment[])
      : null,
    reason: r.reason == null ? null : String(r.reason),
    audioSeconds: r.audio_s == null ? null : Number(r.audio_s),
    tookMs: r.took_ms == null ? null : Number(r.took_ms),
    createdAt: new Date(r.created_at as string | Date),
  };
}

export async function readTranscript(db: Knex, keyring: Keyring, recordingId: string): Promise<Transcript | null> {
  const row = (await db('recording_transcripts').where('recording_id', recordingId).first()) as Row | undefined;
  return row ? rowToTranscript(keyring, row) : null;
}

/** The transcripts of these recordings (those that have one), oldest first. */
export async function readTranscripts(db: Knex, keyring: Keyring, recordingIds: readonly string[]): Promise<Transcript[]> {
  const rows: Row[] = [];
  for (let i = 0; i < recordingIds.length; i += 500)
    rows.push(
      ...((await db('recording_transcripts')
        .whereIn('recording_id', recordingIds.slice(i, i + 500))
        .select('*')) as Row[]),
    );
  const transcripts = await Promise.all(rows.map((r) => rowToTranscript(keyring, r)));
  return transcripts.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/** What was heard on a call's recordings, oldest first (a transferred call may have several). */
export async function transcriptTextsOfCall(db: Knex, keyring: Keyring, callId: string): Promise<string[]> {
  const rows = (await db('recording_transcripts')
    .where({ call_id: callId, state: 'done' })
    .orderBy('created_at')
    .select('*')) as Row[];
  const texts = await Promise.all(rows.map(async (r) => (await rowToTranscript(keyring, r)).text ?? ''));
  return texts.filter((t) => t !== '');
}

/**
 * What was heard without a card number in it. A number read across two segments is in neither alone: then the
 * segments go, and the text (redacted whole) stays.
 */
export function redactHeard(heard: Heard): { heard: Heard; redacted: number } {
  const { text, redacted } = redactCardNumbers(heard.text);
  if (!heard.segments) return { heard: { ...heard, text }, redacted };
  let inSegments = 0;
  const segments = heard.segments.map((s) => {
    const r = redactCardNumbers(s.text);
    inSegments += r.redacted;
    return r.redacted > 0 ? { ...s, text: r.text } : s;
  });
  const joined = redactCardNumbers(heard.segments.map((s) => s.text).join(' ')).redacted;
  if (joined > inSegments)
    return {
      heard: { text, segments: null, segmentsRefused: 'a card number was read across segments' },
      redacted,
    };
  return { heard: { ...heard, text, segments }, redacted };
}

/** `zh-CN` → `zh`: engines are chosen by the language, not the region. */
export function primaryLanguage(tag: string): string {
  return tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
}

export interface TranscribeJobDeps {
  readonly db: Knex;
  readonly keyring: Keyring;
  readonly transcriber: Transcriber;
  /** The languages the engine hears; a call nobody set a language for is heard as the first. */
  readonly languages: readonly string[];
  storeFor(target: string): ObjectStore;
  readonly logger: Logger;
  readonly backoff?: Backoff;
}

/**
 * `recording.transcribe`: the uploaded recording, decrypted into a private temporary file, through the engine; the
 * transcript sealed into recording_transcripts, and the call's tickets analysed again with it.
 */
export function createTranscribeJob(deps: TranscribeJobDeps): JobDefinition<TranscribePayload> {
  const record = async (
    trx: Knex.Transaction,
    row: Row & { recording_id: string; call_id: string | null },
  ): Promise<void> => {
    await trx('recording_transcripts').insert(row).onConflict('recording_id').ignore();
    // The call's tickets so far; an auto ticket made later, when the call ends, is analysed then (aftercall/).
    if (row.state === 'done' && row.call_id) await queueCallTicketAnalysis(trx, row.call_id);
  };

  return defineJob({
    type: TRANSCRIBE_JOB,
    schema: transcribePayload,
    backoff: deps.backoff,
    maxAttempts: 6,
    timeoutMs: 60 * 60_000,
    handler: async (p, ctx) => {
      const rec = await getRecording(deps.db, p.recordingId);
      if (!rec) throw new PermanentJobError(`recording ${p.recordingId} does not exist`);
      if (rec.state === 'deleted' || rec.state === 'missing') return; // nothing left to hear
      if (rec.state !== 'uploaded') throw new Error(`recording ${rec.id} is ${rec.state}, not uploaded yet`);
      if (await deps.db('recording_transcripts').where('recording_id', rec.id).first('recording_id')) return;
      const log = ctx.logger.child({ recordingId: rec.id, callId: rec.callId ?? undefined });

      const call = rec.callId
        ? ((await deps.db('calls').where('id', rec.callId).first('language')) as
            { language: string | null } | undefined)
        : undefined;
      const language = primaryLanguage(call?.language ?? deps.languages[0] ?? 'en');
      const base = {
        recording_id: rec.id,
        call_id: rec.callId,
        engine: deps.transcriber.name,
        language,
        audio_s: rec.durationS,
        created_at: new Date(),
      };
      const skip =
        rec.bytes === null || rec.bytes <= WAV_HEADER_BYTES
          ? 'nothing was recorded'
          : deps.languages.includes(language)
            ? null
            : `the engine is set up for ${deps.languages.join(', ')}, not ${language} (ARIADNE_TRANSCRIBE_LANGUAGES)`;
      if (skip) {
        await ctx.fenced((trx) => record(trx, { ...base, state: 'skipped', reason: skip }));
        log.info({ language, reason: skip }, 'recording not transcribed');
        return;
      }

      const source = await openRecordingCopy(deps, rec, 0, (rec.bytes ?? 0) - 1);
      if (!source) throw new Error('no copy of the recording could be opened');
      const audio = await readAll(source);
      // mkdtemp makes the directory 0700: the plaintext audio is readable by this user only, and only meanwhile.
      const dir = await mkdtemp(join(tmpdir(), 'ariadne-stt-'));
      const started = Date.now();
      let raw: Heard;
      try {
        const file = join(dir, `${rec.id}.${rec.format}`);
        await writeFile(file, audio, { mode: 0o600 });
        raw = await deps.transcriber.transcribe({ file, audio, language, signal: ctx.signal });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      // Card numbers never reach the table, the tickets analysed from it or the log.
      const { heard, redacted } = redactHeard(raw);
      const segments = heard.segments ? JSON.stringify(heard.segments) : null;
      const sealed = await sealText(deps.keyring, heard.text);
      const sealedSegments = segments === null ? null : await sealText(deps.keyring, segments);
      await ctx.fenced((trx) =>
        record(trx, {
          ...base,
          state: 'done',
          text_enc: sealed,
          text_bytes: Buffer.byteLength(heard.text),
          segments_enc: sealedSegments,
          segments_bytes: segments === null ? null : Buffer.byteLength(segments),
          took_ms: Date.now() - started,
          created_at: new Date(),
        }),
      );
      if (heard.segmentsRefused) log.warn({ reason: heard.segmentsRefused }, 'transcript kept without its segments');
      log.info(
        {
          language,
          chars: heard.text.length,
          segments: heard.segments?.length ?? 0,
          redacted,
          tookMs: Date.now() - started,
        },
        'recording transcribed',
      );
    },
  });
}
