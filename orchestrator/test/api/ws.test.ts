import { request } from 'node:http';
import type { Socket } from 'node:net';
import { expect } from 'chai';
import { WebSocket } from 'ws';
import { login, startHarness, superviseAllQueues, type Harness } from './harness.js';

interface Conn {
  ws: WebSocket;
  messages: Array<Record<string, any>>;
  next(pred: (m: Record<string, any>) => boolean, ms?: number): Promise<Record<string, any>>;
}

function open(h: Harness, query = '', headers: Record<string, string> = {}): Promise<Conn> {
  const ws = new WebSocket(`${h.base.replace('http', 'ws')}/api/ws${query}`, { headers });
  const messages: Array<Record<string, any>> = [];
  const waiters: Array<{ pred: (m: Record<string, any>) => boolean; resolve: (m: Record<string, any>) => void }> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as Record<string, any>;
    messages.push(m);
    for (const w of [...waiters])
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
  });
  const conn: Conn = {
    ws,
    messages,
    next(pred, ms = 3000) {
      const seen = messages.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching message within ${ms} ms; got ${JSON.stringify(messages).slice(0, 400)}`)),
          ms,
        );
        waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(conn));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('WebSocket push', () => {
  let h: Harness;
  const opened: WebSocket[] = [];
  const track = (c: Conn) => (opened.push(c.ws), c);
  before(async () => {
    h = await startHarness({ deps: { ws: { heartbeatMs: 100, snapshotMs: 60_000 } } });
    // Created through the API after the wallboard loaded: it must learn of the queue from queue.changed.
    const q = await fetch(`${h.base}/api/queues`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.users.admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'support', displayName: 'Support', serviceLevelS: 20 }),
    });
    expect(q.status).to.equal(201);
    await superviseAllQueues(h);
  });
  afterEach(() => {
    for (const ws of opened.splice(0)) ws.terminate();
  });
  after(async () => h.close());

  it('refuses a socket without credentials (401) or with a bad token', async () => {
    let err = await open(h).catch((e: Error) => e);
    expect(String(err)).to.include('status 401');
    err = await open(h, '?token=ari_nope').catch((e: Error) => e);
    expect(String(err)).to.include('status 401');
    err = await open(h, '', { cookie: 'ariadne_session=forged' }).catch((e: Error) => e);
    expect(String(err)).to.include('status 401');
  });

  it('refuses a cookie-authenticated socket from a foreign origin', async () => {
    const cookie = await login(h, h.users.agent);
    const err = await open(h, '', { cookie, origin: 'https://evil.example.test' }).catch((e: Error) => e);
    expect(String(err)).to.include('status 403');
  });

  it('accepts the session cookie; an agent gets hello and their own state at once', async () => {
    const cookie = await login(h, h.users.agent);
    const c = track(await open(h, '', { cookie, origin: h.base }));
    const hello = await c.next((m) => m.type === 'hello');
    expect(hello.user.username).to.equal('alice');
    const state = await c.next((m) => m.type === 'agent.state');
    expect(state).to.include({ agentId: h.users.agent.agentId, state: 'logged_out' });
    expect(c.messages.some((m) => m.type === 'wallboard')).to.equal(false);
  });

  it('pushes the screen pop to the offered agent only, the moment the bus event fires', async () => {
    const alice = track(await open(h, `?token=${h.users.agent.token}`));
    const bob = track(await open(h, `?token=${h.users.agent2.token}`));
    await alice.next((m) => m.type === 'agent.state');
    await bob.next((m) => m.type === 'agent.state');
    const card = {
      customerId: 7,
      name: 'Wang Fang',
      tier: 'gold',
      openOrders: [{ orderNo: 'A1001', status: 'shipped' }],
      recentContacts: [{ channel: 'phone', category: 'logistics', outcome: 'resolved' }],
    };
    h.bus.publish('call.offered', {
      callId: 'c-1',
      agentId: h.users.agent.agentId!,
      queueId: 1,
      caller: '+8613812345678',
      customer: card,
      ivr: { menu: '1' },
      direction: 'inbound',
    });
    const pop = await alice.next((m) => m.type === 'call.offered');
    expect(pop).to.deep.equal({
      type: 'call.offered',
      callId: 'c-1',
      queueId: 1,
      direction: 'inbound',
      caller: '+8613812345678',
      customer: card,
      tier: 'gold',
      openOrders: card.openOrders,
      lastContacts: card.recentContacts,
      ivr: { menu: '1' },
      // Not a campaign's call.
      campaign: null,
    });
    h.bus.publish('agent.state', {
      agentId: h.users.agent.agentId!,
      state: 'reserved',
      reason: null,
      since: new Date(),
    });
    await alice.next((m) => m.type === 'agent.state' && m.state === 'reserved');
    // Another agent took the call: Alice's pop is withdrawn.
    h.bus.publish('call.offer_ended', {
      callId: 'c-1',
      agentId: h.users.agent.agentId!,
      queueId: 1,
      reason: 'cancelled',
    });
    expect(await alice.next((m) => m.type === 'call.offer_ended')).to.deep.equal({
      type: 'call.offer_ended',
      callId: 'c-1',
      agentId: h.users.agent.agentId!,
      queueId: 1,
      reason: 'cancelled',
    });
    // The party Alice consulted hung up: her workspace drops the consultation.
    h.bus.publish('call.consult_ended', { callId: 'c-2', agentId: h.users.agent.agentId!, queueId: 1, target: '2040' });
    expect(await alice.next((m) => m.type === 'call.consult_ended')).to.deep.equal({
      type: 'call.consult_ended',
      callId: 'c-2',
      agentId: h.users.agent.agentId!,
      queueId: 1,
      target: '2040',
    });
    // Bob is told nothing about Alice's call or state.
    await new Promise((r) => setTimeout(r, 50));
    expect(
      bob.messages.filter(
        (m) =>
          m.type === 'call.offered' ||
          m.type === 'call.offer_ended' ||
          m.type === 'call.consult_ended' ||
          (m.type === 'agent.state' && m.agentId !== h.users.agent2.agentId),
      ),
    ).to.deep.equal([]);
  });

  it('supervisors get the wallboard at once and again on every change', async () => {
    const cookie = await login(h, h.users.supervisor);
    const sup = track(await open(h, '', { cookie }));
    const first = await sup.next(
      (m) => m.type === 'wallboard' && m.queues.some((q: { name: string }) => q.name === 'support'),
    );
    const support = first.queues.find((q: { name: string }) => q.name === 'support');
    expect(support).to.include({ waiting: 0, answeredToday: 0, abandonedToday: 0, serviceLevelPct: null });
    expect(Object.values(first.agents.byState as Record<string, number>).reduce((a, b) => a + b, 0)).to.equal(3);
    expect(first.agents.list.map((a: { name: string }) => a.name)).to.deep.equal(['Alice', 'Bob', 'Sup Agent']);

    const queueId = support.queueId as number;
    const at = new Date(Date.now() - 5000);
    h.bus.publish('call.state', { callId: 'w-1', from: 'in_ivr', to: 'queued', queueId, agentId: null, at });
    const waiting = await sup.next(
      (m) => m.type === 'wallboard' && m.queues.some((q: { waiting: number }) => q.waiting === 1),
    );
    const line = waiting.queues.find((q: { queueId: number }) => q.queueId === queueId);
    expect(line.waitingCalls[0].callId).to.equal('w-1');
    expect(line.longestWaitS).to.be.at.least(5);

    h.bus.publish('call.state', {
      callId: 'w-1',
      from: 'offering',
      to: 'connected',
      queueId,
      agentId: 1,
      at: new Date(),
    });
    const answered = await sup.next(
      (m) => m.type === 'wallboard' && m.queues.some((q: { answeredToday: number }) => q.answeredToday === 1),
    );
    expect(answered.queues.find((q: { queueId: number }) => q.queueId === queueId)).to.include({
      waiting: 0,
      serviceLevelPct: 100,
    });

    h.bus.publish('agent.state', {
      agentId: h.users.agent2.agentId!,
      state: 'paused',
      reason: 'lunch',
      since: new Date(),
    });
    const paused = await sup.next((m) => m.type === 'wallboard' && m.agents.byState.paused === 1);
    expect(paused.agents.list.find((a: { agentId: number }) => a.agentId === h.users.agent2.agentId)).to.include({
      name: 'Bob',
      state: 'paused',
      reason: 'lunch',
    });
  });

  it('coalesces a burst of changes into few pushes that carry all of them', async () => {
    const sup = track(await open(h, `?token=${h.users.supervisor.token}`));
    const first = await sup.next(
      (m) => m.type === 'wallboard' && m.queues.some((q: { name: string }) => q.name === 'support'),
    );
    const queueId = first.queues.find((q: { name: string }) => q.name === 'support').queueId as number;
    const before = sup.messages.length;
    for (let i = 0; i < 100; i += 1)
      h.bus.publish('call.state', {
        callId: `burst-${i}`,
        from: 'in_ivr',
        to: 'queued',
        queueId,
        agentId: null,
        at: new Date(),
      });
    await sup.next(
      (m) =>
        m.type === 'wallboard' &&
        m.queues.some((q: { queueId: number; waiting: number }) => q.queueId === queueId && q.waiting === 100),
    );
    const pushes = sup.messages.slice(before).filter((m) => m.type === 'wallboard');
    expect(pushes.length).to.be.at.most(2);
    for (let i = 0; i < 100; i += 1)
      h.bus.publish('call.state', {
        callId: `burst-${i}`,
        from: 'queued',
        to: 'abandoned',
        queueId,
        agentId: null,
        at: new Date(),
      });
    const after = await sup.next(
      (m) =>
        m.type === 'wallboard' &&
        m.queues.some(
          (q: { queueId: number; abandonedToday: number }) => q.queueId === queueId && q.abandonedToday === 100,
        ),
    );
    expect(after.queues.find((q: { queueId: number }) => q.queueId === queueId).waiting).to.equal(0);
  });

  it('tells agents their shifts changed (all of them for a copied rota) and staff of a request for time off', async () => {
    const alice = track(await open(h, `?token=${h.users.agent.token}`));
    const bob = track(await open(h, `?token=${h.users.agent2.token}`));
    const sup = track(await open(h, `?token=${h.users.supervisor.token}`));
    await alice.next((m) => m.type === 'agent.state');
    await bob.next((m) => m.type === 'agent.state');
    const shift = await fetch(`${h.base}/api/shifts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.users.supervisor.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: h.users.agent.agentId, day: '2026-12-08', startTime: '09:00', endTime: '17:00' }),
    });
    expect(shift.status).to.equal(201);
    await alice.next((m) => m.type === 'schedule.changed');
    h.bus.publish('schedule.changed', { agentIds: 'all' });
    await bob.next((m) => m.type === 'schedule.changed');
    expect(alice.messages.filter((m) => m.type === 'schedule.changed')).to.have.length(2);

    const asked = await fetch(`${h.base}/api/time-off`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.users.agent2.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fromDay: '2026-12-20', toDay: '2026-12-21', kind: 'vacation' }),
    });
    expect(asked.status).to.equal(201);
    const told = await sup.next((m) => m.type === 'time-off.requested');
    expect(told).to.deep.include({ agentId: h.users.agent2.agentId });
    expect(bob.messages.some((m) => m.type === 'time-off.requested')).to.equal(false);
  });

  it('tells staff of a draft, its agent only when it is published, and an agent paused for a break why', async () => {
    const alice = track(await open(h, `?token=${h.users.agent.token}`));
    const sup = track(await open(h, `?token=${h.users.supervisor.token}`));
    await alice.next((m) => m.type === 'agent.state');
    const post = (path: string, body: object) =>
      fetch(`${h.base}/api/shifts${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.users.supervisor.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const draft = { agentId: h.users.agent.agentId, day: '2026-12-22', startTime: '09:00', endTime: '17:00' };
    expect((await post('', { ...draft, draft: true })).status).to.equal(201);
    await sup.next((m) => m.type === 'schedule.changed');
    expect((await post('/publish', { from: '2026-12-22', to: '2026-12-22' })).status).to.equal(200);
    expect(await alice.next((m) => m.type === 'schedule.published')).to.deep.equal({
      type: 'schedule.published',
      from: '2026-12-22',
      to: '2026-12-22',
    });
    // One schedule.changed, for the publication: none for the draft.
    await alice.next((m) => m.type === 'schedule.changed');
    expect(alice.messages.filter((m) => m.type === 'schedule.changed')).to.have.length(1);
    expect(sup.messages.some((m) => m.type === 'schedule.published')).to.equal(false);

    // Paused for a scheduled activity: that agent is told why.
    const paused = { kind: 'lunch', startTime: '12:00', endTime: '12:45', afterCall: false };
    h.bus.publish('activity.paused', { agentId: h.users.agent.agentId!, ...paused });
    expect(await alice.next((m) => m.type === 'activity.paused')).to.deep.equal({
      type: 'activity.paused',
      agentId: h.users.agent.agentId,
      ...paused,
    });
  });

  it('tells every agent of a trade offered to anyone, and only its two agents (and staff) of a named one', async () => {
    const alice = track(await open(h, `?token=${h.users.agent.token}`));
    const bob = track(await open(h, `?token=${h.users.agent2.token}`));
    const admin = track(await open(h, `?token=${h.users.admin.token}`));
    await alice.next((m) => m.type === 'agent.state');
    await bob.next((m) => m.type === 'agent.state');
    const [a, s] = [h.users.agent.agentId!, h.users.supervisor.agentId!];
    h.bus.publish('shift-trade.changed', {
      tradeId: 901,
      status: 'offered',
      fromAgentId: a,
      toAgentId: s,
      toAnyone: false,
    });
    // Taken by the supervisor, but offered to anyone: everyone's list drops it.
    h.bus.publish('shift-trade.changed', {
      tradeId: 902,
      status: 'accepted',
      fromAgentId: a,
      toAgentId: s,
      toAnyone: true,
    });
    expect(await bob.next((m) => m.type === 'shift-trade.changed')).to.deep.include({ tradeId: 902, toAnyone: true });
    await alice.next((m) => m.type === 'shift-trade.changed' && m.tradeId === 902);
    expect(alice.messages.some((m) => m.type === 'shift-trade.changed' && m.tradeId === 901)).to.equal(true);
    await admin.next((m) => m.type === 'shift-trade.changed' && m.tradeId === 902);
    expect(admin.messages.some((m) => m.type === 'shift-trade.changed' && m.tradeId === 901)).to.equal(true);
    expect(bob.messages.some((m) => m.type === 'shift-trade.changed' && m.tradeId === 901)).to.equal(false);
  });

  it('answers a JSON ping with pong and a bad message with an error', async () => {
    const c = track(await open(h, `?token=${h.users.admin.token}`));
    c.ws.send(JSON.stringify({ type: 'ping' }));
    await c.next((m) => m.type === 'pong');
    c.ws.send('not json');
    const err = await c.next((m) => m.type === 'error');
    expect(err.error.code).to.equal('bad_request');
  });

  it('closes a socket that stops answering pings', async () => {
    const port = new URL(h.base).port;
    // A raw client: completes the handshake, then never answers the server's pings.
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: `/api/ws?token=${h.users.admin.token}`,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version': '13',
        },
      });
      req.on('upgrade', (_res, s) => resolve(s));
      req.on('response', (res) => reject(new Error(`status ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    const before = h.hub.size;
    expect(before).to.be.at.least(1);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('dead socket was not closed')), 3000);
      socket.on('close', () => (clearTimeout(timer), resolve()));
      socket.resume();
    });
    expect(h.hub.size).to.equal(before - 1);
    const metrics = await (await fetch(`${h.base}/metrics`)).text();
    expect(metrics).to.include(`ariadne_ws_clients ${h.hub.size}`);
  });
});
