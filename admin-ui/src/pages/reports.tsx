import { PageHeader } from '../components/ui.js';

/** Placeholder until the reports module lands its metrics and exports; the wallboard has today's live numbers. */
export function ReportsPage() {
  return (
    <div>
      <PageHeader title="Reports" />
      <section class="card">
        <p>
          Interval and daily reports (service level, handle times, abandonment, agent occupancy) with charts will appear
          here.
        </p>
        <p class="muted">
          Until then, today's live numbers per queue are on the <a href="#/wallboard">wallboard</a>, and every call is
          searchable under <a href="#/calls">Calls</a>.
        </p>
      </section>
    </div>
  );
}
