/**
 * Just enough RFC 5322 address parsing for Sieve: the address-list in a header, one mailbox in a
 * redirect or vacation :from argument, and the parts the address test looks at.
 */

export interface ParsedAddress {
  local: string;
  domain: string;
}

/** Removes (comments), which may nest, outside quoted strings. */
function stripComments(s: string): string {
  if (!s.includes('(')) return s;
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += c + (s[i + 1] ?? '');
      i++;
      continue;
    }
    if (depth === 0 && c === '"') quoted = !quoted;
    if (!quoted) {
      if (c === '(') {
        depth++;
        continue;
      }
      if (c === ')' && depth > 0) {
        depth--;
        if (depth === 0) out += ' ';
        continue;
      }
    }
    if (depth === 0) out += c;
  }
  return out;
}

/** Splits at `sep` characters that are outside quotes and angle brackets. */
function splitTop(s: string, seps: string): { parts: string[]; found: string[] } {
  const parts: string[] = [];
  const found: string[] = [];
  let cur = '';
  let quoted = false;
  let angle = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && quoted) {
      cur += c + (s[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') angle++;
    else if (!quoted && c === '>' && angle > 0) angle--;
    if (!quoted && angle === 0 && seps.includes(c)) {
      parts.push(cur);
      found.push(c);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return { parts, found };
}

const ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\uffff]+$/;

function unquote(local: string): string | undefined {
  const t = local.trim();
  if (t.startsWith('"')) {
    if (!t.endsWith('"') || t.length < 2) return undefined;
    return t.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  const words = t.split('.').map((w) => w.trim());
  if (words.some((w) => !ATOM.test(w))) return undefined;
  return words.join('.');
}

/** Parses "local@domain" (no display name); undefined when it is not a valid addr-spec. */
export function parseAddrSpec(spec: string): ParsedAddress | undefined {
  const s = spec.trim();
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return undefined;
  const local = unquote(s.slice(0, at));
  const domain = s.slice(at + 1).trim();
  if (local === undefined || local === '') return undefined;
  if (!/^(\[[^\]]*\]|[A-Za-z0-9\u0080-\uffff]([A-Za-z0-9\-_\u0080-\uffff]*[A-Za-z0-9\u0080-\uffff])?(\.[A-Za-z0-9\u0080-\uffff]([A-Za-z0-9\-_\u0080-\uffff]*[A-Za-z0-9\u0080-\uffff])?)*)$/.test(domain)) {
    return undefined;
  }
  return { local, domain };
}

/** One mailbox: "addr@x", "<addr@x>" or "Name <addr@x>". */
export function parseMailbox(text: string): ParsedAddress | undefined {
  const s = stripComments(text).trim();
  const lt = s.lastIndexOf('<');
  if (lt >= 0) {
    const gt = s.indexOf('>', lt);
    if (gt < 0 || s.slice(gt + 1).trim() !== '') return undefined;
    let inner = s.slice(lt + 1, gt).trim();
    // Obsolete source route: <@a,@b:user@domain>.
    if (inner.startsWith('@')) inner = inner.slice(inner.indexOf(':') + 1);
    return parseAddrSpec(inner);
  }
  return parseAddrSpec(s);
}

/** An entry of an address header: a parsed address, or the text that did not parse (RFC 5228 2.7.4). */
export type AddressEntry = ParsedAddress | { invalid: string };

/** Every mailbox of an address-list header, group members included, in order. */
export function parseAddressList(value: string): AddressEntry[] {
  const clean = stripComments(value);
  const out: AddressEntry[] = [];
  // Groups: "name: a, b;" — drop the display name and the terminating ";".
  const { parts } = splitTop(clean, ',;');
  for (let part of parts) {
    const colon = splitTop(part, ':');
    if (colon.parts.length > 1 && !colon.parts[0].includes('@')) part = colon.parts.slice(1).join(':');
    if (part.trim() === '') continue;
    const addr = parseMailbox(part);
    out.push(addr ?? { invalid: part.trim() });
  }
  return out;
}

export function formatAddress(a: ParsedAddress): string {
  const local = ATOM.test(a.local.replace(/\./g, '')) && !a.local.startsWith('.') && !a.local.endsWith('.') && !a.local.includes('..')
    ? a.local
    : `"${a.local.replace(/(["\\])/g, '\\$1')}"`;
  return `${local}@${a.domain}`;
}
