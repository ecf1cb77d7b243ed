import { expect } from 'chai';
import { checkRange } from '../../src/reports/api.js';
import { addDays, dayOf, daysBetween, reportDay, wallTime } from '../../src/reports/day.js';

describe('reports: days in the contact center zone', () => {
  it('starts a Shanghai day at 16:00 UTC the day before and lasts 24 hours', () => {
    const d = reportDay('2026-12-06', 'Asia/Shanghai');
    expect(d.start.toISOString()).to.equal('2026-12-05T16:00:00.000Z');
    expect(d.end.toISOString()).to.equal('2026-12-06T16:00:00.000Z');
  });

  it('makes the spring-forward day 23 hours and the fall-back day 25 hours long (Berlin)', () => {
    const spring = reportDay('2026-03-29', 'Europe/Berlin');
    expect(spring.start.toISOString()).to.equal('2026-03-28T23:00:00.000Z');
    expect(spring.end.getTime() - spring.start.getTime()).to.equal(23 * 3_600_000);
    const fall = reportDay('2026-10-25', 'Europe/Berlin');
    expect(fall.start.toISOString()).to.equal('2026-10-24T22:00:00.000Z');
    expect(fall.end.getTime() - fall.start.getTime()).to.equal(25 * 3_600_000);
  });

  it('begins a day whose midnight does not exist at the first local instant (Havana, clocks 00:00 → 01:00)', () => {
    const d = reportDay('2026-03-08', 'America/Havana');
    expect(d.start.toISOString()).to.equal('2026-03-08T05:00:00.000Z');
    expect(wallTime(d.start, 'America/Havana')).to.equal('01:00');
    expect(dayOf(new Date(d.start.getTime() - 1), 'America/Havana')).to.equal('2026-03-07');
  });

  it('names the day of an instant, steps days by calendar and counts them inclusively', () => {
    expect(dayOf(new Date('2026-12-05T16:00:00Z'), 'Asia/Shanghai')).to.equal('2026-12-06');
    expect(dayOf(new Date('2026-12-05T15:59:59Z'), 'Asia/Shanghai')).to.equal('2026-12-05');
    expect(addDays('2026-03-01', -1)).to.equal('2026-02-28');
    expect(addDays('2026-12-31', 1)).to.equal('2027-01-01');
    expect(daysBetween('2026-12-01', '2026-12-06')).to.equal(6);
    expect(daysBetween('2026-12-06', '2026-12-01')).to.equal(0);
  });

  it('refuses what is not a calendar date', () => {
    expect(() => reportDay('2026-02-30', 'UTC')).to.throw(RangeError, 'not a calendar date');
    expect(() => reportDay('06/12/2026', 'UTC')).to.throw(RangeError);
  });

  describe('requested ranges', () => {
    const now = new Date('2026-12-06T03:00:00Z');
    it('defaults to today in the zone, from a given day until today, and to one day ending on a given day', () => {
      expect(checkRange({}, now, 'Asia/Shanghai')).to.deep.equal({ ok: true, from: '2026-12-06', to: '2026-12-06' });
      expect(checkRange({}, now, 'America/New_York')).to.deep.equal({ ok: true, from: '2026-12-05', to: '2026-12-05' });
      expect(checkRange({ to: '2026-12-01' }, now, 'UTC')).to.deep.equal({
        ok: true,
        from: '2026-12-01',
        to: '2026-12-01',
      });
      expect(checkRange({ from: '2026-12-01' }, now, 'UTC')).to.deep.equal({
        ok: true,
        from: '2026-12-01',
        to: '2026-12-06',
      });
    });
    it('says what is wrong with a bad range', () => {
      const message = (r: ReturnType<typeof checkRange>): string => (r.ok ? 'ok' : r.message);
      expect(message(checkRange({ from: '2026-12-06', to: '2026-12-01' }, now, 'UTC'))).to.equal(
        'to (2026-12-01) is before from (2026-12-06)',
      );
      expect(message(checkRange({ from: '2026-02-30' }, now, 'UTC'))).to.match(
        /^from: "2026-02-30" is not a calendar date/,
      );
      expect(message(checkRange({ from: '2024-01-01', to: '2026-01-01' }, now, 'UTC'))).to.equal(
        'at most 366 days at once (asked for 732)',
      );
      expect(message(checkRange({ from: '2026-12-01', to: '2026-12-02', by: 'interval' }, now, 'UTC'))).to.match(
        /intervals are for one day/,
      );
    });
  });
});
