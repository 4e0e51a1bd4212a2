import fs from 'node:fs';
import path from 'node:path';
import { isMbox, splitMbox } from '../mail/mbox';

export { isMbox, splitMbox };

/**
 * Where `pillarbox learn` and `pillarbox classify` find messages: files (one message
 * each), mbox files (detected by their "From " first line), and directories walked
 * recursively (maildir, MH, or any folder of .eml files).
 */

export interface SourceMessage {
  /** "path" for a single message, "path#n" (1-based) for the nth message of an mbox. */
  name: string;
  raw: Buffer;
}

/**
 * A header field's first line: a field name, then ":". RFC 5322 allows any printable
 * character but ":" in a name; real ones are letters, digits and "-" (a few "_" or "."),
 * and the narrower pattern keeps out JSON ('{"id":') and similar index files.
 */
const FIELD_LINE = /^[A-Za-z0-9][A-Za-z0-9_.-]*[ \t]*:/;

/**
 * Whether a file holds mail: its first line is a header field or an mbox envelope line.
 * What mail programs keep beside the messages does not (Dovecot's dovecot.index and
 * dovecot-uidlist, Courier's courierimapuiddb, maildirfolder, subscriptions, JSON or
 * binary indexes), and learning those would teach the filter their contents.
 */
export function looksLikeMail(buf: Buffer): boolean {
  const eol = buf.indexOf(10);
  const first = buf.toString('latin1', 0, eol < 0 ? Math.min(buf.length, 200) : Math.min(eol, 200));
  return FIELD_LINE.test(first) || first.startsWith('From ');
}

/**
 * Every message under the given paths, in a stable order; unreadable paths throw. A file
 * that is not mail (looksLikeMail) is passed to onSkip and yields nothing, unless
 * forceMbox says every file is an mbox.
 */
export function* readMessages(paths: readonly string[], forceMbox = false, onSkip?: (path: string) => void, read: (file: string) => Buffer = fs.readFileSync): IterableIterator<SourceMessage> {
  for (const p of paths) {
    // Read first and look at the entry only when that fails: one system call fewer per message.
    let raw: Buffer;
    try {
      raw = read(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EISDIR') throw e;
      yield* readMessages(
        fs.readdirSync(p).filter((n) => !n.startsWith('.')).sort().map((n) => path.join(p, n)),
        forceMbox,
        onSkip,
        read,
      );
      continue;
    }
    if (raw.length === 0) continue;
    if (forceMbox || isMbox(raw)) {
      const messages = splitMbox(raw);
      // A single-message file that merely starts with an envelope line is still one message.
      if (messages.length === 1) yield { name: p, raw: messages[0] };
      else for (let i = 0; i < messages.length; i++) yield { name: `${p}#${i + 1}`, raw: messages[i] };
      continue;
    }
    // After the mbox check, which looks at five bytes for most files: an mbox is mail, so its first line is read once.
    if (!looksLikeMail(raw)) {
      onSkip?.(p);
      continue;
    }
    yield { name: p, raw };
  }
}

/**
 * A reader for readMessages whose answer is valid only until its next call: the file read
 * into one buffer kept from file to file. `pillarbox classify` reads thousands of files and
 * keeps none; a fresh buffer each (readFileSync) cost it three times the CPU of the reads.
 */
export function reusingReader(): (file: string) => Buffer {
  let buf = Buffer.allocUnsafe(256 * 1024);
  return (file) => {
    const fd = fs.openSync(file, 'r');
    try {
      let n = 0;
      for (;;) {
        const got = fs.readSync(fd, buf, n, buf.length - n, null);
        if (got === 0) return buf.subarray(0, n);
        n += got;
        if (n === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger);
          buf = bigger;
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  };
}

/**
 * The paths with each directory replaced by the files readMessages would read in it,
 * in the same order (so a run can be split between threads); anything that is not a
 * directory, readable or not, stays as given.
 */
export function expandDirectories(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    let names: string[];
    try {
      names = fs.readdirSync(p);
    } catch {
      files.push(p);
      continue;
    }
    files.push(...expandDirectories(names.filter((n) => !n.startsWith('.')).sort().map((n) => path.join(p, n))));
  }
  return files;
}
