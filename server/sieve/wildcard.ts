/**
 * :matches (RFC 5228 2.7.1) without regular expressions: "*" any run of characters, "?" exactly one,
 * "\" quotes the next character. The classic two-pointer algorithm: literal runs are matched left to
 * right, and on a mismatch only the most recent "*" grows by one character. That is O(n·m) at worst
 * (n characters of text, m of pattern), where a backtracking RegExp is exponential in the number of
 * stars ("*a*a*a*a*a*a*a*a*a*a*a*a*b" on a long subject).
 *
 * Match variables (RFC 5229 3.2): each wildcard is one capture, and "*" takes as few characters as
 * it can, left to right. Placing every literal run at its leftmost possible place gives exactly that,
 * the same values a lazy "(.*?)" RegExp produced.
 */
import type { WorkMeter } from './budget';
import { type CodePoints, codePoints, foldAscii } from './codepoints';

const STAR = -1;
const ANY = -2;

export interface WildcardPattern {
  /** Code points (folded when caseless), STAR and ANY. */
  readonly units: Int32Array;
  readonly caseless: boolean;
  /** How many of the units are wildcards (the captures). */
  readonly wildcards: number;
}

export function hasWildcards(pattern: string): boolean {
  return /[*?\\]/.test(pattern);
}

export function compileWildcard(pattern: string, caseless: boolean): WildcardPattern {
  const out: number[] = [];
  let wildcards = 0;
  const chars = codePoints(pattern).cps;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === 0x5c /* \ */) {
      // A backslash quotes the next character; a trailing one stands for itself.
      i++;
      const q = i < chars.length ? chars[i] : 0x5c;
      out.push(caseless ? foldAscii(q) : q);
    } else if (c === 0x2a /* * */) {
      out.push(STAR);
      wildcards++;
    } else if (c === 0x3f /* ? */) {
      out.push(ANY);
      wildcards++;
    } else out.push(caseless ? foldAscii(c) : c);
  }
  return { units: Int32Array.from(out), caseless, wildcards };
}

const NO_METER: WorkMeter = { spend: () => undefined };

/**
 * Matches `text` against the pattern. Without `captures`, returns true/false (as an empty array or
 * null); with it, the match variables: [whole text, one string per wildcard in pattern order].
 */
export function matchWildcard(p: WildcardPattern, text: string | CodePoints, captures: boolean, meter: WorkMeter = NO_METER): string[] | null {
  const t = typeof text === 'string' ? codePoints(text) : text;
  const s = t.cps;
  const n = t.length;
  const pat = p.units;
  const m = pat.length;
  const fold = p.caseless;
  // pos[k]: where pattern unit k began matching in the text (for the captures).
  const pos = captures ? new Int32Array(m + 1) : undefined;
  let i = 0; // text
  let k = 0; // pattern
  let star = -1; // the last "*" seen
  let mark = 0; // where the text stood when it was seen (grows on each retry)
  let steps = 0;
  while (i < n) {
    if (++steps === 4096) {
      meter.spend(steps);
      steps = 0;
    }
    if (k < m) {
      const c = pat[k];
      if (c === STAR) {
        if (pos) pos[k] = i;
        star = k++;
        mark = i;
        continue;
      }
      if (c === ANY || c === (fold ? foldAscii(s[i]) : s[i])) {
        if (pos) pos[k] = i;
        k++;
        i++;
        continue;
      }
    }
    if (star < 0) return null;
    // Mismatch (or pattern used up with text left): the last "*" takes one more character.
    k = star + 1;
    i = ++mark;
  }
  while (k < m && pat[k] === STAR) {
    if (pos) pos[k] = n;
    k++;
  }
  meter.spend(steps);
  if (k < m) return null;
  if (!pos) return [];
  pos[m] = n;
  const out = [t.text];
  for (let u = 0; u < m; u++) if (pat[u] === STAR || pat[u] === ANY) out.push(t.slice(pos[u], pos[u + 1]));
  return out;
}
