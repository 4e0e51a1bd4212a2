import { ParseError } from './command-cursor';

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** INTERNALDATE as "17-Jul-1996 02:44:25 +0000" (we keep instants, so always UTC). */
export function formatInternalDate(d: Date): string {
  return `${pad(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function month(name: string): number {
  const m = MONTHS.findIndex((x) => x.toLowerCase() === name.toLowerCase());
  if (m < 0) throw new ParseError('invalid month');
  return m;
}

/** SEARCH date "1-Feb-1994" → days since the epoch (the date alone, no time zone). */
export function parseSearchDate(text: string): number {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!m) throw new ParseError('invalid date');
  const day = Number(m[1]);
  if (day < 1 || day > 31) throw new ParseError('invalid date');
  return Date.UTC(Number(m[3]), month(m[2]), day) / 86_400_000;
}

/** APPEND date-time "17-Jul-1996 02:44:25 -0700". */
export function parseDateTime(text: string): Date {
  const m = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!m) throw new ParseError('invalid date-time');
  const [, d, mon, y, hh, mm, ss, sign, oh, om] = m;
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 60 || Number(d) < 1 || Number(d) > 31) throw new ParseError('invalid date-time');
  const offset = (Number(oh) * 60 + Number(om)) * (sign === '-' ? -1 : 1);
  const utc = Date.UTC(Number(y), month(mon), Number(d), Number(hh), Number(mm), Number(ss)) - offset * 60_000;
  return new Date(utc);
}

/** Days since the epoch of an instant, by its UTC date. */
export function utcDay(d: Date): number {
  return Math.floor(d.getTime() / 86_400_000);
}

/**
 * The date part of an RFC 5322 Date header as written (its own time zone, as SENTON
 * etc. want), in days since the epoch; undefined when unparseable.
 */
export function headerDateDay(value: string): number | undefined {
  const m = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})/.exec(value);
  if (!m) return undefined;
  const mi = MONTHS.findIndex((x) => x.toLowerCase() === m[2].toLowerCase());
  if (mi < 0) return undefined;
  let year = Number(m[3]);
  if (m[3].length === 2) year += year < 50 ? 2000 : 1900;
  return Date.UTC(year, mi, Number(m[1])) / 86_400_000;
}
