// Business hours: a time zone, opening spans per weekday, and holidays (closed, or open with special spans).
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { WEEKDAYS, type BusinessHours, type Weekday } from '../api/types.js';
import {
  ErrorBox,
  Field,
  Loading,
  PageHeader,
  fieldErrorsOf,
  inputValue,
  useAction,
  useLoad,
} from '../components/ui.js';

type Span = [string, string];
interface Draft {
  id?: number;
  name: string;
  timezone: string;
  /** Per weekday, "09:00-12:00, 13:00-18:00". */
  weekly: Record<Weekday, string>;
  /** One holiday per line: "2026-10-01 National Day" or "2026-10-08 Make-up day 09:00-18:00". */
  holidays: string;
}

function spansText(spans: Span[] | null | undefined): string {
  return (spans ?? []).map(([a, b]) => `${a}-${b}`).join(', ');
}

function parseSpans(text: string): Span[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [a = '', b = ''] = s.split('-').map((x) => x.trim());
      return [a, b] as Span;
    });
}

function draftOf(h: BusinessHours): Draft {
  const weekly = {} as Record<Weekday, string>;
  for (const d of WEEKDAYS) weekly[d] = spansText(h.weekly[d]);
  const holidays = (h.holidays ?? [])
    .map((x) => `${x.day} ${x.name}${x.openSpans ? ' ' + spansText(x.openSpans) : ''}`)
    .join('\n');
  return { id: h.id, name: h.name, timezone: h.timezone, weekly, holidays };
}

const SPAN_RE = /\s(\d{2}:\d{2}-\d{2}:\d{2}(?:\s*,\s*\d{2}:\d{2}-\d{2}:\d{2})*)\s*$/;

function parseHolidays(text: string): NonNullable<BusinessHours['holidays']> {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const day = line.slice(0, 10);
      let rest = line.slice(10).trim();
      const m = SPAN_RE.exec(' ' + rest);
      let openSpans: Span[] | null = null;
      if (m) {
        openSpans = parseSpans(m[1]!);
        rest = (' ' + rest).slice(0, m.index).trim();
      }
      return { day, name: rest || 'holiday', openSpans };
    });
}

export function HoursPage({ canEdit }: { canEdit: boolean }) {
  const list = useLoad(() => api.businessHours.list(), []);
  const [edit, setEdit] = useState<Draft | null>(null);
  const action = useAction();
  const errs = fieldErrorsOf(action.error);
  const errFor = (prefix: string) =>
    Object.entries(errs).find(([k]) => k === prefix || k.startsWith(prefix + '.'))?.[1];

  const open = async (h: BusinessHours) => {
    action.clear();
    // The list omits holidays; the single read has them.
    const full = await action.run(() => api.businessHours.get(h.id));
    if (full) setEdit(draftOf(full));
  };
  const save = async (e: Event) => {
    e.preventDefault();
    if (!edit) return;
    const weekly: BusinessHours['weekly'] = {};
    for (const d of WEEKDAYS) {
      const spans = parseSpans(edit.weekly[d]);
      if (spans.length) weekly[d] = spans;
    }
    const body = {
      name: edit.name.trim(),
      timezone: edit.timezone.trim(),
      weekly,
      holidays: parseHolidays(edit.holidays),
    };
    const r = await action.run(() =>
      edit.id ? api.businessHours.update(edit.id, body) : api.businessHours.create(body),
    );
    if (r) {
      setEdit(null);
      list.reload();
    }
  };
  const remove = async (h: BusinessHours) => {
    if (!confirm(`Delete business hours ${h.name}?`)) return;
    await action.run(() => api.businessHours.remove(h.id));
    list.reload();
  };

  return (
    <div>
      <PageHeader title="Business hours">
        {canEdit ? (
          <button
            class="primary"
            onClick={() => {
              action.clear();
              const weekly = {} as Record<Weekday, string>;
              for (const d of WEEKDAYS) weekly[d] = d === 'sat' || d === 'sun' ? '' : '09:00-18:00';
              setEdit({ name: '', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, weekly, holidays: '' });
            }}
          >
            New set
          </button>
        ) : null}
      </PageHeader>
      <ErrorBox error={list.error ?? (edit ? null : action.error)} />
      {edit ? (
        <form class="card editor" onSubmit={save}>
          <h2>{edit.id ? `Edit ${edit.name}` : 'New business hours'}</h2>
          <div class="grid">
            <Field label="Name" error={errs.name}>
              <input
                value={edit.name}
                onInput={(e) => setEdit({ ...edit, name: inputValue(e) })}
                required
                disabled={!canEdit}
              />
            </Field>
            <Field label="Time zone" error={errs.timezone}>
              <input
                value={edit.timezone}
                onInput={(e) => setEdit({ ...edit, timezone: inputValue(e) })}
                required
                disabled={!canEdit}
              />
            </Field>
          </div>
          <div class="grid">
            {WEEKDAYS.map((d) => (
              <Field key={d} label={d} error={errFor(`weekly.${d}`)} hint="09:00-12:00, 13:00-18:00 (blank: closed)">
                <input
                  value={edit.weekly[d]}
                  disabled={!canEdit}
                  onInput={(e) => setEdit({ ...edit, weekly: { ...edit.weekly, [d]: inputValue(e) } })}
                />
              </Field>
            ))}
          </div>
          <Field
            label="Holidays"
            error={errFor('holidays')}
            hint="one per line: 2026-10-01 National Day   (add 10:00-16:00 for special opening hours)"
          >
            <textarea
              rows={6}
              class="code"
              value={edit.holidays}
              disabled={!canEdit}
              onInput={(e) => setEdit({ ...edit, holidays: inputValue(e) })}
            />
          </Field>
          <ErrorBox error={action.error} />
          <div class="row">
            {canEdit ? (
              <button class="primary" type="submit" disabled={action.busy}>
                Save
              </button>
            ) : null}
            <button type="button" onClick={() => setEdit(null)}>
              Close
            </button>
          </div>
        </form>
      ) : null}
      <Loading when={list.loading && !list.data} />
      <table class="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Time zone</th>
            {WEEKDAYS.map((d) => (
              <th key={d}>{d}</th>
            ))}
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((h) => (
            <tr key={h.id}>
              <td>{h.name}</td>
              <td>{h.timezone}</td>
              {WEEKDAYS.map((d) => (
                <td key={d} class="small">
                  {spansText(h.weekly[d]) || <span class="muted">closed</span>}
                </td>
              ))}
              <td class="actions">
                <button onClick={() => void open(h)}>{canEdit ? 'Edit' : 'View'}</button>
                {canEdit ? (
                  <button class="danger" onClick={() => void remove(h)}>
                    Delete
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
