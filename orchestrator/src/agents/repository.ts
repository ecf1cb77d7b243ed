import type { Knex } from 'knex';
import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { requireDate, toDate } from '../db/time.js';
import { affectedRows } from '../db/statement-batch.js';
import { presenceChange, startPresence, type PresenceChange } from './presence.js';
import { isAgentState, statesWith, type AgentState } from './states.js';

/**
 * Every read and write of agents and agent skills (routing/ and agents/ go through here; no raw SQL elsewhere).
 * Presence columns are changed only by conditional updates on `version`, so orchestrators sharing one database
 * never overwrite each other's changes: a write whose version no longer matches changes nothing and reports it.
 */

export interface AgentRecord {
  readonly id: number;
  readonly userId: number | null;
  readonly name: string;
  /** The configured endpoint (PJSIP/2001). */
  readonly endpoint: string;
  /** The endpoint bound at login, if different from the configured one. */
  readonly boundEndpoint: string | null;
  readonly site: string;
  readonly capacity: number;
  /** Their phone answers offered calls on its own (calls/auto-answer.ts). */
  readonly autoAnswer: boolean;
  readonly state: AgentState;
  readonly stateSince: Date;
  readonly pauseReason: string | null;
  readonly reservedCallId: string | null;
  readonly wrapUpUntil: Date | null;
  readonly lastCallEndedAt: Date | null;
  readonly callsToday: number;
  readonly missedInRow: number;
  readonly activeCalls: number;
  readonly endpointOnline: boolean;
  readonly version: number;
  /** Skill name → level (1..10). */
  readonly skills: ReadonlyMap<string, number>;
}

/** The endpoint a call to this agent is dialled on. */
export function dialEndpoint(agent: Pick<AgentRecord, 'endpoint' | 'boundEndpoint'>): string {
  return agent.boundEndpoint ?? agent.endpoint;
}

const PRESENCE_COLUMNS = [
  'id',
  'user_id',
  'name',
  'endpoint',
  'bound_endpoint',
  'site',
  'capacity',
  'auto_answer',
  'state',
  'state_since',
  'pause_reason',
  'reserved_call_id',
  'wrap_up_until',
  'last_call_ended_at',
  'calls_today',
  'missed_in_row',
  'active_calls',
  'endpoint_online',
  'version',
] as const;

type Row = Record<string, unknown>;

export function rowToAgent(row: Row, skills: ReadonlyMap<string, number> = new Map()): AgentRecord {
  const state = isAgentState(row.state) ? row.state : 'logged_out';
  return {
    id: Number(row.id),
    userId: row.user_id == null ? null : Number(row.user_id),
    name: String(row.name),
    endpoint: String(row.endpoint),
    boundEndpoint: row.bound_endpoint == null || row.bound_endpoint === '' ? null : String(row.bound_endpoint),
    site: String(row.site ?? 'main'),
    capacity: Math.max(1, Number(row.capacity ?? 1)),
    autoAnswer: Boolean(Number(row.auto_answer ?? 0)),
    state,
    stateSince: toDate(row.state_since) ?? new Date(0),
    pauseReason: row.pause_reason == null ? null : String(row.pause_reason),
    reservedCallId: row.reserved_call_id == null ? null : String(row.reserved_call_id),
    wrapUpUntil: toDate(row.wrap_up_until),
    lastCallEndedAt: toDate(row.last_call_ended_at),
    callsToday: Number(row.calls_today ?? 0),
    missedInRow: Number(row.missed_in_row ?? 0),
    activeCalls: Number(row.active_calls ?? 0),
    endpointOnline: row.endpoint_online == null ? true : Boolean(Number(row.endpoint_online)),
    version: Number(row.version ?? 0),
    skills,
  };
}

