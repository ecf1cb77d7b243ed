import { expect } from 'chai';
import { z } from 'zod';
import { fromDomainError } from '../../src/http/errors.js';
import { SwitchError } from '../../src/telephony/port.js';
import { FlowError } from '../../src/ivr/flows.js';
import { CallControlError } from '../../src/calls/service.js';
import { NotFoundError } from '../../src/routing/repository.js';
import { CallbackError } from '../../src/routing/callbacks.js';
import { NoRouteError } from '../../src/routing/router.js';

describe('domain errors → HTTP', () => {
  const named = (name: string, message = 'x'): Error => Object.assign(new Error(message), { name });

  it('maps each known domain error to a status and code', () => {
    const cases: Array<[unknown, number, string]> = [
      [new SwitchError('not_found', 'gone'), 404, 'not_found'],
      [new SwitchError('not_in_stasis', 'left'), 409, 'conflict'],
      [new SwitchError('timeout', 'slow'), 502, 'switch_error'],
      [new FlowError('invalid', 'bad', [{ path: 'start', message: 'missing' }]), 400, 'validation_failed'],
      [new FlowError('not_found', 'no flow'), 404, 'not_found'],
      [new FlowError('no_previous_version', 'none'), 409, 'conflict'],
      [new CallControlError('bad_state', 'not connected'), 409, 'conflict'],
      [new CallControlError('switch', 'no answer'), 502, 'switch_error'],
      [named('AgentTransitionError'), 409, 'conflict'],
      [named('UnknownSkillError'), 400, 'validation_failed'],
      [Object.assign(new Error('busy'), { status: 409, code: 'agent_busy' }), 409, 'conflict'],
      [new NotFoundError('agent 3'), 404, 'not_found'],
      [new CallbackError('bad_state', 'callback 1 is done'), 409, 'conflict'],
      [Object.assign(new Error('unknown queue: x'), { code: 'bad_request' }), 400, 'bad_request'],
      [new NoRouteError('no queue exists'), 409, 'conflict'],
    ];
    for (const [err, status, code] of cases) {
      const mapped = fromDomainError(err);
      expect([mapped?.status, mapped?.code], String(err)).to.deep.equal([status, code]);
    }
  });

  it('turns a ZodError thrown by a service into field issues', () => {
    const r = z.object({ name: z.string() }).safeParse({});
    const mapped = fromDomainError(r.error);
    expect(mapped?.status).to.equal(400);
    expect(mapped?.details).to.deep.equal([
      { in: 'body', field: 'name', reason: 'Invalid input: expected string, received undefined' },
    ]);
  });

  it('leaves everything else alone (a 500 that hides details)', () => {
    expect(fromDomainError(new Error('boom'))).to.equal(null);
    expect(fromDomainError('text')).to.equal(null);
    expect(fromDomainError(Object.assign(new Error('x'), { status: 500, code: 'x' }))).to.equal(null);
    expect(fromDomainError(Object.assign(new Error('dup'), { code: 'ER_LOCK_DEADLOCK' }))).to.equal(null);
  });
});
