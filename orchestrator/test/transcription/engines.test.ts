import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PermanentJobError } from '../../src/jobs/index.js';
import {
  commandTranscriber,
  httpTranscriber,
  transcriberFrom,
  type TranscriptionInput,
} from '../../src/transcription/engines.js';
import { cleanTranscript, MAX_SEGMENTS, segmentsFrom } from '../../src/transcription/heard.js';

const POCKETSPHINX_SCRIPT = resolve('scripts/transcribe-pocketsphinx.sh');
/** "go forward ten meters", spoken by a person: 16 kHz 16-bit mono raw, from Debian's pocketsphinx-testdata. */
const GO_FORWARD = '/usr/share/pocketsphinx/test/data/goforward.raw';
const GO_FORWARD_SECONDS = 2.79;

describe('transcription engines', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ariadne-engines-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const input = (file: string, language = 'en', signal = new AbortController().signal): TranscriptionInput => ({
    file,
    audio: Buffer.from('RIFF fake wav'),
    language,
    signal,
  });
  const script = (name: string, body: string): string => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };

  describe('command', () => {
    it('runs `<command> <file> <language>` and reads stdout, at the nice value asked for', async () => {
      // The priority is set just after the process starts: the script reads it a moment later.
      const cmd = script(
        'say.sh',
        'sleep 0.3; echo "heard $(basename "$1") in $2"; echo "nice $(cut -d" " -f19 /proc/self/stat)"',
      );
      const engine = commandTranscriber({ command: cmd, nice: 7 });
      expect(engine.name).to.equal('command:say');
      const out = await engine.transcribe(input('/tmp/x/rec-1.wav', 'zh'));
      expect(out).to.deep.equal({ text: 'heard rec-1.wav in zh nice 7', segments: null });
    });

    it('a JSON object printed is the text with its timed segments; JSON that does not parse is permanent', async () => {
      const segments = [
        { start: 4.5, end: 6, text: ' a refund\nplease ', speaker: 'SPEAKER_01' },
        { start: 0.25, end: 4, text: 'my parcel never arrived', speaker: 0 },
        { start: 6, end: 7, text: '  ' },
      ];
      const printed = JSON.stringify({ text: 'my parcel never arrived a refund please', segments });
      const cmd = script('json.sh', `cat <<'JSON'\n${printed}\nJSON`);
      expect(await commandTranscriber({ command: cmd }).transcribe(input('/tmp/a.wav'))).to.deep.equal({
        text: 'my parcel never arrived a refund please',
        segments: [
          { start: 0.25, end: 4, text: 'my parcel never arrived', speaker: '0' },
          { start: 4.5, end: 6, text: 'a refund please', speaker: 'SPEAKER_01' },
        ],
      });
      const failure = async (body: string): Promise<unknown> =>
        commandTranscriber({ command: script('bad.sh', body) })
          .transcribe(input('/tmp/a.wav'))
          .then(
            () => null,
            (e: unknown) => e,
          );
      const cut = await failure('echo \'{"text": "cut sho\'');
      expect(cut).to.be.instanceOf(PermanentJobError);
      expect((cut as Error).message).to.equal('transcription command bad.sh printed JSON that does not parse');
      const textless = await failure('echo \'{"segments": []}\'');
      expect(textless).to.be.instanceOf(PermanentJobError);
      expect((textless as Error).message).to.match(/without a "text" string/);
    });

    it('segments that do not fit cost the segments, never the text', async () => {
      const printed = JSON.stringify({ text: 'hello there', segments: [{ start: 2, end: 1, text: 'hello' }] });
      const cmd = script('backwards.sh', `cat <<'JSON'\n${printed}\nJSON`);
      expect(await commandTranscriber({ command: cmd }).transcribe(input('/tmp/a.wav'))).to.deep.equal({
        text: 'hello there',
        segments: null,
        segmentsRefused: 'a segment ends (1) before it starts (2)',
      });
      expect(segmentsFrom('nope')).to.deep.equal({ segments: null, refused: 'segments is not a list' });
      expect(segmentsFrom([{ start: -1, end: 1, text: 'x' }]).refused).to.match(/^0\.start: /);
      expect(segmentsFrom([{ start: 0, end: 1 }]).refused).to.match(/^0\.text: /);
      expect(segmentsFrom(Array.from({ length: MAX_SEGMENTS + 1 }, () => ({}))).refused).to.equal(
        `more than ${MAX_SEGMENTS} segments`,
      );
      expect(segmentsFrom([])).to.deep.equal({ segments: null });
    });

    it('a non-zero exit is an error carrying the end of stderr (retried)', async () => {
      const cmd = script('fail.sh', 'echo "model not found" >&2; exit 4');
      const err = await commandTranscriber({ command: cmd, nice: 0 })
        .transcribe(input('/tmp/a.wav'))
        .then(
          () => null,
          (e: unknown) => e as Error,
        );
      expect(err).to.be.instanceOf(Error);
      expect(err).to.not.be.instanceOf(PermanentJobError);
      expect(err?.message).to.equal('transcription command fail.sh exited with 4: model not found');
    });

    it('a command that does not exist is permanent: no retry makes it appear', async () => {
      const err = await commandTranscriber({ command: join(dir, 'missing.sh') })
        .transcribe(input('/tmp/a.wav'))
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).to.be.instanceOf(PermanentJobError);
      expect((err as Error).message).to.match(/cannot run \(ENOENT\)/);
    });

    it('an abort (job timeout, shutdown) kills the process at once', async () => {
      const cmd = script('slow.sh', 'exec sleep 30');
      const abort = new AbortController();
      const started = Date.now();
      const pending = commandTranscriber({ command: cmd }).transcribe(input('/tmp/a.wav', 'en', abort.signal));
      setTimeout(() => abort.abort(), 100);
      const err = await pending.then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err?.name).to.equal('AbortError');
      expect(Date.now() - started).to.be.below(5_000);
    });

    it('scripts/transcribe-pocketsphinx.sh hears a person with the en-us model, and refuses other languages', async () => {
      const wav = join(dir, 'goforward.wav');
      execFileSync('sox', ['-t', 'raw', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', GO_FORWARD, wav]);
      const engine = commandTranscriber({ command: POCKETSPHINX_SCRIPT });
      const heard = await engine.transcribe(input(wav));
      expect(heard.text).to.equal('go forward ten meters');
      // One utterance: its first word ("go") starts after the leading silence, its last ends before the file does.
      expect(heard.segments).to.have.length(1);
      const [only] = heard.segments!;
      expect(only).to.include({ text: 'go forward ten meters', speaker: null });
      expect(only!.start).to.be.above(0).and.below(1);
      expect(only!.end)
        .to.be.above(only!.start + 1)
        .and.at.most(GO_FORWARD_SECONDS);
      const err = await engine.transcribe(input(wav, 'zh')).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err?.message).to.equal(
        'transcription command transcribe-pocketsphinx.sh exited with 3: no pocketsphinx model for language zh',
      );
    });
  });

  describe('http (OpenAI-compatible /v1/audio/transcriptions)', () => {
    let server: Server;
    let url: string;
    let answer: { status: number; body: string };
    let seen: {
      auth: string | undefined;
      fields: Record<string, string>;
      file: { name: string; type: string; bytes: number } | null;
    }[];

    const readForm = async (req: IncomingMessage): Promise<FormData> => {
      const parts: Buffer[] = [];
      for await (const c of req) parts.push(c as Buffer);
      return new Response(Buffer.concat(parts), {
        headers: { 'content-type': String(req.headers['content-type']) },
      }).formData();
    };

    before(async () => {
      server = createServer((req, res) => {
        void readForm(req).then((form) => {
          const fields: Record<string, string> = {};
          let file: { name: string; type: string; bytes: number } | null = null;
          for (const [k, v] of form.entries()) {
            if (typeof v === 'string') fields[k] = v;
            else file = { name: v.name, type: v.type, bytes: v.size };
          }
          seen.push({ auth: req.headers.authorization, fields, file });
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
        });
      });
      server.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/audio/transcriptions`;
    });
    after(() => server.close());
    beforeEach(() => {
      seen = [];
      answer = { status: 200, body: JSON.stringify({ text: 'I would like a refund, please.' }) };
    });

    it('posts the recording with model, language and json format, with the bearer token; reads "text"', async () => {
      const engine = httpTranscriber({ url, token: 'stt-secret', model: 'large-v3' });
      expect(engine.name).to.equal('http:large-v3');
      expect(await engine.transcribe(input('/unused.wav', 'zh'))).to.deep.equal({
        text: 'I would like a refund, please.',
        segments: null,
      });
      expect(seen).to.deep.equal([
        {
          auth: 'Bearer stt-secret',
          fields: { model: 'large-v3', language: 'zh', response_format: 'json' },
          file: { name: 'recording.wav', type: 'audio/wav', bytes: 13 },
        },
      ]);
    });

    it('verbose_json gives timed segments; diarized_json speakers too, with the audio cut at pauses', async () => {
      // As whisper-1 and faster-whisper servers answer verbose_json: the fields beyond the times and text are ignored.
      answer = {
        status: 200,
        body: JSON.stringify({
          task: 'transcribe',
          language: 'english',
          duration: 5.2,
          text: ' Hello, Acme. I would like a refund.',
          segments: [
            { id: 0, seek: 0, start: 0.0, end: 1.8, text: ' Hello, Acme.', tokens: [1, 2], avg_logprob: -0.2 },
            { id: 1, seek: 0, start: 2.1, end: 5.2, text: ' I would like a refund.', tokens: [3], avg_logprob: -0.3 },
          ],
        }),
      };
      const verbose = httpTranscriber({ url, model: 'whisper-1', responseFormat: 'verbose_json' });
      expect(await verbose.transcribe(input('/x.wav'))).to.deep.equal({
        text: 'Hello, Acme. I would like a refund.',
        segments: [
          { start: 0, end: 1.8, text: 'Hello, Acme.', speaker: null },
          { start: 2.1, end: 5.2, text: 'I would like a refund.', speaker: null },
        ],
      });
      expect(seen[0]?.fields).to.deep.equal({ model: 'whisper-1', language: 'en', response_format: 'verbose_json' });

      // OpenAI's gpt-4o-transcribe-diarize.
      answer = {
        status: 200,
        body: JSON.stringify({
          task: 'transcribe',
          duration: 5.2,
          text: 'Hello, Acme. I would like a refund.',
          segments: [
            { type: 'transcript.text.segment', id: 'seg_0', start: 0, end: 1.8, text: 'Hello, Acme.', speaker: 'A' },
            {
              type: 'transcript.text.segment',
              id: 'seg_1',
              start: 2.1,
              end: 5.2,
              text: 'I would like a refund.',
              speaker: 'B',
            },
          ],
        }),
      };
      const diarized = httpTranscriber({ url, model: 'gpt-4o-transcribe-diarize', responseFormat: 'diarized_json' });
      expect((await diarized.transcribe(input('/x.wav'))).segments?.map((s) => s.speaker)).to.deep.equal(['A', 'B']);
      expect(seen[1]?.fields).to.deep.equal({
        model: 'gpt-4o-transcribe-diarize',
        language: 'en',
        response_format: 'diarized_json',
        chunking_strategy: 'auto',
      });
    });

    it('overload and outages are retried; a refused request is permanent; a strange answer is an error', async () => {
      const engine = httpTranscriber({ url, model: 'whisper-1' });
      const fail = (): Promise<unknown> =>
        engine.transcribe(input('/x.wav')).then(
          () => null,
          (e: unknown) => e,
        );
      for (const status of [503, 429, 408]) {
        answer = { status, body: 'busy' };
        const err = await fail();
        expect(err, String(status)).to.be.instanceOf(Error).and.not.be.instanceOf(PermanentJobError);
        expect((err as Error).message).to.equal(`transcription service answered ${status}: busy`);
      }
      answer = { status: 400, body: '{"error":"unsupported audio"}' };
      expect(await fail()).to.be.instanceOf(PermanentJobError);
      answer = { status: 200, body: 'not json' };
      expect(((await fail()) as Error).message).to.match(/not JSON/);
      answer = { status: 200, body: '{"segments":[]}' };
      expect(((await fail()) as Error).message).to.match(/without a "text" string/);
      expect(seen.every((s) => s.auth === undefined)).to.equal(true);
    });

    it('a service that does not answer is an error, not a crash', async () => {
      const engine = httpTranscriber({ url: 'http://127.0.0.1:9/v1/audio/transcriptions', model: 'm' });
      const err = await engine.transcribe(input('/x.wav')).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(Error).and.not.be.instanceOf(PermanentJobError);
    });
  });

  it('transcriberFrom: the command, the URL, or none', () => {
    expect(transcriberFrom({ command: '/usr/local/bin/stt', model: 'whisper-1', nice: 10 })?.name).to.equal(
      'command:stt',
    );
    expect(transcriberFrom({ url: 'http://127.0.0.1:1/x', model: 'whisper-1', nice: 10 })?.name).to.equal(
      'http:whisper-1',
    );
    expect(transcriberFrom({ model: 'whisper-1', nice: 10 })).to.equal(null);
  });

  it('cleanTranscript folds line breaks and runs of spaces', () => {
    expect(cleanTranscript('  go forward\n\nten   meters \r\n')).to.equal('go forward ten meters');
  });
});
