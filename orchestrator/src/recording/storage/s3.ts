import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { checkKey, StorageError, type ByteRange, type ObjectInfo, type ObjectStore, type PutOptions } from './types.js';

/**
 * `s3://bucket[/prefix]?endpoint=http://host:9000&region=us-east-1&forcePathStyle=true&sse=AES256&sseKmsKeyId=...`
 * - endpoint: omit for AWS S3; set for MinIO, Ceph RGW, Alibaba OSS (https://oss-cn-hangzhou.aliyuncs.com), ...
 * - region: default us-east-1 (MinIO/Ceph accept any; OSS wants its region id, e.g. oss-cn-hangzhou)
 * - forcePathStyle: true for MinIO/Ceph/s3rver (bucket in the path); false (default) for AWS and OSS
 * - sse: none (default) | AES256 | aws:kms  (server-side encryption on top of Ariadne's own encryption)
 * Credentials come from ARIADNE_S3_ACCESS_KEY_ID / ARIADNE_S3_SECRET_ACCESS_KEY, else the standard AWS chain
 * (AWS_ACCESS_KEY_ID..., ~/.aws, instance roles). They never appear in the URL.
 */
export interface S3Target {
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint?: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  readonly sse?: ServerSideEncryption;
  readonly sseKmsKeyId?: string;
  /** The URL in canonical form, without credentials. */
  readonly canonical: string;
}

const KNOWN_PARAMS = new Set(['endpoint', 'region', 'forcePathStyle', 'sse', 'sseKmsKeyId']);

export function parseS3Url(url: string): S3Target {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StorageError('invalid', `storage URL ${url} is not a URL (expected s3://bucket/prefix?endpoint=...)`);
  }
  if (u.protocol !== 's3:') throw new StorageError('invalid', `storage URL ${url}: expected the s3: scheme`);
  if (u.username || u.password) throw new StorageError('invalid', 'storage URL: put S3 credentials in ARIADNE_S3_ACCESS_KEY_ID / ARIADNE_S3_SECRET_ACCESS_KEY, not in the URL');
  const bucket = u.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new StorageError('invalid', `storage URL ${url}: "${bucket}" is not a valid bucket name`);
  for (const name of u.searchParams.keys()) {
    if (!KNOWN_PARAMS.has(name)) throw new StorageError('invalid', `storage URL ${url}: unknown parameter "${name}" (known: ${[...KNOWN_PARAMS].join(', ')})`);
  }
  const prefix = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
  const endpoint = u.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) throw new StorageError('invalid', `storage URL ${url}: endpoint must be an http(s) URL`);
  const fps = u.searchParams.get('forcePathStyle');
  if (fps !== null && fps !== 'true' && fps !== 'false') throw new StorageError('invalid', `storage URL ${url}: forcePathStyle must be true or false`);
  const sseRaw = u.searchParams.get('sse') ?? 'none';
  if (!['none', 'AES256', 'aws:kms'].includes(sseRaw)) throw new StorageError('invalid', `storage URL ${url}: sse must be none, AES256 or aws:kms`);
  const region = u.searchParams.get('region') ?? 'us-east-1';
  const sseKmsKeyId = u.searchParams.get('sseKmsKeyId') ?? undefined;
  const params = new URLSearchParams();
  if (endpoint) params.set('endpoint', endpoint);
  params.set('region', region);
  if (fps === 'true') params.set('forcePathStyle', 'true');
  if (sseRaw !== 'none') params.set('sse', sseRaw);
  if (sseKmsKeyId) params.set('sseKmsKeyId', sseKmsKeyId);
  return {
    bucket,
    prefix,
    endpoint,
    region,
    forcePathStyle: fps === 'true',
    sse: sseRaw === 'none' ? undefined : (sseRaw as ServerSideEncryption),
    sseKmsKeyId,
    canonical: `s3://${bucket}${prefix ? `/${prefix}` : ''}?${params.toString()}`,
  };
}

