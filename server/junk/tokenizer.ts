import { parseHtml } from './html';
import { countryOfDomain } from './locales';
import { HASH, hashBegin, hashChar, hashEnd, hashFeed, hashRestore, hashSave, hashString } from './token-hash';
import { decodeEncodedWords } from '../mail/mime/encoded-words';
import { blankLineEnd } from '../mail/mime/header';
import { JUNK_TEXT, leafParts, parseMessage, partText, type HeaderField, type MimePart } from './mime';

/**
 * Turns a message into the set of tokens the Bayesian filter counts. Header tokens
 * carry a prefix naming their field ("s:" Subject, "f:" From, "rcv:" Received, …) so
 * "free" in a subject and "free" in a body are different evidence. docs/junk-and-virus.md
 * lists the prefixes.
 *
 * Charset tokens ("cs:…") and country tokens ("cc:…") are kept apart in the result so
 * the filter can ignore them for accepted languages and locales.
 */
export interface Tokenized {
  /** Every token, each once; charset ("cs:…") and country ("cc:…") tokens are in localeTokens instead. */
  tokens: ReadonlySet<string>;
  localeTokens: ReadonlySet<string>;
  /** Charsets declared by the message (parts and encoded words), lower case. */
  charsets: Set<string>;
  /** Country-code top-level domains of the sender and relays. */
  countries: Set<string>;
}

/** Only the start of a huge message is read: junk is small, and scoring must stay fast. */
export const MAX_SCANNED_BYTES = 256 * 1024;
const MAX_TEXT_PER_PART = 64 * 1024;
const MAX_RECEIVED = 6;
const MIN_WORD = 3;
const MAX_WORD = 20;

export function tokenize(raw: Buffer): Tokenized {
  const t = new TokenSink(true);
  run(raw, t);
  return { tokens: t.tokens, localeTokens: t.localeTokens, charsets: t.charsets, countries: t.countries };
}

/**
 * What scoring needs, without the strings: the same tokens as tokenize(), each as its
 * 64-bit hash (token-hash.ts), two array entries per token. Word and pair tokens are
 * hashed straight from the text, so most tokens never become strings at all.
 */
export interface HashedTokens extends Omit<Tokenized, 'tokens'> {
  /** count pairs of [high, low] hash halves; valid until the next tokenizeHashed call. */
  hashes: Int32Array;
  count: number;
}

export function tokenizeHashed(raw: Buffer): HashedTokens {
  const t = new TokenSink(false);
  run(raw, t);
  return { hashes: seen.list, count: seen.count, localeTokens: t.localeTokens, charsets: t.charsets, countries: t.countries };
}

function run(raw: Buffer, t: TokenSink): void {
  let buf = raw.length > MAX_SCANNED_BYTES ? raw.subarray(0, MAX_SCANNED_BYTES) : raw;
  // An mbox "From " envelope line is the delivery agent's, not the sender's.
  if (buf[0] === 70 && buf.toString('latin1', 0, 5) === 'From ') buf = buf.subarray(buf.indexOf(10) + 1);
  const root = parseMessage(buf);
  headerTokens(root.headers, t);
  bodyTokens(root, t);
  if (blankLineEnd(buf) < 0) t.add('struct:no-body');
  // Charsets of encoded words were collected while decoding; give them tokens like part charsets.
  for (const cs of t.charsets) t.localeTokens.add('cs:' + cs);
}

/**
 * The distinct hashes of one message, for tokenizeHashed: open addressing keyed by the
 * hash, reused from message to message (a slot belongs to the current message when its
 * stamp matches, so nothing is cleared between messages).
 */
class HashSet {
  private keys = new Int32Array(2 * 4096);
  private stamps = new Uint32Array(4096);
  private stamp = 0;
  list = new Int32Array(2 * 1024);
  count = 0;

