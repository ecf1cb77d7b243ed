import { expect } from 'chai';
import { measureAdherence, type AgentDay, type DayWindow } from '../../src/shifts/adherence.js';
import type { Segment } from '../../src/shifts/segments.js';

const M = 60_000;
const H = 60 * M;
// A day from 0 to 24 h; the shift 9–17 with a break 12:00–12:30.
const shift: Segment[] = [
  { shiftId: 1, from: 9 * H, to: 12 * H, expected: 'phone' },
  { shiftId: 1, from: 12 * H, to: 12 * H + 30 * M, expected: 'break' },
  { shiftId: 1, from: 12 * H + 30 * M, to: 17 * H, expected: 'phone' },
];
const day: DayWindow = { dayStart: 0, dayEnd: 24 * H, until: 24 * H };
const agent = (o: Partial<AgentDay>): AgentDay => ({ own: shift, other: [], presence: [], calls: [], ...o });

describe('shifts: measuring adherence', () => {
  it('an agent who kept to the schedule is fully in adherence', () => {
    const a = measureAdherence(
      agent({
        presence: [
          { from: 9 * H, to: 12 * H, state: 'ready', reason: null },
          { from: 12 * H, to: 12 * H + 30 * M, state: 'paused', reason: 'break' },
          { from: 12 * H + 30 * M, to: 17 * H, state: 'ready', reason: null },
        ],
      }),
      day,
    );
    expect(a).to.deep.include({
      scheduledS: 8 * 3600,
      inAdherenceS: 8 * 3600,
      adherencePct: 100,
      phoneScheduledS: 7.5 * 3600,
      phoneReadyS: 7.5 * 3600,
      unscheduledS: 0,
      current: null,
    });
    expect(a.exceptions).to.deep.equal([]);
  });

  it('late in, a long break and staying on past the shift: exceptions, unscheduled time, the percentage', () => {
    const a = measureAdherence(
      agent({
        presence: [
          // 15 minutes late.
          { from: 9 * H + 15 * M, to: 12 * H, state: 'ready', reason: null },
          // Back 20 minutes after the break's end; a pause of 30 s mid-afternoon is counted but not listed.
          { from: 12 * H, to: 12 * H + 50 * M, state: 'paused', reason: 'break' },
          { from: 12 * H + 50 * M, to: 15 * H, state: 'ready', reason: null },
          { from: 15 * H, to: 15 * H + 30_000, state: 'paused', reason: 'toilet' },
          { from: 15 * H + 30_000, to: 17 * H + 10 * M, state: 'ready', reason: null },
        ],
      }),
      day,
    );
    const outS = 15 * 60 + 20 * 60 + 30;
    expect(a.scheduledS).to.equal(8 * 3600);
    expect(a.inAdherenceS).to.equal(8 * 3600 - outS);
    expect(a.adherencePct).to.equal(Math.round((1000 * (8 * 3600 - outS)) / (8 * 3600)) / 10);
    expect(a.phoneReadyS).to.equal(7.5 * 3600 - outS);
    expect(a.unscheduledS).to.equal(600);
    expect(a.exceptions).to.deep.equal([
      {
        start: new Date(9 * H).toISOString(),
        end: new Date(9 * H + 15 * M).toISOString(),
        expected: 'phone',
        actual: 'logged_out',
        reason: null,
      },
      {
        start: new Date(12 * H + 30 * M).toISOString(),
        end: new Date(12 * H + 50 * M).toISOString(),
        expected: 'phone',
        actual: 'paused',
        reason: 'break',
      },
    ]);
  });

  it('ready through a break is out of adherence, except on a call that began before the break', () => {
    const ready = [{ from: 9 * H, to: 17 * H, state: 'ready' as const, reason: null }];
    const skipped = measureAdherence(agent({ presence: ready }), day);
    expect(skipped.inAdherenceS).to.equal(7.5 * 3600);
    expect(skipped.exceptions).to.have.length(1);
    expect(skipped.exceptions[0]).to.deep.include({ expected: 'break', actual: 'ready' });

    // A call from 11:50 to 12:10 with 2 minutes' after-call work: in adherence until 12:12; a call taken at 12:20
    // (the agent stayed ready) is not.
    const onCall = measureAdherence(
      agent({
        presence: ready,
        calls: [
          { from: 11 * H + 50 * M, to: 12 * H + 10 * M, began: 11 * H + 50 * M },
          { from: 12 * H + 10 * M, to: 12 * H + 12 * M, began: 11 * H + 50 * M },
          { from: 12 * H + 20 * M, to: 12 * H + 25 * M, began: 12 * H + 20 * M },
        ],
      }),
      day,
    );
    expect(onCall.inAdherenceS).to.equal(7.5 * 3600 + 12 * 60);
    expect(onCall.exceptions[0]).to.deep.include({ start: new Date(12 * H + 12 * M).toISOString() });
  });

  it("counts only elapsed time today, says where the agent is now, and leaves another day's shift to that day", () => {
    const now: DayWindow = { ...day, until: 12 * H + 10 * M };
    const a = measureAdherence(
      agent({
        // Yesterday's night shift ran to 06:00; logged in from 05:00 (not unscheduled: it is that shift's time).
        other: [{ shiftId: 0, from: -2 * H, to: 6 * H, expected: 'phone' }],
        presence: [
          { from: 5 * H, to: 7 * H, state: 'ready', reason: null },
          { from: 9 * H, to: 12 * H + 10 * M, state: 'ready', reason: null },
        ],
      }),
      now,
    );
    expect(a.scheduledS).to.equal(3 * 3600 + 600);
    expect(a.inAdherenceS).to.equal(3 * 3600);
    expect(a.unscheduledS).to.equal(3600);
    expect(a.current).to.deep.equal({ expected: 'break', actual: 'ready', reason: null, inAdherence: false });
    expect(a.exceptions.map((e) => e.end)).to.deep.equal([new Date(12 * H + 10 * M).toISOString()]);

    const before = measureAdherence(agent({}), { ...day, until: -H });
    expect(before).to.deep.include({ scheduledS: 0, adherencePct: null, current: null });
  });

  it("measures a night shift whole on the day it starts, past the day's end", () => {
    const night: Segment[] = [{ shiftId: 2, from: 22 * H, to: 30 * H, expected: 'phone' }];
    const a = measureAdherence(
      { own: night, other: [], presence: [{ from: 22 * H, to: 29 * H, state: 'ready', reason: null }], calls: [] },
      { ...day, until: 40 * H },
    );
    expect(a).to.deep.include({ scheduledS: 8 * 3600, inAdherenceS: 7 * 3600, adherencePct: 87.5 });
  });
});
