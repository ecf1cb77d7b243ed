import type { AuthUser, Role } from '../../auth/types.js';
import { forbidden } from '../../http/errors.js';

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

/** Refuses an agent-role user a record that belongs to another agent. */
export function assertOwn(user: AuthUser, ownerAgentId: unknown, what: string): void {
  const scope = agentScope(user);
  if (scope === undefined) return;
  if (ownerAgentId == null || Number(ownerAgentId) !== scope) throw forbidden(`this ${what} belongs to another agent`);
}

/** Start of the current day in the process's time zone: "today" on the wallboard and in the summary report. */
export function startOfToday(now: Date): Date {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d;
}
