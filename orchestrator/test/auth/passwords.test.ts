import { expect } from 'chai';
import { hashPassword, verifyPassword } from '../../src/auth/passwords.js';

describe('passwords', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).to.match(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('correct horse', stored)).to.equal(true);
    expect(await verifyPassword('wrong horse', stored)).to.equal(false);
  });

  it('salts every hash and treats a malformed hash as a mismatch', async () => {
    expect(await hashPassword('x')).to.not.equal(await hashPassword('x'));
    expect(await verifyPassword('x', 'plain-text')).to.equal(false);
    expect(await verifyPassword('x', 'scrypt$1$1$1$AA==$AA==')).to.equal(false);
  });
});
