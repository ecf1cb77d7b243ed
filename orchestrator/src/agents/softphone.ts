import type { Config } from '../config/schema.js';
import type { Db } from '../db/knex.js';
import { toDate } from '../db/time.js';

/**
 * The agent workspace's browser softphone: what it registers with (Asterisk's SIP over WebSocket, the agent's
 * WebRTC endpoint and its password). The password is the endpoint's auth secret in pjsip_agents.conf; an admin
 * stores it here, and only the agent signed in gets it back.
 */
export interface SoftphoneSettings {
  readonly available: true;
  readonly wsUrl: string;
  /** sip:<endpoint>@<domain> */
  readonly uri: string;
  readonly username: string;
  readonly password: string;
  readonly displayName: string;
  readonly iceServers: readonly { readonly urls: string }[];
}

export async function setSoftphonePassword(db: Db, agentId: number, password: string, now: Date): Promise<void> {
  const row = { agent_id: agentId, password, updated_at: now };
  await db('agent_softphones').insert(row).onConflict('agent_id').merge(['password', 'updated_at']);
}

export async function removeSoftphonePassword(db: Db, agentId: number): Promise<boolean> {
  return Number(await db('agent_softphones').where({ agent_id: agentId }).delete()) > 0;
}

/** Whether the agent has a softphone password, and since when; never the password. */
export async function softphoneStatus(
  db: Db,
  agentId: number,
): Promise<{ readonly configured: boolean; readonly updatedAt: string | null }> {
  const row = (await db('agent_softphones').where({ agent_id: agentId }).first('updated_at')) as
    { updated_at: unknown } | undefined;
  return { configured: row !== undefined, updatedAt: toDate(row?.updated_at)?.toISOString() ?? null };
}

/** No softphone for this agent, and what is missing, in words the agent reads. */
export interface NoSoftphone {
  readonly available: false;
  readonly reason: string;
}

/**
 * The settings of this agent's softphone, or what is missing: the WebSocket URL (a deployment setting), a PJSIP
 * endpoint, or the password. Not an error: an agent on a desk phone has none, and the workspace asks on every load.
 */
export async function softphoneFor(
  db: Db,
  agent: {
    readonly id: number;
    readonly name: string;
    readonly endpoint: string;
    readonly boundEndpoint: string | null;
  },
  config: Config['softphone'],
): Promise<SoftphoneSettings | NoSoftphone> {
  const none = (reason: string): NoSoftphone => ({ available: false, reason });
  if (!config.wsUrl) return none('no softphone here: ARIADNE_SOFTPHONE_WS_URL is not set');
  const endpoint = agent.boundEndpoint ?? agent.endpoint;
  const username = /^PJSIP\/([A-Za-z0-9_.-]+)$/.exec(endpoint)?.[1];
  if (!username) return none(`your phone ${endpoint} is not a PJSIP endpoint a browser can register`);
  const row = (await db('agent_softphones').where({ agent_id: agent.id }).first('password')) as
    { password: string } | undefined;
  if (!row) return none(`no softphone password is set for ${endpoint}: ask an admin`);
  const domain = config.sipDomain ?? new URL(config.wsUrl).hostname;
  return {
    available: true,
    wsUrl: config.wsUrl,
    uri: `sip:${username}@${domain}`,
    username,
    password: row.password,
    displayName: agent.name,
    iceServers: config.iceServers
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean)
      .map((urls) => ({ urls })),
  };
}

/** Agents as the admin's list shows them: each says whether a softphone password is set (one read for the page). */
export async function withSoftphoneFlags<A extends { readonly id: number }>(
  db: Db,
  agents: readonly A[],
): Promise<(A & { readonly softphone: boolean })[]> {
  const ids = agents.map((a) => a.id);
  const set = new Set(
    ids.length === 0
      ? []
      : ((await db('agent_softphones').whereIn('agent_id', ids).pluck('agent_id')) as number[]).map(Number),
  );
  return agents.map((a) => ({ ...a, softphone: set.has(a.id) }));
}
