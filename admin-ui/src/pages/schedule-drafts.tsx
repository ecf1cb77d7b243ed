// The Schedule page's drafts: a shift made as a draft (by hand, copied or planned) is seen by supervisors only, not by
// its agent, and adherence and the wallboard ignore it until it is published. Both views draw a draft dashed with a
// "Draft" label; over the day or week shown a line counts them, with Publish (their agents see them and are told) and
// Discard drafts (removed, published shifts staying). POST /api/shifts/publish and /api/shifts/discard. The agent's
// workspace says when drafts of theirs were published (SchedulePublishedNotice).
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { DraftRangeResult, SchedulePublishedMessage, Shift } from '../api/types.js';
import { checked, ErrorBox, useAction } from '../components/ui.js';
import { daysPhrase as phrase, daysText } from './time-off.js';

/** Not published yet: only staff see it. */
export const isDraft = (s: Shift): boolean => s.publishedAt === null;

/** A draft's part of a shift's tooltip and label. */
export const DRAFT_TEXT = 'draft, not published';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "on Mon 14 Dec" / "from Mon 14 Dec to Sun 20 Dec", for sentences. */
const daysPhrase = (from: string, to: string): string => phrase({ fromDay: from, toDay: to });

/**
 * The drafts starting on the days shown (`from` to `to`): how many, Publish and Discard drafts (asked first); after
 * either what the server did, and `onChanged` so the page reads the days again. Nothing while there are none.
 */
export function DraftsBar(props: { from: string; to: string; drafts: readonly Shift[]; onChanged: () => void }) {
  const { from, to } = props;
  const action = useAction();
  const [done, setDone] = useState<{ what: 'published' | 'discarded'; result: DraftRangeResult } | null>(null);
  const n = props.drafts.length;
  const agents = new Set(props.drafts.map((s) => s.agentId)).size;
  const run = async (what: 'published' | 'discarded') => {
    setDone(null);
    const range = { from, to };
    const result = await action.run(() =>
      what === 'published' ? api.shifts.publish(range) : api.shifts.discard(range),
    );
    if (!result) return;
    setDone({ what, result });
    props.onChanged();
  };
  const discard = () => {
    const ok = confirm(
      `Discard the ${plural(n, 'draft')} ${daysPhrase(from, to)}? They are removed; published shifts stay as they are.`,
    );
    if (ok) void run('discarded');
  };

  if (n === 0 && !done && !action.error) return null;
  return (
    <div class="drafts" data-testid="drafts">
      {n > 0 ? (
        <div class="drafts-bar" data-testid="drafts-bar">
          <span class="draft-tag" aria-hidden="true">
            Draft
          </span>
          <span data-testid="drafts-count">
            <strong>{n}</strong> {n === 1 ? 'draft' : 'drafts'} {from === to ? 'on this day' : 'on these days'}
          </span>
          <span class="muted small">
            {agents === 1 ? 'for 1 agent' : `for ${agents} agents`}: only supervisors see them until they are published
          </span>
          <span class="drafts-actions">
            <button
              type="button"
              class="primary"
              disabled={action.busy}
              onClick={() => void run('published')}
              data-testid="publish-drafts"
              title={`Publish the drafts ${daysPhrase(from, to)}: their agents see them, and are told`}
            >
              Publish
            </button>
            <button type="button" disabled={action.busy} onClick={discard} data-testid="discard-drafts">
              Discard drafts
            </button>
          </span>
        </div>
      ) : null}
      <ErrorBox error={action.error} />
      {done ? (
        <p class="notice" role="status" data-testid="drafts-result">
          {done.result.count === 0 ? (
            `No drafts left ${daysPhrase(done.result.from, done.result.to)}: published or discarded meanwhile.`
          ) : done.what === 'published' ? (
            <>
              Published <strong>{plural(done.result.count, 'shift')}</strong>{' '}
              {daysPhrase(done.result.from, done.result.to)}: {plural(done.result.agentIds.length, 'agent')} told.
            </>
          ) : (
            <>
              Discarded <strong>{plural(done.result.count, 'draft')}</strong>{' '}
              {daysPhrase(done.result.from, done.result.to)}.
            </>
          )}{' '}
          <button type="button" class="link" onClick={() => setDone(null)}>
            Dismiss
          </button>
        </p>
      ) : null}
    </div>
  );
}

/** The workspace's notice: drafts of the agent's were published (My schedule reads them again meanwhile). */
/** "As drafts": whether the shifts a copy or a plan makes wait for publishing (`testId` names the box). */
export function AsDraftsCheck(props: { value: boolean; onChange: (value: boolean) => void; testId: string }) {
  return (
    <label class="check" title="Their agents see them once they are published">
      <input
        type="checkbox"
        name="draft"
        checked={props.value}
        onChange={(e) => props.onChange(checked(e))}
        data-testid={props.testId}
      />{' '}
      As drafts
    </label>
  );
}

export function SchedulePublishedNotice(props: { message: SchedulePublishedMessage; onDismiss: () => void }) {
  const m = props.message;
  return (
    <p class="notice" role="status" data-testid="schedule-published-notice">
      Your schedule for <strong>{daysText({ fromDay: m.from, toDay: m.to })}</strong> was published: My schedule shows
      it.{' '}
      <button type="button" class="link" onClick={props.onDismiss}>
        Dismiss
      </button>
    </p>
  );
}
