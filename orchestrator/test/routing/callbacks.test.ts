import { expect } from 'chai';
import {
  assignCallback,
  CallbackError,
  completeCallback,
  listCallbacks,
  requestCallback,
  unassignCallback,
} from '../../src/routing/callbacks.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';
import { agent, queue } from './fixtures.js';

for (const dialect of DIALECTS) {
  describe(`routing/callbacks (${dialect})`, function () {
    let t: TestDb;
    let qid: number;
    let a: number;
    before(async () => {
      t = await createTestDb(dialect);
      qid = await queue(t.db, 'cbq');
      a = await agent(t.db, 'Caller-backer');
    });
    after(async () => t.drop());

    it('stores, lists oldest first, assigns once, completes', async () => {
      const first = await requestCallback(
        t.db,
        { phone: '+8613800138000', queueId: qid, notes: 'max wait' },
        new Date('2026-11-23T01:00:00Z'),
      );
      const second = await requestCallback(
        t.db,
        { phone: '+8613900139000', queueId: qid, dueAt: new Date('2026-11-23T09:00:00Z') },
        new Date('2026-11-23T02:00:00Z'),
      );
      expect(first).to.deep.include({ phone: '+8613800138000', state: 'pending', queueId: qid, agentId: null });
      expect(first.requestedAt.toISOString()).to.equal('2026-11-23T01:00:00.000Z');
      expect((await listCallbacks(t.db, { state: 'pending', queueId: qid })).map((c) => c.id)).to.deep.equal([
        first.id,
        second.id,
      ]);
      expect(
        (await listCallbacks(t.db, { state: 'pending', dueBy: new Date('2026-11-23T05:00:00Z') })).map((c) => c.id),
      ).to.deep.equal([first.id]);

      const assigned = await assignCallback(t.db, first.id, a);
      expect(assigned).to.deep.include({ state: 'assigned', agentId: a });
      let err: unknown;
      await assignCallback(t.db, first.id, a).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(CallbackError);
      expect((err as CallbackError).code).to.equal('bad_state');
      expect((await unassignCallback(t.db, first.id)).state).to.equal('pending');
      await assignCallback(t.db, first.id, a);
      const done = await completeCallback(t.db, first.id, true, 'reached the customer');
      expect(done).to.deep.include({ state: 'done', notes: 'reached the customer' });
      expect((await completeCallback(t.db, second.id, false)).state).to.equal('failed');
      expect(await listCallbacks(t.db, { state: 'pending' })).to.have.length(0);
    });

    it('refuses bad input with a clear error and stores nothing', async () => {
      const before = (await listCallbacks(t.db)).length;
      let err: unknown;
      await requestCallback(t.db, { phone: '12345' }).catch((e: unknown) => (err = e));
      expect((err as CallbackError).code).to.equal('bad_request');
      expect((err as Error).message).to.match(/phone: an E.164 number/);
      err = undefined;
      await completeCallback(t.db, 999999, true).catch((e: unknown) => (err = e));
      expect((err as CallbackError).code).to.equal('not_found');
      err = undefined;
      const c = await requestCallback(t.db, { phone: '+8613700137000' });
      await assignCallback(t.db, c.id, 424242).catch((e: unknown) => (err = e));
      expect((err as Error).message).to.match(/agent 424242 not found/);
      expect((await listCallbacks(t.db)).length).to.equal(before + 1);
    });
  });
}
