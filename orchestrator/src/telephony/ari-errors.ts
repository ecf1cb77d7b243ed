/**
 * Turns whatever ari-client / swagger-client / the network hands back into a typed SwitchError, and keeps
 * credentials out of every message (ari-client puts `api_key=user:pass` in the WebSocket URL).
 */
import { SwitchError, type SwitchErrorCode } from './port.js';

/** A redactor bound to one node's secrets: replaces the password, `api_key=...` and `user:pass@` in URLs. */
export type Redactor = (text: string) => string;

export function makeRedactor(secrets: readonly string[]): Redactor {
  const literal = secrets
    .filter((s) => s.length >= 1)
    .map((s) => [s, encodeURIComponent(s)])
    .flat();
  const unique = [...new Set(literal)].sort((a, b) => b.length - a.length);
  return (text: string): string => {
    let out = text
      .replace(/api_key=[^&\s"']*/gi, 'api_key=[redacted]')
      .replace(/(\/\/[^/:@\s]+:)[^@\s/]*@/g, '$1[redacted]@');
    out = out.replace(/(authorization["']?\s*[:=]\s*["']?basic\s+)[A-Za-z0-9+/=]+/gi, '$1[redacted]');
    // A bare password could be a common word; only replace it where it stands as a token, never inside others.
    for (const s of unique) if (s.length >= 3) out = out.split(s).join('[redacted]');
    return out;
  };
}

/** The message Asterisk put in an error body: `{"message": "..."}` or `{"error": "..."}`. */
export function asteriskMessage(body: unknown): string {
  if (typeof body === 'string') {
    try {
      return asteriskMessage(JSON.parse(body) as unknown);
    } catch {
      return body.trim();
    }
  }
  if (body && typeof body === 'object') {
    const o = body as { message?: unknown; error?: unknown };
    if (typeof o.message === 'string') return o.message;
    if (typeof o.error === 'string') return o.error;
  }
  return '';
}

/** Maps an HTTP status + Asterisk message to the code the call flow acts on. */
export function codeFor(status: number, message: string): SwitchErrorCode {
  if (status === 404) return 'not_found';
  // addChannel/removeChannel answer a channel that is gone with 400 (res/ari/resource_bridges.c): a vanished channel,
  // not a malformed request.
  if (status === 400 && /^channel not found$/i.test(message)) return 'not_found';
  // 409 on channel verbs, 422 on addChannel/removeChannel (errors_rest_and_ws): the same fact for the call flow.
  if ((status === 409 || status === 422) && /not in stasis/i.test(message)) return 'not_in_stasis';
  if (status === 409 || status === 412 || status === 422) return 'conflict';
  if (status === 400) return 'bad_request';
  if (status === 401 || status === 403) return 'auth';
  if (status === 500 && /allocation failed/i.test(message)) return 'unreachable';
  // Asterisk answers an unknown bridge type with 500 "Unable to create bridge": our request was wrong.
  if (status === 500 && /unable to create bridge/i.test(message)) return 'bad_request';
  if (status >= 500) return 'unavailable';
  return 'bad_request';
}

export function httpError(op: string, status: number, body: unknown, redact: Redactor): SwitchError {
  const message = asteriskMessage(body);
  return new SwitchError(codeFor(status, message), redact(`${op}: ${status}${message ? ` ${message}` : ''}`), status);
}

/** Anything thrown synchronously by swagger-client (strings, arrays of strings) or by the network. */
export function thrownError(op: string, err: unknown, redact: Redactor): SwitchError {
  if (err instanceof SwitchError) return err;
  const text =
    typeof err === 'string'
      ? err
      : Array.isArray(err)
        ? err.map(String).join('; ')
        : err instanceof Error
          ? err.message
          : String(err);
  const netCodes = /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|EPIPE|socket hang up/i;
  const code: SwitchErrorCode = netCodes.test(text)
    ? 'unavailable'
    : typeof err === 'string' || Array.isArray(err)
      ? 'bad_request'
      : 'unavailable';
  return new SwitchError(code, redact(`${op}: ${text}`));
}

export function timeoutError(op: string, ms: number): SwitchError {
  return new SwitchError('timeout', `${op}: no reply within ${ms} ms`);
}

/** Races a promise against a timer; the timer never outlives the race. */
export function withTimeout<T>(promise: Promise<T>, ms: number, op: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError(op, ms)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
