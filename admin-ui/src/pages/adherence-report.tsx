// The Reports page's adherence section: each agent's schedule adherence summed over the page's days (at most 31),
// from GET /api/reports/adherence/summary, read live (today's so far), with a total row and a CSV download.
import { api } from '../api/client.js';
import type { AdherenceSummary, AdherenceSummaryQuery, AdherenceSummaryRow } from '../api/types.js';
import { fmtDuration, fmtPct, LOW_ADHERENCE_PCT } from '../format.js';

/** The most days the report sums at once (the server refuses more). */
export const ADHERENCE_MAX_DAYS = 31;

const low = (v: number | null): boolean => v !== null && v < LOW_ADHERENCE_PCT;

/** A row's figures after the agent's name; the totals' as header cells, as the other report tables have them. */
function Cells(props: {
  row: Omit<AdherenceSummaryRow, 'agentId' | 'name' | 'days'> & { days: number | null };
  total?: boolean;
}) {
  const r = props.row;
  const Cell = props.total ? 'th' : 'td';
  return (
    <>
      <Cell class="num">{r.days ?? ''}</Cell>
      <Cell class="num">{fmtDuration(r.scheduledS)}</Cell>
      <Cell class="num" title={`${fmtDuration(r.inAdherenceS)} as scheduled`}>
        {fmtDuration(r.inAdherenceS)}
      </Cell>
      <Cell class={low(r.adherencePct) ? 'num warn' : 'num'} data-testid="adherence-summary-pct">
        {fmtPct(r.adherencePct)}
      </Cell>
      <Cell
        class="num"
        title={`ready ${fmtDuration(r.phoneReadyS)} of ${fmtDuration(r.phoneScheduledS)} on the phones`}
      >
        {fmtPct(r.phoneReadyPct)}
      </Cell>
      <Cell class="num">{fmtDuration(r.unscheduledS)}</Cell>
      <Cell class="num">{r.exceptions}</Cell>
    </>
  );
}

export function AdherenceSummarySection({ report }: { report: AdherenceSummary }) {
  const query: AdherenceSummaryQuery = { from: report.from, to: report.to };
  return (
    <section class="card" data-testid="adherence-summary-section">
      <div class="section-head">
        <h2>Adherence</h2>
        <span class="muted" data-testid="adherence-summary-range">
          each agent against their shifts, {report.from === report.to ? report.from : `${report.from} – ${report.to}`} ·{' '}
          {report.timeZone} time
        </span>
        <a class="button" href={api.reports.adherenceSummaryCsvUrl(query)} download data-testid="adherence-summary-csv">
          Download CSV
        </a>
      </div>
      {report.rows.length === 0 ? (
        <p class="muted empty" data-testid="adherence-summary-empty">
          No shifts in this period, and nobody logged in.
        </p>
      ) : (
        <table class="list report" data-testid="adherence-summary">
          <thead>
            <tr>
              <th>Agent</th>
              <th class="num" title="Days with a shift begun">
                Days
              </th>
              <th class="num" title="Scheduled time elapsed, activities included">
                Scheduled
              </th>
              <th class="num">In adherence</th>
              <th class="num">Adherence</th>
              <th class="num" title="Of the time scheduled on the phones, the share the agent was ready">
                Phone ready
              </th>
              <th class="num" title="Logged in outside any shift">
                Unscheduled
              </th>
              <th class="num" title="Stretches out of adherence of a minute or more">
                Exceptions
              </th>
            </tr>
          </thead>
          <tbody>
            {report.rows.map((r) => (
              <tr key={r.agentId} data-agent={r.agentId}>
                <td>{r.name}</td>
                <Cells row={r} />
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-testid="adherence-summary-totals">
              <th>Total</th>
              <Cells row={{ ...report.totals, days: null }} total />
            </tr>
          </tfoot>
        </table>
      )}
    </section>
  );
}
