import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { readAll } from '../../src/recording/jobs.js';
import { createFileStore, createS3Store, parseS3Url, StorageError, type ObjectStore } from '../../src/recording/storage/index.js';
import { syncDirectory } from '../../src/recording/storage/file.js';
import { S3_ENV, startLocalS3, type LocalS3 } from './support.js';

function pieces(buf: Buffer, size = 10_000): Readable {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return Readable.from(out);
}

async function keys(store: ObjectStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out.sort();
}

describe('S3 storage URLs', () => {
  it('parses bucket, prefix and parameters into a canonical target without credentials', () => {
    const t = parseS3Url('s3://calls-rec/prod/eu?endpoint=http://127.0.0.1:9000&region=eu-west-1&forcePathStyle=true&sse=AES256');
    expect([t.bucket, t.prefix, t.endpoint, t.region, t.forcePathStyle, t.sse]).to.deep.equal(['calls-rec', 'prod/eu', 'http://127.0.0.1:9000', 'eu-west-1', true, 'AES256']);
    expect(t.canonical).to.equal('s3://calls-rec/prod/eu?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=eu-west-1&forcePathStyle=true&sse=AES256');
    expect(parseS3Url('s3://bucket').prefix).to.equal('');
    expect(parseS3Url('s3://bucket').region).to.equal('us-east-1');
  });
  it('rejects credentials in the URL, unknown parameters, bad buckets and bad values', () => {
    expect(() => parseS3Url('s3://AK:SK@bucket/x')).to.throw(/ARIADNE_S3_ACCESS_KEY_ID/);
    expect(() => parseS3Url('s3://bucket/x?endpont=http://a')).to.throw(/unknown parameter "endpont"/);
    expect(() => parseS3Url('s3://B_ucket/x')).to.throw(/not a valid bucket name/);
    expect(() => parseS3Url('s3://bucket?sse=rot13')).to.throw(/sse must be/);
    expect(() => parseS3Url('s3://bucket?forcePathStyle=yes')).to.throw(/forcePathStyle/);
    expect(() => createS3Store('s3://bucket', { ARIADNE_S3_ACCESS_KEY_ID: 'x' })).to.throw(/both/);
  });
});

