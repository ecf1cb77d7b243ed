// Agents: admins create and edit (endpoint, site, capacity, contracted hours a week, user, skills, the browser
// softphone's password); supervisors see live state (and whether each agent has a softphone password) and may pause,
// make available or log out an agent on their behalf. Both keep agents' availability (availability.tsx): under the
// admin's agent editor, or opened alone by a supervisor's Availability.
import { useRef, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Agent, AgentInput } from '../api/types.js';
import { SkillRows } from '../components/editors.js';
import { AgentAvailabilityCard } from './availability.js';
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
  pauseReasonText,
  StateBadge,
  useAction,
  useLoad,
} from '../components/ui.js';

type Draft = {
  id?: number;
  name: string;
  endpoint: string;
  site: string;
  capacity: string;
  /** Contracted hours a week; empty: no contract. */
  weeklyHours: string;
  autoAnswer: boolean;
  userId: string;
  skills: { skill: string; level: number }[];
  /** A new softphone password (write-only: never read back); empty keeps the one set, if any. */
  softphonePassword: string;
};

const blank: Draft = {
  name: '',
  endpoint: 'PJSIP/',
  site: 'default',
  capacity: '1',
  weeklyHours: '',
  autoAnswer: false,
  userId: '',
  skills: [],
  softphonePassword: '',
};

