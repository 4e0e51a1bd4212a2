/**
 * :regex keys (draft-ietf-sieve-regex): POSIX extended regular expressions, run by a Pike VM (a
 * Thompson NFA simulation that carries capture positions, as in RE2). Every run is linear in the text:
 * at most one thread per instruction at each character, so a script cannot make the engine backtrack
 * ("^(a+)+$" on "aaaa…a!" takes as long as "^a+$"). Back-references (\1 … \9), which no linear engine
 * can run, are refused when the script is compiled.
 *
 * Syntax (what glibc's regcomp takes with REG_EXTENDED, which Pigeonhole uses): | * + ? {n} {n,}
 * {n,m} ( ) . ^ $ [ ] with [:class:], [=x=] and [.x.] inside brackets and a backslash in brackets
 * being literal; a "{" that does not start an interval is literal; the GNU escapes \w \W \s \S \b \B
 * \< \> \` \'; any other escaped character is literal (\d is "d", as in glibc). Matching is
 * leftmost-first (the first alternative that leads to a match wins, quantifiers are greedy), case
 * folding follows i;ascii-casemap (ASCII letters only), and "." and [^…] match any character,
 * newlines included.
 */
import type { WorkMeter } from './budget';
import { type CodePoints, codePoints, foldAscii } from './codepoints';

export class RegexSyntaxError extends Error {}

/** Captures beyond ${9} cannot be read by a script (RFC 5229 3.2), so they are not tracked. */
const MAX_GROUP = 9;
/** Largest count in {n,m}; glibc's RE_DUP_MAX is larger, but nothing useful needs more. */
const MAX_REPEAT = 1000;
/** Largest compiled program (instructions); bounds memory and the work per character. */
const MAX_PROGRAM = 20_000;
/** Deepest nesting of parentheses (the parser and compiler recurse on it). */
const MAX_NESTING = 100;

const enum Assert {
  Begin,
  End,
  WordBoundary,
  NotWordBoundary,
  WordStart,
  WordEnd,
}

/** A bracket expression or class escape: sorted, inclusive code point ranges. */
interface CharSet {
  ranges: number[];
  negated: boolean;
}

type Node =
  | { t: 'char'; c: number }
  | { t: 'any' }
  | { t: 'set'; set: CharSet }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'group'; index: number; node: Node }
  | { t: 'rep'; node: Node; min: number; max: number }
  | { t: 'assert'; kind: Assert }
  | { t: 'empty' };

const r = (from: string, to = from): number[] => [from.codePointAt(0) as number, to.codePointAt(0) as number];

const POSIX_CLASSES: Record<string, number[]> = {
  alpha: [...r('A', 'Z'), ...r('a', 'z')],
  digit: r('0', '9'),
  alnum: [...r('0', '9'), ...r('A', 'Z'), ...r('a', 'z')],
  upper: r('A', 'Z'),
  lower: r('a', 'z'),
  space: [9, 13, 32, 32],
  blank: [9, 9, 32, 32],
  punct: [...r('!', '/'), ...r(':', '@'), ...r('[', '`'), ...r('{', '~')],
  print: r(' ', '~'),
  graph: r('!', '~'),
  cntrl: [0, 0x1f, 0x7f, 0x7f],
  xdigit: [...r('0', '9'), ...r('A', 'F'), ...r('a', 'f')],
};
const WORD = [...r('0', '9'), ...r('A', 'Z'), ...r('_'), ...r('a', 'z')];
const SPACE = [9, 13, 32, 32];

function isWord(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (c >= 0x61 && c <= 0x7a);
}

const ch = (s: string): number => s.charCodeAt(0);

