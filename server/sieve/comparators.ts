/** A comparator (RFC 4790) as Sieve uses it: equality, ordering for relational tests, substring support. */
export interface Comparator {
  readonly name: string;
  /** False for i;ascii-numeric: :contains, :matches and :regex are errors with it. */
  readonly substring: boolean;
  /** True when :matches and :regex ignore ASCII case. */
  readonly caseless: boolean;
  equals(value: string, key: string): boolean;
  /** Negative, zero or positive, for :value relations. */
  compare(value: string, key: string): number;
  /** Prepares a key or value for substring search (case folding). */
  fold(s: string): string;
}

const NON_ASCII = /[\u0080-\uffff]/;

/** ASCII-only upper-casing, the i;ascii-casemap mapping; non-ASCII characters stay as they are. */
export function asciiUpper(s: string): string {
  // Pure ASCII (the common case): the native upper-casing is the same mapping and much faster.
  if (!NON_ASCII.test(s)) return s.toUpperCase();
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

function octetCompare(a: string, b: string): number {
  if (a === b) return 0;
  // Compare by UTF-8 octets, as i;octet is defined: Buffer.compare handles code points beyond U+FFFF correctly.
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const octet: Comparator = {
  name: 'i;octet',
  substring: true,
  caseless: false,
  equals: (a, b) => a === b,
  compare: octetCompare,
  fold: (s) => s,
};

const asciiCasemap: Comparator = {
  name: 'i;ascii-casemap',
  substring: true,
  caseless: true,
  equals: (a, b) => a === b || (a.length === b.length && asciiUpper(a) === asciiUpper(b)),
  compare: (a, b) => octetCompare(asciiUpper(a), asciiUpper(b)),
  fold: asciiUpper,
};

/** The leading digits of a string as a number, or Infinity when it does not start with a digit (RFC 4790 9.1). */
function numericValue(s: string): number | bigint {
  let end = 0;
  while (end < s.length && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
  if (end === 0) return Infinity;
  const digits = s.slice(0, end);
  return end > 15 ? BigInt(digits) : Number(digits);
}

function numericCompare(a: string, b: string): number {
  const x = numericValue(a);
  const y = numericValue(b);
  if (x === Infinity || y === Infinity) return x === y ? 0 : x === Infinity ? 1 : -1;
  const bx = typeof x === 'bigint' ? x : BigInt(x);
  const by = typeof y === 'bigint' ? y : BigInt(y);
  return bx < by ? -1 : bx > by ? 1 : 0;
}

const asciiNumeric: Comparator = {
  name: 'i;ascii-numeric',
  substring: false,
  caseless: false,
  equals: (a, b) => numericCompare(a, b) === 0,
  compare: numericCompare,
  fold: (s) => s,
};

export const COMPARATORS: ReadonlyMap<string, Comparator> = new Map([
  [octet.name, octet],
  [asciiCasemap.name, asciiCasemap],
  [asciiNumeric.name, asciiNumeric],
]);

export const DEFAULT_COMPARATOR = asciiCasemap;
