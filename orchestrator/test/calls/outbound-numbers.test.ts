import { expect } from 'chai';
import { parseDeskDialOut, trunkDialString } from '../../src/calls/dial-out.js';
import { outboundNumber } from '../../src/calls/outbound-numbers.js';

describe('the numbers agents may call', () => {
  const cn = { defaultCountry: 'CN', international: false };
  const us = { defaultCountry: 'US', international: false };

  it('reads national numbers in the default country and dials E.164', () => {
    expect(outboundNumber('138 1234 5678', cn)).to.deep.equal({ ok: true, e164: '+8613812345678' });
    expect(outboundNumber('(212) 555-0100', us)).to.deep.equal({ ok: true, e164: '+12125550100' });
    expect(outboundNumber('+86 138-1234-5678', cn)).to.deep.equal({ ok: true, e164: '+8613812345678' });
  });

  it('refuses what is not a number, with the reason', () => {
    expect(outboundNumber('12ab', cn)).to.deep.include({ ok: false });
    expect(outboundNumber('12ab', cn))
      .to.have.property('reason')
      .match(/not a phone number/);
    expect(outboundNumber('4000', cn))
      .to.have.property('reason')
      .match(/not a valid phone number \(read as a CN/);
    expect(outboundNumber('', cn)).to.deep.include({ ok: false });
    // Emergency numbers are dialled on the phone (dialplans/emergency.conf), never placed from the workspace.
    for (const short of ['911', '112', '110']) expect(outboundNumber(short, cn)).to.deep.include({ ok: false });
  });

  it('keeps to the home numbering plan unless international calls are on', () => {
    expect(outboundNumber('+44 20 7946 0958', cn))
      .to.have.property('reason')
      .match(/in GB: international calls are off/);
    expect(outboundNumber('+44 20 7946 0958', { ...cn, international: true })).to.deep.equal({
      ok: true,
      e164: '+442079460958',
    });
    // One calling code is one plan: from the US, Canada is a national call.
    expect(outboundNumber('+1 416 555 0199', us)).to.deep.equal({ ok: true, e164: '+14165550199' });
  });

  it('never calls premium-rate numbers, international calls on or not', () => {
    for (const policy of [us, { ...us, international: true }])
      expect(outboundNumber('1 900 555 0143', policy))
        .to.have.property('reason')
        .match(/premium-rate/);
  });

  it('dials numbers through the trunk, and short extensions of ours directly', () => {
    const dial = trunkDialString('carrier-a');
    expect(dial?.('+8613812345678')).to.equal('PJSIP/+8613812345678@carrier-a');
    expect(dial?.('13812345678')).to.equal('PJSIP/13812345678@carrier-a');
    expect(dial?.('2009')).to.equal('PJSIP/2009');
    expect(trunkDialString(undefined)).to.equal(undefined);
  });
});

describe('numbers dialled on a desk phone, as the dialplan hands them over', () => {
  it('reads the number, the trunks in order and a withheld presentation', () => {
    expect(
      parseDeskDialOut(['dialout', '+15555550123', 'carrier-a', 'carrier-b', 'allowed_not_screened']),
    ).to.deep.equal({
      number: '+15555550123',
      trunks: ['carrier-a', 'carrier-b'],
      presentation: null,
    });
    // No backup configured (the dialplan passes an empty OUTBOUND_TRUNK_BACKUP), or the same trunk twice.
    expect(parseDeskDialOut(['dialout', '+15555550123', 'carrier-a', '', 'prohib_passed_screen'])).to.deep.equal({
      number: '+15555550123',
      trunks: ['carrier-a'],
      presentation: 'prohib_passed_screen',
    });
    expect(parseDeskDialOut(['dialout', '+15555550123', 'carrier-a', 'carrier-a'])).to.have.deep.property('trunks', [
      'carrier-a',
    ]);
  });

  it('says what is wrong with a dialplan edited out of shape', () => {
    expect(parseDeskDialOut(['dialout', '5555550123', 'carrier-a'])).to.deep.equal({
      error: 'dial-out number "5555550123" is not E.164',
    });
    expect(parseDeskDialOut(['dialout', '+15555550123', ''])).to.deep.equal({
      error: 'dial-out trunk "" is not a PJSIP endpoint name',
    });
  });
});
