import { expect } from 'chai';
import { ensureBootstrapAdmin } from '../../src/auth/bootstrap.js';
import { checkCredentials } from '../../src/auth/users.js';
import { logger } from '../../src/logger.js';
import { createTestDb, DIALECTS } from '../support/db.js';

for (const dialect of DIALECTS) {
  describe(`auth/bootstrap on ${dialect}`, () => {
    it('creates the first admin from the configured password once, and never overwrites it', async () => {
      const t = await createTestDb(dialect);
      try {
        expect(await ensureBootstrapAdmin(t.db, undefined, logger)).to.equal('no_password');
        expect(await t.db('users').count({ n: '*' }).first()).to.deep.include({ n: 0 });

        expect(await ensureBootstrapAdmin(t.db, 'first-secret-123', logger)).to.equal('created');
        expect((await checkCredentials(t.db, 'admin', 'first-secret-123'))?.role).to.equal('admin');
        expect(await t.db('audit_log').where({ action: 'user.bootstrap_admin' }).count({ n: '*' }).first()).to.deep.include({ n: 1 });

        expect(await ensureBootstrapAdmin(t.db, 'another-secret-456', logger)).to.equal('admin_exists');
        expect(await checkCredentials(t.db, 'admin', 'another-secret-456')).to.equal(null);
      } finally {
        await t.drop();
      }
    });
  });
}
