/** One address of an ENVELOPE, as RFC 3501 section 7.4.2 lays it out (wire strings, encoded-words left raw). */
export interface EnvelopeAddress {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

type Token = { t: 'special'; v: string } | { t: 'atom'; v: string } | { t: 'quoted'; v: string } | { t: 'comment'; v: string };

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        v += s[i++];
      }
      i++;
      out.push({ t: 'quoted', v });
    } else if (c === '(') {
      let depth = 1;
      let v = '';
      i++;
      while (i < s.length && depth > 0) {
        if (s[i] === '\\' && i + 1 < s.length) {
          v += s[i + 1];
          i += 2;
          continue;
        }
        if (s[i] === '(') depth++;
        else if (s[i] === ')' && --depth === 0) break;
        v += s[i++];
      }
      i++;
      out.push({ t: 'comment', v: v.trim() });
    } else if ('<>@,;:.[]'.includes(c)) {
      if (c === '[') {
        // Domain literal: keep whole.
        const end = s.indexOf(']', i);
        const stop = end < 0 ? s.length : end + 1;
        out.push({ t: 'atom', v: s.slice(i, stop) });
        i = stop;
      } else {
        out.push({ t: 'special', v: c });
        i++;
      }
    } else {
      let v = '';
      while (i < s.length && !' \t\r\n"(<>@,;:.[]'.includes(s[i])) v += s[i++];
      if (!v) {
        i++;
        continue;
      }
      out.push({ t: 'atom', v });
    }
  }
  return out;
}

function isSpecial(t: Token, v: string): boolean {
  return t.t === 'special' && t.v === v;
}

function phrase(tokens: Token[]): string | null {
  const words: string[] = [];
  for (const t of tokens) {
    if (t.t === 'comment') continue;
    if (t.t === 'special') {
      if (t.v === '.' && words.length) words[words.length - 1] += '.';
      continue;
    }
    words.push(t.v);
  }
  return words.join(' ') || null;
}

/** local@domain from tokens, keeping quoted local parts quoted. */
function addrSpec(tokens: Token[]): { mailbox: string | null; host: string | null } {
  const words = tokens.filter((t) => t.t !== 'comment');
  const at = words.map((t) => isSpecial(t, '@')).lastIndexOf(true);
  const text = (ts: Token[], quoteQuoted: boolean) =>
    ts.map((t) => (t.t === 'quoted' && quoteQuoted ? `"${t.v.replace(/[\\"]/g, (c) => '\\' + c)}"` : t.v)).join('');
  if (at < 0) {
    const local = text(words, true);
    return { mailbox: local || null, host: local ? '' : null };
  }
  return { mailbox: text(words.slice(0, at), true) || '', host: text(words.slice(at + 1), false) };
}

function mailboxOf(tokens: Token[]): EnvelopeAddress | undefined {
  if (tokens.length === 0) return undefined;
  const lt = tokens.findIndex((t) => isSpecial(t, '<'));
  if (lt >= 0) {
    let gt = tokens.findIndex((t, i) => i > lt && isSpecial(t, '>'));
    if (gt < 0) gt = tokens.length;
    let inner = tokens.slice(lt + 1, gt);
    let adl: string | null = null;
    const colon = inner.findIndex((t) => isSpecial(t, ':'));
    if (inner[0] && isSpecial(inner[0], '@') && colon > 0) {
      adl = inner.slice(0, colon).map((t) => t.v).join('');
      inner = inner.slice(colon + 1);
    }
    const { mailbox, host } = addrSpec(inner);
    if (mailbox === null) return undefined;
    return { name: phrase(tokens.slice(0, lt)), adl, mailbox, host };
  }
  const { mailbox, host } = addrSpec(tokens);
  if (mailbox === null) return undefined;
  const comments = tokens.filter((t) => t.t === 'comment' && t.v);
  return { name: comments.length ? comments[comments.length - 1].v : null, adl: null, mailbox, host };
}

/** An address-list header value → envelope addresses, groups as start/end markers. */
export function parseAddressList(value: string): EnvelopeAddress[] {
  const tokens = tokenize(value);
  const out: EnvelopeAddress[] = [];
  let current: Token[] = [];
  let inGroup = false;
  let inAngle = false;
  const flush = () => {
    const a = mailboxOf(current);
    if (a) out.push(a);
    current = [];
  };
  for (const tok of tokens) {
    if (isSpecial(tok, '<')) inAngle = true;
    if (isSpecial(tok, '>')) inAngle = false;
    if (!inAngle && isSpecial(tok, ':') && !inGroup && !current.some((t) => isSpecial(t, '@'))) {
      out.push({ name: null, adl: null, mailbox: phrase(current) ?? '', host: null });
      current = [];
      inGroup = true;
    } else if (!inAngle && isSpecial(tok, ';') && inGroup) {
      flush();
      out.push({ name: null, adl: null, mailbox: null, host: null });
      inGroup = false;
    } else if (!inAngle && isSpecial(tok, ',')) {
      flush();
    } else {
      current.push(tok);
    }
  }
  flush();
  if (inGroup) out.push({ name: null, adl: null, mailbox: null, host: null });
  return out;
}
