import { z } from 'zod';

/** A stretch of the recording and what was said in it; `speaker` as the engine labels it ("A", "SPEAKER_01"). */
export interface TranscriptSegment {
  /** Seconds from the start of the recording. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly speaker: string | null;
}

/** What an engine heard: the whole text, and its timed segments when the engine gives them. */
export interface Heard {
  readonly text: string;
  /** Null when the engine gave plain text only, or segments that could not be used (`segmentsRefused` says why). */
  readonly segments: readonly TranscriptSegment[] | null;
  readonly segmentsRefused?: string;
}

/** The `response_format` asked of an HTTP engine: `json` has the text only. */
export const TRANSCRIPTION_FORMATS = ['json', 'verbose_json', 'diarized_json'] as const;
export type TranscriptionFormat = (typeof TRANSCRIPTION_FORMATS)[number];

/** More segments than this is not a call's transcript (an hour of speech is about a thousand). */
export const MAX_SEGMENTS = 20_000;

/** `text` without the engine's line breaks and runs of spaces. */
export function cleanTranscript(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const seconds = z.number().finite().min(0).max(86_400);
const segmentSchema = z.object({
  start: seconds,
  end: seconds,
  text: z.string().max(10_000),
  // Engines that do not diarize leave it out; OpenAI's diarized_json says "A", pyannote-style servers "SPEAKER_00".
  speaker: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((s) => (s == null || String(s).trim() === '' ? null : String(s).trim().slice(0, 32))),
});

/** The JSON engines answer with: `text`, and optionally `segments` (verbose_json, diarized_json, our scripts). */
const answerSchema = z.object({ text: z.string(), segments: z.unknown().optional() });

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'segments'}: ${i.message}`)
    .join('; ');
}

/**
 * Sorted, cleaned segments with text, or the reason they cannot be used. Segments are an aid to reading the text:
 * a list that does not fit never costs the transcript itself.
 */
export function segmentsFrom(raw: unknown): { segments: TranscriptSegment[] | null; refused?: string } {
  if (raw === undefined || raw === null) return { segments: null };
  if (!Array.isArray(raw)) return { segments: null, refused: 'segments is not a list' };
  if (raw.length > MAX_SEGMENTS) return { segments: null, refused: `more than ${MAX_SEGMENTS} segments` };
  const parsed = z.array(segmentSchema).safeParse(raw);
  if (!parsed.success) return { segments: null, refused: describe(parsed.error) };
  const backwards = parsed.data.find((s) => s.end < s.start);
  if (backwards)
    return { segments: null, refused: `a segment ends (${backwards.end}) before it starts (${backwards.start})` };
  const segments = parsed.data
    .map((s) => ({ ...s, text: cleanTranscript(s.text) }))
    .filter((s) => s.text !== '')
    .sort((a, b) => a.start - b.start || a.end - b.end);
  return { segments: segments.length > 0 ? segments : null };
}

/**
 * An engine's JSON answer as heard, or null when `body` is not the object engines answer with (`{"text": …}`).
 * The text is cleaned; segments that do not fit are dropped with the reason.
 */
export function heardFromAnswer(body: unknown): Heard | null {
  const answer = answerSchema.safeParse(body);
  if (!answer.success) return null;
  const { segments, refused } = segmentsFrom(answer.data.segments);
  return { text: cleanTranscript(answer.data.text), segments, ...(refused ? { segmentsRefused: refused } : {}) };
}
