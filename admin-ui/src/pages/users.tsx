import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Role, User } from '../api/types.js';
import {
  checked,
  ErrorBox,
  Field,
  fieldErrorsOf,
  FormActions,
  inputValue,
  PageHeader,
  useAction,
  useLoad,
} from '../components/ui.js';
import { fmtTime } from '../format.js';

const ROLES: Role[] = ['admin', 'supervisor', 'agent'];
type Draft = {
  id?: number;
  username: string;
  displayName: string;
  role: Role;
  password: string;
  active: boolean;
  queueIds: number[];
};

export function UsersPage() {
  const list = useLoad(() => api.users.list(), []);
  const queues = useLoad(() => api.queues.list(), []);
  const queueName = new Map((queues.data?.items ?? []).map((q) => [q.id, q.displayName || q.name]));
  const [edit, setEdit] = useState<Draft | null>(null);
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  const save = async (e: Event) => {
    e.preventDefault();
    if (!edit) return;
    const r = await action.run(() =>
      edit.id
        ? api.users.update(edit.id, {
            displayName: edit.displayName,
            role: edit.role,
            active: edit.active,
            ...(edit.role === 'supervisor' ? { queueIds: edit.queueIds } : {}),
            ...(edit.password ? { password: edit.password } : {}),
          })
        : api.users.create({
            username: edit.username.trim(),
            displayName: edit.displayName,
            role: edit.role,
            password: edit.password,
            active: edit.active,
            ...(edit.role === 'supervisor' ? { queueIds: edit.queueIds } : {}),
          }),
    );
    if (r) {
      setEdit(null);
      list.reload();
    }
  };
  const resetTwoFactor = async (u: User) => {
    if (
      !confirm(`Reset ${u.username}'s two-factor sign-in? Their sessions end, and their password alone signs them in.`)
    )
      return;
    setEdit(null);
    const done = await action.run(async () => {
      await api.resetTwoFactor(u.id);
      return true;
    });
    if (done) list.reload();
  };
  const resetPasskeys = async (u: User) => {
    const n = u.passkeys ?? 0;
    if (
      !confirm(
        `Remove all of ${u.username}'s passkeys (${n})? Their sessions end, and they sign in with their password again.`,
      )
    )
      return;
    setEdit(null);
    const done = await action.run(async () => {
      await api.resetPasskeys(u.id);
      return true;
    });
    if (done) list.reload();
  };
  const open = (u?: User) =>
    setEdit(
      u
        ? {
            id: u.id,
            username: u.username,
            displayName: u.displayName,
            role: u.role,
            password: '',
            active: u.active !== false,
            queueIds: u.queueIds ?? [],
          }
        : { username: '', displayName: '', role: 'agent', password: '', active: true, queueIds: [] },
    );
  return (
    <div>
      <PageHeader title="Users">
        <button class="primary" onClick={() => (action.clear(), open())}>
          New user
        </button>
      </PageHeader>
      <ErrorBox error={list.error} />
      {/* A reset's refusal (the editor shows its own). */}
      <ErrorBox error={edit ? null : action.error} />
      {edit ? (
        <form class="card editor" onSubmit={save}>
          <h2>{edit.id ? `Edit ${edit.username}` : 'New user'}</h2>
          <div class="grid">
            <Field label="Username" error={errs.username}>
              <input
                value={edit.username}
                disabled={!!edit.id}
                onInput={(e) => setEdit({ ...edit, username: inputValue(e) })}
                required
              />
            </Field>
            <Field label="Display name" error={errs.displayName}>
              <input
                value={edit.displayName}
                onInput={(e) => setEdit({ ...edit, displayName: inputValue(e) })}
                required
              />
            </Field>
            <Field label="Role" error={errs.role}>
              <select value={edit.role} onChange={(e) => setEdit({ ...edit, role: inputValue(e) as Role })}>
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </Field>
            <Field label={edit.id ? 'New password (blank: unchanged)' : 'Password'} error={errs.password}>
              <input
                type="password"
                autocomplete="new-password"
                value={edit.password}
                onInput={(e) => setEdit({ ...edit, password: inputValue(e) })}
                required={!edit.id}
                minLength={8}
              />
            </Field>
          </div>
          <label class="check">
            <input type="checkbox" checked={edit.active} onChange={(e) => setEdit({ ...edit, active: checked(e) })} />{' '}
            Active
          </label>
          {edit.role === 'supervisor' ? (
            <Field
              label="Supervises (sees the calls, recordings and figures of these queues only)"
              error={errs.queueIds}
            >
              <div class="checks" data-testid="supervised-queues">
                {(queues.data?.items ?? []).map((q) => (
                  <label class="check" key={q.id}>
                    <input
                      type="checkbox"
                      checked={edit.queueIds.includes(q.id)}
                      onChange={(e) =>
                        setEdit({
                          ...edit,
                          queueIds: checked(e) ? [...edit.queueIds, q.id] : edit.queueIds.filter((id) => id !== q.id),
                        })
                      }
                    />{' '}
                    {q.displayName || q.name}
                  </label>
                ))}
              </div>
            </Field>
          ) : null}
          <FormActions error={action.error} busy={action.busy} onCancel={() => setEdit(null)} />
        </form>
      ) : null}
      <table class="list">
        <thead>
          <tr>
            <th>Username</th>
            <th>Name</th>
            <th>Role</th>
            <th>Agent</th>
            <th>Queues</th>
            <th>Active</th>
            <th>Two-factor</th>
            <th>Passkeys</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((u) => (
            <tr key={u.id} class={u.active === false ? 'inactive' : ''}>
              <td>{u.username}</td>
              <td>{u.displayName}</td>
              <td>{u.role}</td>
              <td>{u.agentId ?? '—'}</td>
              <td>
                {u.role === 'supervisor'
                  ? (u.queueIds ?? []).map((id) => queueName.get(id) ?? `#${id}`).join(', ') || 'none'
                  : '—'}
              </td>
              <td>{u.active === false ? 'no' : 'yes'}</td>
              <td data-testid={`two-factor-${u.username}`}>{u.twoFactor ? 'on' : '—'}</td>
              <td data-testid={`passkeys-${u.username}`}>{u.passkeys ? u.passkeys : '—'}</td>
              <td>{fmtTime(u.createdAt)}</td>
              <td class="actions">
                <button onClick={() => (action.clear(), open(u))}>Edit</button>
                {u.twoFactor ? (
                  <button onClick={() => void resetTwoFactor(u)} title="A lost phone: sign in with the password again">
                    Reset two-factor
                  </button>
                ) : null}
                {u.passkeys ? (
                  <button onClick={() => void resetPasskeys(u)} title="A lost or stolen key: remove all their passkeys">
                    Reset passkeys
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