export async function loadSkillLevels(
  db: Db | Knex.Transaction,
  agentIds?: readonly number[],
): Promise<Map<number, Map<string, number>>> {
  const q = db('agent_skills as x').join('skills as s', 's.id', 'x.skill_id').select('x.agent_id', 's.name', 'x.level');
  if (agentIds) {
    if (agentIds.length === 0) return new Map();
    q.whereIn('x.agent_id', agentIds as number[]);
  }
  const out = new Map<number, Map<string, number>>();
  for (const r of (await q) as { agent_id: number; name: string; level: number }[]) {
    const id = Number(r.agent_id);
    let m = out.get(id);
    if (!m) out.set(id, (m = new Map()));
    m.set(String(r.name), Number(r.level));
  }
  return out;
}

/** Every agent with skills: the ACD's index is built from this. */
export async function loadAgents(db: Db): Promise<AgentRecord[]> {
  const [rows, skills] = await Promise.all([
    db('agents').select(PRESENCE_COLUMNS) as Promise<Row[]>,
    loadSkillLevels(db),
  ]);
  return rows.map((r) => rowToAgent(r, skills.get(Number(r.id)) ?? new Map()));
}

/** Presence columns only (no skills): the cheap periodic refresh. */
export async function loadPresence(db: Db): Promise<AgentRecord[]> {
  const rows = (await db('agents').select(PRESENCE_COLUMNS)) as Row[];
  return rows.map((r) => rowToAgent(r));
}

export async function loadAgent(db: Db, id: number): Promise<AgentRecord | null> {
  const row = (await db('agents').where({ id }).first(PRESENCE_COLUMNS)) as Row | undefined;
  if (!row) return null;
  const skills = await loadSkillLevels(db, [id]);
  return rowToAgent(row, skills.get(id) ?? new Map());
}

/** The columns of a presence change (camelCase → snake_case here, nowhere else). */
export interface PresencePatch {
  state?: AgentState;
  stateSince?: Date;
  pauseReason?: string | null;
  boundEndpoint?: string | null;
  reservedCallId?: string | null;
  wrapUpUntil?: Date | null;
  lastCallEndedAt?: Date | null;
  callsToday?: number;
  missedInRow?: number;
  activeCalls?: number;
}

function presenceColumns(p: PresencePatch): Record<string, unknown> {
  const map: Record<keyof PresencePatch, string> = {
    state: 'state',
    stateSince: 'state_since',
    pauseReason: 'pause_reason',
    boundEndpoint: 'bound_endpoint',
    reservedCallId: 'reserved_call_id',
    wrapUpUntil: 'wrap_up_until',
    lastCallEndedAt: 'last_call_ended_at',
    callsToday: 'calls_today',
    missedInRow: 'missed_in_row',
    activeCalls: 'active_calls',
  };
  const out: Record<string, unknown> = {};
  for (const [k, col] of Object.entries(map) as [keyof PresencePatch, string][]) {
    if (p[k] !== undefined) out[col] = p[k];
  }
  return out;
}

/**
 * Applies a presence change only if the row still has `version`. Returns false when another writer (this or
 * another orchestrator) got there first; the caller re-reads and decides again.
 */
export async function updatePresence(
  db: Db,
  id: number,
  version: number,
  patch: PresencePatch,
  now: Date,
  presence?: PresenceChange,
  /** When the presence change happened, if earlier than now (the offline logout: when the phone went away). */
  presenceAt: Date = now,
): Promise<boolean> {
  // Shares a packet with this process's other independent updates (db/statement-batch.ts): a call's answer and end
  // are two of these.
  // Set on the new object rather than spread into a literal (slow on Node 20; see calls/call.ts `transition`).
  const columns = presenceColumns(patch);
  columns.version = version + 1;
  columns.updated_at = now;
  if (presence)
    // Logging in or out and pausing are rare: they pay for a transaction so the history never disagrees with the row.
    return db.transaction(async (trx) => {
      if ((await trx('agents').where({ id, version }).update(columns)) !== 1) return false;
      await startPresence(trx, id, presence, presenceAt);
      return true;
    });
  const n = await affectedRows(db, db('agents').where({ id, version }).update(columns));
  return n === 1;
}

