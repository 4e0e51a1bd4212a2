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

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.done) {
      const room = MAX_HEADER - this.kept;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(part);
      this.kept += part.length;
      // Look for the blank line across the chunk seam too.
      const tail = Buffer.concat(this.chunks.slice(-2)).toString('latin1');
      if (tail.includes('\r\n\r\n') || this.kept >= MAX_HEADER || this.startsWithBlankLine()) this.done = true;
    }
    cb(null, chunk);
  }

  private startsWithBlankLine(): boolean {
    return this.kept >= 2 && this.chunks[0][0] === 0x0d && this.chunks[0][1] === 0x0a;
  }

  /** The header section as text (latin1 keeps 8-bit bytes one-to-one), without the empty line. */
  header(): string {
    const text = Buffer.concat(this.chunks).toString('latin1');
    if (text.startsWith('\r\n')) return '';
    const end = text.indexOf('\r\n\r\n');
    return end >= 0 ? text.slice(0, end + 2) : text;
  }
}
