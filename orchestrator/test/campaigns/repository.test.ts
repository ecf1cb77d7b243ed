import { expect } from 'chai';
import { arrivingCallRow } from '../../src/calls/call.js';
import { CampaignDialler } from '../../src/campaigns/dialler.js';
import {
  addContacts,
  claimNextContact,
  createCampaign,
  setCampaignState,
  settleContactOfCall,
} from '../../src/campaigns/repository.js';
import { EventBus } from '../../src/events/bus.js';
import { logger } from '../../src/logger.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';
import { queue } from '../routing/fixtures.js';

const T0 = new Date('2026-12-07T02:00:00Z');

for (const dialect of DIALECTS) {
  describe(`campaigns/repository (${dialect})`, function () {
    let t: TestDb;
    let campaignId: number;
    const contact = async (e164: string) =>
      (await t.db('campaign_contacts').where({ e164, campaign_id: campaignId }).first()) as Record<string, unknown>;
    /** A finished outbound call's row, as the call flow leaves it. */
    const endedCall = async (id: string, disposition: string, answered: boolean, cause?: number): Promise<void> => {
      const row = arrivingCallRow({
        id,
        node: 'node1',
        channel_id: `${id}-ch`,
        owner: 'gone',
        caller_raw: '+8613900000001',
        caller_name: null,
        did: '',
        trunk: null,
        arrived_at: T0,
      });
      await t.db('calls').insert({
        ...row,
        direction: 'outbound',
        state: 'ended',
        disposition,
        hangup_cause: cause ?? null,
        answered_at: answered ? T0 : null,
        ended_at: T0,
      });
    };

    beforeEach(async () => {
      t = await createTestDb(dialect);
      const q = await queue(t.db, 'sales');
      campaignId = (await createCampaign(t.db, { name: 'Renewals', queueId: q, maxAttempts: 2, retryMinutes: 10 }, T0))
        .id;
    });
    afterEach(async () => t.drop());

    it('claims each due contact once, oldest first, counting the attempt and naming the call', async () => {
      await addContacts(
        t.db,
        campaignId,
        [
          { e164: '+8613900000001', name: 'A' },
          { e164: '+8613900000002', name: null },
        ],
        T0,
      );
      // Two looks at once (two orchestrators): each gets a different contact, then there is none.
      const [x, y] = await Promise.all([
        claimNextContact(t.db, campaignId, 'call-x', T0),
        claimNextContact(t.db, campaignId, 'call-y', T0),
      ]);
      expect([x?.e164, y?.e164].sort()).to.deep.equal(['+8613900000001', '+8613900000002']);
      expect(await claimNextContact(t.db, campaignId, 'call-z', T0)).to.equal(null);
      expect(await contact(x?.e164 as string)).to.deep.include({
        state: 'dialing',
        attempts: 1,
        last_call_id: 'call-x',
      });
      // A contact whose next try is later is not due.
      await t.db('campaign_contacts').update({ state: 'pending', next_at: new Date(T0.getTime() + 60_000) });
      expect(await claimNextContact(t.db, campaignId, 'call-w', T0)).to.equal(null);
      expect((await claimNextContact(t.db, campaignId, 'call-w', new Date(T0.getTime() + 60_000)))?.e164).to.equal(
        '+8613900000001',
      );
    });

    it("settles a contact from its call's row: answered, busy until out of attempts, never placed, still live", async () => {
      await addContacts(t.db, campaignId, [{ e164: '+8613900000001', name: null }], T0);
      const claim = async (callId: string) => claimNextContact(t.db, campaignId, callId, T0);

      await claim('c1');
      await endedCall('c1', 'busy', false);
      expect((await settleContactOfCall(t.db, 'c1', T0))?.state).to.equal('pending');
      expect(await contact('+8613900000001')).to.deep.include({ attempts: 1, last_result: 'busy' });
      expect(new Date((await contact('+8613900000001')).next_at as string).getTime()).to.equal(T0.getTime() + 600_000);
      // Settled once: the same call again changes nothing.
      expect(await settleContactOfCall(t.db, 'c1', T0)).to.equal(null);

      // The agent's phone was not picked up: the attempt does not count.
      await t.db('campaign_contacts').update({ next_at: null });
      await claim('c2');
      await endedCall('c2', 'not_placed', false);
      expect((await settleContactOfCall(t.db, 'c2', T0))?.state).to.equal('pending');
      expect(await contact('+8613900000001')).to.deep.include({ attempts: 1, last_result: 'not_placed' });

      // No trunk could carry it (cause 34, no circuit): the number was never tried; a minute on, it is.
      await claim('c2b');
      await endedCall('c2b', 'failed', false, 34);
      expect(await settleContactOfCall(t.db, 'c2b', T0)).to.deep.equal({
        campaignId,
        state: 'pending',
        result: 'trunk_failed',
      });
      const afterTrunk = await contact('+8613900000001');
      expect(afterTrunk).to.deep.include({ attempts: 1, last_result: 'trunk_failed' });
      expect(new Date(afterTrunk.next_at as string).getTime()).to.equal(T0.getTime() + 60_000);
      await t.db('campaign_contacts').update({ next_at: null });

      // A call still live is left alone; a call never written puts the contact back.
      await claim('c3');
      await t.db('calls').insert({ ...(await t.db('calls').where({ id: 'c2' }).first()), id: 'c3', ended_at: null });
      expect(await settleContactOfCall(t.db, 'c3', T0)).to.equal(null);
      expect((await contact('+8613900000001')).state).to.equal('dialing');
      await t.db('calls').where({ id: 'c3' }).delete();
      expect((await settleContactOfCall(t.db, 'c3', T0))?.state).to.equal('pending');
      expect((await contact('+8613900000001')).attempts).to.equal(1);

      // Unanswered on its second (last) attempt: failed. Answered would have been done.
      await claim('c4');
      await endedCall('c4', 'no_answer', false);
      expect((await settleContactOfCall(t.db, 'c4', T0))?.state).to.equal('failed');
      expect(await contact('+8613900000001')).to.deep.include({
        state: 'failed',
        attempts: 2,
        last_result: 'no_answer',
      });
      await t.db('campaign_contacts').update({ state: 'pending', attempts: 0, next_at: null });
      await claim('c5');
      await endedCall('c5', 'transferred', true);
      expect((await settleContactOfCall(t.db, 'c5', T0))?.state).to.equal('done');
      expect((await contact('+8613900000001')).last_result).to.equal('transferred');
    });

    it('a dialler settles contacts another orchestrator left dialing, once they are a minute old', async () => {
      await addContacts(
        t.db,
        campaignId,
        [
          { e164: '+8613900000001', name: null },
          { e164: '+8613900000002', name: null },
        ],
        T0,
      );
      await claimNextContact(t.db, campaignId, 'old', T0);
      await claimNextContact(t.db, campaignId, 'young', new Date(T0.getTime() + 30_000));
      await endedCall('old', 'answered', true);
      await endedCall('young', 'answered', true);
      await setCampaignState(t.db, campaignId, 'paused', T0);
      const dialler = new CampaignDialler({
        db: t.db,
        acd: { idleAgentsFor: () => [] },
        calls: {
          placeCall: async () => Promise.reject(new Error('not used')),
          flushed: async () => undefined,
        },
        bus: new EventBus(),
        hours: { state: async () => 'open' },
        logger,
        now: () => new Date(T0.getTime() + 75_000),
        intervalMs: 0,
      });
      dialler.start();
      await dialler.tick();
      await dialler.stop();
      expect((await contact('+8613900000001')).state).to.equal('done');
      expect((await contact('+8613900000002')).state, 'left to whoever placed it').to.equal('dialing');
    });
  });
}
