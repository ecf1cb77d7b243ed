import { expect } from 'chai';
import { activityRules, coverWith, generateRota, shortIntervals, type RotaInput } from '../../src/shifts/generate.js';

/** 96 intervals of 15 minutes; `from`–`to` in hours need `n` agents. */
function needs(...blocks: [from: number, to: number, n: number][]): number[] {
  const need = Array.from({ length: 96 }, () => 0);
  for (const [from, to, n] of blocks) for (let i = from * 4; i < to * 4; i++) need[i] = n;
  return need;
}
const flat = (n: number) => Array.from({ length: 96 }, () => n);

describe('shifts: drawing a rota from the agents needed', () => {
  it('gives 8-hour shifts a 45-minute lunch near the middle and a break in each half; short ones one break', () => {
    expect(activityRules(32).map((r) => [r.kind, r.length])).to.deep.equal([
      ['break', 1],
      ['lunch', 3],
      ['break', 1],
    ]);
    expect(activityRules(20).map((r) => r.kind)).to.deep.equal(['break']);
  });

  it('covers a 09:00-17:00 need of two agents with two shifts there, breaks staggered where cover is spare', () => {
    const input: RotaInput = { need: needs([9, 17, 2]), have: flat(0), shiftLength: 32, agents: [1, 2, 3, 4] };
    const rota = generateRota(input);
    expect(rota.map((s) => [s.agentId, s.start])).to.deep.equal([
      [1, 36],
      [2, 36],
    ]);
    for (const s of rota) {
      expect(s.activities.map((a) => a.kind)).to.deep.equal(['break', 'lunch', 'break']);
      // Inside the shift, never first or last.
      for (const a of s.activities)
        expect(a.start)
          .to.be.above(s.start)
          .and.below(s.start + s.length - a.length);
    }
    // Someone is off the phones at each activity, so a few intervals stay short; a third agent is not given eight
    // hours to cover them.
    expect(shortIntervals(input, rota)).to.be.within(1, 10);
    expect(generateRota({ ...input, agents: [1, 2, 3] })).to.have.length(2);
    // The breaks are staggered: the two agents are never off the phones at the same time.
    const [a, b] = rota.map(
      (s) => new Set(s.activities.flatMap((x) => [...Array(x.length).keys()].map((k) => x.start + k))),
    );
    expect([...a!].filter((i) => b!.has(i))).to.deep.equal([]);
  });

  it('an early and a late peak get an early and a late shift; what is already scheduled is not planned twice', () => {
    const need = needs([7, 11, 1], [15, 21, 1]);
    const rota = generateRota({ need, have: flat(0), shiftLength: 32, agents: [1, 2, 3] });
    const starts = rota.map((s) => s.start).sort((a, b) => a - b);
    expect(starts[0]).to.be.at.most(7 * 4);
    expect(starts.at(-1)! + 32).to.be.at.least(21 * 4);
    const have = needs([7, 11, 1]);
    const rest = generateRota({ need, have, shiftLength: 32, agents: [1, 2, 3] });
    expect(rest.every((s) => s.start + s.length > 15 * 4)).to.equal(true);
  });

  it('plans nothing with nothing short, none before the earliest start, and stops when agents run out', () => {
    expect(generateRota({ need: flat(0), have: flat(0), shiftLength: 32, agents: [1] })).to.deep.equal([]);
    expect(
      generateRota({ need: needs([9, 17, 1]), have: needs([9, 17, 1]), shiftLength: 32, agents: [1] }),
    ).to.deep.equal([]);
    const late = generateRota({
      need: needs([9, 17, 1]),
      have: flat(0),
      shiftLength: 32,
      agents: [1],
      earliestStart: 48,
    });
    expect(late[0]!.start).to.equal(48);
    const many = generateRota({ need: needs([0, 24, 10]), have: flat(0), shiftLength: 32, agents: [1, 2, 3] });
    expect(many).to.have.length(3);
    const cover = coverWith({ need: needs([0, 24, 10]), have: flat(0), shiftLength: 32, agents: [] }, many);
    expect(Math.max(...cover)).to.equal(3);
  });
});
