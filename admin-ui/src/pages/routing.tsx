// Routing rules (ordered, first match wins) and the rule tester: a sample call in, each rule's verdict out.
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { RoutingRule, RoutingRuleInput, RoutingTestResult } from '../api/types.js';
import { SkillRows } from '../components/editors.js';
import {
  checked,
  ErrorBox,
  Field,
  fieldErrorsOf,
  FormActions,
  inputValue,
  Loading,
  num,
  PageHeader,
  useAction,
  useLoad,
} from '../components/ui.js';

type Draft = RoutingRuleInput & { id?: number };

function draftOf(r: RoutingRule): Draft {
  return {
    id: r.id,
    position: r.position,
    name: r.name,
    expression: r.expression,
    queueId: r.queueId,
    priority: r.priority,
    requiredSkills: r.requiredSkills ?? [],
    enabled: r.enabled,
    isDefault: r.isDefault,
  };
}

export function RoutingPage({ canEdit }: { canEdit: boolean }) {
  const rules = useLoad(() => api.routingRules.list(), []);
  const queues = useLoad(() => api.queues.list(), []);
  const skills = useLoad(() => api.skills.list(), []);
  const [edit, setEdit] = useState<Draft | null>(null);
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  const queueName = (id: number) => queues.data?.items.find((q) => q.id === id)?.name ?? `#${id}`;
  const sorted = [...(rules.data?.items ?? [])].sort((a, b) => a.position - b.position);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!edit) return;
    const { id, ...body } = edit;
    const r = await action.run(() => (id ? api.routingRules.update(id, body) : api.routingRules.create(body)));
    if (r) {
      setEdit(null);
      rules.reload();
    }
  };
  const remove = async (r: RoutingRule) => {
    if (!confirm(`Delete rule "${r.name}"?`)) return;
    await action.run(() => api.routingRules.remove(r.id));
    rules.reload();
  };
  const set = (patch: Partial<Draft>) => edit && setEdit({ ...edit, ...patch });

  return (
    <div>
      <PageHeader title="Routing rules">
        {canEdit ? (
          <button
            class="primary"
            onClick={() => (
              action.clear(),
              setEdit({
                name: '',
                expression: '',
                queueId: queues.data?.items[0]?.id,
                priority: 0,
                position: (sorted[sorted.length - 1]?.position ?? 0) + 10,
                requiredSkills: [],
                enabled: true,
                isDefault: false,
              })
            )}
          >
            New rule
          </button>
        ) : null}
      </PageHeader>
      <ErrorBox error={rules.error ?? (edit ? null : action.error)} />
      {edit ? (
        <form class="card editor" onSubmit={save}>
          <h2>{edit.id ? `Edit "${edit.name}"` : 'New rule'}</h2>
          <div class="grid">
            <Field label="Name" error={errs.name}>
              <input value={edit.name ?? ''} onInput={(e) => set({ name: inputValue(e) })} required />
            </Field>
            <Field label="Position" error={errs.position} hint="lower runs first">
              <input type="number" value={edit.position ?? 0} onInput={(e) => set({ position: num(inputValue(e)) })} />
            </Field>
            <Field label="Queue" error={errs.queueId}>
              <select value={String(edit.queueId ?? '')} onChange={(e) => set({ queueId: num(inputValue(e)) })}>
                {queues.data?.items.map((q) => (
                  <option key={q.id} value={String(q.id)}>
                    {q.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Priority" error={errs.priority} hint="0-100, higher jumps the line">
              <input
                type="number"
                min={0}
                max={100}
                value={edit.priority ?? 0}
                onInput={(e) => set({ priority: num(inputValue(e)) })}
              />
            </Field>
          </div>
          <Field
            label="Expression"
            error={errs.expression}
            hint='e.g. tier == "gold" or ivr.menu == "2" or recentCount("logistics") >= 2'
          >
            <textarea
              class="code"
              rows={2}
              value={edit.expression ?? ''}
              onInput={(e) => set({ expression: inputValue(e) })}
              required
            />
          </Field>
          <Field
            label="Required skills"
            error={Object.entries(errs).find(([k]) => k.startsWith('requiredSkills'))?.[1]}
          >
            <SkillRows
              levelKey="minLevel"
              value={edit.requiredSkills ?? []}
              skills={skills.data?.items ?? []}
              onChange={(s) => set({ requiredSkills: s })}
            />
          </Field>
          <label class="check">
            <input type="checkbox" checked={edit.enabled ?? true} onChange={(e) => set({ enabled: checked(e) })} />{' '}
            Enabled
          </label>
          <label class="check">
            <input type="checkbox" checked={edit.isDefault ?? false} onChange={(e) => set({ isDefault: checked(e) })} />{' '}
            Default (used when nothing else matches)
          </label>
          <FormActions error={action.error} busy={action.busy} onCancel={() => setEdit(null)} />
        </form>
      ) : null}
      <Loading when={rules.loading && !rules.data} />
      <table class="list" data-testid="rules">
        <thead>
          <tr>
            <th>#</th>
            <th>Name</th>
            <th>Expression</th>
            <th>Queue</th>
            <th>Priority</th>
            <th>Skills</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.id} class={r.enabled ? '' : 'inactive'}>
              <td>{r.position}</td>
              <td>
                {r.name} {r.isDefault ? <span class="badge">default</span> : null}
              </td>
              <td>
                <code>{r.expression}</code>
              </td>
              <td>{queueName(r.queueId)}</td>
              <td>{r.priority}</td>
              <td class="small">{(r.requiredSkills ?? []).map((s) => `${s.skill}≥${s.minLevel}`).join(' ')}</td>
              <td class="actions">
                {canEdit ? (
                  <>
                    <button onClick={() => (action.clear(), setEdit(draftOf(r)))}>Edit</button>
                    <button class="danger" onClick={() => void remove(r)}>
                      Delete
                    </button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <RuleTester />
    </div>
  );
}

function RuleTester() {
  const [sample, setSample] = useState({
    did: '4007188668',
    caller: '',
    tier: '',
    language: 'zh',
    ivr: 'menu=1',
    recent: '',
  });
  const [result, setResult] = useState<RoutingTestResult | null>(null);
  const action = useAction();
  const set = (k: keyof typeof sample) => (e: Event) => setSample({ ...sample, [k]: inputValue(e) });
  const run = async (e: Event) => {
    e.preventDefault();
    const ivr: Record<string, string> = {};
    for (const pair of sample.ivr.split(/[,\s]+/).filter(Boolean)) {
      const [k, v] = pair.split('=');
      if (k && v !== undefined) ivr[k] = v;
    }
    const r = await action.run(() =>
      api.routingRules.test({
        did: sample.did.trim(),
        callerE164: sample.caller.trim() || null,
        tier: (sample.tier || null) as 'standard' | 'gold' | 'diamond' | null,
        language: sample.language.trim() || 'en',
        ivr,
        recentCategories: sample.recent.split(/[,\s]+/).filter(Boolean),
      }),
    );
    setResult(r ?? null);
  };
  return (
    <section class="card tester" data-testid="rule-tester">
      <h2>Test a sample call</h2>
      <form class="filters" onSubmit={run}>
        <Field label="DID">
          <input value={sample.did} onInput={set('did')} required />
        </Field>
        <Field label="Caller (E.164)">
          <input value={sample.caller} onInput={set('caller')} placeholder="+8613800138000" />
        </Field>
        <Field label="Tier">
          <select value={sample.tier} onChange={set('tier')}>
            <option value="">unknown</option>
            <option>standard</option>
            <option>gold</option>
            <option>diamond</option>
          </select>
        </Field>
        <Field label="Language">
          <input value={sample.language} onInput={set('language')} size={4} />
        </Field>
        <Field label="IVR choices" hint="name=value, …">
          <input name="ivr" value={sample.ivr} onInput={set('ivr')} />
        </Field>
        <Field label="Recent contact categories" hint="comma separated">
          <input value={sample.recent} onInput={set('recent')} />
        </Field>
        <button class="primary" type="submit" disabled={action.busy}>
          Test
        </button>
      </form>
      <ErrorBox error={action.error} />
      {result ? (
        <div class="test-result" data-testid="test-result">
          <p class="decision">
            {result.fallback ? 'Fallback: ' : 'Matched '}
            <strong>{result.decision.ruleName}</strong> → queue <strong>{result.decision.queueName}</strong>, priority{' '}
            {result.decision.priority}
            {result.decision.requiredSkills.length
              ? `, skills ${result.decision.requiredSkills.map((s) => `${s.skill}≥${s.minLevel}`).join(' ')}`
              : ''}
          </p>
          <p class="muted">{result.reason}</p>
          <table class="list">
            <thead>
              <tr>
                <th>#</th>
                <th>Rule</th>
                <th>Outcome</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {result.rules.map((t) => (
                <tr key={t.ruleId} class={`outcome-${t.outcome}`}>
                  <td>{t.position}</td>
                  <td>{t.name}</td>
                  <td>
                    <span class={`badge outcome-${t.outcome}`}>{t.outcome.replace(/_/g, ' ')}</span>
                  </td>
                  <td class="small">{t.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
