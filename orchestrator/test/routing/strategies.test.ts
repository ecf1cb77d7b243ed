import { expect } from 'chai';
import type { AgentRecord } from '../../src/agents/repository.js';
import { pickBest, pickTop, type RankContext } from '../../src/routing/strategies.js';

function rec(id: number, idleSinceMs: number): AgentRecord {
  return {
    id,
    userId: null,
    name: `A${id}`,
    endpoint: `PJSIP/${id}`,
    boundEndpoint: null,
    site: 'main',
    capacity: 1,
    autoAnswer: false,
    state: 'available',
    stateSince: new Date(idleSinceMs),
    pauseReason: null,
    reservedCallId: null,
    wrapUpUntil: null,
    lastCallEndedAt: null,
    callsToday: 0,
    missedInRow: 0,
    activeCalls: 0,
    endpointOnline: true,
    version: 1,
    skills: new Map(),
  };
}

const ctx = (tried: number[] = []): RankContext => ({
  strategy: 'ring_all',
  required: [],
  tried: new Set(tried),
  lastAgentId: 0,
});

describe('routing/strategies ring_all ranking', () => {
  const agents = [rec(1, 3000), rec(2, 1000), rec(3, 2000), rec(4, 500)];

  it('pickTop gives everyone, longest idle first, up to the cap', () => {
    expect(pickTop(agents, ctx(), 20).map((a) => a.id)).to.deep.equal([4, 2, 3, 1]);
    expect(pickTop(agents, ctx(), 2).map((a) => a.id)).to.deep.equal([4, 2]);
    expect(pickTop(agents, ctx(), 0)).to.deep.equal([]);
    expect(pickTop([], ctx(), 5)).to.deep.equal([]);
  });

  it('agents who missed the call still ring, after everyone else (so the cap leaves them out first)', () => {
    expect(pickTop(agents, ctx([4, 2]), 20).map((a) => a.id)).to.deep.equal([3, 1, 4, 2]);
    expect(pickTop(agents, ctx([4, 2]), 3).map((a) => a.id)).to.deep.equal([3, 1, 4]);
  });

  it('pickBest agrees with the head of pickTop', () => {
    expect(pickBest(agents, ctx([4]))?.id).to.equal(pickTop(agents, ctx([4]), 1)[0]?.id);
  });
});
