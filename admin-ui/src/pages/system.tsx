// Asterisk reloads (dialplan, PJSIP) on every node; the API audits each one.
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { ErrorBox, PageHeader, useAction } from '../components/ui.js';

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
