import { expect } from 'chai';
import { call, startHarness, type Harness } from './harness.js';

describe('API: the switch status (GET /api/asterisk/status)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());

  it('lists the nodes, the trunks registrations, and trunks apart from agent phones, with round trips', async () => {
    h.sw.registrations = [
      {
        node: 'ast1',
        name: 'carrier-a-reg',
        endpoint: 'carrier-a',
        serverUri: 'sip:192.0.2.10:5060',
        status: 'Registered',
      },
    ];
    h.sw.contacts = [
      { endpoint: 'carrier-a', uri: 'sip:192.0.2.10:5060', status: 'Reachable', roundtripUsec: 23456 },
      { endpoint: 'carrier-b', uri: 'sip:198.51.100.7', status: 'Unreachable' },
      { endpoint: '2001', uri: 'sip:2001@10.0.0.5:5060', status: 'Reachable', roundtripUsec: 1200 },
      { endpoint: '2002', uri: 'sip:2002@10.0.0.6:5060', status: 'NonQualified' },
    ];
    const r = await call(h, 'GET', '/api/asterisk/status', { token: h.users.admin.token });
    expect(r.status).to.equal(200);
    expect(r.body.nodes).to.have.length(1);
    expect(r.body.nodes[0]).to.deep.include({ node: 'ast1', connected: true, lastError: null });
    expect(r.body.registrations).to.deep.equal(h.sw.registrations);
    expect(r.body.trunks).to.deep.equal([
      { endpoint: 'carrier-a', uri: 'sip:192.0.2.10:5060', status: 'Reachable', roundtripMs: 23.5, agent: null },
      { endpoint: 'carrier-b', uri: 'sip:198.51.100.7', status: 'Unreachable', roundtripMs: null, agent: null },
    ]);
    expect(r.body.phones.map((p: { endpoint: string; agent: string }) => [p.endpoint, p.agent])).to.deep.equal([
      ['2001', 'Alice'],
      ['2002', 'Bob'],
    ]);
    expect(r.body.problems).to.deep.equal([]);
  });

  it('shows what it can when AMI cannot be asked, and says why; only admins ask', async () => {
    h.sw.amiDown = new Error('endpoint contacts: node ast1 has no AMI URL configured');
    const r = await call(h, 'GET', '/api/asterisk/status', { token: h.users.admin.token });
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.include({ registrations: [], trunks: [], phones: [] });
    expect(r.body.problems).to.deep.equal(['endpoint contacts: node ast1 has no AMI URL configured']);
    expect(r.body.nodes).to.have.length(1);
    h.sw.amiDown = null;
    expect((await call(h, 'GET', '/api/asterisk/status', { token: h.users.supervisor.token })).status).to.equal(403);
  });
});
