import { SieveFault, type SievePosition } from './errors';

export type TokenKind = 'identifier' | 'tag' | 'number' | 'string' | 'punct' | 'eof';

export interface Token extends SievePosition {
  kind: TokenKind;
  /** identifier and tag: the name in lower case (tags without the colon); punct: the character; string: the text. */
  value: string;
  /** number tokens: the value with the K/M/G quantifier applied. */
  number?: number;
  /** string tokens: true when written as a "text:" multi-line string. */
  multiline?: boolean;
}

const QUANTIFIERS: Record<string, number> = { k: 1024, m: 1024 * 1024, g: 1024 * 1024 * 1024 };
const PUNCT = new Set(['[', ']', '(', ')', '{', '}', ',', ';']);

function isAlpha(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/**
 * Splits a script into tokens (RFC 5228 section 8.1). Comments and white space are dropped here;
 * every token keeps the line and column where it starts so later errors can point at it.
 */
export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = src.length;
  const pos = (at = i): SievePosition => ({ line, column: at - lineStart + 1 });
  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
  };

  while (i < n) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\n') {
      newline(i);
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const start = pos();
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new SieveFault('unterminated bracket comment', start);
      for (let j = i; j < end; j++) if (src[j] === '\n') newline(j);
      i = end + 2;
      continue;
    }
    if (PUNCT.has(c)) {
      tokens.push({ kind: 'punct', value: c, ...pos() });
      i++;
      continue;
    }
    if (c === '"') {
      const start = pos();
      let out = '';
      i++;
      for (;;) {
        if (i >= n) throw new SieveFault('unterminated string', start);
        const d = src[i];
        if (d === '"') break;
        if (d === '\\') {
          if (i + 1 >= n) throw new SieveFault('unterminated string', start);
          const e = src[i + 1];
          if (e === '\n') newline(i + 1);
          // RFC 5228 2.4.2: an undefined escape is the character itself.
          out += e;
          i += 2;
          continue;
        }
        if (d === '\n') newline(i);
        out += d;
        i++;
      }
      i++;
      tokens.push({ kind: 'string', value: out, ...start });
      continue;
    }
    if (c === ':') {
      const start = pos();
      let j = i + 1;
      if (j >= n || !isAlpha(src[j])) throw new SieveFault('expected a tag name after ":"', start);
      while (j < n && (isAlpha(src[j]) || isDigit(src[j]))) j++;
      tokens.push({ kind: 'tag', value: src.slice(i + 1, j).toLowerCase(), ...start });
      i = j;
      continue;
    }
    if (isDigit(c)) {
      const start = pos();
      let j = i;
      while (j < n && isDigit(src[j])) j++;
      let value = Number(src.slice(i, j));
      const q = QUANTIFIERS[(src[j] ?? '').toLowerCase()];
      if (q) {
        value *= q;
        j++;
      }
      if (j < n && (isAlpha(src[j]) || isDigit(src[j]))) throw new SieveFault(`invalid number "${src.slice(i, j + 1)}"`, start);
      if (!Number.isSafeInteger(value)) throw new SieveFault('number is too large', start);
      tokens.push({ kind: 'number', value: src.slice(i, j), number: value, ...start });
      i = j;
      continue;
    }
    if (isAlpha(c)) {
      const start = pos();
      let j = i;
      while (j < n && (isAlpha(src[j]) || isDigit(src[j]))) j++;
      const word = src.slice(i, j).toLowerCase();
      if (word === 'text' && src[j] === ':') {
        i = readMultiline(j + 1, start);
        continue;
      }
      tokens.push({ kind: 'identifier', value: word, ...start });
      i = j;
      continue;
    }
    throw new SieveFault(`unexpected character ${JSON.stringify(c)}`, pos());
  }
  tokens.push({ kind: 'eof', value: '', ...pos() });
  return tokens;

  /** "text:" up to a line holding only "."; a leading dot on other lines is removed (dot-stuffing). */
  function readMultiline(from: number, start: SievePosition): number {
    let j = from;
    while (j < n && (src[j] === ' ' || src[j] === '\t')) j++;
    if (src[j] === '#') while (j < n && src[j] !== '\n') j++;
    else if (src[j] === '\r' && src[j + 1] === '\n') j++;
    if (src[j] !== '\n') throw new SieveFault('expected end of line after "text:"', start);
    newline(j);
    j++;
    const lines: string[] = [];
    for (;;) {
      if (j >= n) throw new SieveFault('unterminated multi-line string (missing "." line)', start);
      let end = src.indexOf('\n', j);
      if (end < 0) end = n;
      let text = src.slice(j, end);
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (end < n) newline(end);
      j = end + 1;
      if (text === '.') break;
      lines.push(text.startsWith('.') ? text.slice(1) : text);
    }
    tokens.push({ kind: 'string', value: lines.map((l) => l + '\r\n').join(''), multiline: true, ...start });
    return j;
  }
}
