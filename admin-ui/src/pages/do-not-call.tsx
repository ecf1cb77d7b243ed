// The do-not-call list (admins and supervisors): numbers no call Ariadne places reaches, whoever places it
// (click-to-dial, a callback, a number typed on a desk phone); the agent is told why. Calls from them come in as always.
// A whole list is imported pasted or from a file (another system's export, a regulator's list), and exported as CSV;
// a registry's file of removals takes off the numbers that registry listed.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type {
  DoNotCallEntry,
  DoNotCallFileImportResult,
  DoNotCallImportResult,
  DoNotCallRemovalResult,
} from '../api/types.js';
import { ImportStatus, importSummary, RefusedLines } from '../components/import-result.js';
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

const PAGE_SIZE = 50;
/** The edit row's input lives in a table cell; this (empty) form outside the table submits it. */
const EDIT_FORM = 'dnc-edit';

interface Draft {
  number: string;
  reason: string;
}

const EMPTY: Draft = { number: '', reason: '' };

const reasonOf = (typed: string): string | null => typed.trim() || null;

/** The most the box takes (the JSON import's limit): a longer file is sent as it is, streamed. */
const MAX_IMPORT_CHARS = 250_000;

function count(n: number): string {
  return `${n} ${n === 1 ? 'number' : 'numbers'}`;
}

/** "3 added, 2 already listed, 1 invalid" (the counts of what did not happen left out). */
function dncImportText(r: DoNotCallImportResult | DoNotCallFileImportResult): string {
  const invalid = 'invalidCount' in r ? r.invalidCount : r.invalid.length;
  return importSummary(r.added, [[r.duplicates, 'already listed']], invalid);
}

/** "12.4 MB" */
function sizeText(bytes: number): string {
  return bytes < 1_000_000 ? `${Math.ceil(bytes / 1000)} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`;
}

