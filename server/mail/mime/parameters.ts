import { type CharsetOptions, decodeCharset } from './charset';
import { parseParameterized } from './header';

interface Segment {
  index: number;
  extended: boolean;
  value: string;
}

/**
 * Parameter values by lower-case name, as readers of the content want them (RFC 2231):
 * continuations (`name*0`, `name*1*`, …) joined in index order, extended values
 * (`name*=utf-8''%E2%82%AC`) percent-decoded and read in their charset. A name given both
 * plainly and in RFC 2231 form takes the RFC 2231 value, which is the one a client that
 * knows both wrote for readers that do. IMAP's BODYSTRUCTURE shows the parameters as written
 * (`parseParameterized` alone); this is for filenames and charsets.
 */
export function parameterMap(params: readonly [string, string][], options?: CharsetOptions): Map<string, string> {
  const plain = new Map<string, string>();
  const segmented = new Map<string, Segment[]>();
  for (const [name, value] of params) {
    const key = name.toLowerCase();
    const star = /^([^*]+)\*(?:(\d{1,3})(\*)?|)$/.exec(key);
    if (!star) {
      if (!plain.has(key)) plain.set(key, value);
      continue;
    }
    const base = star[1];
    const index = star[2] === undefined ? 0 : Number(star[2]);
    const extended = star[2] === undefined || star[3] === '*';
    let list = segmented.get(base);
    if (!list) segmented.set(base, (list = []));
    if (!list.some((s) => s.index === index)) list.push({ index, extended, value });
  }
  for (const [base, segments] of segmented) plain.set(base, joinSegments(segments.sort((a, b) => a.index - b.index), options));
  return plain;
}

function joinSegments(segments: Segment[], options?: CharsetOptions): string {
  let charset: string | undefined;
  const bytes: Buffer[] = [];
  segments.forEach((s, i) => {
    let value = s.value;
    if (s.extended && i === 0) {
      const prefix = /^([^']*)'[^']*'/.exec(value);
      if (prefix) {
        charset = prefix[1] || undefined;
        value = value.slice(prefix[0].length);
      }
    }
    bytes.push(s.extended ? percentDecode(value) : Buffer.from(value, 'latin1'));
  });
  return decodeCharset(Buffer.concat(bytes), charset, options);
}

function percentDecode(value: string): Buffer {
  return Buffer.from(
    value.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
}

/** A structured field such as Content-Type or Content-Disposition: its lower-case value and its parameters. */
export interface ParameterizedField {
  value: string;
  params: Map<string, string>;
}

/** Reads "text/html; charset=x; name*=utf-8''y" into a lower-case value and a parameter map. */
export function parameterizedField(value: string, options?: CharsetOptions): ParameterizedField {
  const parsed = parseParameterized(value);
  return { value: parsed.value.toLowerCase().replace(/\s+/g, ''), params: parameterMap(parsed.params, options) };
}
