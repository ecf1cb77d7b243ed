// The workspace's browser softphone: a small typed wrapper around JsSIP. It registers the agent's WebRTC endpoint
// over SIP-over-WebSocket, rings on an incoming INVITE (Ariadne rings the agent's phone for every call it offers
// them; at once when the INVITE asks, for an agent set to answer on its own), answers with the microphone, plays the far end in an <audio> element, mutes, sends DTMF (SIP INFO, JsSIP's
// default, which Asterisk turns into digits) and hangs up. Call control (hold, transfer) stays with the API.
import { UA, WebSocketInterface } from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { RTCSessionEvent, UnRegisteredEvent } from 'jssip/lib/UA';
import type { SoftphoneSettings } from '../api/types.js';

/** Whether the phone is registered: `unregistered` after Disconnect (or before Connect). */
export type Registration =
  | { readonly status: 'unregistered' }
  | { readonly status: 'connecting' }
  | { readonly status: 'registered' }
  | { readonly status: 'failed'; readonly reason: string };

/** Who is calling: the INVITE's display name (if any) and the user part of its From URI. */
export interface Caller {
  readonly name: string | null;
  readonly number: string;
}

/**
 * The call on the phone. ringing: an INVITE waits for Answer/Decline; answering: the microphone is asked for and
 * the answer is on its way; connected: talking (since: ms epoch); ended: how it ended, shown for a few seconds.
 */
export type PhoneCall =
  | { readonly status: 'idle' }
  | { readonly status: 'ringing'; readonly caller: Caller }
  | { readonly status: 'answering'; readonly caller: Caller }
  | { readonly status: 'connected'; readonly caller: Caller; readonly since: number; readonly muted: boolean }
  | { readonly status: 'ended'; readonly caller: Caller; readonly reason: string };

export interface SoftphoneState {
  readonly registration: Registration;
  readonly call: PhoneCall;
  /** Why the last Answer could not use the microphone (cleared by the next call or a successful answer). */
  readonly micError: string | null;
}

/**
 * The intercom header Ariadne sends to an agent set to answer on its own (orchestrator calls/auto-answer.ts):
 * `Call-Info: <uri>;answer-after=0`.
 */
export function asksToAnswer(callInfo: string | undefined): boolean {
  return /(^|;)\s*answer-after\s*=\s*0\b/i.test(callInfo ?? '');
}

