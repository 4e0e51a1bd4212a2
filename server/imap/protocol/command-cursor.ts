import type { RawCommand } from './command-reader';

/** Malformed input: answered with a tagged BAD; the session carries on. */
export class ParseError extends Error {}

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** atom-specials of RFC 3501: ( ) { SP CTL % * " \ ] */
function isAtomChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== 0x28 && c !== 0x29 && c !== 0x7b && c !== 0x25 && c !== 0x2a && c !== DQUOTE && c !== BACKSLASH && c !== 0x5d;
}

/** ASTRING-CHAR = ATOM-CHAR / "]" (and 8-bit bytes, which UTF-8 clients send in names). */
function isAstringChar(c: number): boolean {
  return isAtomChar(c) || c === 0x5d || c >= 0x80;
}

/** list-char = ATOM-CHAR / "%" / "*" / "]" */
function isListChar(c: number): boolean {
  return isAstringChar(c) || c === 0x25 || c === 0x2a;
}

/**
 * A recursive-descent tokenizer over one command: atoms, quoted strings, literals
 * (handed over by the command reader as Buffers), lists, numbers. Command parsers
 * call the pieces their grammar needs; any mismatch throws ParseError.
 */
export class CommandCursor {
  private part = 0;
  private pos = 0;
  /** UTF8=ACCEPT (RFC 6855) is on: mailbox names arrive as UTF-8, not modified UTF-7. */
  utf8Names = false;

  constructor(private readonly cmd: RawCommand) {}

  private get line(): Buffer {
    return this.cmd.lines[this.part];
  }

  /** The next byte, or -1 at the end of the command. Literal boundaries read as the literal's "{". */
  peek(): number {
    return this.pos < this.line.length ? this.line[this.pos] : -1;
  }

  peekUpper(n: number): string {
    return this.line.subarray(this.pos, this.pos + n).toString('latin1').toUpperCase();
  }

  atEnd(): boolean {
    return this.pos >= this.line.length && this.part >= this.cmd.lines.length - 1;
  }

  end(): void {
    if (!this.atEnd()) throw new ParseError('unexpected extra arguments');
  }

  sp(): void {
    if (this.peek() !== SP) throw new ParseError('expected a space');
    this.pos++;
  }

  /** Consumes `c` if it is next. */
  maybe(c: string): boolean {
    if (this.peek() === c.charCodeAt(0)) {
      this.pos++;
      return true;
    }
    return false;
  }

  expect(c: string): void {
    if (!this.maybe(c)) throw new ParseError(`expected "${c}"`);
  }

  /** Consumes the keyword (case-insensitive) if it comes next and is not followed by more atom characters. */
  maybeKeyword(word: string): boolean {
    const next = this.line[this.pos + word.length];
    if (this.peekUpper(word.length) === word.toUpperCase() && (next === undefined || !isAtomChar(next) || next === 0x5b)) {
      this.pos += word.length;
      return true;
    }
    return false;
  }

  private takeWhile(test: (c: number) => boolean): string {
    const start = this.pos;
    while (this.pos < this.line.length && test(this.line[this.pos])) this.pos++;
    return this.line.subarray(start, this.pos).toString('utf8');
  }

  atom(): string {
    const s = this.takeWhile(isAtomChar);
    if (!s) throw new ParseError('expected an atom');
    return s;
  }

  /** The command tag: ASTRING-CHARs except "+". */
  tag(): string {
    const s = this.takeWhile((c) => isAstringChar(c) && c !== 0x2b && c < 0x80);
    if (!s) throw new ParseError('missing tag');
    return s;
  }

  number(): number {
    const s = this.takeWhile((c) => c >= 0x30 && c <= 0x39);
    if (!s || s.length > 15) throw new ParseError('expected a number');
    return Number(s);
  }

  nzNumber(): number {
    const n = this.number();
    if (n === 0) throw new ParseError('expected a non-zero number');
    return n;
  }

  /** quoted or literal. */
  string(): Buffer {
    const c = this.peek();
    if (c === DQUOTE) return this.quoted();
    if (c === 0x7b) return this.literal();
    throw new ParseError('expected a string');
  }