function statusOf(err: unknown): number | undefined {
  return err instanceof S3ServiceException ? err.$metadata.httpStatusCode : (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function wrap(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  const status = statusOf(err);
  const name = (err as { name?: string } | null)?.name;
  if (status === 404 || name === 'NoSuchKey' || name === 'NotFound') return new StorageError('not_found', `${what}: not found`, { cause: err });
  return new StorageError('unavailable', `${what}: ${(err as Error)?.message ?? String(err)}${status ? ` (HTTP ${status})` : ''}`, { cause: err });
}

export function createS3Store(url: string, env: NodeJS.ProcessEnv = process.env): ObjectStore {
  const t = parseS3Url(url);
  const accessKeyId = env.ARIADNE_S3_ACCESS_KEY_ID;
  const secretAccessKey = env.ARIADNE_S3_SECRET_ACCESS_KEY;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new StorageError('invalid', 'set both ARIADNE_S3_ACCESS_KEY_ID and ARIADNE_S3_SECRET_ACCESS_KEY, or neither (to use the AWS credential chain)');
  }
  const client = new S3Client({
    region: t.region,
    endpoint: t.endpoint,
    forcePathStyle: t.forcePathStyle,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    // Checksums only where S3 requires them: MinIO, Ceph RGW, OSS and older gateways reject the newer
    // default CRC32 trailers on streamed uploads. Ariadne verifies its own SHA-256 and GCM tags anyway.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
  });
  const full = (key: string): string => (t.prefix ? `${t.prefix}/${checkKey(key)}` : checkKey(key));

  return {
    target: t.canonical,
    async put(key: string, body: Readable, options: PutOptions = {}): Promise<void> {
      const upload = new Upload({
        client,
        // Parts are buffered (partSize × queueSize at most), never the whole object.
        queueSize: 2,
        partSize: 5 * 1024 * 1024,
        leavePartsOnError: false,
        params: {
          Bucket: t.bucket,
          Key: full(key),
          Body: body,
          ContentType: options.contentType ?? 'application/octet-stream',
          Metadata: { ...(options.metadata ?? {}) },
          ServerSideEncryption: t.sse,
          SSEKMSKeyId: t.sse === 'aws:kms' ? t.sseKmsKeyId : undefined,
        },
      });
      const onAbort = (): void => void upload.abort().catch(() => undefined);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      // A source stream error must fail the upload (lib-storage otherwise may wait for data forever).
      const failed = new Promise<never>((_, reject) => body.once('error', (err) => reject(err)));
      failed.catch(() => undefined);
      try {
        await Promise.race([upload.done(), failed]);
      } catch (err) {
        await upload.abort().catch(() => undefined);
        // Release the source too (e.g. another store's response socket being copied from).
        body.destroy();
        throw wrap(err, `s3 put ${key}`);
      } finally {
        options.signal?.removeEventListener('abort', onAbort);
      }
    },
    async get(key: string, range?: ByteRange): Promise<Readable> {
      try {
        const out = await client.send(
          new GetObjectCommand({ Bucket: t.bucket, Key: full(key), Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
        );
        const b = out.Body;
        if (b instanceof Readable) return b;
        if (b && typeof (b as { transformToWebStream?: unknown }).transformToWebStream === 'function') {
          return Readable.fromWeb((b as unknown as { transformToWebStream(): import('node:stream/web').ReadableStream }).transformToWebStream());
        }
        throw new StorageError('unavailable', `s3 get ${key}: response has no body`);
      } catch (err) {
        throw wrap(err, `s3 get ${key}`);
      }
    },
    async head(key: string): Promise<ObjectInfo | null> {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: t.bucket, Key: full(key) }));
        return { key, size: Number(out.ContentLength ?? 0), metadata: out.Metadata ?? {} };
      } catch (err) {
        const e = wrap(err, `s3 head ${key}`);
        if (e.code === 'not_found') return null;
        throw e;
      }
    },
    async delete(key: string): Promise<void> {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: full(key) }));
      } catch (err) {
        const e = wrap(err, `s3 delete ${key}`);
        if (e.code !== 'not_found') throw e;
      }
    },
    async *list(prefix: string) {
      let token: string | undefined;
      const strip = t.prefix ? t.prefix.length + 1 : 0;
      do {
        let out;
        try {
          out = await client.send(
            new ListObjectsV2Command({ Bucket: t.bucket, Prefix: t.prefix ? `${t.prefix}/${prefix}` : prefix, ContinuationToken: token }),
          );
        } catch (err) {
          throw wrap(err, `s3 list ${prefix}`);
        }
        for (const o of out.Contents ?? []) if (o.Key) yield { key: o.Key.slice(strip), size: Number(o.Size ?? 0) };
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    },
    close() {
      client.destroy();
    },
  };
}
