import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { resolveUser } from '../auth/middleware.js';
import type { AuthUser } from '../auth/types.js';
import type { Db } from '../db/knex.js';
import type { BusEvents, EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { getAgentView as getAgent } from '../agents/repository.js';
import { queueScope } from './routes/common.js';
import { boardFor, type Wallboard } from './wallboard.js';

export const WS_PATH = '/api/ws';

export interface HubOptions {
  readonly db: Db;
  readonly bus: EventBus;
  readonly wallboard: Wallboard;
  readonly log: Logger;
  /** Ping every socket this often; one missed pong closes it. */
  readonly heartbeatMs?: number;
  /** The wallboard is pushed at least this often (and on every change). */
  readonly snapshotMs?: number;
  /** ... but changes are pushed no more often than this (default 200 ms). */
  readonly minPushMs?: number;
  /** Origins (scheme://host[:port]) allowed besides the server's own, for cookie-authenticated sockets. */
  readonly allowedOrigins?: readonly string[];
}

interface Client {
  readonly ws: WebSocket;
  readonly user: AuthUser;
  alive: boolean;
}

// A socket whose unsent data passes this is a slow consumer: it misses snapshots until it catches up.
const MAX_BUFFERED = 1024 * 1024;

type CardLike = { tier?: unknown; openOrders?: unknown; recentContacts?: unknown };

/** The screen pop message: the bus event plus the CRM card's parts the workspace shows first. */
export function screenPop(e: BusEvents['call.offered']) {
  const card = (e.customer && typeof e.customer === 'object' ? e.customer : null) as CardLike | null;
  return {
    type: 'call.offered' as const,
    callId: e.callId,
    queueId: e.queueId,
    direction: e.direction,
    caller: e.caller,
    customer: e.customer ?? null,
    tier: typeof card?.tier === 'string' ? card.tier : null,
    openOrders: Array.isArray(card?.openOrders) ? card.openOrders : [],
    lastContacts: Array.isArray(card?.recentContacts) ? card.recentContacts : [],
    ivr: e.ivr ?? {},
    campaign: e.campaign ?? null,
  };
}

/**
 * WebSocket push at /api/ws. Authenticated on upgrade (session cookie or ?token=). Agents receive their own
 * presence and call events (screen pop on 'call.offered'); supervisors and admins receive the wallboard.
 * The hub subscribes to the bus once and dispatches by agent id through a Map, not one listener per socket.
 */
export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly clients = new Set<Client>();
  private readonly byAgent = new Map<number, Set<Client>>();
  private readonly staff = new Set<Client>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private pushTimer: NodeJS.Timeout | null = null;
  private lastPush = 0;
  private readonly minPushMs: number;
  private readonly servers = new Map<Server, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>();

  /** Every staff client and those of these agents (`all`: every agent's), each once. */
  private staffAnd(agentIds: readonly number[] | 'all'): Set<Client> {
    const agents = agentIds === 'all' ? [...this.byAgent.values()] : agentIds.map((id) => this.byAgent.get(id));
    return new Set([...this.staff, ...agents.flatMap((set) => [...(set ?? [])])]);
  }

  constructor(private readonly o: HubOptions) {
    const forAgent = <
      K extends
        | 'call.offered'
        | 'call.offer_ended'
        | 'call.connected'
        | 'call.ended'
        | 'call.consult_ended'
        | 'agent.state'
        | 'evaluation.created'
        | 'time-off.decided'
        | 'activity.paused',
    >(
      name: K,
      toMessage: (e: BusEvents[K]) => object,
    ) =>
      this.unsubscribe.push(
        this.o.bus.subscribe(name, (e) => {
          const agentId = (e as { agentId: number | null }).agentId;
          if (agentId == null) return;
          const targets = this.byAgent.get(agentId);
          if (!targets || targets.size === 0) return;
          const text = JSON.stringify(toMessage(e));
          for (const c of targets) this.send(c, text);
        }),
      );
    forAgent('call.offered', screenPop);
    forAgent('call.offer_ended', (e) => ({ type: 'call.offer_ended', ...e }));
    forAgent('call.connected', (e) => ({ type: 'call.connected', ...e }));
    forAgent('call.ended', (e) => ({ type: 'call.ended', ...e }));
    forAgent('call.consult_ended', (e) => ({ type: 'call.consult_ended', ...e }));
    forAgent('evaluation.created', (e) => ({ type: 'evaluation.created', ...e }));
    forAgent('time-off.decided', (e) => ({ type: 'time-off.decided', ...e }));
    forAgent('activity.paused', (e) => ({ type: 'activity.paused', ...e }));
    this.unsubscribe.push(
      this.o.bus.subscribe('schedule.changed', (e) => {
        const text = JSON.stringify({ type: 'schedule.changed' });
        for (const c of this.staffAnd(e.agentIds)) this.send(c, text);
      }),
      this.o.bus.subscribe('schedule.published', (e) => {
        const text = JSON.stringify({ type: 'schedule.published', from: e.from, to: e.to });
        for (const id of e.agentIds) for (const c of this.byAgent.get(id) ?? []) this.send(c, text);
      }),
      this.o.bus.subscribe('time-off.requested', (e) => {
        const text = JSON.stringify({ type: 'time-off.requested', ...e });
        for (const c of this.staff) this.send(c, text);
      }),
      this.o.bus.subscribe('shift-trade.changed', (e) => {
        const text = JSON.stringify({ type: 'shift-trade.changed', ...e });
        // An offer to anyone is in every agent's list until someone takes it; a named one concerns its two agents.
        const agents = e.toAnyone ? 'all' : [e.fromAgentId, ...(e.toAgentId === null ? [] : [e.toAgentId])];
        for (const c of this.staffAnd(agents)) this.send(c, text);
      }),
    );
    forAgent('agent.state', (e) => ({
      type: 'agent.state',
      agentId: e.agentId,
      state: e.state,
      reason: e.reason,
      since: e.since,
    }));
    this.unsubscribe.push(this.o.wallboard.onChange(() => this.schedulePush()));
    const heartbeat = setInterval(() => this.heartbeat(), o.heartbeatMs ?? 30_000);
    this.minPushMs = o.minPushMs ?? 200;
    const snapshots = setInterval(() => this.pushWallboard(), o.snapshotMs ?? 1_000);
    heartbeat.unref();
    snapshots.unref();
    this.timers.push(heartbeat, snapshots);
  }

  get size(): number {
    return this.clients.size;
  }

  attach(server: Server): void {
    if (this.servers.has(server)) return;
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== WS_PATH) return; // another upgrade handler may own it
      socket.on('error', () => socket.destroy());
      void this.upgrade(req, socket, head, url);
    };
    server.on('upgrade', onUpgrade);
    this.servers.set(server, onUpgrade);
  }

  private refuse(socket: Duplex, status: number, reason: string): void {
    const body = JSON.stringify({ error: { code: status === 401 ? 'unauthenticated' : 'forbidden', message: reason } });
    socket.end(
      `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    let user: AuthUser | null;
    try {
      user = await resolveUser(this.o.db, req, url.searchParams.get('token'));
    } catch (err) {
      this.o.log.warn({ err }, 'ws: authentication failed');
      this.refuse(socket, 401, 'authentication failed');
      return;
    }
    if (!user) {
      this.refuse(socket, 401, 'sign in first (session cookie or ?token=)');
      return;
    }
    if (user.twoFactorSetupRequired) {
      this.refuse(socket, 403, 'set up two-factor sign-in first');
      return;
    }
    // Cookie-authenticated sockets must come from our own pages (cross-site WebSocket hijacking).
    const origin = req.headers.origin;
    if (origin && !url.searchParams.get('token') && !this.originAllowed(origin, req.headers.host)) {
      this.refuse(socket, 403, `origin ${origin} is not allowed`);
      return;
    }
    const signedIn = user;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, signedIn));
  }

  private originAllowed(origin: string, host: string | undefined): boolean {
    if (this.o.allowedOrigins?.includes(origin)) return true;
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }

  private onConnection(ws: WebSocket, user: AuthUser): void {
    const client: Client = { ws, user, alive: true };
    this.clients.add(client);
    const isStaff = user.role === 'admin' || user.role === 'supervisor';
    if (isStaff) this.staff.add(client);
    if (user.agentId != null) {
      let set = this.byAgent.get(user.agentId);
      if (!set) this.byAgent.set(user.agentId, (set = new Set()));
      set.add(client);
    }
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data: RawData) => this.onMessage(client, data));
    ws.on('close', () => this.drop(client));
    ws.on('error', () => this.drop(client));

    this.send(client, JSON.stringify({ type: 'hello', user }));
    if (isStaff) this.send(client, JSON.stringify(boardFor(this.o.wallboard.snapshot(), queueScope(user))));
    if (user.agentId != null) void this.sendAgentState(client, user.agentId);
  }

  private async sendAgentState(client: Client, agentId: number): Promise<void> {
    try {
      const agent = await getAgent(this.o.db, agentId);
      if (agent)
        this.send(
          client,
          JSON.stringify({
            type: 'agent.state',
            agentId,
            state: agent.state,
            reason: agent.pauseReason ?? null,
            since: agent.stateSince,
            agent,
          }),
        );
    } catch (err) {
      this.o.log.warn({ err, agentId }, 'ws: reading the agent state failed');
    }
  }

  private onMessage(client: Client, data: RawData): void {
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      this.send(
        client,
        JSON.stringify({ type: 'error', error: { code: 'bad_request', message: 'messages are JSON objects' } }),
      );
      return;
    }
    const type = (msg as { type?: unknown })?.type;
    if (type === 'ping') this.send(client, JSON.stringify({ type: 'pong', at: new Date().toISOString() }));
    else if (type === 'wallboard' && this.staff.has(client))
      this.send(client, JSON.stringify(this.o.wallboard.snapshot()));
    else
      this.send(
        client,
        JSON.stringify({
          type: 'error',
          error: { code: 'bad_request', message: `unknown message type ${String(type)}` },
        }),
      );
  }

  private drop(client: Client): void {
    if (!this.clients.delete(client)) return;
    this.staff.delete(client);
    const agentId = client.user.agentId;
    if (agentId != null) {
      const set = this.byAgent.get(agentId);
      set?.delete(client);
      if (set && set.size === 0) this.byAgent.delete(agentId);
    }
  }

  private send(client: Client, text: string, droppable = false): void {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    if (droppable && client.ws.bufferedAmount > MAX_BUFFERED) return;
    client.ws.send(text, (err) => {
      if (err) this.drop(client);
    });
  }

  /**
   * A change is pushed at once unless a snapshot went out less than minPushMs ago; then one trailing push follows
   * at the end of that interval. A busy center (dozens of events a second) costs at most 1000/minPushMs snapshots
   * a second, each serialised once for every supervisor.
   */
  private schedulePush(): void {
    if (this.pushTimer || this.staff.size === 0) return;
    const wait = Math.max(0, this.lastPush + this.minPushMs - Date.now());
    this.pushTimer = setTimeout(() => {
      this.pushTimer = null;
      this.pushWallboard();
    }, wait);
    this.pushTimer.unref();
  }

  private pushWallboard(): void {
    if (this.staff.size === 0) return;
    this.lastPush = Date.now();
    const board = this.o.wallboard.snapshot();
    // Serialised once per distinct set of queues (admins: all; each supervisor: theirs), not once per socket.
    const texts = new Map<string, string>();
    for (const c of this.staff) {
      const scope = queueScope(c.user);
      const key = scope ? scope.join(',') : '*';
      let text = texts.get(key);
      if (text === undefined) texts.set(key, (text = JSON.stringify(boardFor(board, scope))));
      this.send(c, text, true);
    }
  }

  private heartbeat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.ws.terminate();
        this.drop(c);
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch {
        this.drop(c);
      }
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers.splice(0)) clearInterval(t);
    if (this.pushTimer) clearTimeout(this.pushTimer);
    this.pushTimer = null;
    for (const u of this.unsubscribe.splice(0)) u();
    for (const [server, handler] of this.servers) server.off('upgrade', handler);
    this.servers.clear();
    for (const c of [...this.clients]) {
      c.ws.terminate();
      this.drop(c);
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
