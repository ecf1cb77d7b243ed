/** Which satisfaction survey a queue's answered callers get (queues.survey). */
export const SURVEY_CHANNELS = ['none', 'ivr', 'sms'] as const;
export type SurveyChannel = (typeof SURVEY_CHANNELS)[number];

/** A queues.survey value as read from the database; anything unknown means no survey. */
export function surveyChannelOf(value: unknown): SurveyChannel {
  return (SURVEY_CHANNELS as readonly unknown[]).includes(value) ? (value as SurveyChannel) : 'none';
}

/** A satisfaction score, 1 (poor) to 5 (excellent), as the survey asks for it. */
export const MIN_SCORE = 1;
export const MAX_SCORE = 5;

export interface ParsedReply {
  readonly score: number;
  /** What the caller wrote besides the score, if anything. */
  readonly comment: string | null;
}

const FULL_WIDTH_DIGIT = /[０-９]/g;

/**
 * Reads an SMS reply: the first digit 1-5 standing on its own is the score ("5", "4 thanks", "评分：3分"),
 * the rest is a comment. Full-width digits (typed by Chinese keyboards) count. Null when no score is in it.
 */
export function parseSurveyReply(text: string): ParsedReply | null {
  const normal = text.replace(FULL_WIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).trim();
  const match = /(?<!\d)([1-5])(?!\d)\s*(?:分|stars?\b|points?\b)?/iu.exec(normal);
  if (!match) return null;
  const rest = (
    normal.slice(0, match.index).replace(/(?:评分|打分|score|rating)\s*[:：]?\s*$/iu, '') +
    ' ' +
    normal.slice(match.index + match[0].length)
  )
    .replace(/^[\s:：,，.。!！*-]+|[\s:：,，.。!！-]+$/gu, '')
    .trim();
  return { score: Number(match[1]), comment: rest === '' ? null : rest.slice(0, 2000) };
}

/** The survey question, in the caller's language (zh or en). */
export function surveyText(language: string | null, queueDisplayName: string | null, ownText?: string | null): string {
  // The queue's own wording, when it has one, whatever the caller's language: a queue serves one audience.
  if (ownText)
    return ownText
      .replaceAll('{queue}', queueDisplayName ?? '')
      .replace(/\s{2,}/g, ' ')
      .trim();
  if (language === 'zh')
    return `感谢您致电${queueDisplayName ?? ''}。请回复数字1（很不满意）至5（非常满意）为本次服务评分，也可附上您的意见。`;
  return `Thank you for calling${queueDisplayName ? ` ${queueDisplayName}` : ''}. How satisfied were you? Reply 1 (poor) to 5 (excellent), and add a comment if you like.`;
}
