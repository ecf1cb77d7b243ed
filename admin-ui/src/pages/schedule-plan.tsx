// The Schedule page's Plan from forecast: for one queue and day (today or later), shifts for the queue's agents
// free that day where the forecast's agents needed are still short of those scheduled (POST /api/shifts/plan).
// Preview shows the shifts proposed and the day's cover before and with them; Apply makes the same plan, as drafts
// unless unticked (a day ahead being planned is seen by supervisors only until published: schedule-drafts.tsx).
import { useState } from 'preact/hooks';
import uPlot from 'uplot';
import { useChart, type ChartSpec } from '../components/chart.js';
import { api } from '../api/client.js';
import type { ShiftPlan, ShiftPlanCoverage, ShiftPlanInput, User } from '../api/types.js';
import { ErrorBox, Field, fieldErrorsOf, inputValue, num, QueueOptions, useAction, useLoad } from '../components/ui.js';
import { PreferenceMark } from './availability.js';
import { AsDraftsCheck } from './schedule-drafts.js';

interface Draft {
  queueId: string;
  day: string;
  shiftHours: string;
  serviceLevelPct: string;
  targetSeconds: string;
}

/** Cover this close to the need is enough: the server's own tolerance (scheduled figures are averages). */
const SHORT_BY = 0.05;
const isShort = (c: ShiftPlanCoverage): boolean => c.needed - c.after > SHORT_BY;
/** The fields the form shows the server's reasons under (the rest go in the box under it). */
const FORM_FIELDS = new Set(['queueId', 'day', 'shiftHours', 'serviceLevelPct', 'targetSeconds']);

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** 2.25 → "2.3": scheduled figures are averages over the interval. */
function fig(n: number): string {
  return String(Math.round(n * 10) / 10);
}