/**
 * The reservation: one conditional UPDATE. It succeeds only if the agent is still as the caller last saw it
 * (same version), free of any other reservation and able to take a call; two orchestrators racing for one
 * agent cannot both succeed. A paused agent's reason stays on the row, so they go back to it after the call.
 */
export async function reserveAgent(
  db: Db,
  agent: Pick<AgentRecord, 'id' | 'version' | 'state' | 'pauseReason'>,
  callId: string,
  now: Date,
  /** A caller's offer, or a call the agent places (which may also start from a pause or wrap-up). */
  event: 'reserve' | 'dial' = 'reserve',
): Promise<boolean> {
  const patch: Record<string, unknown> = { reserved_call_id: callId, version: agent.version + 1, updated_at: now };
  if (agent.state !== 'on_call') {
    patch.state = 'reserved';
    patch.state_since = now;
    patch.wrap_up_until = null;
  }
  const update = (conn: Db | Knex.Transaction): Promise<number> =>
    affectedRows(
      conn,
      conn('agents')
        .where({ id: agent.id, version: agent.version })
        .whereIn('state', [...statesWith(event)])
        .whereNull('reserved_call_id')
        .where('endpoint_online', true)
        .update(patch),
    );
  const presence = presenceChange(agent, 'reserved', agent.pauseReason);
  if (!presence) return (await update(db)) === 1;
  // A paused agent placing a call: their pause ends with it, in the history too.
  return db.transaction(async (trx) => {
    if ((await update(trx)) !== 1) return false;
    await startPresence(trx, agent.id, presence, now);
    return true;
  });
}

/** Marks every agent dialled on `endpoint` (configured or bound) online or offline. Returns their ids. */
export async function setEndpointOnline(db: Db, endpoint: string, online: boolean, now: Date): Promise<number[]> {
  const match = (q: Knex.QueryBuilder): Knex.QueryBuilder =>
    q.where((w) =>
      w
        .where('bound_endpoint', endpoint)
        .orWhere((x) =>
          x.where('endpoint', endpoint).where((y) => y.whereNull('bound_endpoint').orWhere('bound_endpoint', '')),
        ),
    );
  const rows = (await match(db('agents').select('id')).whereNot('endpoint_online', online)) as { id: number }[];
  if (rows.length === 0) return [];
  const ids = rows.map((r) => Number(r.id));
  // Reachability is not presence: no version bump, so a concurrent presence change is never refused for it.
  await db('agents')
    .whereIn('id', ids)
    .update({ endpoint_online: online, endpoint_offline_since: online ? null : now, updated_at: now });
  return ids;
}

/**
 * The logged-in agent dialled on `endpoint` (configured and not re-bound, or bound at login), other than
 * `exceptAgentId`, if any.
 */
export async function endpointHolder(
  db: Db,
  endpoint: string,
  exceptAgentId?: number,
): Promise<{ id: number; name: string } | null> {
  const row = (await db('agents')
    .modify((q) => void (exceptAgentId !== undefined && q.whereNot('id', exceptAgentId)))
    .whereNot('state', 'logged_out')
    .where((w) =>
      w
        .where('bound_endpoint', endpoint)
        .orWhere((x) =>
          x.where('endpoint', endpoint).where((y) => y.whereNull('bound_endpoint').orWhere('bound_endpoint', '')),
        ),
    )
    .first('id', 'name')) as { id: number; name: string } | undefined;
  return row ? { id: Number(row.id), name: String(row.name) } : null;
}

/** Logged-in agents, not on a call, whose phone has been away since before `before`. */
export async function awayTooLong(db: Db, before: Date): Promise<{ id: number; since: Date }[]> {
  const rows = (await db('agents')
    .whereIn('state', ['available', 'paused', 'wrap_up'])
    .where('endpoint_online', false)
    .where('endpoint_offline_since', '<=', before)
    .select('id', 'endpoint_offline_since')) as { id: unknown; endpoint_offline_since: unknown }[];
  return rows.map((r) => ({
    id: Number(r.id),
    since: requireDate(r.endpoint_offline_since, 'endpoint_offline_since'),
  }));
}

