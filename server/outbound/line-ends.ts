import { Transform, type TransformCallback } from 'node:stream';

const CR = 0x0d;
const LF = 0x0a;
const CRLF = Buffer.from('\r\n');

/**
 * Line ends for the next hop: every bare CR and every bare LF becomes CRLF, so what a
 * receiving server sees as a line is what the engine saw (against SMTP smuggling: a
 * "\r.\r" or "\n.\n" in a message can no longer end its DATA early at a lenient server,
 * and the dot-stuffing that follows sees every line start). Inbound SMTP already turns
 * bare LF into CRLF; bare CR was kept as it came. Works across chunk boundaries: a CR at
 * the end of a chunk waits for the next one to know whether an LF follows.
 */
export class CrlfNormalizer {
  private pendingCr = false;

  /** The chunk with its line ends made CRLF; the chunk itself when nothing changes. */
  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let start = 0;
    let pos = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      out.push(CRLF);
      // A held CR followed by LF: the pair goes out as one CRLF.
      if (chunk.length > 0 && chunk[0] === LF) start = pos = 1;
    }
    let cr = chunk.indexOf(CR, pos);
    let lf = chunk.indexOf(LF, pos);
    while (cr >= 0 || lf >= 0) {
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        if (cr + 1 === chunk.length) {
          // Undecided until the next chunk (or the end).
          out.push(chunk.subarray(start, cr));
          start = chunk.length;
          this.pendingCr = true;
          break;
        }
        if (chunk[cr + 1] === LF) {
          // A proper CRLF: keep it.
          pos = cr + 2;
          lf = chunk.indexOf(LF, pos);
        } else {
          out.push(chunk.subarray(start, cr), CRLF);
          start = pos = cr + 1;
        }
        cr = chunk.indexOf(CR, pos);
      } else {
        // A bare LF (one after a CR was skipped with its CR).
        out.push(chunk.subarray(start, lf), CRLF);
        start = pos = lf + 1;
        lf = chunk.indexOf(LF, pos);
      }
    }
    if (out.length === 0) return chunk;
    if (start < chunk.length) out.push(chunk.subarray(start));
    return Buffer.concat(out);
  }

  /** What is still held (a CR at the very end becomes CRLF). */
  end(): Buffer {
    if (!this.pendingCr) return Buffer.alloc(0);
    this.pendingCr = false;
    return CRLF;
  }
}

/** A whole message in memory, normalised; the same buffer when it has no bare CR or LF. */
export function normalizeLineEnds(message: Buffer): Buffer {
  const n = new CrlfNormalizer();
  const body = n.push(message);
  const tail = n.end();
  return tail.length ? Buffer.concat([body, tail]) : body;
}

/** CrlfNormalizer as a stream stage. */
export class CrlfTransform extends Transform {
  private readonly normalizer = new CrlfNormalizer();

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const out = this.normalizer.push(chunk);
    callback(null, out.length ? out : undefined);
  }

  override _flush(callback: TransformCallback): void {
    const tail = this.normalizer.end();
    callback(null, tail.length ? tail : undefined);
  }
}
