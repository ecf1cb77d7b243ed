/**
 * ARI REST requests sent over the events WebSocket ("ARI REST over WebSocket": Asterisk 20.14, 21.9, 22.4 and
 * later; the served events.json then describes RESTRequest and RESTResponse).
 *
 * Why: an HTTP request costs the orchestrator about 70 µs of CPU (request and response objects, headers, a socket
 * from the pool) and Asterisk a trip through its HTTP server; a call makes about fifteen. A frame on the socket that
 * is already open costs a fraction of that. Asterisk reads the frames of one socket in order and answers each with a
 * RESTResponse frame carrying our request_id, between the events.
 *
 * Binary replies (a stored recording's file) are refused over the socket (406); those stay on HTTP (`stream`).
 *
 * Asterisk carries out the frames of one socket one after another, in the socket's own thread. A request that
 * waits for the channel's Stasis thread would hold up every request behind it, for every call on the node: the
 * channel may be busy for seconds (a prompt playing outside a bridge runs as one command, and commands queued
 * behind it wait for it to end). Those requests stay on HTTP, where each has its own thread; see `blocksSocket`.
 */
import { SwitchError } from './port.js';
import { httpError, thrownError, timeoutError, type Redactor } from './ari-errors.js';
import { parseJson, type AriRequest } from './ari-rest.js';

/**
 * Operations Asterisk carries out by queueing a command to the channel's Stasis thread and waiting for it
 * (`stasis_app_send_command` or `app_send_command_on_condition` in res/stasis/control.c, res_stasis_answer.c).
 * The other operations the adapter uses return without waiting on a channel (playback, recording, MOH, hold, ring,
 * continue and redirect queue their command and return; hangup, originate, snoop and bridge create/destroy act
 * directly). An operation added to the adapter that waits on a channel belongs here.
 */
const WAITS_ON_CHANNEL = new Set([
  'channels.answer',
  'channels.setChannelVar',
  'bridges.addChannel',
  'bridges.removeChannel',
]);

/** Whether a request would hold up the socket's other requests while a channel is busy (it then goes over HTTP). */
export function blocksSocket(resource: string, operation: string): boolean {
  return WAITS_ON_CHANNEL.has(`${resource}.${operation}`);
}

/** The part of a `ws` WebSocket this transport uses. */
export interface FrameSocket {
  send(data: string, cb?: (err?: Error) => void): void;
}

/** A RESTResponse frame as Asterisk sends it (res/ari/ari_websocket_requests.c). */
export interface RestResponseFrame {
  readonly type: 'RESTResponse';
  readonly request_id?: unknown;
  readonly status_code?: unknown;
  readonly reason_phrase?: unknown;
  readonly message_body?: unknown;
}

interface InFlight {
  readonly opName: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: SwitchError) => void;
  readonly timer: NodeJS.Timeout;
}

export class AriWsRest {
  private nextId = 1;
  private readonly inFlight = new Map<string, InFlight>();

  constructor(private readonly redact: Redactor) {}

  get pending(): number {
    return this.inFlight.size;
  }

  /** Sends one request on the socket; resolves with the parsed JSON reply (undefined when there is no body). */
  send<T>(socket: FrameSocket, opName: string, request: AriRequest, timeoutMs: number): Promise<T> {
    const id = String(this.nextId++);
    const frame: Record<string, unknown> = {
      type: 'RESTRequest',
      request_id: id,
      method: request.method,
      uri: request.path.slice(1),
    };
    // Name/value pairs rather than a query string in the uri: Asterisk takes them as given, with no second
    // round of URL decoding to agree on.
    if (request.query.size) frame.query_strings = [...request.query].map(([name, value]) => ({ name, value }));
    if (request.body) {
      frame.content_type = 'application/json';
      frame.message_body = JSON.stringify(request.body);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(id, timeoutError(opName, timeoutMs)), timeoutMs);
      this.inFlight.set(id, { opName, resolve: resolve as (value: unknown) => void, reject, timer });
      socket.send(JSON.stringify(frame), (err) => {
        if (err) this.fail(id, thrownError(opName, err, this.redact));
      });
    });
  }

  /** Settles the request a RESTResponse answers; false when it answers none of ours (late, or not ours). */
  settle(frame: RestResponseFrame): boolean {
    const id = typeof frame.request_id === 'string' ? frame.request_id : '';
    const req = this.inFlight.get(id);
    if (!req) return false;
    this.inFlight.delete(id);
    clearTimeout(req.timer);
    const status = typeof frame.status_code === 'number' ? frame.status_code : 0;
    const body = typeof frame.message_body === 'string' ? frame.message_body : '';
    if (status >= 200 && status < 300) req.resolve(parseJson(body));
    else req.reject(httpError(req.opName, status, body || frame.reason_phrase, this.redact));
    return true;
  }

  /**
   * The socket went away with requests unanswered. Whether Asterisk carried them out is unknown, as for an HTTP
   * request whose connection resets: each fails as unavailable and the caller's own recovery decides.
   */
  failAll(why: string): void {
    for (const [id, req] of [...this.inFlight]) {
      this.fail(
        id,
        new SwitchError('unavailable', this.redact(`${req.opName}: events socket ${why} before the reply`)),
      );
    }
  }

  private fail(id: string, err: SwitchError): void {
    const req = this.inFlight.get(id);
    if (!req) return;
    this.inFlight.delete(id);
    clearTimeout(req.timer);
    req.reject(err);
  }
}
