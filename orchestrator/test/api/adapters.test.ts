import { expect } from 'chai';
import { callControlsFrom } from '../../src/api/adapters.js';
import { CallControlError } from '../../src/calls/service.js';
import { call, startHarness, superviseAllQueues, type Harness } from './harness.js';

describe('CallService adapter', () => {
  const seen: string[] = [];
  const fake = {
    hangup: async (id: string) => void seen.push(`hangup ${id}`),
    hold: async (id: string) => {
      throw new CallControlError('bad_state', `call ${id} is not connected to an agent (state wrap_up)`);
    },
    unhold: async () => {
      throw new CallControlError('not_found', 'no live call');
    },
    blindTransfer: async (id: string, t: object) => void seen.push(`blind ${id} ${JSON.stringify(t)}`),
    consult: async (id: string, t: object) => void seen.push(`consult ${id} ${JSON.stringify(t)}`),
    conference: async (id: string) => void seen.push(`conference ${id}`),
    monitor: async (id: string, s: { userId: number }, mode: string, endpoint: string) => {
      seen.push(`monitor ${id} ${mode} ${endpoint} by ${s.userId}`);
      return { callId: id, supervisor: s, endpoint, mode } as never;
    },
    stopMonitor: (id: string, userId: number) => void seen.push(`stopMonitor ${id} by ${userId}`),
    completeTransfer: async () => {
      throw new CallControlError('switch', 'switch request: no answer within 5000 ms');
    },
    cancelTransfer: async () => {
      throw new CallControlError('bad_request', 'nothing to cancel');
    },
    pauseRecording: async () => undefined,
    resumeRecording: async () => undefined,
    setDisposition: async (id: string, d: string) => void seen.push(`disposition ${id} ${d}`),
    placeCall: async (r: { number: string }) => {
      seen.push(`place ${r.number}`);
      return { callId: 'placed' };
    },
  };
  let h: Harness;
  const id = '33333333-3333-4333-8333-333333333333';
  before(async () => {
    h = await startHarness({ deps: { services: { calls: callControlsFrom(fake) } } });
    await h.t.db('calls').insert({
      id,
      node: 'n',
      channel_id: 'c',
      owner: 'o',
      state: 'connected',
      caller_raw: '1',
      did: '1',
      arrived_at: new Date(),
      agent_id: h.users.agent.agentId,
      queue_id: Number((await h.t.db('queues').insert({ name: 'adapters', display_name: 'Adapters' }))[0]),
    });
    await superviseAllQueues(h);
  });
  after(async () => h.close());

  it('maps transfers: blind to a queue or number, attended to a consult; a queue cannot be consulted', async () => {
    const tok = h.users.agent.token;
    expect(
      (
        await call(h, 'POST', `/api/calls/${id}/transfer`, {
          token: tok,
          body: { mode: 'blind', target: 'queue:billing' },
        })
      ).status,
    ).to.equal(200);
    expect(
      (
        await call(h, 'POST', `/api/calls/${id}/transfer`, {
          token: tok,
          body: { mode: 'blind', target: '+8613800000000' },
        })
      ).status,
    ).to.equal(200);
    expect(
      (
        await call(h, 'POST', `/api/calls/${id}/transfer`, {
          token: tok,
          body: { mode: 'attended', target: 'PJSIP/2002' },
        })
      ).status,
    ).to.equal(200);
    const refused = await call(h, 'POST', `/api/calls/${id}/transfer`, {
      token: tok,
      body: { mode: 'attended', target: 'queue:billing' },
    });
    expect(refused.status).to.equal(400);
    expect(refused.body.error.message).to.match(/consults a person/);
    expect((await call(h, 'POST', `/api/calls/${id}/transfer/conference`, { token: tok })).status).to.equal(200);
    expect(seen).to.deep.equal([
      `blind ${id} {"queue":"billing"}`,
      `blind ${id} {"number":"+8613800000000"}`,
      `consult ${id} {"number":"PJSIP/2002"}`,
      `conference ${id}`,
    ]);
  });

  it("maps the call service's refusals to HTTP: bad_state 409, not_found 404, switch 502, bad_request 400", async () => {
    const tok = h.users.supervisor.token;
    const expectations: Array<[string, number, string]> = [
      ['hold', 409, 'conflict'],
      ['unhold', 404, 'not_found'],
      ['transfer/complete', 502, 'switch_error'],
      ['transfer/cancel', 400, 'bad_request'],
    ];
    for (const [path, status, code] of expectations) {
      const r = await call(h, 'POST', `/api/calls/${id}/${path}`, { token: tok });
      expect([path, r.status, r.body.error?.code]).to.deep.equal([path, status, code]);
    }
    const audited = await h.t
      .db('audit_log')
      .whereIn('action', ['call.hold', 'call.unhold'])
      .count({ n: 'id' })
      .first();
    expect(Number(audited?.n)).to.equal(0);
  });
});

describe("recording/'s router mounted under /api/recordings", () => {
  let h: Harness;
  before(async () => {
    const { Router } = await import('express');
    const r = Router();
    r.get('/:id/audio', (req, res) => {
      res.json({
        id: req.params.id,
        user: (res.locals.user as { username?: string } | undefined)?.username ?? null,
        sig: req.query.sig ?? null,
      });
    });
    h = await startHarness({ deps: { services: { recordingsRouter: r } } });
  });
  after(async () => h.close());

  it('sees the signed-in user, and lets a signed link through without one', async () => {
    const signedIn = await call(h, 'GET', '/api/recordings/r1/audio', { token: h.users.supervisor.token });
    expect(signedIn.body).to.deep.equal({ id: 'r1', user: 'sup', sig: null });
    const link = await call(h, 'GET', '/api/recordings/r1/audio?exp=1&sig=abc');
    expect(link.body).to.deep.equal({ id: 'r1', user: null, sig: 'abc' });
    // The API's own recording routes still demand a sign-in, and unknown paths are still JSON 404s.
    expect((await call(h, 'GET', '/api/recordings')).status).to.equal(401);
    expect((await call(h, 'GET', '/api/recordings/r1/nothing', { token: h.users.admin.token })).status).to.equal(404);
  });
});