export function PlanPanel(props: {
  user: User;
  day: string;
  onCancel: () => void;
  /** The plan made (`created` set), and the queue's name for the notice. */
  onApplied: (plan: ShiftPlan, queue: string) => void;
}) {
  const queues = useLoad(() => api.queues.list(), []);
  // A supervisor plans their own queues only (the server answers 404 for the others).
  const mine = props.user.role === 'supervisor' ? new Set(props.user.queueIds ?? []) : null;
  const options = (queues.data?.items ?? []).filter((q) => !mine || mine.has(q.id));
  const [d, setD] = useState<Draft>({
    queueId: '',
    day: props.day,
    shiftHours: '8',
    serviceLevelPct: '80',
    targetSeconds: '20',
  });
  /** The preview with the body it answers: Apply sends that body again, so a changed form needs a new preview. */
  const [shown, setShown] = useState<{ plan: ShiftPlan; input: ShiftPlanInput } | null>(null);
  /** Apply makes drafts: planning a day ahead is where a rota is still being worked on. */
  const [asDrafts, setAsDrafts] = useState(true);
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  const boxed = Object.keys(errs).some((k) => FORM_FIELDS.has(k)) ? null : action.error;
  const queueId = num(d.queueId) ?? options[0]?.id;
  const queueName = (id: number) => options.find((q) => q.id === id)?.displayName ?? `queue #${id}`;
  const set = (k: keyof Draft) => (e: Event) => {
    setD({ ...d, [k]: inputValue(e) });
    setShown(null);
  };

  const preview = async (e: Event) => {
    e.preventDefault();
    if (queueId === undefined) return;
    const input: ShiftPlanInput = {
      day: d.day,
      queueId,
      shiftHours: num(d.shiftHours),
      serviceLevelPct: num(d.serviceLevelPct),
      targetSeconds: num(d.targetSeconds),
    };
    setShown(null);
    const plan = await action.run(() => api.shifts.plan(input));
    if (plan) setShown({ plan, input });
  };
  const apply = async () => {
    if (!shown) return;
    const plan = await action.run(() => api.shifts.plan({ ...shown.input, apply: true, draft: asDrafts }));
    if (plan) props.onApplied(plan, queueName(plan.queueId));
  };

  return (
    <form class="card editor plan-form" onSubmit={preview} data-testid="plan-form">
      <h2>Plan from forecast</h2>
      <p class="muted small plan-intro">
        Shifts for the queue's agents who are free that day, where the calls forecast need more agents than are
        scheduled; each with its breaks and lunch. Look the plan over, then apply it.
      </p>
      <div class="add-inline">
        <Field label="Queue" error={errs.queueId}>
          <select name="queueId" value={queueId === undefined ? '' : String(queueId)} onChange={set('queueId')}>
            <QueueOptions queues={options} />
          </select>
        </Field>
        <Field label="Day" error={errs.day} hint="today or later">
          <input type="date" name="day" value={d.day} onInput={set('day')} required />
        </Field>
        <Field label="Shift length (h)" error={errs.shiftHours} hint="4–12">
          <input
            type="number"
            name="shiftHours"
            min={4}
            max={12}
            step={0.25}
            value={d.shiftHours}
            onInput={set('shiftHours')}
          />
        </Field>
        <Field label="Service level %" error={errs.serviceLevelPct}>
          <input
            type="number"
            name="serviceLevelPct"
            min={1}
            max={99}
            value={d.serviceLevelPct}
            onInput={set('serviceLevelPct')}
          />
        </Field>
        <Field label="Answered within (s)" error={errs.targetSeconds}>
          <input type="number" name="targetSeconds" min={1} value={d.targetSeconds} onInput={set('targetSeconds')} />
        </Field>
      </div>
      <ErrorBox error={queues.error} />
      {queues.data && options.length === 0 ? <p class="muted">No queue of yours to plan.</p> : null}
      {shown ? <PlanPreview plan={shown.plan} queue={queueName(shown.plan.queueId)} /> : null}
      <ErrorBox error={boxed} />
      <div class="row">
        <button type="submit" class={shown ? undefined : 'primary'} disabled={action.busy || queueId === undefined}>
          Preview
        </button>
        {shown ? (
          <button
            type="button"
            class="primary"
            disabled={action.busy || shown.plan.shifts.length === 0}
            onClick={() => void apply()}
            data-testid="plan-apply"
          >
            Apply: make {plural(shown.plan.shifts.length, 'shift')}
          </button>
        ) : null}
        {shown ? <AsDraftsCheck value={asDrafts} onChange={setAsDrafts} testId="plan-draft" /> : null}
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function PlanPreview({ plan, queue }: { plan: ShiftPlan; queue: string }) {
  const needing = plan.coverage.filter((c) => c.needed > 0);
  const short = plan.shortIntervals;
  return (
    <div class="plan-preview" data-testid="plan-preview">
      <p data-testid="plan-summary">
        {queue} · {plan.basis === 'forecast' ? 'forecast' : 'its own calls'} ·{' '}
        <strong>{plural(plan.shifts.length, 'shift')}</strong> of {plan.shiftHours} h proposed ·{' '}
        {needing.length === 0 ? (
          <span class="muted">no calls forecast</span>
        ) : short > 0 ? (
          <strong class="warn" data-testid="plan-short" title="No agents of the queue left to plan">
            {plural(short, 'interval')} still short
          </strong>
        ) : (
          <span data-testid="plan-short">every interval covered</span>
        )}
      </p>
      {plan.shifts.length === 0 ? (
        <p class="muted" data-testid="plan-none">
          {needing.length === 0
            ? 'Nothing to plan.'
            : short > 0
              ? "None of the queue's agents is free that day to cover what is still short."
              : 'The shifts already there cover the forecast.'}
        </p>
      ) : (
        <table class="list report plan-shifts" data-testid="plan-shifts">
          <thead>
            <tr>
              <th>Agent</th>
              <th>Hours</th>
              <th>Off the phones</th>
            </tr>
          </thead>
          <tbody>
            {plan.shifts.map((s) => (
              <tr key={s.agentId} data-agent={s.agentId}>
                <td>{s.agentName}</td>
                <td class="period">
                  {s.startTime}–{s.endTime} <PreferenceMark preference={s.preference} met={s.preferenceMet} />
                </td>
                <td class="small">
                  {s.activities.map((a) => `${a.kind} ${a.startTime}–${a.endTime}`).join(' · ') || '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {needing.length > 0 ? (
        <>
          <CoverageChart coverage={plan.coverage} />
          <details class="plan-intervals" data-testid="plan-intervals">
            <summary class="small">The {plural(needing.length, 'interval')} needing agents</summary>
            <table class="list report">
              <thead>
                <tr>
                  <th>Interval</th>
                  <th class="num">Needed</th>
                  <th class="num">Scheduled before</th>
                  <th class="num">With the plan</th>
                </tr>
              </thead>
              <tbody>
                {needing.map((c) => {
                  const under = isShort(c);
                  return (
                    <tr key={c.period} data-period={c.period} class={under ? 'short' : undefined}>
                      <td class="period">{c.period}</td>
                      <td class="num">{c.needed}</td>
                      <td class="num">{fig(c.before)}</td>
                      <td class={under ? 'num warn' : 'num'} title={under ? 'still short' : undefined}>
                        {fig(c.after)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </details>
        </>
      ) : null}
    </div>
  );
}

const CHART_HEIGHT = 170;
/** The intervals from an hour before anything is needed or scheduled to an hour after, on whole hours. */
function span(coverage: readonly ShiftPlanCoverage[]): [number, number] {
  const busy = coverage.flatMap((c, i) => (c.needed > 0 || c.before > 0 || c.after > 0 ? [i] : []));
  if (busy.length === 0) return [0, coverage.length];
  const from = Math.max(0, Math.floor(busy[0]! / 4) * 4 - 4);
  const to = Math.min(coverage.length, Math.ceil((busy[busy.length - 1]! + 1) / 4) * 4 + 4);
  return [from, to];
}

/**
 * The day's cover, a bar per interval: the agents with the plan in blue, those scheduled before it darker inside,
 * the agents needed outlined, and where the plan still falls short the missing part in red.
 */
function CoverageChart({ coverage }: { coverage: readonly ShiftPlanCoverage[] }) {
  const box = useChart(CHART_HEIGHT, () => {
    const [from, to] = span(coverage);
    const shown = coverage.slice(from, to);
    const n = shown.length;
    const labels = shown.map((c) => c.period);
    // No bar for nothing: a zero-height bar's outline would dash the baseline.
    const per = (f: (c: ShiftPlanCoverage) => number) => shown.map((c) => (f(c) > 0 ? f(c) : null));
    const value = (_u: uPlot, v: number | null) => (v === null ? '0' : fig(v));
    const bar = (size: number, max: number): Partial<uPlot.Series> => ({
      paths: uPlot.paths.bars?.({ size: [size, max] }),
      points: { show: false },
      value,
    });
    const opts: ChartSpec['opts'] = {
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: [-0.5, n - 0.5] },
        y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] },
      },
      series: [
        { label: 'Interval', value: (_u, i) => (i === null ? '--' : (labels[i] ?? '')) },
        // Drawn first, as high as the need: the part the blue bar in front leaves uncovered shows red.
        {
          label: 'Still short',
          stroke: '#d64545',
          fill: 'rgba(214, 69, 69, 0.6)',
          width: 0,
          ...bar(0.85, 24),
          // The legend says by how much, not the need the bar is drawn to.
          value: (_u, _v, _s, i) => {
            const c = i === null ? undefined : shown[i];
            return c ? fig(Math.max(0, c.needed - c.after)) : '0';
          },
        },
        { label: 'With the plan', stroke: '#6f9fe8', fill: '#6f9fe8', width: 0, ...bar(0.85, 24) },
        { label: 'Scheduled before', stroke: '#244f9e', fill: '#244f9e', width: 0, ...bar(0.35, 8) },
        { label: 'Needed', stroke: '#1c2430', width: 1.5, ...bar(0.85, 24) },
      ],
      axes: [
        {
          // Whole hours only: 4 quarter hours = 1 hour.
          incrs: [4, 8, 12, 16, 24],
          space: 44,
          values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
          grid: { show: false },
        },
        { incrs: [1, 2, 5, 10, 20, 50, 100], values: (_u, splits) => splits.map(String), size: 36 },
      ],
    };
    const data: uPlot.AlignedData = [
      labels.map((_, i) => i),
      shown.map((c) => (isShort(c) ? c.needed : null)),
      per((c) => c.after),
      per((c) => c.before),
      per((c) => c.needed),
    ];
    return { opts, data };
  }, [coverage]);
  return <div class="report-chart plan-chart" ref={box} data-testid="plan-chart" />;
}

/** After Apply: how many shifts were made, and those refused. */
export function PlanResult(props: { plan: ShiftPlan; queue: string; dayText: string; onDismiss: () => void }) {
  const { plan } = props;
  const made = plan.created?.length ?? 0;
  const drafts = plan.created?.filter((s) => s.publishedAt === null).length ?? 0;
  const name = (agentId: number) => plan.shifts.find((s) => s.agentId === agentId)?.agentName ?? `agent ${agentId}`;
  return (
    <div class="notice" role="status" data-testid="plan-result">
      Made <strong>{plural(made, 'shift')}</strong> for {props.queue} on {props.dayText}
      {plan.skipped.length > 0 ? `; skipped ${plan.skipped.length}:` : '.'}{' '}
      {plan.shortIntervals > 0 ? (
        <span class="muted">{plural(plan.shortIntervals, 'interval')} still short. </span>
      ) : null}
      {drafts > 0 ? (
        <span data-testid="plan-drafts">
          {drafts === 1 ? 'It is a draft: its agent sees it' : 'They are drafts: their agents see them'} once
          published.{' '}
        </span>
      ) : null}
      <button class="link" onClick={props.onDismiss}>
        Dismiss
      </button>
      {plan.skipped.length > 0 ? (
        <ul class="small" data-testid="plan-skipped">
          {plan.skipped.map((s) => (
            <li key={s.agentId}>
              {name(s.agentId)}: {s.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
