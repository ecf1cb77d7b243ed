import { expect } from 'chai';
import { BusinessHoursStore, hoursState, localTime, type BusinessHours } from '../../src/ivr/hours.js';
import { createTestDb, DIALECTS } from '../support/db.js';

const hours: BusinessHours = {
  name: 'main',
  timezone: 'Asia/Shanghai',
  weekly: {
    mon: [['09:00', '18:00']],
    tue: [
      ['09:00', '12:00'],
      ['13:00', '18:00'],
    ],
    sat: [['10:00', '24:00']],
  },
  holidays: new Map([
    ['2026-10-01', []],
    ['2026-12-31', [['09:00', '15:00']]],
  ]),
};

describe('ivr/hours', () => {
  it('computes local time in the business time zone', () => {
    // 2026-11-23 01:30 UTC is Monday 09:30 in Shanghai.
    expect(localTime(new Date('2026-11-23T01:30:00Z'), 'Asia/Shanghai')).to.deep.equal({
      day: '2026-11-23',
      weekday: 'mon',
      minutes: 570,
    });
    // 2026-11-22 20:00 UTC is already Monday 04:00 in Shanghai, still Sunday in UTC.
    expect(localTime(new Date('2026-11-22T20:00:00Z'), 'Asia/Shanghai').weekday).to.equal('mon');
  });

  it('answers each zone and each minute for itself, across a DST change', () => {
    // New York springs forward at 2026-03-08 07:00 UTC: 01:59 EST, then 03:00 EDT.
    const ny = (iso: string): number => localTime(new Date(iso), 'America/New_York').minutes;
    expect(ny('2026-03-08T06:59:00Z')).to.equal(1 * 60 + 59);
    expect(ny('2026-03-08T06:59:59Z')).to.equal(1 * 60 + 59);
    expect(localTime(new Date('2026-03-08T06:59:30Z'), 'Asia/Kathmandu').minutes).to.equal(12 * 60 + 44);
    expect(ny('2026-03-08T07:00:00Z')).to.equal(3 * 60);
    expect(localTime(new Date('2026-03-08T07:00:00Z'), 'Asia/Kathmandu').minutes).to.equal(12 * 60 + 45);
    // Back in time (a test clock, a recovered call's timestamps) is answered too.
    expect(ny('2026-03-08T06:58:00Z')).to.equal(1 * 60 + 58);
  });

  it('opens and closes at the span edges, with lunch breaks and 24:00', () => {
    expect(hoursState(hours, new Date('2026-11-23T01:00:00Z'))).to.equal('open'); // Mon 09:00
    expect(hoursState(hours, new Date('2026-11-23T00:59:00Z'))).to.equal('closed'); // Mon 08:59
    expect(hoursState(hours, new Date('2026-11-23T10:00:00Z'))).to.equal('closed'); // Mon 18:00
    expect(hoursState(hours, new Date('2026-11-24T04:30:00Z'))).to.equal('closed'); // Tue 12:30 lunch
    expect(hoursState(hours, new Date('2026-11-24T05:00:00Z'))).to.equal('open'); // Tue 13:00
    expect(hoursState(hours, new Date('2026-11-28T15:59:00Z'))).to.equal('open'); // Sat 23:59
    expect(hoursState(hours, new Date('2026-11-25T03:00:00Z'))).to.equal('closed'); // Wed: no spans
  });

  it('applies holidays before the weekly plan', () => {
    expect(hoursState(hours, new Date('2026-10-01T03:00:00Z'))).to.equal('holiday'); // Thu, closed all day
    expect(hoursState(hours, new Date('2026-12-31T03:00:00Z'))).to.equal('open'); // special hours
    expect(hoursState(hours, new Date('2026-12-31T08:00:00Z'))).to.equal('holiday'); // 16:00, after special hours
  });

  for (const dialect of DIALECTS) {
    it(`loads hours and holidays from the database (${dialect})`, async () => {
      const t = await createTestDb(dialect);
      try {
        const [id] = await t
          .db('business_hours')
          .insert({ name: 'main', timezone: 'Asia/Shanghai', weekly: JSON.stringify({ thu: [['09:00', '18:00']] }) });
        await t
          .db('holidays')
          .insert({ business_hours_id: id, day: '2026-10-01', name: 'National Day', open_spans: null });
        const store = new BusinessHoursStore(t.db);
        expect(await store.state('main', new Date('2026-10-01T03:00:00Z'))).to.equal('holiday');
        expect(await store.state('main', new Date('2026-10-08T03:00:00Z'))).to.equal('open');
        expect(await store.state('nope', new Date())).to.equal(null);
      } finally {
        await t.drop();
      }
    });
  }
});
