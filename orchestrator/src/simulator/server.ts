/**
 * HTTP front of the simulator on one port: `/ari/*` (REST with Asterisk's auth, headers and error shapes),
 * `/ari/events` (the events WebSocket) and `/_sim/*` (the control API, no auth: loopback tooling only).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { loadApiDocs, matchRoute, servedDoc, withoutRestOverWebSocket } from './apiDocs.js';
import { findHandler, type Reply } from './ariRest.js';
import type { Control } from './control.js';
import { Params, type Engine } from './engine.js';
import { AriError, badRequest, jsonObject } from './errors.js';
import { asteriskTime } from './model.js';
import { answerFrame } from './wsRest.js';
import { routeControl } from './controlHttp.js';

export interface ServerOptions {
  user: string;
  password: string;
  /** Log line for each request failure the simulator itself causes (never for client errors). */
  onError?: (err: unknown) => void;
  /** Called for every ARI request once answered (diagnostics, tests of what a client does). */
  onRequest?: (info: AriRequestInfo) => void;
  /**
   * Answer RESTRequest frames on the events socket (default). false plays an Asterisk older than 20.14, 21.9 and
   * 22.4: events.json does not describe them and text frames from the client are ignored.
   */
  restOverWebSocket?: boolean;
}

/** An answered ARI request; `socket` when it came as a RESTRequest frame on an events socket. */
export interface AriRequestInfo {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly socket?: boolean;
}

const MAX_BODY = 1 << 20;
const HTML_400_MISSING_APP =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n<title>400 Bad Request</title>\r\n</head><body>\r\n<h1>Bad Request</h1>\r\n<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n<address>Asterisk</address>\r\n</body></html>\r\n';

/** Open ARI sockets; the newest socket of an app receives its events, as when Asterisk replaces an app's handler. */
export class SocketRegistry {
  readonly byApp = new Map<string, WebSocket>();
  readonly all = new Set<WebSocket>();

  count(): number {
    return this.all.size;
  }

  private readonly corked = new Set<{ uncork(): void }>();
  private flushScheduled = false;

