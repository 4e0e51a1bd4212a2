import { Transform, type TransformCallback } from 'node:stream';

const DOT = Buffer.from('.');
const LF = 0x0a;

/**
 * SMTP DATA transparency (RFC 5321 4.5.2): a line that starts with "." gets a second
 * one, and the stream ends with "<CRLF>.<CRLF>". Works across chunk boundaries, so a
 * spool file can be streamed as it is read.
 */
export class DotStuffer extends Transform {
  private atLineStart = true;
  private lastTwo = Buffer.alloc(0);
  private sawData = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk.length === 0) return callback();
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
    callback(null, Buffer.concat(parts));
  }

  override _flush(callback: TransformCallback): void {
    const endsWithCrlf = this.lastTwo.toString('latin1') === '\r\n';
    callback(null, Buffer.from(!this.sawData || endsWithCrlf ? '.\r\n' : '\r\n.\r\n'));
  }
}
