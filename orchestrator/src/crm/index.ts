export { normaliseCallerId, type NormalisedCallerId, type CallerIdKind } from './phone.js';
export { CustomerIdentifier, OPEN_ORDER_STATUSES, type IdentifierOptions } from './identify.js';
export { createHttpCrm, type HttpCrmOptions } from './external.js';
export type * from './types.js';
