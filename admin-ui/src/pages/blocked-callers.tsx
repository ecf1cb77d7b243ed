// Callers the contact center does not take calls from (admins and supervisors): nuisance or abusive callers, or
// every caller who withholds their number. Asterisk rejects them before answering; the orchestrator catches any it
// let through. A block may last some days (cooling off) or until removed.
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { BlockedCaller } from '../api/types.js';
import {
  ErrorBox,
  Field,
  fieldErrorsOf,
  inputValue,
  Loading,
  PageHeader,
  Pager,
  useAction,
  useLoad,
} from '../components/ui.js';
import { fmtTime } from '../format.js';

interface Draft {
  number: string;
  reason: string;
  /** '' : until removed. */
  days: string;
}

const EMPTY: Draft = { number: '', reason: '', days: '' };

function label(b: BlockedCaller): string {
  return b.number === 'anonymous' ? 'Withheld numbers (anonymous)' : b.number;
}

export function BlockedCallersPage() {
  const [page, setPage] = useState(1);
  const [q, setQ] = useState('');
  const list = useLoad(() => api.blockedCallers.list({ page, q: q.trim() || undefined }), [page, q]);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const adding = useAction();
  const removing = useAction();
  const errs = fieldErrorsOf(adding.error);
  const add = async (e: Event) => {
    e.preventDefault();
    const r = await adding.run(() =>
      api.blockedCallers.add({
        number: draft.number.trim(),
        reason: draft.reason.trim() || null,
        days: draft.days ? Number(draft.days) : null,
      }),
    );
    if (r) {
      setDraft(EMPTY);
      list.reload();
    }
  };
  const remove = async (b: BlockedCaller) => {
    if (!confirm(`Take ${label(b)} off the list? Their calls will be taken again.`)) return;
    await removing.run(() => api.blockedCallers.remove(b.id));
    list.reload();
  };
  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  return (
    <div class="short-list-page">
      <PageHeader title="Blocked callers" />
      <p class="muted" data-testid="blocked-note">
        Calls from these numbers are turned away at once, before any prompt or agent: Asterisk rejects them before
        answering (cause 21, call rejected). Enter <code>anonymous</code> to turn away every caller who withholds their
        number. Numbers Ariadne must not call are the Do not call list.
      </p>
      <ErrorBox error={list.error ?? removing.error} />
      <form class="card add-inline" data-testid="blocked-add" onSubmit={add}>
        <Field label="Number" error={errs.number} hint="national, + and the country code, or anonymous">
          <input
            name="number"
            autocomplete="off"
            value={draft.number}
            onInput={(e) => setDraft({ ...draft, number: inputValue(e) })}
            placeholder="e.g. 13812345678"
            size={18}
            maxLength={40}
            required
          />
        </Field>
        <Field label="Reason" error={errs.reason} hint="optional">
          <input
            name="reason"
            value={draft.reason}
            onInput={(e) => setDraft({ ...draft, reason: inputValue(e) })}
            placeholder="e.g. abusive to agents"
            size={30}
            maxLength={200}
          />
        </Field>
        <Field label="For" error={errs.days}>
          <select name="days" value={draft.days} onChange={(e) => setDraft({ ...draft, days: inputValue(e) })}>
            <option value="">until removed</option>
            <option value="1">1 day</option>
            <option value="7">7 days</option>
            <option value="30">30 days</option>
            <option value="90">90 days</option>
          </select>
        </Field>
        <button class="primary" type="submit" disabled={adding.busy}>
          Block
        </button>
      </form>
      <ErrorBox error={errs.number || errs.reason || errs.days ? null : adding.error} />
      <div class="filters">
        <Field label="Search">
          <input
            type="search"
            class="search"
            inputMode="tel"
            aria-label="Search numbers"
            placeholder="digits"
            value={q}
            onInput={(e) => (setQ(inputValue(e)), setPage(1))}
            maxLength={40}
          />
        </Field>
      </div>
      <Loading when={list.loading && !data} />
      <table class="list" data-testid="blocked-table">
        <thead>
          <tr>
            <th>Caller</th>
            <th>Reason</th>
            <th>Blocked</th>
            <th>Until</th>
            <th>Calls turned away</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data?.items.map((b) => (
            <tr key={b.id} data-number={b.number}>
              <td>{label(b)}</td>
              <td>{b.reason ?? '—'}</td>
              <td>{fmtTime(b.createdAt)}</td>
              <td>{b.expiresAt ? fmtTime(b.expiresAt) : 'removed'}</td>
              <td>
                {b.hits}
                {b.lastHitAt ? <span class="muted"> (last {fmtTime(b.lastHitAt)})</span> : null}
              </td>
              <td class="actions">
                <button onClick={() => void remove(b)}>Unblock</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.items.length === 0 ? <p class="muted">Nobody is blocked.</p> : null}
      {data && pages > 1 ? <Pager page={page} pages={pages} onPage={setPage} /> : null}
    </div>
  );
}
