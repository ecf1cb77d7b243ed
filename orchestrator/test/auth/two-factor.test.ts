import { expect } from 'chai';
import { hashPassword } from '../../src/auth/passwords.js';
import {
  checkSecondFactor,
  confirmSetup,
  disableTwoFactor,
  LOCK_MS,
  MAX_FAILURES,
  replaceRecoveryCodes,
  startSetup,
  twoFactorStatus,
} from '../../src/auth/two-factor.js';
import { createTestDb, DIALECTS, type TestDb } from '../support/db.js';
import { codeAt } from '../support/totp.js';

for (const dialect of DIALECTS) {
  describe(`two-factor sign-in (${dialect})`, () => {
    let t: TestDb;
    let user: { id: number; username: string };
    const t0 = new Date('2026-12-07T12:00:00Z');
    const later = (s: number) => new Date(t0.getTime() + s * 1000);

    before(async () => {
      t = await createTestDb(dialect);
      const [id] = await t.db('users').insert({
        username: 'mara',
        display_name: 'Mara',
        password_hash: await hashPassword('mara-pass-1'),
        role: 'admin',
      });
      user = { id: Number(id), username: 'mara' };
    });
    after(async () => t.drop());

    async function enable(at: Date): Promise<{ secret: string; recoveryCodes: readonly string[] }> {
      const setup = await startSetup(t.db, user);
      const result = await confirmSetup(t.db, user, codeAt(setup.secret, at), at);
      if (!result.ok) throw new Error(`setup refused: ${result.reason}`);
      return { secret: setup.secret, recoveryCodes: result.recoveryCodes };
    }

    afterEach(async () => {
      await disableTwoFactor(t.db, user.id);
    });

    it('sets up from a QR code and is on only once a code from the new secret is confirmed', async () => {
      const setup = await startSetup(t.db, user);
      expect(setup.secret).to.match(/^[A-Z2-7]{32}$/);
      expect(setup.otpauthUrl).to.match(/^otpauth:\/\/totp\/Ariadne:mara\?/);
      expect(setup.otpauthUrl).to.include(`secret=${setup.secret}`);
      expect(setup.qrSvg).to.match(/^<svg[^>]*>/);
      expect((await twoFactorStatus(t.db, user.id)).enabled).to.equal(false);

      expect(await confirmSetup(t.db, user, '000000', t0)).to.deep.equal({ ok: false, reason: 'wrong_code' });
      const ok = await confirmSetup(t.db, user, codeAt(setup.secret, t0), t0);
      expect(ok.ok).to.equal(true);
      expect(await twoFactorStatus(t.db, user.id)).to.deep.equal({ enabled: true, recoveryCodesLeft: 10 });
      // The pending secret was used up.
      expect(await confirmSetup(t.db, user, codeAt(setup.secret, t0), t0)).to.deep.equal({
        ok: false,
        reason: 'no_setup',
      });
    });

    it('accepts a code one step either side, refuses two steps off, and each code only once', async () => {
      const { secret } = await enable(t0);
      expect(await checkSecondFactor(t.db, user, codeAt(secret, later(95)), later(150))).to.equal('wrong');
      expect(await checkSecondFactor(t.db, user, codeAt(secret, later(90)), later(120))).to.equal('ok');
      // The same code again, and an older one, are replays.
      expect(await checkSecondFactor(t.db, user, codeAt(secret, later(90)), later(121))).to.equal('wrong');
      expect(await checkSecondFactor(t.db, user, codeAt(secret, later(60)), later(121))).to.equal('wrong');
      // Spaces, as some apps show the code, are fine.
      const next = codeAt(secret, later(150));
      expect(await checkSecondFactor(t.db, user, `${next.slice(0, 3)} ${next.slice(3)}`, later(150))).to.equal('ok');
    });

    it('takes each recovery code once, typed in any case, and new codes replace the old', async () => {
      const { recoveryCodes } = await enable(t0);
      expect(recoveryCodes).to.have.length(10);
      expect(new Set(recoveryCodes).size).to.equal(10);
      expect(recoveryCodes[0]).to.match(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
      const stored = JSON.stringify(await t.db('recovery_codes').select());
      expect(stored).to.not.include(recoveryCodes[0]);

      expect(await checkSecondFactor(t.db, user, recoveryCodes[0]!.toUpperCase(), later(10))).to.equal('ok');
      expect(await checkSecondFactor(t.db, user, recoveryCodes[0]!, later(11))).to.equal('wrong');
      expect((await twoFactorStatus(t.db, user.id)).recoveryCodesLeft).to.equal(9);

      const fresh = await replaceRecoveryCodes(t.db, user.id);
      expect(await checkSecondFactor(t.db, user, recoveryCodes[1]!, later(12))).to.equal('wrong');
      expect(await checkSecondFactor(t.db, user, fresh[1]!, later(13))).to.equal('ok');
    });

    it(`locks for a while after ${MAX_FAILURES} wrong codes in a row, even against the right one`, async () => {
      const { secret } = await enable(t0);
      for (let i = 1; i < MAX_FAILURES; i++)
        expect(await checkSecondFactor(t.db, user, '123456', later(i))).to.equal('wrong');
      expect(await checkSecondFactor(t.db, user, 'not-a-code', later(5))).to.equal('locked');
      expect(await checkSecondFactor(t.db, user, codeAt(secret, later(60)), later(60))).to.equal('locked');
      const after = new Date(later(5).getTime() + LOCK_MS + 1000);
      expect(await checkSecondFactor(t.db, user, codeAt(secret, after), after)).to.equal('ok');
    });

    it('a right code clears the count of wrong ones', async () => {
      const { secret } = await enable(t0);
      for (let i = 1; i < MAX_FAILURES; i++) await checkSecondFactor(t.db, user, '123456', later(i));
      expect(await checkSecondFactor(t.db, user, codeAt(secret, later(30)), later(30))).to.equal('ok');
      expect(await checkSecondFactor(t.db, user, '123456', later(31))).to.equal('wrong');
    });

    it('turned off, no code passes and the recovery codes are gone', async () => {
      const { secret, recoveryCodes } = await enable(t0);
      expect(await disableTwoFactor(t.db, user.id)).to.equal(true);
      expect(await disableTwoFactor(t.db, user.id)).to.equal(false);
      expect(await checkSecondFactor(t.db, user, codeAt(secret, later(30)), later(30))).to.equal('wrong');
      expect(await checkSecondFactor(t.db, user, recoveryCodes[0]!, later(31))).to.equal('wrong');
      expect(await twoFactorStatus(t.db, user.id)).to.deep.equal({ enabled: false, recoveryCodesLeft: 0 });
    });
  });
}
