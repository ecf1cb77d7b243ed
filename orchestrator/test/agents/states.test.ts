import { expect } from 'chai';
import {
  AGENT_EVENTS,
  AGENT_STATES,
  AGENT_TRANSITIONS,
  AgentTransitionError,
  nextAgentState,
  statesWith,
} from '../../src/agents/states.js';

describe('agents/states transition table', () => {
  it('names only known states and events', () => {
    for (const [from, row] of Object.entries(AGENT_TRANSITIONS)) {
      expect(AGENT_STATES).to.include(from);
      for (const [event, to] of Object.entries(row)) {
        expect(AGENT_EVENTS).to.include(event);
        expect(AGENT_STATES).to.include(to);
      }
    }
  });

  it('follows the life of a call: login, reserve, answer, wrap-up, available', () => {
    let s = nextAgentState('logged_out', 'login');
    expect(s).to.equal('available');
    s = nextAgentState('available', 'reserve');
    expect(s).to.equal('reserved');
    s = nextAgentState('reserved', 'answer');
    expect(s).to.equal('on_call');
    s = nextAgentState('on_call', 'last_call_ended');
    expect(s).to.equal('wrap_up');
    expect(nextAgentState('wrap_up', 'wrap_up_done')).to.equal('available');
  });

  it('lets an agent place a call from available, a pause or wrap-up, and go back to the pause afterwards', () => {
    expect(statesWith('dial')).to.have.members(['available', 'paused', 'wrap_up']);
    for (const from of statesWith('dial')) expect(nextAgentState(from, 'dial')).to.equal('reserved');
    // A caller's offer still needs an available agent (or one on a call with room for another).
    expect(statesWith('reserve')).to.have.members(['available', 'on_call']);
    expect(nextAgentState('reserved', 'resume_pause')).to.equal('paused');
    expect(nextAgentState('wrap_up', 'resume_pause')).to.equal('paused');
    expect(nextAgentState('on_call', 'resume_pause')).to.equal(undefined);
    expect(nextAgentState('on_call', 'dial')).to.equal(undefined);
    expect(nextAgentState('logged_out', 'dial')).to.equal(undefined);
  });

  it('refuses what the table does not list', () => {
    expect(nextAgentState('logged_out', 'reserve')).to.equal(undefined);
    expect(nextAgentState('paused', 'reserve')).to.equal(undefined);
    expect(nextAgentState('wrap_up', 'reserve')).to.equal(undefined);
    expect(nextAgentState('on_call', 'pause')).to.equal(undefined);
    expect(nextAgentState('on_call', 'logout')).to.equal(undefined);
    expect(nextAgentState('logged_out', 'pause')).to.equal(undefined);
  });

  it('words an invalid transition as from -> event -> (undefined)', () => {
    const err = new AgentTransitionError(7, 'paused', 'answer');
    expect(err.message).to.equal('agent 7: paused -> answer -> (undefined): transition not defined');
    expect(err.code).to.equal('bad_state');
  });
});
