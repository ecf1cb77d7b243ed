import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Knex } from 'knex';
import { countJobsByState } from './outbox.js';
import { JOB_STATES } from './types.js';

export interface JobMetrics {
  finished(type: string, outcome: 'done' | 'retry' | 'dead' | 'released' | 'lost', seconds: number): void;
}

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * Job metrics on the shared registry: outcomes and run time per type, and (read at scrape time) the number of
 * jobs per state, so a growing dead-letter count can raise an alert.
 */
export function createJobMetrics(registry: Registry, db: Knex): JobMetrics {
  const outcomes = reuse(
    registry,
    'ariadne_jobs_finished_total',
    () => new Counter({ name: 'ariadne_jobs_finished_total', help: 'Job attempts by type and outcome', labelNames: ['type', 'outcome'], registers: [registry] }),
  );
  const duration = reuse(
    registry,
    'ariadne_job_duration_seconds',
    () =>
      new Histogram({
        name: 'ariadne_job_duration_seconds',
        help: 'Run time of job attempts',
        labelNames: ['type'],
        buckets: [0.01, 0.05, 0.25, 1, 5, 30, 120, 600],
        registers: [registry],
      }),
  );
  reuse(
    registry,
    'ariadne_jobs',
    () =>
      new Gauge({
        name: 'ariadne_jobs',
        help: 'Jobs in the outbox by state',
        labelNames: ['state'],
        registers: [registry],
        async collect() {
          try {
            const counts = await countJobsByState(db);
            for (const s of JOB_STATES) this.set({ state: s }, counts[s]);
          } catch {
            // The database being away shows on /readyz; a scrape must not fail for it.
          }
        },
      }),
  );
  return {
    finished(type, outcome, seconds) {
      outcomes.inc({ type, outcome });
      duration.observe({ type }, seconds);
    },
  };
}
