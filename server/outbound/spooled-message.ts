import fs from 'node:fs';
import { Readable } from 'node:stream';
import { CrlfTransform, normalizeLineEnds } from './line-ends';

/** Where a message's bytes are, for another thread: in memory, or in the spool file after `skip` bytes (line ends not yet made CRLF). */
export type MessageSource = { content: Uint8Array } | { file: string; skip: number };

/** Messages up to this size are read into memory once per delivery attempt. */
const IN_MEMORY_LIMIT = 1024 * 1024;
/** Messages up to this size are read with one blocking read (from the page cache, microseconds). */
const SYNC_READ_LIMIT = 64 * 1024;

function readAt(fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buffer, offset, length, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead))));
}

/**
 * The message as it goes on the wire: the spool file after its local-only prefix.
 * A delivery attempt reads it several times (size and 8-bit scan, the From field for
 * DKIM, the signature, the transmission itself); a small message is read from disk
 * once and served from memory, a large one is streamed from the file each time.
 * Every reader gets the content with bare CR and bare LF made CRLF (line-ends.ts), so the
 * DKIM signature covers exactly the bytes that go out.
 */
export class SpooledMessage {
  private constructor(
    private readonly file: string,
    private readonly skip: number,
    /** Bytes after the prefix (for a streamed message, before line ends are made CRLF: a bare CR or LF adds one). */
    readonly size: number,
    private readonly content: Buffer | undefined,
  ) {}

  /** `inMemoryLimit` is for tests. */
  static async load(file: string, skip: number, inMemoryLimit = IN_MEMORY_LIMIT): Promise<SpooledMessage> {
    // The spool file was written and fsynced moments ago, so it is in the page cache: opening,
    // sizing and closing it with blocking calls costs the event loop less than a trip to libuv's
    // thread pool each (they were a sixth of the relay's main-thread samples with DKIM cheap).
    const fd = fs.openSync(file, 'r');
    try {
      const size = Math.max(0, fs.fstatSync(fd).size - skip);
      if (size > inMemoryLimit) return new SpooledMessage(file, skip, size, undefined);
      const content = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        // A typical message is read at once; a larger one (up to the in-memory limit) on the pool.
        const bytesRead = size <= SYNC_READ_LIMIT ? fs.readSync(fd, content, got, size - got, skip + got) : await readAt(fd, content, got, size - got, skip + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const normal = normalizeLineEnds(got === size ? content : content.subarray(0, got));
      return new SpooledMessage(file, skip, normal.length, normal);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The bytes as read (small message) or where to stream them from (large one). */
  source(): MessageSource {
    return this.content ? { content: this.content } : { file: this.file, skip: this.skip };
  }

  /** The message itself when it was read into memory (CRLF line ends), else a fresh stream of it (the DKIM signer takes either). */
  bytes(): Buffer | Readable {
    return this.content ?? this.open();
  }

  /** A fresh stream of the message, after `head` when given (a DKIM-Signature). */
  open(head?: Buffer): Readable {
    if (this.content) return Readable.from([head ? Buffer.concat([head, this.content]) : this.content], { objectMode: false });
    const file = fs.createReadStream(this.file, { start: this.skip });
    const rest = file.pipe(new CrlfTransform());
    file.once('error', (err) => rest.destroy(err));
    rest.once('close', () => file.destroy());
    if (!head) return rest;
    return Readable.from(
      (async function* () {
        yield head;
        yield* rest;
      })(),
      { objectMode: false },
    );
  }

  /** The header section (up to the empty line), at most 256 KB of it, as latin1 text. */
  async header(): Promise<string> {
    if (this.content) {
      const end = this.content.indexOf('\r\n\r\n');
      return this.content.toString('latin1', 0, end >= 0 ? end + 2 : Math.min(this.content.length, 256 * 1024));
    }
    let text = '';
    const file = fs.createReadStream(this.file, { start: this.skip, highWaterMark: 16 * 1024 });
    try {
      for await (const chunk of file.pipe(new CrlfTransform())) {
        text += (chunk as Buffer).toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end >= 0) return text.slice(0, end + 2);
        if (text.length > 256 * 1024) break;
      }
      return text;
    } finally {
      // Left before its end, the file would stay open.
      file.destroy();
    }
  }
}
