/**
 * Response serialization. Responses are built as "wire strings": JavaScript strings in
 * which each char is one byte (latin1), so 8-bit header bytes pass through unchanged
 * and `Buffer.from(s, 'latin1')` gives the exact bytes to send.
 */

/** UTF-8 text → wire string. */
export function wire(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** A string value: NIL, "quoted" when safe, else a {n} literal. `value` is a wire string or bytes. */
export function nstring(value: string | Buffer | null | undefined): string {
  if (value === null || value === undefined) return 'NIL';
  const s = typeof value === 'string' ? value : value.toString('latin1');
  // eslint-disable-next-line no-control-regex -- NUL, CR and LF are exactly what a quoted string cannot carry
  if (s.length < 1024 && !/[\x00\r\n\x80-\xff]/.test(s)) return '"' + s.replace(/[\\"]/g, (c) => '\\' + c) + '"';
  return `{${s.length}}\r\n${s}`;
}

/** Text from our own code (UTF-8) as an IMAP string. */
export function textString(value: string | null | undefined): string {
  return value === null || value === undefined ? 'NIL' : nstring(wire(value));
}

export function list(items: readonly string[]): string {
  return '(' + items.join(' ') + ')';
}

/** A parenthesised list, or NIL when empty. */
export function nlist(items: readonly string[]): string {
  return items.length ? list(items) : 'NIL';
}
