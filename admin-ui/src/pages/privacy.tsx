// Privacy (admins): a caller's rights of access and to erasure (GDPR, CCPA). By phone number and/or customer id,
// Export downloads their copy of what Ariadne holds about them; a preview counts it; Erase, after a confirm, deletes
// or anonymises it (orchestrator/src/privacy/). The do-not-call entry is kept: it is what stops anyone calling them
// again.
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { CallerExport, ErasureCounts, ErasureRequest, ErasureResult } from '../api/types.js';
import { ErrorBox, Field, fieldErrorsOf, inputValue, num, PageHeader, useAction } from '../components/ui.js';

/** Every kind the server counts, in the order of the table, and what an erasure does to it. */
const KINDS: readonly (readonly [keyof ErasureCounts, string, string])[] = [
  ['customers', 'Customer record', 'deleted'],
  ['customerPhones', 'Phone numbers', 'deleted'],
  ['orders', 'Orders', 'deleted'],
  ['contactHistory', 'Contact history', 'deleted'],
  ['calls', 'Calls', 'kept for the reports; number, name and customer erased'],
  ['callEvents', 'Call timeline entries', 'the number taken out'],
  ['recordings', 'Recordings (voicemail audio too)', 'every stored copy deleted, in the background'],
  ['transcripts', 'Transcripts', 'deleted'],
  ['voicemails', 'Voicemails', 'deleted'],
  ['tickets', 'Tickets', 'kept for the counts; subject and text erased'],
  ['surveyResponses', 'Survey answers', 'score kept; comment erased'],
  ['evaluations', 'Quality evaluations', 'score kept; comments erased'],
  ['surveyRequests', 'SMS surveys', 'deleted'],
  ['callbacks', 'Callback requests', 'deleted'],
  ['campaignContacts', 'Campaign contacts', 'deleted'],
  ['auditLines', 'Audit log lines', 'the number masked'],
  ['jobErrors', 'Background job errors', 'the number masked'],
];

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** "+86 138… and customer 12" for the confirm. */
function whoText(request: ErasureRequest): string {
  const parts: string[] = [];
  if (request.phone) parts.push(request.phone);
  if (request.customerId !== undefined) parts.push(`customer ${request.customerId}`);
  return parts.join(' and ');
}

