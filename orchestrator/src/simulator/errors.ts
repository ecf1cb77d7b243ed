/** An ARI error reply, exactly as Asterisk words it (status, status text, JSON body). */
export class AriError extends Error {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly body: Record<string, string>,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message ?? body.error ?? statusText);
    this.name = 'AriError';
  }
}

export const notFound = (message: string, statusText = 'Not Found'): AriError => new AriError(404, statusText, { message });
export const badRequest = (message: string, statusText = 'Bad Request'): AriError => new AriError(400, statusText, { message });
export const conflict = (message: string): AriError => new AriError(409, 'Conflict', { message });
export const unprocessable = (message: string): AriError => new AriError(422, 'Unprocessable Entity', { message });
export const allocationFailed = (): AriError => new AriError(500, 'Internal Server Error', { error: 'Allocation failed' });
export const notInStasis = (): AriError => conflict('Channel not in Stasis application');

/** A request's JSON body: an object, or null for any other JSON value; text that is not JSON is Asterisk's 400. */
export function jsonObject(text: string): Record<string, unknown> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('Error parsing request body');
  }
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
}