  /**
   * Event bursts (a hangup is 5-15 frames) go out in one write per socket per tick instead of one syscall per
   * frame: socket writes were the simulator's main cost under load. Order is unchanged.
   */
  cork(ws: WebSocket): void {
    const sock = (ws as unknown as { _socket?: { cork?: () => void; uncork(): void } })._socket;
    if (!sock || typeof sock.cork !== 'function' || this.corked.has(sock)) return;
    sock.cork();
    this.corked.add(sock);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Send what is buffered now: events caused by a request must leave before its HTTP reply (trace a). */
  flush(): void {
    this.flushScheduled = false;
    if (!this.corked.size) return;
    for (const s of this.corked) s.uncork();
    this.corked.clear();
  }

  dropAll(): number {
    const n = this.all.size;
    for (const ws of [...this.all]) ws.terminate();
    return n;
  }
}

export function createSimServer(engine: Engine, control: Control, sockets: SocketRegistry, opts: ServerOptions): Server {
  const restOverWebSocket = opts.restOverWebSocket !== false;
  const captured = loadApiDocs();
  const docs = restOverWebSocket
    ? captured
    : { ...captured, files: new Map([...captured.files, ['events.json', withoutRestOverWebSocket(captured.files.get('events.json')!)]]) };
  const expectedBasic = 'Basic ' + Buffer.from(`${opts.user}:${opts.password}`).toString('base64');
  const expectedKey = `${opts.user}:${opts.password}`;

  const authorized = (req: IncomingMessage, query: URLSearchParams): boolean => {
    const h = req.headers.authorization;
    if (h !== undefined) return h === expectedBasic;
    const key = query.get('api_key');
    return key !== null && key === expectedKey;
  };

  engine.isConnected = (app) => sockets.byApp.has(app);
  engine.sink = (app, frame) => {
    const ws = sockets.byApp.get(app);
    if (ws && ws.readyState === 1) {
      sockets.cork(ws);
      ws.send(frame);
    }
  };

  const server = createServer((req, res) => {
    if (opts.onRequest) {
      const hook = opts.onRequest;
      res.on('finish', () => hook({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, status: res.statusCode }));
    }
    handle(req, res).catch((err: unknown) => {
      if (err instanceof AriError && !res.headersSent) return sendJson(res, err.status, err.statusText, err.body, err.headers);
      opts.onError?.(err);
      if (!res.headersSent) sendJson(res, 500, 'Internal Server Error', { message: 'Internal Server Error' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path.startsWith('/_sim/') || path === '/_sim') {
      const body = await readBody(req);
      const reply = routeControl(control, method, path, url.searchParams, body);
      sockets.flush();
      return sendReply(res, reply);
    }
    if (!path.startsWith('/ari/')) return sendJson(res, 404, 'Not Found', { message: 'Resource not found' });
    if (!authorized(req, url.searchParams)) return sendUnauthorized(res);
    const sub = path.slice(4); // keep the leading slash
    const host = req.headers.host ?? `127.0.0.1:${localPort(server)}`;
    return sendReply(res, await invoke(method, sub, url.searchParams, () => readJsonBody(req), host));
  }

  /**
   * One ARI request below /ari, already authorized, from either transport (HTTP, or a RESTRequest frame on the
   * events socket). Error replies are returned, not thrown, so both transports word them the same way.
   */
  async function invoke(
    method: string,
    sub: string,
    query: URLSearchParams,
    body: () => Promise<Record<string, unknown> | null>,
    host: string,
  ): Promise<Reply> {
    if (sub.startsWith('/api-docs/')) {
      if (method !== 'GET') return errorReply(405, 'Method Not Allowed', 'Invalid method', { Allow: 'OPTIONS,GET' });
      const text = servedDoc(docs, sub.slice('/api-docs/'.length), host);
      if (text === null) return errorReply(404, 'Not Found', 'Resource not found');
      return { status: 200, statusText: 'OK', raw: { contentType: 'application/json', data: Buffer.from(text, 'utf8') } };
    }
    const m = matchRoute(docs.routes, sub);
    if (!m) return errorReply(404, 'Not Found', 'Resource not found');
    if (method === 'OPTIONS') return { status: 204, statusText: 'No Content', headers: { Allow: ['OPTIONS', ...m.methods].join(',') } };
    if (!m.methods.includes(method)) {
      return errorReply(405, 'Method Not Allowed', 'Invalid method', { Allow: ['OPTIONS', ...m.methods].join(',') });
    }
    try {
      const bodyObj = await body();
      const handler = findHandler(method, m.template);
      if (!handler) return errorReply(501, 'Not Implemented', 'Not implemented by the simulator');
      const reply = await handler({ engine, p: m.params, q: new Params(query, bodyObj) });
      return reply.statusText ? reply : { ...reply, statusText: defaultText(reply.status) };
    } catch (err) {
      if (err instanceof AriError) return { status: err.status, statusText: err.statusText, body: err.body, headers: err.headers };
      throw err;
    } finally {
      sockets.flush();
    }
  }

  // ---- events WebSocket
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname !== '/ari/events') return rawReply(socket, 404, 'Not Found', { message: 'Resource not found' });
    if (!authorized(req, url.searchParams)) {
      return rawReply(socket, 401, 'Unauthorized', { message: 'Authentication required' }, { 'WWW-Authenticate': 'Basic realm="Asterisk REST Interface"' });
    }
    const apps = (url.searchParams.get('app') ?? '').split(',').map((a) => a.trim()).filter(Boolean);
    if (!apps.length) return rawHtml(socket, 400, 'Bad Request', HTML_400_MISSING_APP);
    // errors_rest_and_ws: `subscribeAll=maybe` is accepted (and read as false).
    const subscribeAll = url.searchParams.get('subscribeAll') === 'true';
    opts.onRequest?.({ method: 'GET', path: url.pathname, status: 101 });
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.all.add(ws);
      for (const app of apps) {
        const previous = sockets.byApp.get(app);
        if (previous && previous !== ws && previous.readyState === 1) {
          // Asterisk tells the socket that loses the app before moving the app's events to the new one.
          previous.send(JSON.stringify({ type: 'ApplicationReplaced', timestamp: asteriskTime(), asterisk_id: engine.opts.asteriskId, application: app }));
        }
        sockets.byApp.set(app, ws);
        engine.registerApp(app, subscribeAll);
      }
      ws.on('error', () => {});
      // Asterisk reads a socket's frames one at a time: each request is answered before the next is read.
      let frames = Promise.resolve();
      const host = req.headers.host ?? `127.0.0.1:${localPort(server)}`;
      ws.on('message', (data, isBinary) => {
        if (isBinary || !restOverWebSocket) return; // Asterisk ignores all but text frames
        const text = data.toString();
        frames = frames
          .then(async () => {
            const answered = await answerFrame(
              text,
              (method, sub, query, body) => invoke(method, sub, query, body, host),
              () => ({ application: apps[0]!, timestamp: asteriskTime(), asteriskId: engine.opts.asteriskId }),
            );
            if (ws.readyState === 1) ws.send(answered.frame);
            opts.onRequest?.({ method: answered.method, path: `/ari/${answered.uri}`, status: answered.status, socket: true });
          })
          .catch((err: unknown) => opts.onError?.(err));
      });
      ws.on('close', () => {
        sockets.all.delete(ws);
        for (const app of apps) {
          if (sockets.byApp.get(app) === ws) {
            sockets.byApp.delete(app);
          }
          engine.unregisterApp(app);
        }
      });
    });
  });
  server.on('close', () => wss.close());
  return server;
}

