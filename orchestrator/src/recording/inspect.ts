import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceError';
  }
}

export interface WavFacts {
  readonly riffBytes: number;
  readonly dataBytes: number;
  readonly dataOffset: number;
  readonly byteRate: number;
}

const HEAD_BYTES = 4096;

/** Parses the RIFF/WAVE header from the first bytes of a file; null while too few bytes to tell. */
export function parseWavHead(head: Buffer, final: boolean): WavFacts | null {
  if (head.length < 12) {
    if (final) throw new SourceError(`not a WAV file: only ${head.length} bytes`);
    return null;
  }
  if (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') throw new SourceError('not a WAV file (no RIFF/WAVE header)');
  const riffBytes = head.readUInt32LE(4) + 8;
  let byteRate = 0;
  let o = 12;
  while (o + 8 <= head.length) {
    const id = head.toString('ascii', o, o + 4);
    const size = head.readUInt32LE(o + 4);
    if (id === 'fmt ') {
      if (o + 8 + 12 > head.length) break;
      byteRate = head.readUInt32LE(o + 8 + 8);
    } else if (id === 'data') {
      if (byteRate <= 0) throw new SourceError('WAV file has no usable fmt chunk before its data');
      return { riffBytes, dataBytes: size, dataOffset: o + 8, byteRate };
    }
    o += 8 + size + (size % 2);
  }
  if (final || head.length >= HEAD_BYTES) throw new SourceError('WAV header is incomplete or has no data chunk');
  return null;
}

/**
 * Passes the downloaded file through unchanged while hashing (SHA-256) and counting it, and fails the stream at
 * its end if it is not whole: for WAV, the byte count must equal what the RIFF header declares (a short or
 * padded download, e.g. a dropped connection, fails here and the attempt is retried). Also fails a source that
 * sends nothing for `idleMs`.
 */
export class InspectStream extends Transform {
  private readonly hash = createHash('sha256');
  private head: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | null = null;
  bytes = 0;
  wav: WavFacts | null = null;
  /** The WAV header still had zero sizes (never finalized by Asterisk). */
  unfinalized = false;
  sha256 = '';

  constructor(
    private readonly format: string,
    private readonly idleMs = 30_000,
  ) {
    super();
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.destroy(new SourceError(`the recording download stalled (no data for ${this.idleMs} ms)`)), this.idleMs);
    this.timer.unref();
  }

  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.arm();
    this.hash.update(data);
    this.bytes += data.length;
    if (this.format === 'wav' && !this.wav && this.head.length < HEAD_BYTES) {
      this.head = Buffer.concat([this.head, data.subarray(0, HEAD_BYTES - this.head.length)]);
      try {
        this.wav = parseWavHead(this.head, false);
      } catch (err) {
        cb(err as Error);
        return;
      }
    }
    cb(null, data);
  }

  override _flush(cb: TransformCallback): void {
    if (this.timer) clearTimeout(this.timer);
    try {
      if (this.format === 'wav') {
        const wav = this.wav ?? parseWavHead(this.head, true);
        if (!wav) throw new SourceError('WAV header is incomplete');
        this.wav = wav;
        if (wav.riffBytes === 8 && wav.dataBytes === 0) {
          // Asterisk writes the sizes when it closes the file; a node that died mid-call leaves them zero. The
          // audio is still good: keep it, sized by what arrived (a short download cannot be told apart here).
          this.unfinalized = true;
          this.wav = { ...wav, riffBytes: this.bytes, dataBytes: Math.max(0, this.bytes - wav.dataOffset) };
        } else if (this.bytes !== wav.riffBytes) {
          throw new SourceError(`download is ${this.bytes} bytes but the WAV header declares ${wav.riffBytes}: ${this.bytes < wav.riffBytes ? 'truncated' : 'corrupt'}`);
        }
      } else if (this.bytes === 0) {
        throw new SourceError('the recording file is empty');
      }
      this.sha256 = this.hash.digest('hex');
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    cb(err);
  }

  /** Seconds of audio, when the format says (WAV); otherwise undefined. */
  get durationSeconds(): number | undefined {
    return this.wav && this.wav.byteRate > 0 ? Math.round((this.wav.dataBytes / this.wav.byteRate) * 1000) / 1000 : undefined;
  }
}
