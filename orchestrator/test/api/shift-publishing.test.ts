import { expect } from 'chai';
import { DIALECTS } from '../support/db.js';
import { call, startHarness, type Harness } from './harness.js';

/** testConfig()'s zone is Asia/Shanghai. */
const sh = (local: string): Date => new Date(`${local}+08:00`);

for (const dialect of DIALECTS)
  describe(`API: a schedule drafted, then published (${dialect})`, function () {
    this.timeout(20_000);
    let h: Harness;
    let alice: number;
    let bob: number;
    const now = sh('2026-12-07T10:00:00');
    const changed: (readonly number[] | 'all')[] = [];
    const published: { from: string; to: string; agentIds: readonly number[] }[] = [];

    const shift = (agentId: number, day: string, extra: object = {}) => ({
      agentId,
      day,
      startTime: '09:00',
      endTime: '17:00',
      activities: [{ kind: 'lunch', startTime: '12:00', endTime: '13:00' }],
      ...extra,
    });
    const add = async (body: object) => {
      const res = await call(h, 'POST', '/api/shifts', { token: h.users.supervisor.token, body });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body as { id: number; publishedAt: string | null };
    };
    const listed = async (token: string, from = '2026-12-14', to = '2026-12-20') =>
      (await call(h, 'GET', `/api/shifts?from=${from}&to=${to}`, { token })).body.shifts as {
        id: number;
        agentId: number;
        day: string;
        publishedAt: string | null;
      }[];

    before(async () => {
      h = await startHarness({ dialect, deps: { now: () => now } });
      alice = h.users.agent.agentId!;
      bob = h.users.agent2.agentId!;
      h.bus.subscribe('schedule.changed', (e) => void changed.push(e.agentIds));
      h.bus.subscribe('schedule.published', (e) => void published.push(e));
    });
    after(() => h.close());
    beforeEach(async () => {
      changed.length = 0;
      published.length = 0;
      await h.t.db('shift_activities').delete();
      await h.t.db('shifts').delete();
    });

    it('a draft is seen by staff only until published; its agent is told then, and not before', async () => {
      const draft = await add(shift(alice, '2026-12-14', { draft: true }));
      expect(draft.publishedAt).to.equal(null);
      const live = await add(shift(alice, '2026-12-15'));
      expect(live.publishedAt).to.equal(now.toISOString());
      expect(changed).to.deep.equal([[], [alice]]);

      expect((await listed(h.users.supervisor.token)).map((s) => s.id)).to.deep.equal([draft.id, live.id]);
      expect((await listed(h.users.agent.token)).map((s) => s.id)).to.deep.equal([live.id]);

      const res = await call(h, 'POST', '/api/shifts/publish', {
        token: h.users.supervisor.token,
        body: { from: '2026-12-14', to: '2026-12-20' },
      });
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ from: '2026-12-14', to: '2026-12-20', count: 1, agentIds: [alice] });
      expect(published).to.deep.equal([{ from: '2026-12-14', to: '2026-12-20', agentIds: [alice] }]);
      expect(changed.at(-1)).to.deep.equal([alice]);
      expect((await listed(h.users.agent.token)).map((s) => s.id)).to.deep.equal([draft.id, live.id]);
      const row = await h.t.db('shifts').where({ id: draft.id }).first('published_by');
      expect(Number(row.published_by)).to.equal(h.users.supervisor.id);

      // Nothing left to publish: nobody is told again.
      const again = await call(h, 'POST', '/api/shifts/publish', {
        token: h.users.supervisor.token,
        body: { from: '2026-12-14', to: '2026-12-20' },
      });
      expect(again.body.count).to.equal(0);
      expect(published).to.have.length(1);
      const audit = await h.t.db('audit_log').where({ action: 'shift.publish' }).orderBy('id').pluck('details');
      expect(audit.map((d) => JSON.parse(String(d)).published)).to.deep.equal([1, 0]);
    });

    it('publishes only the days and agents asked for; discards drafts and leaves published shifts', async () => {
      const a14 = await add(shift(alice, '2026-12-14', { draft: true }));
      const b14 = await add(shift(bob, '2026-12-14', { draft: true }));
      const a21 = await add(shift(alice, '2026-12-21', { draft: true }));
      const b15 = await add(shift(bob, '2026-12-15'));
      const one = await call(h, 'POST', '/api/shifts/publish', {
        token: h.users.admin.token,
        body: { from: '2026-12-14', to: '2026-12-20', agentIds: [bob] },
      });
      expect(one.body).to.deep.include({ count: 1, agentIds: [bob] });
      const discarded = await call(h, 'POST', '/api/shifts/discard', {
        token: h.users.supervisor.token,
        body: { from: '2026-12-14', to: '2026-12-20' },
      });
      expect(discarded.body).to.deep.equal({ from: '2026-12-14', to: '2026-12-20', count: 1, agentIds: [alice] });
      // Discarding drafts tells staff only: no agent ever saw them.
      expect(changed.at(-1)).to.deep.equal([]);
      const left = (await h.t.db('shifts').orderBy('id').pluck('id')).map(Number);
      expect(left).to.deep.equal([b14.id, a21.id, b15.id]);
      expect(await h.t.db('shift_activities').where({ shift_id: a14.id }).count({ n: '*' })).to.deep.equal([{ n: 0 }]);
    });

    it('refuses a bad range, agents, and turning a published shift back into a draft', async () => {
      for (const body of [
        { from: '2026-12-20', to: '2026-12-14' },
        { from: '2026-12-01', to: '2027-01-31' },
        { from: '2026-12-14' },
        { from: '2026-12-14', to: '2026-12-20', extra: 1 },
      ]) {
        const res = await call(h, 'POST', '/api/shifts/publish', { token: h.users.supervisor.token, body });
        expect(res.status, JSON.stringify(body)).to.equal(400);
      }
      const backwards = await call(h, 'POST', '/api/shifts/discard', {
        token: h.users.supervisor.token,
        body: { from: '2026-12-20', to: '2026-12-14' },
      });
      expect(backwards.body.error.message).to.match(/`to` is before `from`/);
      const asAgent = await call(h, 'POST', '/api/shifts/publish', {
        token: h.users.agent.token,
        body: { from: '2026-12-14', to: '2026-12-20' },
      });
      expect(asAgent.status).to.equal(403);

      const live = await add(shift(alice, '2026-12-14'));
      const back = await call(h, 'PUT', `/api/shifts/${live.id}`, {
        token: h.users.supervisor.token,
        body: shift(alice, '2026-12-14', { draft: true }),
      });
      expect(back.status).to.equal(409);
      expect(back.body.error.message).to.equal('a published shift cannot become a draft again: remove it instead');
      expect((await h.t.db('shifts').where({ id: live.id }).first('published_at')).published_at).to.not.equal(null);
    });

    it('editing a draft keeps it one unless told to publish it; moving a published shift tells both agents', async () => {
      const draft = await add(shift(alice, '2026-12-14', { draft: true }));
      const edited = await call(h, 'PUT', `/api/shifts/${draft.id}`, {
        token: h.users.supervisor.token,
        body: shift(bob, '2026-12-14', { startTime: '10:00', endTime: '18:00' }),
      });
      expect(edited.body).to.deep.include({ agentId: bob, startTime: '10:00', publishedAt: null });
      expect(changed.at(-1)).to.deep.equal([]);
      const out = await call(h, 'PUT', `/api/shifts/${draft.id}`, {
        token: h.users.supervisor.token,
        body: shift(bob, '2026-12-14', { draft: false }),
      });
      expect(out.body.publishedAt).to.equal(now.toISOString());
      expect(changed.at(-1)).to.deep.equal([bob]);
      expect(published).to.deep.equal([{ from: '2026-12-14', to: '2026-12-14', agentIds: [bob] }]);
      await call(h, 'PUT', `/api/shifts/${draft.id}`, {
        token: h.users.supervisor.token,
        body: shift(alice, '2026-12-14'),
      });
      expect(changed.at(-1)).to.deep.equal([bob, alice]);
      const removed = await add(shift(bob, '2026-12-16', { draft: true }));
      expect((await call(h, 'DELETE', `/api/shifts/${removed.id}`, { token: h.users.admin.token })).status).to.equal(
        204,
      );
      expect(changed.at(-1)).to.deep.equal([]);
    });

    it('copies as drafts when asked; a draft is neither traded nor measured', async () => {
      await add(shift(alice, '2026-12-07', { startTime: '08:00', endTime: '16:00' }));
      const copy = await call(h, 'POST', '/api/shifts/copy', {
        token: h.users.supervisor.token,
        body: { fromDay: '2026-12-07', toDay: '2026-12-14', days: 1, draft: true },
      });
      expect(copy.body.copied).to.equal(1);
      expect(changed.at(-1)).to.deep.equal([]);
      const [copied] = await listed(h.users.supervisor.token);
      expect(copied).to.deep.include({ agentId: alice, day: '2026-12-14', publishedAt: null });
      expect(await listed(h.users.agent.token)).to.deep.equal([]);

      const trade = await call(h, 'POST', '/api/shift-trades', {
        token: h.users.agent.token,
        body: { shiftId: copied!.id, toAgentId: bob },
      });
      expect(trade.status).to.equal(409);
      expect(trade.body.error.message).to.equal(`shift ${copied!.id} is a draft: only a published shift is traded`);
      const candidates = await call(h, 'GET', `/api/shift-trades/candidates?shiftId=${copied!.id}`, {
        token: h.users.agent.token,
      });
      expect(candidates.status).to.equal(404);

      // A colleague's draft is in the way of a trade, without its times told.
      const mine = await add(shift(alice, '2026-12-15'));
      await add(shift(bob, '2026-12-15', { startTime: '13:00', endTime: '21:00', activities: [], draft: true }));
      const offered = await call(h, 'GET', `/api/shift-trades/candidates?shiftId=${mine.id}`, {
        token: h.users.agent.token,
      });
      expect(offered.body.items.find((c: { agentId: number }) => c.agentId === bob).busy).to.equal(
        'has a shift being planned then',
      );
      const toBob = await call(h, 'POST', '/api/shift-trades', {
        token: h.users.agent.token,
        body: { shiftId: mine.id, toAgentId: bob },
      });
      expect(toBob.status).to.equal(409);
      expect(toBob.body.error.message).to.equal('Bob has a shift being planned then');

      // Today's draft: the adherence report leaves it out; published, it is measured.
      const today = await add(shift(bob, '2026-12-07', { draft: true }));
      const report = async () =>
        (await call(h, 'GET', '/api/reports/adherence?day=2026-12-07', { token: h.users.supervisor.token })).body
          .agents as { agentId: number }[];
      expect((await report()).map((a) => a.agentId)).to.deep.equal([alice]);
      await call(h, 'PUT', `/api/shifts/${today.id}`, {
        token: h.users.supervisor.token,
        body: shift(bob, '2026-12-07', { draft: false }),
      });
      expect((await report()).map((a) => a.agentId).sort()).to.deep.equal([alice, bob].sort());
    });
  });
