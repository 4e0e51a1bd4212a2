/**
 * Turns :matches wildcards and :regex POSIX extended regular expressions into JavaScript RegExps.
 * Both are compiled once per key (constant keys at compile time, variable keys through a small cache).
 */

const JS_SYNTAX = /[\\^$.*+?()[\]{}|/]/;

function literal(c: string, caseless: boolean): string {
  if (caseless) {
    const lower = c.toLowerCase();
    const upper = c.toUpperCase();
    // ASCII letters only: i;ascii-casemap leaves other scripts' case alone.
    if (lower !== upper && c.length === 1 && c.charCodeAt(0) < 128) return `[${lower}${upper}]`;
  }
  return JS_SYNTAX.test(c) ? '\\' + c : c;
}

/**
 * A :matches pattern (RFC 5228 2.7.1): "*" any run of characters, "?" one character, "\" quotes the
 * next character. Each wildcard is a capture group, so match variables (RFC 5229 3.2) come out of
 * exec(); the groups are lazy, which gives the RFC's "shortest match, left to right" expansion.
 */
export function wildcardToRegExp(pattern: string, caseless: boolean): RegExp {
  let re = '^';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '\\') {
      i++;
      re += literal(chars[i] ?? '\\', caseless);
    } else if (c === '*') re += '(.*?)';
    else if (c === '?') re += '(.)';
    else re += literal(c, caseless);
  }
  return new RegExp(re + '$', 'su');
}

export function hasWildcards(pattern: string): boolean {
  return /[*?\\]/.test(pattern);
}

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  print: ' -~',
  graph: '!-~',
  cntrl: '\\x00-\\x1f\\x7f',
  xdigit: '0-9A-Fa-f',
};

export class RegexSyntaxError extends Error {}

/**
 * Translates a POSIX extended regular expression (what draft-ietf-sieve-regex and Pigeonhole's regcomp
 * use) to JavaScript syntax: bracket expressions with [:class:], a backslash inside brackets being
 * literal, "{" that does not start an interval being literal, and the GNU escapes \< \> \` \'.
 * What cannot be translated (leftmost-longest alternation, collating elements) is listed in docs/sieve.md.
 */
export function posixToJs(src: string): string {
  let out = '';
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === '\\') {
      const d = src[i + 1];
      if (d === undefined) throw new RegexSyntaxError('trailing backslash');
      i += 2;
      if (/[1-9]/.test(d)) out += '\\' + d;
      else if ('wWsSbB'.includes(d)) out += '\\' + d;
      else if (d === '<') out += '\\b(?=\\w)';
      else if (d === '>') out += '\\b(?<=\\w)';
      else if (d === '`') out += '^';
      else if (d === "'") out += '$';
      else out += literal(d, false);
    } else if (c === '[') {
      const r = bracket(i);
      out += r.js;
      i = r.end;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (m) {
        out += m[0];
        i += m[0].length;
      } else {
        out += '\\{';
        i++;
      }
    } else if ('.^$*+?()|'.includes(c)) {
      out += c;
      i++;
    } else {
      out += literal(c, false);
      i++;
    }
  }
  return out;

  function bracket(start: number): { js: string; end: number } {
    let j = start + 1;
    let js = '[';
    if (src[j] === '^') {
      js += '^';
      j++;
    }
    let first = true;
    for (;;) {
      if (j >= n) throw new RegexSyntaxError('unterminated bracket expression');
      const c = src[j];
      if (c === ']' && !first) return { js: js + ']', end: j + 1 };
      first = false;
      if (c === '[' && (src[j + 1] === ':' || src[j + 1] === '=' || src[j + 1] === '.')) {
        const kind = src[j + 1];
        const close = src.indexOf(kind + ']', j + 2);
        if (close < 0) throw new RegexSyntaxError('unterminated character class');
        const name = src.slice(j + 2, close);
        if (kind === ':') {
          const cls = POSIX_CLASSES[name];
          if (!cls) throw new RegexSyntaxError(`unknown character class [:${name}:]`);
          js += cls;
        } else {
          js += Array.from(name).map((x) => literal(x, false)).join('');
        }
        j = close + 2;
        continue;
      }
      js += c === '\\' || c === ']' || c === '[' || c === '^' ? '\\' + c : c;
      j++;
    }
  }
}

/** Compiles a :regex key; throws RegexSyntaxError (or the RegExp's own SyntaxError) when it is not valid. */
export function compileRegex(pattern: string, caseless: boolean): RegExp {
  try {
    return new RegExp(posixToJs(pattern), caseless ? 'si' : 's');
  } catch (err) {
    if (err instanceof RegexSyntaxError) throw err;
    throw new RegexSyntaxError((err as Error).message.replace(/^Invalid regular expression: /, ''));
  }
}
