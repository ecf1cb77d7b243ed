// The Reports page's staffing section: for one queue and day, the agents its calls needed per 15 minutes (Erlang C)
// against the agents who were ready, for a day lived; a forecast from the same weekdays for today and later days; with a
// shrinkage, the agents to schedule for them; and the agents the day's shifts put on the phones (schedule.tsx).
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Queue, StaffingInterval, StaffingQuery, StaffingReport } from '../api/types.js';
import { ErrorBox, Field, inputValue, num, QueueOptions, useAction } from '../components/ui.js';
import { fmtDuration } from '../format.js';

interface Draft {
  queueId: string;
  day: string;
  serviceLevelPct: string;
  targetSeconds: string;
  maxOccupancyPct: string;
  shrinkagePct: string;
  /** '' : nobody gives up (Erlang C); 'observed'; or seconds. */
  patienceS: string;
}

/** The intervals worth a row: calls came (or are expected), someone was ready, or someone is scheduled. */
function busy(i: StaffingInterval): boolean {
  return i.offered > 0 || i.agentsNeeded > 0 || (i.agentsReady ?? 0) > 0 || i.agentsScheduled > 0;
}

/** The agents scheduled on the phones, marked when fewer than the calls need. */
function ScheduledCell({ interval: i }: { interval: StaffingInterval }) {
  const under = i.agentsScheduled < i.agentsNeeded;
  return (
    <td
      class={under ? 'num warn' : 'num'}
      data-testid="staffing-scheduled"
      title={under ? `${i.agentsNeeded} needed on the phones` : undefined}
    >
      {i.agentsScheduled}
    </td>
  );
}

function basisText(r: StaffingReport): string {
  if (r.basis === 'actual') return `${r.day}, its own calls`;
  return r.basedOn.length > 0 ? `${r.day}, forecast from ${r.basedOn.join(', ')}` : `${r.day}, forecast`;
}

