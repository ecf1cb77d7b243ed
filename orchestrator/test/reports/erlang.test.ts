import { expect } from 'chai';
import { agentsNeeded, agentsToSchedule, serviceLevel, waitProbability } from '../../src/reports/erlang.js';

const TARGET_80_20 = { serviceLevel: 0.8, targetSeconds: 20, maxOccupancy: 1 };

describe('reports/erlang (Erlang C)', () => {
  it('gives the textbook figures: 100 calls in 30 minutes of 180 s each need 14 agents for 80 % in 20 s', () => {
    // 10 Erlangs. Checked against the factorial form of the formula: 13 agents 79.6 %, 14 agents 88.8 %.
    expect(waitProbability(14, 10)).to.be.closeTo(0.1741, 0.0001);
    expect(serviceLevel(13, 10, 180, 20)).to.be.closeTo(0.7956, 0.0001);
    expect(serviceLevel(14, 10, 180, 20)).to.be.closeTo(0.8884, 0.0001);
    expect(agentsNeeded(100, 180, 1800, TARGET_80_20)).to.equal(14);
  });

  it('never plans agents busier than the occupancy allowed, and none for no calls', () => {
    // 400 Erlangs meet 80/20 with about 410 agents; kept to 90 % busy they need 445.
    expect(agentsNeeded(2000, 180, 900, TARGET_80_20)).to.be.below(420);
    expect(agentsNeeded(2000, 180, 900, { ...TARGET_80_20, maxOccupancy: 0.9 })).to.equal(445);
    expect(agentsNeeded(0, 180, 900, TARGET_80_20)).to.equal(0);
  });

  it('a queue with no more agents than its traffic waits for ever: nobody is answered in time', () => {
    expect(waitProbability(10, 10)).to.equal(1);
    expect(serviceLevel(9, 10, 180, 20)).to.equal(0);
    expect(serviceLevel(0, 0, 180, 20)).to.equal(1);
  });

  it('schedules more agents than the phones need by the shrinkage: 14 on the phones at 30 % is 20 on the schedule', () => {
    expect(agentsToSchedule(14, 0.3)).to.equal(20);
    expect(agentsToSchedule(14, 0)).to.equal(14);
    // 7 / 0.7 is 10 exactly: no agent more for the rounding of a float.
    expect(agentsToSchedule(7, 0.3)).to.equal(10);
    expect(agentsToSchedule(0, 0.3)).to.equal(0);
  });
});
