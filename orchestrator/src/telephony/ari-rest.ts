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
import http from 'node:http';
import https from 'node:https';
import { SwitchError } from './port.js';
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
  private readonly agent: http.Agent;
  private readonly lib: typeof http | typeof https;
  private readonly authorization: string;

  constructor(
    /** e.g. http://127.0.0.1:8088 */
    private readonly origin: string,
    user: string,
    password: string,
    private readonly redact: Redactor,
  ) {
    const secure = origin.startsWith('https:');
    this.lib = secure ? https : http;
    // Enough sockets that a burst of requests does not queue behind one another; idle ones are kept for reuse.
    this.agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 64 });
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }

  /** Sends one request; resolves with the parsed JSON reply (undefined for 204). */
  send<T>(opName: string, request: AriRequest, timeoutMs: number): Promise<T> {
    const qs = request.query.toString();
    const url = `${this.origin}/ari${request.path}${qs ? `?${qs}` : ''}`;
    const payload = request.body ? Buffer.from(JSON.stringify(request.body)) : undefined;
    return new Promise<T>((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { authorization: this.authorization };
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = payload.length;
      }
      const req = this.lib.request(url, { method: request.method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(thrownError(opName, err, this.redact)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 200 && status < 300) resolve(parseJson(text) as T);
          else reject(httpError(opName, status, text, this.redact));
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(timeoutError(opName, timeoutMs)));
      req.on('error', (err) => reject(err instanceof SwitchError ? err : thrownError(opName, err, this.redact)));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
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
