import { expect } from 'chai';
import { parseNumberList } from '../../src/calls/number-list.js';
import { outboundNumber } from '../../src/calls/outbound-numbers.js';

const read = (typed: string) => outboundNumber(typed, { defaultCountry: 'CN', international: false });

describe('calls/number-list: a pasted or exported list of numbers', () => {
  it('reads each line as E.164 with its note, keeping the line numbers people see', () => {
    const list = parseNumberList(
      ['Phone number,Name', '139 1234 5678, 王芳', '', '"13812345678","Li, Wei"', '+8613912345678', 'abc'].join('\n'),
      read,
    );
    expect(list.numbers).to.deep.equal([
      { line: 2, e164: '+8613912345678', note: '王芳' },
      { line: 4, e164: '+8613812345678', note: 'Li, Wei' },
    ]);
    expect(list.repeated).to.equal(1);
    expect(list.invalid).to.deep.equal([
      { line: 6, input: 'abc', reason: 'not a phone number: "abc" (digits, and + for a country code)' },
    ]);
  });

  it("takes a spreadsheet's semicolons and tabs; refuses what the reader refuses; a first number is no header", () => {
    const list = parseNumberList('13912345678;王芳\n13812345678\t李\n+44 20 7946 0958', read);
    expect(list.numbers.map((n) => [n.e164, n.note])).to.deep.equal([
      ['+8613912345678', '王芳'],
      ['+8613812345678', '李'],
    ]);
    expect(list.invalid.map((i) => [i.line, i.reason])).to.deep.equal([
      [3, '+442079460958 is a number in GB: international calls are off (ARIADNE_OUTBOUND_INTERNATIONAL)'],
    ]);
  });

  it("under a header the note is the second column alone: an export's later columns stay out of it", () => {
    const exported =
      'number,reason,createdAt\n+8613912345678,asked,2026-12-07T03:00:00.000Z\n+8613812345678,,2026-12-07T03:00:00.000Z';
    expect(parseNumberList(exported, read).numbers.map((n) => n.note)).to.deep.equal(['asked', null]);
    expect(parseNumberList('13912345678, Li, Wei', read).numbers[0]?.note).to.equal('Li, Wei');
  });

  it('answers a broken list with one line that says why, and no numbers', () => {
    const list = parseNumberList('13912345678,"unclosed\n13812345678', read);
    expect(list.numbers).to.deep.equal([]);
    expect(list.invalid).to.have.length(1);
    expect(list.invalid[0]?.reason).to.match(/^not a CSV list: Quote Not Closed/);
    // Junk is not a header: it is refused as a number.
    expect(parseNumberList('\u0000\u0001', read).invalid).to.have.length(1);
  });
});
