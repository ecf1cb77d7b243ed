import { z } from 'zod';
import { loadAgents } from '../../agents/repository.js';
import { switchStatus } from '../../telephony/status.js';
import { HttpError, notFound } from '../../http/errors.js';
import { countJobsByState, getJob, listJobs, retryDeadJob } from '../../jobs/index.js';
import { route, type ApiRoute } from '../registry.js';
import type { ApiDeps } from '../services.js';
import { writeAudit } from '../../auth/audit.js';
import { getRecording, listRecordings, publicRecording } from '../../recording/index.js';
import { HIT_LIMIT, SCAN_LIMIT, searchTranscripts } from '../../recording/transcript-search.js';
import { idParam, isoTime, offsetOf, pageOf, pageQuery, stringIdParam } from '../validation.js';
import { boardFor, type WallboardSnapshot } from '../wallboard.js';
import { ADMIN, agentScope, assertOwn, assertQueue, EVERYONE, queueScope, STAFF } from './common.js';

const DAY_MS = 86_400_000;
/** A transcript search's widest range: a year, and still at most SCAN_LIMIT transcripts read. */
const MAX_SEARCH_DAYS = 366;

export interface OpsOptions {
  /** The live wallboard snapshot (from the WebSocket hub), for a first paint before the socket opens. */
  readonly wallboard?: () => WallboardSnapshot;
}

