// Small display helpers shared by the pages.

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

/** 75 → "1:15", 3700 → "1:01:40". */
export function fmtDuration(totalSeconds: number | string | null | undefined): string {
  if (totalSeconds === null || totalSeconds === undefined || totalSeconds === '') return '—';
  const s = Math.max(0, Math.round(Number(totalSeconds)));
  if (!Number.isFinite(s)) return '—';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** A place in a recording, cut down to the second (a line said at 0.9 s starts at "0:00"): 75.2 → "1:15". */
export function fmtOffset(seconds: number): string {
  return fmtDuration(Math.floor(Math.max(0, seconds)));
}

/** Hours and minutes, the minutes cut down: 14400 → "4:00", 1830 → "0:30", 59 → "0:00". */
export function fmtHoursMinutes(totalSeconds: number | null | undefined): string {
  if (totalSeconds === null || totalSeconds === undefined || !Number.isFinite(totalSeconds)) return '—';
  const m = Math.floor(Math.max(0, Math.round(totalSeconds)) / 60);
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;
}

/** A span in words, for sentences: 42 → "42 s", 750 → "13 min", 3900 → "1 h 5 min". */
export function fmtSpan(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m / 60} h`;
}

export function secondsSince(iso: string | null | undefined, now: number): number {
  if (!iso) return 0;
  const t = new Date(iso).getTime();
  return Number.isNaN(t) ? 0 : Math.max(0, (now - t) / 1000);
}

export function stateLabel(state: string): string {
  return state.replace(/_/g, ' ');
}

export function money(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

/** 'YYYY-MM-DD' → "Mon 8 Dec" (with the year: "Mon 8 Dec 2026"); noon UTC so no browser zone moves the date. */
export function dayLabel(day: string, withYear = false): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString(undefined, {
    timeZone: 'UTC',
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' } : {}),
  });
}

/** A share to one decimal ("84.4%"), or a dash when there is none. */
export function fmtPct(v: number | null): string {
  return v === null ? '—' : `${Math.round(v * 10) / 10}%`;
}

/** Adherence below this is marked, on the Schedule page and in Reports. */
export const LOW_ADHERENCE_PCT = 90;
