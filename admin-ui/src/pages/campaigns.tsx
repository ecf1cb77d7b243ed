// Campaigns (admins; supervisors: their queues'): the progressive dialler's lists of numbers. A running campaign calls
// its numbers for the agents of its queue, one call per free agent (the agent's phone rings first, then the customer),
// inside its business hours; a busy or unanswered number is tried again after a while, up to a number of attempts.
// The list and the open campaign are read again every few seconds, so the progress moves while the page is open.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import {
  CAMPAIGN_CONTACT_STATES,
  type BusinessHours,
  type Campaign,
  type CampaignContactState,
  type CampaignImportResult,
  type CampaignInput,
  type MachineDetection,
  type Queue,
  type User,
} from '../api/types.js';
import { navigate } from '../router.js';
import { ImportStatus, importSummary, RefusedLines } from '../components/import-result.js';
import {
  ErrorBox,
  Field,
  fieldErrorsOf,
  inputValue,
  Loading,
  num,
  PageHeader,
  Pager,
  QueueOptions,
  StateBadge,
  useAction,
  useLoad,
} from '../components/ui.js';
import { fmtTime, stateLabel } from '../format.js';

const PAGE_SIZE = 50;
/** The list and the open campaign are read again this often. */
const REFRESH_MS = 5_000;

/** The form's fields as typed (numbers too, so a field can be blank while it is retyped). */
interface Draft {
  name: string;
  queueId: string;
  /** The business hours' name; '' = any time. */
  hours: string;
  callerId: string;
  maxAttempts: string;
  retryMinutes: string;
  script: string;
  contactHours: string;
  machineDetection: MachineDetection;
  /** The sound left on a machine; kept while another choice is shown, sent only with `message`. */
  machineMessage: string;
}

const NEW_CAMPAIGN: Draft = {
  name: '',
  queueId: '',
  hours: '',
  callerId: '',
  maxAttempts: '3',
  retryMinutes: '60',
  script: '',
  contactHours: '',
  machineDetection: 'off',
  machineMessage: '',
};

function draftOf(c: Campaign): Draft {
  return {
    name: c.name,
    queueId: String(c.queueId),
    hours: c.hours ?? '',
    callerId: c.callerId ?? '',
    maxAttempts: String(c.maxAttempts),
    retryMinutes: String(c.retryMinutes),
    script: c.script ?? '',
    contactHours: c.contactHours ?? '',
    machineDetection: c.machineDetection,
    machineMessage: c.machineMessage ?? '',
  };
}

const MACHINE_CHOICES: readonly [MachineDetection, string][] = [
  ['off', 'Not screened'],
  ['hang_up', 'Hang up, retry later'],
  ['message', 'Leave a message'],
];

/** The summary line's word on machines, when the campaign screens for them. */
const MACHINE_SUMMARY: Record<Exclude<MachineDetection, 'off'>, string> = {
  hang_up: 'machines hung up on',
  message: 'machines left a message',
};

