/** Date parsing and the date parts of RFC 5260 (the date and currentdate tests). */

export interface ZonedTime {
  /** Milliseconds since the epoch (UTC). */
  epoch: number;
  /** Offset from UTC in minutes, east positive. */
  offset: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const OBSOLETE_ZONES: Record<string, number> = {
  ut: 0, gmt: 0, z: 0, est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
};

const MAX_DATE_LENGTH = 200;

/**
 * The text with "(comments)" replaced by a space, in one pass (the sender writes the Date field;
 * /\([^)]*\)/g rescans the rest of the text at every unclosed "(").
 */
function withoutComments(value: string): string {
  if (!value.includes('(')) return value;
  let out = '';
  let from = 0;
  for (;;) {
    const open = value.indexOf('(', from);
    if (open < 0) break;
    const close = value.indexOf(')', open + 1);
    if (close < 0) break;
    out += value.slice(from, open) + ' ';
    from = close + 1;
  }
  return out + value.slice(from);
}

/** Parses an RFC 5322 date-time ("Tue, 1 Jul 2003 10:52:37 +0200"); undefined when it is not one. */
export function parseRfc2822Date(value: string): ZonedTime | undefined {
  const s = withoutComments(value).trim().toLowerCase();
  // A date-time is about 31 characters; a longer text is not one (and is not worth matching).
  if (s.length > MAX_DATE_LENGTH) return undefined;
  const m = /^(?:[a-z]{3}\s*,\s*)?(\d{1,2})\s+([a-z]{3})\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[a-z]+)?\s*$/.exec(s);
  if (!m) return undefined;
  const day = Number(m[1]);
  const month = MONTHS.indexOf(m[2]);
  let year = Number(m[3]);
  if (m[3].length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3].length === 3) year += 1900;
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] ? Number(m[6]) : 0;
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  let offset = 0;
  const z = m[7];
  if (z === undefined) offset = 0;
  else if (/^[+-]\d{4}$/.test(z)) {
    const sign = z[0] === '-' ? -1 : 1;
    const hh = Number(z.slice(1, 3));
    const mm = Number(z.slice(3, 5));
    if (mm > 59) return undefined;
    offset = sign * (hh * 60 + mm);
  } else if (z in OBSOLETE_ZONES) offset = OBSOLETE_ZONES[z];
  else if (z.length === 1) offset = 0; // military zones are unreliable (RFC 5322 4.3): treat as -0000
  else return undefined;
  const local = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  if (new Date(local).getUTCDate() !== day) return undefined;
  return { epoch: local - offset * 60_000, offset };
}

/** Parses a :zone argument ("+0100", "-0830"); undefined when it is not valid. */
export function parseZone(zone: string): number | undefined {
  const m = /^([+-])(\d{2})(\d{2})$/.exec(zone);
  if (!m || Number(m[3]) > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

const DATE_PARTS = new Set(['year', 'month', 'day', 'date', 'julian', 'hour', 'minute', 'second', 'time', 'iso8601', 'std11', 'zone', 'weekday']);

export function isDatePart(name: string): boolean {
  return DATE_PARTS.has(name.toLowerCase());
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function formatZone(offset: number, colon: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  return `${sign}${pad(Math.floor(a / 60))}${colon ? ':' : ''}${pad(a % 60)}`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** One date part (RFC 5260 section 4.2) of a time shown in the zone `offset`. */
export function datePart(t: ZonedTime, part: string): string {
  const d = new Date(t.epoch + t.offset * 60_000);
  const Y = d.getUTCFullYear();
  const M = d.getUTCMonth() + 1;
  const D = d.getUTCDate();
  const h = d.getUTCHours();
  const m = d.getUTCMinutes();
  const s = d.getUTCSeconds();
  switch (part.toLowerCase()) {
    case 'year':
      return pad(Y, 4);
    case 'month':
      return pad(M);
    case 'day':
      return pad(D);
    case 'date':
      return `${pad(Y, 4)}-${pad(M)}-${pad(D)}`;
    case 'julian':
      // Modified Julian Day: days since 1858-11-17.
      return String(Math.floor((Date.UTC(Y, M - 1, D) - Date.UTC(1858, 10, 17)) / 86_400_000));
    case 'hour':
      return pad(h);
    case 'minute':
      return pad(m);
    case 'second':
      return pad(s);
    case 'time':
      return `${pad(h)}:${pad(m)}:${pad(s)}`;
    case 'iso8601':
      return `${pad(Y, 4)}-${pad(M)}-${pad(D)}T${pad(h)}:${pad(m)}:${pad(s)}${t.offset === 0 ? 'Z' : formatZone(t.offset, true)}`;
    case 'std11':
      return `${WEEKDAYS[d.getUTCDay()]}, ${pad(D)} ${MONTH_NAMES[M - 1]} ${pad(Y, 4)} ${pad(h)}:${pad(m)}:${pad(s)} ${formatZone(t.offset, false)}`;
    case 'zone':
      return formatZone(t.offset, false);
    case 'weekday':
      return String(d.getUTCDay());
    default:
      return '';
  }
}

/** The local zone offset at an instant, for date tests without :zone. */
export function localOffset(epoch: number): number {
  return -new Date(epoch).getTimezoneOffset();
}
