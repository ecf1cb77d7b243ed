import { expect } from 'chai';
import { pino } from 'pino';
import { loadAgent } from '../../src/agents/repository.js';
import { AgentService } from '../../src/agents/service.js';
import { EventBus, type BusEvents } from '../../src/events/bus.js';
import { ActivityPauses, CHECK_MS, GRACE_MS, nextLookIn } from '../../src/shifts/activity-pauses.js';
import { addShift } from '../../src/shifts/repository.js';
import { agent } from '../routing/fixtures.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';

const TZ = 'Asia/Shanghai';
const sh = (local: string): Date => new Date(`${local}+08:00`);
const quiet = pino({ level: 'silent' });

for (const dialect of DIALECTS)
  describe(`shifts/activity-pauses ActivityPauses (${dialect})`, function () {
    this.timeout(20_000);
    let t: TestDb;
    let bus: EventBus;
    let svc: AgentService;
    let told: BusEvents['activity.paused'][];
    let now: Date;

    /** An agent logged in, with a published 09:00–17:00 shift and lunch at 12:00–12:45 (or a draft). */
    const agentWithLunch = async (name: string, o: { draft?: boolean; kind?: 'lunch' | 'offline' } = {}) => {
      const id = await agent(t.db, name);
      await svc.login(id);
      await addShift(
        t.db,
        {
          agentId: id,
          day: '2026-12-07',
          startTime: '09:00',
          endTime: '17:00',
          activities: [{ kind: o.kind ?? 'lunch', startTime: '12:00', endTime: '12:45' }],
        },
        { timeZone: TZ, by: null, now: sh('2026-12-01T09:00:00'), draft: o.draft },
      );
      return id;
    };
    const pauses = () =>
      new ActivityPauses({ db: t.db, agents: svc, bus, timeZone: TZ, logger: quiet, now: () => now });

    before(async () => {
      t = await createTestDb(dialect);
    });
    after(() => t.drop());
    beforeEach(async () => {
      bus = new EventBus();
      told = [];
      bus.subscribe('activity.paused', (e) => void told.push(e));
      svc = new AgentService({ db: t.db, bus });
      now = sh('2026-12-07T11:59:00');
      await t.db('activity_pauses').delete();
      await t.db('shift_activities').delete();
      await t.db('shifts').delete();
    });
    afterEach(() => svc.stop());

    it('pauses an available agent when their lunch begins, once, with the reason of that name', async () => {
      const id = await agentWithLunch('Ann');
      expect(await pauses().check()).to.equal(0);
      now = sh('2026-12-07T12:00:10');
      expect(await pauses().check()).to.equal(1);
      const a = (await loadAgent(t.db, id))!;
      expect([a.state, a.pauseReason]).to.deep.equal(['paused', 'lunch']);
      expect(told).to.deep.equal([
        { agentId: id, kind: 'lunch', startTime: '12:00', endTime: '12:45', afterCall: false },
      ]);
      // Back early: not paused again.
      await svc.unpause(id);
      now = sh('2026-12-07T12:10:00');
      expect(await pauses().check()).to.equal(0);
      expect((await loadAgent(t.db, id))!.state).to.equal('available');
      const row = await t.db('activity_pauses').first('agent_id', 'outcome');
      expect([Number(row.agent_id), row.outcome]).to.deep.equal([id, 'paused']);
    });

    it('pauses an agent on a call when the call is over', async () => {
      const id = await agentWithLunch('Bob');
      const reserved = await svc.tryReserve((await loadAgent(t.db, id))!, 'call-1');
      expect(reserved?.state).to.equal('reserved');
      await svc.answer(id, 'call-1');
      now = sh('2026-12-07T12:00:10');
      expect(await pauses().check()).to.equal(1);
      const during = (await loadAgent(t.db, id))!;
      expect([during.state, during.pauseReason]).to.deep.equal(['on_call', 'lunch']);
      expect(told[0]).to.deep.include({ agentId: id, afterCall: true });
      const ended = await svc.callEnded(id, 'call-1', 0);
      expect([ended.state, ended.pauseReason]).to.deep.equal(['paused', 'lunch']);
    });

    it('waits for wrap-up to run out', async () => {
      const id = await agentWithLunch('Cat');
      await svc.tryReserve((await loadAgent(t.db, id))!, 'call-2');
      await svc.answer(id, 'call-2');
      await svc.callEnded(id, 'call-2', 60);
      now = sh('2026-12-07T12:00:10');
      await pauses().check();
      expect((await loadAgent(t.db, id))!.state).to.equal('wrap_up');
      const done = await svc.endWrapUp(id);
      expect([done.state, done.pauseReason]).to.deep.equal(['paused', 'lunch']);
    });

    it('leaves an agent already paused or logged out, a draft, and an activity found too late', async () => {
      const paused = await agentWithLunch('Dee');
      await svc.pause(paused, 'training');
      const out = await agentWithLunch('Eve');
      await svc.logout(out);
      const drafted = await agentWithLunch('Fay', { draft: true });
      now = sh('2026-12-07T12:00:10');
      expect(await pauses().check()).to.equal(2);
      expect((await loadAgent(t.db, paused))!.pauseReason).to.equal('training');
      expect((await loadAgent(t.db, out))!.state).to.equal('logged_out');
      expect((await loadAgent(t.db, drafted))!.state).to.equal('available');
      expect(told).to.deep.equal([]);
      // The trainee comes back during lunch: left alone, lunch was seen.
      await svc.unpause(paused);
      now = sh('2026-12-07T12:01:00');
      await pauses().check();
      expect((await loadAgent(t.db, paused))!.state).to.equal('available');

      const late = await agentWithLunch('Gus');
      await t.db('activity_pauses').delete();
      now = new Date(sh('2026-12-07T12:00:00').getTime() + GRACE_MS + 1000);
      await pauses().check();
      expect((await loadAgent(t.db, late))!.state).to.equal('available');
    });

    it('two orchestrators looking at once pause the agent once; an activity without a reason of its name takes the first', async () => {
      const id = await agentWithLunch('Hal', { kind: 'offline' });
      now = sh('2026-12-07T12:00:05');
      const claimed = await Promise.all([pauses().check(), pauses().check()]);
      expect(claimed.reduce((a, b) => a + b)).to.equal(1);
      const a = (await loadAgent(t.db, id))!;
      expect([a.state, a.pauseReason]).to.deep.equal(['paused', 'break']);
      expect(told).to.have.length(1);
    });
  });

describe('shifts/activity-pauses: when the schedule is looked at', () => {
  it('just after each quarter minute of the clock, so an activity begun on the minute is acted on at once', () => {
    const at = (iso: string) => nextLookIn(Date.parse(iso));
    expect(at('2026-12-07T04:00:00.000Z')).to.equal(250);
    expect(at('2026-12-07T04:00:00.250Z')).to.equal(CHECK_MS);
    expect(at('2026-12-07T04:00:00.300Z')).to.equal(CHECK_MS - 50);
    expect(at('2026-12-07T04:00:07.000Z')).to.equal(8_250);
    expect(at('2026-12-07T03:59:59.000Z')).to.equal(1_250);
    // Whatever the moment, the next look lands 250 ms past a quarter minute, within one period.
    for (let ms = Date.parse('2026-12-07T04:00:00Z'); ms < Date.parse('2026-12-07T04:01:00Z'); ms += 137) {
      const next = ms + nextLookIn(ms);
      expect(next % CHECK_MS, new Date(ms).toISOString()).to.equal(250);
      expect(next - ms).to.be.within(1, CHECK_MS);
    }
  });
});
