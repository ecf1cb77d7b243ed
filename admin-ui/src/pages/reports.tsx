// Queue and agent reports over a range of days (from the daily report tables the orchestrator rebuilds), with a
// chart of offered vs answered calls, agents' presence and pause reasons, a timeline of one day's presence (with each
// agent's calls on it), each agent's adherence to their shifts over the days (adherence-report.tsx), CSV exports, the
// satisfaction survey scores, the agents a queue needs (staffing.tsx), and for admins a rebuild of one day.
import { useEffect, useMemo, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { useChart, type ChartSpec } from '../components/chart.js';
import { api, errorText } from '../api/client.js';
import type {
  AdherenceSummary,
  AgentPresence,
  AgentReport,
  CampaignReport,
  PauseReport,
  PresenceReport,
  PresenceSpan,
  Queue,
  QueueReport,
  QueueReportQuery,
  RebuildResult,
  ReportBy,
  SurveyReport,
  SurveyReportQuery,
  SurveySummaryRow,
  TimelineCall,
  User,
} from '../api/types.js';
import {
  ErrorBox,
  Field,
  Loading,
  PageHeader,
  QueueOptions,
  inputValue,
  num,
  useAction,
  useLoad,
} from '../components/ui.js';
import { fmtDuration, fmtPct } from '../format.js';
import { ADHERENCE_MAX_DAYS, AdherenceSummarySection } from './adherence-report.js';
import { CampaignReportSection } from './campaign-report.js';
import { StaffingSection } from './staffing.js';

const BY_LABELS: Record<ReportBy, string> = {
  total: 'Total',
  day: 'Day',
  interval: '15-minute interval (one day)',
};

/** How a heading names the grouping of the rows under it. */
const BY_HEADINGS: Record<ReportBy, string> = {
  total: 'total',
  day: 'per day',
  interval: 'per 15 minutes',
};

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** 'YYYY-MM-DD' plus n calendar days; computed in UTC so no local zone or DST shift can move the date. */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Today on the browser's clock, 'YYYY-MM-DD' (the contact center's may differ by a day). */
export function browserToday(): string {
  const d = new Date();
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/** Every day from..to; empty for a reversed or absurd range (the server refuses those anyway). */
function daysOf(from: string, to: string): string[] {
  if (!DAY_RE.test(from) || !DAY_RE.test(to) || to < from) return [];
  const out: string[] = [];
  for (let d = from; d <= to && out.length <= 400; d = addDays(d, 1)) out.push(d);
  return out;
}

/** The same service-level target the wallboard warns under. */
const SL_TARGET = 80;

interface Draft {
  from: string;
  to: string;
  by: ReportBy;
  queueId: string;
}

interface Applied extends QueueReportQuery {
  /** Bumped by every Apply, so applying an unchanged form still reloads (the tables change as the day goes on). */
  seq: number;
}

export function ReportsPage({ user }: { user: User }) {
  const queues = useLoad(() => api.queues.list(), []);
  const [draft, setDraft] = useState<Draft>({ from: '', to: '', by: 'day', queueId: '' });
  const [applied, setApplied] = useState<Applied | null>(null);

  // "Today" is the report zone's, which the browser may not share: a default request (from = to = today) tells it.
  useEffect(() => {
    let current = true;
    api.reports
      .queues({ by: 'total' })
      .then(
        (r) => r.to,
        () => browserToday(),
      )
      .then((today) => {
        if (!current) return;
        const from = addDays(today, -6);
        setDraft({ from, to: today, by: 'day', queueId: '' });
        setApplied({ from, to: today, by: 'day', seq: 0 });
      });
    return () => {
      current = false;
    };
  }, []);

  // The queue filter travels with its answer, so the heading never names a queue the rows are not about.
  const queueReport = useLoad<{ report: QueueReport; queueId: number | undefined } | undefined>(
    async () =>
      applied ? { report: await api.reports.queues(queryOf(applied)), queueId: applied.queueId } : undefined,
    [JSON.stringify(applied)],
  );
  const agentReport = useLoad<AgentReport | undefined>(
    () => (applied ? api.reports.agents({ from: applied.from, to: applied.to }) : Promise.resolve(undefined)),
    // The agent report has no queue or grouping: only the days (or another Apply) call for a new one.
    [applied?.from, applied?.to, applied?.seq],
  );

  // Pause reasons cover the agent report's days. A reversed range is not asked for, as with surveys below.
  const pauseReport = useLoad<PauseReport | undefined>(
    () =>
      applied && !(applied.from && applied.to && applied.from > applied.to)
        ? api.reports.pauses({ from: applied.from, to: applied.to })
        : Promise.resolve(undefined),
    [applied?.from, applied?.to, applied?.seq],
  );

  // Presence through the day is one day's: asked only when the range is one day (both unset means today).
  const presenceReport = useLoad<PresenceReport | undefined>(
    () =>
      applied && applied.from === applied.to ? api.reports.presence({ day: applied.from }) : Promise.resolve(undefined),
    [applied?.from, applied?.to, applied?.seq],
  );

  // Adherence to the shifts over the same days, at most ADHERENCE_MAX_DAYS of them (a longer range gets a hint
  // instead); a reversed range is not asked for, as with pause reasons.
  const adherenceTooLong =
    !!applied?.from && !!applied.to && daysOf(applied.from, applied.to).length > ADHERENCE_MAX_DAYS;
  const adherenceReport = useLoad<AdherenceSummary | undefined>(
    () =>
      applied && !(applied.from && applied.to && applied.from > applied.to) && !adherenceTooLong
        ? api.reports.adherenceSummary({ from: applied.from, to: applied.to })
        : Promise.resolve(undefined),
    [applied?.from, applied?.to, applied?.seq],
  );

  // Surveys count over the same days and queue. A reversed range is not asked for: the queue report already says
  // why it is refused, and a third request would only repeat it.
  const surveyReport = useLoad<{ report: SurveyReport; queueId: number | undefined } | undefined>(
    async () =>
      applied && !(applied.from && applied.to && applied.from > applied.to)
        ? {
            report: await api.reports.surveys({ from: applied.from, to: applied.to, queueId: applied.queueId }),
            queueId: applied.queueId,
          }
        : undefined,
    [applied?.from, applied?.to, applied?.queueId, applied?.seq],
  );

  // The campaigns' calls over the same days and queue.
  const campaignReport = useLoad<{ report: CampaignReport; query: SurveyReportQuery } | undefined>(async () => {
    if (!applied || (applied.from && applied.to && applied.from > applied.to)) return undefined;
    const query = { from: applied.from, to: applied.to, queueId: applied.queueId };
    return { report: await api.reports.campaigns(query), query };
  }, [applied?.from, applied?.to, applied?.queueId, applied?.seq]);

  const setBy = (by: ReportBy) =>
    // Interval buckets are one day's: pin the range to its first day rather than let the server refuse it.
    setDraft({ ...draft, by, to: by === 'interval' ? draft.from : draft.to });
  const setFrom = (from: string) => setDraft({ ...draft, from, to: draft.by === 'interval' ? from : draft.to });
  const apply = (e: Event) => {
    e.preventDefault();
    setApplied({
      from: draft.from || undefined,
      to: (draft.by === 'interval' ? draft.from : draft.to) || undefined,
      by: draft.by,
      queueId: num(draft.queueId),
      seq: (applied?.seq ?? 0) + 1,
    });
  };

  const supervised = user.role === 'supervisor' ? new Set(user.queueIds ?? []) : null;
  const queueOptions = (queues.data?.items ?? []).filter((q) => !supervised || supervised.has(q.id));
  const qr = queueReport.data?.report;
  const shownQueueId = queueReport.data?.queueId;
  const allQueues = supervised ? 'all my queues' : 'all queues';
  const shownQueue =
    shownQueueId === undefined
      ? allQueues
      : (queues.data?.items.find((q) => q.id === shownQueueId)?.displayName ?? `queue #${shownQueueId}`);
  const ar = agentReport.data;
  // A bad range fails both reports with the same message; say it once.
  const agentErrorShown =
    agentReport.error && (!queueReport.error || errorText(agentReport.error) !== errorText(queueReport.error));
  const surveyErrorShown =
    surveyReport.error &&
    [queueReport.error, agentReport.error].every((e) => !e || errorText(e) !== errorText(surveyReport.error));
  const pauseErrorShown =
    pauseReport.error &&
    [queueReport.error, agentReport.error].every((e) => !e || errorText(e) !== errorText(pauseReport.error));
  const pr = pauseReport.data;
  const presenceErrorShown =
    presenceReport.error &&
    [queueReport.error, agentReport.error].every((e) => !e || errorText(e) !== errorText(presenceReport.error));
  const presence = presenceReport.data;
  const adherenceErrorShown =
    adherenceReport.error &&
    [queueReport.error, agentReport.error].every((e) => !e || errorText(e) !== errorText(adherenceReport.error));
  // More than one day (a reversed range says why it is refused elsewhere): a hint instead of the timeline.
  const severalDays = !!applied?.from && !!applied.to && applied.from < applied.to;
  const sr = surveyReport.data?.report;
  const surveyQueueId = surveyReport.data?.queueId;
  const surveyQueue =
    surveyQueueId === undefined
      ? allQueues
      : (queues.data?.items.find((q) => q.id === surveyQueueId)?.displayName ?? `queue #${surveyQueueId}`);

  return (
    <div class="reports">
      <PageHeader title="Reports" />
      <form class="filters" onSubmit={apply} data-testid="report-form">
        <Field label="From">
          <input type="date" name="from" value={draft.from} onInput={(e) => setFrom(inputValue(e))} />
        </Field>
        <Field label="To" hint={draft.by === 'interval' ? 'one day: same as From' : undefined}>
          <input
            type="date"
            name="to"
            value={draft.by === 'interval' ? draft.from : draft.to}
            disabled={draft.by === 'interval'}
            onInput={(e) => setDraft({ ...draft, to: inputValue(e) })}
          />
        </Field>
        <Field label="By">
          <select name="by" value={draft.by} onChange={(e) => setBy(inputValue(e) as ReportBy)}>
            {(Object.keys(BY_LABELS) as ReportBy[]).map((b) => (
              <option key={b} value={b}>
                {BY_LABELS[b]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Queue">
          <select name="queueId" value={draft.queueId} onChange={(e) => setDraft({ ...draft, queueId: inputValue(e) })}>
            <option value="">{allQueues}</option>
            <QueueOptions queues={queueOptions} />
          </select>
        </Field>
        <button type="submit" class="primary" disabled={!applied}>
          Apply
        </button>
      </form>
      <ErrorBox error={queueReport.error} />
      {agentErrorShown ? <ErrorBox error={agentReport.error} /> : null}
      {pauseErrorShown ? <ErrorBox error={pauseReport.error} /> : null}
      {presenceErrorShown ? <ErrorBox error={presenceReport.error} /> : null}
      {adherenceErrorShown ? <ErrorBox error={adherenceReport.error} /> : null}
      {surveyErrorShown ? <ErrorBox error={surveyReport.error} /> : null}
      <Loading when={!applied || (queueReport.loading && !qr)} />

      {qr && !queueReport.error ? (
        <section class="card" data-testid="queue-section">
          <div class="section-head">
            <h2>Queues</h2>
            <span class="muted" data-testid="queue-range">
              {qr.from === qr.to ? qr.from : `${qr.from} – ${qr.to}`} · {BY_HEADINGS[qr.by]} · {shownQueue} · days in{' '}
              {qr.timeZone}
            </span>
            <a
              class="button"
              href={api.reports.queuesCsvUrl({ from: qr.from, to: qr.to, by: qr.by, queueId: shownQueueId })}
              download
              data-testid="queues-csv"
            >
              Download CSV
            </a>
          </div>
          {qr.by !== 'total' && qr.rows.length > 0 ? <OfferedChart report={qr} /> : null}
          <QueueTable report={qr} />
        </section>
      ) : null}

      {ar && !agentReport.error ? (
        <section class="card" data-testid="agent-section">
          <div class="section-head">
            <h2>Agents</h2>
            <span class="muted" data-testid="agent-range">
              calls answered in all queues and time logged in, {ar.from === ar.to ? ar.from : `${ar.from} – ${ar.to}`}
            </span>
            <a
              class="button"
              href={api.reports.agentsCsvUrl({ from: ar.from, to: ar.to })}
              download
              data-testid="agents-csv"
            >
              Download CSV
            </a>
          </div>
          <AgentTable report={ar} />
        </section>
      ) : null}

      {pr && !pauseReport.error ? (
        <section class="card" data-testid="pause-section">
          <div class="section-head">
            <h2>Pause reasons</h2>
            <span class="muted" data-testid="pause-range">
              paused time by agent and reason, {pr.from === pr.to ? pr.from : `${pr.from} – ${pr.to}`}
            </span>
            <a
              class="button"
              href={api.reports.pausesCsvUrl({ from: pr.from, to: pr.to })}
              download
              data-testid="pauses-csv"
            >
              Download CSV
            </a>
          </div>
          <PauseTable report={pr} />
        </section>
      ) : null}

      {presence && !presenceReport.error && !severalDays ? (
        <PresenceSection report={presence} />
      ) : severalDays ? (
        <p class="muted presence-hint" data-testid="presence-hint">
          Choose a single day to see when each agent was logged in and paused.
        </p>
      ) : null}

      {adherenceReport.data && !adherenceReport.error && !adherenceTooLong ? (
        <AdherenceSummarySection report={adherenceReport.data} />
      ) : adherenceTooLong ? (
        <p class="muted presence-hint" data-testid="adherence-summary-hint">
          Choose at most {ADHERENCE_MAX_DAYS} days to see each agent's adherence to their shifts.
        </p>
      ) : null}

      {sr && !surveyReport.error ? (
        <section class="card" data-testid="survey-section">
          <div class="section-head">
            <h2>Satisfaction</h2>
            <span class="muted" data-testid="survey-range">
              survey responses (score 1–5), {sr.from === sr.to ? sr.from : `${sr.from} – ${sr.to}`} · {surveyQueue}
            </span>
          </div>
          <SurveyTable report={sr} queues={queues.data?.items ?? []} />
        </section>
      ) : null}

      {campaignReport.data && !campaignReport.error ? (
        <CampaignReportSection report={campaignReport.data.report} query={campaignReport.data.query} />
      ) : null}

      {queueOptions.length > 0 ? <StaffingSection queues={queueOptions} defaultDay={applied?.to ?? ''} /> : null}

      {user.role === 'admin' ? (
        <RebuildDay
          defaultDay={applied?.to ?? ''}
          onRebuilt={() => {
            queueReport.reload();
            agentReport.reload();
            pauseReport.reload();
            presenceReport.reload();
          }}
        />
      ) : null}
    </div>
  );
}

function queryOf(a: Applied): QueueReportQuery {
  return { from: a.from, to: a.to, by: a.by, queueId: a.queueId };
}

function periodLabel(report: QueueReport, period: string | null): string {
  if (period !== null) return period;
  return report.from === report.to ? report.from : `${report.from} – ${report.to}`;
}

function QueueTable({ report }: { report: QueueReport }) {
  const t = report.totals;
  if (report.rows.length === 0)
    return (
      <p class="muted empty" data-testid="queue-empty">
        No queued calls in this period.
      </p>
    );
  return (
    <table class="list report" data-testid="queue-report">
      <thead>
        <tr>
          <th>{report.by === 'interval' ? 'Interval' : report.by === 'day' ? 'Day' : 'Period'}</th>
          <th>Queue</th>
          <th class="num">Offered</th>
          <th class="num">Answered</th>
          <th class="num">Abandoned</th>
          <th class="num">Service level</th>
          <th class="num">Abandoned %</th>
          <th class="num">Avg wait</th>
          <th class="num">Max wait</th>
          <th class="num">Avg talk</th>
        </tr>
      </thead>
      <tbody>
        {report.rows.map((r) => (
          <tr key={`${r.start ?? ''}-${r.queueId}`} data-queue={r.queue}>
            <td class="period">{periodLabel(report, r.period)}</td>
            <td>{r.displayName}</td>
            <td class="num">{r.offered}</td>
            <td class="num">{r.answered}</td>
            <td class="num">{r.abandoned}</td>
            <td class={slClass(r.serviceLevelPct)}>{fmtPct(r.serviceLevelPct)}</td>
            <td class="num">{fmtPct(r.abandonedPct)}</td>
            <td class="num">{fmtDuration(r.avgWaitS)}</td>
            <td class="num">{fmtDuration(r.maxWaitS)}</td>
            <td class="num">{fmtDuration(r.avgTalkS)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr data-testid="queue-totals">
          <th colSpan={2}>Total</th>
          <th class="num">{t.offered}</th>
          <th class="num">{t.answered}</th>
          <th class="num">{t.abandoned}</th>
          <th class={slClass(t.serviceLevelPct)}>{fmtPct(t.serviceLevelPct)}</th>
          <th class="num">{fmtPct(t.abandonedPct)}</th>
          <th class="num">{fmtDuration(t.avgWaitS)}</th>
          <th class="num">{fmtDuration(t.maxWaitS)}</th>
          <th class="num">{fmtDuration(t.avgTalkS)}</th>
        </tr>
      </tfoot>
    </table>
  );
}

function slClass(v: number | null): string {
  return v !== null && v < SL_TARGET ? 'num warn' : 'num';
}

function AgentTable({ report }: { report: AgentReport }) {
  const t = report.totals;
  if (report.rows.length === 0)
    return (
      <p class="muted empty" data-testid="agent-empty">
        No agent answered or missed a call in this period.
      </p>
    );
  return (
    <table class="list report" data-testid="agent-report">
      <thead>
        <tr>
          <th>Agent</th>
          <th class="num">Calls</th>
          <th class="num">Missed</th>
          <th class="num">Talk</th>
          <th class="num">Wrap-up</th>
          <th class="num">Avg handle time</th>
          <th class="num">Logged in</th>
          <th class="num">Paused</th>
          <th class="num">Occupancy</th>
        </tr>
      </thead>
      <tbody>
        {report.rows.map((r) => (
          <tr key={r.agentId} data-agent={r.agentId}>
            <td>{r.name}</td>
            <td class="num">{r.calls}</td>
            <td class={r.missed > 0 ? 'num warn' : 'num'}>{r.missed}</td>
            <td class="num">{fmtDuration(r.talkS)}</td>
            <td class="num">{fmtDuration(r.wrapS)}</td>
            <td class="num">{fmtDuration(r.avgHandleS)}</td>
            <td class="num">{fmtDuration(r.loggedInS)}</td>
            <td class="num">{fmtDuration(r.pausedS)}</td>
            <td class="num">{fmtPct(r.occupancyPct)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr data-testid="agent-totals">
          <th>Total</th>
          <th class="num">{t.calls}</th>
          <th class="num">{t.missed}</th>
          <th class="num">{fmtDuration(t.talkS)}</th>
          <th class="num">{fmtDuration(t.wrapS)}</th>
          <th class="num">{fmtDuration(t.avgHandleS)}</th>
          <th class="num">{fmtDuration(t.loggedInS)}</th>
          <th class="num">{fmtDuration(t.pausedS)}</th>
          <th class="num">{fmtPct(t.occupancyPct)}</th>
        </tr>
      </tfoot>
    </table>
  );
}

function PauseTable({ report }: { report: PauseReport }) {
  const t = report.totals;
  if (report.rows.length === 0)
    return (
      <p class="muted empty" data-testid="pause-empty">
        No agent paused in this period.
      </p>
    );
  return (
    <table class="list report" data-testid="pause-report">
      <thead>
        <tr>
          <th>Agent</th>
          <th>Reason</th>
          <th class="num">Pauses</th>
          <th class="num">Paused time</th>
        </tr>
      </thead>
      <tbody>
        {report.rows.map((r) => (
          <tr key={`${r.agentId}-${r.reason}`} data-agent={r.agentId}>
            <td>{r.name}</td>
            <td>{r.reason}</td>
            <td class="num">{r.pauses}</td>
            <td class="num">{fmtDuration(r.pausedS)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr data-testid="pause-totals">
          <th colSpan={2}>Total</th>
          <th class="num">{t.pauses}</th>
          <th class="num">{fmtDuration(t.pausedS)}</th>
        </tr>
      </tfoot>
    </table>
  );
}

const SCORES = [1, 2, 3, 4, 5] as const;

function average(v: number | null): string {
  return v === null ? '—' : v.toFixed(2);
}

/** Responses per score as a bar of five segments, 1 (red) to 5 (green), each as wide as its share. */
function ScoreBar({ row }: { row: SurveySummaryRow }) {
  if (row.responses === 0) return null;
  return (
    <span class="score-bar" title={row.scores.map((n, i) => `${i + 1}: ${n}`).join(' · ')}>
      {row.scores.map((n, i) =>
        n > 0 ? <span key={i} class={`score-${i + 1}`} style={{ width: `${(n / row.responses) * 100}%` }} /> : null,
      )}
    </span>
  );
}

function SurveyTable({ report, queues }: { report: SurveyReport; queues: readonly Queue[] }) {
  const t = report.total;
  if (t.responses === 0)
    return (
      <p class="muted empty" data-testid="survey-empty">
        No survey responses in this period.
      </p>
    );
  const label = (r: SurveySummaryRow) =>
    r.queueId === null
      ? 'no queue'
      : (queues.find((q) => q.id === r.queueId)?.displayName ?? r.queue ?? `queue #${r.queueId}`);
  return (
    <table class="list report" data-testid="survey-report">
      <thead>
        <tr>
          <th>Queue</th>
          <th class="num">Responses</th>
          <th class="num">Average</th>
          {SCORES.map((s) => (
            <th key={s} class="num">
              {s}
            </th>
          ))}
          <th>Distribution</th>
        </tr>
      </thead>
      <tbody>
        {report.rows.map((r) => (
          <tr key={r.queueId ?? 'none'} data-queue={r.queue ?? ''}>
            <td>{label(r)}</td>
            <td class="num">{r.responses}</td>
            <td class={r.average !== null && r.average < 3 ? 'num warn' : 'num'}>{average(r.average)}</td>
            {r.scores.map((n, i) => (
              <td key={i} class="num">
                {n}
              </td>
            ))}
            <td class="distribution">
              <ScoreBar row={r} />
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr data-testid="survey-totals">
          <th>Total</th>
          <th class="num">{t.responses}</th>
          <th class="num">{average(t.average)}</th>
          {t.scores.map((n, i) => (
            <th key={i} class="num">
              {n}
            </th>
          ))}
          <th class="distribution">
            <ScoreBar row={t} />
          </th>
        </tr>
      </tfoot>
    </table>
  );
}

/** Where an instant falls on the day's bar, in percent: by elapsed time, so a 23- or 25-hour day stays true. */
export interface DayScale {
  from: number;
  to: number;
  pos: (t: number) => number;
  /** 'HH:MM' on the report zone's clock; the day's end reads 24:00 rather than the next day's 00:00. */
  clock: (t: number) => string;
  /** The same to the second, 'HH:MM:SS' (24:00:00 at the day's end): calls are often shorter than a minute. */
  clockS: (t: number) => string;
  /** Every third hour of the zone's clock, as it falls that day (a skipped hour has no tick, a repeated one one). */
  ticks: { at: number; label: string }[];
}

/** The hours along the top of a day's timeline (the presence report, the schedule's day). */
export function DayAxis({ scale }: { scale: DayScale }) {
  return (
    <div class="presence-axis" style={{ gridRow: '1' }} aria-hidden="true">
      {scale.ticks.map((t) => (
        <span key={t.at} style={{ left: `${t.at}%` }}>
          {t.label}
        </span>
      ))}
    </div>
  );
}

const TICK_HOURS = 3;
const QUARTER_MS = 15 * 60_000;

/** A day a timeline draws (the presence report, the schedule): its local midnight and the next, ISO, and its zone. */
export interface ScaledDay {
  from: string;
  to: string;
  timeZone: string;
}

export function dayScale(report: ScaledDay): DayScale {
  const from = Date.parse(report.from);
  const to = Date.parse(report.to);
  const length = Math.max(1, to - from);
  const pos = (t: number) => (Math.min(Math.max(t - from, 0), length) / length) * 100;
  const hhmm = new Intl.DateTimeFormat(undefined, {
    timeZone: report.timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const clock = (t: number) => (t >= to ? '24:00' : hhmm.format(t));
  const hhmmss = new Intl.DateTimeFormat(undefined, {
    timeZone: report.timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const clockS = (t: number) => (t >= to ? '24:00:00' : hhmmss.format(t));
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: report.timeZone,
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  });
  const ticks: DayScale['ticks'] = [];
  const seen = new Set<number>();
  // Local midnight plus whole quarter hours meets every local hour, also in zones a half or quarter hour off UTC.
  for (let t = from; t < to; t += QUARTER_MS) {
    const p = parts.formatToParts(t);
    const hour = Number(p.find((x) => x.type === 'hour')?.value);
    const minute = Number(p.find((x) => x.type === 'minute')?.value);
    if (minute !== 0 || hour % TICK_HOURS !== 0 || seen.has(hour)) continue;
    seen.add(hour);
    ticks.push({ at: pos(t), label: clock(t) });
  }
  ticks.push({ at: 100, label: clock(to) });
  return { from, to, pos, clock, clockS, ticks };
}

/** "paused · lunch · 12:02–12:47"; an open span ends "now" today, or goes on past the day's end. */
function spanText(s: PresenceSpan, scale: DayScale): string {
  const end = Date.parse(s.end);
  const until = !s.open ? scale.clock(end) : end < scale.to ? 'now' : `${scale.clock(end)} (continues)`;
  return [s.state, ...(s.reason === null ? [] : [s.reason]), `${scale.clock(Date.parse(s.start))}–${until}`].join(
    ' · ',
  );
}

const CALL_KINDS: Record<TimelineCall['kind'], string> = { talk: 'Talk', wrap: 'After-call work' };

/** "Talk 10:00:05–10:01:05 (1:00)"; one still going on ends "now" today, or goes on past the day's end. */
function callText(c: TimelineCall, scale: DayScale): string {
  const start = Date.parse(c.start);
  const end = Date.parse(c.end);
  const until = c.open && end < scale.to ? 'now' : scale.clockS(end);
  const more = c.open && end >= scale.to ? ', continues' : '';
  return `${CALL_KINDS[c.kind]} ${scale.clockS(start)}–${until} (${fmtDuration((end - start) / 1000)}${more})`;
}

/** "no calls", "1 call", "12 calls": each call once, though its talk and after-call work are two segments. */
function callCount(calls: readonly TimelineCall[]): string {
  const n = new Set(calls.map((c) => c.callId)).size;
  return n === 0 ? 'no calls' : n === 1 ? '1 call' : `${n} calls`;
}

function presenceSummary(a: AgentPresence): string {
  return `${fmtDuration(a.loggedInS)} logged in · ${fmtDuration(a.pausedS)} paused`;
}

function PresenceSection({ report }: { report: PresenceReport }) {
  const scale = useMemo(() => dayScale(report), [report]);
  const now = Date.parse(report.asOf);
  const today = now >= scale.from && now < scale.to;
  const rows = report.agents.length;
  return (
    <section class="card" data-testid="presence-section">
      <div class="section-head">
        <h2>Presence</h2>
        <span class="muted" data-testid="presence-range">
          when each agent was logged in, {report.day} · {report.timeZone} time
          {today ? ` · as of ${scale.clock(now)}` : ''}
        </span>
      </div>
      {rows === 0 ? (
        <p class="muted empty" data-testid="presence-empty">
          No agent was logged in on this day.
        </p>
      ) : (
        <>
          <div class="presence-legend small muted" aria-hidden="true">
            <span>
              <span class="presence-swatch ready" /> ready
            </span>
            <span>
              <span class="presence-swatch paused" /> paused
            </span>
            <span>
              <span class="presence-swatch paused no-answer" /> no answer
            </span>
            <span>
              <span class="presence-swatch" /> logged out
            </span>
            <span>
              <span class="presence-swatch call talk" /> on a call
            </span>
            <span>
              <span class="presence-swatch call wrap" /> after-call work
            </span>
            {today ? (
              <span>
                <span class="presence-swatch now" /> now
              </span>
            ) : null}
          </div>
          <div class="presence" data-testid="presence-report">
            <DayAxis scale={scale} />
            {report.agents.map((a, i) => (
              <PresenceRow key={a.agentId} agent={a} scale={scale} row={i + 2} />
            ))}
            {today ? (
              <div class="presence-now-layer" style={{ gridRow: `2 / span ${rows}` }} aria-hidden="true">
                <span class="presence-now" style={{ left: `${scale.pos(now)}%` }} />
              </div>
            ) : null}
          </div>
        </>
      )}
    </section>
  );
}

function PresenceRow({ agent, scale, row }: { agent: AgentPresence; scale: DayScale; row: number }) {
  const gridRow = String(row);
  const spans = agent.spans.map((s) => spanText(s, scale)).join('; ');
  const label = `${agent.name}: ${spans}. ${presenceSummary(agent)}. ${callCount(agent.calls)}.`;
  return (
    <div class="presence-row" data-agent={agent.agentId}>
      <span class="presence-name" style={{ gridRow }} title={agent.name}>
        {agent.name}
      </span>
      <div class="presence-bar" style={{ gridRow }}>
        <div class="presence-track" role="img" aria-label={label}>
          {scale.ticks.slice(1, -1).map((t) => (
            <span key={t.at} class="presence-tick" style={{ left: `${t.at}%` }} />
          ))}
          {agent.spans.map((s, i) => {
            const left = scale.pos(Date.parse(s.start));
            const kind = s.state === 'paused' && s.reason === 'no answer' ? ' no-answer' : '';
            return (
              <span
                key={i}
                class={`presence-seg ${s.state}${kind}${s.open ? ' open' : ''}`}
                style={{ left: `${left}%`, width: `${scale.pos(Date.parse(s.end)) - left}%` }}
                title={spanText(s, scale)}
              />
            );
          })}
        </div>
        {agent.calls.length > 0 ? (
          // A strip along the bar's lower half, beside the image rather than in it (assistive technology skips an
          // image's children), as its talk segments are links to the calls.
          <div class="presence-calls" data-testid="presence-calls">
            {agent.calls.map((c) => {
              const left = scale.pos(Date.parse(c.start));
              const props = {
                class: `presence-call ${c.kind}${c.open ? ' open' : ''}`,
                style: { left: `${left}%`, width: `${scale.pos(Date.parse(c.end)) - left}%` },
                title: callText(c, scale),
                'data-call': c.callId,
                'data-kind': c.kind,
              };
              return c.kind === 'talk' ? (
                <a key={`${c.callId}-talk`} href={`#/calls/${encodeURIComponent(c.callId)}`} {...props} />
              ) : (
                <span key={`${c.callId}-wrap`} {...props} />
              );
            })}
          </div>
        ) : null}
      </div>
      <span class="presence-sum" style={{ gridRow }} data-testid="presence-summary">
        {presenceSummary(agent)}
      </span>
    </div>
  );
}

interface ChartData {
  /** Full period names (for the legend), short ones (for the axis), and the sums per period. */
  keys: string[];
  labels: string[];
  offered: number[];
  answered: number[];
}

const QUARTERS = Array.from({ length: 96 }, (_, i) => `${pad2(Math.floor(i / 4))}:${pad2((i % 4) * 15)}`);

/**
 * One slot per day of the range (by day) or per quarter hour (by interval), also where nothing happened, so the
 * axis keeps quiet periods in their place instead of closing them up. Queues are summed.
 */
function chartData(report: QueueReport): ChartData {
  const slots = report.by === 'day' ? daysOf(report.from, report.to) : QUARTERS;
  // A period the slots do not know (a daylight-saving day's extra hour) still counts rather than vanishing.
  const periods = report.rows.flatMap((r) => (r.period === null ? [] : [r.period]));
  const keys = [...new Set([...slots, ...periods])].sort();
  const index = new Map(keys.map((k, i) => [k, i]));
  const offered = keys.map(() => 0);
  const answered = keys.map(() => 0);
  for (const r of report.rows) {
    const i = r.period === null ? undefined : index.get(r.period);
    if (i === undefined) continue;
    offered[i] = (offered[i] ?? 0) + r.offered;
    answered[i] = (answered[i] ?? 0) + r.answered;
  }
  // A day without its year keeps the axis short; the legend names the full date.
  const labels = report.by === 'day' ? keys.map((k) => k.slice(5)) : keys;
  return { keys, labels, offered, answered };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

const CHART_HEIGHT = 220;

/** A slot without calls holds null (no bar); its legend value is still a count. */
const count = (_u: uPlot, v: number | null, _series: number, idx: number | null): string =>
  idx === null ? '--' : String(v ?? 0);

function OfferedChart({ report }: { report: QueueReport }) {
  const box = useChart(CHART_HEIGHT, () => {
    const { keys, labels, offered, answered } = chartData(report);
    const n = keys.length;
    const opts: ChartSpec['opts'] = {
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: [-0.5, n - 0.5] },
        y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] },
      },
      series: [
        {
          label: report.by === 'day' ? 'Day' : 'Interval',
          value: (_u, i) => (i === null ? '--' : (keys[i] ?? '')),
        },
        {
          label: 'Offered',
          stroke: '#7aa7ef',
          fill: 'rgba(31, 111, 235, 0.22)',
          width: 1,
          paths: uPlot.paths.bars?.({ size: [0.8, 48] }),
          points: { show: false },
          value: count,
        },
        {
          label: 'Answered',
          stroke: '#2e7d32',
          fill: 'rgba(46, 125, 50, 0.75)',
          width: 1,
          paths: uPlot.paths.bars?.({ size: [0.45, 26] }),
          points: { show: false },
          value: count,
        },
      ],
      axes: [
        {
          // Whole slots only: 4 quarter hours = 1 hour, 7 days = 1 week.
          incrs: report.by === 'day' ? [1, 2, 7, 14, 28, 56, 91, 182] : [1, 2, 4, 8, 12, 16, 24, 48],
          space: report.by === 'day' ? 48 : 44,
          values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
          grid: { show: false },
        },
        {
          incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000],
          values: (_u, splits) => splits.map((v) => String(v)),
          size: 48,
        },
      ],
    };
    // A zero is drawn as no bar at all: a zero-height bar's outline would dash the baseline of a quiet day.
    const bars = (v: number[]) => v.map((n) => (n === 0 ? null : n));
    return { opts, data: [labels.map((_, i) => i), bars(offered), bars(answered)] };
  }, [report]);
  return <div class="report-chart" ref={box} data-testid="report-chart" />;
}

function RebuildDay({ defaultDay, onRebuilt }: { defaultDay: string; onRebuilt: () => void }) {
  const [day, setDay] = useState('');
  const [result, setResult] = useState<RebuildResult | null>(null);
  const action = useAction();
  const value = day || defaultDay;
  const submit = (e: Event) => {
    e.preventDefault();
    setResult(null);
    void action
      .run(() => api.reports.rebuild(value))
      .then((r) => {
        if (!r) return;
        setResult(r);
        onRebuilt();
      });
  };
  return (
    <section class="card" data-testid="rebuild">
      <h2>Rebuild a day</h2>
      <p class="muted small">
        Today's report is rebuilt every 15 minutes and yesterday's after midnight. Rebuild a day by hand after its calls
        were corrected or arrived late.
      </p>
      <form class="filters" onSubmit={submit}>
        <Field label="Day">
          <input type="date" name="day" value={value} onInput={(e) => setDay(inputValue(e))} />
        </Field>
        <button type="submit" disabled={action.busy || !value}>
          {action.busy ? 'Rebuilding…' : 'Rebuild day'}
        </button>
      </form>
      <ErrorBox error={action.error} />
      {result ? (
        <p class="ok" data-testid="rebuild-result">
          Rebuilt {result.day}: {result.calls} calls, {result.intervals} intervals, {result.agents} agents in{' '}
          {result.ms} ms.
        </p>
      ) : null}
    </section>
  );
}
