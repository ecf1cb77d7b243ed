import { pino, type Logger } from 'pino';

/**
 * One JSON logger for the process. Call-scoped code uses `childLogger({ callId })` so every line of a call
 * carries its id. The level comes from ARIADNE_LOG_LEVEL (read here, not from config, so logging works even
 * while the configuration itself is being validated). Tests default to 'silent'.
 */
const level = process.env.ARIADNE_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');

export const logger: Logger = pino({
  level,
  base: { service: 'ariadne' },
  // Never let credentials reach a log line, whatever object carries them.
  redact: { paths: ['password', '*.password', 'secret', '*.secret', 'api_key', '*.api_key', 'authorization', '*.authorization'], censor: '[redacted]' },
});

export function childLogger(bindings: Record<string, string | number | undefined>): Logger {
  return logger.child(bindings);
}

export type { Logger };
