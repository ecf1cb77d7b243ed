import { expect } from 'chai';
import {
  createPauseReason,
  deletePauseReason,
  listPauseReasons,
  resolvePauseReason,
} from '../../src/agents/pause-reasons.js';
import { AgentService } from '../../src/agents/service.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';
import { agent } from '../routing/fixtures.js';

for (const dialect of DIALECTS) {
  describe(`agents/pause-reasons (${dialect})`, function () {
    this.timeout(20_000);
    let t: TestDb;
    before(async () => {
      t = await createTestDb(dialect);
    });
    after(() => t.drop());

    it('starts with the desk phone’s former codes, listed in dialling order', async () => {
      await createPauseReason(t.db, { name: 'quality review', code: '10' });
      await createPauseReason(t.db, { name: 'fire drill', code: null });
      expect((await listPauseReasons(t.db)).map((r) => [r.code, r.name])).to.deep.equal([
        ['1', 'break'],
        ['2', 'lunch'],
        ['3', 'meeting'],
        ['4', 'training'],
        ['5', 'after-call work'],
        ['6', 'coaching'],
        ['10', 'quality review'],
        [null, 'fire drill'],
      ]);
    });

    it('takes a listed reason as the list spells it, the first for none, and refuses one not listed', async () => {
      expect(await resolvePauseReason(t.db, ' LUNCH ')).to.equal('lunch');
      expect(await resolvePauseReason(t.db, undefined)).to.equal('break');
      const err = await resolvePauseReason(t.db, 'coffee').catch((e: unknown) => e as Error & { code: string });
      expect(err).to.include({ code: 'bad_request' });
      expect((err as Error).message).to.match(/^unknown pause reason "coffee": one of "break", "lunch", /);

      const svc = new AgentService({ db: t.db });
      const id = await agent(t.db, 'Pat');
      await svc.login(id);
      const refused = await svc.pause(id, 'coffee').catch((e: unknown) => e as Error);
      expect((refused as Error).message).to.contain('unknown pause reason');
      expect((await svc.get(id))?.state, 'not paused by a refused reason').to.equal('available');
      expect((await svc.pause(id, 'Training')).pauseReason).to.equal('training');
      svc.stop();
    });

    it('takes any reason once the list is emptied', async () => {
      for (const r of await listPauseReasons(t.db)) await deletePauseReason(t.db, r.id);
      expect(await resolvePauseReason(t.db, 'coffee')).to.equal('coffee');
      expect(await resolvePauseReason(t.db, '')).to.equal('break');
    });
  });
}
