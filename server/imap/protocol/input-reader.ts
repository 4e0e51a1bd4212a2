import type { Duplex } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;
/** Above this many unread bytes the socket is paused until the session catches up. */
const HIGH_WATER = 256 * 1024;

export type LineResult =
  | { kind: 'line'; line: Buffer }
  /** The line was longer than allowed; its bytes were dropped. `head` is its start, for the tag. */
  | { kind: 'too-long'; head: Buffer }
  | { kind: 'closed' };

/**
 * Pull-style reader over a client socket: the session asks for the next line or the
 * next n literal bytes. Input is buffered only up to a high-water mark (then the
 * socket is paused), and an over-long line is discarded as it arrives, so no client
 * can make the server hold unbounded input.
 */
export class InputReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private socket?: Duplex;
  private ended = false;
  private wake?: () => void;
  private readonly onData = (chunk: Buffer) => {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered > HIGH_WATER) this.socket?.pause();
    this.notify();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.notify();
  };

  attach(socket: Duplex): void {
    this.detach();
    this.socket = socket;
    this.ended = false;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.resume();
  }

  /**
   * Stops reading from the socket and forgets buffered input (STARTTLS: nothing sent
   * before the handshake counts). A pending read ends as `closed` unless a new socket is attached.
   */
  detach(): void {
    const s = this.socket;
    if (s) {
      s.off('data', this.onData);
      s.off('end', this.onEnd);
      s.off('close', this.onEnd);
    }
    this.socket = undefined;
    this.chunks = [];
    this.buffered = 0;
    this.ended = true;
    this.notify();
  }

  /** True when unread input is waiting (a pipelining client, or input sent too early). */
  get hasBuffered(): boolean {
    return this.buffered > 0;
  }

  /** Reads one line without its CRLF (or bare LF). Lines longer than `maxLength` come back as `too-long`. */
  async readLine(maxLength: number): Promise<LineResult> {
    const parts: Buffer[] = [];
    let size = 0;
    let head: Buffer | undefined;
    for (;;) {
      while (this.chunks.length > 0) {
        const chunk = this.chunks[0];
        const nl = chunk.indexOf(LF);
        const end = nl < 0 ? chunk.length : nl;
        if (head === undefined) {
          // One byte of slack for the CR before the LF.
          if (size + end > maxLength + 1) {
            head = Buffer.concat([...parts, chunk.subarray(0, Math.min(end, 64))]).subarray(0, 64);
            parts.length = 0;
          } else {
            parts.push(chunk.subarray(0, end));
          }
        }
        size += end;
        this.consume(nl < 0 ? chunk.length : nl + 1);
        if (nl >= 0) {
          if (head !== undefined) return { kind: 'too-long', head };
          let line = parts.length === 1 ? parts[0] : Buffer.concat(parts);
          if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
          return { kind: 'line', line };
        }
      }
      if (this.ended) return { kind: 'closed' };
      await this.waitForData();
    }
  }

  /** Reads exactly n bytes (a literal); undefined if the connection closed first. */
  async readExact(n: number): Promise<Buffer | undefined> {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      if (this.chunks.length === 0) {
        if (this.ended) return undefined;
        await this.waitForData();
        continue;
      }
      const chunk = this.chunks[0];
      const take = Math.min(need, chunk.length);
      parts.push(chunk.subarray(0, take));
      this.consume(take);
      need -= take;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
  }

  /** Reads and drops n bytes (a literal the server refused but the client sends anyway). */
  async skip(n: number): Promise<boolean> {
    let need = n;
    while (need > 0) {
      if (this.chunks.length === 0) {
        if (this.ended) return false;
        await this.waitForData();
        continue;
      }
      const take = Math.min(need, this.chunks[0].length);
      this.consume(take);
      need -= take;
    }
    return true;
  }

  private consume(n: number): void {
    const chunk = this.chunks[0];
    if (n >= chunk.length) this.chunks.shift();
    else this.chunks[0] = chunk.subarray(n);
    this.buffered -= Math.min(n, chunk.length);
    if (this.buffered <= HIGH_WATER / 2 && this.socket?.isPaused()) this.socket.resume();
  }

  private waitForData(): Promise<void> {
    if (this.socket?.isPaused()) this.socket.resume();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
