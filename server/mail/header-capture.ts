import { Transform, type TransformCallback } from 'node:stream';

const MAX_HEADER = 256 * 1024;

/**
 * Passes message content through unchanged and keeps a copy of its header section
 * (up to the first empty line, at most 256 KB), so policy can read header fields
 * such as From once DATA has ended without buffering the body.
 */
export class HeaderCapture extends Transform {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private done = false;
  /**
   * The last three bytes kept (all of them while fewer), so a blank line split across chunks is
   * seen however small they are; the last two chunks were not enough for chunks of a byte or two.
   */
  private seam = '';

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.done) {
      const room = MAX_HEADER - this.kept;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      const atStart = this.kept < 2;
      this.chunks.push(part);
      this.kept += part.length;
      const text = this.seam + part.toString('latin1');
      // The blank line, or CRLF first (no header at all).
      if (text.includes('\r\n\r\n') || (atStart && text.startsWith('\r\n')) || this.kept >= MAX_HEADER) this.done = true;
      this.seam = text.slice(-3);
    }
    cb(null, chunk);
  }

  /** The header section as text (latin1 keeps 8-bit bytes one-to-one), without the empty line. */
  header(): string {
    const text = Buffer.concat(this.chunks).toString('latin1');
    if (text.startsWith('\r\n')) return '';
    const end = text.indexOf('\r\n\r\n');
    return end >= 0 ? text.slice(0, end + 2) : text;
  }
}
