import { expect } from 'chai';
import { parseSurveyReply, surveyText } from '../../src/surveys/index.js';

describe('surveys: SMS replies', () => {
  it('reads the score and keeps the rest as a comment', () => {
    expect(parseSurveyReply('5')).to.deep.equal({ score: 5, comment: null });
    expect(parseSurveyReply(' 4 thanks ')).to.deep.equal({ score: 4, comment: 'thanks' });
    expect(parseSurveyReply('1 - slow and rude')).to.deep.equal({ score: 1, comment: 'slow and rude' });
    expect(parseSurveyReply('Rating: 3 stars')).to.deep.equal({ score: 3, comment: null });
  });

  it('reads Chinese replies, full-width digits included', () => {
    expect(parseSurveyReply('评分：3分')).to.deep.equal({ score: 3, comment: null });
    expect(parseSurveyReply('5分，服务很好')).to.deep.equal({ score: 5, comment: '服务很好' });
    expect(parseSurveyReply('３ 不错')).to.deep.equal({ score: 3, comment: '不错' });
  });

  it('finds no score in a number outside 1-5 or in words', () => {
    for (const text of ['', 'hello', '10', '0', '6', '2026', 'call me back'])
      expect(parseSurveyReply(text), text).to.equal(null);
    // A digit standing alone after a longer number still counts.
    expect(parseSurveyReply('order 12 was late, 2')?.score).to.equal(2);
  });

  it('asks in the caller’s language', () => {
    expect(surveyText('zh', '物流')).to.match(/^感谢您致电物流。请回复数字1/);
    expect(surveyText('en', 'Logistics')).to.match(/^Thank you for calling Logistics\. .*Reply 1 \(poor\) to 5/);
    expect(surveyText(null, null)).to.match(/^Thank you for calling\. /);
  });

  it("takes the queue's own text over the built-in one, {queue} standing for its name", () => {
    expect(surveyText('zh', '物流', 'Thanks for calling {queue}. Rate us 1-5.')).to.equal(
      'Thanks for calling 物流. Rate us 1-5.',
    );
    expect(surveyText('en', null, 'Thanks for calling {queue} today. Rate us 1-5.')).to.equal(
      'Thanks for calling today. Rate us 1-5.',
    );
    expect(surveyText('en', 'Sales', null)).to.match(/^Thank you for calling Sales\./);
  });
});
