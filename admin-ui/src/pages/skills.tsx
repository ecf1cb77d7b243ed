import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Skill } from '../api/types.js';
import {
  ErrorBox,
  Field,
  fieldErrorsOf,
  FormActions,
  inputValue,
  PageHeader,
  useAction,
  useLoad,
} from '../components/ui.js';

export function SkillsPage() {
  const list = useLoad(() => api.skills.list(), []);
  const [edit, setEdit] = useState<Partial<Skill> | null>(null);
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  const save = async (e: Event) => {
    e.preventDefault();
    if (!edit) return;
    const body = { name: edit.name?.trim() ?? '', description: edit.description?.trim() || null };
    const r = await action.run(() => (edit.id ? api.skills.update(edit.id, body) : api.skills.create(body)));
    if (r) {
      setEdit(null);
      list.reload();
    }
  };
  const remove = async (s: Skill) => {
    if (!confirm(`Delete skill ${s.name}?`)) return;
    await action.run(() => api.skills.remove(s.id));
    list.reload();
  };
  return (
    <div>
      <PageHeader title="Skills">
        <button class="primary" onClick={() => (action.clear(), setEdit({ name: '', description: '' }))}>
          New skill
        </button>
      </PageHeader>
      <ErrorBox error={list.error ?? (edit ? null : action.error)} />
      {edit ? (
        <form class="card editor" onSubmit={save}>
          <h2>{edit.id ? `Edit ${edit.name}` : 'New skill'}</h2>
          <Field label="Name" error={errs.name}>
            <input
              name="name"
              value={edit.name ?? ''}
              onInput={(e) => setEdit({ ...edit, name: inputValue(e) })}
              required
            />
          </Field>
          <Field label="Description" error={errs.description}>
            <input
              name="description"
              value={edit.description ?? ''}
              onInput={(e) => setEdit({ ...edit, description: inputValue(e) })}
            />
          </Field>
          <FormActions error={action.error} busy={action.busy} onCancel={() => setEdit(null)} />
        </form>
      ) : null}
      <table class="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Description</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((s) => (
            <tr key={s.id}>
              <td>{s.name}</td>
              <td>{s.description ?? ''}</td>
              <td class="actions">
                <button onClick={() => (action.clear(), setEdit(s))}>Edit</button>
                <button class="danger" onClick={() => void remove(s)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
