import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import S3rver from 's3rver';
import type { RecordingSource } from '../../src/recording/jobs.js';
import { SwitchError } from '../../src/telephony/port.js';

/** A WAV file as Asterisk writes it (8 kHz 16-bit mono), with random samples so every byte matters. */
export function makeWav(samples: number): Buffer {
  const dataBytes = samples * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(8000, 24);
  buf.writeUInt32LE(16000, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  randomBytes(dataBytes).copy(buf, 44);
  return buf;
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export type SourceFault = 'unavailable' | 'unknown-node' | 'truncate' | 'pad' | 'error-mid' | 'stall';

/** Only what the recording pipeline asks of the switch port, with faults to inject per fetch. */
export class FakeSource implements RecordingSource {
  readonly files = new Map<string, Buffer>();
  readonly deleted: string[] = [];
  readonly faults: SourceFault[] = [];
  /** Deletions the node refuses, one per entry (the node is away). */
  failDeletes = 0;
  fetches = 0;
  private releaseStall: (() => void) | null = null;
  private readonly streams: NodeJS.ReadableStream[] = [];

  /** Downloads handed out that were neither read to the end nor destroyed. */
  openStreams(): number {
    return this.streams.filter((s) => {
      const r = s as Readable;
      return !r.destroyed && !r.readableEnded;
    }).length;
  }

  async fetchStoredRecording(name: string): Promise<NodeJS.ReadableStream> {
    const stream = await this.open(name);
    this.streams.push(stream);
    return stream;
  }

  private async open(name: string): Promise<NodeJS.ReadableStream> {
    this.fetches++;
    const file = this.files.get(name);
    const fault = this.faults.shift();
    if (fault === 'unavailable') throw new SwitchError('unavailable', 'node asterisk-1 is not connected');
    // The adapter's answer when it cannot tell which node holds the file (no HTTP request was made).
    if (fault === 'unknown-node') throw new SwitchError('not_found', `recording ${name} is not known on any node`);
    if (!file) throw new SwitchError('not_found', `Recording not found`, 404);
    const parts: Buffer[] = [];
    for (let i = 0; i < file.length; i += 7000) parts.push(file.subarray(i, i + 7000));
    if (fault === 'truncate') return Readable.from(parts.slice(0, -1));
    if (fault === 'pad') return Readable.from([...parts, Buffer.alloc(10)]);
    if (fault === 'error-mid') {
      const out = new PassThrough();
      out.write(parts[0]);
      setTimeout(() => out.destroy(new Error('socket hang up')), 5);
      return out;
    }
    if (fault === 'stall') {
      const out = new PassThrough();
      const half = Math.floor(parts.length / 2);
      for (const p of parts.slice(0, half)) out.write(p);
      this.releaseStall = () => {
        for (const p of parts.slice(half)) out.write(p);
        out.end();
      };
      return out;
    }
    return Readable.from(parts);
  }

  release(): void {
    this.releaseStall?.();
  }

  async deleteStoredRecording(name: string): Promise<void> {
    if (this.failDeletes > 0) {
      this.failDeletes--;
      throw new SwitchError('unavailable', 'node asterisk-1 is not connected');
    }
    if (!this.files.delete(name)) throw new SwitchError('not_found', 'Recording not found', 404);
    this.deleted.push(name);
  }
}

export interface LocalS3 {
  readonly port: number;
  url(bucket: string, prefix?: string): string;
  stop(): Promise<void>;
  restart(): Promise<void>;
  destroy(): Promise<void>;
}

export const S3_ENV = { ARIADNE_S3_ACCESS_KEY_ID: 'S3RVER', ARIADNE_S3_SECRET_ACCESS_KEY: 'S3RVER' } as NodeJS.ProcessEnv;

/** s3rver on 127.0.0.1 with a random port; stop/restart keep the port and the data (for outage drills). */
export async function startLocalS3(buckets: string[]): Promise<LocalS3> {
  const dir = mkdtempSync(join(tmpdir(), 'ariadne-s3-'));
  const make = (port: number) => new S3rver({ port, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name })) });
  let server: S3rver | null = make(0);
  const port = (await server.run()).port;
  return {
    port,
    url: (bucket, prefix = '') => `s3://${bucket}${prefix ? `/${prefix}` : ''}?endpoint=http://127.0.0.1:${port}&forcePathStyle=true`,
    async stop() {
      await server?.close();
      server = null;
    },
    async restart() {
      server = make(port);
      await server.run();
    },
    async destroy() {
      await server?.close();
      server = null;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
