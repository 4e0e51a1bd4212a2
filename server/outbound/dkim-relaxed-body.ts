import crypto from 'node:crypto';

const CRLF = Buffer.from('\r\n');
const TAB = 0x09;

/**
 * The base64 SHA-256 of a body in DKIM's relaxed canonicalization (RFC 6376 3.4.4), for a
 * body whose line ends are all CRLF (SpooledMessage makes them so): runs of spaces and tabs
 * become one space, spaces and tabs at line ends go, empty lines at the end go, and a
 * non-empty body ends with one CRLF. The same bytes as mailauth's RelaxedHash (the verifier
 * the engine uses; a test compares both on random bodies), without its byte-by-byte stream.
 * Like mailauth, a last line without CRLF keeps a single trailing space.
 */
export function relaxedBodyHash(body: Buffer): string {
  const hash = crypto.createHash('sha256');
  // Most bodies are canonical already but for their trailing empty lines: hash them as they are.
  if (body.indexOf(TAB) < 0 && body.indexOf('  ') < 0 && body.indexOf(' \r\n') < 0) {
    const end = contentEnd(body);
    if (end > 0) hash.update(body.subarray(0, end)).update(CRLF);
    return hash.digest('base64');
  }
  const parts: string[] = [];
  let start = 0;
  while (start < body.length) {
    const lf = body.indexOf(CRLF, start);
    const line = body.toString('latin1', start, lf < 0 ? body.length : lf);
    // mailauth fixes an unterminated last line only for a tab or two spaces in it.
    const fix = lf >= 0 || line.includes('\t') || line.includes('  ');
    parts.push(fix ? line.replace(/[ \t]+/g, ' ').replace(/ $/, '') : line, lf < 0 ? '' : '\r\n');
    if (lf < 0) break;
    start = lf + 2;
  }
  const canonical = Buffer.from(parts.join(''), 'latin1');
  const end = contentEnd(canonical);
  if (end > 0) hash.update(canonical.subarray(0, end)).update(CRLF);
  return hash.digest('base64');
}

/** Where the trailing CR and LF bytes (the empty lines at the end) begin. */
function contentEnd(body: Buffer): number {
  let end = body.length;
  while (end > 0 && (body[end - 1] === 0x0a || body[end - 1] === 0x0d)) end--;
  return end;
}
