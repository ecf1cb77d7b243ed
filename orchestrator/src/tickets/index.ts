export * from './repository.js';
export {
  analyseCallTickets,
  analyseTicket,
  CALL_TICKETS_ANALYSE_JOB,
  queueCallTicketAnalysis,
  queueTicketAnalysis,
  TICKET_ANALYSE_JOB,
  type CallTranscripts,
} from './analyse.js';
export { TAG_PATTERN } from './tags.js';
