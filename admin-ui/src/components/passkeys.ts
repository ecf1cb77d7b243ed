// The browser's side of passkeys (WebAuthn, @simplewebauthn/browser): whether this page can use them, and what its
// prompt's refusals mean to the user.
import { browserSupportsWebAuthn } from '@simplewebauthn/browser';

/** A host name that is an IP address (v4, or v6 in brackets): browsers refuse WebAuthn there. */
const IP_HOST = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

/** Why this page cannot use passkeys, or null when it can. */
export function passkeysUnavailable(): string | null {
  if (!browserSupportsWebAuthn())
    return 'This browser cannot use passkeys here (they need a browser that supports them, over https).';
  if (IP_HOST.test(location.hostname))
    return 'Passkeys work only at a host name, not at an IP address: open Ariadne by its name (or at localhost).';
  return null;
}

/**
 * The calm note for a prompt the user closed, that timed out or that another one replaced (nothing went wrong, and
 * nothing happened); null for any other error.
 */
export function closedPrompt(err: unknown, during: 'sign-in' | 'add'): string | null {
  const name = err instanceof Error ? err.name : '';
  if (name === 'NotAllowedError')
    return during === 'sign-in'
      ? 'No passkey was used: the prompt was closed or timed out, or found no passkey for this site. Try again, or sign in with your password.'
      : 'The passkey prompt was closed or timed out: no passkey was added. Try again when your key or device is ready.';
  if (name === 'AbortError') return 'The passkey prompt was cancelled. Try again.';
  return null;
}

/** A readable refusal from the browser's prompt (the library's message is written for developers). */
export function promptError(err: unknown): Error {
  const name = err instanceof Error ? err.name : '';
  if (name === 'InvalidStateError')
    return new Error('This security key or device already holds one of your passkeys: use another one.');
  if (name === 'SecurityError')
    return new Error('The browser refused passkeys at this address: open Ariadne by its host name over https.');
  return err instanceof Error ? err : new Error(String(err));
}
