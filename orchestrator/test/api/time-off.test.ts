import { expect } from 'chai';
import { DIALECTS } from '../support/db.js';
import { call, startHarness, type Harness } from './harness.js';

/** testConfig()'s zone is Asia/Shanghai. */
const sh = (local: string): Date => new Date(`${local}+08:00`);

for (const dialect of DIALECTS)
  describe(`API: time off (${dialect})`, function () {
    this.timeout(20_000);
    let h: Harness;
    let alice: number;
    const told: { agentId: number; status: string }[] = [];
    const shift = (day: string, agentId = alice) => ({ agentId, day, startTime: '09:00', endTime: '17:00' });

    before(async () => {
      h = await startHarness({ dialect, deps: { now: () => sh('2026-12-07T10:00:00') } });
      alice = h.users.agent.agentId!;
      h.bus.subscribe('time-off.decided', (e) => void told.push({ agentId: e.agentId, status: e.status }));
    });
    after(() => h.close());

    it('an agent asks for days off; overlaps, days out of order and too many are refused clearly', async () => {
      const me = h.users.agent.token;
      const asked = await call(h, 'POST', '/api/time-off', {
        token: me,
        body: { fromDay: '2026-12-21', toDay: '2026-12-24', kind: 'vacation', note: 'family' },
      });
      expect(asked.status).to.equal(201);
      expect(asked.body).to.deep.include({
        agentId: alice,
        agentName: 'Alice',
        fromDay: '2026-12-21',
        toDay: '2026-12-24',
        days: 4,
        kind: 'vacation',
        status: 'pending',
        decidedBy: null,
        removedShifts: 0,
      });
      const overlap = await call(h, 'POST', '/api/time-off', {
        token: me,
        body: { fromDay: '2026-12-24', toDay: '2026-12-26', kind: 'personal' },
      });
      expect(overlap.status).to.equal(409);
      expect(overlap.body.error.message).to.equal('it overlaps time off pending from 2026-12-21 to 2026-12-24');
      const backwards = await call(h, 'POST', '/api/time-off', {
        token: me,
        body: { fromDay: '2026-12-30', toDay: '2026-12-29', kind: 'vacation' },
      });
      expect(backwards.status).to.equal(400);
      const long = await call(h, 'POST', '/api/time-off', {
        token: me,
        body: { fromDay: '2027-01-01', toDay: '2027-06-01', kind: 'vacation' },
      });
      expect(long.status).to.equal(400);
      expect(long.body.error.message).to.match(/at most 60 days/);
      const badKind = await call(h, 'POST', '/api/time-off', {
        token: me,
        body: { fromDay: '2027-01-01', toDay: '2027-01-01', kind: 'holiday' },
      });
      expect(badKind.status).to.equal(400);
      const forBob = await call(h, 'POST', '/api/time-off', {
        token: me,
        body: { fromDay: '2027-01-01', toDay: '2027-01-01', kind: 'vacation', agentId: h.users.agent2.agentId },
      });
      expect(forBob.status).to.equal(403);
      // Agents see their own only.
      const bobs = await call(h, 'GET', '/api/time-off', { token: h.users.agent2.token });
      expect(bobs.body.items).to.deep.equal([]);
    });

    it("granting removes the agent's shifts on those days and keeps new ones off them; the agent is told", async () => {
      const sup = h.users.supervisor.token;
      expect((await call(h, 'POST', '/api/shifts', { token: sup, body: shift('2026-12-22') })).status).to.equal(201);
      expect((await call(h, 'POST', '/api/shifts', { token: sup, body: shift('2026-12-25') })).status).to.equal(201);
      const pending = await call(h, 'GET', '/api/time-off?status=pending', { token: sup });
      expect(pending.body.items).to.have.length(1);
      const [request] = pending.body.items;
      expect(request).to.deep.include({ agentId: alice, shifts: 1 });
      expect(
        (
          await call(h, 'POST', `/api/time-off/${request.id}/decision`, {
            token: h.users.agent.token,
            body: { status: 'approved' },
          })
        ).status,
      ).to.equal(403);

      const granted = await call(h, 'POST', `/api/time-off/${request.id}/decision`, {
        token: sup,
        body: { status: 'approved', note: 'enjoy' },
      });
      expect(granted.status).to.equal(200);
      expect(granted.body).to.deep.include({
        status: 'approved',
        decidedBy: h.users.supervisor.id,
        decisionNote: 'enjoy',
        removedShifts: 1,
        shifts: 0,
      });
      expect(told).to.deep.equal([{ agentId: alice, status: 'approved' }]);
      const left = await call(h, 'GET', `/api/shifts?from=2026-12-21&to=2026-12-26&agentId=${alice}`, { token: sup });
      expect(left.body.shifts.map((s: { day: string }) => s.day)).to.deep.equal(['2026-12-25']);
      const refused = await call(h, 'POST', '/api/shifts', { token: sup, body: shift('2026-12-23') });
      expect(refused.status).to.equal(409);
      expect(refused.body.error.message).to.equal('the agent has vacation time off from 2026-12-21 to 2026-12-24');
      const again = await call(h, 'POST', `/api/time-off/${request.id}/decision`, {
        token: sup,
        body: { status: 'rejected' },
      });
      expect(again.status).to.equal(409);
    });

    it('a supervisor refuses a request or records a sick day at once; cancelling is for the agent and staff', async () => {
      const sup = h.users.supervisor.token;
      const bob = h.users.agent2.agentId!;
      const asked = await call(h, 'POST', '/api/time-off', {
        token: h.users.agent2.token,
        body: { fromDay: '2026-12-28', toDay: '2026-12-28', kind: 'personal' },
      });
      const refused = await call(h, 'POST', `/api/time-off/${asked.body.id}/decision`, {
        token: sup,
        body: { status: 'rejected', note: 'year-end peak' },
      });
      expect(refused.body).to.deep.include({ status: 'rejected', decisionNote: 'year-end peak', removedShifts: 0 });

      await call(h, 'POST', '/api/shifts', { token: sup, body: shift('2026-12-08', bob) });
      const sick = await call(h, 'POST', '/api/time-off', {
        token: sup,
        body: { agentId: bob, fromDay: '2026-12-08', toDay: '2026-12-09', kind: 'sick' },
      });
      expect(sick.status).to.equal(201);
      expect(sick.body).to.deep.include({ agentId: bob, status: 'approved', removedShifts: 1 });
      expect(told.at(-1)).to.deep.equal({ agentId: bob, status: 'approved' });

      // Alice may not cancel Bob's; Bob may; a cancelled one is not cancelled twice.
      expect(
        (await call(h, 'POST', `/api/time-off/${sick.body.id}/cancel`, { token: h.users.agent.token })).status,
      ).to.equal(403);
      const cancelled = await call(h, 'POST', `/api/time-off/${sick.body.id}/cancel`, { token: h.users.agent2.token });
      expect(cancelled.body).to.deep.include({ status: 'cancelled' });
      expect((await call(h, 'POST', `/api/time-off/${sick.body.id}/cancel`, { token: sup })).status).to.equal(409);
      // Cancelled: shifts may be made again.
      expect((await call(h, 'POST', '/api/shifts', { token: sup, body: shift('2026-12-08', bob) })).status).to.equal(
        201,
      );
      // Cancelled by a supervisor: the agent is told; by the agent: nobody needs telling.
      const mine = await call(h, 'POST', '/api/time-off', {
        token: h.users.agent.token,
        body: { fromDay: '2027-02-01', toDay: '2027-02-02', kind: 'personal' },
      });
      const before = told.length;
      await call(h, 'POST', `/api/time-off/${mine.body.id}/cancel`, { token: sup });
      expect(told.slice(before)).to.deep.equal([{ agentId: alice, status: 'cancelled' }]);
      expect(told.length - before).to.equal(1);
      // An admin, bound to no agent, must say whom the days are for.
      const nobody = await call(h, 'POST', '/api/time-off', {
        token: h.users.admin.token,
        body: { fromDay: '2026-12-30', toDay: '2026-12-30', kind: 'other' },
      });
      expect(nobody.status).to.equal(403);
      const range = await call(h, 'GET', '/api/time-off?from=2026-12-08&to=2026-12-08', { token: sup });
      expect(range.body.items.map((t: { kind: string }) => t.kind)).to.deep.equal(['sick']);
      const audit = await h.t.db('audit_log').where('action', 'like', 'time-off.%').pluck('action');
      expect(audit).to.include.members(['time-off.request', 'time-off.decide', 'time-off.cancel']);
    });
  });
