import type { Readable } from 'node:stream';
import express, { Router, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import type { AuthUser } from '../auth/types.js';
import type { Logger } from '../logger.js';
import { writeRecordingAudit } from './audit.js';
import type { Keyring } from './crypto.js';
import { MAX_LINK_TTL_SECONDS, signLink, verifyLink } from './links.js';
import { openRecordingCopy, parseRange } from './playback.js';
import { getRecording, type Recording } from './repository.js';
import { readTranscript, transcribeJobKey } from './transcripts.js';
import type { ObjectStore } from './storage/index.js';

export interface RecordingRoutesOptions {
  readonly db: Knex;
  readonly keyring: Keyring;
  storeFor(target: string): ObjectStore;
  readonly logger: Logger;
  /** Prefix of links handed out (ARIADNE_PUBLIC_URL); relative links when absent. */
  readonly publicUrl?: string;
  /** Where the API mounts this router; used to build links. Default /api/recordings. */
  readonly mountPath?: string;
  readonly defaultLinkTtlSeconds?: number;
  readonly now?: () => number;
  /** Queues a recording's transcription; false when no engine is configured (recording/pipeline.ts). */
  readonly requestTranscript?: (recordingId: string) => Promise<boolean>;
}

const ID = /^[A-Za-z0-9-]{1,36}$/;

const CONTENT_TYPES: Record<string, string> = {
  wav: 'audio/wav',
  gsm: 'audio/x-gsm',
  ulaw: 'audio/basic',
  sln16: 'application/octet-stream',
};

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** Admins hear every recording, supervisors those of their queues, an agent only those of calls they took. */
export function mayPlay(user: AuthUser, rec: Pick<Recording, 'agentId' | 'queueId'>): boolean {
  if (user.role === 'admin') return true;
  if (user.role === 'supervisor') return rec.queueId !== null && (user.queueIds ?? []).includes(rec.queueId);
  return user.role === 'agent' && user.agentId !== null && rec.agentId !== null && user.agentId === rec.agentId;
}

function currentUser(res: Response): AuthUser | null {
  const u = (res.locals as { user?: AuthUser }).user;
  return u && typeof u.id === 'number' && typeof u.role === 'string' ? u : null;
}

/**
 * Router for /api/recordings (mounted by the API after its auth middleware, which sets res.locals.user; requests
 * carrying a valid `sig`/`exp` pair need no session):
 *   GET  /:id/audio   the decrypted audio, with single-range support (206 / 416); audited
 *   POST /:id/link    a short-lived signed URL for the audio (body: { ttlSeconds? })
 *   GET  /:id/transcript   what was heard on it, or where its transcription stands; audited
 *   POST /:id/transcribe   queue its transcription now (admins and supervisors)
 */
export function createRecordingRoutes(options: RecordingRoutesOptions): Router {
  const { db, keyring } = options;
  const secrets = keyring.derive('recording-links');
  const now = options.now ?? Date.now;
  const mount = (options.mountPath ?? '/api/recordings').replace(/\/+$/, '');
  const router = Router();

  router.get('/:id/audio', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!ID.test(id)) return fail(res, 404, 'not_found', 'recording not found');
    const signed = req.query.sig !== undefined || req.query.exp !== undefined;
    let user: AuthUser | null = null;
    if (signed) {
      const check = verifyLink(secrets, id, req.query.exp, req.query.sig, now());
      if (check !== 'valid')
        return fail(
          res,
          401,
          'unauthenticated',
          check === 'expired' ? 'this playback link has expired' : 'this playback link is not valid',
        );
    } else {
      user = currentUser(res);
      if (!user) return fail(res, 401, 'unauthenticated', 'sign in or use a signed playback link');
    }
    const rec = await getRecording(db, id);
    if (!rec) return fail(res, 404, 'not_found', 'recording not found');
    if (user && !mayPlay(user, rec))
      return fail(res, 403, 'forbidden', 'you may only play recordings of your own calls or queues');
    if (rec.state === 'deleted') return fail(res, 410, 'gone', 'this recording was deleted under the retention policy');
    if (rec.state !== 'uploaded' || rec.bytes === null || !rec.storageKey || !rec.storageTarget) {
      return fail(res, 409, 'conflict', `this recording is not available for playback (state ${rec.state})`);
    }

    const size = rec.bytes;
    const etag = rec.sha256 ? `"${rec.sha256}"` : null;
    // If-Range: a range is only valid against the same file; otherwise the whole (new) file is sent.
    const ifRange = req.headers['if-range'];
    const rangeHeader =
      typeof req.headers.range === 'string' && (ifRange === undefined || (etag !== null && ifRange === etag))
        ? req.headers.range
        : undefined;
    const range = parseRange(rangeHeader, size);
    res.setHeader('Accept-Ranges', 'bytes');
    if (etag) res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'private, no-store');
    if (range.kind === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${size}`);
      return fail(res, 416, 'range_not_satisfiable', `the recording is ${size} bytes`);
    }
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : size - 1;

    if (req.method !== 'HEAD') {
      await writeRecordingAudit(db, {
        action: 'recording.play',
        recordingId: rec.id,
        userId: user?.id ?? null,
        actor: user ? user.username : 'signed-link',
        details: { range: range.kind === 'partial' ? `${start}-${end}` : 'full', callId: rec.callId },
        ip: req.ip ?? null,
      });
    }

    let body: Readable | null = null;
    if (size > 0 && req.method !== 'HEAD') {
      body = await openRecordingCopy(
        { db, keyring, storeFor: options.storeFor, logger: options.logger },
        rec,
        start,
        end,
      );
      if (!body)
        return fail(
          res,
          503,
          'unavailable',
          'no copy of the recording could be opened (store unreachable, object damaged, or its key missing)',
        );
    }
    res.status(range.kind === 'partial' ? 206 : 200);
    res.setHeader('Content-Type', CONTENT_TYPES[rec.format] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(Math.max(0, end - start + 1)));
    res.setHeader('Content-Disposition', `inline; filename="${rec.id}.${rec.format}"`);
    if (range.kind === 'partial') res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
    if (!body) return void res.end();
    const stream = body;
    stream.on('error', (err) => {
      // Headers are out: the only honest signal left is to cut the connection.
      options.logger.error({ err, recordingId: rec.id }, 'recording playback failed mid-stream');
      res.destroy(err);
    });
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  });

  router.post('/:id/link', express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const user = currentUser(res);
    if (!user) return fail(res, 401, 'unauthenticated', 'sign in to create playback links');
    if (!ID.test(id)) return fail(res, 404, 'not_found', 'recording not found');
    const ttlRaw = (req.body as { ttlSeconds?: unknown } | undefined)?.ttlSeconds;
    const ttl = ttlRaw === undefined ? (options.defaultLinkTtlSeconds ?? 300) : Number(ttlRaw);
    if (!Number.isInteger(ttl) || ttl < 10 || ttl > MAX_LINK_TTL_SECONDS) {
      return fail(
        res,
        400,
        'validation_failed',
        `ttlSeconds must be a whole number from 10 to ${MAX_LINK_TTL_SECONDS}`,
      );
    }
    const rec = await getRecording(db, id);
    if (!rec) return fail(res, 404, 'not_found', 'recording not found');
    if (!mayPlay(user, rec))
      return fail(res, 403, 'forbidden', 'you may only share recordings of your own calls or queues');
    if (rec.state !== 'uploaded')
      return fail(res, 409, 'conflict', `this recording is not available for playback (state ${rec.state})`);
    const exp = Math.floor(now() / 1000) + ttl;
    const path = `${mount}/${encodeURIComponent(id)}/audio?exp=${exp}&sig=${signLink(secrets, id, exp)}`;
    await writeRecordingAudit(db, {
      action: 'recording.link',
      recordingId: id,
      userId: user.id,
      actor: user.username,
      details: { ttlSeconds: ttl },
      ip: req.ip ?? null,
    });
    res.status(201).json({
      url: options.publicUrl ? `${options.publicUrl.replace(/\/+$/, '')}${path}` : path,
      expiresAt: new Date(exp * 1000).toISOString(),
    });
  });

  /** A transcript, or where its transcription stands when there is none yet: queued or running, or given up. */
  const transcriptView = async (rec: Recording): Promise<Record<string, unknown> | null> => {
    const t = await readTranscript(db, keyring, rec.id);
    if (t) return { ...t, createdAt: t.createdAt.toISOString() };
    const job = (await db('jobs').where('idempotency_key', transcribeJobKey(rec.id)).first('state', 'last_error')) as
      { state: string; last_error: string | null } | undefined;
    if (!job) return null;
    if (job.state === 'dead')
      return { recordingId: rec.id, callId: rec.callId, state: 'failed', reason: job.last_error };
    return { recordingId: rec.id, callId: rec.callId, state: 'pending', reason: job.last_error };
  };

  const auditBy = (user: AuthUser, req: Request, action: string, rec: Recording): Promise<void> =>
    writeRecordingAudit(db, {
      action,
      recordingId: rec.id,
      userId: user.id,
      actor: user.username,
      details: { callId: rec.callId },
      ip: req.ip ?? null,
    });

  /** The recording the signed-in user may hear, or null once the refusal is sent. */
  const visibleRecording = async (req: Request, res: Response): Promise<{ user: AuthUser; rec: Recording } | null> => {
    const refuse = (status: number, code: string, message: string): null => {
      fail(res, status, code, message);
      return null;
    };
    const user = currentUser(res);
    if (!user) return refuse(401, 'unauthenticated', 'sign in to read transcripts');
    const id = String(req.params.id);
    const rec = ID.test(id) ? await getRecording(db, id) : null;
    if (!rec) return refuse(404, 'not_found', 'recording not found');
    if (!mayPlay(user, rec))
      return refuse(403, 'forbidden', 'you may only read transcripts of your own calls or queues');
    return { user, rec };
  };

  router.get('/:id/transcript', async (req: Request, res: Response) => {
    const found = await visibleRecording(req, res);
    if (!found) return;
    const { user, rec } = found;
    const view = await transcriptView(rec);
    if (!view)
      return fail(res, 404, 'not_found', 'this recording has not been transcribed (its queue does not transcribe)');
    if (view.state === 'done') await auditBy(user, req, 'recording.transcript', rec);
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(view);
  });

  router.post('/:id/transcribe', async (req: Request, res: Response) => {
    const found = await visibleRecording(req, res);
    if (!found) return;
    const { user, rec } = found;
    if (user.role === 'agent') return fail(res, 403, 'forbidden', 'only admins and supervisors ask for transcripts');
    if (rec.state !== 'uploaded')
      return fail(res, 409, 'conflict', `only a stored recording can be transcribed (this one is ${rec.state})`);
    const existing = await readTranscript(db, keyring, rec.id);
    if (existing)
      return fail(
        res,
        409,
        'conflict',
        `this recording was already transcribed (${existing.state}) at ${existing.createdAt.toISOString()}`,
      );
    if (!(await options.requestTranscript?.(rec.id)))
      return fail(
        res,
        409,
        'conflict',
        'no speech-to-text engine is configured (ARIADNE_TRANSCRIBE_COMMAND or ARIADNE_TRANSCRIBE_URL)',
      );
    await auditBy(user, req, 'recording.transcribe', rec);
    res.status(202).json(await transcriptView(rec));
  });

  return router;
}
