export * from './repository.js';
export { analyseTicket, queueTicketAnalysis, TICKET_ANALYSE_JOB } from './analyse.js';
export { TAG_PATTERN } from './tags.js';
