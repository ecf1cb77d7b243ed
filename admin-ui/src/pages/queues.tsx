// Queues: strategy, timeouts, service level, max wait, recording and its transcripts, satisfaction survey, required
// skills and overflow steps.
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import {
  MAX_WAIT_ACTIONS,
  STRATEGIES,
  SURVEY_CHANNELS,
  type OverflowStep,
  type Queue,
  type QueueInput,
  type SurveyChannel,
} from '../api/types.js';
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

type Draft = QueueInput & { id?: number };

const NEW_QUEUE: Draft = {
  name: '',
  displayName: '',
  strategy: 'longest_idle',
  ringTimeoutS: 20,
  wrapUpS: 30,
  serviceLevelS: 20,
  serviceLevelTargetPct: 80,
  alertWaitS: 60,
  alertWaiting: 0,
  maxWaitS: 600,
  maxWaitAction: 'voicemail',
  recordCalls: true,
  transcribe: false,
  survey: 'none',
  skills: [],
  overflow: [],
};

/** How the editor names each survey channel, and how the list abbreviates it. */
const SURVEY_LABELS: Record<SurveyChannel, string> = {
  none: 'None',
  ivr: 'IVR after the call',
  sms: 'SMS after the call',
};
const SURVEY_SHORT: Record<SurveyChannel, string> = { none: '—', ivr: 'IVR', sms: 'SMS' };

const NUMBER_FIELDS: {
  key:
    | 'ringTimeoutS'
    | 'wrapUpS'
    | 'serviceLevelS'
    | 'serviceLevelTargetPct'
    | 'alertWaitS'
    | 'alertWaiting'
    | 'maxWaitS'
    | 'announceIntervalS'
    | 'retentionDays'
    | 'autoPauseAfterMisses';
  label: string;
}[] = [
  { key: 'ringTimeoutS', label: 'Ring timeout (s)' },
  { key: 'wrapUpS', label: 'Wrap-up (s)' },
  { key: 'serviceLevelS', label: 'Service level target (s)' },
  { key: 'serviceLevelTargetPct', label: 'Alert: service level below (%)' },
  { key: 'alertWaitS', label: 'Alert: a caller waiting (s)' },
  { key: 'alertWaiting', label: 'Alert: callers waiting' },
  { key: 'maxWaitS', label: 'Max wait (s)' },
  { key: 'announceIntervalS', label: 'Announce position every (s)' },
  { key: 'retentionDays', label: 'Keep recordings (days)' },
  { key: 'autoPauseAfterMisses', label: 'Auto-pause after misses' },
];

/** The editable subset of a queue row (reads carry extra columns the write schema refuses). */
function draftOf(q: Queue): Draft {
  return {
    id: q.id,
    name: q.name,
    displayName: q.displayName,
    strategy: q.strategy,
    ringTimeoutS: q.ringTimeoutS,
    wrapUpS: q.wrapUpS,
    serviceLevelS: q.serviceLevelS,
    serviceLevelTargetPct: q.serviceLevelTargetPct,
    alertWaitS: q.alertWaitS,
    alertWaiting: q.alertWaiting,
    maxWaitS: q.maxWaitS,
    maxWaitAction: q.maxWaitAction,
    maxWaitTarget: q.maxWaitTarget,
    announceIntervalS: q.announceIntervalS,
    callbackDigit: q.callbackDigit,
    recordCalls: q.recordCalls,
    retentionDays: q.retentionDays,
    transcribe: q.transcribe ?? false,
    autoPauseAfterMisses: q.autoPauseAfterMisses,
    businessHoursId: q.businessHoursId,
    survey: q.survey ?? 'none',
    surveyText: q.surveyText ?? null,
    surveyPrompt: q.surveyPrompt ?? null,
    overflow: q.overflow ?? [],
    skills: q.skills ?? [],
  };
}

