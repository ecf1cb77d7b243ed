import { expect } from 'chai';
import type { APIRequestContext, Page } from 'playwright-core';
import type { RunningAriadne } from '../../../src/app.js';
import { DEMO_USERS } from '../../../src/db/seed/index.js';

/** What the Schedule, time-off and adherence browser tests share: the demo's clock, users and page helpers. */

/** The demo reports in Asia/Shanghai (UTC+8 all year), so a wall time there is a fixed instant. */
export const ZONE = 'Asia/Shanghai';

/** The first `n` demo agents other than `exceptId`, by id: colleagues for a test's shifts. */
export async function otherAgents(
  app: RunningAriadne,
  exceptId: number,
  n: number,
): Promise<{ id: number; name: string }[]> {
  const rows = (await app.db('agents').whereNot({ id: exceptId }).orderBy('id').limit(n).select('id', 'name')) as {
    id: number;
    name: string;
  }[];
  return rows.map((r) => ({ id: Number(r.id), name: r.name }));
}

export const demoUser = (name: 'admin' | 'agent' | 'supervisor') => DEMO_USERS.find((u) => u.username === name)!;

/** The instant of a wall time of a day in the demo's zone. */
export const at = (day: string, hhmmss: string): Date => new Date(`${day}T${hhmmss}+08:00`);

/** The demo's calendar day at instant `t`. */
export const dayIn = (t: number): string => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(t);

const clockFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** HH:MM on the demo's clock at instant `t`. */
export const clock = (t: number): string => clockFormat.format(t);

/** Minutes since midnight on the demo's clock at instant `t`. */
export const minutesIn = (t: number): number => {
  const [h, m] = clock(t).split(':');
  return Number(h) * 60 + Number(m);
};

export const addDays = (day: string, n: number): string => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

/** The Monday of the week (Monday to Sunday) `day` is in: the Schedule page's week. */
export const mondayOf = (day: string): string => addDays(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7));

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** HH:MM of minutes since midnight (a day on wraps round). */
export const hhmm = (minutes: number): string => `${pad2(Math.floor(minutes / 60) % 24)}:${pad2(minutes % 60)}`;

/** An agent's row on the Schedule page's day. */
export const scheduleRowOf = (agentId: number): string => `[data-testid=schedule] [data-agent="${agentId}"]`;

export async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector, { timeout: 10_000 })) ?? '').trim();
}

/** The signed-in page's session, for the API: what a test arranges as a supervisor would, without the form. */
export const apiOf = (page: Page): APIRequestContext => page.context().request;

/** A day as the page writes it ("Mon, Dec 8" in the browser's language), asked of the page itself. */
export async function labelOf(page: Page, day: string): Promise<string> {
  return (await page.evaluate(
    `new Date('${day}T12:00:00Z').toLocaleDateString(undefined, { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' })`,
  )) as string;
}

/** A shift made through the API (as a supervisor's session), its id. */
export async function addShift(
  request: APIRequestContext,
  url: string,
  body: { agentId: number; day: string; startTime: string; endTime: string; activities?: unknown[] },
): Promise<number> {
  const res = await request.post(`${url}/api/shifts`, { data: body });
  expect(res.status(), await res.text()).to.equal(201);
  return Number(((await res.json()) as { id: number }).id);
}
