import { expect } from 'chai';
import { fillScript, scriptProblem } from '../../src/campaigns/script.js';

describe('campaigns/script', () => {
  it('fills in the contact and the agent; a contact the list does not name is "the customer"', () => {
    const script = 'Hello {contact}, this is {agent}. {contact}, may I?';
    expect(fillScript(script, { contact: '王芳', agent: 'Agent 2001' })).to.equal(
      'Hello 王芳, this is Agent 2001. 王芳, may I?',
    );
    expect(fillScript(script, { contact: null, agent: 'Li' })).to.equal(
      'Hello the customer, this is Li. the customer, may I?',
    );
    // Braces that are no placeholder stay as written.
    expect(fillScript('{ } and {}', { contact: 'A', agent: 'B' })).to.equal('{ } and {}');
  });

  it('refuses an unknown placeholder, naming it and the ones there are', () => {
    expect(scriptProblem('Hello {contact}, this is {agent}')).to.equal(null);
    expect(scriptProblem('Hello {name}')).to.equal('unknown placeholder {name}: use {contact} or {agent}');
    expect(scriptProblem('Hello {}')).to.equal('unknown placeholder {}: use {contact} or {agent}');
    expect(scriptProblem('a { b } c')).to.equal(null);
  });
});