  reset(): void {
    this.count = 0;
    if (++this.stamp === 0xffffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
  }

  /** Adds HASH (token-hash.ts) unless the message already had it. */
  add(): void {
    const h1 = HASH[0];
    const h2 = HASH[1];
    const mask = this.stamps.length - 1;
    for (let i = h1 & mask; ; i = (i + 1) & mask) {
      if (this.stamps[i] !== this.stamp) {
        this.stamps[i] = this.stamp;
        this.keys[2 * i] = h1;
        this.keys[2 * i + 1] = h2;
        if (2 * this.count === this.list.length) {
          const bigger = new Int32Array(this.list.length * 2);
          bigger.set(this.list);
          this.list = bigger;
        }
        this.list[2 * this.count] = h1;
        this.list[2 * this.count + 1] = h2;
        this.count++;
        if (this.count * 2 > this.stamps.length) this.grow();
        return;
      }
      if (this.keys[2 * i] === h1 && this.keys[2 * i + 1] === h2) return;
    }
  }

  private grow(): void {
    const size = this.stamps.length * 2;
    this.keys = new Int32Array(2 * size);
    this.stamps = new Uint32Array(size);
    this.stamp = 1;
    const mask = size - 1;
    for (let k = 0; k < this.count; k++) {
      const h1 = this.list[2 * k];
      let i = h1 & mask;
      while (this.stamps[i] === 1) i = (i + 1) & mask;
      this.stamps[i] = 1;
      this.keys[2 * i] = h1;
      this.keys[2 * i + 1] = this.list[2 * k + 1];
    }
  }
}

const seen = new HashSet();

/**
 * Collects a message's tokens, as strings (tokenize: learning, clues, tests) or as
 * hashes (tokenizeHashed: scoring). Every token goes through add, addRange or addPair,
 * so both forms always hold the same tokens.
 */
class TokenSink {
  readonly tokens = new Set<string>();
  readonly localeTokens = new Set<string>();
  readonly charsets = new Set<string>();
  readonly countries = new Set<string>();

  constructor(private readonly asStrings: boolean) {
    if (!asStrings) seen.reset();
  }

  add(token: string): void {
    // NUL separates tokens when the store loads them; header bytes may contain anything.
    if (token.includes('\0')) token = token.replace(/\0/g, '');
    if (this.asStrings) {
      this.tokens.add(token);
      return;
    }
    hashString(token);
    seen.add();
  }

  /** The token prefix + text[start, end), without making it a string when hashing. */
  addRange(prefix: string, text: string, start: number, end: number): void {
    if (this.asStrings) {
      this.tokens.add(prefix + text.slice(start, end));
      return;
    }
    hashBegin();
    hashFeed(prefix, 0, prefix.length);
    hashFeed(text, start, end);
    hashEnd();
    seen.add();
  }

  /**
   * A body word and, after the first, the pair it makes with the word before. Hashing
   * the word alone leaves the state from which the next word's pair continues, so
   * each word is hashed twice, not three times.
   */
  addWordAndPair(text: string, s1: number, e1: number, s2: number, e2: number): void {
    if (this.asStrings) {
      const w = text.slice(s2, e2);
      this.tokens.add(w);
      if (s1 >= 0) this.tokens.add(text.slice(s1, e1) + ' ' + w);
      return;
    }
    if (s1 >= 0) {
      // Continues from the previous word's state (saved below when it was the current word).
      hashRestore();
      hashChar(32);
      hashFeed(text, s2, e2);
      hashEnd();
      seen.add();
    }
    hashBegin();
    hashFeed(text, s2, e2);
    hashSave();
    hashEnd();
    seen.add();
  }

