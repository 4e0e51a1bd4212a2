/**
 * A string as the matchers see it: one entry per Unicode code point (so "?" and "." take a whole
 * character, never half of a surrogate pair), with a way back to the string for captures.
 */
export interface CodePoints {
  readonly text: string;
  readonly cps: Int32Array;
  readonly length: number;
  /** The text of code points [from, to). */
  slice(from: number, to: number): string;
}

const SURROGATE = /[\uD800-\uDFFF]/;

export function codePoints(s: string): CodePoints {
  if (!SURROGATE.test(s)) {
    const cps = new Int32Array(s.length);
    for (let i = 0; i < s.length; i++) cps[i] = s.charCodeAt(i);
    return { text: s, cps, length: s.length, slice: (a, b) => s.slice(a, b) };
  }
  const cps = new Int32Array(s.length);
  // offsets[k] is where code point k starts in s; offsets[n] = s.length.
  const offsets = new Int32Array(s.length + 1);
  let n = 0;
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i) as number;
    offsets[n] = i;
    cps[n++] = cp;
    i += cp > 0xffff ? 2 : 1;
  }
  offsets[n] = s.length;
  const used = cps.subarray(0, n);
  return { text: s, cps: used, length: n, slice: (a, b) => s.slice(offsets[a], offsets[b]) };
}

/** i;ascii-casemap folding of one code point: a-z to A-Z, everything else unchanged. */
export function foldAscii(cp: number): number {
  return cp >= 0x61 && cp <= 0x7a ? cp - 0x20 : cp;
}