/** How long an ended call stays on the card before the phone shows idle again. */
const ENDED_SHOWN_MS = 4_000;
const DTMF_KEYS = /^[0-9*#]$/;

export class Softphone {
  private ua: UA | null = null;
  private session: RTCSession | null = null;
  private local: MediaStream | null = null;
  private remote: MediaStream | null = null;
  private audio: HTMLAudioElement | null = null;
  private endedTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<(s: SoftphoneState) => void>();
  private current: SoftphoneState = {
    registration: { status: 'unregistered' },
    call: { status: 'idle' },
    micError: null,
  };

  constructor(private readonly settings: SoftphoneSettings) {}

  get state(): SoftphoneState {
    return this.current;
  }

  /** Calls `fn` on every change; returns the unsubscribe. */
  subscribe(fn: (s: SoftphoneState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The element that plays the far end (an <audio autoplay>); null when it goes away. */
  attachAudio(el: HTMLAudioElement | null): void {
    this.audio = el;
    if (el && el.srcObject !== this.remote) el.srcObject = this.remote;
  }

  /** Connects and registers (again, after Disconnect or a failure). */
  connect(): void {
    this.stopUa();
    const s = this.settings;
    let ua: UA;
    try {
      ua = new UA({
        sockets: [new WebSocketInterface(s.wsUrl)],
        uri: s.uri,
        authorization_user: s.username,
        password: s.password,
        display_name: s.displayName,
        register: true,
        user_agent: 'Ariadne softphone (JsSIP)',
      });
    } catch (err) {
      this.update({ registration: { status: 'failed', reason: `cannot use ${s.wsUrl}: ${String(err)}` } });
      return;
    }
    this.ua = ua;
    const mine = () => this.ua === ua;
    ua.on('connecting', () => {
      if (mine() && this.current.registration.status !== 'registered')
        this.update({ registration: { status: 'connecting' } });
    });
    ua.on('disconnected', () => {
      // JsSIP reconnects by itself (2 s, then backing off): say so until it does.
      if (mine())
        this.update({ registration: { status: 'failed', reason: 'cannot reach the phone server; retrying' } });
    });
    ua.on('registered', () => {
      if (mine()) this.update({ registration: { status: 'registered' } });
    });
    ua.on('unregistered', () => {
      if (mine())
        this.update({ registration: { status: 'failed', reason: 'the phone server ended the registration' } });
    });
    ua.on('registrationFailed', (e: UnRegisteredEvent) => {
      if (!mine()) return;
      // No response when the request never got one (socket closed, timeout).
      const code = (e.response as UnRegisteredEvent['response'] | undefined)?.status_code;
      const reason =
        e.cause === 'Authentication Error' || code === 401 || code === 403
          ? 'the phone server refused the password'
          : e.cause === 'Connection Error' || e.cause === 'Request Timeout'
            ? 'cannot reach the phone server'
            : `registration failed (${[code, e.cause].filter(Boolean).join(' ')})`;
      this.update({ registration: { status: 'failed', reason } });
    });
    ua.on('newRTCSession', (e: RTCSessionEvent) => {
      if (mine() && e.originator === 'remote') this.incoming(e.session, asksToAnswer(e.request.getHeader('Call-Info')));
    });
    this.update({ registration: { status: 'connecting' } });
    ua.start();
  }

  /** Unregisters and closes the socket (a call in progress ends). */
  disconnect(): void {
    this.stopUa();
    this.update({ registration: { status: 'unregistered' } });
  }

  /** Asks for the microphone, then answers the ringing call; a refusal keeps it ringing and says why. */
  async answer(): Promise<void> {
    const session = this.session;
    const call = this.current.call;
    if (!session || call.status !== 'ringing') return;
    this.update({ call: { status: 'answering', caller: call.caller }, micError: null });
    let stream: MediaStream;
    try {
      if (!navigator.mediaDevices?.getUserMedia)
        throw new DOMException('no media devices on an insecure (http://) page', 'SecurityError');
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch (err) {
      if (this.session === session)
        this.update({ call: { status: 'ringing', caller: call.caller }, micError: micText(err) });
      return;
    }
    if (this.session !== session || session.isEnded()) {
      stream.getTracks().forEach((t) => t.stop());
      return;
    }
    this.local = stream;
    session.answer({
      mediaStream: stream,
      mediaConstraints: { audio: true, video: false },
      pcConfig: { iceServers: this.settings.iceServers.map((s) => ({ urls: s.urls })) },
    });
  }

  /** Refuses the ringing call (603 Decline): Ariadne offers it to someone else. */
  decline(): void {
    if (this.session && !this.session.isEstablished())
      this.session.terminate({ status_code: 603, reason_phrase: 'Decline' });
  }

  hangUp(): void {
    if (this.session && !this.session.isEnded()) this.session.terminate();
  }

  setMuted(muted: boolean): void {
    const call = this.current.call;
    if (!this.session || call.status !== 'connected') return;
    if (muted) this.session.mute({ audio: true });
    else this.session.unmute({ audio: true });
    this.update({ call: { ...call, muted } });
  }

  /** One key of the pad: 0–9, * or #. */
  sendDtmf(key: string): void {
    if (DTMF_KEYS.test(key) && this.session?.isEstablished()) this.session.sendDTMF(key);
  }

  /** `answerAtOnce`: Ariadne asked the phone to answer on its own (an agent set to auto-answer). */
  private incoming(session: RTCSession, answerAtOnce: boolean): void {
    // One call at a time (the endpoint is busy at one call in Asterisk too).
    if (this.session) {
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
      return;
    }
    clearTimeout(this.endedTimer);
    this.session = session;
    const id = session.remote_identity;
    const caller: Caller = { name: id.display_name?.trim() || null, number: id.uri.user ?? id.uri.toString() };
    session.on('peerconnection', ({ peerconnection }) => {
      peerconnection.addEventListener('track', (ev) => {
        if (ev.track.kind !== 'audio') return;
        this.remote = ev.streams[0] ?? new MediaStream([ev.track]);
        if (this.audio) this.audio.srcObject = this.remote;
      });
    });
    session.on('accepted', () => {
      if (this.session === session)
        this.update({ call: { status: 'connected', caller, since: Date.now(), muted: false }, micError: null });
    });
    session.on('ended', (e) => this.finish(session, caller, endedText(e.originator, e.cause, true)));
    session.on('failed', (e) => this.finish(session, caller, endedText(e.originator, e.cause, false)));
    this.update({ call: { status: 'ringing', caller }, micError: null });
    if (answerAtOnce) void this.answer();
  }

  private finish(session: RTCSession, caller: Caller, reason: string): void {
    if (this.session !== session) return;
    this.session = null;
    this.local?.getTracks().forEach((t) => t.stop());
    this.local = null;
    this.remote = null;
    if (this.audio) this.audio.srcObject = null;
    this.update({ call: { status: 'ended', caller, reason } });
    clearTimeout(this.endedTimer);
    this.endedTimer = setTimeout(() => {
      if (this.current.call.status === 'ended') this.update({ call: { status: 'idle' } });
    }, ENDED_SHOWN_MS);
  }

  private stopUa(): void {
    const ua = this.ua;
    this.ua = null;
    // Ends a call in progress (its 'ended' still reaches finish) and sends REGISTER with Expires: 0.
    ua?.stop();
  }

  private update(patch: Partial<SoftphoneState>): void {
    this.current = { ...this.current, ...patch };
    for (const fn of this.listeners) fn(this.current);
  }
}

/** A getUserMedia refusal, in words an agent can act on. */
function micText(err: unknown): string {
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'NotAllowedError')
    return 'Microphone blocked: allow this page to use the microphone (the icon in the address bar), then Answer again.';
  if (name === 'NotFoundError') return 'No microphone found: plug one in, then Answer again.';
  if (name === 'NotReadableError') return 'The microphone is in use by another program or cannot be opened.';
  if (name === 'SecurityError') return 'The microphone needs this page on https://.';
  return `The microphone could not be opened: ${err instanceof Error ? err.message : String(err)}`;
}

/** How a call ended (`ended`: after it was answered; otherwise it failed before or while answering). */
function endedText(originator: string, cause: string, ended: boolean): string {
  if (ended) return originator === 'local' ? 'You hung up' : 'The call ended';
  if (cause === 'Canceled') return 'Stopped ringing';
  if (cause === 'Rejected' && originator === 'local') return 'Declined';
  if (cause === 'User Denied Media Access') return 'Not answered: no microphone';
  if (cause === 'No Answer') return 'Not answered';
  return `Call failed: ${cause}`;
}