export function QueuesPage({ canEdit }: { canEdit: boolean }) {
  const list = useLoad(() => api.queues.list(), []);
  const skills = useLoad(() => api.skills.list(), []);
  const hours = useLoad(() => api.businessHours.list(), []);
  const [edit, setEdit] = useState<Draft | null>(null);
  const action = useAction();
  const errs = fieldErrorsOf(action.error);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!edit) return;
    const { id, ...body } = edit;
    const r = await action.run(() => (id ? api.queues.update(id, body) : api.queues.create(body)));
    if (r) {
      setEdit(null);
      list.reload();
    }
  };
  const remove = async (q: Queue) => {
    if (!confirm(`Delete queue ${q.name}?`)) return;
    await action.run(() => api.queues.remove(q.id));
    list.reload();
  };
  const set = (patch: Partial<Draft>) => edit && setEdit({ ...edit, ...patch });

  return (
    <div>
      <PageHeader title="Queues">
        {canEdit ? (
          <button class="primary" onClick={() => (action.clear(), setEdit({ ...NEW_QUEUE }))}>
            New queue
          </button>
        ) : null}
      </PageHeader>
      <ErrorBox error={list.error ?? (edit ? null : action.error)} />
      {edit ? (
        <form class="card editor" onSubmit={save} data-testid="queue-editor">
          <h2>{edit.id ? `Edit ${edit.name}` : 'New queue'}</h2>
          <div class="grid">
            <Field label="Name" error={errs.name} hint="letters, digits, _ . -">
              <input name="name" value={edit.name ?? ''} onInput={(e) => set({ name: inputValue(e) })} required />
            </Field>
            <Field label="Display name" error={errs.displayName}>
              <input
                name="displayName"
                value={edit.displayName ?? ''}
                onInput={(e) => set({ displayName: inputValue(e) })}
                required
              />
            </Field>
            <Field label="Strategy" error={errs.strategy}>
              <select
                name="strategy"
                value={edit.strategy}
                onChange={(e) => set({ strategy: inputValue(e) as Queue['strategy'] })}
              >
                {STRATEGIES.map((s) => (
                  <option key={s} value={s}>
                    {s.replace(/_/g, ' ')}
                  </option>
                ))}
              </select>
            </Field>
            {NUMBER_FIELDS.map((f) => (
              <Field key={f.key} label={f.label} error={errs[f.key]}>
                <input
                  name={f.key}
                  type="number"
                  value={edit[f.key] ?? ''}
                  onInput={(e) => set({ [f.key]: num(inputValue(e)) })}
                />
              </Field>
            ))}
            <Field label="At max wait" error={errs.maxWaitAction}>
              <select
                name="maxWaitAction"
                value={edit.maxWaitAction}
                onChange={(e) => set({ maxWaitAction: inputValue(e) as Queue['maxWaitAction'] })}
              >
                {MAX_WAIT_ACTIONS.map((a) => (
                  <option key={a}>{a}</option>
                ))}
              </select>
            </Field>
            <Field label="Max wait target" error={errs.maxWaitTarget} hint="queue name when the action is queue">
              <input
                name="maxWaitTarget"
                value={edit.maxWaitTarget ?? ''}
                onInput={(e) => set({ maxWaitTarget: inputValue(e) || null })}
              />
            </Field>
            <Field label="Callback key" error={errs.callbackDigit} hint="DTMF key offering a callback">
              <input
                name="callbackDigit"
                value={edit.callbackDigit ?? ''}
                maxLength={1}
                onInput={(e) => set({ callbackDigit: inputValue(e) || null })}
              />
            </Field>
            <Field label="Business hours" error={errs.businessHoursId}>
              <select
                value={edit.businessHoursId ? String(edit.businessHoursId) : ''}
                onChange={(e) => set({ businessHoursId: num(inputValue(e)) ?? null })}
              >
                <option value="">always open</option>
                {hours.data?.items.map((h) => (
                  <option key={h.id} value={String(h.id)}>
                    {h.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field
              label="Satisfaction survey"
              error={errs.survey}
              hint={
                edit.survey === 'sms'
                  ? 'needs an SMS gateway configured'
                  : edit.survey === 'ivr'
                    ? 'the caller rates 1-5 after the agent hangs up'
                    : undefined
              }
            >
              <select
                name="survey"
                value={edit.survey ?? 'none'}
                onChange={(e) => set({ survey: inputValue(e) as SurveyChannel })}
              >
                {SURVEY_CHANNELS.map((c) => (
                  <option key={c} value={c}>
                    {SURVEY_LABELS[c]}
                  </option>
                ))}
              </select>
            </Field>
            {edit.survey === 'sms' ? (
              <Field
                label="Own SMS text"
                error={errs.surveyText}
                hint="optional; {queue} = the display name; must name 1 and 5"
              >
                <input
                  name="surveyText"
                  value={edit.surveyText ?? ''}
                  placeholder="Thanks for calling {queue}! Rate us from 1 to 5."
                  onInput={(e) => set({ surveyText: inputValue(e) || null })}
                />
              </Field>
            ) : null}
            {edit.survey === 'ivr' ? (
              <Field label="Own IVR question" error={errs.surveyPrompt} hint="optional; e.g. sound:custom/acme-survey">
                <input
                  name="surveyPrompt"
                  value={edit.surveyPrompt ?? ''}
                  placeholder="sound:ariadne/survey-question"
                  onInput={(e) => set({ surveyPrompt: inputValue(e) || null })}
                />
              </Field>
            ) : null}
          </div>
          <label class="check">
            <input
              type="checkbox"
              checked={edit.recordCalls ?? false}
              onChange={(e) => set({ recordCalls: checked(e) })}
            />{' '}
            Record calls
          </label>
          <div class={errs.transcribe ? 'check-field invalid' : 'check-field'} data-testid="queue-transcribe">
            <label class="check">
              <input
                type="checkbox"
                name="transcribe"
                checked={edit.transcribe ?? false}
                onChange={(e) => set({ transcribe: checked(e) })}
              />{' '}
              Transcribe recordings
            </label>
            {errs.transcribe ? (
              <span class="field-error">{errs.transcribe}</span>
            ) : (
              <span class="hint">
                speech to text after each call; needs ARIADNE_TRANSCRIBE_COMMAND or ARIADNE_TRANSCRIBE_URL
              </span>
            )}
          </div>
          <Field label="Required skills" error={Object.entries(errs).find(([k]) => k.startsWith('skills'))?.[1]}>
            <SkillRows
              levelKey="minLevel"
              value={edit.skills ?? []}
              skills={skills.data?.items ?? []}
              onChange={(s) => set({ skills: s })}
            />
          </Field>
          <Field label="Overflow steps" error={Object.entries(errs).find(([k]) => k.startsWith('overflow'))?.[1]}>
            <OverflowEditor
              value={edit.overflow ?? []}
              queues={(list.data?.items ?? []).map((q) => q.name)}
              onChange={(o) => set({ overflow: o })}
            />
          </Field>
          <FormActions error={action.error} busy={action.busy} onCancel={() => setEdit(null)} />
        </form>
      ) : null}
      <Loading when={list.loading && !list.data} />
      <table class="list" data-testid="queues">
        <thead>
          <tr>
            <th>Name</th>
            <th>Display name</th>
            <th>Strategy</th>
            <th>Ring / wrap-up</th>
            <th>SL target</th>
            <th>Survey</th>
            <th>Recording</th>
            <th>Skills</th>
            <th>Overflow</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((q) => (
            <tr key={q.id}>
              <td>{q.name}</td>
              <td>{q.displayName}</td>
              <td>{q.strategy.replace(/_/g, ' ')}</td>
              <td>
                {q.ringTimeoutS}s / {q.wrapUpS}s
              </td>
              <td>{q.serviceLevelS}s</td>
              <td data-survey={q.survey ?? 'none'}>{SURVEY_SHORT[q.survey ?? 'none']}</td>
              <td data-transcribe={q.transcribe ? 'yes' : 'no'}>{recordingShort(q)}</td>
              <td class="small">{(q.skills ?? []).map((s) => `${s.skill}≥${s.minLevel}`).join(' ')}</td>
              <td class="small">{(q.overflow ?? []).map(describeStep).join(' → ')}</td>
              <td class="actions">
                <button onClick={() => (action.clear(), setEdit(draftOf(q)))}>{canEdit ? 'Edit' : 'View'}</button>
                {canEdit ? (
                  <button class="danger" onClick={() => void remove(q)}>
                    Delete
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

/** The list's recording column: off, on, or on with transcripts. */
function recordingShort(q: Queue): string {
  if (!q.recordCalls) return 'off';
  return q.transcribe ? 'on + transcripts' : 'on';
}

function describeStep(s: OverflowStep): string {
  if (s.action === 'widen_skills') return `${s.afterSeconds}s widen`;
  if (s.action === 'add_site') return `${s.afterSeconds}s +${s.site}`;
  return `${s.afterSeconds}s → ${s.queue}`;
}

function OverflowEditor({
  value,
  queues,
  onChange,
}: {
  value: OverflowStep[];
  queues: string[];
  onChange: (v: OverflowStep[]) => void;
}) {
  const update = (i: number, step: OverflowStep) => onChange(value.map((s, j) => (j === i ? step : s)));
  return (
    <div class="overflow">
      {value.map((s, i) => (
        <div class="row" key={i}>
          <span>after</span>
          <input
            type="number"
            min={1}
            value={s.afterSeconds}
            aria-label="after seconds"
            onInput={(e) => update(i, { ...s, afterSeconds: Number(inputValue(e)) })}
          />
          <span>s</span>
          <select
            value={s.action}
            aria-label="overflow action"
            onChange={(e) => {
              const action = inputValue(e);
              if (action === 'widen_skills') update(i, { afterSeconds: s.afterSeconds, action });
              else if (action === 'add_site') update(i, { afterSeconds: s.afterSeconds, action, site: '' });
              else update(i, { afterSeconds: s.afterSeconds, action: 'move_queue', queue: queues[0] ?? '' });
            }}
          >
            <option value="widen_skills">widen skills</option>
            <option value="add_site">add site</option>
            <option value="move_queue">move to queue</option>
          </select>
          {s.action === 'add_site' ? (
            <input placeholder="site" value={s.site} onInput={(e) => update(i, { ...s, site: inputValue(e) })} />
          ) : null}
          {s.action === 'move_queue' ? (
            <select value={s.queue} onChange={(e) => update(i, { ...s, queue: inputValue(e) })}>
              {queues.map((q) => (
                <option key={q}>{q}</option>
              ))}
            </select>
          ) : null}
          <button type="button" class="link" onClick={() => onChange(value.filter((_, j) => j !== i))}>
            remove
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() =>
          onChange([
            ...value,
            { afterSeconds: (value[value.length - 1]?.afterSeconds ?? 0) + 60, action: 'widen_skills' },
          ])
        }
      >
        + add step
      </button>
    </div>
  );
}
