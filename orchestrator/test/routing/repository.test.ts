import { expect } from 'chai';
import {
  createQueue,
  createSkill,
  deleteQueue,
  listQueueConfigs,
  loadQueue,
  setSkillsOfAgent,
  updateQueue,
} from '../../src/routing/repository.js';
import { loadAgent } from '../../src/agents/repository.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';
import { agent } from './fixtures.js';

for (const dialect of DIALECTS) {
  describe(`routing/repository queues and skills (${dialect})`, function () {
    let t: TestDb;
    before(async () => {
      t = await createTestDb(dialect);
      await createSkill(t.db, { name: 'orders' });
    });
    after(async () => t.drop());

    it('creates a queue with skills and overflow, reads it back typed', async () => {
      await createQueue(t.db, { name: 'general', displayName: 'General' });
      const q = await createQueue(t.db, {
        name: 'orders',
        displayName: 'Orders',
        strategy: 'skill_score',
        skills: [{ skill: 'orders', minLevel: 3 }],
        overflow: [
          { afterSeconds: 120, action: 'move_queue', queue: 'general' },
          { afterSeconds: 60, action: 'widen_skills' },
        ],
        joinWhenEmpty: false,
        recordCalls: false,
        callbackDigit: '#',
      });
      expect(q).to.deep.include({
        recordCalls: false,
        callbackDigit: '#',
        mohClass: 'default',
        serviceLevelSeconds: 20,
        businessHoursId: null,
      });
      expect(q).to.deep.include({
        name: 'orders',
        strategy: 'skill_score',
        joinWhenEmpty: false,
        leaveWhenEmpty: false,
        ringTimeoutSeconds: 20,
      });
      expect(q.skills).to.deep.equal([{ skill: 'orders', minLevel: 3 }]);
      expect(q.overflow.map((s) => s.action)).to.deep.equal(['widen_skills', 'move_queue']);
      expect((await listQueueConfigs(t.db)).map((x) => x.name)).to.deep.equal(['general', 'orders']);
    });

    it('refuses bad overflow steps, unknown targets and unknown skills, changing nothing', async () => {
      const q = (await listQueueConfigs(t.db)).find((x) => x.name === 'orders')!;
      const attempts: unknown[] = [
        { overflow: [{ afterSeconds: 10, action: 'add_site' }] },
        { overflow: [{ afterSeconds: 10, action: 'teleport' }] },
        { overflow: [{ afterSeconds: 10, action: 'move_queue', queue: 'nowhere' }] },
        { overflow: [{ afterSeconds: 10, action: 'move_queue', queue: 'orders' }] },
        { skills: [{ skill: 'astrology', minLevel: 1 }] },
        { strategy: 'random' },
      ];
      for (const body of attempts) {
        let err: unknown;
        await updateQueue(t.db, q.id, body).catch((e: unknown) => (err = e));
        expect(err, JSON.stringify(body)).to.be.instanceOf(Error);
      }
      const after = await loadQueue(t.db, q.id);
      expect(after?.overflow).to.deep.equal(q.overflow);
      expect(after?.skills).to.deep.equal(q.skills);
    });

    it('a hand-edited bad overflow row is read with the bad step dropped and reported', async () => {
      const q = (await listQueueConfigs(t.db)).find((x) => x.name === 'orders')!;
      await t
        .db('queues')
        .where({ id: q.id })
        .update({ overflow: '[{"afterSeconds":5,"action":"widen_skills"},{"afterSeconds":"x"}]' });
      const read = await loadQueue(t.db, q.id);
      expect(read?.overflow).to.have.length(1);
      expect(read?.problems[0]).to.match(/overflow step 2 ignored/);
      await t.db('queues').where({ id: q.id }).update({ overflow: 'not json' });
      expect((await loadQueue(t.db, q.id))?.problems).to.deep.equal(['overflow is not JSON']);
    });

    it('sets an agent skill list and deletes a queue', async () => {
      const a = await agent(t.db, 'Skilled');
      await setSkillsOfAgent(t.db, a, [{ skill: 'orders', level: 7 }]);
      expect([...(await loadAgent(t.db, a))!.skills]).to.deep.equal([['orders', 7]]);
      const g = (await listQueueConfigs(t.db)).find((x) => x.name === 'general')!;
      expect(await deleteQueue(t.db, g.id)).to.equal(true);
      expect(await loadQueue(t.db, g.id)).to.equal(null);
    });
  });
}