/** The export as a file the browser saves: it goes to the caller, not into the page. */
function saveAsFile(copy: CallerExport): string {
  const name = `ariadne-caller-data-${copy.exportedAt.slice(0, 10)}.json`;
  const url = URL.createObjectURL(new Blob([JSON.stringify(copy, null, 2)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

export function PrivacyPage() {
  const [phone, setPhone] = useState('');
  const [customerId, setCustomerId] = useState('');
  const [result, setResult] = useState<ErasureResult | null>(null);
  const [exported, setExported] = useState<{ file: string; copy: CallerExport } | null>(null);
  const acting = useAction();
  const errs = fieldErrorsOf(acting.error);
  const request: ErasureRequest = {
    ...(phone.trim() ? { phone: phone.trim() } : {}),
    ...(num(customerId) !== undefined ? { customerId: num(customerId) } : {}),
  };
  const empty = request.phone === undefined && request.customerId === undefined;

  /** What was typed changed: the result shown was for someone else. */
  const edit = (set: (v: string) => void) => (e: Event) => {
    set(inputValue(e));
    setResult(null);
    setExported(null);
    acting.clear();
  };
  const exportCopy = async () => {
    setResult(null);
    setExported(null);
    const copy = await acting.run(() => api.privacy.export(request));
    if (copy) setExported({ file: saveAsFile(copy), copy });
  };
  const preview = async (e: Event) => {
    e.preventDefault();
    setResult(null);
    setExported(null);
    const r = await acting.run(() => api.privacy.erase({ ...request, dryRun: true }));
    if (r) setResult(r);
  };
  const erase = async () => {
    const counted = result?.dryRun
      ? ` (${plural(
          Object.values(result.counts).reduce((a, b) => a + b, 0),
          'record',
          'records',
        )} found)`
      : '';
    if (
      !confirm(
        `Erase everything Ariadne holds about ${whoText(request)}${counted}? ` +
          'This cannot be undone. A do-not-call entry is kept.',
      )
    )
      return;
    setResult(null);
    setExported(null);
    const r = await acting.run(() => api.privacy.erase({ ...request, dryRun: false }));
    if (r) setResult(r);
  };

  return (
    <div class="short-list-page">
      <PageHeader title="Privacy" />
      <section class="card">
        <h2>A caller's data</h2>
        <p class="muted" data-testid="privacy-note">
          Find a caller by their phone number, their customer id, or both. When they ask what you hold about them,
          Export saves their copy as a file to send them: their record and orders, calls, recordings (listed),
          transcripts, tickets and surveys. When they ask to be forgotten, Preview shows what Ariadne holds about them;
          Erase deletes it, or anonymises what the reports count (calls, tickets, survey scores). The do-not-call list
          keeps their number, so nobody calls them again. An external CRM is not touched: answer or erase them there
          too.
        </p>
        <form class="add-inline" data-testid="privacy-form" onSubmit={preview}>
          <Field label="Phone number" error={errs.phone} hint="national, or + and the country code">
            <input
              name="phone"
              type="tel"
              autocomplete="off"
              value={phone}
              onInput={edit(setPhone)}
              placeholder="e.g. 13812345678"
              size={18}
              maxLength={40}
            />
          </Field>
          <Field label="Customer id" error={errs.customerId} hint="optional with a number">
            <input
              name="customerId"
              type="number"
              min={1}
              step={1}
              value={customerId}
              onInput={edit(setCustomerId)}
              placeholder="e.g. 42"
              size={8}
            />
          </Field>
          <div class="row form-actions">
            <button
              type="button"
              data-testid="privacy-export"
              disabled={acting.busy || empty}
              onClick={() => void exportCopy()}
            >
              Export
            </button>
            <button type="submit" data-testid="privacy-preview" disabled={acting.busy || empty}>
              Preview
            </button>
            <button
              type="button"
              class="danger"
              data-testid="privacy-erase"
              disabled={acting.busy || empty}
              onClick={() => void erase()}
            >
              Erase…
            </button>
          </div>
        </form>
        <ErrorBox error={acting.error} />
      </section>
      {result ? <ErasureOutcome result={result} /> : null}
      {exported ? <ExportOutcome {...exported} /> : null}
    </div>
  );
}

/** What the saved copy holds, section by section, so the admin knows what they are sending. */
function ExportOutcome({ file, copy }: { file: string; copy: CallerExport }) {
  const sections: readonly (readonly [keyof CallerExport, string])[] = [
    ['customers', 'Customer records'],
    ['customerPhones', 'Phone numbers'],
    ['orders', 'Orders'],
    ['contactHistory', 'Contact history'],
    ['calls', 'Calls'],
    ['recordings', 'Recordings'],
    ['transcripts', 'Transcripts'],
    ['voicemails', 'Voicemails'],
    ['tickets', 'Tickets'],
    ['surveyResponses', 'Survey answers'],
    ['surveyRequests', 'SMS surveys'],
    ['callbacks', 'Callback requests'],
    ['campaignContacts', 'Campaign contacts'],
    ['doNotCall', 'Do-not-call entries'],
  ];
  const held = sections.filter(([key]) => (copy[key] as unknown[]).length > 0);
  return (
    <section class="card" data-testid="privacy-export-result">
      <h2>Exported</h2>
      <p>
        Saved as <code>{file}</code>
        {copy.numbers.length ? ` for ${copy.numbers.join(', ')}` : ''}. Send it to the caller by a channel you trust;
        the export is in the audit log.
      </p>
      {held.length === 0 ? (
        <p data-testid="privacy-export-nothing">Ariadne holds nothing about this caller.</p>
      ) : (
        <p class="small muted" data-testid="privacy-export-counts">
          {held.map(([key, label]) => `${label}: ${(copy[key] as unknown[]).length}`).join(' · ')}
        </p>
      )}
    </section>
  );
}

function ErasureOutcome({ result }: { result: ErasureResult }) {
  const total = Object.values(result.counts).reduce((a, b) => a + b, 0);
  const whom = [
    result.numbers.length ? `${result.numbers.length === 1 ? 'number' : 'numbers'} ${result.numbers.join(', ')}` : '',
    result.customerIds.length
      ? `${result.customerIds.length === 1 ? 'customer' : 'customers'} ${result.customerIds.join(', ')}`
      : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <section class="card" data-testid="privacy-result" data-dry-run={String(result.dryRun)}>
      <h2>{result.dryRun ? 'Preview: nothing has been changed' : 'Erased'}</h2>
      <p class="small muted">Looked for: {whom || 'nothing on record'}</p>
      {result.callsInProgress > 0 ? (
        <p class="error" role="alert" data-testid="privacy-live">
          {plural(result.callsInProgress, 'call', 'calls')} of this caller in progress: erase once{' '}
          {result.callsInProgress === 1 ? 'it has' : 'they have'} ended.
        </p>
      ) : null}
      {total === 0 ? (
        <p data-testid="privacy-nothing">
          {result.dryRun ? 'Ariadne holds nothing about this caller.' : 'Nothing was left to erase.'}
        </p>
      ) : (
        <table class="list" data-testid="privacy-counts">
          <thead>
            <tr>
              <th>What</th>
              <th>{result.dryRun ? 'Would go' : 'Erased'}</th>
              <th>How</th>
            </tr>
          </thead>
          <tbody>
            {KINDS.filter(([key]) => result.counts[key] > 0).map(([key, label, how]) => (
              <tr key={key} data-kind={key}>
                <td>{label}</td>
                <td class="nowrap">{result.counts[key]}</td>
                <td class="muted small">{how}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p data-testid="privacy-kept" class={result.kept.doNotCall > 0 ? 'ok' : 'muted'}>
        {result.kept.doNotCall > 0
          ? `Kept: the do-not-call entry (${plural(result.kept.doNotCall, 'number', 'numbers')}). A suppression list is a legal duty; it is what stops anyone calling them again.`
          : 'Their number is not on the do-not-call list: if they asked not to be called, add it on the Do not call page.'}
      </p>
      {!result.dryRun && result.counts.recordings > 0 ? (
        <p class="small muted">
          The recordings are deleted by a background job, every stored copy, within minutes; each deletion is audited.
        </p>
      ) : null}
    </section>
  );
}
