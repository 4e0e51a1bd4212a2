/** One argument of a ManageSieve command: an atom (command names, numbers) or a string (quoted or literal). */
export type Arg = { kind: 'atom'; value: string } | { kind: 'string'; value: string };

export type ReadEvent =
  | { kind: 'command'; args: Arg[] }
  /** A command that could not be parsed; the rest of its line was skipped. */
  | { kind: 'bad'; message: string }
  /** Over a limit: the session should say BYE and close. */
  | { kind: 'fatal'; message: string };

export interface ReaderLimits {
  /** Longest line outside literals. */
  maxLine: number;
  /** Largest literal. */
  maxLiteral: number;
}

type Parse =
  | { done: true; event: ReadEvent; consumed: number }
  /** `line`: the parse stopped at the end of the buffer inside a line of that many bytes so far. */
  | { done: false; need: number; line?: number }
  /** A literal over the limit starts at `consumed`: its `skip` bytes are dropped, then the rest of its line. */
  | { done: 'refuse'; consumed: number; skip: number; message: string };

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;

/**
 * Splits the client's bytes into commands (RFC 5804 section 4): atoms, quoted strings and
 * literals `{n+}`/`{n}` (both read at once: ManageSieve has no literal continuation), ending with
 * CRLF. Only complete commands come out; a partial one waits in the buffer within the limits.
 */