export function AgentsPage({ canEdit }: { canEdit: boolean }) {
  const [filter, setFilter] = useState('');
  const list = useLoad(() => api.agents.list(), []);
  const skills = useLoad(() => api.skills.list(), []);
  // A supervisor pauses an agent with one of the admin's pause reasons (the API refuses any other).
  const reasons = useLoad(() => api.pauseReasons.list(), []);
  const reasonNames = reasons.data?.items.map((r) => r.name) ?? [];
  const [pauseWith, setPauseWith] = useState<Record<number, string>>({});
  const users = useLoad(() => (canEdit ? api.users.list() : Promise.resolve(null)), [canEdit]);
  const [edit, setEdit] = useState<Draft | null>(null);
  /** The agent whose availability is open (with an existing agent's editor, or alone for a supervisor). */
  const [availabilityOf, setAvailabilityOf] = useState<{ id: number; name: string } | null>(null);
  /** Its editor has changes not saved: closing it asks first. */
  const availabilityDirty = useRef(false);
  const closeAvailability = (): boolean => {
    if (availabilityDirty.current && !confirm('The availability has changes not saved. Close it without saving them?'))
      return false;
    setAvailabilityOf(null);
    return true;
  };
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  // Whether the agent being edited has a softphone password (from the list: never the password).
  const editedSoftphone =
    edit?.id === undefined ? undefined : list.data?.items.find((a) => a.id === edit.id)?.softphone;

  const save = async (e: Event) => {
    e.preventDefault();
    if (!edit) return;
    const password = edit.softphonePassword;
    const body: AgentInput = {
      name: edit.name.trim(),
      endpoint: edit.endpoint.trim(),
      site: edit.site.trim(),
      capacity: num(edit.capacity) ?? 1,
      // Emptied: the contract removed.
      weeklyHours: num(edit.weeklyHours) ?? null,
      autoAnswer: edit.autoAnswer,
      userId: num(edit.userId) ?? null,
      skills: edit.skills,
    };
    const r = await action.run(async () => {
      const agent = edit.id ? await api.agents.update(edit.id, body) : await api.agents.create(body);
      if (password) {
        try {
          await api.agents.setSoftphone(agent.id, password);
        } catch (err) {
          // The agent is saved: saving again must update it, not create a second one.
          setEdit({ ...edit, id: agent.id });
          list.reload();
          throw err;
        }
      }
      return agent;
    });
    if (r) {
      setEdit(null);
      // Availability is saved on its own: changes not saved yet stay open under the list.
      if (!availabilityDirty.current) setAvailabilityOf(null);
      list.reload();
    }
  };
  const removeSoftphone = async (id: number, name: string) => {
    if (!confirm(`Remove the softphone password of ${name}? Their workspace will offer no softphone.`)) return;
    const ok = await action.run(() => api.agents.removeSoftphone(id).then(() => true));
    if (ok) list.reload();
  };
  const supervise = (fn: () => Promise<Agent>) => void action.run(fn).then(() => list.reload());
  const remove = async (a: Agent) => {
    if (!confirm(`Delete agent ${a.name}?`)) return;
    await action.run(() => api.agents.remove(a.id));
    if (availabilityOf?.id === a.id) setAvailabilityOf(null);
    list.reload();
  };
  const needle = filter.trim().toLowerCase();
  const shown = (list.data?.items ?? []).filter(
    (a) =>
      !needle ||
      a.name.toLowerCase().includes(needle) ||
      a.endpoint.toLowerCase().includes(needle) ||
      a.state.includes(needle),
  );

  return (
    <div>
      <PageHeader title="Agents">
        <input
          class="search"
          placeholder="Filter by name, endpoint, state"
          value={filter}
          onInput={(e) => setFilter(inputValue(e))}
        />
        {canEdit ? (
          <button
            class="primary"
            onClick={() => {
              if (!closeAvailability()) return;
              action.clear();
              setEdit({ ...blank });
            }}
          >
            New agent
          </button>
        ) : null}
      </PageHeader>
      <ErrorBox error={list.error ?? (edit ? null : action.error)} />
      {edit ? (
        <form class="card editor" onSubmit={save} data-testid="agent-editor">
          <h2>{edit.id ? `Edit ${edit.name}` : 'New agent'}</h2>
          <div class="grid">
            <Field label="Name" error={errs.name}>
              <input
                name="name"
                value={edit.name}
                onInput={(e) => setEdit({ ...edit, name: inputValue(e) })}
                required
              />
            </Field>
            <Field label="Endpoint" error={errs.endpoint} hint="dial string such as PJSIP/2001">
              <input
                name="endpoint"
                value={edit.endpoint}
                onInput={(e) => setEdit({ ...edit, endpoint: inputValue(e) })}
                required
              />
            </Field>
            <Field label="Site" error={errs.site}>
              <input name="site" value={edit.site} onInput={(e) => setEdit({ ...edit, site: inputValue(e) })} />
            </Field>
            <Field label="Capacity" error={errs.capacity} hint="simultaneous calls">
              <input
                name="capacity"
                type="number"
                min={1}
                max={10}
                value={edit.capacity}
                onInput={(e) => setEdit({ ...edit, capacity: inputValue(e) })}
              />
            </Field>
            <Field label="Hours a week (contract)" error={errs.weeklyHours} hint="empty: none">
              <input
                name="weeklyHours"
                type="number"
                min={1}
                max={80}
                step={1}
                value={edit.weeklyHours}
                onInput={(e) => setEdit({ ...edit, weeklyHours: inputValue(e) })}
              />
            </Field>
            <div class="check-field">
              <label class="check">
                <input
                  type="checkbox"
                  name="autoAnswer"
                  checked={edit.autoAnswer}
                  onChange={(e) => setEdit({ ...edit, autoAnswer: checked(e) })}
                />{' '}
                Answers on its own
              </label>
              <span class="hint">
                a headset agent: the phone picks up offered calls at once (Call-Info answer-after=0)
              </span>
            </div>
            <Field
              label="Softphone password"
              error={errs.password}
              hint={
                editedSoftphone
                  ? 'set; type a new one to change it'
                  : "the WebRTC endpoint's auth password (pjsip_agents.conf)"
              }
            >
              <input
                name="softphonePassword"
                type="password"
                autocomplete="new-password"
                minLength={8}
                maxLength={128}
                placeholder={editedSoftphone ? '•••••••• (set)' : 'not set'}
                value={edit.softphonePassword}
                onInput={(e) => setEdit({ ...edit, softphonePassword: inputValue(e) })}
              />
            </Field>
            {edit.id !== undefined && editedSoftphone ? (
              <div class="field">
                <span class="label">Softphone</span>
                <button
                  type="button"
                  class="danger"
                  data-testid="softphone-remove"
                  disabled={action.busy}
                  onClick={() => void removeSoftphone(edit.id!, edit.name)}
                >
                  Remove password
                </button>
              </div>
            ) : null}
            <Field label="User" error={errs.userId}>
              <select value={edit.userId} onChange={(e) => setEdit({ ...edit, userId: inputValue(e) })}>
                <option value="">none</option>
                {users.data?.items.map((u) => (
                  <option key={u.id} value={String(u.id)}>
                    {u.username} ({u.displayName})
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <Field label="Skills" error={Object.entries(errs).find(([k]) => k.startsWith('skills'))?.[1]}>
            <SkillRows
              levelKey="level"
              value={edit.skills}
              skills={skills.data?.items ?? []}
              onChange={(s) => setEdit({ ...edit, skills: s })}
            />
          </Field>
          <FormActions
            error={action.error}
            busy={action.busy}
            onCancel={() => {
              if (closeAvailability()) setEdit(null);
            }}
          />
        </form>
      ) : null}
      {availabilityOf ? (
        <AgentAvailabilityCard
          key={availabilityOf.id}
          agentId={availabilityOf.id}
          name={availabilityOf.name}
          // Opened alone from a row far down the list, it is brought into view; under the agent editor it follows it.
          reveal={!edit}
          onClose={closeAvailability}
          onDirtyChange={(dirty) => {
            availabilityDirty.current = dirty;
          }}
        />
      ) : null}
      <Loading when={list.loading && !list.data} />
      <table class="list" data-testid="agents">
        <thead>
          <tr>
            <th>Name</th>
            <th>Endpoint</th>
            <th>Site</th>
            <th>State</th>
            <th>Calls today</th>
            <th>Skills</th>
            <th>Softphone</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.map((a) => (
            <tr key={a.id}>
              <td>{a.name}</td>
              <td>
                {a.boundEndpoint ?? a.endpoint}{' '}
                <span class={a.endpointOnline ? 'ok' : 'muted'}>{a.endpointOnline ? '●' : '○'}</span>
              </td>
              <td>{a.site}</td>
              <td>
                <StateBadge state={a.state} />{' '}
                {a.pauseReason ? <span class="muted">{pauseReasonText(a.state, a.pauseReason)}</span> : null}
              </td>
              <td>{a.callsToday}</td>
              <td class="small">{a.skills.map((s) => `${s.skill}:${s.level}`).join(' ')}</td>
              <td class="small" data-testid="agent-softphone">
                <SoftphoneCell set={a.softphone} />
              </td>
              <td class="actions">
                {a.state === 'available' ? (
                  <span class="supervise-pause">
                    {reasonNames.length > 0 ? (
                      <select
                        aria-label={`Pause reason for ${a.name}`}
                        value={pauseWith[a.id] ?? reasonNames[0]}
                        onChange={(e) => setPauseWith({ ...pauseWith, [a.id]: inputValue(e) })}
                      >
                        {reasonNames.map((name) => (
                          <option key={name} value={name}>
                            {name}
                          </option>
                        ))}
                      </select>
                    ) : null}
                    <button
                      onClick={() =>
                        supervise(() => api.agents.pause(a.id, pauseWith[a.id] ?? reasonNames[0] ?? 'break'))
                      }
                    >
                      Pause
                    </button>
                  </span>
                ) : null}
                {a.state === 'paused' ? (
                  <button onClick={() => supervise(() => api.agents.unpause(a.id))}>Unpause</button>
                ) : null}
                {a.state !== 'logged_out' && a.state !== 'on_call' && a.state !== 'reserved' ? (
                  <button onClick={() => supervise(() => api.agents.logout(a.id))}>Log out</button>
                ) : null}
                {canEdit ? null : (
                  <button
                    class={availabilityOf?.id === a.id ? 'active' : undefined}
                    aria-pressed={availabilityOf?.id === a.id}
                    onClick={() => {
                      if (availabilityOf?.id !== a.id && closeAvailability())
                        setAvailabilityOf({ id: a.id, name: a.name });
                    }}
                    title="When the agent can work"
                  >
                    Availability
                  </button>
                )}
                {canEdit ? (
                  <>
                    <button
                      onClick={() => {
                        if (availabilityOf?.id !== a.id && !closeAvailability()) return;
                        action.clear();
                        setAvailabilityOf({ id: a.id, name: a.name });
                        setEdit({
                          id: a.id,
                          name: a.name,
                          endpoint: a.endpoint,
                          site: a.site,
                          capacity: String(a.capacity),
                          // Absent from an orchestrator older than the field: no contract.
                          weeklyHours: a.weeklyHours == null ? '' : String(a.weeklyHours),
                          autoAnswer: a.autoAnswer,
                          userId: a.userId ? String(a.userId) : '',
                          skills: a.skills,
                          softphonePassword: '',
                        });
                      }}
                    >
                      Edit
                    </button>
                    <button class="danger" onClick={() => void remove(a)}>
                      Delete
                    </button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SoftphoneCell({ set }: { set: boolean | undefined }) {
  return set ? <span class="ok">set</span> : <span class="muted">not set</span>;
}
