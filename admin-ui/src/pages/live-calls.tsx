// The calls in progress, on the wallboard for supervisors and admins: who talks to whom, and from there listening in
// on a call (the agent and the caller unaware), whispering to its agent (coaching the caller does not hear), or
// barging in (everyone hears everyone). The supervisor's phone rings first: the one typed here (kept in this
// browser), or their own agent phone when the box is empty. GET /api/calls/live every 2 s.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { LiveCall, MonitorMode, User, WallboardMessage } from '../api/types.js';
import { ErrorBox, Field, inputValue, useAction, useNow } from '../components/ui.js';
import { fmtDuration, secondsSince, stateLabel } from '../format.js';

const REFRESH_MS = 2_000;
const PHONE_KEY = 'ariadne.monitorPhone';

const MODES: readonly { mode: MonitorMode; label: string; title: string }[] = [
  { mode: 'listen', label: 'Listen', title: 'Hear the caller and the agent; neither hears you' },
  { mode: 'whisper', label: 'Whisper', title: 'Speak to the agent alone; the caller does not hear you' },
  { mode: 'barge', label: 'Barge in', title: 'Join the conversation: everyone hears you' },
];

const MODE_WORDS: Record<MonitorMode, string> = { listen: 'listening', whisper: 'whispering', barge: 'in the call' };

function readPhone(): string {
  try {
    return localStorage.getItem(PHONE_KEY) ?? '';
  } catch {
    return '';
  }
}

export function LiveCalls({ user, board }: { user: User; board: WallboardMessage | null }) {
  const [calls, setCalls] = useState<LiveCall[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [phone, setPhone] = useState(readPhone);
  const action = useAction();
  const now = useNow(1000);

  useEffect(() => {
    let current = true;
    api.calls.live().then(
      (r) => {
        if (!current) return;
        setCalls(r.items);
        setLoadError(null);
      },
      (e: unknown) => current && setLoadError(e),
    );
    return () => {
      current = false;
    };
  }, [tick]);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(t);
  }, []);

  const agentName = (id: number | null) =>
    id === null ? '—' : (board?.agents.list.find((a) => a.agentId === id)?.name ?? `agent ${id}`);
  const queueName = (id: number | null) =>
    id === null ? '—' : (board?.queues.find((q) => q.queueId === id)?.displayName ?? `queue ${id}`);
  const savePhone = (typed: string) => {
    setPhone(typed);
    try {
      localStorage.setItem(PHONE_KEY, typed.trim());
    } catch {
      // A browser that keeps nothing: the phone is asked again next time.
    }
  };
  const run = (fn: () => Promise<unknown>) => void action.run(fn).then(() => setTick((n) => n + 1));

  return (
    <section class="live-calls" data-testid="live-calls">
      <h2>Calls in progress</h2>
      <div class="filters">
        <Field label="Your phone" hint="rings when you listen in; empty: your own agent phone">
          <input
            name="monitorPhone"
            value={phone}
            onInput={(e) => savePhone(inputValue(e))}
            placeholder="e.g. PJSIP/2050"
            maxLength={64}
          />
        </Field>
      </div>
      <ErrorBox error={loadError ?? action.error} />
      {calls && calls.length === 0 ? (
        <p class="muted" data-testid="live-calls-empty">
          No calls in progress.
        </p>
      ) : null}
      {calls && calls.length > 0 ? (
        <table class="list">
          <thead>
            <tr>
              <th>Caller</th>
              <th>Queue</th>
              <th>Agent</th>
              <th>State</th>
              <th>For</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {calls.map((c) => {
              const mine = c.monitoredBy?.find((m) => m.userId === user.id);
              const others = (c.monitoredBy ?? []).filter((m) => m.userId !== user.id);
              return (
                <tr key={c.callId} data-call={c.callId}>
                  <td class="nowrap">{c.callerE164 ?? c.caller}</td>
                  <td>{queueName(c.queueId)}</td>
                  <td>{agentName(c.agentId)}</td>
                  <td>
                    {stateLabel(c.state)}
                    {c.held ? ' · on hold' : ''}
                    {c.conference ? ' · conference' : c.consulting ? ' · consulting' : ''}
                    {others.map((m) => (
                      <span class="muted small" key={m.userId}>
                        {' '}
                        · {m.name} {MODE_WORDS[m.mode]}
                      </span>
                    ))}
                  </td>
                  <td class="nowrap">{fmtDuration(secondsSince(c.arrivedAt, now))}</td>
                  <td class="actions" data-testid="monitor">
                    {c.state === 'connected'
                      ? MODES.map((m) => (
                          <button
                            key={m.mode}
                            title={m.title}
                            class={mine?.mode === m.mode ? 'active' : undefined}
                            aria-pressed={mine?.mode === m.mode}
                            disabled={action.busy}
                            onClick={() => run(() => api.calls.monitor(c.callId, m.mode, phone.trim() || undefined))}
                          >
                            {m.label}
                          </button>
                        ))
                      : null}
                    {mine ? (
                      <button
                        class="danger"
                        disabled={action.busy}
                        onClick={() => run(() => api.calls.stopMonitor(c.callId))}
                      >
                        Stop
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
