import { expect } from 'chai';
import { CARD_PLACEHOLDER, luhnValid, redactCardNumbers } from '../../src/privacy/card-numbers.js';

describe('privacy: card numbers redacted', () => {
  it('knows a card number by its length and the Luhn check', () => {
    expect(['4111111111111111', '5500005555555559', '378282246310005'].map(luhnValid)).to.deep.equal([
      true,
      true,
      true,
    ]);
    expect(luhnValid('4111111111111112')).to.equal(false);
  });

  it('replaces numerals however they are spaced, and leaves numbers that are not cards', () => {
    const said =
      'my card is 4111 1111 1111 1111 and the amex 3782-822463-10005, order 2026120612, phone 13800138000, ' +
      'not a card 4111 1111 1111 1112';
    expect(redactCardNumbers(said)).to.deep.equal({
      text:
        `my card is ${CARD_PLACEHOLDER} and the amex ${CARD_PLACEHOLDER}, order 2026120612, phone 13800138000, ` +
        'not a card 4111 1111 1111 1112',
      redacted: 2,
    });
  });

  it('replaces a card read out in English words, or in Chinese digits', () => {
    const words = 'it is four one one one one one one one one one one one one one one one thanks';
    expect(redactCardNumbers(words)).to.deep.equal({ text: `it is ${CARD_PLACEHOLDER} thanks`, redacted: 1 });
    expect(redactCardNumbers('卡号是四一一一一一一一一一一一一一一一，谢谢')).to.deep.equal({
      text: `卡号是${CARD_PLACEHOLDER}，谢谢`,
      redacted: 1,
    });
    // A phone number read out stays: too short for a card.
    expect(redactCardNumbers('call me on one three eight zero zero one three eight zero zero zero').redacted).to.equal(
      0,
    );
  });

  it('replaces any run of more than 19 digits (a card read twice over, or run into its expiry date)', () => {
    expect(redactCardNumbers('4111111111111111 1228 123').text).to.equal(CARD_PLACEHOLDER);
  });

  it('leaves text without numbers as it is', () => {
    expect(redactCardNumbers('the parcel never arrived')).to.deep.equal({
      text: 'the parcel never arrived',
      redacted: 0,
    });
  });
});
