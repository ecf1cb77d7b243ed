/**
 * ARI REST requests made directly over keep-alive HTTP, from the operation table ari-client loaded.
 *
 * ari-client 2.2.0 sends every request through swagger-client 2.x and its HTTP library shred, which costs about
 * 0.3 ms of CPU per request (URI parsing, header case conversion, lodash copies, a deprecated `new Buffer` for the
 * Basic header each time). A call makes about fifteen requests: in the `full` benchmark that was a quarter of the
 * orchestrator's CPU, and a scripted app doing only a call's requests on ari-client sustained under a fifth of
 * the no-op baseline. ari-client still connects, loads the API description (the operations, their paths and
 * parameters, as the connected Asterisk serves them) and carries the events; only the request itself is ours.
 */
import type { Readable } from 'node:stream';
import { errors, Pool, type Dispatcher } from 'undici';
import { SwitchError, type StoredRecordingLocation } from './port.js';
import { httpError, thrownError, timeoutError, type Redactor } from './ari-errors.js';

/** One operation of the API description (swagger 1.2, as Asterisk serves it). */
export interface RestOperation {
  readonly method: string;
  readonly path: string;
  readonly params: readonly RestParameter[];
}

interface RestParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'body';
  readonly required: boolean;
}

interface SwaggerParameter {
  name?: unknown;
  paramType?: unknown;
  required?: unknown;
}

const described = new WeakMap<object, RestOperation | null>();

/** Reads an operation of ari-client's loaded description; null when it is not one we understand. */
export function restOperation(swaggerOperation: unknown): RestOperation | null {
  if (!swaggerOperation || typeof swaggerOperation !== 'object') return null;
  const cached = described.get(swaggerOperation);
  if (cached !== undefined) return cached;
  const o = swaggerOperation as { method?: unknown; path?: unknown; parameters?: unknown };
  let op: RestOperation | null = null;
  if (typeof o.method === 'string' && typeof o.path === 'string' && Array.isArray(o.parameters)) {
    const params = (o.parameters as SwaggerParameter[]).flatMap((p): RestParameter[] =>
      typeof p.name === 'string' && (p.paramType === 'path' || p.paramType === 'query' || p.paramType === 'body')
        ? [{ name: p.name, in: p.paramType, required: p.required === true }]
        : [],
    );
    op = { method: o.method.toUpperCase(), path: o.path, params };
  }
  described.set(swaggerOperation, op);
  return op;
}

/** One operation with its parameters placed, ready for either transport. */
export interface AriRequest {
  readonly method: string;
  /** Below /ari, with a leading slash and the path parameters filled in. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The JSON body (`variables`, an event filter), when the operation has body parameters and any were given. */
  readonly body?: Record<string, unknown>;
}

/**
 * Body parameters Asterisk reads as the whole body. The others (`variables`, `fields`) it looks up by their own
 * name inside the body (`{"variables": {...}}`), but applications/eventFilter hands the body itself to the filter
 * (res_ari_applications.c: `args.filter = body`), so `{"filter": {...}}` would be accepted and change nothing.
 */
const WHOLE_BODY_PARAMS: ReadonlySet<string> = new Set(['filter']);

/**
 * Places the parameters as the description says: path, query (lists comma-separated, as ARI expects), or body
 * (`variables`: a JSON object). A missing required parameter is a bad_request before anything is sent.
 */
export function ariRequest(opName: string, op: RestOperation, params: Record<string, unknown>): AriRequest {
  let path = op.path;
  const query = new URLSearchParams();
  let body: Record<string, unknown> | undefined;
  const missing: string[] = [];
  for (const p of op.params) {
    const v = params[p.name];
    if (v === undefined || v === null) {
      if (p.required) missing.push(p.name);
      continue;
    }
    if (p.in === 'body') {
      if (!WHOLE_BODY_PARAMS.has(p.name)) (body ??= {})[p.name] = v;
      else if (typeof v === 'object' && !Array.isArray(v)) body = { ...body, ...(v as Record<string, unknown>) };
      else throw new SwitchError('bad_request', `${opName}: ${p.name} must be a JSON object`);
      continue;
    }
    const text = Array.isArray(v) ? v.map(String).join(',') : String(v);
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(text));
    else query.append(p.name, text);
  }
  if (missing.length) throw new SwitchError('bad_request', `${opName}: missing required params: ${missing.join(', ')}`);
  return body ? { method: op.method, path, query, body } : { method: op.method, path, query };
}

export class AriRest {
  private pool: Pool | null = null;
  private readonly authorization: string;

  constructor(
    /** e.g. http://127.0.0.1:8088 */
    private readonly origin: string,
    user: string,
    password: string,
    private readonly redact: Redactor,
  ) {
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }

  /** Sends one request; resolves with the parsed JSON reply (undefined for 204). */
  async send<T>(opName: string, request: AriRequest, timeoutMs: number): Promise<T> {
    const qs = request.query.toString();
    const headers: Record<string, string> = { authorization: this.authorization };
    let body: string | undefined;
    if (request.body) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    let status: number;
    let text: string;
    try {
      const res = await this.connections().request({
        path: `/ari${request.path}${qs ? `?${qs}` : ''}`,
        method: request.method as Dispatcher.HttpMethod,
        headers,
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw this.failure(opName, err, timeoutMs);
    }
    if (status >= 200 && status < 300) return parseJson(text) as T;
    throw httpError(opName, status, text, this.redact);
  }

  /**
   * GETs a binary resource (a stored recording's file) as a stream; a reply other than 200 is an error with
   * Asterisk's message. `timeoutMs` bounds the wait for the reply; pauses in the body are the reader's to judge
   * (the upload's inspection gives a stalled download 30 s and says so), so the body has no timeout here.
   */
  async stream(opName: string, path: string, timeoutMs: number): Promise<Readable> {
    try {
      const res = await this.connections().request({
        path: `/ari${path}`,
        method: 'GET',
        headers: { authorization: this.authorization },
        headersTimeout: timeoutMs,
        bodyTimeout: 0,
      });
      if (res.statusCode === 200) return res.body;
      throw httpError(opName, res.statusCode, await res.body.text(), this.redact);
    } catch (err) {
      throw this.failure(opName, err, timeoutMs);
    }
  }

  /** `path` (below /ari) for a client of its own: the URL, the credentials, and the error a failed reply means. */
  locate(opName: string, path: string, timeoutMs: number): StoredRecordingLocation {
    return {
      url: `${this.origin}/ari${path}`,
      authorization: this.authorization,
      timeoutMs,
      failure: (status, body) => httpError(opName, status, body, this.redact),
    };
  }

  close(): void {
    this.pool?.destroy().catch(() => undefined);
    this.pool = null;
  }

  /**
   * Keep-alive connections to Asterisk's HTTP server (undici: about half the CPU of node:http per request, and a
   * call still makes a few over HTTP). Enough that a burst does not queue; made again after close(). An idle one
   * is closed after 10 s, before Asterisk's own `session_keep_alive` (15 s in http.conf) closes it under a request.
   */
  private connections(): Pool {
    this.pool ??= new Pool(this.origin, { connections: 64, keepAliveTimeout: 10_000 });
    return this.pool;
  }

  private failure(opName: string, err: unknown, timeoutMs: number): SwitchError {
    if (err instanceof SwitchError) return err;
    if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError)
      return timeoutError(opName, timeoutMs);
    return thrownError(opName, err, this.redact);
  }
}

export function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
