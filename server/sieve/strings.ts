import { SieveFault, type SievePosition } from './errors';

/** A reference to a variable inside a string: a named one (local or global) or a match variable (${0}..${9}). */
export type VarRef = { kind: 'var'; name: string; global: boolean } | { kind: 'match'; index: number };

/** A string argument after compilation: a constant, or literal pieces and variable references to join at run time. */
export type Template = string | (string | VarRef)[];

/**
 * Replaces ${hex:…} and ${unicode:…} (RFC 5228 2.4.2.4, "encoded-character"). Sequences that do not
 * follow the grammar stay as written; a unicode value outside the Unicode range is an error.
 */
export function decodeEncodedCharacters(s: string, pos: SievePosition): string {
  if (!s.includes('${')) return s;
  return s.replace(/\$\{(hex|unicode):([^}]*)\}/gi, (whole, kind: string, body: string) => {
    const items = body.split(/[ \t\r\n]+/).filter((x) => x !== '');
    if (items.length === 0) return whole;
    if (kind.toLowerCase() === 'hex') {
      if (!items.every((x) => /^[0-9a-f]{1,2}$/i.test(x))) return whole;
      return Buffer.from(items.map((x) => parseInt(x, 16))).toString('utf8');
    }
    if (!items.every((x) => /^[0-9a-f]+$/i.test(x))) return whole;
    let out = '';
    for (const x of items) {
      const cp = parseInt(x, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || x.replace(/^0+/, '').length > 6) {
        throw new SieveFault(`invalid unicode character U+${x.toUpperCase()} in encoded character`, pos);
      }
      out += String.fromCodePoint(cp);
    }
    return out;
  });
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Splits a string into literal text and ${…} references (RFC 5229 section 3). Anything that does not
 * form a valid reference is kept literally. `globalNames` are the names a "global" command declared;
 * `onNamespace` vets namespaced names ("global.x"): it returns the reference or throws.
 */
export function parseTemplate(
  s: string,
  isGlobal: (name: string) => boolean,
  onNamespace: (namespace: string, name: string) => VarRef,
): Template {
  if (!s.includes('${')) return s;
  const parts: (string | VarRef)[] = [];
  let lit = '';
  let i = 0;
  while (i < s.length) {
    const at = s.indexOf('${', i);
    if (at < 0) {
      lit += s.slice(i);
      break;
    }
    lit += s.slice(i, at);
    const end = s.indexOf('}', at + 2);
    const inner = end < 0 ? '' : s.slice(at + 2, end);
    const ref = end < 0 ? undefined : toRef(inner);
    if (!ref) {
      lit += '$';
      i = at + 1;
      continue;
    }
    if (lit) parts.push(lit);
    lit = '';
    parts.push(ref);
    i = end + 1;
  }
  if (lit) parts.push(lit);
  if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
  return parts;

  function toRef(inner: string): VarRef | undefined {
    if (/^[0-9]+$/.test(inner)) return { kind: 'match', index: Number(inner) };
    const pieces = inner.split('.');
    if (!pieces.every((p) => IDENT.test(p))) return undefined;
    if (pieces.length === 1) {
      const name = inner.toLowerCase();
      return { kind: 'var', name, global: isGlobal(name) };
    }
    return onNamespace(pieces[0].toLowerCase(), pieces.slice(1).join('.').toLowerCase());
  }
}

export function isConstant(t: Template): t is string {
  return typeof t === 'string';
}

/** Escapes the :matches wildcards (the :quotewildcard modifier). */
export function quoteWildcard(s: string): string {
  return s.replace(/[*?\\]/g, (c) => '\\' + c);
}

/** Escapes POSIX extended regular expression specials (the :quoteregex modifier of the regex extension). */
export function quoteRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, (c) => '\\' + c);
}
