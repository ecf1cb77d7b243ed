import { z } from 'zod';

/**
 * A scorecard is a list of weighted yes/no questions, the form most contact centers' quality teams use: a call
 * scores the weight of its "yes" answers over the weight of the questions that applied. A critical question
 * answered "no" (a compliance miss: no identity check, a promise the agent may not make) fails the whole call.
 */

export const questionSchema = z
  .object({
    /** Stable within the scorecard: answers are keyed by it. */
    key: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, - and _ (up to 40)'),
    text: z.string().trim().min(1, 'required').max(500),
    weight: z.number().int().min(1, 'at least 1').max(100, 'at most 100').default(1),
    critical: z.boolean().default(false),
    /** "Not applicable" may be answered (the question then does not count). */
    allowNa: z.boolean().default(false),
  })
  .strict();

export type ScorecardQuestion = z.output<typeof questionSchema>;

export const questionsSchema = z
  .array(questionSchema)
  .min(1, 'at least one question')
  .max(50, 'at most 50 questions')
  .superRefine((qs, ctx) => {
    const seen = new Set<string>();
    qs.forEach((q, i) => {
      if (seen.has(q.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `key ${q.key} is used twice` });
      seen.add(q.key);
    });
  });

export const answerSchema = z.enum(['yes', 'no', 'na'], { error: 'yes, no or na' });
export type Answer = z.output<typeof answerSchema>;
export type Answers = Readonly<Record<string, Answer>>;

export const answersSchema = z.record(z.string().max(40), answerSchema);

export interface Score {
  /** 0–100 with two decimals; null when every question was not applicable. */
  readonly scorePct: number | null;
  readonly failedCritical: boolean;
}

/** Why answers do not fit their questions, one line per question. */
export class AnswersError extends Error {
  constructor(readonly problems: readonly { key: string; reason: string }[]) {
    super(problems.map((p) => `${p.key}: ${p.reason}`).join('; '));
    this.name = 'AnswersError';
  }
}

/** Every question answered once, "na" only where allowed, no answer to a question the scorecard lacks. */
export function checkAnswers(questions: readonly ScorecardQuestion[], answers: Answers): void {
  const problems: { key: string; reason: string }[] = [];
  const keys = new Set(questions.map((q) => q.key));
  for (const q of questions) {
    const a = answers[q.key];
    if (a === undefined) problems.push({ key: q.key, reason: 'not answered' });
    else if (a === 'na' && !q.allowNa) problems.push({ key: q.key, reason: 'must be answered yes or no' });
  }
  for (const key of Object.keys(answers))
    if (!keys.has(key)) problems.push({ key, reason: 'no such question on this scorecard' });
  if (problems.length > 0) throw new AnswersError(problems);
}

export function scoreAnswers(questions: readonly ScorecardQuestion[], answers: Answers): Score {
  checkAnswers(questions, answers);
  let earned = 0;
  let possible = 0;
  let failedCritical = false;
  for (const q of questions) {
    const a = answers[q.key];
    if (a === 'na') continue;
    possible += q.weight;
    if (a === 'yes') earned += q.weight;
    else if (q.critical) failedCritical = true;
  }
  if (failedCritical) return { scorePct: 0, failedCritical };
  return { scorePct: possible === 0 ? null : Math.round((earned / possible) * 10_000) / 100, failedCritical };
}
