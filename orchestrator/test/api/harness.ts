import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { testConfig } from '../../src/config/load.js';
import { createApiToken } from '../../src/auth/tokens.js';
import { hashPassword } from '../../src/auth/passwords.js';
import type { Role } from '../../src/auth/types.js';
import { EventBus } from '../../src/events/bus.js';
import { createHttpApp, type HttpApp, type HttpAppDeps } from '../../src/http/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import type {
  EndpointContact,
  NodeConnectionState,
  OutboundRegistration,
} from '../../src/telephony/port.js';
import type { WsHub } from '../../src/api/ws.js';
import { createTestDb, type TestDb } from '../support/db.js';
import type { DbDialect } from '../../src/db/knex.js';
import type { ApiRoute } from '../../src/api/registry.js';

/** A fake switch: connection states the test sets, reloads it records. */
export class FakeSwitch {
  states: NodeConnectionState[] = [{ node: 'ast1', connected: true, since: new Date() }];
  reloads: string[] = [];
  failReload: Error | null = null;
  connectionStates(): readonly NodeConnectionState[] {
    return this.states;
  }
  async reload(what: 'dialplan' | 'pjsip'): Promise<void> {
    if (this.failReload) throw this.failReload;
    this.reloads.push(what);
  }
  contacts: EndpointContact[] = [];
  registrations: OutboundRegistration[] = [];
  /** Set: AMI is not there (the status lists it as a problem). */
  amiDown: Error | null = null;
  async endpointContacts(): Promise<readonly EndpointContact[]> {
    if (this.amiDown) throw this.amiDown;
    return this.contacts;
  }
  async outboundRegistrations(): Promise<readonly OutboundRegistration[]> {
    if (this.amiDown) throw this.amiDown;
    return this.registrations;
  }
}

export interface Principal {
  readonly id: number;
  readonly username: string;
  readonly password: string;
  readonly role: Role;
  readonly agentId: number | null;
  readonly token: string;
}

export interface Harness {
  readonly t: TestDb;
  readonly http: HttpApp;
  readonly server: Server;
  readonly hub: WsHub;
  readonly base: string;
  readonly bus: EventBus;
  readonly sw: FakeSwitch;
  readonly users: Record<'admin' | 'supervisor' | 'agent' | 'agent2', Principal>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export async function call(
  h: Pick<Harness, 'base'>,
  method: string,
  path: string,
  opts: { token?: string; cookie?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  let payload: string | undefined;
  if (opts.raw !== undefined) {
    payload = opts.raw;
    headers['content-type'] ??= 'application/json';
  } else if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${h.base}${path}`, {
    method,
    headers,
    body: payload,
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
  return { status: res.status, body, headers: res.headers };
}

async function addUser(
  t: TestDb,
  username: string,
  role: Role,
  password: string,
  agent?: { name: string; endpoint: string },
): Promise<Principal> {
  const [id] = await t
    .db('users')
    .insert({ username, display_name: username.toUpperCase(), password_hash: await hashPassword(password), role });
  let agentId: number | null = null;
  if (agent) {
    const [aid] = await t.db('agents').insert({ name: agent.name, endpoint: agent.endpoint, user_id: Number(id) });
    agentId = Number(aid);
  }
  const { token } = await createApiToken(t.db, Number(id), `${username}-test`);
  return { id: Number(id), username, password, role, agentId, token };
}

/** Makes the harness's supervisor supervise every queue that exists now (supervisors see only their queues). */
export async function superviseAllQueues(h: Pick<Harness, 't' | 'users'>): Promise<void> {
  const ids = (await h.t.db('queues').pluck('id')) as number[];
  await h.t.db('supervisor_queues').where({ user_id: h.users.supervisor.id }).delete();
  if (ids.length)
    await h.t.db('supervisor_queues').insert(ids.map((queue_id) => ({ user_id: h.users.supervisor.id, queue_id })));
}

export async function startHarness(
  options: { dialect?: DbDialect; deps?: Partial<HttpAppDeps> } = {},
): Promise<Harness> {
  const t = await createTestDb(options.dialect ?? 'sqlite');
  const bus = new EventBus();
  const sw = new FakeSwitch();
  const users = {
    admin: await addUser(t, 'admin', 'admin', 'admin-pass-1'),
    supervisor: await addUser(t, 'sup', 'supervisor', 'sup-pass-12', { name: 'Sup Agent', endpoint: 'PJSIP/2900' }),
    agent: await addUser(t, 'alice', 'agent', 'alice-pass-1', { name: 'Alice', endpoint: 'PJSIP/2001' }),
    agent2: await addUser(t, 'bob', 'agent', 'bob-pass-12', { name: 'Bob', endpoint: 'PJSIP/2002' }),
  };
  const http = createHttpApp({
    db: t.db,
    config: testConfig(),
    bus,
    switchPort: sw,
    metrics: createMetrics(undefined, { defaults: false }),
    uiDistDir: '/nonexistent-ariadne-ui',
    ws: { heartbeatMs: 60_000, snapshotMs: 60_000 },
    ...options.deps,
  });
  const server = http.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const hub = await http.attachWebSocket(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    t,
    http,
    server,
    hub,
    base,
    bus,
    sw,
    users,
    async close() {
      await http.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.drop();
    },
  };
}

/** A concrete URL for a route pattern, naming records that do not exist so no write can succeed by accident. */
export function concrete(r: ApiRoute): string {
  return `/api${r.path}`
    .replace(/\/calls\/:id/, '/calls/no-such-call')
    .replace(':id', '999999')
    .replace(':name', 'no-such-flow')
    .replace(':version', '1')
    .replace(':number', '4000999');
}

/** Signs in through the API and returns the Cookie header value. */
export async function login(h: Harness, who: Principal): Promise<string> {
  const r = await call(h, 'POST', '/api/auth/login', { body: { username: who.username, password: who.password } });
  if (r.status !== 200) throw new Error(`login ${who.username}: ${r.status} ${JSON.stringify(r.body)}`);
  const set = r.headers.get('set-cookie') ?? '';
  return set.split(';')[0] ?? '';
}
