import { expect } from 'chai';
import { call, startHarness, type Harness } from './harness.js';

/** testConfig() has no Asterisk configured: the contact center's zone is the demo's, Asia/Shanghai. */
const sh = (local: string): Date => new Date(`${local}+08:00`);

describe('api: reports', function () {
  this.timeout(20_000);
  let h: Harness;
  let sales: number;
  let support: number;

  before(async () => {
    h = await startHarness({ deps: { now: () => sh('2026-12-06T12:00:00') } });
    const q = async (name: string) =>
      Number((await h.t.db('queues').insert({ name, display_name: name, service_level_s: 20, overflow: '[]' }))[0]);
    sales = await q('sales');
    support = await q('support');
    const agentId = h.users.agent.agentId;
    const base = {
      node: 'n',
      owner: 'o',
      caller_raw: '1',
      did: '1',
      state: 'ended',
      disposition: 'answered',
      agent_id: agentId,
    };
    await h.t.db('calls').insert([
      {
        ...base,
        id: 'a',
        channel_id: 'a',
        queue_id: sales,
        arrived_at: sh('2026-12-06T09:00:00'),
        queued_at: sh('2026-12-06T09:00:01'),
        answered_at: sh('2026-12-06T09:00:05'),
        ended_at: sh('2026-12-06T09:01:05'),
        wait_s: 4,
        talk_s: 60,
        wrap_s: 10,
      },
      {
        ...base,
        id: 'b',
        channel_id: 'b',
        queue_id: support,
        arrived_at: sh('2026-12-06T10:00:00'),
        queued_at: sh('2026-12-06T10:00:01'),
        answered_at: sh('2026-12-06T10:00:31'),
        ended_at: sh('2026-12-06T10:02:01'),
        wait_s: 30,
        talk_s: 90,
        wrap_s: 0,
      },
    ]);
    await h.t.db('supervisor_queues').insert({ user_id: h.users.supervisor.id, queue_id: sales });
    // Logged in at 08:00 with half an hour's lunch, still logged in at noon (the harness's now).
    await h.t.db('agent_presence').insert([
      { agent_id: agentId, state: 'ready', started_at: sh('2026-12-06T08:00:00'), ended_at: sh('2026-12-06T11:00:00') },
      {
        agent_id: agentId,
        state: 'paused',
        reason: 'lunch',
        started_at: sh('2026-12-06T11:00:00'),
        ended_at: sh('2026-12-06T11:30:00'),
      },
      { agent_id: agentId, state: 'ready', started_at: sh('2026-12-06T11:30:00'), ended_at: null },
    ]);
  });
  after(() => h.close());

  it('builds a day on request (admins only, audited) and reads it per queue', async () => {
    const refused = await call(h, 'POST', '/api/reports/rebuild', {
      token: h.users.supervisor.token,
      body: { day: '2026-12-06' },
    });
    expect(refused.status).to.equal(403);
    const built = await call(h, 'POST', '/api/reports/rebuild', {
      token: h.users.admin.token,
      body: { day: '2026-12-06' },
    });
    expect(built.status).to.equal(200);
    expect(built.body).to.deep.include({ day: '2026-12-06', calls: 2, intervals: 2, agents: 1 });
    const audit = await h.t.db('audit_log').where({ action: 'report.rebuild' }).first();
    expect(audit).to.deep.include({ target_type: 'report_day', target_id: '2026-12-06' });

    const report = await call(h, 'GET', '/api/reports/queues?by=total', { token: h.users.admin.token });
    expect(report.status).to.equal(200);
    expect(report.body).to.deep.include({
      from: '2026-12-06',
      to: '2026-12-06',
      by: 'total',
      timeZone: 'Asia/Shanghai',
    });
    expect(
      report.body.rows.map((r: { queue: string; answeredInSl: number }) => [r.queue, r.answeredInSl]),
    ).to.deep.equal([
      ['sales', 1],
      ['support', 0],
    ]);
    expect(report.body.totals).to.deep.include({ offered: 2, answered: 2, serviceLevelPct: 50, avgWaitS: 17 });
  });

  it('shows a supervisor only the queues they supervise, even when they name another', async () => {
    const mine = await call(h, 'GET', '/api/reports/queues?by=total', { token: h.users.supervisor.token });
    expect(mine.body.rows.map((r: { queue: string }) => r.queue)).to.deep.equal(['sales']);
    const other = await call(h, 'GET', `/api/reports/queues?by=total&queueId=${support}`, {
      token: h.users.supervisor.token,
    });
    expect(other.status).to.equal(200);
    expect(other.body.rows).to.deep.equal([]);
    const agentRole = await call(h, 'GET', '/api/reports/queues', { token: h.users.agent.token });
    expect(agentRole.status).to.equal(403);
  });

  it('exports both reports as CSV with a header of the JSON names', async () => {
    const queues = await call(h, 'GET', '/api/reports/queues?from=2026-12-06&to=2026-12-06&by=interval&format=csv', {
      token: h.users.admin.token,
    });
    expect(queues.status).to.equal(200);
    expect(queues.headers.get('content-type')).to.match(/^text\/csv/);
    expect(queues.headers.get('content-disposition')).to.contain('queues-2026-12-06-2026-12-06-interval.csv');
    const lines = String(queues.body).trim().split('\n');
    expect(lines[0]).to.equal(
      'period,start,queueId,queue,displayName,offered,answered,abandoned,answeredInSl,serviceLevelPct,abandonedPct,avgWaitS,maxWaitS,avgTalkS',
    );
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).to.deep.equal([
      `09:00,2026-12-06T01:00:00.000Z,${sales},sales`,
      `10:00,2026-12-06T02:00:00.000Z,${support},support`,
    ]);

    const agents = await call(h, 'GET', '/api/reports/agents?format=csv', { token: h.users.supervisor.token });
    expect(agents.status).to.equal(200);
    expect(String(agents.body).trim().split('\n')).to.deep.equal([
      'agentId,name,calls,missed,talkS,wrapS,avgHandleS,loggedInS,pausedS,occupancyPct',
      // 160 s handled of 12,600 s logged in and not paused.
      `${h.users.agent.agentId},Alice,2,0,150,10,80,14400,1800,1.3`,
    ]);
    const pauses = await call(h, 'GET', '/api/reports/pauses?format=csv', { token: h.users.supervisor.token });
    expect(pauses.headers.get('content-disposition')).to.contain('pauses-2026-12-06-2026-12-06.csv');
    expect(String(pauses.body).trim().split('\n')).to.deep.equal([
      'agentId,name,reason,pauses,pausedS',
      `${h.users.agent.agentId},Alice,lunch,1,1800`,
    ]);
  });

  it("draws today's presence timeline up to now, for staff only", async () => {
    const r = await call(h, 'GET', '/api/reports/presence', { token: h.users.supervisor.token });
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.include({
      day: '2026-12-06',
      timeZone: 'Asia/Shanghai',
      from: '2026-12-05T16:00:00.000Z',
      to: '2026-12-06T16:00:00.000Z',
      asOf: '2026-12-06T04:00:00.000Z',
    });
    expect(r.body.agents).to.deep.equal([
      {
        agentId: h.users.agent.agentId,
        name: 'Alice',
        loggedInS: 14_400,
        pausedS: 1_800,
        spans: [
          {
            state: 'ready',
            reason: null,
            start: '2026-12-06T00:00:00.000Z',
            end: '2026-12-06T03:00:00.000Z',
            open: false,
          },
          {
            state: 'paused',
            reason: 'lunch',
            start: '2026-12-06T03:00:00.000Z',
            end: '2026-12-06T03:30:00.000Z',
            open: false,
          },
          {
            state: 'ready',
            reason: null,
            start: '2026-12-06T03:30:00.000Z',
            end: '2026-12-06T04:00:00.000Z',
            open: true,
          },
        ],
        // Talk, then ten seconds of after-call work; the second call had none.
        calls: [
          {
            callId: 'a',
            kind: 'talk',
            start: '2026-12-06T01:00:05.000Z',
            end: '2026-12-06T01:01:05.000Z',
            open: false,
          },
          {
            callId: 'a',
            kind: 'wrap',
            start: '2026-12-06T01:01:05.000Z',
            end: '2026-12-06T01:01:15.000Z',
            open: false,
          },
          {
            callId: 'b',
            kind: 'talk',
            start: '2026-12-06T02:00:31.000Z',
            end: '2026-12-06T02:02:01.000Z',
            open: false,
          },
        ],
      },
    ]);
    const otherDay = await call(h, 'GET', '/api/reports/presence?day=2026-12-05', { token: h.users.admin.token });
    expect(otherDay.body.agents).to.deep.equal([]);
    expect(otherDay.body.asOf, 'a past day is cut at its end').to.equal('2026-12-05T16:00:00.000Z');
    expect((await call(h, 'GET', '/api/reports/presence?day=6.12', { token: h.users.admin.token })).status).to.equal(
      400,
    );
    expect((await call(h, 'GET', '/api/reports/presence', { token: h.users.agent.token })).status).to.equal(403);
  });

  it('tells an agent their own day so far, live; a user without an agent is refused', async () => {
    const r = await call(h, 'GET', '/api/agent/me/today', { token: h.users.agent.token });
    expect(r.status).to.equal(200);
    const { occupancyPct, ...rest } = r.body as { occupancyPct: number } & Record<string, unknown>;
    expect(rest).to.deep.equal({
      day: '2026-12-06',
      timeZone: 'Asia/Shanghai',
      asOf: '2026-12-06T04:00:00.000Z',
      calls: 2,
      talkS: 150,
      wrapS: 10,
      avgHandleS: 80,
      loggedInS: 14_400,
      pausedS: 1_800,
      pauses: [{ reason: 'lunch', count: 1, seconds: 1_800 }],
    });
    // Talk and after-call work over the time logged in and not paused: 160 s of 12,600.
    expect(occupancyPct).to.be.closeTo(1.3, 0.05);
    expect((await call(h, 'GET', '/api/agent/me/today', { token: h.users.admin.token })).status).to.equal(403);
  });

  it('reads pauses per agent and reason as JSON, for staff only', async () => {
    const r = await call(h, 'GET', `/api/reports/pauses?agentId=${h.users.agent.agentId}`, {
      token: h.users.admin.token,
    });
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({
      from: '2026-12-06',
      to: '2026-12-06',
      timeZone: 'Asia/Shanghai',
      rows: [{ agentId: h.users.agent.agentId, name: 'Alice', reason: 'lunch', pauses: 1, pausedS: 1800 }],
      totals: { pauses: 1, pausedS: 1800 },
    });
    expect((await call(h, 'GET', '/api/reports/pauses', { token: h.users.agent.token })).status).to.equal(403);
  });

  it('answers a bad range with a 400 that says what is wrong, and builds nothing for a bad day', async () => {
    const cases: [string, RegExp][] = [
      ['/api/reports/queues?from=2026-12-06&to=2026-12-01', /to \(2026-12-01\) is before from \(2026-12-06\)/],
      ['/api/reports/queues?from=2026-02-30', /not a calendar date/],
      ['/api/reports/queues?from=6.12.2026', /query\.from: a date as YYYY-MM-DD/],
      ['/api/reports/queues?from=2026-12-01&to=2026-12-06&by=interval', /intervals are for one day/],
      ['/api/reports/queues?by=week', /query\.by/],
      ['/api/reports/agents?from=2020-01-01&to=2026-12-06', /at most 366 days/],
      ['/api/reports/pauses?agentId=x', /query\.agentId/],
    ];
    for (const [path, message] of cases) {
      const r = await call(h, 'GET', path, { token: h.users.admin.token });
      expect(r.status, path).to.equal(400);
      expect(r.body.error.message, path).to.match(message);
    }
    const bad = await call(h, 'POST', '/api/reports/rebuild', {
      token: h.users.admin.token,
      body: { day: '2026-13-01' },
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.message).to.equal('day: "2026-13-01" is not a calendar date');
    expect(await h.t.db('audit_log').where({ action: 'report.rebuild', target_id: '2026-13-01' }).first()).to.equal(
      undefined,
    );
    const extra = await call(h, 'POST', '/api/reports/rebuild', {
      token: h.users.admin.token,
      body: { day: '2026-12-06', x: 1 },
    });
    expect(extra.status).to.equal(400);
  });
});
