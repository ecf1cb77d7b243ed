// Live per-queue and per-agent view for supervisors and wall screens. First paint from GET /api/wallboard, then
// every 'wallboard' message over the WebSocket replaces it; waits tick locally between messages. Below it (not on the
// wall screen), the calls in progress, to listen in on.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { sendLive, useLive, useLiveStatus } from '../api/live.js';
import { AGENT_STATES, type User, type WallboardMessage } from '../api/types.js';
import { ErrorBox, pauseReasonText, StateBadge, useNow } from '../components/ui.js';
import { fmtDuration, secondsSince, stateLabel } from '../format.js';
import { LiveCalls } from './live-calls.js';

interface Board {
  msg: WallboardMessage;
  receivedAt: number;
}

type QueueBoard = WallboardMessage['queues'][number];

/**
 * What a queue's tile is past right now. The longest wait ticks here between pushes, so its alert is worked out
 * here against the queue's level; the others are the server's.
 */
function alertsOf(q: QueueBoard, longest: number): string[] {
  const out: string[] = [];
  const l = q.alertLevels;
  if (q.alerts.includes('waiting')) out.push(`${q.waiting} waiting (alert at ${l.waiting})`);
  if (l.waitS > 0 && q.waiting > 0 && longest >= l.waitS)
    out.push(`longest wait ${fmtDuration(longest)} (alert at ${fmtDuration(l.waitS)})`);
  if (q.alerts.includes('service_level'))
    out.push(`service level ${q.serviceLevelPct ?? 0}% (target ${l.serviceLevelPct}%)`);
  return out;
}

export function WallboardPage({ large, user }: { large: boolean; user: User }) {
  const [board, setBoard] = useState<Board | null>(null);
  const [error, setError] = useState<unknown>(null);
  const live = useLiveStatus();
  const now = useNow(1000);

  useEffect(() => {
    api.wallboard().then(
      (msg) => setBoard((b) => b ?? { msg, receivedAt: Date.now() }),
      (e: unknown) => setError(e),
    );
  }, []);
  useEffect(() => {
    if (live === 'open') sendLive({ type: 'wallboard' });
  }, [live]);
  useLive((m) => {
    if (m.type === 'wallboard') setBoard({ msg: m, receivedAt: Date.now() });
  });

  const drift = board ? Math.max(0, (now - board.receivedAt) / 1000) : 0;
  const queues = board?.msg.queues ?? [];
  const agents = board?.msg.agents;
  const alerting = queues
    .map((q) => ({ q, alerts: alertsOf(q, q.waiting > 0 ? q.longestWaitS + drift : 0) }))
    .filter((a) => a.alerts.length > 0);
  return (
    <div class={large ? 'wallboard large' : 'wallboard'} data-testid="wallboard">
      <div class="page-header">
        <h1>Wallboard</h1>
        <div class="actions">
          <span class={`live-dot ${live}`} /> <span class="muted">{live === 'open' ? 'live' : live}</span>
          {large ? (
            <a class="button" href="#/wallboard">
              Normal view
            </a>
          ) : (
            <a class="button" href="#/wallboard/large">
              Wall screen
            </a>
          )}
        </div>
      </div>
      <ErrorBox error={error} />
      {alerting.length > 0 ? (
        <ul class="wallboard-alerts" role="alert" data-testid="wallboard-alerts">
          {alerting.map(({ q, alerts }) => (
            <li key={q.queueId}>
              <strong>{q.displayName}</strong>: {alerts.join(' · ')}
            </li>
          ))}
        </ul>
      ) : null}
      <section class="queue-tiles">
        {queues.map((q) => {
          const longest = q.waiting > 0 ? q.longestWaitS + drift : 0;
          const sl = q.serviceLevelPct;
          const l = q.alertLevels;
          const alert = alerting.some((a) => a.q === q);
          return (
            <div
              class={`tile ${q.waiting > 0 ? 'busy' : ''} ${alert ? 'alert' : ''}`}
              key={q.queueId}
              data-testid={`queue-${q.name}`}
            >
              <div class="tile-title">{q.displayName}</div>
              <div class="tile-grid">
                <Metric
                  label="Waiting"
                  value={String(q.waiting)}
                  testid="waiting"
                  warn={l.waiting > 0 ? q.waiting >= l.waiting : q.waiting > 0}
                />
                <Metric
                  label="Longest wait"
                  value={fmtDuration(longest)}
                  testid="longest"
                  warn={l.waitS > 0 && q.waiting > 0 && longest >= l.waitS}
                />
                <Metric
                  label="Service level"
                  value={sl === null ? '—' : `${sl}%`}
                  testid="sl"
                  warn={q.alerts.includes('service_level')}
                />
                <Metric label="Answered" value={String(q.answeredToday)} testid="answered" />
                <Metric
                  label="Abandoned"
                  value={String(q.abandonedToday)}
                  testid="abandoned"
                  warn={q.abandonedToday > 0}
                />
              </div>
            </div>
          );
        })}
        {board && queues.length === 0 ? <p class="muted">No queues.</p> : null}
      </section>
      <section class="agent-states">
        <h2>
          Agents
          {agents && agents.outOfAdherence > 0 ? (
            <span class="adherence-alert" data-testid="agents-out-of-adherence">
              {' '}
              · {agents.outOfAdherence} off schedule
            </span>
          ) : null}
        </h2>
        <div class="state-counts">
          {AGENT_STATES.map((s) => (
            <div class={`count state-${s}`} key={s} data-testid={`agents-${s}`}>
              <span class="n">{agents?.byState[s] ?? 0}</span>
              <span class="l">{stateLabel(s)}</span>
            </div>
          ))}
        </div>
        {agents && agents.list.length > 0 ? (
          <div class="agent-grid">
            {agents.list
              // A logged-out agent due on the phones is shown: a no-show is what the supervisor needs to see.
              .filter((a) => a.state !== 'logged_out' || a.inAdherence === false)
              .map((a) => (
                <div
                  class={`agent-chip state-${a.state}${a.inAdherence === false ? ' off-schedule' : ''}`}
                  key={a.agentId}
                  data-testid={`agent-chip-${a.agentId}`}
                >
                  <span class="name">{a.name}</span>
                  <StateBadge state={a.state} />
                  <span class="since">{fmtDuration(secondsSince(a.since, now))}</span>
                  {a.reason ? <span class="muted"> {pauseReasonText(a.state, a.reason)}</span> : null}
                  {a.inAdherence === false && a.scheduled ? (
                    <span class="scheduled" title="What the schedule has for now">
                      due: {a.scheduled === 'phone' ? 'on the phones' : a.scheduled}
                    </span>
                  ) : null}
                </div>
              ))}
          </div>
        ) : null}
      </section>
      {large ? null : <LiveCalls user={user} board={board?.msg ?? null} />}
    </div>
  );
}

function Metric(props: { label: string; value: string; testid: string; warn?: boolean }) {
  return (
    <div class={props.warn ? 'metric warn' : 'metric'} data-testid={props.testid}>
      <div class="value">{props.value}</div>
      <div class="label">{props.label}</div>
    </div>
  );
}
