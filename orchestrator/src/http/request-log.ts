import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import type { AuthUser } from '../auth/types.js';

/** Query values that are credentials never reach the log. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|access_token|sig|signature)=)[^&]*/gi, '$1[redacted]');
}

/**
 * Health probes answer every few seconds: their 503 is the answer (not ready yet, a node down), and what is down is
 * logged where it happens, so a probe is never logged above debug.
 */
const PROBES = new Set(['/healthz', '/readyz']);

/** One structured line per request, after the response: method, path, status, duration, user. */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // Read now: a handler that stops reading a body early may leave the request without its socket by the end.
    const ip = req.ip;
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const user = res.locals.user as AuthUser | undefined;
      const line = {
        method: req.method,
        url: redactUrl(req.originalUrl),
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        ip,
        ...(user ? { userId: user.id, role: user.role } : {}),
      };
      if (PROBES.has(req.path)) log.debug(line, 'http request');
      else if (res.statusCode >= 500) log.error(line, 'http request');
      else if (res.statusCode >= 400) log.info(line, 'http request');
      else log.debug(line, 'http request');
    });
    next();
  };
}
