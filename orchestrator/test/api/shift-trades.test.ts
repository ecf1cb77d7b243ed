import { expect } from 'chai';
import { testConfig } from '../../src/config/load.js';
import { DIALECTS } from '../support/db.js';
import { call, startHarness, type Harness } from './harness.js';

/** testConfig()'s zone is Asia/Shanghai. */
const sh = (local: string): Date => new Date(`${local}+08:00`);

for (const dialect of DIALECTS)
  describe(`API: shift trades (${dialect})`, function () {
    this.timeout(20_000);
    let h: Harness;
    let alice: number;
    let bob: number;
    let sup: number;
    let now = sh('2026-12-07T10:00:00');
    const events: {
      tradeId: number;
      status: string;
      fromAgentId: number;
      toAgentId: number | null;
      toAnyone: boolean;
    }[] = [];
    const scheduleChanged: (readonly number[] | 'all')[] = [];

    const addShift = async (agentId: number, day: string, startTime = '09:00', endTime = '17:00') => {
      const res = await call(h, 'POST', '/api/shifts', {
        token: h.users.admin.token,
        body: {
          agentId,
          day,
          startTime,
          endTime,
          activities: startTime === '09:00' ? [{ kind: 'lunch', startTime: '12:00', endTime: '13:00' }] : [],
        },
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body.id as number;
    };
    const ownerOf = async (shiftId: number) =>
      Number((await h.t.db('shifts').where({ id: shiftId }).first('agent_id')).agent_id);
    const offer = (token: string, body: object) => call(h, 'POST', '/api/shift-trades', { token, body });
    const act = (token: string, id: number, verb: string, body?: object) =>
      call(h, 'POST', `/api/shift-trades/${id}/${verb}`, { token, body });

    before(async () => {
      h = await startHarness({ dialect, deps: { now: () => now } });
      alice = h.users.agent.agentId!;
      bob = h.users.agent2.agentId!;
      sup = h.users.supervisor.agentId!;
      h.bus.subscribe('shift-trade.changed', (e) => void events.push(e));
      h.bus.subscribe('schedule.changed', (e) => void scheduleChanged.push(e.agentIds));
      await h.t.db('skills').insert([{ name: 'sales' }, { name: 'billing' }]);
      const skill = async (name: string) => Number((await h.t.db('skills').where({ name }).first('id')).id);
      const [sales, billing] = [await skill('sales'), await skill('billing')];
      await h.t.db('agent_skills').insert([
        { agent_id: alice, skill_id: sales, level: 5 },
        { agent_id: alice, skill_id: billing, level: 5 },
        { agent_id: bob, skill_id: sales, level: 5 },
      ]);
    });
    after(() => h.close());
    afterEach(() => {
      now = sh('2026-12-07T10:00:00');
    });

    it('a give-away: offered to a colleague, accepted, approved; the shift changes hands and both are told', async () => {
      const shift = await addShift(alice, '2026-12-10');
      const offered = await offer(h.users.agent.token, { shiftId: shift, toAgentId: bob, note: 'dentist' });
      expect(offered.status, JSON.stringify(offered.body)).to.equal(201);
      expect(offered.body).to.deep.include({
        status: 'offered',
        fromAgentId: alice,
        fromAgentName: 'Alice',
        toAgentId: bob,
        toAgentName: 'Bob',
        swapShift: null,
        note: 'dentist',
        expired: false,
        takerLacks: ['billing'],
        giverLacks: [],
        takerAvailable: true,
        giverAvailable: null,
      });
      expect(offered.body.shift).to.deep.include({
        id: shift,
        day: '2026-12-10',
        startTime: '09:00',
        endTime: '17:00',
        phoneS: 7 * 3600,
      });
      const id = offered.body.id as number;
      expect(events.at(-1)).to.deep.equal({
        tradeId: id,
        status: 'offered',
        fromAgentId: alice,
        toAgentId: bob,
        toAnyone: false,
      });

      // Bob sees it; the supervisor (not in it) as staff too.
      const bobs = await call(h, 'GET', '/api/shift-trades?status=offered', { token: h.users.agent2.token });
      expect(bobs.body.items.map((t: { id: number }) => t.id)).to.include(id);
      // Nothing changes hands before a supervisor approves.
      const accepted = await act(h.users.agent2.token, id, 'accept');
      expect(accepted.status, JSON.stringify(accepted.body)).to.equal(200);
      expect(accepted.body).to.deep.include({ status: 'accepted', toAgentId: bob });
      expect(accepted.body.acceptedAt).to.equal(now.toISOString());
      expect(await ownerOf(shift)).to.equal(alice);
      // Agents do not decide.
      expect((await act(h.users.agent2.token, id, 'decision', { status: 'approved' })).status).to.equal(403);

      const before = scheduleChanged.length;
      const approved = await act(h.users.supervisor.token, id, 'decision', { status: 'approved', note: 'fine' });
      expect(approved.status, JSON.stringify(approved.body)).to.equal(200);
      expect(approved.body).to.deep.include({
        status: 'approved',
        decidedBy: h.users.supervisor.id,
        decisionNote: 'fine',
      });
      expect(await ownerOf(shift)).to.equal(bob);
      expect(scheduleChanged.slice(before)).to.deep.equal([[alice, bob]]);
      expect(events.at(-1)).to.deep.include({ tradeId: id, status: 'approved' });
      // Decided once.
      expect((await act(h.users.supervisor.token, id, 'decision', { status: 'rejected' })).status).to.equal(409);
      // Bob's now, not Alice's to offer again.
      expect((await offer(h.users.agent.token, { shiftId: shift, toAgentId: sup })).status).to.equal(403);
    });

    it('a swap moves both shifts; a shift is in one trade at a time', async () => {
      const mine = await addShift(alice, '2026-12-11');
      const theirs = await addShift(bob, '2026-12-12', '13:00', '21:00');
      const open = await offer(h.users.agent2.token, { shiftId: theirs });
      expect(open.status, JSON.stringify(open.body)).to.equal(201);
      expect(open.body).to.deep.include({ toAgentId: null, toAgentName: null });
      // Bob's shift is in a trade already: Alice cannot ask for it too.
      const busy = await offer(h.users.agent.token, { shiftId: mine, toAgentId: bob, swapShiftId: theirs });
      expect(busy.status).to.equal(409);
      expect(busy.body.error.message).to.equal(`the shift is already in trade ${open.body.id}`);
      expect((await act(h.users.agent2.token, open.body.id, 'cancel')).body.status).to.equal('cancelled');

      const swap = await offer(h.users.agent.token, { shiftId: mine, toAgentId: bob, swapShiftId: theirs });
      expect(swap.status, JSON.stringify(swap.body)).to.equal(201);
      expect(swap.body.swapShift).to.deep.include({
        id: theirs,
        day: '2026-12-12',
        startTime: '13:00',
        endTime: '21:00',
      });
      expect(swap.body).to.deep.include({ takerLacks: ['billing'], giverLacks: [] });
      expect((await act(h.users.agent2.token, swap.body.id, 'accept')).status).to.equal(200);
      const approved = await act(h.users.admin.token, swap.body.id, 'decision', { status: 'approved' });
      expect(approved.status, JSON.stringify(approved.body)).to.equal(200);
      expect(await ownerOf(mine)).to.equal(bob);
      expect(await ownerOf(theirs)).to.equal(alice);
    });

    it('an offer to anyone goes to the first who accepts; the others are refused', async () => {
      const shift = await addShift(alice, '2026-12-14');
      const open = await offer(h.users.agent.token, { shiftId: shift, toAgentId: null });
      expect(open.status).to.equal(201);
      expect(events.at(-1)).to.deep.include({ status: 'offered', toAgentId: null });
      // Every agent sees an open offer.
      const seen = await call(h, 'GET', '/api/shift-trades?status=offered', { token: h.users.agent2.token });
      expect(seen.body.items.map((t: { id: number }) => t.id)).to.include(open.body.id);
      // An open offer is left, not declined; nor accepted by the agent who made it.
      expect((await act(h.users.agent2.token, open.body.id, 'decline')).status).to.equal(403);
      expect((await act(h.users.agent.token, open.body.id, 'accept')).status).to.equal(403);
      const taken = await act(h.users.supervisor.token, open.body.id, 'accept');
      expect(taken.status, JSON.stringify(taken.body)).to.equal(200);
      expect(taken.body).to.deep.include({
        toAgentId: sup,
        toAgentName: 'Sup Agent',
        takerLacks: ['billing', 'sales'],
      });
      expect(taken.body.toAnyone).to.equal(true);
      const late = await act(h.users.agent2.token, open.body.id, 'accept');
      expect(late.status).to.equal(409);
      expect(late.body.error.message).to.equal('another agent took the offer first');
      // A supervisor who takes calls reads their own trades, as an agent does.
      const supsOwn = await call(h, 'GET', `/api/shift-trades?agentId=${sup}`, { token: h.users.supervisor.token });
      expect(
        supsOwn.body.items.every(
          (t: { fromAgentId: number; toAgentId: number | null }) =>
            t.fromAgentId === sup || t.toAgentId === sup || t.toAgentId === null,
        ),
      ).to.equal(true);
      expect(supsOwn.body.items.map((t: { id: number }) => t.id)).to.include(open.body.id);
      const refused = await act(h.users.supervisor.token, open.body.id, 'decision', {
        status: 'rejected',
        note: 'cover',
      });
      expect(refused.body).to.deep.include({ status: 'rejected', decisionNote: 'cover' });
      expect(await ownerOf(shift)).to.equal(alice);
    });

    it('refuses clearly what cannot be made: overlaps, time off, a begun shift, a changed schedule', async () => {
      const shift = await addShift(alice, '2026-12-15');
      await addShift(bob, '2026-12-15', '15:00', '23:00');
      const overlap = await offer(h.users.agent.token, { shiftId: shift, toAgentId: bob });
      expect(overlap.status).to.equal(409);
      expect(overlap.body.error.message).to.equal('Bob already has a shift 15:00–23:00 on 2026-12-15 overlapping it');

      const off = await call(h, 'POST', '/api/time-off', {
        token: h.users.admin.token,
        body: { agentId: sup, fromDay: '2026-12-15', toDay: '2026-12-15', kind: 'sick' },
      });
      expect(off.status).to.equal(201);
      const sick = await offer(h.users.agent.token, { shiftId: shift, toAgentId: sup });
      expect(sick.status).to.equal(409);
      expect(sick.body.error.message).to.equal('Sup Agent has sick time off from 2026-12-15 to 2026-12-15');

      // Accepted, then the schedule changes under it: the approval checks again.
      const later = await addShift(alice, '2026-12-16');
      const trade = await offer(h.users.agent.token, { shiftId: later, toAgentId: bob });
      expect((await act(h.users.agent2.token, trade.body.id, 'accept')).status).to.equal(200);
      await addShift(bob, '2026-12-16', '08:00', '10:00');
      const stale = await act(h.users.supervisor.token, trade.body.id, 'decision', { status: 'approved' });
      expect(stale.status).to.equal(409);
      expect(stale.body.error.message).to.equal('Bob already has a shift 08:00–10:00 on 2026-12-16 overlapping it');
      expect(await ownerOf(later)).to.equal(alice);

      // A shift begun is no longer traded; the list says an offer for it has expired.
      const soon = await addShift(alice, '2026-12-08', '09:00', '13:00');
      const offered = await offer(h.users.agent.token, { shiftId: soon, toAgentId: sup });
      expect(offered.status).to.equal(201);
      now = sh('2026-12-08T09:30:00');
      const listed = await call(h, 'GET', '/api/shift-trades?from=2026-12-08&to=2026-12-08', {
        token: h.users.agent.token,
      });
      expect(listed.body.items.find((t: { id: number }) => t.id === offered.body.id)).to.deep.include({
        expired: true,
      });
      const begun = await act(h.users.supervisor.token, offered.body.id, 'accept');
      expect(begun.status).to.equal(409);
      expect(begun.body.error.message).to.equal('the shift on 2026-12-08 has begun');

      // A colleague without a user could never accept it.
      const nobody = Number((await h.t.db('agents').insert({ name: 'No User', endpoint: 'PJSIP/2999' }))[0]);
      const noUser = await offer(h.users.agent.token, { shiftId: later, toAgentId: nobody });
      expect(noUser.status).to.equal(400);
      expect(noUser.body.error.message).to.equal('No User has no user to accept it with');
      // Bad bodies and other people's shifts.
      expect((await offer(h.users.agent.token, { shiftId: later, swapShiftId: 1 })).status).to.equal(400);
      expect((await offer(h.users.agent.token, { shiftId: later, toAgentId: alice })).status).to.equal(400);
      expect((await offer(h.users.agent.token, { shiftId: 'x' })).status).to.equal(400);
      expect((await offer(h.users.agent.token, { shiftId: 999999 })).status).to.equal(404);
      expect((await offer(h.users.agent2.token, { shiftId: later, toAgentId: sup })).status).to.equal(403);
      expect((await offer(h.users.admin.token, { shiftId: later })).status).to.equal(403);
      expect((await act(h.users.agent2.token, trade.body.id, 'cancel')).status).to.equal(403);
      expect((await act(h.users.agent.token, 999999, 'accept')).status).to.equal(404);
    });

    it("lists colleagues who could take a shift, those free first, with what a swap could ask for; only the shift's agent or staff", async () => {
      const shift = await addShift(alice, '2026-12-20');
      await addShift(bob, '2026-12-21', '10:00', '18:00');
      await addShift(sup, '2026-12-20', '16:00', '22:00');
      const res = await call(h, 'GET', `/api/shift-trades/candidates?shiftId=${shift}`, { token: h.users.agent.token });
      expect(res.status).to.equal(200);
      const byName = Object.fromEntries(res.body.items.map((c: { name: string }) => [c.name, c]));
      expect(res.body.items.map((c: { name: string }) => c.name)).to.deep.equal(['Bob', 'Sup Agent']);
      expect(byName.Bob).to.deep.include({ agentId: bob, busy: null, lacks: ['billing'] });
      expect(byName.Bob.shifts.map((s: { day: string }) => s.day)).to.include('2026-12-21');
      expect(byName['Sup Agent']).to.deep.include({ busy: 'works 16:00–22:00 then', lacks: ['billing', 'sales'] });
      expect(
        (await call(h, 'GET', `/api/shift-trades/candidates?shiftId=${shift}`, { token: h.users.agent2.token })).status,
      ).to.equal(403);
      expect(
        (await call(h, 'GET', `/api/shift-trades/candidates?shiftId=${shift}`, { token: h.users.supervisor.token }))
          .status,
      ).to.equal(200);
    });

    it('removing a shift takes its trades with it', async () => {
      const shift = await addShift(alice, '2026-12-22');
      const trade = await offer(h.users.agent.token, { shiftId: shift, toAgentId: bob });
      expect((await call(h, 'DELETE', `/api/shifts/${shift}`, { token: h.users.admin.token })).status).to.equal(204);
      expect((await act(h.users.agent2.token, trade.body.id, 'accept')).status).to.equal(404);
    });
  });

describe('API: shift trades approved automatically (ARIADNE_SHIFT_TRADE_APPROVAL=auto)', function () {
  this.timeout(20_000);
  let h: Harness;
  const scheduleChanged: (readonly number[] | 'all')[] = [];

  before(async () => {
    h = await startHarness({
      deps: { now: () => sh('2026-12-07T10:00:00'), config: testConfig({ ARIADNE_SHIFT_TRADE_APPROVAL: 'auto' }) },
    });
    h.bus.subscribe('schedule.changed', (e) => void scheduleChanged.push(e.agentIds));
    await h.t.db('skills').insert([{ name: 'sales' }, { name: 'billing' }]);
    const skill = async (name: string) => Number((await h.t.db('skills').where({ name }).first('id')).id);
    const [sales, billing] = [await skill('sales'), await skill('billing')];
    await h.t.db('agent_skills').insert([
      { agent_id: h.users.agent.agentId, skill_id: sales, level: 5 },
      { agent_id: h.users.agent.agentId, skill_id: billing, level: 5 },
      { agent_id: h.users.agent2.agentId, skill_id: sales, level: 5 },
    ]);
  });
  after(() => h.close());

  const shiftOf = async (agentId: number, day: string) => {
    const res = await call(h, 'POST', '/api/shifts', {
      token: h.users.admin.token,
      body: { agentId, day, startTime: '09:00', endTime: '17:00' },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as number;
  };
  const trade = async (from: string, shiftId: number, to: number) => {
    const offered = await call(h, 'POST', '/api/shift-trades', { token: from, body: { shiftId, toAgentId: to } });
    expect(offered.status, JSON.stringify(offered.body)).to.equal(201);
    return offered.body.id as number;
  };
  const accept = (token: string, id: number) => call(h, 'POST', `/api/shift-trades/${id}/accept`, { token });

  it('approves at once a trade that keeps skills and contracts; the shift moves', async () => {
    const alice = h.users.agent.agentId!;
    const bob = h.users.agent2.agentId!;
    const shift = await shiftOf(bob, '2026-12-09');
    const id = await trade(h.users.agent2.token, shift, alice);
    const before = scheduleChanged.length;
    const taken = await accept(h.users.agent.token, id);
    expect(taken.body).to.deep.include({ status: 'approved', decidedBy: null, decisionNote: 'approved automatically' });
    expect(Number((await h.t.db('shifts').where({ id: shift }).first('agent_id')).agent_id)).to.equal(alice);
    expect(scheduleChanged.slice(before)).to.deep.equal([[bob, alice]]);
  });

  it('leaves for a supervisor a trade where a skill is lacking, availability or a contract would be passed, saying why', async () => {
    const alice = h.users.agent.agentId!;
    const bob = h.users.agent2.agentId!;
    const lacking = await accept(
      h.users.agent2.token,
      await trade(h.users.agent.token, await shiftOf(alice, '2026-12-10'), bob),
    );
    expect(lacking.body).to.deep.include({
      status: 'accepted',
      decisionNote: 'for a supervisor: skills lacking: billing',
    });

    // Bob works only weekends: a weekday shift is outside his availability.
    await h.t.db('agent_availability').insert({ agent_id: bob, weekday: 6, start_time: '08:00', end_time: '20:00' });
    const unavailable = await accept(
      h.users.agent2.token,
      await trade(h.users.supervisor.token, await shiftOf(h.users.supervisor.agentId!, '2026-12-10'), bob),
    );
    expect(unavailable.body).to.deep.include({
      status: 'accepted',
      takerAvailable: false,
      decisionNote: "for a supervisor: the shift on 2026-12-10 is outside Bob's availability",
    });

    await h.t.db('agents').where({ id: alice }).update({ weekly_hours: 10 });
    const contract = await accept(
      h.users.agent.token,
      await trade(h.users.agent2.token, await shiftOf(bob, '2026-12-11'), alice),
    );
    // Three shifts of 8 hours that week: the one taken above, her own still waiting in the trade before, and this.
    expect(contract.body).to.deep.include({
      status: 'accepted',
      decisionNote: 'for a supervisor: Alice would work 24 h that week, past 10 h',
    });
    const approved = await call(h, 'POST', `/api/shift-trades/${contract.body.id}/decision`, {
      token: h.users.supervisor.token,
      body: { status: 'approved' },
    });
    expect(approved.body).to.deep.include({ status: 'approved', decisionNote: null });
  });
});
