import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { call, startHarness, type Harness } from './harness.js';

/** testConfig() has no Asterisk configured: the contact center's zone is the demo's, Asia/Shanghai. */
const sh = (local: string): Date => new Date(`${local}+08:00`);

describe('api: campaign report (GET /api/reports/campaigns)', function () {
  this.timeout(20_000);
  let h: Harness;
  let renewals: number;
  let winback: number;
  const get = async (query: string, token = h.users.admin.token) =>
    call(h, 'GET', `/api/reports/campaigns?${query}`, { token });

  before(async () => {
    h = await startHarness({ deps: { now: () => sh('2026-12-06T12:00:00') } });
    const queue = async (name: string) =>
      Number((await h.t.db('queues').insert({ name, display_name: name, overflow: '[]' }))[0]);
    const sales = await queue('sales');
    const retention = await queue('retention');
    await h.t.db('supervisor_queues').insert({ user_id: h.users.supervisor.id, queue_id: retention });
    const campaign = async (name: string, queueId: number) =>
      Number(
        (
          await h.t
            .db('campaigns')
            .insert({ name, queue_id: queueId, state: 'paused', created_at: new Date(), updated_at: new Date() })
        )[0],
      );
    renewals = await campaign('Renewals', sales);
    winback = await campaign('Win-back', retention);
    const placed = (
      campaignId: number | null,
      queueId: number,
      at: string,
      disposition: string,
      talk: number | null = null,
      ended = true,
    ) => ({
      id: randomUUID(),
      node: 'n',
      channel_id: `ch-${randomUUID()}`,
      owner: 'o',
      state: ended ? 'ended' : 'connected',
      direction: 'outbound',
      caller_raw: '+8613900001111',
      did: '',
      arrived_at: sh(at),
      answered_at: talk === null ? null : sh(at),
      ended_at: ended ? sh(at) : null,
      talk_s: talk,
      disposition: ended ? disposition : null,
      queue_id: queueId,
      campaign_id: campaignId,
    });
    await h.t.db('calls').insert([
      // Saturday: Renewals.
      placed(renewals, sales, '2026-12-05T10:00:00', 'answered', 119.6),
      // Answered, then transferred: answered all the same.
      placed(renewals, sales, '2026-12-05T10:05:00', 'transferred', 60.3),
      placed(renewals, sales, '2026-12-05T10:10:00', 'machine'),
      placed(renewals, sales, '2026-12-05T10:15:00', 'machine_message'),
      placed(renewals, sales, '2026-12-05T10:20:00', 'busy'),
      placed(renewals, sales, '2026-12-05T10:25:00', 'no_answer'),
      placed(renewals, sales, '2026-12-05T10:30:00', 'not_placed'),
      placed(renewals, sales, '2026-12-05T10:35:00', 'failed'),
      // Still on: not counted until it ends.
      placed(renewals, sales, '2026-12-05T23:50:00', 'answered', 10, false),
      // Saturday: Win-back, one answered.
      placed(winback, retention, '2026-12-05T11:00:00', 'answered', 90),
      // Friday: outside the day asked for.
      placed(renewals, sales, '2026-12-04T10:00:00', 'answered', 30),
      // Not a campaign's call.
      placed(null, sales, '2026-12-05T12:00:00', 'answered', 45),
    ]);
  });
  after(() => h.close());

  it('counts each campaign’s calls of the days by what became of them, with a total and a CSV', async () => {
    const r = await get('from=2026-12-05&to=2026-12-05');
    expect(r.status).to.equal(200);
    expect(r.body.rows).to.deep.equal([
      {
        campaignId: renewals,
        campaign: 'Renewals',
        calls: 8,
        answered: 2,
        machine: 1,
        machineMessage: 1,
        busy: 1,
        noAnswer: 1,
        notPlaced: 1,
        talkS: 180,
        other: 1,
        // 2 of the 7 calls that dialled the customer.
        answeredPct: 28.6,
        avgTalkS: 90,
      },
      {
        campaignId: winback,
        campaign: 'Win-back',
        calls: 1,
        answered: 1,
        machine: 0,
        machineMessage: 0,
        busy: 0,
        noAnswer: 0,
        notPlaced: 0,
        talkS: 90,
        other: 0,
        answeredPct: 100,
        avgTalkS: 90,
      },
    ]);
    expect(r.body.total).to.deep.include({ calls: 9, answered: 3, machine: 1, answeredPct: 37.5, avgTalkS: 90 });

    const csv = await get('from=2026-12-05&to=2026-12-05&format=csv');
    expect(csv.headers.get('content-type')).to.match(/^text\/csv/);
    const lines = String(csv.body).trim().split(/\r?\n/);
    expect(lines[0]).to.equal(
      'campaignId,campaign,calls,answered,answeredPct,machine,machineMessage,busy,noAnswer,notPlaced,other,talkS,avgTalkS',
    );
    expect(lines[1]).to.equal(`${renewals},Renewals,8,2,28.6,1,1,1,1,1,1,180,90`);
  });

  it('keeps a deleted campaign’s calls; a supervisor sees only their queues’ campaigns; bad days are refused', async () => {
    await h.t.db('campaigns').where({ id: winback }).delete();
    const all = await get('from=2026-12-04&to=2026-12-05');
    expect(all.body.rows.map((r: { campaign: string | null; calls: number }) => [r.campaign, r.calls])).to.deep.equal([
      ['Renewals', 9],
      [null, 1],
    ]);
    const mine = await get('from=2026-12-05&to=2026-12-05', h.users.supervisor.token);
    expect(mine.body.rows.map((r: { campaignId: number }) => r.campaignId)).to.deep.equal([winback]);
    expect((await get('from=2026-12-05&to=2026-12-01')).status).to.equal(400);
    expect((await get('from=5.12.2026')).status).to.equal(400);
    expect((await get('from=2026-12-05', h.users.agent.token)).status).to.equal(403);
  });
});
