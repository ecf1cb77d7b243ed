// Small building blocks shared by every page: data loading, errors, labelled fields, badges.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorText } from '../api/client.js';
import type { Queue } from '../api/types.js';
import { stateLabel } from '../format.js';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs an async loader on mount and whenever deps change; a late answer for old deps is dropped. */
export function useLoad<T>(loader: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    setLoading(true);
    loader().then(
      (d) => {
        if (!current) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!current) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
    // The loader closes over deps; re-run only when they (or reload) change.
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** The current time, re-rendering every `ms` (for ticking waits and timers). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** Wraps an action: tracks busy state and the last error, so buttons can disable and forms can show it. */
export function useAction(): {
  busy: boolean;
  error: unknown;
  run: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      if (mounted.current) setError(e);
      return undefined;
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}

/** The foot of every edit form: the server's error (if any), then Save and Cancel. */
export function FormActions({ error, busy, onCancel }: { error: unknown; busy: boolean; onCancel: () => void }) {
  return (
    <>
      <ErrorBox error={error} />
      <div class="row">
        <button class="primary" type="submit" disabled={busy}>
          Save
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      {errorText(error)}
    </div>
  );
}

export function fieldErrorsOf(error: unknown): Record<string, string> {
  return error instanceof ApiError ? error.fieldErrors() : {};
}

/** A required choice of agent (`name=agentId`, the id as the value; empty until one is chosen). */
export function AgentSelect(props: {
  agents: readonly { id: number; name: string }[];
  value: string;
  onChange: (e: Event) => void;
}) {
  return (
    <select name="agentId" value={props.value} onChange={props.onChange} required>
      <option value="">Choose an agent</option>
      {props.agents.map((a) => (
        <option key={a.id} value={String(a.id)}>
          {a.name}
        </option>
      ))}
    </select>
  );
}

export function Field(props: {
  label: string;
  error?: string | undefined;
  children: ComponentChildren;
  hint?: string;
}) {
  return (
    <label class={props.error ? 'field invalid' : 'field'}>
      <span class="label">{props.label}</span>
      {props.children}
      {props.hint && !props.error ? <span class="hint">{props.hint}</span> : null}
      {props.error ? <span class="field-error">{props.error}</span> : null}
    </label>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{stateLabel(state)}</span>;
}

/**
 * A pause reason as it reads beside an agent's state: the pause itself, or the pause an agent goes back to after a
 * call they placed from it. Null when there is none.
 */
export function pauseReasonText(state: string, reason: string | null | undefined): string | null {
  if (!reason) return null;
  return state === 'paused' ? reason : `then ${reason}`;
}

/** A queue picker's options: each queue by the name people see, its id as the value. */
export function QueueOptions({ queues }: { queues: readonly Queue[] }) {
  return (
    <>
      {queues.map((q) => (
        <option key={q.id} value={String(q.id)}>
          {q.displayName}
        </option>
      ))}
    </>
  );
}

export function TierBadge({ tier }: { tier: string | null | undefined }) {
  if (!tier) return null;
  return <span class={`badge tier-${tier}`}>{tier}</span>;
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p class="muted">Loading…</p> : null;
}

/** ‹ Previous · "Page 2 of 5" (and whatever `suffix` adds) · Next ›, for a list read a page at a time. */
export function Pager(props: {
  page: number;
  pages: number;
  onPage: (page: number) => void;
  suffix?: ComponentChildren;
  testid?: string;
  labelTestid?: string;
}) {
  const { page, pages, onPage } = props;
  return (
    <div class="pager" data-testid={props.testid}>
      <button disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ‹ Previous
      </button>
      <span data-testid={props.labelTestid}>
        Page {page} of {pages}
        {props.suffix}
      </span>
      <button disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next ›
      </button>
    </div>
  );
}

export function PageHeader(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="page-header">
      <h1>{props.title}</h1>
      <div class="actions">{props.children}</div>
    </div>
  );
}

/** Parses an input's number; empty → undefined. */
export function num(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export function inputValue(e: Event): string {
  return (e.currentTarget as HTMLInputElement).value;
}
export function checked(e: Event): boolean {
  return (e.currentTarget as HTMLInputElement).checked;
}

/**
 * A request's decision in a table cell (time off, a shift trade): an optional note to whoever it concerns, approve
 * and refuse, and the server's refusal under them. `confirmApprove` returning false stops an approval.
 */
export function DecisionCell<T>(props: {
  noteTo: string;
  approveLabel: string;
  approveTitle?: string;
  approveDisabled?: boolean;
  testIds: { readonly approve: string; readonly refuse: string };
  confirmApprove?: () => boolean;
  decide: (decision: { status: 'approved' | 'rejected'; note?: string }) => Promise<T>;
  onDecided: (status: 'approved' | 'rejected', result: T) => void;
}) {
  const [note, setNote] = useState('');
  const action = useAction();
  const decide = async (status: 'approved' | 'rejected') => {
    if (status === 'approved' && props.confirmApprove && !props.confirmApprove()) return;
    const trimmed = note.trim();
    const result = await action.run(() => props.decide({ status, ...(trimmed ? { note: trimmed } : {}) }));
    if (result) props.onDecided(status, result);
  };
  return (
    <td>
      <div class="decision">
        <input
          name="decisionNote"
          aria-label={`Note to ${props.noteTo}`}
          placeholder="Note (optional)"
          value={note}
          onInput={(e) => setNote(inputValue(e))}
          maxLength={200}
          size={16}
        />
        <button
          type="button"
          class="primary"
          disabled={action.busy || props.approveDisabled}
          title={props.approveTitle}
          onClick={() => void decide('approved')}
          data-testid={props.testIds.approve}
        >
          {props.approveLabel}
        </button>
        <button
          type="button"
          disabled={action.busy}
          onClick={() => void decide('rejected')}
          data-testid={props.testIds.refuse}
        >
          Refuse
        </button>
      </div>
      <ErrorBox error={action.error} />
    </td>
  );
}
