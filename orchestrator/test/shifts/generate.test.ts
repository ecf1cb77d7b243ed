import { expect } from 'chai';
import {
  activityRules,
  coverWith,
  generateRota,
  needMiddle,
  PREFERENCE_TOLERANCE,
  shortIntervals,
  type RotaInput,
} from '../../src/shifts/generate.js';

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

  describe('shift preferences', () => {
    type Preference = 'early' | 'late' | null;
    const prefer =
      (byAgent: Record<number, Preference>) =>
      (agentId: number): Preference =>
        byAgent[agentId] ?? null;
    const plan = (input: RotaInput) => generateRota(input).map((s) => [s.agentId, s.start / 4, s.preferenceMet]);
    /** Agent-intervals of need covered with these shifts worked. */
    const covered = (input: RotaInput, rota: ReturnType<typeof generateRota>) =>
      coverWith(input, rota).reduce((n, c, i) => n + Math.min(c, input.need[i]!), 0);

    it('where the need is level for longer than a shift, early takes its start and late its end; none keeps the earliest of most gain', () => {
      // 07:00–20:00, one agent: 13 hours, an 8-hour shift covers as much anywhere from 07:00 to 12:00.
      const input: RotaInput = { need: needs([7, 20, 1]), have: flat(0), shiftLength: 32, agents: [1] };
      expect(plan(input)).to.deep.equal([[1, 7, null]]);
      expect(plan({ ...input, preference: prefer({ 1: 'early' }) })).to.deep.equal([[1, 7, true]]);
      expect(plan({ ...input, preference: prefer({ 1: 'late' }) })).to.deep.equal([[1, 12, true]]);
      // The late agent first: the early one then takes what is left at the start of the day, and both are met.
      const both = { ...input, agents: [1, 2], preference: prefer({ 1: 'late', 2: 'early' }) };
      expect(plan(both)).to.deep.equal([
        [1, 12, true],
        [2, 7, true],
      ]);
      // Against no preference the day is covered as well.
      expect(covered(both, generateRota(both))).to.be.at.least(
        covered(both, generateRota({ ...both, preference: undefined })),
      );
    });

    it('where the need is a shift long, a preference does not start the agent before the calls nor keep them after', () => {
      const input: RotaInput = { need: needs([9, 17, 1]), have: flat(0), shiftLength: 32, agents: [1] };
      // 08:30 and 09:30 cover only two intervals fewer, within the tolerance, but half an hour of either is idle.
      expect(plan({ ...input, preference: prefer({ 1: 'early' }) })).to.deep.equal([[1, 9, true]]);
      expect(plan({ ...input, preference: prefer({ 1: 'late' }) })).to.deep.equal([[1, 9, true]]);
      // 08:00–18:00, two agents from 09:00 to 17:00. With no preference the second starts at 09:00, the earliest of
      // the starts covering most; late, they take 10:00–18:00, and the last hour is covered too.
      const shoulders: RotaInput = { ...input, need: needs([8, 9, 1], [9, 17, 2], [17, 18, 1]), agents: [1, 2] };
      expect(plan(shoulders)).to.deep.equal([
        [1, 8, null],
        [2, 9, null],
      ]);
      expect(plan({ ...shoulders, preference: prefer({ 1: 'early', 2: 'late' }) })).to.deep.equal([
        [1, 8, true],
        [2, 10, true],
      ]);
      expect(plan({ ...shoulders, preference: prefer({ 1: 'late', 2: 'early' }) })).to.deep.equal([
        [1, 10, true],
        [2, 8, true],
      ]);
    });

    it('never costs more cover than the tolerance, nor moves a shift the other way', () => {
      // Pseudo-random days of one to three blocks of need, shifts of 4 to 10 hours.
      let seed = 11;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      let moved = 0;
      for (let day = 0; day < 200; day++) {
        const need = flat(0);
        for (let b = 1 + Math.floor(random() * 3); b > 0; b--) {
          const from = Math.floor(random() * 80);
          const to = Math.min(96, from + 4 + Math.floor(random() * 40));
          const n = 1 + Math.floor(random() * 3);
          for (let i = from; i < to; i++) need[i] = n;
        }
        const shiftLength = [16, 24, 32, 40][day % 4]!;
        const input: RotaInput = { need, have: flat(0), shiftLength, agents: [1] };
        const onPhones = shiftLength - activityRules(shiftLength).reduce((n, r) => n + r.length, 0);
        const tolerance = Math.floor(Math.max(1, PREFERENCE_TOLERANCE * onPhones));
        const [plain] = generateRota(input);
        for (const preference of ['early', 'late'] as const) {
          const rota = generateRota({ ...input, preference: () => preference });
          const [shift] = rota;
          expect(!shift, `day ${day}`).to.equal(!plain);
          if (!shift || !plain) continue;
          expect(covered(input, [plain]) - covered(input, rota), `day ${day}`).to.be.within(0, tolerance);
          if (preference === 'early') expect(shift.start).to.be.at.most(plain.start);
          else expect(shift.start).to.be.at.least(plain.start);
          if (shift.start !== plain.start) moved++;
          expect(shift.preferenceMet).to.be.a('boolean');
        }
      }
      // Not vacuous: preferences moved many of the shifts.
      expect(moved).to.be.above(50);
    });

    it('keeps to availability, and says when the shift was missed: the need, availability or others left the other end', () => {
      const input: RotaInput = { need: needs([7, 20, 1]), have: flat(0), shiftLength: 32, agents: [1, 2] };
      expect(needMiddle(input.need)).to.equal(13.5 * 4);
      // Two early agents: the second is given the late part of the day.
      expect(plan({ ...input, preference: prefer({ 1: 'early', 2: 'early' }) })).to.deep.equal([
        [1, 7, true],
        [2, 10.75, false],
      ]);
      // A late agent available only until 16:00: as late as that allows, an early shift all the same.
      const untilFour = {
        ...input,
        agents: [1],
        fits: (_: number, start: number, length: number) => start + length <= 64,
      };
      expect(plan({ ...untilFour, preference: prefer({ 1: 'late' }) })).to.deep.equal([[1, 8, false]]);
      expect(plan({ ...untilFour, preference: prefer({ 1: 'early' }) })).to.deep.equal([[1, 7, true]]);
    });
  });
});
