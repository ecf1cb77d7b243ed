import type { Logger } from '../logger.js';
import type { SkillRequirement } from '../routing/types.js';
import type { HoursState } from './hours.js';
import type { IvrLookups } from './lookups.js';
import type { SpeechRecogniser } from './recogniser.js';
import type { FlowDocument, FlowNode } from './schema.js';

export type PlayResult = 'done' | 'interrupted' | 'failed' | 'hangup';
export type CollectResult = { readonly digits: string; readonly ended: 'max' | 'terminator' | 'timeout' } | 'hangup';

/** What the interpreter needs from the call: media and keys on the caller's channel. Implemented in calls/. */
export interface IvrIo {
  readonly callId: string;
  readonly channelId: string;
  /** Plays the items in order. With bargeIn a key press stops the prompt (the key stays buffered for collect). */
  play(
    prompt: readonly string[],
    options: { readonly bargeIn: boolean; readonly language: string },
  ): Promise<PlayResult>;
  /** Takes buffered keys first, then waits: firstTimeoutMs for the first key, interDigitTimeoutMs between keys. */
  collect(options: {
    readonly max: number;
    readonly firstTimeoutMs: number;
    readonly interDigitTimeoutMs: number;
    readonly terminator?: string;
    readonly signal?: AbortSignal;
  }): Promise<CollectResult>;
}

export interface IvrEnvironment {
  readonly lookups: IvrLookups;
  readonly hours: { state(name: string, at: Date): Promise<HoursState | null> };
  readonly recogniser: SpeechRecogniser;
  readonly now: () => Date;
  readonly logger: Logger;
  /** Safety net against a flow that passes validation but still runs away (e.g. a menu retry loop). */
  readonly maxSteps?: number;
}

export type IvrOutcome =
  | {
      readonly type: 'queue';
      readonly queue?: string;
      readonly priority?: number;
      readonly skills?: readonly SkillRequirement[];
    }
  | { readonly type: 'transfer'; readonly number: string }
  | { readonly type: 'voicemail'; readonly queue?: string; readonly maxSeconds: number }
  | { readonly type: 'hangup'; readonly selfService: boolean }
  | { readonly type: 'caller_hangup' }
  /** The flow broke (missing prompt, bad lookup, unknown hours...): the caller goes to the default queue. */
  | { readonly type: 'error'; readonly node: string; readonly reason: string };

export interface IvrRun {
  readonly outcome: IvrOutcome;
  /** Variables set along the way (menu choices, collected digits, intents, order status, language). */
  readonly vars: Record<string, string>;
  readonly language: string;
  /** Node ids in the order visited. */
  readonly path: string[];
}

class CallerGone extends Error {}
class FlowBroken extends Error {}

/**
 * Runs one flow for one call to a terminal outcome. Never throws. `vars` and `path`, when given, are filled in
 * place, so the call can see how far the caller got even while the flow is still waiting (e.g. at hang-up).
 */
