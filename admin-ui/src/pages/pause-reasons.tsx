// The pause reasons agents may pause with (admins only): the workspace's pause buttons and, by code, the desk phone's
// *13<code>. The API refuses a pause with any other reason; 'no answer' is the system's own (missed offers).
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api/client.js';
import type { PauseReason } from '../api/types.js';
import { ErrorBox, Field, fieldErrorsOf, inputValue, PageHeader, useAction, useLoad } from '../components/ui.js';

/** The edit row's inputs live in table cells; this (empty) form outside the table submits them. */
const EDIT_FORM = 'pause-reason-edit';

interface Draft {
  name: string;
  code: string;
}

const EMPTY: Draft = { name: '', code: '' };

function bodyOf(d: Draft): { name: string; code: string | null } {
  return { name: d.name.trim(), code: d.code.trim() || null };
}

/** The API's answer to a taken name or code is generic; only those two are unique, so say which they are. */
function explain(error: unknown): unknown {
  return error instanceof ApiError && error.code === 'conflict'
    ? new ApiError(error.status, error.code, 'Another pause reason already has that name or desk-phone code.')
    : error;
}

/** How a desk phone pauses with a reason: *13 then its code. */
function DeskCode({ code }: { code: string | null }) {
  return code ? <code>*13{code}</code> : <span class="muted">—</span>;
}

export function PauseReasonsPage() {
  const list = useLoad(() => api.pauseReasons.list(), []);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [edit, setEdit] = useState<(Draft & { id: number }) | null>(null);
  const adding = useAction();
  const changing = useAction();
  const addErrs = fieldErrorsOf(adding.error);
  const editErrs = fieldErrorsOf(changing.error);

  const add = async (e: Event) => {
    e.preventDefault();
    const r = await adding.run(() => api.pauseReasons.create(bodyOf(draft)));
    if (r) {
      setDraft(EMPTY);
      list.reload();
    }
  };
  const save = async (e: Event) => {
    e.preventDefault();
    if (!edit) return;
    const r = await changing.run(() => api.pauseReasons.update(edit.id, bodyOf(edit)));
    if (r) {
      setEdit(null);
      list.reload();
    }
  };
  const startEdit = (r: PauseReason) => {
    changing.clear();
    setEdit({ id: r.id, name: r.name, code: r.code ?? '' });
  };
  const remove = async (r: PauseReason) => {
    if (!confirm(`Delete pause reason ${r.name}?`)) return;
    setEdit(null);
    await changing.run(() => api.pauseReasons.remove(r.id));
    list.reload();
  };

  return (
    <div class="short-list-page">
      <PageHeader title="Pause reasons" />
      <p class="muted" data-testid="pause-reasons-note">
        Agents pause with these reasons in their workspace, or on a desk phone by dialling <code>*13</code> and the
        code. 'no answer' is the automatic pause after missed calls.
      </p>
      <ErrorBox error={list.error ?? (edit ? null : explain(changing.error))} />

      <form class="card add-inline" data-testid="pause-reason-add" onSubmit={add}>
        <Field label="Name" error={addErrs.name}>
          <input
            name="name"
            value={draft.name}
            onInput={(e) => setDraft({ ...draft, name: inputValue(e) })}
            placeholder="e.g. quality review"
            maxLength={64}
            required
          />
        </Field>
        <Field
          label="Desk phone code"
          error={addErrs.code}
          hint="optional: one or two digits (no leading zero), dialled after *13"
        >
          <input
            name="code"
            class="code-input"
            inputMode="numeric"
            value={draft.code}
            onInput={(e) => setDraft({ ...draft, code: inputValue(e) })}
            placeholder="e.g. 7"
          />
        </Field>
        <button class="primary" type="submit" disabled={adding.busy}>
          Add reason
        </button>
      </form>
      <ErrorBox error={explain(adding.error)} />

      <form id={EDIT_FORM} onSubmit={save} />
      <table class="list pause-reasons" data-testid="pause-reasons">
        <thead>
          <tr>
            <th>Name</th>
            <th class="code-col">Desk phone code</th>
            <th class="actions-col" />
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((r) =>
            edit?.id === r.id ? (
              <EditRow
                key={r.id}
                edit={edit}
                errs={editErrs}
                busy={changing.busy}
                onChange={setEdit}
                onCancel={() => setEdit(null)}
              />
            ) : (
              <tr key={r.id} data-reason={r.name}>
                <td>{r.name}</td>
                <td>
                  <DeskCode code={r.code} />
                </td>
                <td class="actions">
                  <button onClick={() => startEdit(r)}>Edit</button>
                  <button class="danger" onClick={() => void remove(r)}>
                    Delete
                  </button>
                </td>
              </tr>
            ),
          )}
          {list.data && list.data.items.length === 0 ? (
            <tr>
              <td colSpan={3} class="muted">
                No pause reasons: any reason is accepted, and the workspace shows one plain Pause button.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {edit ? <ErrorBox error={explain(changing.error)} /> : null}
    </div>
  );
}

function EditRow({
  edit,
  errs,
  busy,
  onChange,
  onCancel,
}: {
  edit: Draft & { id: number };
  errs: Record<string, string>;
  busy: boolean;
  onChange: (d: Draft & { id: number }) => void;
  onCancel: () => void;
}) {
  return (
    <tr class="editing" data-testid="pause-reason-edit">
      <td>
        <label class={errs.name ? 'field invalid' : 'field'}>
          <input
            form={EDIT_FORM}
            name="name"
            aria-label="Name"
            value={edit.name}
            onInput={(e) => onChange({ ...edit, name: inputValue(e) })}
            maxLength={64}
            required
          />
          {errs.name ? <span class="field-error">{errs.name}</span> : null}
        </label>
      </td>
      <td>
        <label class={errs.code ? 'field invalid' : 'field'}>
          <input
            form={EDIT_FORM}
            name="code"
            aria-label="Desk phone code"
            class="code-input"
            inputMode="numeric"
            value={edit.code}
            onInput={(e) => onChange({ ...edit, code: inputValue(e) })}
            placeholder="none"
          />
          {errs.code ? <span class="field-error">{errs.code}</span> : null}
        </label>
      </td>
      <td class="actions">
        <button class="primary" type="submit" form={EDIT_FORM} disabled={busy}>
          Save
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </td>
    </tr>
  );
}
