export { createTicket, getTicket, listTickets, updateTicket, type TicketInput } from './repository.js';
