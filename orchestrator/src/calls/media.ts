import { randomUUID } from 'node:crypto';
import type { CollectResult, IvrIo, PlayResult } from '../ivr/interpreter.js';
import { isSwitchError, type MediaTarget, type PlaybackOutcome, type SwitchPort } from '../telephony/port.js';

/**
 * Keys and prompts on the caller's channel, for the IVR and the queue. Keys are buffered from the moment the
 * call exists (type-ahead); every wait ends on a key, its timeout, the caller hanging up or an abort signal.
 */
export class ChannelIo implements IvrIo {
  private readonly digits: string[] = [];
  private waiter: (() => void) | null = null;
  private currentPlayback: string | null = null;
  private bargeIn = false;

  constructor(
    private readonly switchPort: SwitchPort,
    readonly callId: string,
    readonly channelId: string,
    private readonly callSignal: AbortSignal,
    private readonly playbackTimeoutMs: number,
  ) {
    callSignal.addEventListener('abort', () => this.wake(), { once: true });
  }

  /** Called by the call's channel listener for each DTMF event. */
  pushDigit(digit: string): void {
    this.digits.push(digit);
    if (this.bargeIn && this.currentPlayback) {
      const id = this.currentPlayback;
      this.currentPlayback = null;
      this.switchPort.stopPlayback(id).catch(() => undefined);
    }
    this.wake();
  }

  clearDigits(): void {
    this.digits.length = 0;
  }

  async play(prompt: readonly string[], options: { bargeIn: boolean; language: string }): Promise<PlayResult> {
    if (this.callSignal.aborted) return 'hangup';
    if (options.bargeIn && this.digits.length > 0) return 'interrupted';
    const outcome = await playAndWait(this.switchPort, { channelId: this.channelId }, prompt, {
      lang: options.language,
      timeoutMs: this.playbackTimeoutMs,
      onStart: (id) => {
        this.currentPlayback = id;
        this.bargeIn = options.bargeIn;
      },
    });
    this.currentPlayback = null;
    this.bargeIn = false;
    if (this.callSignal.aborted || outcome === 'hangup') return 'hangup';
    if (outcome === 'stopped') return 'interrupted';
    if (outcome === 'done') return 'done';
    return 'failed';
  }

  async collect(options: {
    max: number;
    firstTimeoutMs: number;
    interDigitTimeoutMs: number;
    terminator?: string;
    signal?: AbortSignal;
  }): Promise<CollectResult> {
    let got = '';
    for (;;) {
      if (this.callSignal.aborted) return 'hangup';
      if (options.signal?.aborted) return { digits: got, ended: 'timeout' };
      const next = this.digits.shift();
      if (next !== undefined) {
        if (options.terminator !== undefined && next === options.terminator)
          return { digits: got, ended: 'terminator' };
        got += next;
        if (got.length >= options.max) return { digits: got, ended: 'max' };
        continue;
      }
      const woke = await this.waitForKey(
        got.length === 0 ? options.firstTimeoutMs : options.interDigitTimeoutMs,
        options.signal,
      );
      if (!woke && this.digits.length === 0) {
        if (this.callSignal.aborted) return 'hangup';
        return { digits: got, ended: 'timeout' };
      }
    }
  }

  private waitForKey(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.waiter === wake) this.waiter = null;
        resolve(value);
      };
      const wake = (): void => done(true);
      const onAbort = (): void => done(false);
      this.waiter = wake;
      const timer = setTimeout(() => done(false), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}

/**
 * Plays media and waits for the end, within a time budget: a playback of an unknown scheme never finishes on a
 * real Asterisk, so the budget is what ends it (and the playback is stopped). Never throws.
 */
export async function playAndWait(
  switchPort: SwitchPort,
  target: MediaTarget,
  media: readonly string[],
  options: { lang?: string; timeoutMs: number; onStart?: (playbackId: string) => void },
): Promise<PlaybackOutcome> {
  const playbackId = randomUUID();
  options.onStart?.(playbackId);
  try {
    const handle = await switchPort.play(target, media, {
      playbackId,
      lang: options.lang,
      timeoutMs: options.timeoutMs,
    });
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<PlaybackOutcome>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutMs + 1000);
    });
    const outcome = await Promise.race([handle.finished, guard]);
    clearTimeout(timer);
    if (outcome === 'timeout') switchPort.stopPlayback(playbackId).catch(() => undefined);
    return outcome;
  } catch (err) {
    if (isSwitchError(err, 'not_found') || isSwitchError(err, 'not_in_stasis')) return 'hangup';
    return 'failed';
  }
}
