/**
 * HTML as the tokenizer needs it: the visible text, the link and image targets, and
 * the tags junk mail leans on (images, forms, scripts, font tricks, hidden comments).
 * A regular-expression scan, not a DOM: fast and tolerant of broken markup.
 */

export interface HtmlContent {
  text: string;
  links: string[];
  /** Tag features ("img", "form", "script", "comment", …), each listed once. */
  features: Set<string>;
}

const NAMED: Record<string, string> = {
  nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®', trade: '™',
  euro: '€', pound: '£', yen: '¥', cent: '¢', middot: '·', bull: '•', hellip: '…', mdash: '—', ndash: '–',
  laquo: '«', raquo: '»', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”',
};

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});?/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

/** Tags worth a token of their own: each says something about how the mail was made. */
const FEATURE_TAGS = new Set(['img', 'form', 'input', 'script', 'iframe', 'object', 'embed', 'table', 'font', 'center', 'map', 'area', 'base', 'meta', 'style', 'blink', 'marquee']);
/** Tags that end a line of text, so words on either side do not run together. */
const BREAK_TAGS = new Set(['br', 'p', 'div', 'tr', 'td', 'th', 'li', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'title', 'blockquote', 'hr']);

const TAG = /<!--[\s\S]*?-->|<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>|<![^>]*>/g;
const LINK_ATTR = /\b(href|src|action|background)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;

export function parseHtml(html: string): HtmlContent {
  const features = new Set<string>();
  const links: string[] = [];
  const chunks: string[] = [];
  let last = 0;
  let skipUntil: string | undefined;
  TAG.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TAG.exec(html))) {
    if (!skipUntil && m.index > last) chunks.push(html.slice(last, m.index));
    last = TAG.lastIndex;
    const whole = m[0];
    if (whole.startsWith('<!--')) {
      // Comments in the middle of words ("vi<!-- x -->agra") are a junk trick.
      features.add(whole.length > 40 ? 'comment-long' : 'comment');
      continue;
    }
    const name = m[2]?.toLowerCase();
    if (!name) continue;
    const closing = m[1] === '/';
    if (skipUntil) {
      if (closing && name === skipUntil) skipUntil = undefined;
      continue;
    }
    if (!closing) {
      if (FEATURE_TAGS.has(name)) features.add(name);
      const attrs = m[3];
      if (attrs.length > 3) {
        LINK_ATTR.lastIndex = 0;
        let a: RegExpExecArray | null;
        while ((a = LINK_ATTR.exec(attrs))) {
          const target = (a[2] ?? a[3] ?? a[4]).trim();
          if (target) links.push(decodeEntities(target));
        }
        if (name === 'font' && /size\s*=\s*["']?[+]?[5-7]/i.test(attrs)) features.add('font-big');
        if (/display\s*:\s*none|visibility\s*:\s*hidden/i.test(attrs)) features.add('hidden');
        if (name === 'img' && /\b(width|height)\s*=\s*["']?[01]["'\s>]/i.test(attrs)) features.add('img-tiny');
      }
      if (name === 'style' || name === 'script') skipUntil = name;
    }
    // Inline tags render without a gap ("F<b>RE</b>E" reads "FREE"); block tags break the line.
    if (BREAK_TAGS.has(name)) chunks.push('\n');
  }
  if (!skipUntil && last < html.length) chunks.push(html.slice(last));
  return { text: decodeEntities(chunks.join('')), links, features };
}
