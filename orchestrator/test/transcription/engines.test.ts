import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PermanentJobError } from '../../src/jobs/index.js';
import {
  cleanTranscript,
  commandTranscriber,
  httpTranscriber,
  transcriberFrom,
  type TranscriptionInput,
} from '../../src/transcription/engines.js';

const POCKETSPHINX_SCRIPT = resolve('scripts/transcribe-pocketsphinx.sh');
/** "go forward ten meters", spoken by a person: 16 kHz 16-bit mono raw, from Debian's pocketsphinx-testdata. */
const GO_FORWARD = '/usr/share/pocketsphinx/test/data/goforward.raw';

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
      expect(cleanTranscript(out)).to.equal('heard rec-1.wav in zh nice 7');
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
      expect(cleanTranscript(await engine.transcribe(input(wav)))).to.equal('go forward ten meters');
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
      expect(await engine.transcribe(input('/unused.wav', 'zh'))).to.equal('I would like a refund, please.');
      expect(seen).to.deep.equal([
        {
          auth: 'Bearer stt-secret',
          fields: { model: 'large-v3', language: 'zh', response_format: 'json' },
          file: { name: 'recording.wav', type: 'audio/wav', bytes: 13 },
        },
      ]);
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
