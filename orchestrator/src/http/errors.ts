import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { isDuplicateKey } from '../db/errors.js';

/** One field problem in a rejected request: where it was (`body`, `query`, `params`), which field, and why. */
export interface FieldIssue {
  readonly in: 'body' | 'query' | 'params';
  readonly field: string;
  readonly reason: string;
}

export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'invalid_json'
  | 'payload_too_large'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable'
  | 'not_implemented'
  | 'switch_error'
  | 'internal';

/** An error a handler throws to answer with a given status; everything else becomes a 500 that hides details. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', `${what} not found`);
export const forbidden = (why = 'your role may not do this'): HttpError => new HttpError(403, 'forbidden', why);
export const unavailable = (feature: string): HttpError =>
  new HttpError(503, 'unavailable', `${feature} is not available in this process (module not wired)`);

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

/** 404 for unknown /api routes: JSON, never the SPA page. */
export const apiNotFound: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('not_found', `no route ${req.method} ${req.baseUrl}${req.path}`));
};

interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
}


function isForeignKey(err: unknown): boolean {
  const e = err as { code?: string };
  return (
    e?.code === 'ER_NO_REFERENCED_ROW_2' ||
    e?.code === 'ER_ROW_IS_REFERENCED_2' ||
    e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
  );
}

const SWITCH_STATUS: Record<string, [number, ErrorCode]> = {
  not_found: [404, 'not_found'],
  not_in_stasis: [409, 'conflict'],
  conflict: [409, 'conflict'],
  bad_request: [400, 'bad_request'],
};

const CODE_STATUS: Record<string, [number, ErrorCode]> = {
  not_found: [404, 'not_found'],
  bad_request: [400, 'bad_request'],
  bad_state: [409, 'conflict'],
  conflict: [409, 'conflict'],
  no_route: [409, 'conflict'],
};

/**
 * Errors the domain modules throw, by name (so this file imports none of them): switch failures, refused call
 * transitions, invalid IVR flows, unknown references in a body. Anything else is not a client's fault.
 */
export function fromDomainError(err: unknown): HttpError | null {
  if (!(err instanceof Error)) return null;
  const e = err as Error & { code?: unknown; issues?: unknown; kind?: unknown; names?: unknown; status?: unknown };
  switch (err.name) {
    case 'SwitchError': {
      const [status, code] = SWITCH_STATUS[String(e.code)] ?? [502, 'switch_error'];
      return new HttpError(status, code, `switch: ${err.message}`, { switchCode: e.code });
    }
    case 'CallControlError': {
      const map: Record<string, [number, ErrorCode]> = {
        not_found: [404, 'not_found'],
        bad_state: [409, 'conflict'],
        bad_request: [400, 'bad_request'],
        switch: [502, 'switch_error'],
      };
      const [status, code] = map[String(e.code)] ?? [500, 'internal'];
      return new HttpError(status, code, err.message);
    }
    case 'InvalidTransition':
      return new HttpError(409, 'conflict', err.message);
    case 'FlowError':
      if (e.code === 'invalid') return new HttpError(400, 'validation_failed', err.message, e.issues);
      if (e.code === 'not_found') return new HttpError(404, 'not_found', err.message);
      return new HttpError(409, 'conflict', err.message);
    case 'ZodError': {
      // A service validated its own input (e.g. a repository taking `unknown`): still the client's fault.
      const issues = ((e as unknown as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues ?? []).map(
        (i) => ({
          in: 'body' as const,
          field: i.path.map(String).join('.') || '(root)',
          reason: i.message,
        }),
      );
      const first = issues[0];
      return new HttpError(
        400,
        'validation_failed',
        first ? `body.${first.field}: ${first.reason}` : 'invalid body',
        issues,
      );
    }
    case 'AgentTransitionError':
      return new HttpError(409, 'conflict', err.message);
    case 'UnknownSkillError':
    case 'UnknownReference':
      return new HttpError(
        400,
        'validation_failed',
        err.message,
        e.names === undefined ? undefined : { kind: e.kind, names: e.names },
      );
    default:
      break;
  }
  // Services may signal a client error with { status: 4xx, code } ...
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && typeof e.code === 'string') {
    return new HttpError(
      e.status,
      e.status === 404 ? 'not_found' : e.status === 409 ? 'conflict' : 'bad_request',
      err.message,
    );
  }
  // ... or with a plain code the owners share (routing/, agents/, callbacks: NotFoundError, AgentBusyError,
  // CallbackError, "unknown queue" checks).
  const byCode = typeof e.code === 'string' ? CODE_STATUS[e.code] : undefined;
  if (byCode) return new HttpError(byCode[0], byCode[1], err.message);
  return null;
}

/** The single place that turns a thrown error into `{ error: { code, message, details? } }`. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof HttpError) {
      res.status(err.status).json(errorBody(err.code, err.message, err.details));
      return;
    }
    const domain = fromDomainError(err);
    if (domain) {
      res.status(domain.status).json(errorBody(domain.code, domain.message, domain.details));
      return;
    }
    const parser = err as BodyParserError;
    if (parser?.type === 'entity.parse.failed') {
      res.status(400).json(errorBody('invalid_json', 'the request body is not valid JSON'));
      return;
    }
    if (parser?.type === 'entity.too.large') {
      res.status(413).json(errorBody('payload_too_large', 'the request body is too large'));
      return;
    }
    if (parser?.type === 'encoding.unsupported' || parser?.type === 'charset.unsupported') {
      res.status(415).json(errorBody('bad_request', 'unsupported body encoding'));
      return;
    }
    if (isDuplicateKey(err)) {
      res.status(409).json(errorBody('conflict', 'a record with the same unique value exists'));
      return;
    }
    if (isForeignKey(err)) {
      res
        .status(409)
        .json(errorBody('conflict', 'the change refers to a record that does not exist or is still in use'));
      return;
    }
    const status = parser?.status ?? parser?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500 && parser.expose) {
      res.status(status).json(errorBody('bad_request', (err as Error).message));
      return;
    }
    log.error({ err, method: req.method, path: req.path }, 'request failed');
    res.status(500).json(errorBody('internal', 'internal error'));
  };
}
