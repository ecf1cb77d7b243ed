// Quality scorecards: weighted yes/no questions supervisors evaluate calls on (admins edit, supervisors read).
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Scorecard, ScorecardQuestion } from '../api/types.js';
import {
  checked,
  ErrorBox,
  Field,
  fieldErrorsOf,
  FormActions,
  inputValue,
  Loading,
  PageHeader,
  useAction,
  useLoad,
} from '../components/ui.js';

interface Draft {
  id?: number;
  name: string;
  description: string;
  active: boolean;
  questions: ScorecardQuestion[];
}

function blankQuestion(existing: readonly ScorecardQuestion[]): ScorecardQuestion {
  let n = existing.length + 1;
  while (existing.some((q) => q.key === `q${n}`)) n++;
  return { key: `q${n}`, text: '', weight: 1, critical: false, allowNa: false };
}

function QuestionsTable({ questions }: { questions: readonly ScorecardQuestion[] }) {
  return (
    <table class="list compact">
      <thead>
        <tr>
          <th>Question</th>
          <th>Weight</th>
          <th>Critical</th>
          <th>N/A allowed</th>
        </tr>
      </thead>
      <tbody>
        {questions.map((q) => (
          <tr key={q.key}>
            <td>{q.text}</td>
            <td>{q.weight}</td>
            <td>{q.critical ? 'yes: a "no" fails the call' : '—'}</td>
            <td>{q.allowNa ? 'yes' : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ScorecardForm({ draft, onDone }: { draft: Draft; onDone: (saved: boolean) => void }) {
  const [d, setD] = useState<Draft>(draft);
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  const setQuestion = (i: number, patch: Partial<ScorecardQuestion>) =>
    setD({ ...d, questions: d.questions.map((q, j) => (i === j ? { ...q, ...patch } : q)) });
  const save = async (e: Event) => {
    e.preventDefault();
    const body = {
      name: d.name.trim(),
      description: d.description.trim() || null,
      active: d.active,
      questions: d.questions.map((q) => ({ ...q, text: q.text.trim(), key: q.key.trim() })),
    };
    const r = await action.run(() => (d.id ? api.scorecards.update(d.id, body) : api.scorecards.create(body)));
    if (r) onDone(true);
  };
  return (
    <form class="card" data-testid="scorecard-form" onSubmit={save}>
      <h2>{d.id ? `Edit ${draft.name}` : 'New scorecard'}</h2>
      <div class="grid">
        <Field label="Name" error={errs.name}>
          <input name="name" value={d.name} onInput={(e) => setD({ ...d, name: inputValue(e) })} required />
        </Field>
        <Field label="Description" error={errs.description}>
          <input name="description" value={d.description} onInput={(e) => setD({ ...d, description: inputValue(e) })} />
        </Field>
      </div>
      <label class="check">
        <input type="checkbox" checked={d.active} onChange={(e) => setD({ ...d, active: checked(e) })} /> In use
        (offered for new evaluations)
      </label>
      <p class="muted">
        A call scores the weight of its "yes" answers over the weight of the questions that applied. A critical question
        answered "no" fails the call (0 %). Evaluations already made keep the questions they were scored on.
      </p>
      <table class="list compact" data-testid="scorecard-questions">
        <thead>
          <tr>
            <th>Key</th>
            <th>Question</th>
            <th>Weight</th>
            <th>Critical</th>
            <th>N/A allowed</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {d.questions.map((q, i) => (
            <tr key={i}>
              <td>
                <input
                  name={`key-${i}`}
                  class={errs[`questions.${i}.key`] ? 'invalid' : ''}
                  title={errs[`questions.${i}.key`]}
                  value={q.key}
                  size={10}
                  onInput={(e) => setQuestion(i, { key: inputValue(e) })}
                  required
                />
              </td>
              <td>
                <input
                  name={`text-${i}`}
                  value={q.text}
                  size={48}
                  onInput={(e) => setQuestion(i, { text: inputValue(e) })}
                  required
                />
              </td>
              <td>
                <input
                  name={`weight-${i}`}
                  type="number"
                  min={1}
                  max={100}
                  value={q.weight}
                  onInput={(e) => setQuestion(i, { weight: Number(inputValue(e)) || 1 })}
                />
              </td>
              <td>
                <input
                  name={`critical-${i}`}
                  type="checkbox"
                  checked={q.critical}
                  onChange={(e) => setQuestion(i, { critical: checked(e) })}
                />
              </td>
              <td>
                <input
                  name={`allowNa-${i}`}
                  type="checkbox"
                  checked={q.allowNa}
                  onChange={(e) => setQuestion(i, { allowNa: checked(e) })}
                />
              </td>
              <td>
                <button
                  type="button"
                  disabled={d.questions.length === 1}
                  onClick={() => setD({ ...d, questions: d.questions.filter((_, j) => j !== i) })}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="row">
        <button type="button" onClick={() => setD({ ...d, questions: [...d.questions, blankQuestion(d.questions)] })}>
          Add question
        </button>
      </div>
      <FormActions error={action.error} busy={action.busy} onCancel={() => onDone(false)} />
    </form>
  );
}

export function ScorecardsPage({ canEdit }: { canEdit: boolean }) {
  const list = useLoad(() => api.scorecards.list(), []);
  const [draft, setDraft] = useState<Draft | null>(null);
  const action = useAction();
  const toggle = async (c: Scorecard) => {
    await action.run(() => api.scorecards.update(c.id, { active: !c.active }));
    list.reload();
  };
  const remove = async (c: Scorecard) => {
    if (!confirm(`Delete scorecard ${c.name}?`)) return;
    await action.run(() => api.scorecards.remove(c.id));
    list.reload();
  };
  return (
    <div>
      <PageHeader title="Scorecards">
        {canEdit ? (
          <button
            class="primary"
            onClick={() => setDraft({ name: '', description: '', active: true, questions: [blankQuestion([])] })}
          >
            New scorecard
          </button>
        ) : null}
      </PageHeader>
      <p class="muted">
        Supervisors evaluate agents' calls on these from a call's page; agents read and acknowledge theirs under
        Evaluations.
      </p>
      <ErrorBox error={list.error ?? action.error} />
      <Loading when={list.loading && !list.data} />
      {draft ? (
        <ScorecardForm
          key={draft.id ?? 'new'}
          draft={draft}
          onDone={(saved) => {
            setDraft(null);
            if (saved) list.reload();
          }}
        />
      ) : null}
      {list.data?.items.map((c) => (
        <section class="card" key={c.id} data-testid={`scorecard-${c.id}`}>
          <div class="row card-head">
            <h2>
              {c.name} {c.active ? null : <span class="badge">not in use</span>}
            </h2>
            {canEdit ? (
              <div class="row">
                <button
                  onClick={() =>
                    setDraft({
                      id: c.id,
                      name: c.name,
                      description: c.description ?? '',
                      active: c.active,
                      questions: c.questions,
                    })
                  }
                >
                  Edit
                </button>
                <button onClick={() => void toggle(c)}>{c.active ? 'Retire' : 'Use again'}</button>
                {c.evaluations === 0 ? (
                  <button class="danger" onClick={() => void remove(c)}>
                    Delete
                  </button>
                ) : null}
              </div>
            ) : null}
          </div>
          {c.description ? <p>{c.description}</p> : null}
          <p class="muted">
            {c.evaluations} call{c.evaluations === 1 ? '' : 's'} evaluated on it.
          </p>
          <QuestionsTable questions={c.questions} />
        </section>
      ))}
      {list.data && list.data.items.length === 0 ? <p class="muted">No scorecards yet.</p> : null}
    </div>
  );
}
