import { expect } from 'chai';
import { insideContactHours, parseContactHours, zonesOfNumber } from '../../src/campaigns/contact-hours.js';

describe('campaigns/contact-hours', () => {
  it('reads HH:MM-HH:MM and says what is wrong with anything else', () => {
    expect(parseContactHours('08:00-21:00')).to.deep.equal({ from: 480, until: 1260 });
    expect(parseContactHours('00:00-24:00')).to.deep.equal({ from: 0, until: 1440 });
    expect(parseContactHours('8-21')).to.deep.equal({ error: 'local hours as HH:MM-HH:MM, such as 08:00-21:00' });
    expect(parseContactHours('21:00-08:00')).to.deep.equal({
      error: 'local hours must end after they start (21:00-08:00)',
    });
    expect(parseContactHours('08:00-24:30')).to.deep.equal({ error: 'local hours end at 24:00 at the latest' });
  });

  it("finds a number's time zones from its prefix, none for a number that names no place", async () => {
    expect(await zonesOfNumber('+12125550147')).to.equal('America/New_York');
    expect(await zonesOfNumber('+13105550147')).to.equal('America/Los_Angeles');
    expect(await zonesOfNumber('+8613812345678')).to.equal('Asia/Shanghai');
    expect(await zonesOfNumber('+442079460958')).to.equal('Europe/London');
    expect(await zonesOfNumber('+447700900123')).to.equal('Europe/Guernsey,Europe/Isle_of_Man,Europe/London');
    expect(await zonesOfNumber('+999123')).to.equal(null);
    // Toll-free: every North American zone, so no place.
    expect(await zonesOfNumber('+18005551234')).to.equal(null);
  });

  it('is inside the hours only when every zone of the number is, on its own clock', () => {
    const hours = { from: 8 * 60, until: 21 * 60 };
    const at = new Date('2026-12-08T03:00:00Z'); // Shanghai 11:00, New York 22:00, Los Angeles 19:00
    expect(insideContactHours('Asia/Shanghai', hours, at)).to.equal(true);
    expect(insideContactHours('America/New_York', hours, at)).to.equal(false);
    expect(insideContactHours('America/Los_Angeles', hours, at)).to.equal(true);
    expect(insideContactHours('America/Los_Angeles,America/New_York', hours, at)).to.equal(false);
    expect(insideContactHours('Not/A_Zone', hours, at)).to.equal(false);
  });
});
