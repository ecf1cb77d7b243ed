import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { PermanentJobError } from '../jobs/index.js';
import { cleanTranscript, heardFromAnswer, type Heard, type TranscriptionFormat } from './heard.js';

/** One recording to transcribe: its WAV bytes on disk (a private temporary file) and in memory. */
export interface TranscriptionInput {
  readonly file: string;
  readonly audio: Buffer;
  /** ISO 639-1 code of the call's language ('en', 'zh'). */
  readonly language: string;
  readonly signal: AbortSignal;
}

/** Speech to text. Rejects with PermanentJobError when no retry can help (no such command, a request refused). */
export interface Transcriber {
  /** Names the engine on the transcript row ('command:transcribe-pocketsphinx.sh', 'http:whisper-1'). */
  readonly name: string;
  transcribe(input: TranscriptionInput): Promise<Heard>;
}

/**
 * What the engine may print: more is cut (an hour of speech is about 60 KB of text, 150 KB as timed segments in
 * JSON). JSON cut short does not parse, and says so.
 */
const MAX_OUTPUT_BYTES = 4 << 20;

/**
 * A command's standard output as heard: one JSON object `{"text": …, "segments": [{start, end, text, speaker?}]}`
 * when it starts with `{`, else the plain text. The same program gives the same output again: what does not parse
 * is permanent.
 */
export function heardFromOutput(output: string, command: string): Heard {
  const trimmed = output.trim();
  if (!trimmed.startsWith('{')) return { text: cleanTranscript(trimmed), segments: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new PermanentJobError(`transcription command ${command} printed JSON that does not parse`);
  }
  const heard = heardFromAnswer(parsed);
  if (!heard) throw new PermanentJobError(`transcription command ${command} printed JSON without a "text" string`);
  return heard;
}

/**
 * Runs `command <wav file> <language>` and reads the transcript from its standard output. Any speech-to-text
 * program fits behind a small script (scripts/transcribe-pocketsphinx.sh ships for pocketsphinx). The process runs
 * at `nice` so call control, Asterisk and the database come first on a busy machine.
 */
export function commandTranscriber(options: { command: string; nice?: number }): Transcriber {
  const base = options.command.split('/').pop() ?? options.command;
  return {
    // The script's name without its extension: what the transcript row (64 characters) says made it.
    name: `command:${base.replace(/\.[a-z0-9]+$/i, '')}`.slice(0, 64),
    transcribe: (input) =>
      new Promise<Heard>((resolve, reject) => {
        const child = spawn(options.command, [input.file, input.language], {
          stdio: ['ignore', 'pipe', 'pipe'],
          signal: input.signal,
          killSignal: 'SIGKILL',
        });
        const out: Buffer[] = [];
        let outBytes = 0;
        let errText = '';
        child.stdout.on('data', (chunk: Buffer) => {
          if (outBytes < MAX_OUTPUT_BYTES) out.push(chunk);
          outBytes += chunk.length;
        });
        child.stderr.on('data', (chunk: Buffer) => {
          errText = (errText + chunk.toString('utf8')).slice(-2000);
        });
        child.once('spawn', () => {
          try {
            if (child.pid !== undefined && (options.nice ?? 10) > 0) setPriority(child.pid, options.nice ?? 10);
          } catch {
            // Not permitted or not Linux: it runs at our priority.
          }
        });
        child.once('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT' || err.code === 'EACCES')
            reject(new PermanentJobError(`transcription command ${options.command} cannot run (${err.code})`));
          else reject(err);
        });
        child.once('close', (code, signal) => {
          if (input.signal.aborted) return; // 'error' (AbortError) already rejected
          if (code !== 0)
            return reject(
              new Error(
                `transcription command ${base} exited with ${code ?? signal}${errText.trim() ? `: ${errText.trim().split('\n').slice(-3).join(' / ')}` : ''}`,
              ),
            );
          try {
            resolve(heardFromOutput(Buffer.concat(out).subarray(0, MAX_OUTPUT_BYTES).toString('utf8'), base));
          } catch (err) {
            reject(err as Error);
          }
        });
      }),
  };
}

/**
 * POSTs the recording to an OpenAI-compatible `/v1/audio/transcriptions` endpoint (faster-whisper-server,
 * LocalAI, vLLM, a hosted service) as multipart form data, and reads `{ "text": … }`, with `segments` when the
 * format asked for has them (`verbose_json`: timed; `diarized_json`: timed, with speakers).
 */
export function httpTranscriber(options: {
  url: string;
  token?: string;
  model: string;
  responseFormat?: TranscriptionFormat;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): Transcriber {
  const doFetch = options.fetch ?? fetch;
  return {
    name: `http:${options.model}`.slice(0, 64),
    async transcribe(input) {
      const form = new FormData();
      form.append('file', new Blob([input.audio], { type: 'audio/wav' }), 'recording.wav');
      form.append('model', options.model);
      form.append('language', input.language);
      const format = options.responseFormat ?? 'json';
      form.append('response_format', format);
      // A diarizing model refuses more than 30 s of audio in one block: the service cuts it at pauses instead.
      if (format === 'diarized_json') form.append('chunking_strategy', 'auto');
      const signal = AbortSignal.any([input.signal, AbortSignal.timeout(options.timeoutMs ?? 10 * 60_000)]);
      const res = await doFetch(options.url, {
        method: 'POST',
        body: form,
        headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
        signal,
      });
      const body = await res.text();
      if (!res.ok) {
        const message = `transcription service answered ${res.status}: ${body.slice(0, 300)}`;
        // A request the service refuses will be refused again; overload and outages are worth a retry.
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
          throw new PermanentJobError(message);
        throw new Error(message);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        throw new Error(`transcription service answered ${res.status} with a body that is not JSON`);
      }
      const heard = heardFromAnswer(parsed);
      if (!heard) throw new Error('transcription service answered without a "text" string');
      return heard;
    },
  };
}

export interface TranscriptionSettings {
  readonly command?: string;
  readonly url?: string;
  readonly token?: string;
  readonly model: string;
  readonly responseFormat?: TranscriptionFormat;
  readonly nice: number;
}

/** The configured engine, or null when transcription is off (neither a command nor a URL set). */
export function transcriberFrom(settings: TranscriptionSettings): Transcriber | null {
  if (settings.command) return commandTranscriber({ command: settings.command, nice: settings.nice });
  if (settings.url)
    return httpTranscriber({
      url: settings.url,
      token: settings.token,
      model: settings.model,
      responseFormat: settings.responseFormat,
    });
  return null;
}
