/**
 * Rows read back carry times as Date (mysql2) or epoch milliseconds (better-sqlite3 stores a bound Date that way);
 * repositories normalise through these two functions so domain code only sees Date.
 */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
  if (typeof value === 'string') {
    const d = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value.includes('T') || value.endsWith('Z') ? value : `${value.replace(' ', 'T')}Z`);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

export function requireDate(value: unknown, what: string): Date {
  const d = toDate(value);
  if (!d) throw new Error(`${what}: not a time: ${String(value)}`);
  return d;
}

/** JSON text columns: parse with a fallback instead of throwing on a bad row. */
export function parseJson<T>(value: unknown, fallback: T): T {
  if (typeof value !== 'string' || value === '') return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}
