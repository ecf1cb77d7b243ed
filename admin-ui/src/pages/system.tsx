// The switch at a glance (nodes, trunks' registrations, trunks' and phones' reachability) and Asterisk reloads on
// every node; the API audits each reload.
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { SwitchContact, SwitchStatus } from '../api/types.js';
import { ErrorBox, Loading, PageHeader, useAction, useLoad } from '../components/ui.js';
import { fmtTime } from '../format.js';

const GOOD = new Set(['Reachable', 'Registered', 'Connected']);

function Health({ status }: { status: string }) {
  const cls = GOOD.has(status) ? 'ok' : status === 'NonQualified' || status === 'Unknown' ? 'muted' : 'error-text';
  return <span class={`health ${cls}`}>{status}</span>;
}

function roundtrip(c: SwitchContact): string {
  return c.roundtripMs === null ? '—' : `${c.roundtripMs} ms`;
}

function SwitchCard() {
  const status = useLoad(() => api.asterisk.status(), []);
  const s: SwitchStatus | undefined = status.data;
  const reachable = s?.phones.filter((p) => p.status === 'Reachable').length ?? 0;
  const down = s?.phones.filter((p) => p.status === 'Unreachable') ?? [];
  return (
    <section class="card" data-testid="switch-status">
      <div class="row card-head">
        <h2>Switch</h2>
        <button onClick={status.reload} disabled={status.loading}>
          Check again
        </button>
      </div>
      <ErrorBox error={status.error} />
      <Loading when={status.loading && !s} />
      {s ? (
        <>
          {s.problems.length > 0 ? (
            <ul class="error" role="alert" data-testid="switch-problems">
              {s.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          ) : null}
          <h3>Asterisk nodes</h3>
          <table class="list compact" data-testid="switch-nodes">
            <tbody>
              {s.nodes.map((n) => (
                <tr key={n.node}>
                  <td>{n.node}</td>
                  <td>
                    <Health status={n.connected ? 'Connected' : 'Down'} /> since {fmtTime(n.since)}
                  </td>
                  <td class="muted">{n.lastError ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Trunks</h3>
          {s.registrations.length === 0 && s.trunks.length === 0 ? (
            <p class="muted">No trunk registers or is qualified.</p>
          ) : (
            <table class="list compact" data-testid="switch-trunks">
              <thead>
                <tr>
                  <th>Trunk</th>
                  <th>Registration</th>
                  <th>OPTIONS</th>
                  <th>Round trip</th>
                </tr>
              </thead>
              <tbody>
                {[...new Set([...s.registrations.map((r) => r.endpoint), ...s.trunks.map((t) => t.endpoint)])].map(
                  (endpoint) => {
                    const reg = s.registrations.find((r) => r.endpoint === endpoint);
                    const contact = s.trunks.find((t) => t.endpoint === endpoint);
                    return (
                      <tr key={endpoint} data-trunk={endpoint}>
                        <td>
                          {endpoint}
                          {reg ? <span class="muted"> → {reg.serverUri}</span> : null}
                        </td>
                        <td>{reg ? <Health status={reg.status} /> : <span class="muted">none</span>}</td>
                        <td>{contact ? <Health status={contact.status} /> : <span class="muted">—</span>}</td>
                        <td>{contact ? roundtrip(contact) : '—'}</td>
                      </tr>
                    );
                  },
                )}
              </tbody>
            </table>
          )}
          <h3>Agents' phones</h3>
          <p data-testid="switch-phones">
            {s.phones.length} registered · {reachable} answering OPTIONS
            {down.length > 0 ? (
              <>
                {' '}
                · <span class="error-text">not answering</span>:{' '}
                {down.map((p) => `${p.agent ?? p.endpoint} (${p.endpoint})`).join(', ')}
              </>
            ) : null}
          </p>
        </>
      ) : null}
    </section>
  );
}

export function SystemPage() {
  const action = useAction();
  const [done, setDone] = useState<string | null>(null);
  const reload = (what: 'dialplan' | 'pjsip') => {
    setDone(null);
    void action
      .run(() => api.asterisk.reload(what))
      .then((r) => r !== undefined && setDone(`${what} reloaded at ${new Date().toLocaleTimeString()}`));
  };
  return (
    <div>
      <PageHeader title="System" />
      <SwitchCard />
      <section class="card">
        <h2>Asterisk</h2>
        <p class="muted">
          Reload configuration on every Asterisk node after editing files under asterisk-conf/ or dialplans/.
        </p>
        <div class="row">
          <button disabled={action.busy} onClick={() => reload('dialplan')}>
            Reload dialplan
          </button>
          <button disabled={action.busy} onClick={() => reload('pjsip')}>
            Reload PJSIP
          </button>
        </div>
        {done ? (
          <p class="ok" role="status">
            {done}
          </p>
        ) : null}
        <ErrorBox error={action.error} />
      </section>
    </div>
  );
}
