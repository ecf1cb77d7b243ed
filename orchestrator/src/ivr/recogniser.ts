/**
 * The speech hook. A menu with `intents` asks the recogniser to listen while DTMF is also collected; whichever
 * answers first wins. The default recogniser hears nothing, so DTMF alone drives every menu.
 */
export interface RecogniseRequest {
  readonly callId: string;
  readonly channelId: string;
  readonly language: string;
  /** The intents the menu accepts. */
  readonly intents: readonly string[];
  readonly timeoutMs: number;
  /** Aborted when DTMF won, the caller hung up or the menu timed out. */
  readonly signal: AbortSignal;
}

export interface Recognition {
  readonly intent: string;
  readonly confidence: number;
  readonly transcript?: string;
}

export interface SpeechRecogniser {
  /** Resolves with an intent, or null for "nothing understood". Must settle when the signal aborts. */
  recognise(request: RecogniseRequest): Promise<Recognition | null>;
}

export const noopRecogniser: SpeechRecogniser = {
  recognise: async () => null,
};