function localPort(server: Server): number {
  const a = server.address();
  return a && typeof a === 'object' ? a.port : 0;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(badRequest('Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The request's JSON object body (null when empty or not an object); unparsable JSON is Asterisk's 400. */
async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const raw = await readBody(req);
  return raw.length ? jsonObject(raw.toString('utf8')) : null;
}

function errorReply(status: number, statusText: string, message: string, headers?: Record<string, string>): Reply {
  return { status, statusText, body: { message }, ...(headers ? { headers } : {}) };
}

function baseHeaders(): [string, string][] {
  return [
    ['Server', 'Asterisk'],
    ['Date', new Date().toUTCString()],
    ['Cache-Control', 'no-cache, no-store'],
  ];
}

function sendJson(res: ServerResponse, status: number, statusText: string, body: unknown, extra: Record<string, string> = {}): void {
  sendText(res, status, statusText, JSON.stringify(body), extra);
}

function sendText(res: ServerResponse, status: number, statusText: string, text: string, extra: Record<string, string> = {}): void {
  const data = Buffer.from(text, 'utf8');
  const headers = baseHeaders();
  for (const [k, v] of Object.entries(extra)) headers.push([k, v]);
  headers.push(['Content-type', 'application/json'], ['Content-Length', String(data.length)]);
  res.writeHead(status, statusText, headers.flat());
  res.end(data);
}

function sendUnauthorized(res: ServerResponse): void {
  sendJson(res, 401, 'Unauthorized', { message: 'Authentication required' }, { 'WWW-Authenticate': 'Basic realm="Asterisk REST Interface"' });
}

function sendReply(res: ServerResponse, reply: Reply): void {
  const statusText = reply.statusText ?? defaultText(reply.status);
  if (reply.raw) {
    const headers = baseHeaders();
    headers.push(['Content-type', reply.raw.contentType], ['Content-Length', String(reply.raw.data.length)]);
    res.writeHead(reply.status, statusText, headers.flat());
    res.end(reply.raw.data);
    return;
  }
  if (reply.body === undefined) {
    const headers = baseHeaders();
    for (const [k, v] of Object.entries(reply.headers ?? {})) headers.push([k, v]);
    headers.push(['Content-Length', '0']);
    res.writeHead(reply.status, statusText, headers.flat());
    res.end();
    return;
  }
  sendJson(res, reply.status, statusText, reply.body, reply.headers);
}

function defaultText(status: number): string {
  return { 200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity' }[status] ?? 'Error';
}

function rawReply(socket: Duplex, status: number, text: string, body: unknown, extra: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  rawWrite(socket, status, text, 'application/json', data, extra);
}

function rawHtml(socket: Duplex, status: number, text: string, html: string): void {
  rawWrite(socket, status, text, 'text/html', html, {});
}

function rawWrite(socket: Duplex, status: number, text: string, type: string, data: string, extra: Record<string, string>): void {
  const lines = [`HTTP/1.1 ${status} ${text}`, ...baseHeaders().map(([k, v]) => `${k}: ${v}`)];
  for (const [k, v] of Object.entries(extra)) lines.push(`${k}: ${v}`);
  lines.push(`Content-type: ${type}`, `Content-Length: ${Buffer.byteLength(data)}`, 'Connection: close', '', '');
  socket.end(lines.join('\r\n') + data);
}
