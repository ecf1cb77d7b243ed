import { expect } from 'chai';
import { AnswersError, questionsSchema, scoreAnswers, type ScorecardQuestion } from '../../src/quality/score.js';

const Q: ScorecardQuestion[] = [
  { key: 'greeting', text: 'Greeted', weight: 1, critical: false, allowNa: false },
  { key: 'identity', text: 'Checked identity', weight: 3, critical: true, allowNa: true },
  { key: 'resolved', text: 'Resolved', weight: 4, critical: false, allowNa: false },
];

describe('quality: scoring a scorecard', () => {
  it('scores the weight of the yes answers over the weight of the questions that applied', () => {
    expect(scoreAnswers(Q, { greeting: 'yes', identity: 'yes', resolved: 'yes' })).to.deep.equal({
      scorePct: 100,
      failedCritical: false,
    });
    expect(scoreAnswers(Q, { greeting: 'no', identity: 'yes', resolved: 'yes' }).scorePct).to.equal(87.5);
    // Not applicable leaves the question out: 4 of 5.
    expect(scoreAnswers(Q, { greeting: 'no', identity: 'na', resolved: 'yes' }).scorePct).to.equal(80);
    expect(
      scoreAnswers(
        [
          { ...Q[0]!, weight: 1 },
          { ...Q[2]!, weight: 2 },
        ],
        { greeting: 'yes', resolved: 'no' },
      ).scorePct,
    ).to.equal(33.33);
  });

  it('a critical question answered no fails the call whatever else was right', () => {
    expect(scoreAnswers(Q, { greeting: 'yes', identity: 'no', resolved: 'yes' })).to.deep.equal({
      scorePct: 0,
      failedCritical: true,
    });
  });

  it('has no score when nothing applied', () => {
    const onlyNa: ScorecardQuestion[] = [{ key: 'a', text: 'A', weight: 2, critical: false, allowNa: true }];
    expect(scoreAnswers(onlyNa, { a: 'na' })).to.deep.equal({ scorePct: null, failedCritical: false });
  });

  it('refuses a missing answer, a "na" where it is not allowed and an answer to no question, naming each', () => {
    try {
      scoreAnswers(Q, { greeting: 'na', identity: 'yes', extra: 'yes' });
      expect.fail('accepted');
    } catch (err) {
      expect(err).to.be.instanceOf(AnswersError);
      expect((err as AnswersError).problems).to.deep.equal([
        { key: 'greeting', reason: 'must be answered yes or no' },
        { key: 'resolved', reason: 'not answered' },
        { key: 'extra', reason: 'no such question on this scorecard' },
      ]);
    }
  });

  it('a scorecard needs questions with distinct, plain keys', () => {
    expect(questionsSchema.safeParse([]).success).to.equal(false);
    const twice = questionsSchema.safeParse([
      { key: 'a', text: 'A' },
      { key: 'a', text: 'B' },
    ]);
    expect(twice.success).to.equal(false);
    expect(twice.error?.issues[0]?.message).to.equal('key a is used twice');
    expect(questionsSchema.safeParse([{ key: 'Has Space', text: 'A' }]).success).to.equal(false);
    const ok = questionsSchema.parse([{ key: 'a', text: 'A' }]);
    expect(ok).to.deep.equal([{ key: 'a', text: 'A', weight: 1, critical: false, allowNa: false }]);
  });
});