export function opsRoutes(deps: ApiDeps, options: OpsOptions = {}): ApiRoute[] {
  const { db } = deps;
  return [
    route({
      method: 'get',
      path: '/wallboard',
      tag: 'reports',
      summary: 'The live wallboard snapshot (the same message the WebSocket pushes)',
      roles: STAFF,
      async handler({ user }) {
        if (!options.wallboard) throw new HttpError(503, 'unavailable', 'the wallboard starts with the WebSocket hub');
        return boardFor(options.wallboard(), queueScope(user));
      },
    }),

    // --- recordings (metadata; playback and links come from recording/'s router) ------------------------------------
    route({
      method: 'get',
      path: '/recordings',
      tag: 'recordings',
      summary: 'Recordings by call, agent, queue or time (agents: their own), each with its `transcript` state (done, skipped or null)',
      roles: EVERYONE,
      query: pageQuery.extend({
        callId: z.string().max(36).optional(),
        agentId: z.coerce.number().int().positive().optional(),
        queueId: z.coerce.number().int().positive().optional(),
        state: z.string().max(16).optional(),
        from: isoTime.optional(),
        to: isoTime.optional(),
      }),
      async handler({ query, user }) {
        const scope = agentScope(user);
        const filter = { ...query, agentId: scope ?? query.agentId, queueIds: queueScope(user) };
        return pageOf(query, await listRecordings(db, filter, offsetOf(query)));
      },
    }),

    route({
      method: 'get',
      path: '/recordings/:id',
      tag: 'recordings',
      summary: 'One recording (metadata; the audio is at /api/recordings/:id/audio)',
      roles: EVERYONE,
      params: stringIdParam,
      async handler({ params, user }) {
        const rec = await getRecording(db, params.id);
        if (!rec) throw notFound(`recording ${params.id}`);
        assertQueue(user, rec.queueId, `recording ${params.id}`);
        assertOwn(user, rec.agentId, 'recording');
        return publicRecording(rec);
      },
    }),

    route({
      method: 'get',
      path: '/transcripts/search',
      tag: 'recordings',
      summary:
        `Calls where something was said: the transcripts of recordings started in [from, to) (default the last 7 days), ` +
        `newest first, at most ${SCAN_LIMIT} read and ${HIT_LIMIT} calls answered (\`truncated\` says so); a phrase, ` +
        'case-insensitive; each hit with up to 3 snippets and where in the recording they were said (audit ' +
        '`transcript.search`)',
      roles: STAFF,
      query: z.object({
        q: z.string().trim().min(2, 'at least 2 characters').max(100),
        from: isoTime.optional(),
        to: isoTime.optional(),
        queueId: z.coerce.number().int().positive().optional(),
      }),
      async handler({ query, user, req }) {
        const to = query.to ?? deps.now();
        const from = query.from ?? new Date(to.getTime() - 7 * DAY_MS);
        const refuse = (field: string, reason: string): never => {
          throw new HttpError(400, 'validation_failed', `query.${field}: ${reason}`, [{ in: 'query', field, reason }]);
        };
        if (from >= to) refuse('from', 'must be before `to`');
        if (to.getTime() - from.getTime() > MAX_SEARCH_DAYS * DAY_MS)
          refuse('from', `at most ${MAX_SEARCH_DAYS} days at once`);
        const read = deps.services.transcripts;
        if (!read) throw new HttpError(503, 'unavailable', 'transcripts cannot be read here (no recordings key)');
        const found = await searchTranscripts(db, read, { ...query, from, to, queueIds: queueScope(user) });
        // Reading what callers said is audited, as opening one transcript is; the words looked for say why.
        await writeAudit(db, {
          user,
          action: 'transcript.search',
          details: { q: query.q, from: from.toISOString(), to: to.toISOString(), hits: found.hits.length },
          ip: req.ip ?? null,
        });
        return { q: query.q, from: from.toISOString(), to: to.toISOString(), ...found };
      },
    }),

    // --- jobs (the outbox) ------------------------------------------------------------------------------------------
    route({
      method: 'get',
      path: '/jobs',
      tag: 'jobs',
      summary: 'Outbox jobs, newest first; state=dead lists the dead letters',
      roles: ADMIN,
      query: pageQuery.extend({
        state: z.enum(['pending', 'running', 'done', 'dead']).optional(),
        type: z.string().max(64).optional(),
      }),
      async handler({ query }) {
        return pageOf(query, await listJobs(db, { state: query.state, type: query.type, ...offsetOf(query) }));
      },
    }),
    route({
      method: 'get',
      path: '/jobs/counts',
      tag: 'jobs',
      summary: 'Number of jobs in each state (optionally of one type)',
      roles: ADMIN,
      query: z.object({ type: z.string().max(64).optional() }),
      async handler({ query }) {
        return countJobsByState(db, query.type);
      },
    }),
    route({
      method: 'post',
      path: '/jobs/:id/retry',
      tag: 'jobs',
      summary: 'Put a dead job back in the queue with a fresh attempt budget',
      roles: ADMIN,
      params: idParam,
      audit: { action: 'job.retry', targetType: 'job' },
      async handler({ params, auditTarget }) {
        if (!(await retryDeadJob(db, params.id))) {
          const job = await getJob(db, params.id);
          if (!job) throw notFound(`job ${params.id}`);
          throw new HttpError(409, 'conflict', `job ${params.id} is ${job.state}, not dead`);
        }
        const job = await getJob(db, params.id);
        auditTarget(params.id, { type: job?.type });
        return job;
      },
    }),

    // --- Asterisk -------------------------------------------------------------------------------------------------
    route({
      method: 'get',
      path: '/asterisk/status',
      tag: 'asterisk',
      summary:
        "Every Asterisk node's connection, the trunks' outbound registrations and the reachability (OPTIONS) of trunks and agents' phones, read over AMI",
      roles: ADMIN,
      response: z.object({
        nodes: z.array(z.object({}).passthrough()),
        registrations: z.array(z.object({}).passthrough()),
        trunks: z.array(z.object({}).passthrough()),
        phones: z.array(z.object({}).passthrough()),
        problems: z.array(z.string()),
      }),
      async handler() {
        return switchStatus(deps.switchPort, await loadAgents(db));
      },
    }),
    route({
      method: 'post',
      path: '/asterisk/reload',
      tag: 'asterisk',
      summary: 'Reload the dialplan or PJSIP on every Asterisk node',
      roles: ADMIN,
      body: z.object({ what: z.enum(['dialplan', 'pjsip']) }).strict(),
      audit: { action: 'asterisk.reload', targetType: 'asterisk' },
      async handler({ body, auditTarget }) {
        await deps.switchPort.reload(body.what);
        auditTarget(body.what, body);
        return { ok: true, reloaded: body.what };
      },
    }),
  ];
}
