import { Transform, type TransformCallback } from 'node:stream';

/**
 * Message content as it goes to the spool: bare LF line ends become CRLF (Postfix
 * 3.9's smtpd_forbid_bare_newline = normalize; the end of DATA is still only
 * CRLF.CRLF, which smtp-server enforces, so nothing can be smuggled as a second
 * message). Counts bytes and stops writing once `limit` is passed, while the rest
 * is still read and discarded, so an oversized message never fills the disk.
 */
export class LineNormalizer extends Transform {
  bytes = 0;
  exceeded = false;
  private lastWasCR = false;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    // An empty chunk says nothing about the byte before the next one (a CR may be pending).
    if (this.exceeded || chunk.length === 0) return done();
    let out: Buffer = chunk;
    if (chunk.includes(0x0a)) {
      const parts: Buffer[] = [];
      let start = 0;
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== 0x0a) continue;
        const prevIsCR = i > 0 ? chunk[i - 1] === 0x0d : this.lastWasCR;
        if (!prevIsCR) {
          parts.push(chunk.subarray(start, i), CRLF);
          start = i + 1;
        }
      }
      if (parts.length) {
        parts.push(chunk.subarray(start));
        out = Buffer.concat(parts);
      }
    }
    this.lastWasCR = chunk[chunk.length - 1] === 0x0d;
    this.bytes += out.length;
    if (this.limit > 0 && this.bytes > this.limit) {
      this.exceeded = true;
      return done();
    }
    done(null, out);
  }
}

const CRLF = Buffer.from('\r\n');