export function StaffingSection({ queues, defaultDay }: { queues: readonly Queue[]; defaultDay: string }) {
  const [draft, setDraft] = useState<Draft>({
    queueId: '',
    day: '',
    serviceLevelPct: '80',
    targetSeconds: '20',
    maxOccupancyPct: '85',
    shrinkagePct: '0',
    patienceS: '',
  });
  // The answer with the query it answers, so the CSV link downloads exactly the rows shown.
  const [shown, setShown] = useState<{ report: StaffingReport; query: StaffingQuery } | null>(null);
  const report = shown?.report;
  const action = useAction();
  const set = (k: keyof Draft) => (e: Event) => setDraft({ ...draft, [k]: inputValue(e) });
  const queueId = num(draft.queueId) ?? queues[0]?.id;
  const targetField = (
    label: string,
    name: 'serviceLevelPct' | 'targetSeconds' | 'maxOccupancyPct' | 'shrinkagePct',
    min: number,
    max?: number,
    hint?: string,
  ) => (
    <Field label={label} hint={hint}>
      <input type="number" name={name} min={min} max={max} value={draft[name]} onInput={set(name)} />
    </Field>
  );

  const show = async (e: Event) => {
    e.preventDefault();
    if (queueId === undefined) return;
    const query: StaffingQuery = {
      queueId,
      day: draft.day || defaultDay || undefined,
      serviceLevelPct: num(draft.serviceLevelPct),
      targetSeconds: num(draft.targetSeconds),
      maxOccupancyPct: num(draft.maxOccupancyPct),
      shrinkagePct: num(draft.shrinkagePct),
      patienceS: draft.patienceS === 'observed' ? 'observed' : num(draft.patienceS),
    };
    const r = await action.run(() => api.reports.staffing(query));
    if (r) setShown({ report: r, query });
  };

  const rows = report?.intervals.filter(busy) ?? [];
  /** A shrinkage was asked for: the agents to schedule differ from those on the phones. */
  const scheduling = (report?.shrinkagePct ?? 0) > 0;
  /** Erlang A: callers give up, and the table says how many would. */
  const patient = report?.patienceS != null;
  /** Someone is scheduled that day: the agents the shifts put on the phones, beside those needed. */
  const scheduled = report?.intervals.some((i) => i.agentsScheduled > 0) ?? false;
  return (
    <section class="card" data-testid="staffing-section">
      <div class="section-head">
        <h2>Staffing</h2>
        <span class="muted">
          agents a queue's calls need per 15 minutes (Erlang C, or A when callers give up), against the agents ready
        </span>
        {shown ? (
          <a class="button" href={api.reports.staffingCsvUrl(shown.query)} download data-testid="staffing-csv">
            Download CSV
          </a>
        ) : null}
      </div>
      <form class="filters" onSubmit={show} data-testid="staffing-form">
        <Field label="Queue">
          <select name="queueId" value={queueId === undefined ? '' : String(queueId)} onChange={set('queueId')}>
            <QueueOptions queues={queues} />
          </select>
        </Field>
        <Field label="Day" hint="today and later: a forecast">
          <input type="date" name="day" value={draft.day || defaultDay} onInput={set('day')} />
        </Field>
        {targetField('Service level %', 'serviceLevelPct', 1, 99)}
        {targetField('Answered within (s)', 'targetSeconds', 1)}
        {targetField('Max occupancy %', 'maxOccupancyPct', 10, 100)}
        {targetField('Shrinkage %', 'shrinkagePct', 0, 90, 'time off the phones: breaks, training, absence')}
        <Field label="Callers give up after" hint="Erlang A: callers who hang up while waiting">
          <select name="patienceS" value={draft.patienceS} onChange={set('patienceS')}>
            <option value="">never (Erlang C)</option>
            <option value="observed">as their calls showed</option>
            <option value="30">30 s on average</option>
            <option value="60">1 min on average</option>
            <option value="120">2 min on average</option>
            <option value="300">5 min on average</option>
          </select>
        </Field>
        <button type="submit" class="primary" disabled={action.busy || queueId === undefined}>
          Show
        </button>
      </form>
      <ErrorBox error={action.error} />
      {report ? (
        <>
          <p class="muted" data-testid="staffing-summary">
            {report.queue} · {basisText(report)} · {report.serviceLevelPct}% within {report.targetSeconds} s, agents at
            most {report.maxOccupancyPct}% busy · peak <strong>{report.peakAgentsNeeded}</strong>{' '}
            {report.peakAgentsNeeded === 1 ? 'agent' : 'agents'}
            {scheduling ? (
              <>
                {' '}
                on the phones, <strong>{report.peakAgentsToSchedule}</strong> to schedule at {report.shrinkagePct}%
                shrinkage
              </>
            ) : null}
            {patient ? <> · callers give up after {fmtDuration(report.patienceS ?? 0)} on average (Erlang A)</> : null}
            {report.observedPatienceS !== null ? (
              <span data-testid="staffing-observed-patience">
                {' '}
                · their calls showed {fmtDuration(report.observedPatienceS)}
              </span>
            ) : null}
          </p>
          {rows.length === 0 ? (
            <p class="muted" data-testid="staffing-empty">
              No calls {report.basis === 'forecast' ? 'expected' : 'that day'}, and nobody ready.
            </p>
          ) : (
            <table class="list report" data-testid="staffing-report">
              <thead>
                <tr>
                  <th>Interval</th>
                  <th class="num">Calls</th>
                  <th class="num">Handle time</th>
                  <th class="num">Agents needed</th>
                  {scheduling ? <th class="num">To schedule</th> : null}
                  {scheduled ? (
                    <th class="num" title="Agents able to take the queue whose shifts put them on the phones">
                      Scheduled
                    </th>
                  ) : null}
                  <th class="num">Agents ready</th>
                  <th class="num">Service level</th>
                  {patient ? <th class="num">Give up</th> : null}
                </tr>
              </thead>
              <tbody>
                {rows.map((i) => {
                  const short = i.agentsReady !== null && i.agentsReady < i.agentsNeeded;
                  return (
                    <tr key={i.start} data-period={i.period} class={short ? 'short' : undefined}>
                      <td>{i.period}</td>
                      <td class="num">{i.offered}</td>
                      <td class="num">{i.offered > 0 ? fmtDuration(i.handleS) : '—'}</td>
                      <td class="num">{i.agentsNeeded}</td>
                      {scheduling ? <td class="num">{i.agentsToSchedule}</td> : null}
                      {scheduled ? <ScheduledCell interval={i} /> : null}
                      <td class="num">{i.agentsReady ?? '—'}</td>
                      <td class="num">{i.serviceLevelPct === null ? '—' : `${i.serviceLevelPct}%`}</td>
                      {patient ? <td class="num">{i.abandonPct === null ? '—' : `${i.abandonPct}%`}</td> : null}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </section>
  );
}