/** Parses a POSIX extended regular expression into a tree; throws RegexSyntaxError. */
function parse(source: string): { node: Node; groups: number } {
  const src = codePoints(source).cps;
  const n = src.length;
  let i = 0;
  let groups = 0;

  const fail = (msg: string): never => {
    throw new RegexSyntaxError(msg);
  };

  function alternation(depth: number): Node {
    const alts = [concatenation(depth)];
    while (i < n && src[i] === ch('|')) {
      i++;
      alts.push(concatenation(depth));
    }
    return alts.length === 1 ? alts[0] : { t: 'alt', alts };
  }

  function concatenation(depth: number): Node {
    const items: Node[] = [];
    while (i < n && src[i] !== ch('|') && !(src[i] === ch(')') && depth > 0)) items.push(repetition(depth));
    return items.length === 0 ? { t: 'empty' } : items.length === 1 ? items[0] : { t: 'cat', items };
  }

  /** An interval "{n}", "{n,}", "{n,m}" at i, or undefined (then "{" is a literal). */
  function interval(): { min: number; max: number; end: number } | undefined {
    let j = i + 1;
    const num = (): number | undefined => {
      const start = j;
      while (j < n && src[j] >= 0x30 && src[j] <= 0x39) j++;
      if (j === start) return undefined;
      let v = 0;
      for (let k = start; k < j; k++) v = Math.min(v * 10 + (src[k] - 0x30), 1e9);
      return v;
    };
    const min = num();
    if (min === undefined) return undefined;
    let max = min;
    if (src[j] === ch(',')) {
      j++;
      max = num() ?? -1;
    }
    if (src[j] !== ch('}')) return undefined;
    return { min, max, end: j + 1 };
  }

  function repetition(depth: number): Node {
    let node = atom(depth);
    for (;;) {
      const c = src[i];
      let min: number;
      let max: number;
      if (c === ch('*')) [min, max] = [0, -1];
      else if (c === ch('+')) [min, max] = [1, -1];
      else if (c === ch('?')) [min, max] = [0, 1];
      else if (c === ch('{')) {
        const iv = interval();
        if (!iv) return node;
        if (iv.max !== -1 && iv.min > iv.max) fail('invalid interval: the minimum is larger than the maximum');
        if (iv.min > MAX_REPEAT || iv.max > MAX_REPEAT) fail(`a count in {n,m} is larger than ${MAX_REPEAT}`);
        [min, max] = [iv.min, iv.max];
        i = iv.end - 1;
      } else return node;
      if (node.t === 'assert') fail('nothing to repeat');
      i++;
      node = { t: 'rep', node, min, max };
    }
  }

  function atom(depth: number): Node {
    const c = src[i];
    if (c === ch('(')) {
      if (depth >= MAX_NESTING) fail(`parentheses are nested deeper than ${MAX_NESTING}`);
      i++;
      const index = ++groups;
      const inner = alternation(depth + 1);
      if (src[i] !== ch(')')) fail('missing )');
      i++;
      return { t: 'group', index, node: inner };
    }
    if (c === ch(')')) fail('unmatched )');
    if (c === ch('*') || c === ch('+') || c === ch('?')) fail('nothing to repeat');
    if (c === ch('{') && interval()) fail('nothing to repeat');
    i++;
    if (c === ch('.')) return { t: 'any' };
    if (c === ch('^')) return { t: 'assert', kind: Assert.Begin };
    if (c === ch('$')) return { t: 'assert', kind: Assert.End };
    if (c === ch('[')) return { t: 'set', set: bracket() };
    if (c === ch('\\')) {
      if (i >= n) fail('trailing backslash');
      const d = src[i++];
      if (d >= ch('1') && d <= ch('9')) fail(`back-references (\\${String.fromCodePoint(d)}) are not supported`);
      switch (d) {
        case ch('w'):
          return { t: 'set', set: { ranges: WORD, negated: false } };
        case ch('W'):
          return { t: 'set', set: { ranges: WORD, negated: true } };
        case ch('s'):
          return { t: 'set', set: { ranges: SPACE, negated: false } };
        case ch('S'):
          return { t: 'set', set: { ranges: SPACE, negated: true } };
        case ch('b'):
          return { t: 'assert', kind: Assert.WordBoundary };
        case ch('B'):
          return { t: 'assert', kind: Assert.NotWordBoundary };
        case ch('<'):
          return { t: 'assert', kind: Assert.WordStart };
        case ch('>'):
          return { t: 'assert', kind: Assert.WordEnd };
        case ch('`'):
          return { t: 'assert', kind: Assert.Begin };
        case ch("'"):
          return { t: 'assert', kind: Assert.End };
        default:
          return { t: 'char', c: d };
      }
    }
    return { t: 'char', c };
  }

  function bracket(): CharSet {
    const set: CharSet = { ranges: [], negated: false };
    if (src[i] === ch('^')) {
      set.negated = true;
      i++;
    }
    let first = true;
    for (;;) {
      if (i >= n) fail('unterminated bracket expression');
      const c = src[i];
      if (c === ch(']') && !first) {
        i++;
        break;
      }
      first = false;
      if (c === ch('[') && (src[i + 1] === ch(':') || src[i + 1] === ch('=') || src[i + 1] === ch('.'))) {
        const kind = src[i + 1];
        let close = -1;
        for (let j = i + 2; j + 1 < n; j++) {
          if (src[j] === kind && src[j + 1] === ch(']')) {
            close = j;
            break;
          }
        }
        if (close < 0) fail('unterminated character class');
        const name = String.fromCodePoint(...src.subarray(i + 2, close));
        if (kind === ch(':')) {
          const cls = POSIX_CLASSES[name];
          if (!cls) fail(`unknown character class [:${name}:]`);
          set.ranges.push(...cls);
        } else {
          // Collating elements and equivalence classes: the characters themselves.
          for (const x of src.subarray(i + 2, close)) set.ranges.push(x, x);
        }
        i = close + 2;
        continue;
      }
      i++;
      // A range "a-z"; "-" first or last is literal.
      if (src[i] === ch('-') && i + 1 < n && src[i + 1] !== ch(']')) {
        const hi = src[i + 1];
        if (hi === ch('[') && src[i + 2] === ch('.')) fail('collating elements cannot end a range');
        if (hi < c) fail('invalid range in a bracket expression');
        set.ranges.push(c, hi);
        i += 2;
      } else set.ranges.push(c, c);
    }
    return set;
  }

  const node = alternation(0);
  if (i < n) fail('unmatched )');
  return { node, groups };
}

