import { expect } from 'chai';
import { HttpError } from '../../src/http/errors.js';
import type { ShiftInput } from '../../src/shifts/plan.js';
import {
  addShift,
  copyShifts,
  getShift,
  removeShift,
  replaceShift,
  shiftsBetween,
  shiftsOnDays,
} from '../../src/shifts/repository.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';

const timeZone = 'Asia/Shanghai';
const w = { timeZone, by: null, now: new Date('2026-12-01T00:00:00Z') };

async function status(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HttpError) return `${err.status} ${err.message}`;
    throw err;
  }
  return 'ok';
}

for (const dialect of DIALECTS) {
  describe(`shifts: keeping the schedule (${dialect})`, () => {
    let t: TestDb;
    let alice: number;
    let bob: number;
    const shift = (o: Partial<ShiftInput>): ShiftInput => ({
      agentId: alice,
      day: '2026-12-07',
      startTime: '09:00',
      endTime: '17:00',
      activities: [],
      ...o,
    });

    before(async () => {
      t = await createTestDb(dialect);
      alice = Number((await t.db('agents').insert({ name: 'Alice', endpoint: 'PJSIP/2001' }))[0]);
      bob = Number((await t.db('agents').insert({ name: 'Bob', endpoint: 'PJSIP/2002' }))[0]);
    });
    after(async () => t.drop());

    it('adds a shift with its activities and reads it back on its day and by instant', async () => {
      const added = await addShift(
        t.db,
        shift({ note: 'early', activities: [{ kind: 'lunch', startTime: '12:00', endTime: '13:00' }] }),
        w,
      );
      expect(added).to.deep.include({
        agentId: alice,
        agentName: 'Alice',
        day: '2026-12-07',
        start: '2026-12-07T01:00:00.000Z',
        end: '2026-12-07T09:00:00.000Z',
        startTime: '09:00',
        endTime: '17:00',
        note: 'early',
        phoneS: 7 * 3600,
      });
      expect(added.activities).to.deep.equal([
        {
          kind: 'lunch',
          start: '2026-12-07T04:00:00.000Z',
          end: '2026-12-07T05:00:00.000Z',
          startTime: '12:00',
          endTime: '13:00',
        },
      ]);
      expect((await shiftsOnDays(t.db, '2026-12-07', '2026-12-07', { timeZone })).map((s) => s.id)).to.deep.equal([
        added.id,
      ]);
      expect(await shiftsOnDays(t.db, '2026-12-08', '2026-12-09', { timeZone })).to.deep.equal([]);
      const between = await shiftsBetween(t.db, new Date('2026-12-07T08:59:00Z'), new Date('2026-12-07T10:00:00Z'), {
        timeZone,
      });
      expect(between.map((s) => s.id)).to.deep.equal([added.id]);
      expect(
        await shiftsBetween(t.db, new Date('2026-12-07T09:00:00Z'), new Date('2026-12-07T10:00:00Z'), { timeZone }),
      ).to.be.empty;
    });

    it("refuses a shift overlapping one of the agent's (a night shift into the next day too); another agent's is fine", async () => {
      expect(await status(addShift(t.db, shift({ startTime: '16:30', endTime: '20:00' }), w))).to.equal(
        "409 it overlaps the agent's shift 09:00–17:00 on 2026-12-07",
      );
      // A night shift of the 6th running into the 7th's 09:00 shift is refused; one ending before it is not.
      expect(
        await status(addShift(t.db, shift({ day: '2026-12-06', startTime: '22:00', endTime: '09:30' }), w)),
      ).to.match(/^409 .*09:00–17:00 on 2026-12-07/);
      const night = await addShift(t.db, shift({ day: '2026-12-06', startTime: '22:00', endTime: '08:30' }), w);
      expect(night).to.deep.include({ day: '2026-12-06', end: '2026-12-07T00:30:00.000Z' });
      expect(
        await status(addShift(t.db, shift({ day: '2026-12-07', startTime: '08:00', endTime: '08:45' }), w)),
      ).to.match(/^409 .*22:00–08:30 on 2026-12-06/);
      expect(await status(addShift(t.db, shift({ startTime: '17:00', endTime: '21:00' }), w))).to.equal('ok');
      expect(await status(addShift(t.db, shift({ agentId: bob }), w))).to.equal('ok');
      expect(await status(addShift(t.db, shift({ agentId: 999_999 }), w))).to.match(/^404 agent 999999/);
      await removeShift(t.db, night.id);
    });

    it('replaces a shift (its own old times do not clash), removes it, and its activities go with it', async () => {
      const [first] = await shiftsOnDays(t.db, '2026-12-07', '2026-12-07', { agentIds: [alice], timeZone });
      const moved = await replaceShift(
        t.db,
        first!.id,
        shift({
          startTime: '08:00',
          endTime: '16:00',
          activities: [{ kind: 'break', startTime: '10:00', endTime: '10:15' }],
        }),
        w,
      );
      expect(moved).to.deep.include({ startTime: '08:00', endTime: '16:00', note: null });
      expect(moved!.activities.map((a) => a.kind)).to.deep.equal(['break']);
      expect(await replaceShift(t.db, 999_999, shift({}), w)).to.equal(null);
      expect(await removeShift(t.db, first!.id)).to.equal(true);
      expect(await getShift(t.db, first!.id, timeZone)).to.equal(null);
      expect(await t.db('shift_activities').where({ shift_id: first!.id })).to.be.empty;
      expect(await removeShift(t.db, first!.id)).to.equal(false);
    });

    it("copies a week's shifts a week on at the same times, skipping what would overlap", async () => {
      await t.db('shifts').delete();
      for (const day of ['2026-12-07', '2026-12-08', '2026-12-09'])
        await addShift(t.db, shift({ day, activities: [{ kind: 'break', startTime: '10:00', endTime: '10:15' }] }), w);
      await addShift(t.db, shift({ agentId: bob, day: '2026-12-10', startTime: '13:00', endTime: '21:00' }), w);
      // Bob already works the 17th.
      await addShift(t.db, shift({ agentId: bob, day: '2026-12-17', startTime: '15:00', endTime: '18:00' }), w);
      const result = await copyShifts(t.db, { fromDay: '2026-12-07', toDay: '2026-12-14', days: 7 }, w);
      expect(result.copied).to.equal(3);
      expect(result.skipped).to.have.length(1);
      expect(result.skipped[0]).to.deep.include({ agentId: bob, agentName: 'Bob', day: '2026-12-17' });
      expect(result.skipped[0]!.reason).to.match(/overlaps/);
      const next = await shiftsOnDays(t.db, '2026-12-14', '2026-12-20', { agentIds: [alice], timeZone });
      expect(next.map((s) => [s.day, s.startTime, s.endTime, s.activities.length])).to.deep.equal([
        ['2026-12-14', '09:00', '17:00', 1],
        ['2026-12-15', '09:00', '17:00', 1],
        ['2026-12-16', '09:00', '17:00', 1],
      ]);
      // Copying again copies nothing new: every shift would overlap its copy.
      expect((await copyShifts(t.db, { fromDay: '2026-12-07', toDay: '2026-12-14', days: 7 }, w)).copied).to.equal(0);
      expect(await status(copyShifts(t.db, { fromDay: '2026-12-07', toDay: '2026-12-10', days: 7 }, w))).to.match(
        /^400 .*overlap/,
      );
    });

    it("an agent's shifts go when the agent is deleted", async () => {
      await t.db('agents').where({ id: bob }).delete();
      expect(await t.db('shifts').where({ agent_id: bob })).to.be.empty;
    });
  });
}
