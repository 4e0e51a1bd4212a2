/**
 * The part of Python the output of Mailman 2.1's `config_list -o` uses, read without running
 * anything: `name = value` assignments (comments and blank lines between them), whose values are
 * strings ('…', "…", '''…''', """…""", with u/r/b prefixes and backslash escapes; \xNN escapes of
 * byte strings are bytes of the file's coding), integers, floats, True/False/None, and lists,
 * tuples and dicts of those. Anything else is a syntax error naming its line.
 */
import iconv from 'iconv-lite';

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

export class PythonSyntaxError extends Error {}

/** Longest file read (config_list output is a few tens of KB). */
const MAX_LENGTH = 5_000_000;
const MAX_DEPTH = 50;

/** The assignments of a config_list file, in order (its "-*- coding: X -*-" line says how escaped bytes are read). */
export function parsePythonAssignments(text: string): Map<string, PyValue> {
  if (text.length > MAX_LENGTH) throw new PythonSyntaxError(`the file is larger than ${MAX_LENGTH} characters`);
  const coding = /^#.*coding[:=]\s*([-\w.]+)/m.exec(text.split('\n').slice(0, 2).join('\n'))?.[1]?.toLowerCase() ?? 'utf-8';
  const p = new Parser(text, coding);
  const out = new Map<string, PyValue>();
  for (;;) {
    p.skipBlank(true);
    if (p.done()) return out;
    const name = p.identifier();
    p.skipBlank(false);
    p.expect('=');
    const value = p.value(0);
    out.set(name, value);
    p.skipBlank(false);
    if (!p.done() && !p.atLineEnd()) p.fail('one assignment per line');
  }
}

class Parser {
  private i = 0;

  constructor(
    private readonly s: string,
    private readonly coding: string,
  ) {}

  done(): boolean {
    return this.i >= this.s.length;
  }

  fail(what: string): never {
    const line = this.s.slice(0, this.i).split('\n').length;
    throw new PythonSyntaxError(`line ${line}: ${what}`);
  }

  atLineEnd(): boolean {
    return this.s[this.i] === '\n' || this.s[this.i] === '\r';
  }

  /** Skips spaces and comments; with `lines`, line ends too (between assignments and inside brackets). */
  skipBlank(lines: boolean): void {
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\f' || (lines && (c === '\n' || c === '\r'))) this.i++;
      else if (c === '\\' && (this.s[this.i + 1] === '\n' || this.s[this.i + 1] === '\r')) this.i += 2;
      else if (c === '#') while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      else break;
    }
  }

  expect(c: string): void {
    if (this.s[this.i] !== c) this.fail(`"${c}" expected`);
    this.i++;
  }

  identifier(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i, this.i + 200));
    if (!m) this.fail('a setting name expected');
    this.i += m[0].length;
    return m[0];
  }

  value(depth: number): PyValue {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    this.skipBlank(depth > 0);
    const c = this.s[this.i];
    if (c === '[' || c === '(') return this.sequence(c === '[' ? ']' : ')', depth);
    if (c === '{') return this.dict(depth);
    const str = /^([uUbBrR]{0,2})('''|"""|'|")/.exec(this.s.slice(this.i, this.i + 5));
    if (str) {
      // Adjacent literals are one string, as in Python ('a' 'b').
      let out = '';
      for (let m: RegExpExecArray | null = str; m; m = /^([uUbBrR]{0,2})('''|"""|'|")/.exec(this.s.slice(this.i, this.i + 5))) {
        this.i += m[1].length + m[2].length;
        out += this.string(m[2], /r/i.test(m[1]), /u/i.test(m[1]));
        this.skipBlank(depth > 0);
      }
      return out;
    }
    const num = /^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?[lL]?/.exec(this.s.slice(this.i, this.i + 100));
    if (num) {
      this.i += num[0].length;
      return Number(num[0].replace(/[lL]$/, ''));
    }
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (this.s.startsWith(word, this.i) && !/[A-Za-z0-9_]/.test(this.s[this.i + word.length] ?? '')) {
        this.i += word.length;
        return v;
      }
    }
    return this.fail('a value expected (string, number, True, False, None, list, tuple or dict)');
  }

  private sequence(close: string, depth: number): PyValue[] {
    this.i++;
    const out: PyValue[] = [];
    for (;;) {
      this.skipBlank(true);
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value(depth + 1));
      this.skipBlank(true);
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) this.fail(`"," or "${close}" expected`);
    }
  }

  private dict(depth: number): { [key: string]: PyValue } {
    this.i++;
    const out: { [key: string]: PyValue } = {};
    for (;;) {
      this.skipBlank(true);
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const key = this.value(depth + 1);
      this.skipBlank(true);
      this.expect(':');
      out[String(key)] = this.value(depth + 1);
      this.skipBlank(true);
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') this.fail('"," or "}" expected');
    }
  }

  /** A string body after its opening quote; \xNN of a byte string collects bytes, decoded in the file's coding. */
  private string(quote: string, raw: boolean, unicode: boolean): string {
    let out = '';
    let bytes: number[] = [];
    const flush = () => {
      if (!bytes.length) return;
      const buf = Buffer.from(bytes);
      bytes = [];
      const utf8 = buf.toString('utf8');
      // Bytes in a declared 8-bit coding are that coding; otherwise UTF-8 when they are valid UTF-8 (Mailman's
      // files say "us-ascii" and escape the list's charset), else Latin-1 (Mailman 2.1's charset for most languages).
      const declared = this.coding.replace(/[-_]/g, '');
      out += declared !== 'utf8' && declared !== 'usascii' && declared !== 'ascii' && iconv.encodingExists(this.coding) ? iconv.decode(buf, this.coding) : utf8.includes('\ufffd') ? buf.toString('latin1') : utf8;
    };
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '' };
    for (;;) {
      if (this.i >= this.s.length) this.fail('a string is not closed');
      if (this.s.startsWith(quote, this.i)) {
        this.i += quote.length;
        flush();
        return out;
      }
      const c = this.s[this.i];
      if (quote.length === 1 && c === '\n') this.fail('a string is not closed on its line');
      if (c === '\\' && !raw) {
        const e = this.s[this.i + 1];
        const hex = e === 'x' ? /^[0-9a-fA-F]{2}/.exec(this.s.slice(this.i + 2, this.i + 4)) : e === 'u' && unicode ? /^[0-9a-fA-F]{4}/.exec(this.s.slice(this.i + 2, this.i + 6)) : null;
        if (hex) {
          const code = parseInt(hex[0], 16);
          if (e === 'x' && !unicode) bytes.push(code);
          else {
            flush();
            out += String.fromCharCode(code);
          }
          this.i += 2 + hex[0].length;
          continue;
        }
        flush();
        out += e in simple ? simple[e] : '\\' + e;
        this.i += 2;
        continue;
      }
      flush();
      out += c;
      this.i++;
    }
  }
}
