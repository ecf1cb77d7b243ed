import type { EndpointContact, NodeConnectionState, OutboundRegistration, SwitchPort } from './port.js';

/**
 * What a telecom engineer checks first when calls go wrong: is every Asterisk node connected, are the trunks
 * registered to their carriers and answering OPTIONS, are the agents' phones reachable. Read live over AMI on
 * request (the System page), never on the call path.
 */

export interface ContactStatus {
  readonly endpoint: string;
  readonly uri: string;
  /** Reachable, Unreachable, NonQualified (no qualify configured) or Unknown. */
  readonly status: string;
  /** The last OPTIONS round trip; null when not qualified. */
  readonly roundtripMs: number | null;
  /** The agent whose phone it is; null for a trunk (or any other endpoint). */
  readonly agent: string | null;
}

export interface SwitchStatus {
  readonly nodes: readonly { node: string; connected: boolean; since: string; lastError: string | null }[];
  readonly registrations: readonly OutboundRegistration[];
  readonly trunks: readonly ContactStatus[];
  readonly phones: readonly ContactStatus[];
  /** What could not be read (no AMI configured, a node not answering): the rest is still shown. */
  readonly problems: readonly string[];
}

/** The PJSIP endpoint name of a dial string (`PJSIP/2001` → `2001`). */
function endpointName(dial: string): string {
  return dial.replace(/^PJSIP\//i, '').split('/')[0] ?? dial;
}

export async function switchStatus(
  port: Pick<SwitchPort, 'connectionStates' | 'endpointContacts' | 'outboundRegistrations'>,
  agents: readonly { readonly name: string; readonly endpoint: string; readonly boundEndpoint: string | null }[],
): Promise<SwitchStatus> {
  const problems: string[] = [];
  const read = <T>(what: Promise<readonly T[]>): Promise<readonly T[]> =>
    what.catch((err: unknown) => {
      problems.push(err instanceof Error ? err.message : String(err));
      return [];
    });
  const [contacts, registrations] = await Promise.all([
    read<EndpointContact>(port.endpointContacts()),
    read<OutboundRegistration>(port.outboundRegistrations()),
  ]);
  const agentOf = new Map<string, string>();
  for (const a of agents) {
    agentOf.set(endpointName(a.endpoint), a.name);
    if (a.boundEndpoint) agentOf.set(endpointName(a.boundEndpoint), a.name);
  }
  const views = contacts.map(
    (c): ContactStatus => ({
      endpoint: c.endpoint,
      uri: c.uri,
      status: c.status,
      roundtripMs: c.roundtripUsec === undefined ? null : Math.round(c.roundtripUsec / 100) / 10,
      agent: agentOf.get(c.endpoint) ?? null,
    }),
  );
  const nodes = port.connectionStates().map((n: NodeConnectionState) => ({
    node: n.node,
    connected: n.connected,
    since: n.since.toISOString(),
    lastError: n.lastError ?? null,
  }));
  return {
    nodes,
    registrations,
    trunks: views.filter((v) => v.agent === null),
    phones: views.filter((v) => v.agent !== null),
    problems: [...new Set(problems)],
  };
}
