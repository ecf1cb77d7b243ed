/**
 * An agent whose phone answers offered calls on its own (agents.auto_answer: a headset agent, no button to press):
 * the INVITE to their phone carries `Call-Info: <uri>;answer-after=0`, the intercom header Yealink, Grandstream,
 * Snom and Cisco phones answer at once, and the workspace softphone too. Asterisk adds it from the channel variable
 * `PJSIP_HEADER(add,Call-Info)` set when the channel is created, so only PJSIP endpoints get it.
 */
const AUTO_ANSWER_HEADER = 'Call-Info';
export const AUTO_ANSWER_VALUE = '<sip:auto-answer.invalid>;answer-after=0';

/** The originate variables that make `endpoint` answer on its own; none for another technology. */
export function autoAnswerVariables(endpoint: string, autoAnswer: boolean | undefined): Record<string, string> {
  if (!autoAnswer || !/^PJSIP\//i.test(endpoint)) return {};
  return { [`PJSIP_HEADER(add,${AUTO_ANSWER_HEADER})`]: AUTO_ANSWER_VALUE };
}
