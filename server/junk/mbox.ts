import fs from 'node:fs';
import path from 'node:path';

/**
 * Where `pillarbox learn` and `pillarbox classify` find messages: files (one message
 * each), mbox files (detected by their "From " first line), and directories walked
 * recursively (maildir, MH, or any folder of .eml files).
 */

/** An mbox separator: "From sender Day Mon DD HH:MM…", the asctime date mbox writers use. */
const SEPARATOR = /^From \S*[ \t]+(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +\d{1,2}:\d{2}/;

export function isMbox(buf: Buffer): boolean {
  if (buf.length < 5 || buf.toString('latin1', 0, 5) !== 'From ') return false;
  const eol = buf.indexOf(10);
  return SEPARATOR.test(buf.toString('latin1', 0, eol < 0 ? Math.min(buf.length, 200) : eol));
}

/**
 * Splits an mbox into messages: a separator line starts a message when it is the first
 * line or follows a blank line. The separator itself is dropped and ">From " quoting
 * undone (mboxrd; harmless for mboxo).
 */
export function splitMbox(buf: Buffer): Buffer[] {
  // No other line starts with "From ": one message, without walking its lines.
  if (buf.indexOf('\nFrom ', 0, 'latin1') < 0) {
    const bodyStart = buf.indexOf(10) + 1;
    return bodyStart <= 0 || bodyStart >= buf.length || !SEPARATOR.test(buf.toString('latin1', 0, Math.min(bodyStart, 200))) ? [] : [unquoteFrom(buf.subarray(bodyStart))];
  }
  const starts: number[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const eol = buf.indexOf(10, pos);
    const lineEnd = eol < 0 ? buf.length : eol;
    if (buf[pos] === 70 && (pos === 0 || isBlankLineBefore(buf, pos)) && SEPARATOR.test(buf.toString('latin1', pos, Math.min(lineEnd, pos + 200)))) {
      starts.push(pos);
    }
    pos = lineEnd + 1;
  }
  const messages: Buffer[] = [];
  for (let i = 0; i < starts.length; i++) {
    const bodyStart = buf.indexOf(10, starts[i]) + 1;
    let end = i + 1 < starts.length ? starts[i + 1] : buf.length;
    // The blank line before the next separator belongs to the mbox, not to the message.
    if (i + 1 < starts.length) end = end - (buf[end - 2] === 13 ? 2 : 1);
    if (bodyStart <= 0 || bodyStart >= end) continue;
    messages.push(unquoteFrom(buf.subarray(bodyStart, end)));
  }
  return messages;
}

function isBlankLineBefore(buf: Buffer, pos: number): boolean {
  // pos is the start of a line; the previous line is blank when it is "\n" or "\r\n" alone.
  if (pos < 1 || buf[pos - 1] !== 10) return false;
  if (pos === 1) return true;
  if (buf[pos - 2] === 10) return true;
  return buf[pos - 2] === 13 && (pos === 2 || buf[pos - 3] === 10);
}

function unquoteFrom(msg: Buffer): Buffer {
  if (!msg.includes('\n>From ') && !msg.includes('\n>>From ')) return msg;
  return Buffer.from(msg.toString('latin1').replace(/^>(>*From )/gm, '$1'), 'latin1');
}

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
export function* readMessages(paths: readonly string[], forceMbox = false, onSkip?: (path: string) => void): IterableIterator<SourceMessage> {
  for (const p of paths) {
    // Read first and look at the entry only when that fails: one system call fewer per message.
    let raw: Buffer;
    try {
      raw = fs.readFileSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EISDIR') throw e;
      yield* readMessages(
        fs.readdirSync(p).filter((n) => !n.startsWith('.')).sort().map((n) => path.join(p, n)),
        forceMbox,
        onSkip,
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
