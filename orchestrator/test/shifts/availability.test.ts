import { expect } from 'chai';
import {
  unavailableOn,
  weekdayOf,
  withinAvailability,
  type AvailabilityWindow,
} from '../../src/shifts/availability.js';
import { generateRota } from '../../src/shifts/generate.js';

describe('shifts/availability', () => {
  const london = 'Europe/London';
  const at = (iso: string) => new Date(iso);

  it('numbers weekdays from Monday', () => {
    expect(['2026-12-14', '2026-12-19', '2026-12-20'].map(weekdayOf)).to.deep.equal([1, 6, 7]);
  });

  it('holds a span inside one window, or several adjoining across midnight; not one running past them', () => {
    const w: AvailabilityWindow[] = [
      { weekday: 1, startTime: '09:00', endTime: '12:00' },
      { weekday: 1, startTime: '12:00', endTime: '13:00' },
      { weekday: 1, startTime: '20:00', endTime: '24:00' },
      { weekday: 2, startTime: '00:00', endTime: '06:00' },
    ];
    const inside = (from: string, to: string) =>
      withinAvailability(w, '2026-12-14', at(`${from}Z`), at(`${to}Z`), london);
    expect(inside('2026-12-14T09:00:00', '2026-12-14T13:00:00')).to.equal(true);
    expect(inside('2026-12-14T09:00:00', '2026-12-14T13:15:00')).to.equal(false);
    expect(inside('2026-12-14T08:45:00', '2026-12-14T10:00:00')).to.equal(false);
    expect(inside('2026-12-14T22:00:00', '2026-12-15T06:00:00')).to.equal(true);
    expect(inside('2026-12-14T22:00:00', '2026-12-15T07:00:00')).to.equal(false);
    // None stated: any time.
    expect(
      withinAvailability([], '2026-12-14', at('2026-12-14T03:00:00Z'), at('2026-12-14T04:00:00Z'), london),
    ).to.equal(true);
  });

  it('keeps windows on the wall clock through a clock change', () => {
    // Sunday 29 March 2026: London moves from GMT to BST at 01:00 UTC. 09:00–17:00 local is 08:00–16:00 UTC.
    const w: AvailabilityWindow[] = [{ weekday: 7, startTime: '09:00', endTime: '17:00' }];
    expect(
      withinAvailability(w, '2026-03-29', at('2026-03-29T08:00:00Z'), at('2026-03-29T16:00:00Z'), london),
    ).to.equal(true);
    expect(
      withinAvailability(w, '2026-03-29', at('2026-03-29T09:00:00Z'), at('2026-03-29T17:00:00Z'), london),
    ).to.equal(false);
  });

  it('names the agents with no window on a day', () => {
    const windows = new Map<number, AvailabilityWindow[]>([
      [1, [{ weekday: 1, startTime: '09:00', endTime: '17:00' }]],
      [2, [{ weekday: 2, startTime: '09:00', endTime: '17:00' }]],
    ]);
    expect([...unavailableOn(windows, '2026-12-14')]).to.deep.equal([2]);
  });

  it('the rota places each agent only where they fit, and goes on past an agent who fits nowhere useful', () => {
    // Two agents needed from interval 8 to 24; agent 1 fits nowhere, agent 2 only from interval 16.
    const need = Array.from({ length: 32 }, (_, i) => (i >= 8 && i < 24 ? 2 : 0));
    const rota = generateRota({
      need,
      have: need.map(() => 0),
      shiftLength: 8,
      agents: [1, 2, 3],
      fits: (agentId, start) => (agentId === 1 ? false : agentId === 2 ? start >= 16 : true),
    });
    expect(rota.map((s) => s.agentId)).to.deep.equal([2, 3]);
    expect(rota.find((s) => s.agentId === 2)!.start).to.equal(16);
  });
});
