import type { Response } from 'express';
import { z } from 'zod';
import type { AuthUser, Role } from '../../auth/types.js';
import { callOwner } from '../../calls/queries.js';
import type { Db } from '../../db/knex.js';
import { forbidden, notFound } from '../../http/errors.js';
import { dayOf, reportDay, type ReportDay } from '../../reports/day.js';

export const ADMIN: readonly Role[] = ['admin'];
export const STAFF: readonly Role[] = ['admin', 'supervisor'];
export const EVERYONE: readonly Role[] = ['admin', 'supervisor', 'agent'];

/**
 * The agent id an agent-role user is restricted to; undefined for supervisors and admins (they see everything).
 * An agent-role user not bound to an agents row sees nothing of anyone's.
 */
export function agentScope(user: AuthUser): number | undefined {
  if (user.role !== 'agent') return undefined;
  if (user.agentId == null) throw forbidden('your user is not bound to an agent');
  return user.agentId;
}

/** The agent a user acts as in the workspace (agents, and supervisors who also take calls); 403 for none. */
export function boundAgent(user: AuthUser): number {
  if (user.agentId == null) throw forbidden('your user is not bound to an agent');
  return user.agentId;
}

/** Refuses an agent-role user a record that belongs to another agent. */
export function assertOwn(user: AuthUser, ownerAgentId: unknown, what: string): void {
  const scope = agentScope(user);
  if (scope === undefined) return;
  if (ownerAgentId == null || Number(ownerAgentId) !== scope) throw forbidden(`this ${what} belongs to another agent`);
}

/**
 * The queues a supervisor is restricted to (possibly none); undefined for admins (everything) and agents (whose
 * limit is agentScope).
 */
export function queueScope(user: AuthUser): readonly number[] | undefined {
  if (user.role !== 'supervisor') return undefined;
  return user.queueIds ?? [];
}

/**
 * Refuses a supervisor a record of a queue they do not supervise (a call not queued yet has none) as not found,
 * so record ids of other queues do not leak.
 */
export function assertQueue(user: AuthUser, queueId: unknown, what: string): void {
  const scope = queueScope(user);
  if (scope === undefined) return;
  if (queueId == null || !scope.includes(Number(queueId))) throw notFound(what);
}

/** A call the user may act on: an agent's own, a call of a supervisor's queues, any for an admin (else 404/403). */
export async function assertCallOf(db: Db, user: AuthUser, callId: string): Promise<void> {
  const owner = await callOwner(db, callId);
  if (!owner) throw notFound(`call ${callId}`);
  assertQueue(user, owner.queueId, `call ${callId}`);
  assertOwn(user, owner.agentId, 'call');
}

/**
 * The contact center's current day (its zone's calendar day, as in the reports): "today" on the wallboard and in
 * the summary report, so both count the same calls as the day's report.
 */
export function today(now: Date, timeZone: string): ReportDay {
  return reportDay(dayOf(now, timeZone), timeZone);
}

/** `?format=csv` on a report or a list: the same rows as a CSV download. */
export const format = z.enum(['json', 'csv']).default('json');

export function sendCsv(res: Response, filename: string, body: string): void {
  res.status(200).type('text/csv; charset=utf-8').attachment(filename).send(body);
}
