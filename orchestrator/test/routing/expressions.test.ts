import { expect } from 'chai';
import { buildScope, compileRule, evaluate, validateExpression } from '../../src/routing/expressions.js';
import type { CallAttributes } from '../../src/routing/types.js';

const base: CallAttributes = {
  did: '4008001000',
  callerE164: '+8613800138000',
  customerId: 42,
  tier: 'gold',
  language: 'zh',
  ivr: { menu: '2', order_no: '12345' },
  recentCategories: ['logistics', 'logistics', 'logistics', 'billing'],
  // Monday 2026-11-23 09:15 in Shanghai
  now: new Date('2026-11-23T01:15:00Z'),
};

function run(expr: string, a: Partial<CallAttributes> = {}): unknown {
  const r = evaluate(compileRule(expr), buildScope({ ...base, ...a }, { timeZone: 'Asia/Shanghai' }));
  if (r.error) throw new Error(r.error);
  return r.value;
}

describe('routing/expressions vocabulary', () => {
  it('exposes call attributes by name', () => {
    expect(run('did == "4008001000"')).to.equal(true);
    expect(run('tier == "gold" and language == "zh"')).to.equal(true);
    expect(run('tier in ("gold", "diamond")')).to.equal(true);
    expect(run('tierRank >= 1')).to.equal(true);
    expect(run('known')).to.equal(true);
    expect(run('known', { customerId: null })).to.equal(false);
    expect(run('tier == "standard"', { tier: null })).to.equal(true);
    expect(run('starts_with(caller, "+86")')).to.equal(true);
  });

  it('reads IVR values as ivr.<name>, ivr_value() and ivr_menu; unset is ""', () => {
    expect(run('ivr.menu == "2"')).to.equal(true);
    expect(run('ivr_menu == "2"')).to.equal(true);
    expect(run('ivr_value("order_no") == "12345"')).to.equal(true);
    expect(run('ivr.language == ""')).to.equal(true);
    expect(run('ivr_set("order_no") and not ivr_set("intent")')).to.equal(true);
  });

  it('expresses contact history: "the last three contacts were about logistics"', () => {
    expect(run('last(3, "logistics")')).to.equal(true);
    expect(run('last(4, "logistics")')).to.equal(false);
    expect(run('last(3, "logistics")', { recentCategories: ['logistics', 'logistics'] })).to.equal(false);
    expect(run('countLast(4, "logistics")')).to.equal(3);
    expect(run('recentCount("billing") == 1 and recent("billing") and not recent("sales")')).to.equal(true);
    expect(run('lastCategory == "logistics" and recentTotal == 4')).to.equal(true);
  });

  it('knows local time of day and weekday in the configured zone', () => {
    expect(run('hour == 9 and minute == 15 and time == "09:15"')).to.equal(true);
    expect(run('weekday == "mon" and weekdayNum == 1 and not weekend')).to.equal(true);
    expect(run('between("09:00", "18:00")')).to.equal(true);
    expect(run('between("22:00", "06:00")')).to.equal(false);
    expect(run('between("22:00", "06:00")', { now: new Date('2026-11-22T19:30:00Z') })).to.equal(true); // 03:30 Monday
    expect(run('date == "2026-11-23"')).to.equal(true);
  });

  it('validates with clear messages', () => {
    expect(validateExpression('tier == "gold"')).to.equal(null);
    expect(validateExpression('true')).to.equal(null);
    expect(run('true and not false')).to.equal(true);
    expect(validateExpression('last(3, "logistics") and between("09:00", "18:00")')).to.equal(null);
    expect(validateExpression('tierr == "gold"')).to.match(/unknown name "tierr"/);
    expect(validateExpression('tier == gold')).to.match(/unknown name "gold".*double quotes/);
    expect(validateExpression('tier ==')).to.match(/cannot parse/);
    expect(validateExpression('tier = "gold"')).to.match(/cannot parse near "= "gold"".*==/);
    expect(validateExpression("tier == 'gold'")).to.match(/unknown name "gold"/);
    expect(validateExpression('hour + 1')).to.match(/must be true or false/);
    expect(validateExpression('last("x", "logistics")')).to.match(/whole number/);
    expect(validateExpression('between("9am", "5pm")')).to.match(/not a time/);
    expect(validateExpression('  ')).to.match(/empty/);
    expect(validateExpression('nosuch(1)')).to.match(/nosuch/);
  });

  it('never throws at run time: a failing expression reports an error', () => {
    const r = evaluate(compileRule('hour > "nine"'), buildScope(base, { timeZone: 'UTC' }));
    expect(r.error).to.be.a('string');
  });
});