export async function runFlow(
  flow: FlowDocument,
  io: IvrIo,
  env: IvrEnvironment,
  initial: { vars?: Record<string, string>; path?: string[]; language?: string } = {},
): Promise<IvrRun> {
  const vars: Record<string, string> = initial.vars ?? {};
  let language = initial.language ?? flow.language;
  const path: string[] = initial.path ?? [];
  const maxSteps = env.maxSteps ?? 200;
  let current = flow.start;

  const play = async (prompt: readonly string[] | undefined, bargeIn: boolean): Promise<PlayResult> => {
    if (!prompt || prompt.length === 0) return 'done';
    const result = await io.play(prompt, { bargeIn, language });
    if (result === 'hangup') throw new CallerGone();
    if (result === 'failed') throw new FlowBroken(`prompt failed: ${prompt.join(', ')}`);
    return result;
  };
  const collect = async (options: Parameters<IvrIo['collect']>[0]): Promise<{ digits: string; ended: string }> => {
    const result = await io.collect(options);
    if (result === 'hangup') throw new CallerGone();
    return result;
  };

  /** One key, or a recognised intent when the menu has intents (speech and DTMF race; the first wins). */
  const waitChoice = async (
    timeoutMs: number,
    intents: readonly string[],
  ): Promise<{ key?: string; intent?: string }> => {
    if (intents.length === 0) {
      const r = await collect({ max: 1, firstTimeoutMs: timeoutMs, interDigitTimeoutMs: timeoutMs });
      return r.digits ? { key: r.digits } : {};
    }
    const abort = new AbortController();
    const keyPromise = collect({
      max: 1,
      firstTimeoutMs: timeoutMs,
      interDigitTimeoutMs: timeoutMs,
      signal: abort.signal,
    }).then((r) => ({ key: r.digits || undefined }));
    const speechPromise = env.recogniser
      .recognise({ callId: io.callId, channelId: io.channelId, language, intents, timeoutMs, signal: abort.signal })
      .catch(() => null)
      .then((r) => (r && intents.includes(r.intent) ? { intent: r.intent } : null));
    // Speech that understood nothing must not end the wait: only a real intent may beat the key.
    const speechOrNever = speechPromise.then((r) => r ?? new Promise<never>(() => undefined));
    try {
      const winner = await Promise.race([keyPromise, speechOrNever]);
      return 'intent' in winner ? winner : { key: winner.key };
    } finally {
      abort.abort();
    }
  };

  try {
    for (let step = 0; ; step++) {
      if (step >= maxSteps) throw new FlowBroken(`more than ${maxSteps} steps`);
      const node: FlowNode | undefined = Object.hasOwn(flow.nodes, current) ? flow.nodes[current] : undefined;
      if (!node) throw new FlowBroken(`node "${current}" does not exist`);
      path.push(current);
      switch (node.type) {
        case 'play':
          await play(node.prompt, false);
          current = node.next;
          break;
        case 'menu': {
          const intents = Object.keys(node.intents ?? {});
          let next: string | undefined;
          for (let attempt = 0; next === undefined; attempt++) {
            await play(node.prompt, true);
            const choice = await waitChoice(node.timeoutMs, intents);
            if (choice.key !== undefined && Object.hasOwn(node.choices, choice.key)) {
              vars[node.variable ?? 'menu'] = choice.key;
              next = node.choices[choice.key];
            } else if (choice.intent !== undefined) {
              vars[node.variable ?? 'menu'] = choice.intent;
              vars.intent = choice.intent;
              next = node.intents?.[choice.intent];
            } else if (attempt >= node.retries) {
              next = node.onFailure;
            } else {
              await play(
                choice.key === undefined ? (node.noInputPrompt ?? node.invalidPrompt) : node.invalidPrompt,
                true,
              );
            }
          }
          current = next;
          break;
        }
        case 'collect': {
          const pattern = node.pattern ? new RegExp(`^(?:${node.pattern})$`) : null;
          let next: string | undefined;
          for (let attempt = 0; next === undefined; attempt++) {
            await play(node.prompt, true);
            const r = await collect({
              max: node.maxDigits,
              firstTimeoutMs: node.timeoutMs,
              interDigitTimeoutMs: node.interDigitTimeoutMs,
              terminator: node.terminator,
            });
            if (r.digits.length >= node.minDigits && (!pattern || pattern.test(r.digits))) {
              vars[node.variable] = r.digits;
              next = node.next;
            } else if (attempt >= node.retries) {
              next = node.onFailure;
            } else {
              await play(node.invalidPrompt, true);
            }
          }
          current = next;
          break;
        }
        case 'lookup': {
          const orderNo = vars[node.input];
          const found = orderNo ? await env.lookups.orderStatus(orderNo) : null;
          if (found) {
            vars.order_status = found.status;
            vars.self_service = 'order_status';
            if (node.readBack)
              await play(
                [
                  'sound:ariadne/order-number',
                  `digits:${found.orderNo}`,
                  `sound:ariadne/order-status-${found.status.replace(/_/g, '-')}`,
                ],
                false,
              );
            current = node.found;
          } else {
            current = node.notFound;
          }
          break;
        }
        case 'set':
          vars[node.variable] = node.value;
          current = node.next;
          break;
        case 'hours': {
          const state = await env.hours.state(node.businessHours, env.now());
          if (state === null) throw new FlowBroken(`business hours "${node.businessHours}" do not exist`);
          vars.hours = state;
          current = state === 'open' ? node.open : state === 'holiday' ? (node.holiday ?? node.closed) : node.closed;
          break;
        }
        case 'language': {
          await play(node.prompt, true);
          const choice = await waitChoice(node.timeoutMs, []);
          const chosen = choice.key !== undefined ? node.choices[choice.key] : undefined;
          if (chosen) language = chosen;
          vars.language = language;
          current = node.next;
          break;
        }
        case 'queue':
          await play(node.prompt, false);
          return {
            outcome: { type: 'queue', queue: node.queue, priority: node.priority, skills: node.skills },
            vars,
            language,
            path,
          };
        case 'transfer':
          await play(node.prompt, false);
          return { outcome: { type: 'transfer', number: node.number }, vars, language, path };
        case 'voicemail':
          return {
            outcome: { type: 'voicemail', queue: node.queue, maxSeconds: node.maxSeconds },
            vars,
            language,
            path,
          };
        case 'hangup':
          await play(node.prompt, false);
          return { outcome: { type: 'hangup', selfService: vars.self_service !== undefined }, vars, language, path };
      }
    }
  } catch (err) {
    if (err instanceof CallerGone) return { outcome: { type: 'caller_hangup' }, vars, language, path };
    const reason = err instanceof Error ? err.message : String(err);
    env.logger.warn({ callId: io.callId, node: current, reason }, 'IVR flow broke; falling back to the default queue');
    return { outcome: { type: 'error', node: current, reason }, vars, language, path };
  }
}
