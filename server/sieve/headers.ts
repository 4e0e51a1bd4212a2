import { decodeEncodedWords } from '../mail/mime/encoded-words';
import { headerFieldLines } from '../mail/mime/header';

/** One header field as it appears in the message, in order. */
export interface HeaderField {
  /** Lower-case name. */
  name: string;
  /** The value after the colon, unfolded (CRLF before white space removed), not yet decoded. */
  raw: string;
}

/**
 * The fields of a header block as the header test reads them: the value unfolded (line
 * breaks removed) but not trimmed or decoded. `encoding` is how 8-bit bytes read: UTF-8 for
 * the message's own header, latin1 for the parts' (only their Content-* fields matter).
 */
export function headerFields(buf: Buffer, start: number, end: number, encoding: 'utf8' | 'latin1'): HeaderField[] {
  return headerFieldLines(buf.toString(encoding, start, end)).map(({ name, lines }) => {
    let raw = lines[0].slice(lines[0].indexOf(':') + 1);
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    for (let i = 1; i < lines.length; i++) raw += lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    return { name, raw };
  });
}

/** The value the header test compares: unfolded, decoded, without surrounding white space. */
export function headerValue(raw: string): string {
  return decodeEncodedWords(raw.trim());
}
