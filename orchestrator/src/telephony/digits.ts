/**
 * Digit collection over any SwitchPort: max digits, first-digit and inter-digit timeouts, a terminator, and
 * cancellation by hang-up or by the caller's AbortSignal. Always settles, never rejects, leaves no watcher.
 */
import type { ChannelId, SwitchPort } from './port.js';

export interface CollectDigitsOptions {
  readonly maxDigits: number;
  /** Wait for the first digit. */
  readonly firstDigitTimeoutMs: number;
  /** Wait between digits once the first came. */
  readonly interDigitTimeoutMs: number;
  /** Ends the input and is not included; '' = none. Default '#'. */
  readonly terminator?: string;
  readonly signal?: AbortSignal;
}

export type CollectEnd = 'max_digits' | 'terminator' | 'timeout' | 'hangup' | 'cancelled';

export interface CollectedDigits {
  readonly digits: string;
  readonly end: CollectEnd;
}

export function collectDigits(
  port: Pick<SwitchPort, 'watchChannel'>,
  channelId: ChannelId,
  options: CollectDigitsOptions,
): Promise<CollectedDigits> {
  const terminator = options.terminator ?? '#';
  const max = Math.max(1, Math.floor(options.maxDigits));
  return new Promise<CollectedDigits>((resolve) => {
    let digits = '';
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let unwatch: (() => void) | undefined = undefined;
    const finish = (end: CollectEnd): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unwatch?.();
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ digits, end });
    };
    const arm = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish('timeout'), ms);
    };
    const onAbort = (): void => finish('cancelled');
    if (options.signal?.aborted) {
      finish('cancelled');
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    unwatch = port.watchChannel(channelId, (event) => {
      if (event.type === 'hangup') finish('hangup');
      else if (event.type === 'left_app') finish('cancelled');
      else if (event.type === 'dtmf') {
        if (terminator && event.digit === terminator) return finish('terminator');
        digits += event.digit;
        if (digits.length >= max) return finish('max_digits');
        arm(options.interDigitTimeoutMs);
      }
    });
    // The watcher may have finished us synchronously (never in practice; kept safe).
    if (done) unwatch();
    else arm(options.firstDigitTimeoutMs);
  });
}