/** Blank numbers are left out: the server keeps (or, new, defaults) them, or names the field it needs. */
function bodyOf(d: Draft): CampaignInput {
  return {
    name: d.name.trim(),
    queueId: num(d.queueId),
    hours: d.hours || null,
    callerId: d.callerId.trim() || null,
    maxAttempts: num(d.maxAttempts),
    retryMinutes: num(d.retryMinutes),
    script: d.script.trim() || null,
    contactHours: d.contactHours.trim() || null,
    machineDetection: d.machineDetection,
    machineMessage: d.machineMessage.trim() || null,
  };
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A number's time zones as a cell: the first, and how many more (all of them in the tooltip). */
function zoneText(zones: string | null): string {
  if (!zones) return '—';
  const [first, ...more] = zones.split(',');
  return more.length > 0 ? `${first} +${more.length}` : (first ?? '—');
}

/** "3 × every 60 min"; one attempt is never retried. */
export function attemptsText(c: Pick<Campaign, 'maxAttempts' | 'retryMinutes'>): string {
  return c.maxAttempts === 1 ? '1 × (no retry)' : `${c.maxAttempts} × every ${c.retryMinutes} min`;
}

/** "12 added, 1 already in the campaign, 2 on the do-not-call list, 1 invalid" (what did not happen left out). */
export function importText(r: CampaignImportResult): string {
  return importSummary(
    r.added,
    [
      [r.duplicates, 'already in the campaign'],
      [r.doNotCall, 'on the do-not-call list'],
    ],
    r.invalid.length,
  );
}

/** `selected` is the id in the hash (#/admin/campaigns/<id>), or null for the list alone. */
export function CampaignsPage({ user, selected }: { user: User; selected: string | null }) {
  const [page, setPage] = useState(1);
  /** Bumped by the timer and after every change: the list and the open campaign are read again. */
  const [tick, setTick] = useState(0);
  const list = useLoad(() => api.campaigns.list({ page, pageSize: PAGE_SIZE }), [page, tick]);
  const queueList = useLoad(() => api.queues.list(), []);
  const hoursList = useLoad(() => api.businessHours.list(), []);
  const [draft, setDraft] = useState<Draft | null>(null);
  const creating = useAction();
  const control = useAction();
  const createErrs = fieldErrorsOf(creating.error);
  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  const selectedId = selected === null ? null : Number(selected);
  // A supervisor's campaigns are on their queues: only those are offered.
  const supervised = user.role === 'supervisor' ? new Set(user.queueIds ?? []) : null;
  const queues = (queueList.data?.items ?? []).filter((q) => !supervised || supervised.has(q.id));
  const hours = hoursList.data?.items ?? [];
  const queueName = (c: Campaign) => queueList.data?.items.find((q) => q.id === c.queueId)?.displayName ?? c.queueName;

  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(t);
  }, []);
  // The last campaign of the last page deleted (or the list shrunk under the pager): back to a page that has some.
  useEffect(() => {
    if (data && data.items.length === 0 && page > 1) setPage(Math.min(page - 1, pages));
  }, [data, page, pages]);

  const changed = () => setTick((n) => n + 1);
  const create = async (e: Event) => {
    e.preventDefault();
    if (!draft) return;
    const r = await creating.run(() => api.campaigns.create(bodyOf(draft)));
    if (!r) return;
    setDraft(null);
    changed();
    // Next: its numbers.
    navigate(`/admin/campaigns/${r.id}`);
  };
  const startOrPause = async (c: Campaign) => {
    await control.run(() => (c.state === 'running' ? api.campaigns.pause(c.id) : api.campaigns.start(c.id)));
    changed();
  };
  const remove = async (c: Campaign) => {
    if (!confirm(`Delete the campaign ${c.name} and its ${count(c.contacts.total, 'number')}? This cannot be undone.`))
      return;
    const r = await control.run(() => api.campaigns.remove(c.id).then(() => true));
    if (r && c.id === selectedId) navigate('/admin/campaigns');
    changed();
  };

  return (
    <div class="campaigns">
      <PageHeader title="Campaigns">
        <button
          class="primary"
          data-testid="campaign-new"
          onClick={() => {
            creating.clear();
            setDraft({ ...NEW_CAMPAIGN, queueId: queues.length === 1 ? String(queues[0]!.id) : '' });
          }}
        >
          New campaign
        </button>
      </PageHeader>
      <p class="muted" data-testid="campaigns-note">
        A running campaign calls its numbers for the agents of its queue, one call per free agent: the agent's phone
        rings first, then the customer's. It calls only inside its business hours, and tries a busy or unanswered number
        again later. Numbers on the do-not-call list are never called.
      </p>
      <ErrorBox error={list.error ?? control.error} />

      {draft ? (
        <form class="card editor" data-testid="campaign-create" onSubmit={create}>
          <h2>New campaign</h2>
          <CampaignFields draft={draft} errs={createErrs} queues={queues} hours={hours} onChange={setDraft} />
          <p class="muted small">It is created paused: add its numbers, then start it.</p>
          <ErrorBox error={creating.error} />
          <div class="row">
            <button class="primary" type="submit" disabled={creating.busy}>
              Create campaign
            </button>
            <button type="button" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}

      {selectedId !== null ? (
        Number.isInteger(selectedId) && selectedId > 0 ? (
          <CampaignDetail
            key={selectedId}
            id={selectedId}
            tick={tick}
            queues={queues}
            hours={hours}
            busy={control.busy}
            onStartOrPause={(c) => void startOrPause(c)}
            onChanged={changed}
            onClose={() => navigate('/admin/campaigns')}
          />
        ) : (
          <p class="error">No campaign {selected}.</p>
        )
      ) : null}

      <Loading when={list.loading && !data} />
      <table class="list" data-testid="campaigns">
        <thead>
          <tr>
            <th>Name</th>
            <th>Queue</th>
            <th>State</th>
            <th>Hours</th>
            <th>Progress</th>
            <th>Attempts</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data?.items.map((c) => (
            <tr key={c.id} data-campaign={c.name} class={c.id === selectedId ? 'selected' : undefined}>
              <td>
                <a href={`#/admin/campaigns/${c.id}`}>{c.name}</a>
              </td>
              <td>{queueName(c)}</td>
              <td data-state={c.state}>
                <StateBadge state={c.state} />
              </td>
              <td>{c.hours ?? <span class="muted">any time</span>}</td>
              <td data-testid="campaign-progress">
                <Progress campaign={c} />
              </td>
              <td class="nowrap">{attemptsText(c)}</td>
              <td class="actions">
                <StartPause campaign={c} busy={control.busy} onClick={() => void startOrPause(c)} />
                <button
                  class="danger"
                  disabled={control.busy || c.state === 'running'}
                  title={c.state === 'running' ? 'Pause it first' : undefined}
                  onClick={() => void remove(c)}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
          {data && data.items.length === 0 ? (
            <tr>
              <td colSpan={7} class="muted" data-testid="campaigns-empty">
                No campaigns yet.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {data && pages > 1 ? <Pager page={data.page} pages={pages} onPage={setPage} testid="campaigns-pager" /> : null}
    </div>
  );
}

function StartPause({ campaign: c, busy, onClick }: { campaign: Campaign; busy: boolean; onClick: () => void }) {
  return c.state === 'running' ? (
    <button disabled={busy} data-testid="campaign-pause" onClick={onClick}>
      Pause
    </button>
  ) : (
    <button class="primary" disabled={busy} data-testid="campaign-start" onClick={onClick}>
      Start
    </button>
  );
}

/** "3 / 12 done", and under it how many are still to call, being called, failed and skipped. */
function Progress({ campaign: c }: { campaign: Campaign }) {
  const k = c.contacts;
  return (
    <>
      <span class="nowrap">
        <strong>
          {k.done} / {k.total}
        </strong>{' '}
        done
      </span>
      <div class="small muted nowrap">
        {k.pending} pending{k.dialing ? ` · ${k.dialing} dialing` : ''} · {k.failed} failed · {k.skipped} skipped
      </div>
    </>
  );
}

/** The fields of a campaign (new, or edited in its detail). */
function CampaignFields({
  draft,
  errs,
  queues,
  hours,
  onChange,
}: {
  draft: Draft;
  errs: Record<string, string>;
  queues: readonly Queue[];
  hours: readonly BusinessHours[];
  onChange: (d: Draft) => void;
}) {
  const set = (k: keyof Draft) => (e: Event) => onChange({ ...draft, [k]: inputValue(e) });
  const knownQueue = draft.queueId === '' || queues.some((q) => String(q.id) === draft.queueId);
  const knownHours = draft.hours === '' || hours.some((h) => h.name === draft.hours);
  return (
    <>
      <div class="grid">
        <Field label="Name" error={errs.name}>
          <input name="name" value={draft.name} onInput={set('name')} maxLength={80} required />
        </Field>
        <Field label="Queue" error={errs.queueId} hint="its agents take the calls">
          <select name="queueId" value={draft.queueId} onChange={set('queueId')} required>
            {draft.queueId === '' ? <option value="">choose a queue</option> : null}
            {knownQueue ? null : <option value={draft.queueId}>queue #{draft.queueId}</option>}
            <QueueOptions queues={queues} />
          </select>
        </Field>
        <Field label="Business hours" error={errs.hours} hint="calls are placed only inside them">
          <select name="hours" value={draft.hours} onChange={set('hours')}>
            <option value="">Any time</option>
            {knownHours ? null : <option value={draft.hours}>{draft.hours} (missing)</option>}
            {hours.map((h) => (
              <option key={h.id} value={h.name}>
                {h.name}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label="Contact's local hours"
          error={errs.contactHours}
          hint="optional: on each number's own clock, such as 08:00-21:00"
        >
          <input
            name="contactHours"
            value={draft.contactHours}
            onInput={set('contactHours')}
            placeholder="any time"
            maxLength={11}
          />
        </Field>
        <Field label="Caller id" error={errs.callerId} hint="optional: the number customers see">
          <input
            name="callerId"
            type="tel"
            value={draft.callerId}
            onInput={set('callerId')}
            placeholder="the default"
            maxLength={32}
          />
        </Field>
        <Field label="Max attempts" error={errs.maxAttempts} hint="calls to a number, 1–10">
          <input
            name="maxAttempts"
            type="number"
            min={1}
            max={10}
            value={draft.maxAttempts}
            onInput={set('maxAttempts')}
            required
          />
        </Field>
        <Field label="Retry after (min)" error={errs.retryMinutes} hint="after a busy or unanswered call">
          <input
            name="retryMinutes"
            type="number"
            min={1}
            value={draft.retryMinutes}
            onInput={set('retryMinutes')}
            required
          />
        </Field>
        <Field
          label="Answering machines"
          error={errs.machineDetection}
          hint="screened while the agent hears ringing; the customer hears up to 5 s of silence"
        >
          <select name="machineDetection" value={draft.machineDetection} onChange={set('machineDetection')}>
            {MACHINE_CHOICES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        {draft.machineDetection === 'message' ? (
          <Field label="Message" error={errs.machineMessage} hint="an Asterisk sound, played after the beep">
            <input
              name="machineMessage"
              value={draft.machineMessage}
              onInput={set('machineMessage')}
              placeholder="ariadne/campaign-message"
              maxLength={128}
              required
            />
          </Field>
        ) : null}
      </div>
      <Field
        label="Script"
        error={errs.script}
        hint="optional: what the agent says, shown with each call; {contact} and {agent} are filled in"
      >
        <textarea
          name="script"
          rows={4}
          value={draft.script}
          onInput={set('script')}
          maxLength={4000}
          placeholder="Hello {contact}, this is {agent} from …"
        />
      </Field>
    </>
  );
}

/**
 * An open campaign: its settings (edited in place), numbers added by pasting them, and its numbers with how their
 * calls went, filtered by state and read a page at a time. Read again whenever `tick` changes.
 */
function CampaignDetail({
  id,
  tick,
  queues,
  hours,
  busy,
  onStartOrPause,
  onChanged,
  onClose,
}: {
  id: number;
  tick: number;
  queues: readonly Queue[];
  hours: readonly BusinessHours[];
  busy: boolean;
  onStartOrPause: (c: Campaign) => void;
  onChanged: () => void;
  onClose: () => void;
}) {
  const loaded = useLoad(() => api.campaigns.get(id), [id, tick]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saved, setSaved] = useState(false);
  const [csv, setCsv] = useState('');
  const [result, setResult] = useState<CampaignImportResult | null>(null);
  const [filter, setFilter] = useState<CampaignContactState | ''>('');
  const [page, setPage] = useState(1);
  const contacts = useLoad(
    () => api.campaigns.contacts(id, { state: filter || undefined, page, pageSize: PAGE_SIZE }),
    [id, filter, page, tick],
  );
  const saving = useAction();
  const importing = useAction();
  const recycling = useAction();
  const [recycled, setRecycled] = useState<number | null>(null);
  const errs = fieldErrorsOf(saving.error);
  const c = loaded.data;
  const list = contacts.data;
  const pages = list ? Math.max(1, Math.ceil(list.total / list.pageSize)) : 1;

  // The form starts from the campaign as first read; the refreshes that follow leave what is being typed alone.
  useEffect(() => {
    if (c && !draft) setDraft(draftOf(c));
  }, [c, draft]);
  useEffect(() => {
    if (list && list.items.length === 0 && page > 1) setPage(Math.min(page - 1, pages));
  }, [list, page, pages]);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!draft) return;
    setSaved(false);
    const r = await saving.run(() => api.campaigns.update(id, bodyOf(draft)));
    if (!r) return;
    setDraft(draftOf(r));
    setSaved(true);
    onChanged();
  };
  // The failed numbers (out of attempts) get their attempts back and are called again, from now.
  const recycle = async () => {
    if (!c || !confirm(`Call the ${count(c.contacts.failed, 'failed number')} of ${c.name} again, from now?`)) return;
    setRecycled(null);
    const r = await recycling.run(() => api.campaigns.recycle(id));
    if (!r) return;
    setRecycled(r.recycled);
    onChanged();
  };
  const add = async (e: Event) => {
    e.preventDefault();
    setResult(null);
    const r = await importing.run(() => api.campaigns.addContacts(id, csv));
    if (!r) return;
    setResult(r);
    setCsv('');
    onChanged();
  };

  return (
    <section class="card editor campaign-detail" data-testid="campaign-detail">
      <div class="section-head">
        <h2 data-testid="campaign-title">{c ? c.name : `Campaign #${id}`}</h2>
        {c ? (
          <>
            <StateBadge state={c.state} />
            <StartPause campaign={c} busy={busy} onClick={() => onStartOrPause(c)} />
          </>
        ) : null}
        <button class="link close" onClick={onClose} title="close" aria-label="close">
          ✕
        </button>
      </div>
      <ErrorBox error={loaded.error} />
      <Loading when={loaded.loading && !c} />
      {c ? (
        <p class="muted" data-testid="campaign-summary">
          {c.contacts.done} of {count(c.contacts.total, 'number')} done · {c.contacts.pending} pending
          {c.contacts.dialing ? ` · ${c.contacts.dialing} dialing` : ''} · {c.contacts.failed} failed ·{' '}
          {c.contacts.skipped} skipped · {attemptsText(c)} · {c.hours ?? 'any time'}
          {c.machineDetection === 'off' ? '' : ` · ${MACHINE_SUMMARY[c.machineDetection]}`}
        </p>
      ) : null}

      {draft ? (
        <form data-testid="campaign-edit" onSubmit={save}>
          <h3>Settings</h3>
          <CampaignFields
            draft={draft}
            errs={errs}
            queues={queues}
            hours={hours}
            onChange={(d) => {
              setSaved(false);
              setDraft(d);
            }}
          />
          <ErrorBox error={saving.error} />
          <div class="row">
            <button class="primary" type="submit" disabled={saving.busy}>
              Save
            </button>
            {saved ? (
              <span class="ok" data-testid="campaign-saved">
                Saved.
              </span>
            ) : null}
          </div>
        </form>
      ) : null}

      {c ? (
        <>
          <form data-testid="campaign-import" onSubmit={add}>
            <h3>Add numbers</h3>
            <Field
              label="Numbers"
              hint="one a line: a number (national, or + and the country code), or a number, a comma and a name"
            >
              <textarea
                name="csv"
                rows={5}
                class="code"
                value={csv}
                onInput={(e) => setCsv(inputValue(e))}
                placeholder={'13812345678\n13912345678, 王芳'}
              />
            </Field>
            <div class="row">
              <button class="primary" type="submit" disabled={importing.busy || !csv.trim()}>
                Add numbers
              </button>
              {result ? (
                <ImportStatus added={result.added} text={importText(result)} testid="campaign-import-result" />
              ) : null}
            </div>
            <ErrorBox error={importing.error} />
            {result ? <RefusedLines lines={result.invalid} testid="campaign-import-invalid" /> : null}
          </form>

          <h3>Numbers</h3>
          <div class="filters">
            <Field label="State">
              <select
                name="state"
                data-testid="campaign-contacts-state"
                value={filter}
                onChange={(e) => {
                  setFilter(inputValue(e) as CampaignContactState | '');
                  setPage(1);
                }}
              >
                <option value="">all</option>
                {CAMPAIGN_CONTACT_STATES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </Field>
            {list ? (
              <span class="muted" data-testid="campaign-contacts-count">
                {count(list.total, 'number')}
                {filter ? ` ${filter}` : ''}
              </span>
            ) : null}
            {c && c.contacts.failed > 0 ? (
              <button
                type="button"
                disabled={recycling.busy}
                onClick={() => void recycle()}
                data-testid="campaign-recycle"
              >
                Call the {count(c.contacts.failed, 'failed number')} again
              </button>
            ) : null}
            {recycled !== null ? (
              <span class="ok" role="status" data-testid="campaign-recycled">
                {count(recycled, 'number')} to call again
              </span>
            ) : null}
          </div>
          <ErrorBox error={recycling.error} />
          <ErrorBox error={contacts.error} />
          <Loading when={contacts.loading && !list} />
          <table class="list" data-testid="campaign-contacts">
            <thead>
              <tr>
                <th>Number</th>
                <th>Name</th>
                <th>State</th>
                <th class="num">Attempts</th>
                <th>Next attempt</th>
                <th>Last result</th>
                <th>Last call</th>
                <th>Time zone</th>
              </tr>
            </thead>
            <tbody>
              {list?.items.map((k) => (
                <tr key={k.id} data-number={k.number}>
                  <td class="nowrap">{k.number}</td>
                  <td>{k.name ?? <span class="muted">—</span>}</td>
                  <td data-state={k.state}>
                    <StateBadge state={k.state} />
                  </td>
                  <td class="num">{k.attempts}</td>
                  <td class="nowrap">{k.nextAt ? fmtTime(k.nextAt) : <span class="muted">—</span>}</td>
                  <td>{k.lastResult ? stateLabel(k.lastResult) : <span class="muted">—</span>}</td>
                  <td>
                    {k.lastCallId ? (
                      <a href={`#/calls/${encodeURIComponent(k.lastCallId)}`} title={k.lastCallId}>
                        <code>{k.lastCallId.slice(0, 8)}</code>
                      </a>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td class="nowrap" data-zone title={k.timeZone ?? undefined}>
                    {zoneText(k.timeZone)}
                  </td>
                </tr>
              ))}
              {list && list.items.length === 0 ? (
                <tr>
                  <td colSpan={8} class="muted" data-testid="campaign-contacts-empty">
                    {filter ? `No ${filter} numbers.` : 'No numbers yet: add them above.'}
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
          {list && pages > 1 ? (
            <Pager page={list.page} pages={pages} onPage={setPage} testid="campaign-contacts-pager" />
          ) : null}
        </>
      ) : null}
    </section>
  );
}
