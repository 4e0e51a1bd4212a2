import { Transform, type TransformCallback } from 'node:stream';
import { CrlfNormalizer } from './line-ends';

const DOT = Buffer.from('.');
const LF = 0x0a;

/**
 * SMTP DATA transparency (RFC 5321 4.5.2): line ends made CRLF first (bare CR and bare
 * LF, see line-ends.ts), then a line that starts with "." gets a second one, and the
 * stream ends with "<CRLF>.<CRLF>". Works across chunk boundaries, so a spool file can
 * be streamed as it is read.
 */
export class DotStuffer extends Transform {
  private atLineStart = true;
  private lastTwo = Buffer.alloc(0);
  private sawData = false;
  private readonly lineEnds = new CrlfNormalizer();

  override _transform(input: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    callback(null, this.stuff(this.lineEnds.push(input)));
  }

  private stuff(chunk: Buffer): Buffer | undefined {
    if (chunk.length === 0) return undefined;
    this.sawData = true;
    const parts: Buffer[] = [];
    let start = 0;
    if (this.atLineStart && chunk[0] === DOT[0]) parts.push(DOT);
    let i = chunk.indexOf('\n.');
    while (i >= 0) {
      parts.push(chunk.subarray(start, i + 1), DOT);
      start = i + 1;
      i = chunk.indexOf('\n.', i + 1);
    }
    parts.push(chunk.subarray(start));
    this.atLineStart = chunk[chunk.length - 1] === LF;
    this.lastTwo = Buffer.concat([this.lastTwo, chunk.subarray(-2)]).subarray(-2);
    return Buffer.concat(parts);
  }

  override _flush(callback: TransformCallback): void {
    const tail = this.stuff(this.lineEnds.end());
    const endsWithCrlf = this.lastTwo.toString('latin1') === '\r\n';
    const end = Buffer.from(!this.sawData || endsWithCrlf ? '.\r\n' : '\r\n.\r\n');
    callback(null, tail ? Buffer.concat([tail, end]) : end);
  }
}
