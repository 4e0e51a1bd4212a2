import type net from 'node:net';
import type { Readable } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;
const DOT = Buffer.from('.');
const LF_DOT = Buffer.from('\n.');
const CRLF = Buffer.from('\r\n');
const TERMINATOR = Buffer.from('.\r\n');

/**
 * Byte-stuffs a message for a multi-line response (RFC 1939 section 3): every line that
 * starts with "." gets another "." in front. Works across chunk boundaries and copies
 * only chunks that need a change.
 */
export class DotStuffer {
  private atLineStart = true;

  stuff(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const pieces: Buffer[] = [];
    let from = 0;
    if (this.atLineStart && chunk[0] === DOT[0]) pieces.push(DOT);
    for (let i = chunk.indexOf(LF_DOT); i >= 0; i = chunk.indexOf(LF_DOT, i + 1)) {
      pieces.push(chunk.subarray(from, i + 1), DOT);
      from = i + 1;
    }
    this.atLineStart = chunk[chunk.length - 1] === LF;
    if (pieces.length === 0) return chunk;
    pieces.push(chunk.subarray(from));
    return Buffer.concat(pieces);
  }

  /** The end of the response: a CRLF if the message did not end with a line break, then ".". */
  finish(): Buffer {
    return this.atLineStart ? TERMINATOR : Buffer.concat([CRLF, TERMINATOR]);
  }
}

/**
 * Passes the header, the blank line and the first `bodyLines` lines of the body (TOP),
 * then reports that it is done so the caller can stop reading the file.
 */
export class TopFilter {
  private inHeader = true;
  private linesSent = 0;
  private lineBytes = 0;
  private lastByte = -1;
  done = false;

  constructor(private readonly bodyLines: number) {}

  take(chunk: Buffer): Buffer {
    if (this.done) return chunk.subarray(0, 0);
    let pos = 0;
    while (true) {
      if (!this.inHeader && this.linesSent >= this.bodyLines) {
        this.done = true;
        return chunk.subarray(0, pos);
      }
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) {
        this.lineBytes += chunk.length - pos;
        if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1];
        return chunk;
      }
      const length = this.lineBytes + (nl - pos);
      const beforeLf = nl > pos ? chunk[nl - 1] : this.lastByte;
      const empty = length === 0 || (length === 1 && beforeLf === CR);
      if (this.inHeader) {
        if (empty) this.inHeader = false;
      } else {
        this.linesSent++;
      }
      this.lineBytes = 0;
      this.lastByte = LF;
      pos = nl + 1;
    }
  }
}

/** Waits until the socket can take more, or is gone (then resolves false). */
function drained(socket: net.Socket): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const done = (ok: boolean) => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      resolve(ok);
    };
    socket.once('drain', onDrain);
    socket.once('close', onClose);
  });
}

/**
 * Sends an already-opened message file as the body of a multi-line response, streaming
 * it with backpressure so a large message never sits in memory. Returns false if the
 * client went away before the end.
 */
export async function sendMessageBody(stream: Readable, socket: net.Socket, topLines?: number): Promise<boolean> {
  const stuffer = new DotStuffer();
  const top = topLines === undefined ? undefined : new TopFilter(topLines);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const wanted = top ? top.take(chunk) : chunk;
      if (wanted.length > 0 && !socket.write(stuffer.stuff(wanted)) && !(await drained(socket))) return false;
      if (socket.destroyed) return false;
      if (top?.done) break;
    }
  } finally {
    stream.destroy();
  }
  if (socket.destroyed) return false;
  socket.write(stuffer.finish());
  return true;
}