  astring(): Buffer {
    const c = this.peek();
    if (c === DQUOTE || c === 0x7b) return this.string();
    const start = this.pos;
    this.takeWhile(isAstringChar);
    if (this.pos === start) throw new ParseError('expected a string or atom');
    return this.line.subarray(start, this.pos);
  }

  /** A string or NIL. */
  nstring(): Buffer | null {
    if (this.maybeKeyword('NIL')) return null;
    return this.string();
  }

  /** list-mailbox: a string or list-chars (wildcards allowed). */
  listMailbox(): Buffer {
    const c = this.peek();
    if (c === DQUOTE || c === 0x7b) return this.string();
    const start = this.pos;
    this.takeWhile(isListChar);
    if (this.pos === start) throw new ParseError('expected a mailbox pattern');
    return this.line.subarray(start, this.pos);
  }

  private quoted(): Buffer {
    this.pos++;
    const out: number[] = [];
    for (;;) {
      if (this.pos >= this.line.length) throw new ParseError('unterminated quoted string');
      const c = this.line[this.pos++];
      if (c === DQUOTE) return Buffer.from(out);
      if (c === BACKSLASH) {
        const e = this.line[this.pos++];
        if (e !== DQUOTE && e !== BACKSLASH) throw new ParseError('invalid escape in quoted string');
        out.push(e);
      } else {
        out.push(c);
      }
    }
  }

  private literal(): Buffer {
    const rest = this.line.subarray(this.pos).toString('latin1');
    if (!/^\{\d+\+?\}$/.test(rest) || this.part >= this.cmd.literals.length) throw new ParseError('invalid literal');
    const value = this.cmd.literals[this.part];
    // A literal is CHAR8, any octet but NUL (RFC 9051 section 9, RFC 3501 section 4.3); only a
    // literal8, "~{n}", may carry NUL (RFC 3516), where the grammar allows one (APPEND).
    const literal8 = this.pos > 0 && this.line[this.pos - 1] === 0x7e;
    if (!literal8 && value.includes(0)) throw new ParseError('NUL is not allowed in a literal; send binary data as a literal8 (~{n}, RFC 3516)');
    this.part++;
    this.pos = 0;
    return value;
  }

  /** A flag: \System or keyword atom. */
  flag(): string {
    if (this.maybe('\\')) {
      if (this.maybe('*')) return '\\*';
      return '\\' + this.atom();
    }
    return this.atom();
  }

  /** "(" [flag *(SP flag)] ")", or with `bare` also flags without parentheses. */
  flagList(bare = false): string[] {
    if (!this.maybe('(')) {
      if (!bare) throw new ParseError('expected a flag list');
      const flags = [this.flag()];
      while (this.peek() === SP) {
        this.sp();
        flags.push(this.flag());
      }
      return flags;
    }
    const flags: string[] = [];
    while (!this.maybe(')')) {
      if (flags.length) this.sp();
      flags.push(this.flag());
    }
    return flags;
  }

  /** "(" item *(SP item) ")" with a caller-supplied item parser. */
  list<T>(item: () => T, allowEmpty = true): T[] {
    this.expect('(');
    const out: T[] = [];
    while (!this.maybe(')')) {
      if (out.length) this.sp();
      out.push(item());
    }
    if (!allowEmpty && out.length === 0) throw new ParseError('empty list');
    return out;
  }

  /** Raw characters up to the next space or closing parenthesis (sequence sets, section specs). */
  token(): string {
    const s = this.takeWhile((c) => c > SP && c < 0x7f && c !== 0x28 && c !== 0x29);
    if (!s) throw new ParseError('expected an argument');
    return s;
  }

  /** Characters matching `re` from here (used for section specs like "1.2.HEADER.FIELDS"). */
  match(re: RegExp): string | undefined {
    const rest = this.line.subarray(this.pos).toString('latin1');
    const m = re.exec(rest);
    if (!m || m.index !== 0) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  /** Everything left on the current line (AUTHENTICATE's initial response). */
  restOfLine(): string {
    const s = this.line.subarray(this.pos).toString('latin1');
    this.pos = this.line.length;
    return s;
  }
}