export class CommandReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** Bytes the buffer must reach before a parse can succeed (a literal in transit). */
  private need = 0;
  /** Chunks that came while `need` was not reached: joined once, when it is, not at every chunk. */
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  /** Bytes of a refused literal still to come: dropped as they arrive, never held. */
  private skipping = 0;
  /** The refusal reported once the rest of the refused literal's line has gone by. */
  private refused: string | undefined;
  /**
   * Bytes of the incomplete line at the end of the buffer, while no LF has come: pieces without
   * one are counted against the limit, not parsed again from the start of the line, which made a
   * line sent a byte at a time cost its length squared (12 s of CPU for 8 KB, before login).
   */
  private lineSoFar: number | undefined;
  /**
   * Where the last parse stopped for want of bytes: the arguments complete before it and the
   * start of the one it stopped in, so the next parse goes on from there instead of from the
   * start of the line (a line of many literals, each in a read of its own, was quadratic too).
   * Dropped whenever the buffer's start is consumed.
   */
  private resume: { at: number; lineBytes: number; args: Arg[] } | undefined;

  constructor(private readonly limits: () => ReaderLimits) {}

  push(chunk: Buffer): ReadEvent[] {
    const events: ReadEvent[] = [];
    let data = chunk;
    if (this.skipping > 0) {
      const n = Math.min(this.skipping, data.length);
      this.skipping -= n;
      data = data.subarray(n);
    }
    if (data.length === 0) return events;
    this.waiting.push(data);
    this.waitingBytes += data.length;
    if (this.buffer.length + this.waitingBytes < this.need) return events;
    if (this.lineSoFar !== undefined && data.indexOf(LF) < 0) {
      this.lineSoFar += data.length;
      // A CR at the end counts only if no LF follows it (CRLF is not part of the line).
      const pendingCr = this.refused === undefined && data[data.length - 1] === CR ? 1 : 0;
      if (this.lineSoFar - pendingCr <= this.limits().maxLine) return events;
      events.push({ kind: 'fatal', message: 'line too long' });
      this.reset();
      return events;
    }
    this.lineSoFar = undefined;
    this.buffer = Buffer.concat([this.buffer, ...this.waiting]);
    this.waiting = [];
    this.waitingBytes = 0;
    while (this.buffer.length > 0 && this.buffer.length >= this.need) {
      if (this.refused !== undefined) {
        // After a refused literal: drop the rest of its line, then say why.
        const nl = this.buffer.indexOf(LF);
        if (nl < 0) {
          if (this.buffer.length <= this.limits().maxLine) {
            this.need = this.buffer.length + 1;
            this.lineSoFar = this.buffer.length;
            break;
          }
          events.push({ kind: 'fatal', message: 'line too long' });
          this.reset();
          break;
        }
        events.push({ kind: 'bad', message: this.refused });
        this.refused = undefined;
        this.buffer = this.buffer.subarray(nl + 1);
        this.need = 0;
        continue;
      }
      const r = this.parse();
      if (r.done !== false) this.resume = undefined;
      if (r.done === 'refuse') {
        const rest = this.buffer.subarray(r.consumed);
        const n = Math.min(r.skip, rest.length);
        this.skipping = r.skip - n;
        this.buffer = rest.subarray(n);
        this.refused = r.message;
        this.need = 0;
        continue;
      }
      if (!r.done) {
        this.need = r.need;
        this.lineSoFar = r.line;
        break;
      }
      this.need = 0;
      this.buffer = this.buffer.subarray(r.consumed);
      events.push(r.event);
      if (r.event.kind === 'fatal') {
        this.reset();
        break;
      }
    }
    return events;
  }

  /** Forgets buffered input (after STARTTLS nothing sent in the clear may be used). */
  reset(): void {
    this.buffer = Buffer.alloc(0);
    this.need = 0;
    this.waiting = [];
    this.waitingBytes = 0;
    this.skipping = 0;
    this.refused = undefined;
    this.lineSoFar = undefined;
    this.resume = undefined;
  }

  private parse(): Parse {
    const b = this.buffer;
    const { maxLine, maxLiteral } = this.limits();
    const cursor = this.resume ?? { at: 0, lineBytes: 0, args: [] };
    this.resume = cursor;
    const args = cursor.args;
    let i = cursor.at;
    let lineBytes = cursor.lineBytes;
    const bad = (message: string): Parse => {
      const nl = b.indexOf(LF, i);
      if (nl < 0) return lineBytes + (b.length - i) > maxLine ? { done: true, event: { kind: 'fatal', message: 'line too long' }, consumed: b.length } : { done: false, need: b.length + 1, line: lineBytes + (b.length - i) };
      return { done: true, event: { kind: 'bad', message }, consumed: nl + 1 };
    };
    for (;;) {
      // Every return that waits for more bytes happens inside the token starting here.
      cursor.at = i;
      cursor.lineBytes = lineBytes;
      if (i >= b.length) return this.incomplete(i, lineBytes, maxLine);
      const c = b[i];
      if (c === CR || c === LF) {
        if (c === CR) {
          if (i + 1 >= b.length) return { done: false, need: i + 2 };
          if (b[i + 1] !== LF) return bad('a CR without LF');
          i += 2;
        } else i += 1;
        // The same limit whether the line came in one piece or several (see incomplete()).
        if (lineBytes > maxLine) return { done: true, event: { kind: 'fatal', message: 'line too long' }, consumed: i };
        if (args.length === 0) return { done: true, event: { kind: 'bad', message: 'empty command' }, consumed: i };
        return { done: true, event: { kind: 'command', args }, consumed: i };
      }
      if (c === SP) {
        i++;
        lineBytes++;
        continue;
      }
      if (c === QUOTE) {
        let j = i + 1;
        const out: number[] = [];
        for (;;) {
          if (j >= b.length) return this.incomplete(j, lineBytes + (j - i), maxLine);
          const d = b[j];
          if (d === QUOTE) break;
          if (d === CR || d === LF) return bad('a quoted string cannot contain a line break; use a literal');
          if (d === BACKSLASH) {
            if (j + 1 >= b.length) return this.incomplete(j + 1, lineBytes + (j + 1 - i), maxLine);
            const e = b[j + 1];
            if (e !== QUOTE && e !== BACKSLASH) return bad('only \\" and \\\\ may be escaped in a quoted string');
            out.push(e);
            j += 2;
            continue;
          }
          out.push(d);
          j++;
        }
        args.push({ kind: 'string', value: Buffer.from(out).toString('utf8') });
        lineBytes += j + 1 - i;
        i = j + 1;
        continue;
      }
      if (c === LBRACE) {
        const close = b.indexOf(LF, i);
        if (close < 0) return this.incomplete(b.length, lineBytes + (b.length - i), maxLine);
        const header = b.subarray(i, close + 1).toString('latin1');
        const m = /^\{(\d{1,10})(\+?)\}\r?\n$/.exec(header);
        if (!m) return bad('a literal is {number+} followed by CRLF');
        const size = Number(m[1]);
        const start = close + 1;
        if (size > maxLiteral) {
          // The client sends the bytes anyway ({n+}): they are dropped as they come (a client
          // announcing gigabytes must not make the server hold them), then the rest of the line.
          return { done: 'refuse', consumed: start, skip: size, message: `a literal can have at most ${maxLiteral} bytes` };
        }
        if (b.length < start + size) return { done: false, need: start + size };
        args.push({ kind: 'string', value: b.subarray(start, start + size).toString('utf8') });
        lineBytes += start - i;
        i = start + size;
        continue;
      }
      let j = i;
      while (j < b.length && b[j] !== SP && b[j] !== CR && b[j] !== LF && b[j] !== QUOTE && b[j] !== LBRACE) j++;
      if (j >= b.length) return this.incomplete(j, lineBytes + (j - i), maxLine);
      args.push({ kind: 'atom', value: b.subarray(i, j).toString('latin1') });
      lineBytes += j - i;
      i = j;
    }
  }

  /** The parse reached the end of the buffer (`at`) inside a line of `lineBytes` bytes. */
  private incomplete(at: number, lineBytes: number, maxLine: number): Parse {
    if (lineBytes > maxLine) return { done: true, event: { kind: 'fatal', message: 'line too long' }, consumed: this.buffer.length };
    return { done: false, need: at + 1, line: lineBytes };
  }
}
