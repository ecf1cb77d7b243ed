/**
 * "ARI REST over WebSocket" (Asterisk 20.14, 21.9, 22.4 and later): a RESTRequest frame on the events socket is
 * answered with a RESTResponse frame on the same socket. Written against Asterisk's own handling
 * (res/ari/ari_websocket_requests.c and ari_websockets.c of 22.x): the same validation in the same order with the
 * same wording, the response's fields in the order Asterisk packs them, and one frame at a time per socket, as
 * Asterisk reads them.
 */
import type { Reply } from './ariRest.js';
import { jsonObject } from './errors.js';

/** Runs one request below /ari as the HTTP front would (auth is the socket's). */
export type Invoke = (
  method: string,
  sub: string,
  query: URLSearchParams,
  body: () => Promise<Record<string, unknown> | null>,
) => Promise<Reply>;

const METHODS = new Set(['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

interface Outcome {
  /** The request's method when it named a known one (for diagnostics only). */
  readonly method?: string;
  readonly uri: string;
  readonly status: number;
  readonly reason: string;
  /** Compact JSON of the reply body, when there is one. */
  readonly body?: string;
}

/** What a frame was answered with: the RESTResponse frame to send, and what it answered (for diagnostics). */
export interface AnsweredFrame {
  readonly frame: string;
  readonly method: string;
  readonly uri: string;
  readonly status: number;
}

/**
 * Answers one text frame. `application`, `timestamp` and `asterisk_id` are added to the RESTResponse as to every
 * message of the socket, once the request has been carried out.
 */
export async function answerFrame(
  text: string,
  invoke: Invoke,
  meta: () => { application: string; timestamp: string; asteriskId: string },
): Promise<AnsweredFrame> {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    msg = undefined;
  }
  const o = msg && typeof msg === 'object' && !Array.isArray(msg) ? (msg as Record<string, unknown>) : null;
  const ids = {
    transaction_id: typeof o?.transaction_id === 'string' ? o.transaction_id : '',
    request_id: typeof o?.request_id === 'string' ? o.request_id : '',
  };
  const out: Outcome = o ? await outcome(o, invoke) : { uri: '', status: 400, reason: 'Failed to parse request message JSON' };
  const { application, timestamp, asteriskId } = meta();
  const frame = JSON.stringify({
    type: 'RESTResponse',
    ...ids,
    status_code: out.status,
    reason_phrase: out.reason,
    uri: out.uri,
    ...(out.body !== undefined ? { content_type: 'application/json', message_body: out.body } : {}),
    application,
    timestamp,
    asterisk_id: asteriskId,
  });
  return { frame, method: out.method ?? '', uri: out.uri, status: out.status };
}

async function outcome(o: Record<string, unknown>, invoke: Invoke): Promise<Outcome> {
  const bad = (uri: string, message: string): Outcome => ({ uri, status: 400, reason: 'Bad request', body: JSON.stringify({ message }) });
  const type = typeof o.type === 'string' ? o.type : '';
  if (!type) return bad('', "No 'type' property.");
  if (type !== 'RESTRequest') return bad('', 'Unknown request type.');
  const full = typeof o.uri === 'string' ? o.uri : '';
  if (!full) return bad('', "Empty or missing 'uri' property.");
  const q = full.indexOf('?');
  const uri = q < 0 ? full : full.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : full.slice(q + 1));
  const method = typeof o.method === 'string' ? o.method.toUpperCase() : '';
  if (!METHODS.has(method)) return bad(uri, "Unknown or missing 'method' property.");
  if (o.query_strings !== undefined) {
    if (!Array.isArray(o.query_strings)) return bad(uri, "Unable to parse 'query_strings' array.");
    for (const p of o.query_strings as unknown[]) {
      const pair = p as { name?: unknown; value?: unknown } | null;
      if (!pair || typeof pair.name !== 'string' || typeof pair.value !== 'string') return bad(uri, "Unable to parse 'query_strings' array.");
      query.append(pair.name, pair.value);
    }
  }
  let body: Record<string, unknown> | null = null;
  const messageBody = typeof o.message_body === 'string' ? o.message_body : '';
  if (messageBody) {
    const contentType = typeof o.content_type === 'string' ? o.content_type : '';
    if (!contentType) return bad(uri, "No 'content_type' for 'message_body'.");
    if (contentType === 'application/x-www-form-urlencoded') {
      for (const [k, v] of new URLSearchParams(messageBody)) query.append(k, v);
    } else if (contentType === 'application/json') {
      try {
        body = jsonObject(messageBody);
      } catch {
        return bad(uri, "Unable to parse 'message_body' as 'application/json'.");
      }
    } else {
      return bad(uri, 'Unknown content type.');
    }
  }
  const reply = await invoke(method, `/${uri}`, query, () => Promise.resolve(body));
  const done = { method, uri, status: reply.status, reason: reply.statusText ?? '' };
  // A binary reply cannot travel in a frame: Asterisk refuses it and points at HTTP.
  if (reply.raw && reply.raw.contentType !== 'application/json') return { ...done, status: 406, reason: 'Not Acceptable.  Use HTTP GET' };
  if (reply.raw) return { ...done, body: JSON.stringify(JSON.parse(reply.raw.data.toString('utf8'))) };
  return reply.body === undefined ? done : { ...done, body: JSON.stringify(reply.body) };
}