/** Agents whose wrap-up has run out (any orchestrator's): the sweep ends them. */
export async function expiredWrapUps(db: Db, now: Date): Promise<number[]> {
  const rows = (await db('agents').where('state', 'wrap_up').where('wrap_up_until', '<=', now).select('id')) as {
    id: number;
  }[];
  return rows.map((r) => Number(r.id));
}

/** Reservations older than `before`: an orchestrator died mid-offer. */
export async function staleReservations(db: Db, before: Date): Promise<number[]> {
  const rows = (await db('agents').where('state', 'reserved').where('state_since', '<', before).select('id')) as {
    id: number;
  }[];
  return rows.map((r) => Number(r.id));
}

// --- CRUD for the API ------------------------------------------------------------------------------------------

const skillName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, '1-64 letters, digits, _ . or -');
const level = z.number().int().min(1).max(10);

export const agentSkillInput = z.object({ skill: skillName, level }).strict();
export const agentInput = z
  .object({
    name: z.string().trim().min(1).max(128),
    endpoint: z.string().regex(/^[A-Za-z0-9]+\/[A-Za-z0-9_.@-]{1,60}$/, 'a dial string such as PJSIP/2001'),
    site: z.string().trim().min(1).max(64),
    capacity: z.number().int().min(1).max(10),
    autoAnswer: z.boolean(),
    userId: z.number().int().positive().nullable(),
    skills: z.array(agentSkillInput).max(50),
    /** Contracted hours a week; null: no contract. Planning keeps within it (shifts/rota.ts). */
    weeklyHours: z.number().int().min(1).max(80).nullable(),
  })
  .partial()
  .strict();
export const agentCreateInput = agentInput.required({ name: true, endpoint: true });
export type AgentInput = z.infer<typeof agentInput>;

/** What the API shows of an agent. */
export interface AgentView {
  id: number;
  userId: number | null;
  name: string;
  endpoint: string;
  boundEndpoint: string | null;
  site: string;
  capacity: number;
  autoAnswer: boolean;
  state: AgentState;
  stateSince: string;
  pauseReason: string | null;
  wrapUpUntil: string | null;
  callsToday: number;
  missedInRow: number;
  activeCalls: number;
  endpointOnline: boolean;
  skills: { skill: string; level: number }[];
  weeklyHours: number | null;
}

/** The view of an agent's record; `weeklyHours` is read apart, as routing has no use for it. */
export function agentView(a: AgentRecord, weeklyHours: number | null = null): AgentView {
  return {
    weeklyHours,
    id: a.id,
    userId: a.userId,
    name: a.name,
    endpoint: a.endpoint,
    boundEndpoint: a.boundEndpoint,
    site: a.site,
    capacity: a.capacity,
    autoAnswer: a.autoAnswer,
    state: a.state,
    stateSince: a.stateSince.toISOString(),
    pauseReason: a.pauseReason,
    wrapUpUntil: a.wrapUpUntil?.toISOString() ?? null,
    callsToday: a.callsToday,
    missedInRow: a.missedInRow,
    activeCalls: a.activeCalls,
    endpointOnline: a.endpointOnline,
    skills: [...a.skills].map(([skill, lvl]) => ({ skill, level: lvl })).sort((x, y) => x.skill.localeCompare(y.skill)),
  };
}

/** A body named a record that does not exist (a skill name); the API answers 400 naming it. */
export class UnknownSkillError extends Error {
  readonly code = 'bad_request';
  constructor(readonly names: readonly string[]) {
    super(`unknown skill: ${names.join(', ')}`);
    this.name = 'UnknownSkillError';
  }
}

export async function skillIdsByName(
  trx: Db | Knex.Transaction,
  names: readonly string[],
): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const rows = (await trx('skills')
    .whereIn('name', [...names])
    .select('id', 'name')) as { id: number; name: string }[];
  const map = new Map(rows.map((r) => [String(r.name), Number(r.id)]));
  const missing = names.filter((n) => !map.has(n));
  if (missing.length) throw new UnknownSkillError(missing);
  return map;
}

