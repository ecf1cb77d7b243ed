// The Reports page's campaign section: what became of the calls each campaign placed over the page's days and queue
// (answered, answering machines, busy, no answer, never dialled), from the calls themselves.
import { api } from '../api/client.js';
import type { CampaignReport, CampaignReportRow, SurveyReportQuery } from '../api/types.js';
import { fmtDuration } from '../format.js';

/** The figures' headings, in the order of Cells, with what a heading alone would not say. */
const HEADINGS: readonly [string, string?][] = [
  ['Calls'],
  ['Answered'],
  ['Answer rate', 'of the calls that dialled the customer'],
  ['Machine', 'answering machines hung up on'],
  ['Message left', "answering machines left the campaign's message"],
  ['Busy'],
  ['No answer'],
  ['Not placed', "the agent's phone was not picked up: the customer was never dialled"],
  ['Other', 'the trunk could not carry it, cancelled, failed'],
  ['Avg talk'],
];

function pct(v: number | null): string {
  return v === null ? '—' : `${v}%`;
}

/** A row's figures; the totals' as header cells, as the other report tables have them. */
function Cells({ row, total = false }: { row: CampaignReportRow; total?: boolean }) {
  const Cell = total ? 'th' : 'td';
  const figures = [
    row.calls,
    row.answered,
    pct(row.answeredPct),
    row.machine,
    row.machineMessage,
    row.busy,
    row.noAnswer,
    row.notPlaced,
    row.other,
    row.avgTalkS === null ? '—' : fmtDuration(row.avgTalkS),
  ];
  return (
    <>
      {figures.map((v, i) => (
        <Cell key={i} class="num">
          {v}
        </Cell>
      ))}
    </>
  );
}

export function CampaignReportSection({ report, query }: { report: CampaignReport; query: SurveyReportQuery }) {
  return (
    <section class="card" data-testid="campaign-report-section">
      <div class="section-head">
        <h2>Campaigns</h2>
        <span class="muted">
          the calls campaigns placed, {report.from === report.to ? report.from : `${report.from} – ${report.to}`}, by
          what became of them
        </span>
        {report.rows.length > 0 ? (
          <a class="button" href={api.reports.campaignsCsvUrl(query)} download data-testid="campaign-report-csv">
            Download CSV
          </a>
        ) : null}
      </div>
      {report.rows.length === 0 ? (
        <p class="muted empty" data-testid="campaign-report-empty">
          No campaign calls in this period.
        </p>
      ) : (
        <table class="list report" data-testid="campaign-report">
          <thead>
            <tr>
              <th>Campaign</th>
              {HEADINGS.map(([label, title]) => (
                <th key={label} class="num" title={title}>
                  {label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {report.rows.map((r) => (
              <tr key={r.campaignId} data-campaign={r.campaign ?? ''}>
                <td>{r.campaign ?? <span class="muted">campaign #{r.campaignId} (deleted)</span>}</td>
                <Cells row={r} />
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-testid="campaign-report-totals">
              <th>Total</th>
              <Cells row={report.total} total />
            </tr>
          </tfoot>
        </table>
      )}
    </section>
  );
}
