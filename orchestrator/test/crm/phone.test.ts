import { expect } from 'chai';
import { normaliseCallerId } from '../../src/crm/phone.js';

describe('crm/phone normaliseCallerId', () => {
  const cases: Array<[string, string | null, string]> = [
    ['13812345678', '+8613812345678', 'valid'],
    ['8613812345678', '+8613812345678', 'valid'],
    ['+8613812345678', '+8613812345678', 'valid'],
    ['008613812345678', '+8613812345678', 'valid'],
    ['013812345678', '+8613812345678', 'valid'],
    ['021 1234 5678', '+862112345678', 'valid'],
    ['sip:+8613812345678@trunk.example;user=phone', '+8613812345678', 'valid'],
    ['"Wang" <sip:13812345678@10.0.0.1>', '+8613812345678', 'valid'],
    ['tel:+1-650-253-0000', '+16502530000', 'valid'],
    ['anonymous', null, 'withheld'],
    ['Anonymous', null, 'withheld'],
    ['unknown', null, 'withheld'],
    ['', null, 'withheld'],
    ['  ', null, 'withheld'],
    ['restricted', null, 'withheld'],
    ['abc', null, 'invalid'],
    ['12', null, 'invalid'],
    ['1380013800013800138001380013800', null, 'invalid'],
    ["'; DROP TABLE customers; --", null, 'invalid'],
    ['+999 1234', null, 'invalid'],
  ];
  for (const [raw, e164, kind] of cases) {
    it(`${JSON.stringify(raw)} → ${e164 ?? kind}`, () => {
      const r = normaliseCallerId(raw, 'CN');
      expect(r.kind).to.equal(kind);
      expect(r.e164).to.equal(e164);
      expect(r.raw).to.equal(raw);
    });
  }

  it('uses the default country for national numbers', () => {
    expect(normaliseCallerId('6502530000', 'US').e164).to.equal('+16502530000');
    expect(normaliseCallerId('6502530000', 'CN').e164).to.equal(null);
  });

  it('never throws on null, undefined, a huge string or a bad country', () => {
    expect(normaliseCallerId(null, 'CN').kind).to.equal('withheld');
    expect(normaliseCallerId(undefined, 'CN').kind).to.equal('withheld');
    expect(normaliseCallerId('1'.repeat(100_000), 'CN').kind).to.equal('invalid');
    expect(normaliseCallerId('13812345678', 'ZZ').kind).to.be.oneOf(['invalid', 'valid']);
  });
});
