import { expect } from 'chai';
import { DIALECTS } from '../support/db.js';
import { forecastQueue } from '../support/rota.js';
import { call, startHarness, type Harness } from './harness.js';

/** testConfig()'s zone is Asia/Shanghai. */
const sh = (local: string): Date => new Date(`${local}+08:00`);

for (const dialect of DIALECTS)
  describe(`API: agents' availability (${dialect})`, function () {
    this.timeout(20_000);
    let h: Harness;
    const changed: (readonly number[] | 'all')[] = [];

    before(async () => {
      h = await startHarness({ dialect, deps: { now: () => sh('2026-12-10T08:00:00') } });
      h.bus.subscribe('schedule.changed', (e) => void changed.push(e.agentIds));
    });
    after(() => h.close());

    it('an agent states their own windows; bad ones are refused clearly; nobody else edits them but staff', async () => {
      const alice = h.users.agent.agentId!;
      const path = `/api/agents/${alice}/availability`;
      expect((await call(h, 'GET', path, { token: h.users.agent.token })).body).to.deep.equal({
        agentId: alice,
        windows: [],
        preference: null,
      });
      const set = await call(h, 'PUT', path, {
        token: h.users.agent.token,
        body: {
          windows: [
            { weekday: 2, startTime: '08:00', endTime: '12:00' },
            { weekday: 1, startTime: '18:00', endTime: '24:00' },
            { weekday: 2, startTime: '12:00', endTime: '16:00' },
          ],
        },
      });
      expect(set.status, JSON.stringify(set.body)).to.equal(200);
      expect(set.body.windows).to.deep.equal([
        { weekday: 1, startTime: '18:00', endTime: '24:00' },
        { weekday: 2, startTime: '08:00', endTime: '12:00' },
        { weekday: 2, startTime: '12:00', endTime: '16:00' },
      ]);
      expect(changed.at(-1)).to.deep.equal([alice]);
      expect((await call(h, 'GET', path, { token: h.users.supervisor.token })).body.windows).to.have.length(3);

      const refused = async (windows: object[]) => {
        const res = await call(h, 'PUT', path, { token: h.users.agent.token, body: { windows } });
        expect(res.status).to.equal(400);
        return res.body.error.message as string;
      };
      expect(await refused([{ weekday: 3, startTime: '22:00', endTime: '06:00' }])).to.match(
        /^the window 22:00–06:00 ends before it starts/,
      );
      expect(
        await refused([
          { weekday: 3, startTime: '08:00', endTime: '12:00' },
          { weekday: 3, startTime: '11:00', endTime: '13:00' },
        ]),
      ).to.equal('the windows 08:00–12:00 and 11:00–13:00 overlap on Wednesday');
      await refused([{ weekday: 8, startTime: '08:00', endTime: '12:00' }]);
      await refused([{ weekday: 1, startTime: '8:00', endTime: '12:00' }]);
      await refused([{ weekday: 1, startTime: '08:00', endTime: '24:30' }]);
      // Left as they were.
      expect((await call(h, 'GET', path, { token: h.users.agent.token })).body.windows).to.have.length(3);

      const bobs = `/api/agents/${h.users.agent2.agentId}/availability`;
      expect((await call(h, 'GET', bobs, { token: h.users.agent.token })).status).to.equal(403);
      expect((await call(h, 'PUT', bobs, { token: h.users.agent.token, body: { windows: [] } })).status).to.equal(403);
      const bySupervisor = await call(h, 'PUT', bobs, {
        token: h.users.supervisor.token,
        body: { windows: [{ weekday: 5, startTime: '09:00', endTime: '17:00' }] },
      });
      expect(bySupervisor.status).to.equal(200);
      expect((await call(h, 'GET', '/api/agents/999999/availability', { token: h.users.admin.token })).status).to.equal(
        404,
      );
      // None: available at any time again.
      const cleared = await call(h, 'PUT', bobs, { token: h.users.admin.token, body: { windows: [] } });
      expect(cleared.body.windows).to.deep.equal([]);
    });

    it('shifts say whether they are inside the availability; a night shift may run through two days’ windows', async () => {
      const bob = h.users.agent2.agentId!;
      // 2026-12-14 is a Monday.
      await call(h, 'PUT', `/api/agents/${bob}/availability`, {
        token: h.users.admin.token,
        body: {
          windows: [
            { weekday: 1, startTime: '09:00', endTime: '13:00' },
            { weekday: 1, startTime: '13:00', endTime: '17:00' },
            { weekday: 3, startTime: '20:00', endTime: '24:00' },
            { weekday: 4, startTime: '00:00', endTime: '04:00' },
          ],
        },
      });
      const add = async (day: string, startTime: string, endTime: string) => {
        const res = await call(h, 'POST', '/api/shifts', {
          token: h.users.admin.token,
          body: { agentId: bob, day, startTime, endTime },
        });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        return res.body.withinAvailability as boolean;
      };
      // Two adjoining windows make one.
      expect(await add('2026-12-14', '09:00', '17:00')).to.equal(true);
      // Allowed, but marked: it runs past the window.
      expect(await add('2026-12-21', '10:00', '18:00')).to.equal(false);
      // Wednesday night into Thursday morning.
      expect(await add('2026-12-16', '22:00', '04:00')).to.equal(true);
      // Tuesday: no window at all.
      expect(await add('2026-12-15', '09:00', '12:00')).to.equal(false);
      // An agent who has stated none is available at any time.
      const alice = await call(h, 'POST', '/api/shifts', {
        token: h.users.admin.token,
        body: { agentId: h.users.supervisor.agentId, day: '2026-12-15', startTime: '03:00', endTime: '09:00' },
      });
      expect(alice.body.withinAvailability).to.equal(true);
    });

    it('planning from the forecast keeps to availability: an agent unavailable that day is left out, another fits inside their window', async () => {
      const { queueId, agents } = await forecastQueue(h.t.db, { name: 'Avail', agents: 3, endpointPrefix: 'PJSIP/38' });
      const [afternoons, tuesdays, anytime] = agents as [number, number, number];
      const windows = (weekday: number, startTime: string, endTime: string) => ({
        token: h.users.admin.token,
        body: { windows: [{ weekday, startTime, endTime }] },
      });
      await call(h, 'PUT', `/api/agents/${afternoons}/availability`, windows(1, '13:00', '24:00'));
      await call(h, 'PUT', `/api/agents/${tuesdays}/availability`, windows(2, '08:00', '18:00'));
      const plan = await call(h, 'POST', '/api/shifts/plan', {
        token: h.users.admin.token,
        body: { day: '2026-12-14', queueId, shiftHours: 4 },
      });
      expect(plan.status, JSON.stringify(plan.body)).to.equal(200);
      const byAgent = new Map(
        (plan.body.shifts as { agentId: number; startTime: string; endTime: string }[]).map((s) => [s.agentId, s]),
      );
      expect([...byAgent.keys()].sort()).to.deep.equal([afternoons, anytime].sort());
      expect(byAgent.get(afternoons)).to.deep.include({ startTime: '13:00', endTime: '17:00' });
      expect(byAgent.get(anytime)!.startTime < '13:00').to.equal(true);
    });

    it('a shift preference is stated with the windows: kept when left out, cleared with null, a wrong one refused by name', async () => {
      const alice = h.users.agent.agentId!;
      const path = `/api/agents/${alice}/availability`;
      const put = (body: object, token = h.users.agent.token) => call(h, 'PUT', path, { token, body });
      const windows = [{ weekday: 1, startTime: '08:00', endTime: '20:00' }];
      const set = await put({ windows, preference: 'late' });
      expect(set.status, JSON.stringify(set.body)).to.equal(200);
      expect(set.body).to.deep.equal({ agentId: alice, windows, preference: 'late' });
      const audit = await h.t
        .db('audit_log')
        .where({ action: 'agent.availability' })
        .orderBy('id', 'desc')
        .first('details');
      expect(JSON.parse(String(audit.details))).to.deep.include({ windows: 1, preference: 'late' });
      // Windows alone: the preference stays.
      const kept = await put({ windows: [] });
      expect(kept.body).to.deep.equal({ agentId: alice, windows: [], preference: 'late' });
      expect((await call(h, 'GET', path, { token: h.users.supervisor.token })).body.preference).to.equal('late');

      const wrong = await put({ windows: [], preference: 'mornings' });
      expect(wrong.status).to.equal(400);
      expect(wrong.body.error.message).to.equal('body.preference: early, late, or null for no preference');
      expect(wrong.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal(['preference']);
      // Nothing but the windows and the preference.
      expect((await put({ windows: [], preferences: 'early' })).status).to.equal(400);
      expect((await call(h, 'GET', path, { token: h.users.agent.token })).body.preference).to.equal('late');

      // Staff change it too; null is no preference.
      expect((await put({ windows: [], preference: 'early' }, h.users.supervisor.token)).body.preference).to.equal(
        'early',
      );
      expect((await call(h, 'GET', path, { token: h.users.agent.token })).body.preference).to.equal('early');
      const cleared = await put({ windows: [], preference: null });
      expect(cleared.body.preference).to.equal(null);
      expect((await call(h, 'GET', path, { token: h.users.agent.token })).body.preference).to.equal(null);
      // Another's is not an agent's to set.
      const bobs = `/api/agents/${h.users.agent2.agentId}/availability`;
      expect(
        (await call(h, 'PUT', bobs, { token: h.users.agent.token, body: { windows: [], preference: 'early' } })).status,
      ).to.equal(403);
      expect((await call(h, 'GET', bobs, { token: h.users.admin.token })).body.preference).to.equal(null);
    });

    it('planning from the forecast honours preferences where the need allows: early agents the start of the day, late ones its end', async () => {
      // 09:00–17:00 needs about seven agents: a 4-hour shift is of as much use anywhere in it.
      const { queueId, agents } = await forecastQueue(h.t.db, { name: 'Prefs', agents: 3, endpointPrefix: 'PJSIP/39' });
      const [late, early, none] = agents as [number, number, number];
      const prefer = (agentId: number, preference: 'early' | 'late' | null) =>
        call(h, 'PUT', `/api/agents/${agentId}/availability`, {
          token: h.users.admin.token,
          body: { windows: [], preference },
        });
      await prefer(late, 'late');
      await prefer(early, 'early');
      interface Proposed {
        agentId: number;
        startTime: string;
        endTime: string;
        preference: string | null;
        preferenceMet: boolean | null;
      }
      const planned = async () => {
        const plan = await call(h, 'POST', '/api/shifts/plan', {
          token: h.users.admin.token,
          body: { day: '2026-12-14', queueId, shiftHours: 4 },
        });
        expect(plan.status, JSON.stringify(plan.body)).to.equal(200);
        const shifts = plan.body.shifts as Proposed[];
        return new Map(shifts.map((s) => [s.agentId, s]));
      };
      // Agents are planned in order of id here (none has a shift that fortnight): the late agent first.
      const byAgent = await planned();
      expect(byAgent.get(late)).to.deep.include({
        startTime: '13:00',
        endTime: '17:00',
        preference: 'late',
        preferenceMet: true,
      });
      expect(byAgent.get(early)).to.deep.include({
        startTime: '09:00',
        endTime: '13:00',
        preference: 'early',
        preferenceMet: true,
      });
      expect(byAgent.get(none)).to.deep.include({ startTime: '09:00', preference: null, preferenceMet: null });
      // Without it, the first agent planned takes the start of the day like anyone.
      await prefer(late, null);
      expect((await planned()).get(late)).to.deep.include({
        startTime: '09:00',
        preference: null,
        preferenceMet: null,
      });
    });
  });
