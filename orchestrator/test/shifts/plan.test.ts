import { expect } from 'chai';
import { HttpError } from '../../src/http/errors.js';
import { wallInstant, weekOf } from '../../src/reports/day.js';
import { phoneTime, planShift, shiftInput, type ShiftInput } from '../../src/shifts/plan.js';

const SH = 'Asia/Shanghai';
const input = (o: Partial<ShiftInput>): ShiftInput =>
  shiftInput.parse({ agentId: 1, day: '2026-12-08', startTime: '09:00', endTime: '17:00', ...o });
const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof HttpError && err.status === 400) return err.message;
    throw err;
  }
  throw new Error('accepted');
};

describe('shifts: planning a shift on the wall clock', () => {
  it("reads the day's times on the contact center's clock, activities inside in time order", () => {
    const plan = planShift(
      input({
        activities: [
          { kind: 'lunch', startTime: '12:00', endTime: '12:45' },
          { kind: 'break', startTime: '10:30', endTime: '10:45' },
        ],
      }),
      SH,
    );
    expect(plan.start.toISOString()).to.equal('2026-12-08T01:00:00.000Z');
    expect(plan.end.toISOString()).to.equal('2026-12-08T09:00:00.000Z');
    expect(plan.activities.map((a) => [a.kind, a.start.toISOString(), a.end.toISOString()])).to.deep.equal([
      ['break', '2026-12-08T02:30:00.000Z', '2026-12-08T02:45:00.000Z'],
      ['lunch', '2026-12-08T04:00:00.000Z', '2026-12-08T04:45:00.000Z'],
    ]);
    expect(phoneTime(plan)).to.equal((8 * 60 - 60) * 60_000);
  });

  it('a night shift ends the next day, and its activities after midnight are on the next day', () => {
    const plan = planShift(
      input({
        startTime: '22:00',
        endTime: '06:00',
        activities: [
          { kind: 'break', startTime: '23:45', endTime: '00:15' },
          { kind: 'lunch', startTime: '02:00', endTime: '02:30' },
        ],
      }),
      SH,
    );
    expect(plan.end.toISOString()).to.equal('2026-12-08T22:00:00.000Z');
    expect(plan.activities.map((a) => [a.start.toISOString(), a.end.toISOString()])).to.deep.equal([
      ['2026-12-08T15:45:00.000Z', '2026-12-08T16:15:00.000Z'],
      ['2026-12-08T18:00:00.000Z', '2026-12-08T18:30:00.000Z'],
    ]);
  });

  it('refuses a shift over 16 hours, activities outside it or overlapping, and times that are not HH:MM', () => {
    expect(refusal(() => planShift(input({ startTime: '06:00', endTime: '23:00' }), SH))).to.match(/at most 16 hours/);
    // The same start and end is a whole day, not nothing.
    expect(refusal(() => planShift(input({ endTime: '09:00' }), SH))).to.match(/at most 16 hours/);
    expect(
      refusal(() => planShift(input({ activities: [{ kind: 'break', startTime: '08:30', endTime: '09:15' }] }), SH)),
    ).to.match(/break 08:30–09:15 is not inside the shift \(09:00–17:00\)/);
    expect(
      refusal(() => planShift(input({ activities: [{ kind: 'training', startTime: '16:00', endTime: '18:00' }] }), SH)),
    ).to.match(/not inside/);
    expect(
      refusal(() =>
        planShift(
          input({
            activities: [
              { kind: 'meeting', startTime: '10:00', endTime: '11:00' },
              { kind: 'break', startTime: '10:45', endTime: '11:00' },
            ],
          }),
          SH,
        ),
      ),
    ).to.match(/meeting 10:00–11:00 and the break 10:45–11:00 overlap/);
    expect(shiftInput.safeParse({ agentId: 1, day: '2026-12-08', startTime: '9:00', endTime: '17:00' }).success).to.be
      .false;
    expect(shiftInput.safeParse({ agentId: 1, day: '2026-02-30', startTime: '09:00', endTime: '17:00' }).success).to.be
      .false;
    expect(
      shiftInput.safeParse({
        agentId: 1,
        day: '2026-12-08',
        startTime: '09:00',
        endTime: '17:00',
        activities: [{ kind: 'nap', startTime: '12:00', endTime: '12:10' }],
      }).success,
    ).to.be.false;
  });

  it('keeps wall-clock times across a clock change: a night shift the clocks go forward in is an hour shorter', () => {
    const plan = planShift(input({ day: '2026-03-28', startTime: '22:00', endTime: '06:00' }), 'Europe/Berlin');
    expect(plan.start.toISOString()).to.equal('2026-03-28T21:00:00.000Z');
    expect(plan.end.toISOString()).to.equal('2026-03-29T04:00:00.000Z');
    // 02:30 does not exist that night: it is read as 03:30 (the jump's length on).
    expect(wallInstant('2026-03-29', 2, 30, 'Europe/Berlin').toISOString()).to.equal('2026-03-29T01:30:00.000Z');
    // 02:30 shows twice as the clocks go back: the first one.
    expect(wallInstant('2026-10-25', 2, 30, 'Europe/Berlin').toISOString()).to.equal('2026-10-25T00:30:00.000Z');
  });

  it("a day's week runs from its Monday to its Sunday", () => {
    expect(weekOf('2026-12-14')).to.deep.equal({ monday: '2026-12-14', sunday: '2026-12-20' });
    expect(weekOf('2026-12-20')).to.deep.equal({ monday: '2026-12-14', sunday: '2026-12-20' });
    expect(weekOf('2027-01-01')).to.deep.equal({ monday: '2026-12-28', sunday: '2027-01-03' });
  });
});
