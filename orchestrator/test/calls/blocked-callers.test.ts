import { expect } from 'chai';
import { addBlockedCaller, BlockedCallers } from '../../src/calls/blocked-callers.js';
import { logger } from '../../src/logger.js';
import type { BlockedCallRejected } from '../../src/telephony/port.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';

for (const dialect of DIALECTS)
  describe(`calls: blocked callers the dialplan rejected (${dialect})`, () => {
    let t: TestDb;
    const now = new Date('2026-12-07T10:00:00Z');
    /** An orchestrator's list, with the handler its switch port was given for the AMI event. */
    const orchestrator = async () => {
      let heard: ((e: BlockedCallRejected) => void) | null = null;
      const list = new BlockedCallers({
        db: t.db,
        switchPort: {
          setBlockedCallers: async () => undefined,
          onBlockedCallRejected: (h) => void (heard = h),
        },
        logger,
        now: () => now,
      });
      await list.start();
      list.stop();
      return { list, heard: heard! };
    };
    const event = (uniqueId: string, key: string): BlockedCallRejected => ({
      node: 'pbx1',
      uniqueId,
      key,
      callerNum: key === 'anonymous' ? '<unknown>' : `+${key}`,
      did: '4007188668',
    });
    const hits = async (number: string) => Number((await t.db('blocked_callers').where({ number }).first('hits')).hits);

    before(async () => {
      t = await createTestDb(dialect);
      for (const number of ['+8613812345678', 'anonymous'])
        await addBlockedCaller(t.db, { number }, { defaultCountry: 'CN', now, by: null });
    });
    after(() => t.drop());

    it('keeps each rejected call once, however many orchestrators hear it, and counts it on its block', async () => {
      const [a, b] = [await orchestrator(), await orchestrator()];
      // Both orchestrators hear the same call; the national form of the number is one of its keys.
      await a.list.rejectedByDialplan(event('1765.1', '13812345678'));
      await b.list.rejectedByDialplan(event('1765.1', '13812345678'));
      await a.list.rejectedByDialplan(event('1765.2', 'anonymous'));
      expect(await hits('+8613812345678')).to.equal(1);
      expect(await hits('anonymous')).to.equal(1);
      const rows = (await t
        .db('blocked_rejections')
        .orderBy('unique_id')
        .select('unique_id', 'number', 'caller', 'did')) as Record<string, unknown>[];
      expect(rows).to.deep.equal([
        { unique_id: '1765.1', number: '+8613812345678', caller: '+13812345678', did: '4007188668' },
        { unique_id: '1765.2', number: 'anonymous', caller: '<unknown>', did: '4007188668' },
      ]);
      // Through the switch port's event too.
      a.heard(event('1765.3', '8613812345678'));
      await until(async () => (await hits('+8613812345678')) === 2);
    });

    it('keeps a call whose key no longer matches a block (removed meanwhile) without counting it anywhere', async () => {
      const { list } = await orchestrator();
      await list.rejectedByDialplan(event('1765.9', '8613900000000'));
      expect(await t.db('blocked_rejections').where({ unique_id: '1765.9' }).first('number')).to.deep.equal({
        number: null,
      });
    });
  });

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('not reached within 2 s');
}
