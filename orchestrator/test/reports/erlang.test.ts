import { expect } from 'chai';
import { agentsNeeded, agentsToSchedule, erlangA, serviceLevel, waitProbability } from '../../src/reports/erlang.js';

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

describe('reports/erlang (Erlang A: callers who give up)', () => {
  it('is Erlang C when callers never give up', () => {
    const a = erlangA(14, 10, 180, 1e7, 20);
    expect(a.serviceLevel).to.be.closeTo(serviceLevel(14, 10, 180, 20), 0.001);
    expect(a.waitProbability).to.be.closeTo(waitProbability(14, 10), 0.001);
    expect(a.abandonment).to.be.below(0.0001);
  });

  it('every call is answered or given up on; more agents, fewer give up and more are answered in time', () => {
    let previous = { serviceLevel: 0, abandonment: 1 };
    for (const agents of [8, 10, 12, 14]) {
      const inTime = erlangA(agents, 10, 180, 120, 20);
      // Answered at all (a target long enough for everyone) plus given up is every call.
      const ever = erlangA(agents, 10, 180, 120, 100_000);
      expect(ever.serviceLevel + ever.abandonment).to.be.closeTo(1, 1e-6);
      expect(inTime.serviceLevel).to.be.greaterThan(previous.serviceLevel);
      expect(inTime.abandonment).to.be.below(previous.abandonment);
      previous = inTime;
    }
  });

  it('stays finite with fewer agents than the traffic, where Erlang C answers nobody in time', () => {
    const a = erlangA(9, 10, 180, 60, 20);
    expect(serviceLevel(9, 10, 180, 20)).to.equal(0);
    expect(a.serviceLevel).to.be.greaterThan(0.3);
    expect(a.abandonment).to.be.greaterThan(0.05).and.below(0.5);
    expect(erlangA(10, 0, 180, 60, 20)).to.deep.equal({ serviceLevel: 1, abandonment: 0, waitProbability: 0 });
  });

  it('plans fewer agents than Erlang C for impatient callers, the more so the less patient', () => {
    const c = agentsNeeded(100, 180, 1800, TARGET_80_20);
    const patient = agentsNeeded(100, 180, 1800, { ...TARGET_80_20, patienceSeconds: 600 });
    const impatient = agentsNeeded(100, 180, 1800, { ...TARGET_80_20, patienceSeconds: 30 });
    expect(c).to.equal(14);
    // The docs' example: callers of 2 minutes' patience.
    expect(agentsNeeded(100, 180, 1800, { ...TARGET_80_20, patienceSeconds: 120 })).to.equal(12);
    expect(patient).to.be.at.most(c);
    expect(impatient).to.be.below(patient);
    // Never busier than allowed.
    const held = agentsNeeded(100, 180, 1800, { ...TARGET_80_20, maxOccupancy: 0.7, patienceSeconds: 30 });
    const model = erlangA(held, 10, 180, 30, 20);
    expect((10 * (1 - model.abandonment)) / held).to.be.at.most(0.7);
  });
});
