import { expect } from 'chai';
import { MAIN_FLOW } from '../../src/db/seed/flows.js';
import { FlowError, FlowRepository } from '../../src/ivr/flows.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';

const v1 = { start: 'q', nodes: { q: { type: 'queue', queue: 'general' } } };
const v2 = { start: 'bye', nodes: { bye: { type: 'hangup', prompt: ['sound:goodbye'] } } };

for (const dialect of DIALECTS) {
  describe(`ivr/flows FlowRepository (${dialect})`, () => {
    let t: TestDb;
    beforeEach(async () => {
      t = await createTestDb(dialect);
    });
    afterEach(async () => t.drop());

    it('saves versions, publishes one, serves it by DID, rolls back', async () => {
      const repo = new FlowRepository(t.db, 0);
      const a = await repo.saveVersion('main', v1, 'alice', 'Main line');
      const b = await repo.saveVersion('main', v2, 'bob');
      expect([a.version, b.version]).to.deep.equal([1, 2]);
      await repo.mapDid('4007188668', 'main');
      expect(await repo.forDid('4007188668')).to.equal(null); // nothing published yet

      await repo.publish('main', 2);
      const live = await repo.forDid('4007188668');
      expect(live?.version).to.equal(2);
      expect(live?.document.start).to.equal('bye');
      expect((await repo.versions('main')).map((v) => [v.version, v.published, v.createdBy])).to.deep.equal([
        [2, true, 'bob'],
        [1, false, 'alice'],
      ]);

      expect(await repo.rollback('main')).to.equal(1);
      expect((await repo.getPublished('main'))?.version).to.equal(1);
      const err = await repo.rollback('main').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FlowError);
      expect((err as FlowError).code).to.equal('no_previous_version');
      expect(await repo.forDid('0000')).to.equal(null);
    });

    it('refuses an invalid document with every issue and stores nothing', async () => {
      const repo = new FlowRepository(t.db, 0);
      const bad = {
        start: 'x',
        nodes: { q: { type: 'queue' }, m: { type: 'menu', prompt: [], choices: {}, onFailure: 'zz' } },
      };
      const err = (await repo.saveVersion('main', bad).catch((e: unknown) => e)) as FlowError;
      expect(err).to.be.instanceOf(FlowError);
      expect(err.code).to.equal('invalid');
      expect(err.issues.map((i) => i.path)).to.include.members(['nodes.m.prompt', 'nodes.m.choices']);
      expect(await t.db('ivr_flow_versions').count({ n: '*' }).first()).to.deep.include({ n: 0 });
      const missing = (await repo.publish('nope', 1).catch((e: unknown) => e)) as FlowError;
      expect(missing.code).to.equal('not_found');
    });

    it('never serves a corrupt stored version (re-validated on load)', async () => {
      const repo = new FlowRepository(t.db, 0);
      await repo.saveAndPublish('main', MAIN_FLOW);
      await repo.mapDid('4007188668', 'main');
      await t.db('ivr_flow_versions').update({ document: '{"start":"nowhere","nodes":{}}' });
      expect(await repo.forDid('4007188668')).to.equal(null);
    });
  });
}