const enum Op {
  Char,
  Any,
  Set,
  Split,
  Jmp,
  Save,
  Assert,
  Match,
}

interface Program {
  op: Uint8Array;
  x: Int32Array;
  y: Int32Array;
  sets: CharSet[];
  slots: number;
}

function compile(node: Node, caseless: boolean, captures: boolean, groups: number): Program {
  const op: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  const sets: CharSet[] = [];
  const emit = (o: Op, a = 0, b = 0): number => {
    if (op.length >= MAX_PROGRAM) throw new RegexSyntaxError('the regular expression is too large');
    op.push(o);
    x.push(a);
    y.push(b);
    return op.length - 1;
  };
  const lastGroup = captures ? Math.min(groups, MAX_GROUP) : -1;

  const gen = (nd: Node): void => {
    switch (nd.t) {
      case 'char':
        emit(Op.Char, caseless ? foldAscii(nd.c) : nd.c);
        return;
      case 'any':
        emit(Op.Any);
        return;
      case 'set':
        sets.push(nd.set);
        emit(Op.Set, sets.length - 1);
        return;
      case 'assert':
        emit(Op.Assert, nd.kind);
        return;
      case 'empty':
        return;
      case 'cat':
        for (const item of nd.items) gen(item);
        return;
      case 'group':
        if (nd.index > lastGroup) {
          gen(nd.node);
          return;
        }
        emit(Op.Save, 2 * nd.index);
        gen(nd.node);
        emit(Op.Save, 2 * nd.index + 1);
        return;
      case 'alt': {
        const jumps: number[] = [];
        nd.alts.forEach((alt, k) => {
          if (k < nd.alts.length - 1) {
            const split = emit(Op.Split);
            x[split] = split + 1;
            gen(alt);
            jumps.push(emit(Op.Jmp));
            y[split] = op.length;
          } else gen(alt);
        });
        for (const j of jumps) x[j] = op.length;
        return;
      }
      case 'rep': {
        for (let k = 0; k < nd.min; k++) gen(nd.node);
        if (nd.max === -1) {
          // L: split body, out; body; jmp L
          const split = emit(Op.Split);
          x[split] = split + 1;
          gen(nd.node);
          emit(Op.Jmp, split);
          y[split] = op.length;
          return;
        }
        // (body (body …)?)? for the optional copies.
        const splits: number[] = [];
        for (let k = nd.min; k < nd.max; k++) {
          const split = emit(Op.Split);
          x[split] = split + 1;
          splits.push(split);
          gen(nd.node);
        }
        for (const s of splits) y[s] = op.length;
        return;
      }
    }
  };

  if (lastGroup >= 0) emit(Op.Save, 0);
  gen(node);
  if (lastGroup >= 0) emit(Op.Save, 1);
  emit(Op.Match);
  return { op: Uint8Array.from(op), x: Int32Array.from(x), y: Int32Array.from(y), sets, slots: lastGroup >= 0 ? 2 * (lastGroup + 1) : 0 };
}

