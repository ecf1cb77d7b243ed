export { listSurveyResponses, surveySummary, type SurveySummaryRow } from './repository.js';
export { acceptSmsReply, type SmsReply, type ReplyOutcome } from './sms.js';
export { parseSurveyReply, surveyText, SURVEY_CHANNELS, type SurveyChannel } from './replies.js';
export { runIvrSurvey, recordIvrResponse, SURVEY_PROMPTS } from './ivr.js';
