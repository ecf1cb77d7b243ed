import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { timezones } from 'libphonenumber-geo-carrier';

/**
 * Calling hours in the contact's own time: a campaign across time zones may only call each number inside its
 * `contactHours` on the contact's clock (as nuisance-call rules such as the TCPA's 08:00–21:00 ask), on top of the
 * campaign's business hours on the contact center's. A number's zones come from its prefix (Google's
 * libphonenumber data, through libphonenumber-geo-carrier); a number whose area spans zones is called only when
 * it is inside the hours in every one of them, and a number of unknown zone only by the campaign's own hours.
 */

export interface ContactHours {
  /** Minutes after local midnight: from (included) and until (excluded). */
  readonly from: number;
  readonly until: number;
}

const HOURS = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** `HH:MM-HH:MM` (the end may be 24:00), or why not. */
export function parseContactHours(text: string): ContactHours | { readonly error: string } {
  const m = HOURS.exec(text);
  if (!m) return { error: 'local hours as HH:MM-HH:MM, such as 08:00-21:00' };
  const from = Number(m[1]) * 60 + Number(m[2]);
  const until = Number(m[3]) * 60 + Number(m[4]);
  if (until > 24 * 60) return { error: 'local hours end at 24:00 at the latest' };
  if (until <= from) return { error: `local hours must end after they start (${text})` };
  return { from, until };
}

/** The longest list of zones kept (campaign_contacts.time_zone); a number spanning more names no area. */
const MAX_ZONES_LENGTH = 255;

/**
 * The IANA zones of an E.164 number, sorted and comma-separated; null when its prefix names none, or too many to
 * be a place (a North American toll-free number spans every zone from Guam to Newfoundland).
 */
export async function zonesOfNumber(e164: string): Promise<string | null> {
  const zones = await timezones(parsePhoneNumberFromString(e164)).catch(() => null);
  const known = (zones ?? []).filter((z) => z.includes('/') && !z.startsWith('Etc/'));
  const joined = [...new Set(known)].sort().join(',');
  return joined !== '' && joined.length <= MAX_ZONES_LENGTH ? joined : null;
}

const minuteFormats = new Map<string, Intl.DateTimeFormat>();

function minutesOfDay(at: Date, zone: string): number | null {
  let f = minuteFormats.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    } catch {
      return null; // a zone this Node's ICU does not know
    }
    minuteFormats.set(zone, f);
  }
  const parts = f.formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  return get('hour') * 60 + get('minute');
}

/** True when it is inside `hours` at `at` in every zone of `zones` (as zonesOfNumber writes them). */
export function insideContactHours(zones: string, hours: ContactHours, at: Date): boolean {
  return zones.split(',').every((zone) => {
    const minute = minutesOfDay(at, zone);
    return minute !== null && minute >= hours.from && minute < hours.until;
  });
}
