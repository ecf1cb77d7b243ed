import { ChannelIo } from '../calls/media.js';
import type { Db } from '../db/knex.js';
import type { SwitchPort } from '../telephony/port.js';
import { MAX_SCORE, MIN_SCORE } from './replies.js';

export const SURVEY_PROMPTS = {
  ask: 'sound:ariadne/survey-question',
  invalid: 'sound:ariadne/invalid-entry',
  thanks: 'sound:ariadne/survey-thanks',
} as const;

export interface IvrSurveyOptions {
  readonly switchPort: SwitchPort;
  readonly callId: string;
  /** The caller's channel, still in the application after the agent hung up. */
  readonly channelId: string;
  readonly language: string;
  readonly playbackTimeoutMs: number;
  /** How long the caller has to press a key after the question. */
  readonly answerTimeoutMs?: number;
  /** The queue's own question (media); default SURVEY_PROMPTS.ask. */
  readonly question?: string;
}

/**
 * The post-call survey on the caller's channel: the question, one key 1-5 (a wrong key hears "invalid choice"
 * once more), thanks, hang-up. Resolves to the score, or null when the caller gave none or hung up. Never throws;
 * the channel is always hung up at the end, so a survey can never leave a caller in the application.
 */
export async function runIvrSurvey(o: IvrSurveyOptions): Promise<number | null> {
  const gone = new AbortController();
  const io = new ChannelIo(o.switchPort, o.callId, o.channelId, gone.signal, o.playbackTimeoutMs);
  const unwatch = o.switchPort.watchChannel(o.channelId, (event) => {
    if (event.type === 'dtmf') io.pushDigit(event.digit);
    else if (event.type === 'hangup' || event.type === 'left_app') gone.abort();
  });
  const play = { bargeIn: true, language: o.language };
  try {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const prompt = attempt === 1 ? (o.question ?? SURVEY_PROMPTS.ask) : SURVEY_PROMPTS.invalid;
      if ((await io.play([prompt], play)) === 'hangup') return null;
      const got = await io.collect({
        max: 1,
        firstTimeoutMs: o.answerTimeoutMs ?? 8_000,
        interDigitTimeoutMs: o.answerTimeoutMs ?? 8_000,
      });
      if (got === 'hangup') return null;
      const score = Number(got.digits);
      if (got.digits !== '' && score >= MIN_SCORE && score <= MAX_SCORE) {
        await io.play([SURVEY_PROMPTS.thanks], { bargeIn: false, language: o.language });
        return score;
      }
      if (got.digits === '') return null; // silence: the caller did not want the survey
      io.clearDigits();
    }
    return null;
  } finally {
    unwatch();
    if (!gone.signal.aborted) await o.switchPort.hangup(o.channelId).catch(() => undefined);
  }
}

/** Stores a score the caller keyed in (survey_responses, channel ivr). */
export async function recordIvrResponse(
  db: Db,
  r: { callId: string; customerId: number | null; score: number; now: Date },
): Promise<void> {
  await db('survey_responses').insert({
    call_id: r.callId,
    customer_id: r.customerId,
    channel: 'ivr',
    score: r.score,
    comment: null,
    created_at: r.now,
  });
}
