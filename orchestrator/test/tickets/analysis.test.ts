import { expect } from 'chai';
import { analyseText, MAX_ANALYSED_CHARS, type TextAnalysis } from '../../src/tickets/analysis.js';

const analyse = (text: string, options?: Parameters<typeof analyseText>[1]): TextAnalysis => {
  const result = analyseText(text, options);
  expect(result, text).to.not.equal(null);
  return result as TextAnalysis;
};
const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();
const STOP_WORDS = ['the', 'a', 'an', 'was', 'for', 'wants', 'is', 'of', 'to', 'and'];

describe('tickets: text analysis', function () {
  // The first call loads the English and Chinese models (~0.3 s each); CI machines can be slower.
  this.timeout(20_000);

  describe('English', () => {
    it('scores a clear complaint as negative', () => {
      const r = analyse(
        'I am furious. My order was lost twice, nobody called me back, and this is the worst service ever!',
      );
      expect(r.language).to.equal('en');
      expect(r.sentimentLabel).to.equal('negative');
      expect(r.sentiment).to.be.below(-0.3);
    });

    it('scores thanks as positive', () => {
      const r = analyse('Thank you so much! The agent was very helpful and friendly, great support.');
      expect(r.sentimentLabel).to.equal('positive');
      expect(r.sentiment).to.be.above(0.3);
    });

    it('scores a factual note as neutral', () => {
      const r = analyse('Customer called to update the delivery address for order 1234.');
      expect(r.sentimentLabel).to.equal('neutral');
      expect(r.sentiment).to.be.within(-0.05, 0.05);
    });

    it('treats a capitalised negator as a negation (vader-sentiment alone does not)', () => {
      expect(analyse('Not happy with the wait.').sentimentLabel).to.equal('negative');
      expect(analyse('I am NOT happy with the wait.').sentimentLabel).to.equal('negative');
    });

    it('rounds the sentiment to three decimals and keeps it within -1..1', () => {
      const { sentiment } = analyse('Terrible, awful, horrible, the worst, a disaster!!! '.repeat(50));
      expect(sentiment).to.be.within(-1, 1);
      expect(Math.round(sentiment * 1000) / 1000).to.equal(sentiment);
    });

    it('extracts keywords by frequency, lower-cased, without stop words', () => {
      const r = analyse('The parcel was lost. Customer wants a refund for the lost parcel.');
      expect(r.keywords[0]).to.equal('parcel'); // the only term seen twice
      expect(r.keywords).to.include('refund');
      for (const k of r.keywords) {
        expect(STOP_WORDS, k).to.not.include(k);
        expect(k).to.equal(k.toLowerCase());
      }
      expect(new Set(r.keywords).size).to.equal(r.keywords.length);
    });

    it('counts singular and plural once', () => {
      const r = analyse('Orders were delayed again. The order arrived late. Another order is missing.');
      expect(r.keywords[0]).to.equal('order');
      expect(r.keywords).to.not.include('orders');
    });

    it('honours maxKeywords', () => {
      const text = 'Parcel, refund, courier, address, invoice, warehouse and driver issues were discussed in detail.';
      expect(analyse(text, { maxKeywords: 2 }).keywords).to.have.length(2);
      expect(analyse(text).keywords).to.have.length(5);
      expect(analyse(text, { maxKeywords: 0 }).keywords).to.deep.equal([]);
    });
  });

  describe('Chinese', () => {
    it('analyses a complaint', () => {
      const r = analyse('快递丢失了，客户非常生气，要求退款。');
      expect(r.language).to.equal('zh');
      expect(r.sentimentLabel).to.equal('negative');
      expect(
        r.keywords.some((k) => k === '快递' || k === '退款'),
        r.keywords.join(','),
      ).to.equal(true);
    });

    it('analyses praise', () => {
      const r = analyse('问题已经解决，客户很满意，谢谢。');
      expect(r.language).to.equal('zh');
      expect(r.sentimentLabel).to.equal('positive');
    });

    it('flips a negated word', () => {
      expect(analyse('不满意').sentimentLabel).to.equal('negative');
      expect(analyse('客服态度不太好，没有解决问题。').sentimentLabel).to.equal('negative');
      expect(analyse('客户来电咨询订单状态，已告知预计明天送达。').sentimentLabel).to.equal('neutral');
    });

    it('picks the language by which script dominates the letters', () => {
      expect(analyse('客户说 parcel 丢失了，要求退款').language).to.equal('zh');
      expect(analyse('The customer said 快递 was lost and wants a refund').language).to.equal('en');
    });
  });

  describe('summary', () => {
    const note =
      'Customer called at 9am. ' +
      'The parcel with the new router was lost by the courier and the customer wants a refund for the parcel. ' +
      'Weather was nice. ' +
      'I opened a courier trace for the lost parcel and promised the refund by Friday.';

    it('keeps whole, keyword-rich sentences in their original order within the budget', () => {
      // Room for the two parcel sentences (103 + 1 + 78 chars) but not for the filler as well.
      const r = analyse(note, { maxSummaryChars: 190 });
      expect(r.summary.length).to.be.at.most(190);
      expect(r.summary).to.not.include('…');
      expect(r.summary).to.not.include('Weather');
      const parcel = r.summary.indexOf('The parcel');
      const trace = r.summary.indexOf('I opened');
      expect(parcel).to.be.at.least(0);
      expect(trace).to.be.above(parcel);
    });

    it('returns the whole text when it fits', () => {
      expect(analyse(note).summary).to.equal(squash(note));
    });

    it('only ever contains whole sentences of the text', () => {
      const sentences = note.match(/[^.]+\./g)?.map(squash) ?? [];
      for (const max of [40, 60, 120, 200]) {
        const { summary } = analyse(note, { maxSummaryChars: max });
        expect(summary.length).to.be.at.most(max);
        let rest = summary;
        for (const s of sentences) rest = rest.replace(s, '');
        expect(rest.trim(), `max ${max}: ${summary}`).to.equal('');
      }
    });

    it('cuts a single over-long sentence at a word boundary', () => {
      const long =
        'The customer explained at great length that the replacement router never arrived at the new address';
      const { summary } = analyse(long, { maxSummaryChars: 40 });
      expect(summary.length).to.be.at.most(40);
      expect(summary.endsWith('…')).to.equal(true);
      const words = long.split(' ');
      for (const w of summary.slice(0, -1).split(' ')) expect(words, summary).to.include(w);
    });

    it('summarises Chinese by sentence', () => {
      const text = '客户来电。快递丢失了，客户要求退款。今天天气不错。已为客户登记退款申请，预计三天到账。';
      const { summary } = analyse(text, { maxSummaryChars: 40 });
      expect(summary.length).to.be.at.most(40);
      expect(summary).to.include('快递丢失了，客户要求退款。');
      expect(summary).to.not.include('天气');
    });
  });

  describe('odd input', () => {
    it('returns null when there is nothing to analyse', () => {
      for (const t of ['', '   ', '\n\t ', '...!?', '"""\'\'\'', '😀😀', '\u0000\u0000', '<br/><p></p>']) {
        expect(analyseText(t), JSON.stringify(t)).to.equal(null);
      }
    });

    it('neither throws nor slows down on strange strings', () => {
      const inputs = [
        '12345',
        '😀 great 😀',
        '<p>Great <b>service</b>&nbsp;&amp; quick</p>',
        '"unbalanced quote \u0000 with a NUL',
        'constructor __proto__ toString hasOwnProperty 客户',
        '\uD800 lone surrogate \uDFFF',
        'x'.repeat(10_000),
        'ab1-'.repeat(5_000),
        '不'.repeat(10_000),
        'the parcel 快递 丢失 lost. '.repeat(500),
      ];
      for (const t of inputs) {
        const started = performance.now();
        const r = analyseText(t);
        expect(performance.now() - started, t.slice(0, 30)).to.be.below(2_000);
        expect(r, t.slice(0, 30)).to.not.equal(null);
        expect(r?.summary.length).to.be.at.most(280);
      }
      expect(analyseText('<p>Great <b>service</b>&nbsp;&amp; quick</p>')?.summary).to.equal('Great service & quick');
    });

    it('caps a 50,000-char random string', () => {
      const alphabet = 'abcdefghij klmnop.,;!?"\'<>/\u0000\n\t😀中文客户退款不满意0123456789\uD800\uDFFF';
      let text = '';
      for (let i = 0; i < 50_000; i++) text += alphabet[Math.floor(Math.random() * alphabet.length)];
      const started = performance.now();
      const r = analyseText(text, { maxSummaryChars: 100 });
      expect(performance.now() - started).to.be.below(3_000);
      expect(r?.summary.length).to.be.at.most(100);
      expect(r?.keywords.length).to.be.at.most(5);
      expect(MAX_ANALYSED_CHARS).to.be.below(text.length);
    });

    it('survives nonsensical options', () => {
      const r = analyse('The parcel was lost.', { maxKeywords: -3, maxSummaryChars: Number.NaN });
      expect(r.keywords).to.deep.equal([]);
      expect(r.summary).to.equal('The parcel was lost.');
      expect(analyse('The parcel was lost.', { maxSummaryChars: 1 }).summary).to.equal('…');
    });
  });
});
