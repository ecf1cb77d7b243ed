import { expect } from 'chai';
import { forecastQueue } from '../support/rota.js';
import { call, startHarness, type Harness } from './harness.js';

/** testConfig() has no Asterisk configured: the contact center's zone is the demo's, Asia/Shanghai. */
const sh = (local: string): Date => new Date(`${local}+08:00`);

describe('API: shifts and schedule adherence', function () {
  this.timeout(20_000);
  let h: Harness;
  let now = sh('2026-12-07T12:10:00');
  let alice: number;
  let bob: number;
  const nineToFive = (agentId: number, day = '2026-12-07') => ({
    agentId,
    day,
    startTime: '09:00',
    endTime: '17:00',
    activities: [{ kind: 'break', startTime: '12:00', endTime: '12:30' }],
  });

  before(async () => {
    h = await startHarness({ deps: { now: () => now } });
    alice = h.users.agent.agentId!;
    bob = h.users.agent2.agentId!;
  });
  after(() => h.close());

  it('supervisors schedule shifts; overlaps, bad times and unknown agents are refused clearly; agents may not write', async () => {
    const sup = h.users.supervisor.token;
    const added = await call(h, 'POST', '/api/shifts', { token: sup, body: { ...nineToFive(alice), note: 'front' } });
    expect(added.status).to.equal(201);
    expect(added.body).to.deep.include({ agentId: alice, day: '2026-12-07', startTime: '09:00', endTime: '17:00' });
    expect(added.body.start).to.equal(sh('2026-12-07T09:00:00').toISOString());
    expect(added.body.phoneS).to.equal(7.5 * 3600);

    const overlap = await call(h, 'POST', '/api/shifts', {
      token: sup,
      body: { agentId: alice, day: '2026-12-07', startTime: '16:00', endTime: '20:00' },
    });
    expect(overlap.status).to.equal(409);
    expect(overlap.body.error.message).to.equal("it overlaps the agent's shift 09:00–17:00 on 2026-12-07");
    const outside = await call(h, 'POST', '/api/shifts', {
      token: sup,
      body: { ...nineToFive(bob), activities: [{ kind: 'lunch', startTime: '18:00', endTime: '18:30' }] },
    });
    expect(outside.status).to.equal(400);
    expect(outside.body.error.message).to.match(/lunch 18:00–18:30 is not inside the shift/);
    const badTime = await call(h, 'POST', '/api/shifts', {
      token: sup,
      body: { ...nineToFive(bob), endTime: '25:00' },
    });
    expect(badTime.status).to.equal(400);
    expect(badTime.body.error.details[0]).to.deep.include({ field: 'endTime' });
    const noAgent = await call(h, 'POST', '/api/shifts', { token: sup, body: nineToFive(999_999) });
    expect(noAgent.status).to.equal(404);
    const asAgent = await call(h, 'POST', '/api/shifts', {
      token: h.users.agent.token,
      body: nineToFive(alice, '2026-12-08'),
    });
    expect(asAgent.status).to.equal(403);

    const bobs = await call(h, 'POST', '/api/shifts', { token: sup, body: { ...nineToFive(bob), startTime: '08:00' } });
    expect(bobs.status).to.equal(201);
    const edited = await call(h, 'PUT', `/api/shifts/${bobs.body.id}`, {
      token: sup,
      body: { ...nineToFive(bob), startTime: '10:00', endTime: '18:00' },
    });
    expect(edited.status).to.equal(200);
    expect(edited.body).to.deep.include({ id: bobs.body.id, startTime: '10:00', endTime: '18:00' });
    expect((await call(h, 'PUT', '/api/shifts/999999', { token: sup, body: nineToFive(bob) })).status).to.equal(404);

    const audit = await h.t.db('audit_log').where('action', 'like', 'shift.%').orderBy('id').select('action');
    expect(audit.map((a) => a.action)).to.deep.equal(['shift.add', 'shift.add', 'shift.update']);
  });

  it('lists a range of days; an agent sees only their own shifts', async () => {
    const sup = await call(h, 'GET', '/api/shifts?from=2026-12-07&to=2026-12-13', { token: h.users.supervisor.token });
    expect(sup.status).to.equal(200);
    expect(sup.body).to.deep.include({ from: '2026-12-07', to: '2026-12-13', timeZone: 'Asia/Shanghai' });
    expect(sup.body.shifts.map((s: { agentId: number }) => s.agentId)).to.deep.equal([alice, bob]);
    const own = await call(h, 'GET', `/api/shifts?from=2026-12-07&to=2026-12-13&agentId=${bob}`, {
      token: h.users.agent.token,
    });
    expect(own.body.shifts.map((s: { agentId: number }) => s.agentId)).to.deep.equal([alice]);
    // Today by default.
    const today = await call(h, 'GET', '/api/shifts', { token: h.users.agent.token });
    expect(today.body).to.deep.include({ from: '2026-12-07', to: '2026-12-07' });
    expect(today.body.shifts).to.have.length(1);
    const tooLong = await call(h, 'GET', '/api/shifts?from=2026-12-01&to=2027-01-31', { token: h.users.admin.token });
    expect(tooLong.status).to.equal(400);
    const backwards = await call(h, 'GET', '/api/shifts?from=2026-12-09&to=2026-12-01', { token: h.users.admin.token });
    expect(backwards.status).to.equal(400);
  });

  it('adherence through today: late in and ready through the break; where each agent is now', async () => {
    await h.t.db('agent_presence').insert([
      // Alice: 10 minutes late, then ready through her break, still ready now.
      { agent_id: alice, state: 'ready', reason: null, started_at: sh('2026-12-07T09:10:00'), ended_at: null },
      // Bob: in on time for his 10:00 shift, paused for lunch since 11:30.
      {
        agent_id: bob,
        state: 'ready',
        reason: null,
        started_at: sh('2026-12-07T10:00:00'),
        ended_at: sh('2026-12-07T11:30:00'),
      },
      { agent_id: bob, state: 'paused', reason: 'lunch', started_at: sh('2026-12-07T11:30:00'), ended_at: null },
    ]);
    const r = await call(h, 'GET', '/api/reports/adherence?day=2026-12-07', { token: h.users.supervisor.token });
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.include({ day: '2026-12-07', timeZone: 'Asia/Shanghai', asOf: now.toISOString() });
    const [a, b] = r.body.agents;
    expect(a).to.deep.include({
      agentId: alice,
      scheduledS: 3 * 3600 + 600,
      inAdherenceS: 2 * 3600 + 50 * 60,
      phoneScheduledS: 3 * 3600,
      phoneReadyS: 2 * 3600 + 50 * 60,
      unscheduledS: 0,
    });
    expect(a.current).to.deep.equal({ expected: 'break', actual: 'ready', reason: null, inAdherence: false });
    expect(a.exceptions.map((e: { expected: string; actual: string }) => `${e.expected}/${e.actual}`)).to.deep.equal([
      'phone/logged_out',
      'break/ready',
    ]);
    // Bob's lunch began half an hour before his break: out of adherence then, in it once the break began.
    expect(b).to.deep.include({ agentId: bob, scheduledS: 2 * 3600 + 600, inAdherenceS: 1.5 * 3600 + 600 });
    expect(b.exceptions).to.have.length(1);
    expect(b.exceptions[0]).to.deep.include({ expected: 'phone', actual: 'paused', reason: 'lunch' });
    expect(b.current).to.deep.equal({ expected: 'break', actual: 'paused', reason: 'lunch', inAdherence: true });
    expect(r.body.totals.scheduledS).to.equal(a.scheduledS + b.scheduledS);

    const one = await call(h, 'GET', `/api/reports/adherence?day=2026-12-07&agentId=${bob}`, {
      token: h.users.admin.token,
    });
    expect(one.body.agents.map((x: { agentId: number }) => x.agentId)).to.deep.equal([bob]);
    expect((await call(h, 'GET', '/api/reports/adherence', { token: h.users.agent.token })).status).to.equal(403);
    // Over several days, per agent, and as CSV.
    const summary = await call(h, 'GET', '/api/reports/adherence/summary?from=2026-12-06&to=2026-12-07', {
      token: h.users.supervisor.token,
    });
    expect(summary.status).to.equal(200);
    expect(summary.body.totals).to.deep.include(r.body.totals);
    expect(summary.body.totals).to.deep.include({ exceptions: 3, unscheduledS: 0 });
    expect(summary.body.rows[0]).to.deep.include({
      agentId: alice,
      days: 1,
      scheduledS: a.scheduledS,
      inAdherenceS: a.inAdherenceS,
      adherencePct: a.adherencePct,
      phoneReadyPct: Math.round((1000 * a.phoneReadyS) / a.phoneScheduledS) / 10,
      exceptions: 2,
    });
    const csv = await call(h, 'GET', '/api/reports/adherence/summary?from=2026-12-07&format=csv', {
      token: h.users.admin.token,
    });
    const lines = String(csv.body).trim().split(/\r?\n/);
    expect(lines[0]).to.equal(
      'agentId,name,days,scheduledS,inAdherenceS,adherencePct,phoneScheduledS,phoneReadyS,phoneReadyPct,unscheduledS,exceptions',
    );
    expect(lines).to.have.length(3);
    expect(
      (
        await call(h, 'GET', '/api/reports/adherence/summary?from=2026-12-08&to=2026-12-01', {
          token: h.users.admin.token,
        })
      ).status,
    ).to.equal(400);
    // A day ahead: the shifts, nothing elapsed.
    await call(h, 'POST', '/api/shifts', { token: h.users.supervisor.token, body: nineToFive(alice, '2026-12-08') });
    const tomorrow = await call(h, 'GET', '/api/reports/adherence?day=2026-12-08', { token: h.users.admin.token });
    expect(tomorrow.body.agents).to.have.length(1);
    expect(tomorrow.body.agents[0]).to.deep.include({ scheduledS: 0, adherencePct: null, current: null });
  });

  it("copies a day's shifts; the staffing report counts those scheduled on the phones with the queue's skills", async () => {
    const sup = h.users.supervisor.token;
    const copied = await call(h, 'POST', '/api/shifts/copy', {
      token: sup,
      body: { fromDay: '2026-12-07', toDay: '2026-12-14', days: 1 },
    });
    expect(copied.status).to.equal(200);
    expect(copied.body).to.deep.equal({ copied: 2, skipped: [] });
    const again = await call(h, 'POST', '/api/shifts/copy', {
      token: sup,
      body: { fromDay: '2026-12-07', toDay: '2026-12-14', days: 1, agentIds: [alice] },
    });
    expect(again.body.copied).to.equal(0);
    expect(again.body.skipped[0]).to.deep.include({ agentId: alice, day: '2026-12-14' });
    expect(
      (await call(h, 'POST', '/api/shifts/copy', { token: sup, body: { fromDay: '2026-12-07' } })).status,
    ).to.equal(400);

    const queueId = Number(
      (await h.t.db('queues').insert({ name: 'sched', display_name: 'Sched', wrap_up_s: 0, overflow: '[]' }))[0],
    );
    const skill = Number((await h.t.db('skills').insert({ name: 'sched-skill' }))[0]);
    await h.t.db('queue_skills').insert({ queue_id: queueId, skill_id: skill, min_level: 1 });
    await h.t.db('agent_skills').insert({ agent_id: alice, skill_id: skill, level: 3 });
    now = sh('2026-12-10T08:00:00');
    const staffing = await call(h, 'GET', `/api/reports/staffing?day=2026-12-14&queueId=${queueId}`, {
      token: h.users.admin.token,
    });
    expect(staffing.status).to.equal(200);
    const scheduled = (period: string) =>
      (staffing.body.intervals as { period: string; agentsScheduled: number }[]).find((i) => i.period === period)
        ?.agentsScheduled;
    // Alice alone has the skill (Bob's shift is not counted); her break takes her off the phones 12:00-12:30.
    expect([
      scheduled('08:45'),
      scheduled('09:00'),
      scheduled('11:45'),
      scheduled('12:00'),
      scheduled('12:30'),
    ]).to.deep.equal([0, 1, 1, 0, 1]);

    const [copy] = (await call(h, 'GET', `/api/shifts?from=2026-12-14&agentId=${alice}`, { token: sup })).body.shifts;
    expect((await call(h, 'DELETE', `/api/shifts/${copy.id}`, { token: sup })).status).to.equal(204);
    expect((await call(h, 'DELETE', `/api/shifts/${copy.id}`, { token: sup })).status).to.equal(404);
    expect(
      (await call(h, 'GET', `/api/reports/staffing?day=2026-12-14&queueId=${queueId}`, { token: h.users.admin.token }))
        .body.intervals,
    ).to.satisfy((list: { agentsScheduled: number }[]) => list.every((i) => i.agentsScheduled === 0));
  });

  it("plans a queue's day from its forecast: a preview, then the shifts made; agents with a shift are left out", async () => {
    now = sh('2026-12-10T08:00:00');
    const { queueId, agents } = await forecastQueue(h.t.db, { name: 'Rota', agents: 8, endpointPrefix: 'PJSIP/39' });
    const sup = h.users.admin.token;
    // One of them has the day off: not planned.
    const off = await call(h, 'POST', '/api/time-off', {
      token: sup,
      body: { agentId: agents[0], fromDay: '2026-12-14', toDay: '2026-12-14', kind: 'vacation' },
    });
    expect(off.status).to.equal(201);
    // Another is contracted for 12 hours a week and already works 8 of them on the Wednesday: no 8 more.
    const contract = await call(h, 'PATCH', `/api/agents/${agents[1]}`, { token: sup, body: { weeklyHours: 12 } });
    expect(contract.status).to.equal(200);
    expect(contract.body.weeklyHours).to.equal(12);
    const wednesday = await call(h, 'POST', '/api/shifts', {
      token: sup,
      body: { agentId: agents[1], day: '2026-12-16', startTime: '09:00', endTime: '17:00' },
    });
    expect(wednesday.status).to.equal(201);

    const preview = await call(h, 'POST', '/api/shifts/plan', { token: sup, body: { day: '2026-12-14', queueId } });
    expect(preview.status).to.equal(200);
    expect(preview.body).to.deep.include({
      day: '2026-12-14',
      queueId,
      shiftHours: 8,
      basis: 'forecast',
      created: null,
    });
    const needed = (preview.body.coverage as { period: string; needed: number; before: number; after: number }[]).find(
      (c) => c.period === '12:00',
    )!;
    expect(needed.needed).to.be.within(5, 8);
    expect(needed.before).to.equal(0);
    // Six agents for seven needed: at lunch time some more are off the phones.
    expect(needed.after).to.be.within(needed.needed - 3, needed.needed);
    const proposed = preview.body.shifts as {
      agentId: number;
      startTime: string;
      endTime: string;
      activities: unknown[];
    }[];
    expect(proposed.length).to.be.within(needed.needed - 1, 6);
    expect(
      proposed.every((p) => agents.includes(p.agentId) && p.agentId !== agents[0] && p.agentId !== agents[1]),
    ).to.equal(true);
    // The calls come from 09:00 to 17:00: a shift there for each agent needed (as many as there are agents), then
    // one or two more to cover their breaks, staggered, when agents are left.
    const full = Math.min(needed.needed, proposed.length);
    expect(proposed.slice(0, full).map((p) => `${p.startTime}-${p.endTime}`)).to.deep.equal(
      Array.from({ length: full }, () => '09:00-17:00'),
    );
    expect(proposed.every((p) => p.activities.length === 3)).to.equal(true);
    expect(await h.t.db('shifts').whereIn('agent_id', agents).where({ day: '2026-12-14' })).to.be.empty;

    const applied = await call(h, 'POST', '/api/shifts/plan', {
      token: sup,
      body: { day: '2026-12-14', queueId, apply: true, draft: true },
    });
    expect(applied.body.created).to.have.length(proposed.length);
    expect(applied.body.created.every((c: { publishedAt: string | null }) => c.publishedAt === null)).to.equal(true);
    expect(applied.body.skipped).to.deep.equal([]);
    const made = await call(h, 'GET', '/api/shifts?from=2026-12-14', { token: sup });
    expect(made.body.shifts.filter((x: { agentId: number }) => agents.includes(x.agentId))).to.have.length(
      proposed.length,
    );
    // Planned again: the shifts made are counted, drafts as they are, and the agents with one are not planned twice.
    const again = await call(h, 'POST', '/api/shifts/plan', { token: sup, body: { day: '2026-12-14', queueId } });
    expect(
      again.body.shifts.every(
        (x: { agentId: number }) => !applied.body.created.some((c: { agentId: number }) => c.agentId === x.agentId),
      ),
    ).to.equal(true);
    expect(again.body.coverage.find((c: { period: string }) => c.period === '12:00').before).to.equal(needed.after);

    const past = await call(h, 'POST', '/api/shifts/plan', { token: sup, body: { day: '2026-12-07', queueId } });
    expect(past.status).to.equal(400);
    expect(past.body.error.message).to.match(/has been lived/);
    const notMine = await call(h, 'POST', '/api/shifts/plan', {
      token: h.users.supervisor.token,
      body: { day: '2026-12-14', queueId },
    });
    expect(notMine.status).to.equal(404);
    const tooShort = await call(h, 'POST', '/api/shifts/plan', {
      token: sup,
      body: { day: '2026-12-14', queueId, shiftHours: 2 },
    });
    expect(tooShort.status).to.equal(400);
  });
});
