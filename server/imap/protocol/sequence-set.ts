import { ParseError } from './command-cursor';

/** One element of a sequence set; Infinity stands for "*". */
export interface SeqRange {
  from: number;
  to: number;
}

export type SequenceSet = SeqRange[];

const STAR = Infinity;

/** Parses "1,3:5,7:*,*" (RFC 3501 sequence-set). "$" (SEARCHRES) is not supported. */
export function parseSequenceSet(text: string): SequenceSet {
  if (!/^[0-9*:,]+$/.test(text)) throw new ParseError('invalid sequence set');
  return text.split(',').map((item) => {
    const bounds = item.split(':');
    if (bounds.length > 2) throw new ParseError('invalid sequence set');
    const nums = bounds.map((b) => {
      if (b === '*') return STAR;
      if (!/^[1-9][0-9]{0,9}$/.test(b)) throw new ParseError('invalid sequence number');
      const n = Number(b);
      if (n > 0xffffffff) throw new ParseError('sequence number out of range');
      return n;
    });
    const [a, b = a] = nums;
    return { from: Math.min(a, b), to: Math.max(a, b) };
  });
}

/**
 * The members of a set among `sorted` values (sequence numbers 1..n or UIDs), with
 * "*" meaning the largest. Ranges run either way round, as RFC 3501 says.
 */
export function resolveSet(set: SequenceSet, sorted: readonly number[]): number[] {
  if (sorted.length === 0) return [];
  const max = sorted[sorted.length - 1];
  const out = new Set<number>();
  for (const r of set) {
    const a = r.from === STAR ? max : r.from;
    const b = r.to === STAR ? max : r.to;
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    for (let i = lowerBound(sorted, lo); i < sorted.length && sorted[i] <= hi; i++) out.add(sorted[i]);
  }
  return [...out].sort((x, y) => x - y);
}

/**
 * True when every explicit sequence number is at most `max`. A range reaching to "*"
 * always passes: "5:*" with 3 messages means 3:5 (RFC 3501), and "1:*" in an empty mailbox nothing.
 */
export function withinRange(set: SequenceSet, max: number): boolean {
  return set.every((r) => r.to === STAR || r.to <= max);
}

export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Compact form for response codes: [3,4,5,9] → "3:5,9" (order kept, as COPYUID needs). */
export function formatSet(values: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    out.push(j > i ? `${values[i]}:${values[j]}` : String(values[i]));
    i = j + 1;
  }
  return out.join(',');
}