function inSet(set: CharSet, c: number, caseless: boolean): boolean {
  const rs = set.ranges;
  let hit = false;
  for (let k = 0; k < rs.length; k += 2) {
    if (c >= rs[k] && c <= rs[k + 1]) {
      hit = true;
      break;
    }
  }
  if (!hit && caseless && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) {
    const other = c ^ 0x20;
    for (let k = 0; k < rs.length; k += 2) {
      if (other >= rs[k] && other <= rs[k + 1]) {
        hit = true;
        break;
      }
    }
  }
  return hit !== set.negated;
}

const NO_METER: WorkMeter = { spend: () => undefined };

/** A compiled :regex key. */
export class LinearRegex {
  private readonly prog: Program;
  /** How many capture groups the expression has (all of them, tracked or not). */
  readonly groups: number;

  constructor(
    readonly source: string,
    readonly caseless: boolean,
    readonly captures: boolean,
  ) {
    const parsed = parse(source);
    this.groups = parsed.groups;
    this.prog = compile(parsed.node, caseless, captures, parsed.groups);
  }

  get size(): number {
    return this.prog.op.length;
  }

  test(text: string | CodePoints, meter: WorkMeter = NO_METER): boolean {
    return this.run(typeof text === 'string' ? codePoints(text) : text, false, meter) !== null;
  }

  /** Like RegExp.exec: [whole match, group 1, …] (groups beyond 9 and unset groups as undefined), or null. */
  exec(text: string | CodePoints, meter: WorkMeter = NO_METER): (string | undefined)[] | null {
    const t = typeof text === 'string' ? codePoints(text) : text;
    const caps = this.run(t, true, meter);
    if (!caps) return null;
    const out: (string | undefined)[] = [];
    for (let g = 0; g <= this.groups; g++) {
      const a = 2 * g < caps.length ? caps[2 * g] : -1;
      const b = 2 * g + 1 < caps.length ? caps[2 * g + 1] : -1;
      out.push(a >= 0 && b >= 0 ? t.slice(a, b) : undefined);
    }
    return out;
  }