const drivers: { name: string; open: () => Promise<{ store: ObjectStore; done: () => Promise<void>; dir?: string }> }[] = [
  {
    name: 'filesystem',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ariadne-fs-'));
      return { store: createFileStore(`file:${dir}`), dir, done: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'S3 (s3rver)',
    open: async () => {
      const s3: LocalS3 = await startLocalS3(['rec']);
      const store = createS3Store(s3.url('rec', 'ariadne'), S3_ENV);
      return {
        store,
        done: async () => {
          store.close();
          await s3.destroy();
        },
      };
    },
  },
];

for (const driver of drivers) {
  describe(`object store: ${driver.name}`, () => {
    let store: ObjectStore;
    let done: () => Promise<void>;
    let dir: string | undefined;
    before(async () => {
      ({ store, done, dir } = await driver.open());
    });
    after(async () => done());

    it('puts a stream (multi-part sized) with metadata; head, full get and ranges return it', async () => {
      const body = randomBytes(6 * 1024 * 1024 + 123); // over one 5 MiB S3 part
      await store.put('recordings/2026/11/23/c1/r1.wav.enc', pieces(body, 64 * 1024), { metadata: { 'key-id': 'k1' } });
      const info = await store.head('recordings/2026/11/23/c1/r1.wav.enc');
      expect(info?.size).to.equal(body.length);
      expect(info?.metadata['key-id']).to.equal('k1');
      expect((await readAll(await store.get('recordings/2026/11/23/c1/r1.wav.enc'))).equals(body)).to.equal(true);
      const mid = await readAll(await store.get('recordings/2026/11/23/c1/r1.wav.enc', { start: 5_000_000, end: 5_000_099 }));
      expect(mid.equals(body.subarray(5_000_000, 5_000_100))).to.equal(true);
    });

    it('a second put under the same key replaces the object (one object, the new bytes)', async () => {
      await store.put('recordings/x/same.enc', pieces(Buffer.from('first version')));
      await store.put('recordings/x/same.enc', pieces(Buffer.from('second')));
      expect((await readAll(await store.get('recordings/x/same.enc'))).toString()).to.equal('second');
      expect(await keys(store, 'recordings/x/')).to.deep.equal(['recordings/x/same.enc']);
    });

    // 'at once' fails the source before the store can have started reading it (the file store is still making
    // directories): that error must become the put's rejection, not an uncaught exception.
    for (const [when, fail] of [
      ['mid-way', (f: () => void) => setTimeout(f, 10)],
      ['at once', (f: () => void) => f()],
    ] as const) {
      it(`a source that fails ${when} leaves no object and no temporary file`, async () => {
        const src = new PassThrough();
        src.write(randomBytes(100_000));
        const stored = store.put('recordings/fail/broken.enc', src);
        fail(() => src.destroy(new Error('download reset')));
        let err: unknown;
        try {
          await stored;
        } catch (e) {
          err = e;
        }
        expect(err).to.be.instanceOf(StorageError);
        expect(await store.head('recordings/fail/broken.enc')).to.equal(null);
        expect(await keys(store, 'recordings/fail/')).to.deep.equal([]);
        if (dir) expect(readdirSync(join(dir, 'recordings', 'fail'))).to.deep.equal([]);
      });
    }

    it('lists by prefix; delete is idempotent; get of an absent key is not_found', async () => {
      await store.put('recordings/l/a.enc', pieces(Buffer.from('a')));
      await store.put('recordings/l/b/c.enc', pieces(Buffer.from('bc')));
      await store.put('recordings/lx.enc', pieces(Buffer.from('x')));
      expect(await keys(store, 'recordings/l/')).to.deep.equal(['recordings/l/a.enc', 'recordings/l/b/c.enc']);
      await store.delete('recordings/l/a.enc');
      await store.delete('recordings/l/a.enc');
      expect(await store.head('recordings/l/a.enc')).to.equal(null);
      let code = '';
      try {
        await store.get('recordings/l/a.enc');
      } catch (e) {
        code = (e as StorageError).code;
      }
      expect(code).to.equal('not_found');
    });

    it('refuses keys that could escape the store', async () => {
      for (const bad of ['../etc/passwd', '/abs', 'a//b', 'a/./b', 'x.meta.json']) {
        let code = '';
        try {
          await store.head(bad);
        } catch (e) {
          code = (e as StorageError).code;
        }
        expect(code, bad).to.equal('invalid');
      }
    });
  });
}

describe('object store: filesystem durability', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ariadne-fs-sync-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("syncs the object's directory, and the parent of every directory the put made, before put resolves", async () => {
    const synced: string[] = [];
    const store = createFileStore(`file:${dir}`, {
      syncDirectory: async (d) => {
        synced.push(d);
      },
    });
    await store.put('recordings/2026/12/05/c1/r1.wav.enc', pieces(Buffer.from('one')));
    const day = join(dir, 'recordings', '2026', '12', '05');
    // Everything below the root was made by this put: the root holds the first new entry.
    expect(synced.sort()).to.deep.equal(
      [dir, join(dir, 'recordings'), join(dir, 'recordings', '2026'), join(dir, 'recordings', '2026', '12'), day, join(day, 'c1')].sort(),
    );
    synced.length = 0;
    await store.put('recordings/2026/12/05/c2/r2.wav.enc', pieces(Buffer.from('two')));
    expect(synced.sort()).to.deep.equal([day, join(day, 'c2')]);
    synced.length = 0;
    await store.put('recordings/2026/12/05/c2/r3.wav.enc', pieces(Buffer.from('three')));
    expect(synced).to.deep.equal([join(day, 'c2')]);
  });

  it('a directory that cannot be synced fails the put, so the upload is retried instead of trusted', async () => {
    const store = createFileStore(`file:${dir}`, {
      syncDirectory: async () => {
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      },
    });
    let err: unknown;
    try {
      await store.put('recordings/s/x.enc', pieces(Buffer.from('x')));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(StorageError);
    expect((err as StorageError).message).to.match(/EIO/);
  });

  it('syncDirectory syncs a real directory and reports a missing one', async () => {
    await syncDirectory(dir);
    let code = '';
    try {
      await syncDirectory(join(dir, 'absent'));
    } catch (e) {
      code = (e as { code?: string }).code ?? '';
    }
    expect(code).to.equal('ENOENT');
  });

  it('reads a recording in one piece, an empty object and a range past the end as nothing', async () => {
    const store = createFileStore(`file:${dir}`, { syncDirectory: async () => undefined });
    const body = randomBytes(800_000);
    await store.put('recordings/r/one.enc', pieces(body, 64 * 1024));
    const chunks: Buffer[] = [];
    for await (const c of await store.get('recordings/r/one.enc')) chunks.push(c as Buffer);
    expect(chunks.map((c) => c.length)).to.deep.equal([800_000]);
    expect(chunks[0]!.equals(body)).to.equal(true);
    const tail = await readAll(await store.get('recordings/r/one.enc', { start: 799_990, end: 900_000 }));
    expect(tail.equals(body.subarray(799_990))).to.equal(true);
    expect((await readAll(await store.get('recordings/r/one.enc', { start: 800_000, end: 800_100 }))).length).to.equal(0);
    await store.put('recordings/r/empty.enc', pieces(Buffer.alloc(0)));
    expect((await readAll(await store.get('recordings/r/empty.enc'))).length).to.equal(0);
  });
});
