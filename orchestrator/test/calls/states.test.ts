import { expect } from 'chai';
import { CALL_STATES, nextState, TERMINAL_STATES, TRANSITIONS } from '../../src/calls/states.js';

describe('calls/states transition table', () => {
  it('covers every state and only targets known states', () => {
    expect(Object.keys(TRANSITIONS).sort()).to.deep.equal([...CALL_STATES].sort());
    for (const row of Object.values(TRANSITIONS)) {
      for (const to of Object.values(row)) expect(CALL_STATES).to.include(to);
    }
  });

  it('follows the designed main path', () => {
    const path: Array<[string, string]> = [
      ['arriving', 'identify'],
      ['identifying', 'start_ivr'],
      ['in_ivr', 'enqueue'],
      ['queued', 'offer'],
      ['offering', 'offer_failed'],
      ['queued', 'offer'],
      ['offering', 'answer'],
      ['connected', 'agent_hangup'],
      ['wrap_up', 'wrap_up_done'],
    ];
    let state = 'arriving';
    for (const [from, event] of path) {
      expect(state).to.equal(from);
      state = nextState(from as never, event) as string;
    }
    expect(state).to.equal('ended');
  });

  it('a caller hang-up is defined from every live state', () => {
    for (const s of ['arriving', 'identifying', 'in_ivr', 'queued', 'offering'] as const)
      expect(nextState(s, 'caller_hangup')).to.equal('abandoned');
    expect(nextState('connected', 'caller_hangup')).to.equal('wrap_up');
  });

  it('refuses undefined transitions and leaves terminal states alone', () => {
    expect(nextState('queued', 'answer')).to.equal(null);
    expect(nextState('arriving', 'offer')).to.equal(null);
    expect(nextState('queued', 'constructor')).to.equal(null);
    expect(nextState('queued', 'toString')).to.equal(null);
    expect(Object.keys(TRANSITIONS.abandoned)).to.deep.equal([]);
    expect(Object.values(TRANSITIONS.ended)).to.deep.equal(['ended']);
    expect([...TERMINAL_STATES].sort()).to.deep.equal(['abandoned', 'ended']);
  });
});