  /**
   * The Pike VM. Threads are kept in priority order; at each position every live thread advances by
   * one character, and an instruction already reached at this position is not entered again, so the
   * work per character is bounded by the program size. The first thread to reach Match cuts off
   * every lower-priority one (leftmost-first semantics).
   */
  private run(t: CodePoints, wantCaps: boolean, meter: WorkMeter): Int32Array | null {
    const { op, x, y, sets } = this.prog;
    const caseless = this.caseless;
    const size = op.length;
    const text = t.cps;
    const n = t.length;
    const slots = wantCaps ? this.prog.slots : 0;
    const track = slots > 0;
    let cur = { pcs: new Int32Array(size), caps: new Array<Int32Array | null>(size), n: 0 };
    let next = { pcs: new Int32Array(size), caps: new Array<Int32Array | null>(size), n: 0 };
    const seen = new Int32Array(size).fill(-1);
    let generation = 0;
    const stackPc: number[] = [];
    const stackCaps: (Int32Array | null)[] = [];
    const start = track ? new Int32Array(slots).fill(-1) : null;
    let matched: Int32Array | null = null;

    const holds = (kind: number, sp: number): boolean => {
      const before = sp > 0 && isWord(text[sp - 1]);
      const after = sp < n && isWord(text[sp]);
      switch (kind as Assert) {
        case Assert.Begin:
          return sp === 0;
        case Assert.End:
          return sp === n;
        case Assert.WordBoundary:
          return before !== after;
        case Assert.NotWordBoundary:
          return before === after;
        case Assert.WordStart:
          return !before && after;
        case Assert.WordEnd:
          return before && !after;
      }
    };

    /** Adds the thread at pc (and everything it reaches without reading a character) at position sp. */
    const add = (list: typeof cur, pc0: number, caps0: Int32Array | null, sp: number): void => {
      stackPc.push(pc0);
      stackCaps.push(caps0);
      while (stackPc.length > 0) {
        let pc = stackPc.pop() as number;
        let caps = stackCaps.pop() as Int32Array | null;
        for (;;) {
          if (seen[pc] === generation) break;
          seen[pc] = generation;
          const o = op[pc];
          if (o === Op.Jmp) {
            pc = x[pc];
          } else if (o === Op.Split) {
            stackPc.push(y[pc]);
            stackCaps.push(caps);
            pc = x[pc];
          } else if (o === Op.Save) {
            if (track && caps) {
              caps = caps.slice();
              caps[x[pc]] = sp;
            }
            pc++;
          } else if (o === Op.Assert) {
            if (!holds(x[pc], sp)) break;
            pc++;
          } else {
            list.pcs[list.n] = pc;
            list.caps[list.n++] = caps;
            break;
          }
        }
      }
    };

    generation++;
    add(cur, 0, start, 0);
    for (let sp = 0; ; sp++) {
      meter.spend(cur.n + 1);
      const c = sp < n ? text[sp] : -1;
      const fc = caseless && c >= 0 ? foldAscii(c) : c;
      generation++;
      next.n = 0;
      for (let k = 0; k < cur.n; k++) {
        const pc = cur.pcs[k];
        switch (op[pc]) {
          case Op.Match:
            if (!track) return new Int32Array(0);
            matched = cur.caps[k];
            k = cur.n; // lower-priority threads lose
            break;
          case Op.Char:
            if (c >= 0 && fc === x[pc]) add(next, pc + 1, cur.caps[k], sp + 1);
            break;
          case Op.Any:
            if (c >= 0) add(next, pc + 1, cur.caps[k], sp + 1);
            break;
          case Op.Set:
            if (c >= 0 && inSet(sets[x[pc]], c, caseless)) add(next, pc + 1, cur.caps[k], sp + 1);
            break;
        }
      }
      if (sp >= n) break;
      // A match may also start at the next position, with the lowest priority.
      if (!matched) add(next, 0, start, sp + 1);
      if (next.n === 0 && matched) break;
      [cur, next] = [next, cur];
    }
    return matched;
  }
}

/** Compiles a :regex key; throws RegexSyntaxError when it is not valid. */
export function compileRegex(pattern: string, caseless: boolean, captures = true): LinearRegex {
  return new LinearRegex(pattern, caseless, captures);
}