export function DoNotCallPage() {
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const list = useLoad(() => api.doNotCall.list({ q: q.trim(), page, pageSize: PAGE_SIZE }), [q, page]);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  /** The entry just added: shown first (newest first, the search cleared) and marked. */
  const [added, setAdded] = useState<number | null>(null);
  const [edit, setEdit] = useState<{ id: number; reason: string } | null>(null);
  /** The import form: shown on demand, so the page stays short. */
  const [importing, setImporting] = useState(false);
  const adding = useAction();
  const changing = useAction();
  const addErrs = fieldErrorsOf(adding.error);
  const editErrs = fieldErrorsOf(changing.error);
  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;

  // The last entry of the last page removed (or the list shrunk under the pager): back to a page that has some.
  useEffect(() => {
    if (data && data.items.length === 0 && page > 1) setPage(Math.min(page - 1, pages));
  }, [data, page, pages]);

  const search = (typed: string) => {
    setQ(typed);
    setPage(1);
  };
  /** Newest first: with no search and on page 1, what was just added is at the top. */
  const showNewest = () => {
    if (q === '' && page === 1) list.reload();
    else search('');
  };
  const add = async (e: Event) => {
    e.preventDefault();
    const r = await adding.run(() =>
      api.doNotCall.create({ number: draft.number.trim(), reason: reasonOf(draft.reason) }),
    );
    if (!r) return;
    setDraft(EMPTY);
    setAdded(r.id);
    setEdit(null);
    showNewest();
  };
  const imported = () => {
    setAdded(null);
    setEdit(null);
    showNewest();
  };
  const save = async (e: Event) => {
    e.preventDefault();
    if (!edit) return;
    const r = await changing.run(() => api.doNotCall.update(edit.id, { reason: reasonOf(edit.reason) }));
    if (r) {
      setEdit(null);
      list.reload();
    }
  };
  const startEdit = (entry: DoNotCallEntry) => {
    changing.clear();
    setEdit({ id: entry.id, reason: entry.reason ?? '' });
  };
  const remove = async (entry: DoNotCallEntry) => {
    if (!confirm(`Remove ${entry.number} from the do-not-call list? Agents may call it again.`)) return;
    setEdit(null);
    await changing.run(() => api.doNotCall.remove(entry.id));
    list.reload();
  };

  return (
    <div class="short-list-page">
      <PageHeader title="Do not call">
        <button
          class={importing ? 'active' : undefined}
          aria-expanded={importing}
          data-testid="dnc-import-open"
          onClick={() => setImporting(!importing)}
        >
          Import a list
        </button>
        <a class="button" href={api.doNotCall.csvUrl} download="do-not-call.csv" data-testid="dnc-export">
          Export CSV
        </a>
      </PageHeader>
      <p class="muted" data-testid="dnc-note">
        Ariadne never calls these numbers: a call an agent places to one (click-to-dial, a callback, a number typed on a
        desk phone) is refused, and the agent is told the reason. Calls from these numbers come in as usual.
      </p>
      <ErrorBox error={list.error ?? (edit ? null : changing.error)} />
      {importing ? <ImportForm onImported={imported} onClose={() => setImporting(false)} /> : null}

      <form class="card add-inline" data-testid="dnc-add" onSubmit={add}>
        <Field label="Number" error={addErrs.number} hint="national, or + and the country code">
          <input
            name="number"
            type="tel"
            autocomplete="off"
            value={draft.number}
            onInput={(e) => setDraft({ ...draft, number: inputValue(e) })}
            placeholder="e.g. 13812345678"
            size={18}
            maxLength={40}
            required
          />
        </Field>
        <Field label="Reason" error={addErrs.reason} hint="optional: who asked, and how">
          <input
            name="reason"
            value={draft.reason}
            onInput={(e) => setDraft({ ...draft, reason: inputValue(e) })}
            placeholder="e.g. asked on the phone"
            size={36}
            maxLength={200}
          />
        </Field>
        <button class="primary" type="submit" disabled={adding.busy}>
          Add number
        </button>
      </form>
      <ErrorBox error={adding.error} />

      <div class="filters">
        <Field label="Search">
          <input
            type="search"
            class="search"
            inputMode="tel"
            data-testid="dnc-search"
            aria-label="Search numbers"
            placeholder="digits, e.g. 139 0000"
            value={q}
            onInput={(e) => search(inputValue(e))}
            maxLength={40}
          />
        </Field>
        {data ? (
          <span class="muted" data-testid="dnc-count">
            {q.trim() ? `${count(data.total)} found` : `${count(data.total)} listed`}
          </span>
        ) : null}
      </div>
      <Loading when={list.loading && !data} />

      <form id={EDIT_FORM} onSubmit={save} />
      <table class="list" data-testid="dnc-table">
        <thead>
          <tr>
            <th>Number</th>
            <th>Reason</th>
            <th>Added</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data?.items.map((entry) =>
            edit?.id === entry.id ? (
              <EditRow
                key={entry.id}
                entry={entry}
                reason={edit.reason}
                error={editErrs.reason}
                busy={changing.busy}
                onChange={(reason) => setEdit({ ...edit, reason })}
                onCancel={() => setEdit(null)}
              />
            ) : (
              <tr key={entry.id} data-number={entry.number} class={entry.id === added ? 'selected' : undefined}>
                <td class="nowrap">{entry.number}</td>
                <td>
                  {entry.reason ?? <span class="muted">—</span>}
                  {entry.source ? (
                    <span class="muted small" data-testid="dnc-source">
                      {' '}
                      · from {entry.source}
                    </span>
                  ) : null}
                </td>
                <td class="nowrap">{fmtTime(entry.createdAt)}</td>
                <td class="actions">
                  <button onClick={() => startEdit(entry)}>Edit reason</button>
                  <button class="danger" onClick={() => void remove(entry)}>
                    Remove
                  </button>
                </td>
              </tr>
            ),
          )}
          {data && data.items.length === 0 ? (
            <tr>
              <td colSpan={4} class="muted" data-testid="dnc-empty">
                {q.trim() ? 'No listed number has those digits.' : 'No numbers are listed: agents may call any number.'}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {edit ? <ErrorBox error={changing.error} /> : null}
      {data && pages > 1 ? <Pager page={data.page} pages={pages} onPage={setPage} testid="dnc-pager" /> : null}
    </div>
  );
}

type ImportMode = 'add' | 'remove';
type ImportResult = DoNotCallImportResult | DoNotCallFileImportResult | DoNotCallRemovalResult;

/** A registry's name as the server takes it (SOURCE_NAME). */
const SOURCE_PATTERN = '[A-Za-z0-9][A-Za-z0-9_.\\-]{0,39}';

/** "2 removed, 3 kept (listed by hand or by another source), 1 not listed, 1 invalid". */
function removalText(r: DoNotCallRemovalResult): string {
  const parts = [`${r.removed} removed`];
  if (r.kept) parts.push(`${r.kept} kept (listed by hand or by another source)`);
  if (r.notListed) parts.push(`${r.notListed} not listed`);
  if (r.invalidCount) parts.push(`${r.invalidCount} invalid`);
  return parts.join(', ');
}

/**
 * A whole list, pasted or read from a file (.csv or .txt), sent to the server in one go; what it came to shows beside
 * the button, the lines it refused under it. Stays open after an import, for the next part of a long list. A
 * registry's file of removals is sent as it is, whatever its length, and takes off only the numbers that registry's
 * files listed.
 */
function ImportForm({ onImported, onClose }: { onImported: () => void; onClose: () => void }) {
  const [mode, setMode] = useState<ImportMode>('add');
  const [csv, setCsv] = useState('');
  const [result, setResult] = useState<ImportResult | null>(null);
  /** A file too long for the box (a registry's download), or any file of removals: sent as it is, streamed. */
  const [bigFile, setBigFile] = useState<File | null>(null);
  /** Kept with the big file's numbers whose line gives no reason. */
  const [fileReason, setFileReason] = useState('');
  /** The registry the file is from: kept with its numbers, and what a file of removals takes off. */
  const [source, setSource] = useState('');
  /** Bumped to empty the file input (a new element) once its list is imported. */
  const [fileKey, setFileKey] = useState(0);
  const sending = useAction();
  const errs = fieldErrorsOf(sending.error);
  const removing = mode === 'remove';

  const choose = (next: ImportMode) => {
    setMode(next);
    setResult(null);
    setBigFile(null);
    setCsv('');
    setFileKey((k) => k + 1);
    sending.clear();
  };
  const readFile = async (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    setBigFile(null);
    setResult(null);
    sending.clear();
    if (!file) return;
    if (removing) {
      setBigFile(file);
      return;
    }
    // A byte is at least a character: a file this big cannot fit (and is not worth reading into the page).
    const text = file.size > 4 * MAX_IMPORT_CHARS ? null : await sending.run(() => file.text());
    if (text === undefined) return;
    if (text === null || text.length > MAX_IMPORT_CHARS) {
      setBigFile(file);
      setCsv('');
      return;
    }
    setCsv(text);
  };
  const send = async (e: Event) => {
    e.preventDefault();
    setResult(null);
    const file = bigFile;
    const named = source.trim() || undefined;
    const r = await sending.run((): Promise<ImportResult> => {
      if (file && removing) return api.doNotCall.removeFile(file, source.trim());
      if (file) return api.doNotCall.importFile(file, { reason: fileReason.trim() || undefined, source: named });
      return api.doNotCall.importCsv(csv);
    });
    if (!r) return;
    setResult(r);
    setCsv('');
    setBigFile(null);
    setFileKey((k) => k + 1);
    onImported();
  };
  const refusedUnshown = result && 'invalidCount' in result ? result.invalidCount - result.invalid.length : 0;
  const sourceField = (
    <Field
      label="Source"
      error={errs.source}
      hint={
        removing
          ? 'the registry whose removals these are: only numbers its files listed come off'
          : "optional: the registry's name, so its later file of removals takes off only its numbers"
      }
    >
      <input
        name="source"
        value={source}
        onInput={(e) => setSource(inputValue(e))}
        placeholder="e.g. us-national"
        pattern={SOURCE_PATTERN}
        maxLength={40}
        required={removing}
      />
    </Field>
  );

  return (
    <form class="card editor" data-testid="dnc-import" onSubmit={send}>
      <h2>{removing ? "Take a registry's removals off" : 'Import a list'}</h2>
      <div class="row" role="radiogroup" aria-label="What the list does">
        <label>
          <input type="radio" name="mode" checked={!removing} onChange={() => choose('add')} /> Add its numbers
        </label>
        <label>
          <input
            type="radio"
            name="mode"
            data-testid="dnc-mode-remove"
            checked={removing}
            onChange={() => choose('remove')}
          />{' '}
          Take them off (a registry's removals)
        </label>
      </div>
      {removing ? (
        <p class="muted small">
          A registry publishes the numbers whose owners left it. Only the numbers that registry's files listed (imported
          with the same source) come off; a number a customer asked about, listed by hand, from a call or by another
          registry, stays.
        </p>
      ) : (
        <>
          <p class="muted small">
            Numbers already listed keep their entry. A number without a reason is listed as imported today by you. Up to
            5,000 numbers at a time in the box; a longer file (a registry's download) is sent whole and read as it
            arrives. This page's Export CSV can be imported again.
          </p>
          <Field
            label="Numbers"
            error={errs.csv}
            hint="one a line: a number (national, or + and the country code) or number,reason; a first line of words (number,reason) is a header"
          >
            <textarea
              name="csv"
              rows={6}
              class="code"
              value={csv}
              onInput={(e) => setCsv(inputValue(e))}
              placeholder={'number,reason\n13812345678,asked by letter\n13912345678'}
            />
          </Field>
        </>
      )}
      <Field
        label={removing ? 'The file of removals' : 'Or read a file'}
        hint={
          removing
            ? '.csv or .txt, of any length: sent as it is'
            : '.csv or .txt: its text goes in the box above; a longer one is sent as it is, of any length'
        }
      >
        <input
          key={fileKey}
          type="file"
          name="file"
          accept=".csv,.txt,text/csv,text/plain"
          onChange={(e) => void readFile(e)}
        />
      </Field>
      {removing ? sourceField : null}
      {bigFile && !removing ? (
        <div data-testid="dnc-import-file">
          <p class="small">
            <strong>{bigFile.name}</strong> ({sizeText(bigFile.size)}) is too long for the box: it is sent as it is.
            Lines of an area code and a number (the US registry's files) are read as US numbers.
          </p>
          <Field label="Reason" hint="optional: kept with the numbers whose line gives none">
            <input
              name="fileReason"
              value={fileReason}
              onInput={(e) => setFileReason(inputValue(e))}
              placeholder={`imported ${new Date().toISOString().slice(0, 10)}`}
              maxLength={200}
            />
          </Field>
          {sourceField}
        </div>
      ) : null}
      <div class="row">
        <button
          class="primary"
          type="submit"
          disabled={sending.busy || (removing ? !bigFile || !source.trim() : !csv.trim() && !bigFile)}
        >
          {removing ? "Remove the file's numbers" : bigFile ? 'Import the file' : 'Import numbers'}
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
        {result ? (
          'removed' in result ? (
            <ImportStatus added={result.removed} text={removalText(result)} testid="dnc-import-result" />
          ) : (
            <ImportStatus added={result.added} text={dncImportText(result)} testid="dnc-import-result" />
          )
        ) : null}
      </div>
      <ErrorBox error={sending.error} />
      {result ? <RefusedLines lines={result.invalid} testid="dnc-import-invalid" /> : null}
      {refusedUnshown > 0 ? (
        <p class="small muted" data-testid="dnc-import-unshown">
          and {refusedUnshown} more refused lines
        </p>
      ) : null}
    </form>
  );
}

/**
 * An entry's row while its reason is edited. A component of its own, so its buttons are new elements: were the Edit
 * reason button reused as Save (a submit button of the edit form), the click that opened the row would submit it.
 */
function EditRow({
  entry,
  reason,
  error,
  busy,
  onChange,
  onCancel,
}: {
  entry: DoNotCallEntry;
  reason: string;
  error: string | undefined;
  busy: boolean;
  onChange: (reason: string) => void;
  onCancel: () => void;
}) {
  return (
    <tr class="editing" data-number={entry.number} data-testid="dnc-edit">
      <td class="nowrap">{entry.number}</td>
      <td>
        <label class={error ? 'field invalid' : 'field'}>
          <input
            form={EDIT_FORM}
            name="reason"
            aria-label="Reason"
            value={reason}
            onInput={(e) => onChange(inputValue(e))}
            placeholder="none"
            size={24}
            maxLength={200}
          />
          {error ? <span class="field-error">{error}</span> : null}
        </label>
      </td>
      <td class="nowrap">{fmtTime(entry.createdAt)}</td>
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
