import { expect } from 'chai';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InspectStream } from '../../src/recording/inspect.js';
import { makeWav, sha256 } from './support.js';

async function inspect(buf: Buffer, format = 'wav'): Promise<InspectStream> {
  const s = new InspectStream(format, 5000);
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += 1000) parts.push(buf.subarray(i, i + 1000));
  await pipeline(Readable.from(parts), s, new Writable({ write: (_c, _e, cb) => cb() }));
  return s;
}

async function failure(buf: Buffer, format = 'wav'): Promise<string> {
  try {
    await inspect(buf, format);
    return 'passed';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('download inspection', () => {
  it('hashes, counts and reads the duration of a whole WAV', async () => {
    const wav = makeWav(12_000);
    const s = await inspect(wav);
    expect([s.bytes, s.sha256, s.durationSeconds, s.unfinalized]).to.deep.equal([wav.length, sha256(wav), 1.5, false]);
  });
  it('fails short, padded, non-WAV and empty downloads', async () => {
    const wav = makeWav(12_000);
    expect(await failure(wav.subarray(0, wav.length - 2))).to.match(/truncated/);
    expect(await failure(Buffer.concat([wav, Buffer.alloc(2)]))).to.match(/corrupt/);
    expect(await failure(Buffer.from('<html>502 Bad Gateway</html>'))).to.match(/not a WAV file/);
    expect(await failure(Buffer.alloc(0))).to.match(/not a WAV file/);
    expect(await failure(Buffer.alloc(0), 'gsm')).to.match(/empty/);
  });
  it('keeps a WAV whose header Asterisk never finalized (node died mid-call), sized by what arrived', async () => {
    const wav = makeWav(8000);
    wav.writeUInt32LE(0, 4);
    wav.writeUInt32LE(0, 40);
    const s = await inspect(wav);
    expect(s.unfinalized).to.equal(true);
    expect(s.durationSeconds).to.equal(1);
  });
  it('fails a source that stalls', async () => {
    const s = new InspectStream('wav', 50);
    const src = new Readable({ read() {} });
    src.push(makeWav(10).subarray(0, 20));
    let msg = '';
    try {
      await pipeline(src, s, new Writable({ write: (_c, _e, cb) => cb() }));
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).to.match(/stalled/);
  });
});
