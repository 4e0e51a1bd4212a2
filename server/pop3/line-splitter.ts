/** One unit of client input: a complete line, or the news that a line was too long and was dropped. */
export type LineEvent = { kind: 'line'; text: string } | { kind: 'too-long' };

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines (LF or CRLF). A line longer than the limit is not
 * kept: its bytes are dropped as they arrive and a single `too-long` event takes its
 * place once its end is seen, so a client cannot make the server buffer without bound.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(private readonly maxLength: () => number) {}

  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    const max = this.maxLength();
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(LF, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.discarding) {
        // One byte of slack for the CR that may precede the LF.
        if (this.size + (end - start) > max + 1) {
          this.discarding = true;
          this.parts = [];
          this.size = 0;
        } else if (end > start) {
          this.parts.push(chunk.subarray(start, end));
          this.size += end - start;
        }
      }
      if (nl < 0) break;
      events.push(this.finishLine(max));
      start = nl + 1;
    }
    return events;
  }

  /** Forgets any partial line (after STLS, input sent before the handshake must not be used). */
  reset(): void {
    this.parts = [];
    this.size = 0;
    this.discarding = false;
  }

  private finishLine(max: number): LineEvent {
    const discarded = this.discarding;
    let line = Buffer.concat(this.parts, this.size);
    this.reset();
    if (discarded) return { kind: 'too-long' };
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    if (line.length > max) return { kind: 'too-long' };
    return { kind: 'line', text: line.toString('utf8') };
  }
}
