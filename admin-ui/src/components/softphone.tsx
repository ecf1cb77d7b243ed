// The workspace's Phone card: the agent's browser softphone (softphone/phone.ts). It reads GET /api/agent/me/softphone
// on mount; without one (no WebSocket URL configured, no password set, not a PJSIP endpoint) it shows the
// server's reason in one muted line and nothing else, since the agent may use a desk phone. Otherwise it registers
// (and stays registered while the workspace is open), rings on an incoming call with the caller's name and number,
// answers with the microphone, and offers Mute, a DTMF keypad and Hang up. Hold and transfer stay in the call card.
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api/client.js';
import { fmtDuration } from '../format.js';
import type { Caller, PhoneCall, Registration, Softphone } from '../softphone/phone.js';
import { startRinging } from '../softphone/ring.js';
import { useSoftphone } from '../softphone/use-softphone.js';
import { useLoad, useNow } from './ui.js';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

export function SoftphoneCard() {
  const settings = useLoad(() => api.agent.softphone(), []);
  const answer = settings.data;
  const { phone, state, loadError } = useSoftphone(answer?.available ? answer : undefined);
  if (settings.loading && !answer) return null;
  if (settings.error || loadError || !answer || !answer.available) {
    // The server says what is missing; an error is shown just as quietly (the agent may use a desk phone).
    const why = answer && !answer.available ? answer.reason : errorText(settings.error ?? loadError);
    return (
      <p class="muted small softphone-off" data-testid="softphone-off">
        Softphone: {why}
      </p>
    );
  }
  if (!phone || !state) return null;
  const { registration, call } = state;
  const busy = call.status === 'ringing' || call.status === 'answering' || call.status === 'connected';
  return (
    <section
      class="card softphone"
      data-testid="softphone"
      data-registration={registration.status}
      data-call={call.status}
    >
      <div class="softphone-head">
        <h2>Phone</h2>
        <span class="softphone-status" data-testid="softphone-status">
          <span class={`softphone-dot softphone-dot-${registration.status}`} aria-hidden="true" />
          Softphone {answer.username} · {registrationText(registration)}
        </span>
        {registration.status === 'unregistered' || registration.status === 'failed' ? (
          <button type="button" data-testid="softphone-connect" onClick={() => phone.connect()}>
            Connect
          </button>
        ) : (
          <button
            type="button"
            data-testid="softphone-disconnect"
            disabled={busy}
            title={busy ? 'Finish the call first' : 'Unregister this browser'}
            onClick={() => phone.disconnect()}
          >
            Disconnect
          </button>
        )}
      </div>
      <PhoneCallView phone={phone} call={call} />
      {state.micError ? (
        <div class="error" role="alert" data-testid="softphone-mic-error">
          {state.micError}
        </div>
      ) : null}
      <audio autoplay data-testid="softphone-audio" ref={(el) => phone.attachAudio(el)} />
    </section>
  );
}

function registrationText(r: Registration): string {
  if (r.status === 'registered') return 'registered';
  if (r.status === 'connecting') return 'connecting…';
  if (r.status === 'unregistered') return 'disconnected';
  return r.reason;
}

function callerText(c: Caller): string {
  return c.name && c.name !== c.number ? `${c.name} (${c.number})` : c.number;
}

function PhoneCallView({ phone, call }: { phone: Softphone; call: PhoneCall }) {
  const ringing = call.status === 'ringing';
  useEffect(() => (ringing ? startRinging() : undefined), [ringing]);
  if (call.status === 'idle') return null;
  if (call.status === 'ringing' || call.status === 'answering') {
    return (
      <div class="softphone-ringing" role="alert" data-testid="softphone-ringing">
        <span class="softphone-bell" aria-hidden="true">
          ☎
        </span>
        <span>
          Incoming call from <strong data-testid="softphone-caller">{callerText(call.caller)}</strong>
        </span>
        <button
          type="button"
          class="primary"
          data-testid="softphone-answer"
          disabled={call.status === 'answering'}
          onClick={() => void phone.answer()}
        >
          {call.status === 'answering' ? 'Answering…' : 'Answer'}
        </button>
        <button type="button" class="danger" data-testid="softphone-decline" onClick={() => phone.decline()}>
          Decline
        </button>
      </div>
    );
  }
  if (call.status === 'ended') {
    return (
      <p class="muted softphone-ended" data-testid="softphone-ended">
        {call.reason} · {callerText(call.caller)}
      </p>
    );
  }
  return <Connected phone={phone} call={call} />;
}

function Connected({ phone, call }: { phone: Softphone; call: Extract<PhoneCall, { status: 'connected' }> }) {
  const now = useNow(1000);
  const [pad, setPad] = useState(false);
  const [sent, setSent] = useState('');
  return (
    <div class="softphone-call" data-testid="softphone-call">
      <div class="softphone-call-head">
        <span>
          On call with <strong data-testid="softphone-caller">{callerText(call.caller)}</strong>
        </span>
        <span class="timer" data-testid="softphone-timer">
          {fmtDuration((now - call.since) / 1000)}
        </span>
        {call.muted ? (
          <span class="badge softphone-muted" data-testid="softphone-muted">
            muted
          </span>
        ) : null}
      </div>
      <div class="row">
        <button
          type="button"
          data-testid="softphone-mute"
          aria-pressed={call.muted}
          onClick={() => phone.setMuted(!call.muted)}
        >
          {call.muted ? 'Unmute' : 'Mute'}
        </button>
        <button type="button" data-testid="softphone-keypad" aria-pressed={pad} onClick={() => setPad(!pad)}>
          Keypad
        </button>
        <button type="button" class="danger" data-testid="softphone-hangup" onClick={() => phone.hangUp()}>
          Hang up
        </button>
      </div>
      {pad ? (
        <div class="softphone-pad" data-testid="softphone-pad">
          <div class="softphone-keys">
            {KEYS.map((k) => (
              <button
                type="button"
                key={k}
                data-key={k}
                aria-label={`Send ${k}`}
                onClick={() => {
                  phone.sendDtmf(k);
                  setSent((s) => (s + k).slice(-20));
                }}
              >
                {k}
              </button>
            ))}
          </div>
          <span class="muted small" data-testid="softphone-sent">
            {sent ? `Sent ${sent}` : 'Tones go to the caller'}
          </span>
        </div>
      ) : null}
    </div>
  );
}