  charset(cs: string): void {
    const c = cs.toLowerCase().replace(/^["']|["']$/g, '');
    if (!c) return;
    this.charsets.add(c);
    this.localeTokens.add('cs:' + c);
  }

  domain(prefix: string, domain: string, full = true): void {
    let d = domain.toLowerCase();
    let end = d.length;
    while (end > 0 && (d.charCodeAt(end - 1) === 62 /* > */ || d.charCodeAt(end - 1) === 93 /* ] */ || d.charCodeAt(end - 1) === 46)) end--;
    if (end === 0) return;
    if (end < d.length) d = d.slice(0, end);
    // The last two labels: the registered domain, near enough without a public-suffix list.
    const last = d.lastIndexOf('.');
    const second = last > 0 ? d.lastIndexOf('.', last - 1) : -1;
    if (full || second < 0) this.add(prefix + d);
    if (second >= 0) this.add(prefix + d.slice(second + 1));
    const cc = countryOfDomain(d);
    if (cc) {
      this.countries.add(cc);
      this.localeTokens.add('cc:' + cc);
    }
  }

  /**
   * Words of free text under a prefix (empty for the body), and for the body each pair
   * of neighbouring words too: "click here" is better evidence than "click" and "here".
   */
  words(text: string, prefix: string): void {
    const lower = text.toLowerCase();
    const len = lower.length;
    let prevStart = -1;
    let prevEnd = -1;
    for (let i = 0; i < len; ) {
      const c = lower.charCodeAt(i);
      if (charClass(c) !== WORD_CHAR) {
        i++;
        continue;
      }
      // The longest run of word and inner characters, cut back to its last word or end character.
      let end = i + 1;
      // The last "@" before the end, noted on the way rather than searched for afterwards.
      let at = -1;
      let pendingAt = -1;
      for (let j = i + 1; j < len; j++) {
        const cj = lower.charCodeAt(j);
        const k = charClass(cj);
        if (k === OTHER) break;
        if (k !== INNER) {
          end = j + 1;
          at = pendingAt;
        } else if (cj === 64) pendingAt = j;
      }
      const n = end - i;
      const start = i;
      i = end;
      if (n < MIN_WORD) continue;
      if (n > MAX_WORD) {
        // Long strings are base64 debris, hashes, or unbroken CJK: their shape is the signal.
        this.add(`${prefix}skip:${lower[start]}${Math.floor(n / 10) * 10}`);
        continue;
      }
      if (at > start) {
        this.addRange(prefix + 'email:', lower, at + 1, end);
        this.addRange(prefix + 'email-name:', lower, start, at);
        continue;
      }
      if (prefix === '') {
        this.addWordAndPair(lower, prevStart, prevEnd, start, end);
        prevStart = start;
        prevEnd = end;
      } else {
        this.addRange(prefix, lower, start, end);
      }
    }
  }
}

const OTHER = 0;
/** Starts, continues and ends a word: letters, digits, $. */
const WORD_CHAR = 1;
/** Only inside a word: ' . _ @ - ("don't", "19.95", "e-mail"). */
const INNER = 2;
/** Inside or at the end, never at the start: ! % ("free!", "50%"). */
const INNER_END = 3;
const ASCII_CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) ASCII_CLASS[c] = WORD_CHAR;
for (let c = 97; c <= 122; c++) ASCII_CLASS[c] = WORD_CHAR;
ASCII_CLASS[36] = WORD_CHAR;
for (const ch of "'._@-") ASCII_CLASS[ch.charCodeAt(0)] = INNER;
for (const ch of '!%') ASCII_CLASS[ch.charCodeAt(0)] = INNER_END;

/**
 * Character classes of lower-cased text. Everything from U+00C0 up except surrogates
 * counts as a letter: a table lookup is several times faster than a regular
 * expression with Unicode property escapes, and no script is left out.
 */
function charClass(c: number): number {
  if (c < 128) return ASCII_CLASS[c];
  if (c < 0xc0 || (c >= 0xd800 && c < 0xe000)) return OTHER;
  return WORD_CHAR;
}

const ADDRESS = /[^\s<>"(),;:]+@[^\s<>"(),;:]+/g;
const URL = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'()[\]{}]+/gi;

function addresses(value: string): string[] {
  return (value.match(ADDRESS) ?? []).map((a) => a.toLowerCase().replace(/^[<'"]+|[>'".]+$/g, ''));
}

/**
 * Only the fields that say who wrote the message, how, and how it travelled. Measured
 * on the SpamAssassin corpus, the words of every other field and SpamBayes-style
 * "this field is present" tokens made things worse: mailing-list machinery (List-*,
 * Sender, Errors-To, the list server's Received lines) adds a dozen correlated hammy
 * tokens to junk posted to lists, and Fisher's method counts each one as independent.
 * For the same reason every server domain in the routing fields shares one "d:" prefix.
 */
function headerTokens(headers: HeaderField[], t: TokenSink): void {
  const seen = new Set<string>();
  let received = 0;
  for (const h of headers) {
    // Our own verdicts (and other filters') must not teach the filter to agree with itself.
    if (h.name.startsWith('x-spam-') || h.name.startsWith('x-pillarbox-')) continue;
    seen.add(h.name);
    switch (h.name) {
      case 'subject':
        subjectTokens(decodeEncodedWords(h.value, JUNK_TEXT, t.charsets), t);
        break;
      case 'from':
        addressTokens('f:', h.value, t, true);
        break;
      case 'to':
      case 'cc':
        addressTokens('t:', h.value, t, false);
        break;
      case 'reply-to':
      case 'return-path':
      case 'sender':
      case 'errors-to':
        for (const a of addresses(h.value)) t.domain('d:', a.slice(a.lastIndexOf('@') + 1), false);
        if (h.name === 'return-path' && /<\s*>/.test(h.value)) t.add('return-path:null');
        break;
      case 'received':
        if (received++ < MAX_RECEIVED) receivedTokens(h.value, t);
        break;
      case 'message-id':
        messageIdTokens(h.value, t);
        break;
      case 'content-type': {
        const type = /^\s*([^;\s]+)/.exec(h.value)?.[1]?.toLowerCase() ?? 'none';
        t.add('ct:' + type);
        const cs = /charset\s*=\s*"?([^";\s]+)/i.exec(h.value);
        if (cs) t.charset(cs[1]);
        break;
      }
      case 'x-mailer':
      case 'user-agent':
        // The version digits vary; the program and its punctuation do not.
        t.add('xm:' + h.value.toLowerCase().replace(/[0-9]+/g, '#').slice(0, 60));
        t.words(h.value, 'xm:');
        break;
      case 'date':
        dateTokens(h.value, t);
        break;
    }
  }
  if (!seen.has('message-id')) t.add('message-id:none');
  if (!seen.has('date')) t.add('date:none');
  if (!seen.has('to') && !seen.has('cc')) t.add('t:none');
}

function subjectTokens(subject: string, t: TokenSink): void {
  t.words(subject, 's:');
  const letters = subject.replace(/[^A-Za-z]/g, '');
  if (letters.length >= 8 && letters === letters.toUpperCase()) t.add('s:all-caps');
  if (/!!|\?\?|\$\$/.test(subject)) t.add('s:punct');
  if (/^\s*(re|aw|sv)\s*:/i.test(subject)) t.add('s:reply');
  if (/^\s*(fw|fwd)\s*:/i.test(subject)) t.add('s:forward');
  if (/\s{3,}\S+$/.test(subject)) t.add('s:trailing-id');
  if (subject.trim() === '') t.add('s:empty');
  t.add('s:len:' + Math.min(Math.floor(subject.length / 10), 8));
}

function addressTokens(prefix: string, value: string, t: TokenSink, isFrom: boolean): void {
  const decoded = decodeEncodedWords(value, JUNK_TEXT, t.charsets);
  const list = addresses(decoded);
  for (const a of list) {
    t.add(prefix + 'addr:' + a);
    t.domain(prefix + 'dom:', a.slice(a.lastIndexOf('@') + 1));
  }
  if (isFrom) {
    const name = decoded.replace(ADDRESS, ' ').replace(/[<>"()]/g, ' ').trim();
    if (name) t.words(name, prefix + 'name:');
    else t.add(prefix + 'no-name');
  } else {
    const n = list.length;
    t.add(prefix + 'count:' + (n <= 2 ? n : n <= 5 ? '3-5' : n <= 10 ? '6-10' : 'many'));
    if (/undisclosed|recipient list suppressed/i.test(decoded)) t.add(prefix + 'undisclosed');
  }
  if (list.length === 0) t.add(prefix + 'no-address');
}

const IP = /\[?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}\]?/g;

function receivedTokens(value: string, t: TokenSink): void {
  const lower = value.toLowerCase();
  const fromClause = /^from\s+(\S+)(?:\s+\(([^)]*)\))?/.exec(lower);
  if (fromClause) {
    const helo = fromClause[1];
    if (!helo.includes('.')) t.add('rcv:helo-bare');
    else if (/^\[?\d+\.\d+\.\d+\.\d+\]?$/.test(helo)) t.add('rcv:helo-ip');
    else t.domain('d:', helo, false);
    const rdns = /([a-z0-9-]+(?:\.[a-z0-9-]+)+)\s*\[/.exec(fromClause[2] ?? '');
    if (rdns && !/^\d+(\.\d+)+$/.test(rdns[1])) t.domain('d:', rdns[1], false);
    else if (fromClause[2] !== undefined && !rdns) t.add('rcv:no-rdns');
  }
  IP.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = IP.exec(lower))) {
    if (m[1] === '127' || m[1] === '10' || (m[1] === '192' && m[2] === '168')) continue;
    t.add(`rcv:ip:${m[1]}.${m[2]}`);
  }
  const by = /\bby\s+([a-z0-9.-]+)/.exec(lower);
  if (by) t.add('rcv:by:' + by[1].replace(/[0-9]+/g, '#'));
  const withProto = /\bwith\s+([a-z0-9-]+)/.exec(lower);
  if (withProto) t.add('rcv:with:' + withProto[1]);
}

function messageIdTokens(value: string, t: TokenSink): void {
  const m = /<?([^<>@\s]*)@([^<>\s]+)>?/.exec(value);
  if (!m) {
    t.add('message-id:malformed');
    return;
  }
  // The right-hand side names the program or host; the left-hand side's shape names the program.
  t.add('message-id:@' + m[2].toLowerCase().replace(/[0-9]+/g, '#'));
  t.add('message-id:shape:' + m[1].replace(/[0-9]+/g, '9').replace(/[a-f]+/g, 'x').replace(/[A-Za-z]+/g, 'a').slice(0, 20));
}

function dateTokens(value: string, t: TokenSink): void {
  const zone = /([+-]\d{4}|[A-Z]{2,4})\s*(\([^)]*\))?\s*$/.exec(value.trim());
  t.add('date:zone:' + (zone ? zone[1] : 'none'));
  if (!/^\s*(mon|tue|wed|thu|fri|sat|sun),/i.test(value)) t.add('date:no-weekday');
}

function bodyTokens(root: MimePart, t: TokenSink): void {
  const leaves = leafParts(root);
  let hasPlain = false;
  let hasHtml = false;
  t.add('parts:' + Math.min(leaves.length, 6));
  if (root.type.startsWith('multipart/')) t.add('mime:' + root.type);
  for (const part of leaves) {
    const isText = part.type === 'text/plain' || part.type === 'text/html' || part.type === 'text/enriched';
    const attached = part.disposition === 'attachment' || (part.filename !== '' && !isText);
    if (part !== root) t.add('mime:' + part.type);
    if (part.encoding !== '7bit' && part.encoding !== '8bit') t.add(`cte:${part.type}:${part.encoding}`);
    const cs = part.params.get('charset');
    if (cs) t.charset(cs);
    if (part.filename) {
      const ext = /\.([a-z0-9]{1,8})$/i.exec(part.filename)?.[1]?.toLowerCase() ?? 'none';
      t.add('att:ext:' + ext);
      t.words(part.filename, 'att:name:');
    }
    if (attached || !isText) {
      t.add('att:type:' + part.type);
      t.add('att:size:' + Math.round(Math.log2(part.body.length + 1)));
      continue;
    }
    let text = partText(part);
    if (text.length > MAX_TEXT_PER_PART) text = text.slice(0, MAX_TEXT_PER_PART);
    if (part.type === 'text/html' || (part.type === 'text/plain' && /^\s*<(!doctype|html)/i.test(text))) {
      hasHtml = true;
      const html = parseHtml(text);
      for (const f of html.features) t.add('html:' + f);
      for (const link of html.links) urlTokens(link, t);
      text = html.text;
    } else {
      hasPlain = true;
    }
    textTokens(text, t);
  }
  if (hasHtml && !hasPlain) t.add('struct:html-only');
}

function textTokens(text: string, t: TokenSink): void {
  let nonAscii = 0;
  for (let i = 0; i < text.length; i += 8) if (text.charCodeAt(i) > 127) nonAscii++;
  const sampled = Math.ceil(text.length / 8);
  if (sampled > 0) t.add('8bit:' + Math.round((nonAscii * 10) / sampled));
  t.add('body:len:' + Math.min(Math.round(Math.log2(text.length + 1)), 17));
  const withoutUrls = text.includes('://') || text.includes('www.') ? text.replace(URL, (u) => (urlTokens(u, t), ' ')) : text;
  t.words(withoutUrls, '');
}

/** A link target: its host and registered domain, whether it is a bare IP, and its path words. */
function urlTokens(target: string, t: TokenSink): void {
  const u = target.trim().toLowerCase();
  if (u.startsWith('mailto:')) {
    const at = u.indexOf('@');
    if (at > 0) t.domain('mailto:', u.slice(at + 1).split(/[?>\s]/)[0]);
    return;
  }
  const m = /^(?:([a-z][a-z0-9+.-]*):)?\/\/([^/?#\s]*)([^\s]*)$/.exec(u) ?? (/^www\./.test(u) ? /^()([^/?#\s]*)([^\s]*)$/.exec(u) : null);
  if (!m) {
    if (u.startsWith('cid:')) t.add('url:cid');
    return;
  }
  t.add('url:scheme:' + (m[1] || 'none'));
  let host = m[2].replace(/^[^@]*@/, '');
  const port = /:(\d+)$/.exec(host);
  if (port) {
    t.add('url:port');
    host = host.slice(0, port.index);
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host) || /^\d+$/.test(host) || host.includes('%')) t.add('url:ip');
  else if (host) t.domain('url:', host);
  const path = m[3];
  if (path.length > 1) {
    let n = 0;
    for (const piece of path.split(/[/?&=#.;_+-]+/)) {
      if (piece.length < 3 || piece.length > 20 || n++ >= 8) continue;
      t.add('url:path:' + piece);
    }
  }
}