export function insertedId(result: unknown[]): number {
  const first = result[0] as number | { id: number } | undefined;
  return typeof first === 'object' && first !== null ? Number(first.id) : Number(first);
}

export async function setAgentSkills(
  trx: Db | Knex.Transaction,
  agentId: number,
  skills: readonly { skill: string; level: number }[],
): Promise<void> {
  const ids = await skillIdsByName(
    trx,
    skills.map((s) => s.skill),
  );
  await trx('agent_skills').where({ agent_id: agentId }).delete();
  if (skills.length)
    await trx('agent_skills').insert(
      skills.map((s) => ({ agent_id: agentId, skill_id: ids.get(s.skill), level: s.level })),
    );
}

/** Agents' contracted hours a week, by id (those with none left out). */
async function weeklyHoursOf(db: Db, id?: number): Promise<Map<number, number>> {
  const q = db('agents').whereNotNull('weekly_hours').select('id', 'weekly_hours');
  if (id !== undefined) q.where({ id });
  const rows = (await q) as { id: unknown; weekly_hours: unknown }[];
  return new Map(rows.map((r) => [Number(r.id), Number(r.weekly_hours)]));
}

export async function listAgentViews(db: Db, filter: { state?: string; site?: string } = {}): Promise<AgentView[]> {
  const [all, hours] = await Promise.all([loadAgents(db), weeklyHoursOf(db)]);
  return all
    .filter((a) => (!filter.state || a.state === filter.state) && (!filter.site || a.site === filter.site))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id)
    .map((a) => agentView(a, hours.get(a.id) ?? null));
}

export async function getAgentView(db: Db, id: number): Promise<AgentView | null> {
  const [a, hours] = await Promise.all([loadAgent(db, id), weeklyHoursOf(db, id)]);
  return a ? agentView(a, hours.get(id) ?? null) : null;
}

function agentColumns(v: AgentInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (v.name !== undefined) out.name = v.name;
  if (v.endpoint !== undefined) out.endpoint = v.endpoint;
  if (v.site !== undefined) out.site = v.site;
  if (v.capacity !== undefined) out.capacity = v.capacity;
  if (v.autoAnswer !== undefined) out.auto_answer = v.autoAnswer;
  if (v.userId !== undefined) out.user_id = v.userId;
  if (v.weeklyHours !== undefined) out.weekly_hours = v.weeklyHours;
  return out;
}

/** Creates an agent (validated; throws a ZodError or UnknownSkillError on bad input). */
export async function createAgent(db: Db, input: unknown): Promise<AgentView> {
  const v = agentCreateInput.parse(input);
  const id = await db.transaction(async (trx) => {
    const aid = insertedId(await trx('agents').insert(agentColumns(v)));
    if (v.skills) await setAgentSkills(trx, aid, v.skills);
    return aid;
  });
  return (await getAgentView(db, id)) as AgentView;
}

/** Changes an agent's configuration (not presence: that is AgentService's). Null when it does not exist. */
export async function updateAgent(db: Db, id: number, input: unknown): Promise<AgentView | null> {
  const v = agentInput.parse(input);
  const exists = await db('agents').where({ id }).first('id');
  if (!exists) return null;
  await db.transaction(async (trx) => {
    const c = agentColumns(v);
    // A new version: a presence change prepared from the old row (endpoint, capacity) is refused and re-read.
    if (Object.keys(c).length)
      await trx('agents')
        .where({ id })
        .update({ ...c, version: trx.raw('version + 1'), updated_at: new Date() });
    if (v.skills) {
      await setAgentSkills(trx, id, v.skills);
      // Skills changed: touch the row so periodic refreshes elsewhere notice.
      await trx('agents').where({ id }).update({ updated_at: new Date() });
    }
  });
  return getAgentView(db, id);
}

export async function deleteAgent(db: Db, id: number): Promise<boolean> {
  return Number(await db('agents').where({ id }).delete()) > 0;
}
