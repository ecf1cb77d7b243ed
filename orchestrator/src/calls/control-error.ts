/** Why an agent-side or supervisor control was refused; the API maps `code` to an HTTP status. */
export class CallControlError extends Error {
  constructor(
    readonly code: 'not_found' | 'bad_state' | 'bad_request' | 'switch',
    message: string,
  ) {
    super(message);
    this.name = 'CallControlError';
  }
}
