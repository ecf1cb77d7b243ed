// Quality evaluations: supervisors score a call on a scorecard from its page; agents read and acknowledge theirs;
// staff see each agent's figures over a range of days.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Evaluation, EvaluationAnswer, Scorecard, User } from '../api/types.js';
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

const ANSWER_LABEL: Record<EvaluationAnswer, string> = { yes: 'Yes', no: 'No', na: 'N/A' };

/** 'YYYY-MM-DD' plus n calendar days, in UTC so no local zone can move the date. */
function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function Score({ e }: { e: Pick<Evaluation, 'scorePct' | 'failedCritical'> }) {
  if (e.failedCritical) return <span class="score failed">0 % · critical miss</span>;
  return <span class="score">{e.scorePct === null ? 'n/a' : `${e.scorePct} %`}</span>;
}

/** One evaluation read out: each question with its answer, the comments, and the agent's acknowledgement. */
function EvaluationDetail({ e, user, onChanged }: { e: Evaluation; user: User; onChanged: () => void }) {
  const [reply, setReply] = useState('');
  const action = useAction();
  const acknowledge = async (ev: Event) => {
    ev.preventDefault();
    const r = await action.run(() => api.evaluations.acknowledge(e.id, reply.trim() || null));
    if (r) onChanged();
  };
  const remove = async () => {
    if (!confirm('Delete this evaluation?')) return;
    const r = await action.run(async () => {
      await api.evaluations.remove(e.id);
      return true;
    });
    if (r) onChanged();
  };
  const mine = user.agentId !== null && user.agentId === e.agentId;
  const canDelete = user.role === 'admin' || (user.role === 'supervisor' && e.evaluatorId === user.id);
  return (
    <div class="evaluation" data-testid={`evaluation-${e.id}`}>
      <p>
        <strong>{e.scorecardName ?? `Scorecard #${e.scorecardId}`}</strong> · <Score e={e} /> ·{' '}
        <span class="muted">
          by {e.evaluatorName ?? 'a former user'} on {fmtTime(e.createdAt)}
        </span>
      </p>
      <table class="list compact">
        <tbody>
          {e.questions.map((q) => {
            const a = e.answers[q.key];
            return (
              <tr key={q.key} class={a === 'no' && q.critical ? 'failed' : ''}>
                <td>
                  {q.text}
                  {q.critical ? <span class="muted"> (critical)</span> : null}
                </td>
                <td>{a ? ANSWER_LABEL[a] : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {e.comment ? <p data-testid="evaluation-comment">“{e.comment}”</p> : null}
      {e.acknowledgedAt ? (
        <p class="muted" data-testid="evaluation-acknowledged">
          Acknowledged by the agent on {fmtTime(e.acknowledgedAt)}
          {e.agentComment ? `: “${e.agentComment}”` : '.'}
        </p>
      ) : mine ? (
        <form class="row" onSubmit={acknowledge} data-testid="acknowledge-form">
          <input
            name="reply"
            placeholder="Your reply (optional)"
            size={50}
            value={reply}
            onInput={(ev) => setReply(inputValue(ev))}
          />
          <button type="submit" class="primary" disabled={action.busy}>
            Acknowledge
          </button>
        </form>
      ) : (
        <p class="muted">Not acknowledged by the agent yet.</p>
      )}
      {canDelete ? (
        <button class="link" onClick={() => void remove()}>
          Delete evaluation
        </button>
      ) : null}
      <ErrorBox error={action.error} />
    </div>
  );
}

/** The form a supervisor scores a call with: every question yes, no or (where allowed) N/A. */
function EvaluateForm({ callId, cards, onDone }: { callId: string; cards: Scorecard[]; onDone: () => void }) {
  const [cardId, setCardId] = useState<number>(cards[0]!.id);
  const [answers, setAnswers] = useState<Record<string, EvaluationAnswer>>({});
  const [comment, setComment] = useState('');
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  const card = cards.find((c) => c.id === cardId) ?? cards[0]!;
  const save = async (e: Event) => {
    e.preventDefault();
    const r = await action.run(() =>
      api.evaluations.create({ callId, scorecardId: card.id, answers, comment: comment.trim() || null }),
    );
    if (r) onDone();
  };
  return (
    <form onSubmit={save} data-testid="evaluate-form">
      <Field label="Scorecard" error={errs.scorecardId}>
        <select
          name="scorecard"
          value={String(card.id)}
          onChange={(e) => {
            setCardId(Number(inputValue(e)));
            setAnswers({});
          }}
        >
          {cards.map((c) => (
            <option key={c.id} value={String(c.id)}>
              {c.name}
            </option>
          ))}
        </select>
      </Field>
      <table class="list compact answers">
        <tbody>
          {card.questions.map((q) => (
            <tr key={q.key} data-question={q.key}>
              <td>
                {q.text}
                {q.critical ? <span class="muted"> (critical)</span> : null}
                {errs[`answers.${q.key}`] ? <span class="field-error"> {errs[`answers.${q.key}`]}</span> : null}
              </td>
              <td>
                {(['yes', 'no', ...(q.allowNa ? (['na'] as const) : [])] as EvaluationAnswer[]).map((a) => (
                  <label key={a}>
                    <input
                      type="radio"
                      name={`answer-${q.key}`}
                      value={a}
                      checked={answers[q.key] === a}
                      onChange={() => setAnswers({ ...answers, [q.key]: a })}
                    />{' '}
                    {ANSWER_LABEL[a]}
                  </label>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Field label="Comment for the agent">
        <textarea name="comment" rows={2} value={comment} onInput={(e) => setComment(inputValue(e))} />
      </Field>
      <ErrorBox error={action.error} />
      <button type="submit" class="primary" disabled={action.busy}>
        Save evaluation
      </button>
    </form>
  );
}

/** The call page's Quality card: its evaluations and, for staff on an ended call with an agent, the form. */
export function CallQuality({ callId, user, evaluable }: { callId: string; user: User; evaluable: boolean }) {
  const staff = user.role !== 'agent';
  const list = useLoad(() => api.evaluations.list({ callId }), [callId]);
  const cards = useLoad(() => (staff ? api.scorecards.list(true) : Promise.resolve({ items: [] })), [staff]);
  const [open, setOpen] = useState(false);
  const done = list.data?.items ?? [];
  const offered = (cards.data?.items ?? []).filter((c) => !done.some((e) => e.scorecardId === c.id));
  return (
    <section class="card" data-testid="call-quality">
      <h2>Quality</h2>
      <ErrorBox error={list.error ?? cards.error} />
      <Loading when={list.loading && !list.data} />
      {done.map((e) => (
        <EvaluationDetail key={e.id} e={e} user={user} onChanged={list.reload} />
      ))}
      {list.data && done.length === 0 ? <p class="muted">Not evaluated.</p> : null}
      {staff && evaluable && offered.length > 0 ? (
        open ? (
          <EvaluateForm
            callId={callId}
            cards={offered}
            onDone={() => {
              setOpen(false);
              list.reload();
            }}
          />
        ) : (
          <button class="primary" onClick={() => setOpen(true)}>
            Evaluate this call
          </button>
        )
      ) : null}
    </section>
  );
}

function QualityByAgent() {
  const [range, setRange] = useState<{ from: string; to: string } | null>(null);
  // "Today" is the contact center's, which the browser may not share: the report asked without days says it.
  // "Today" is the contact center's, which the browser may not share: the report asked without days says it.
  useEffect(() => {
    let current = true;
    api.evaluations.report().then(
      (r) => current && setRange({ from: addDays(r.to, -29), to: r.to }),
      () => {
        const today = new Date().toISOString().slice(0, 10);
        if (current) setRange({ from: addDays(today, -29), to: today });
      },
    );
    return () => {
      current = false;
    };
  }, []);
  const report = useLoad(
    () => (range ? api.evaluations.report(range) : Promise.resolve(null)),
    [range?.from, range?.to],
  );
  return (
    <section class="card" data-testid="quality-by-agent">
      <div class="row card-head">
        <h2>By agent</h2>
        {range ? (
          <div class="row">
            <input
              type="date"
              name="from"
              value={range.from}
              onChange={(e) => setRange({ ...range, from: inputValue(e) })}
            />
            <span>to</span>
            <input type="date" name="to" value={range.to} onChange={(e) => setRange({ ...range, to: inputValue(e) })} />
            <a class="button" href={`/api/reports/quality?from=${range.from}&to=${range.to}&format=csv`}>
              CSV
            </a>
          </div>
        ) : null}
      </div>
      <ErrorBox error={report.error} />
      <table class="list">
        <thead>
          <tr>
            <th>Agent</th>
            <th>Evaluations</th>
            <th>Average</th>
            <th>Lowest</th>
            <th>Critical misses</th>
            <th>Not acknowledged</th>
          </tr>
        </thead>
        <tbody>
          {report.data?.rows.map((r) => (
            <tr key={r.agentId}>
              <td>{r.agentName ?? `#${r.agentId}`}</td>
              <td>{r.evaluations}</td>
              <td>{r.averageScorePct === null ? '—' : `${r.averageScorePct} %`}</td>
              <td>{r.lowestScorePct === null ? '—' : `${r.lowestScorePct} %`}</td>
              <td>{r.criticalFails}</td>
              <td>{r.unacknowledged}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.data && report.data.rows.length === 0 ? <p class="muted">No evaluations in these days.</p> : null}
    </section>
  );
}

export function EvaluationsPage({ user, selected }: { user: User; selected: number | null }) {
  const [page, setPage] = useState(1);
  const [pending, setPending] = useState(false);
  const list = useLoad(() => api.evaluations.list({ page, unacknowledged: pending || undefined }), [page, pending]);
  const one = useLoad(() => (selected === null ? Promise.resolve(null) : api.evaluations.get(selected)), [selected]);
  const staff = user.role !== 'agent';
  return (
    <div>
      <PageHeader title={staff ? 'Evaluations' : 'My evaluations'}>
        {staff ? (
          <a class="button" href="#/admin/scorecards">
            Scorecards
          </a>
        ) : null}
      </PageHeader>
      {staff ? <QualityByAgent /> : null}
      {one.data ? (
        <section class="card" data-testid="evaluation-open">
          <div class="row card-head">
            <h2>
              Call <a href={`#/calls/${one.data.callId}`}>{one.data.callId.slice(0, 8)}</a> ·{' '}
              {one.data.agentName ?? `agent #${one.data.agentId}`}
            </h2>
            <a class="button" href="#/evaluations">
              Close
            </a>
          </div>
          <EvaluationDetail
            e={one.data}
            user={user}
            onChanged={() => {
              one.reload();
              list.reload();
            }}
          />
        </section>
      ) : null}
      <ErrorBox error={list.error ?? one.error} />
      <label class="check">
        <input
          type="checkbox"
          checked={pending}
          onChange={(e) => (setPending((e.target as HTMLInputElement).checked), setPage(1))}
        />{' '}
        Not acknowledged only
      </label>
      <table class="list" data-testid="evaluations">
        <thead>
          <tr>
            <th>Evaluated</th>
            <th>Call</th>
            <th>Agent</th>
            <th>Scorecard</th>
            <th>Score</th>
            <th>By</th>
            <th>Acknowledged</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((e) => (
            <tr key={e.id} class={selected === e.id ? 'selected' : ''}>
              <td>
                <a href={`#/evaluations/${e.id}`}>{fmtTime(e.createdAt)}</a>
              </td>
              <td>{fmtTime(e.callAt)}</td>
              <td>{e.agentName ?? `#${e.agentId}`}</td>
              <td>{e.scorecardName}</td>
              <td>
                <Score e={e} />
              </td>
              <td>{e.evaluatorName ?? '—'}</td>
              <td>{e.acknowledgedAt ? fmtTime(e.acknowledgedAt) : 'not yet'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && list.data.items.length === 0 ? <p class="muted">No evaluations.</p> : null}
      {list.data ? (
        <Pager page={page} pages={Math.max(1, Math.ceil(list.data.total / list.data.pageSize))} onPage={setPage} />
      ) : null}
    </div>
  );
}
