import fs from 'node:fs';

/**
 * mbox files (the mboxo/mboxrd family): messages separated by "From " envelope lines.
 * `splitMbox` splits a buffer in memory (the junk filter's inputs); `readMbox` streams a
 * file of any size, message by message, with each message's envelope line (migration).
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

export function unquoteFrom(msg: Buffer): Buffer {
  if (!msg.includes('\n>From ') && !msg.includes('\n>>From ')) return msg;
  return Buffer.from(msg.toString('latin1').replace(/^>(>*From )/gm, '$1'), 'latin1');
}

/** One message of an mbox: its envelope line ("From sender date", without the line end) and its bytes. */
export interface MboxMessage {
  envelope: string;
  raw: Buffer;
}

/**
 * Reads an mbox file message by message without holding more than one message in memory.
 * A separator starts a message when it is the first line or follows a blank line; the blank
 * line before a separator (and at the end of the file) belongs to the mbox, not the message.
 * ">From " quoting is undone. Bytes before the first separator are not mail: an error.
 */
export async function* readMbox(file: string): AsyncGenerator<MboxMessage> {
  let lines: Buffer[] = [];
  let envelope: string | undefined;
  let previousBlank = true;
  let tail = Buffer.alloc(0);
  const finish = (): MboxMessage | undefined => {
    if (envelope === undefined) return undefined;
    const last = lines.at(-1);
    if (last && isBlankLine(last)) lines.pop();
    const message = { envelope, raw: unquoteFrom(Buffer.concat(lines)) };
    lines = [];
    return message;
  };
  const take = function* (line: Buffer): Generator<MboxMessage> {
    if (previousBlank && line[0] === 70 && SEPARATOR.test(line.toString('latin1', 0, Math.min(line.length, 200)))) {
      const done = finish();
      if (done) yield done;
      envelope = line.toString('latin1').replace(/\r?\n$/, '');
      previousBlank = false;
      return;
    }
    if (envelope === undefined) {
      if (isBlankLine(line)) return;
      throw new Error(`${file} is not an mbox file: it does not start with a "From " line`);
    }
    lines.push(line);
    previousBlank = isBlankLine(line);
  };
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf = tail.length ? Buffer.concat([tail, chunk]) : chunk;
    let pos = 0;
    for (let eol = buf.indexOf(10, pos); eol >= 0; eol = buf.indexOf(10, pos)) {
      // A copy, so the chunk can be freed once its lines are consumed.
      yield* take(Buffer.from(buf.subarray(pos, eol + 1)));
      pos = eol + 1;
    }
    tail = Buffer.from(buf.subarray(pos));
  }
  if (tail.length) yield* take(tail);
  const done = finish();
  if (done) yield done;
}

function isBlankLine(line: Buffer): boolean {
  return line.length === 0 || (line.length === 1 && line[0] === 10) || (line.length === 2 && line[0] === 13 && line[1] === 10);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The date of an envelope line ("From sender Mon Jan  1 10:00:00 2024", optionally with a
 * zone after the time or the year), taken as UTC when no zone is given; undefined if none.
 */
export function envelopeDate(envelope: string): Date | undefined {
  const m = /(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) +(\d{1,2}):(\d{2})(?::(\d{2}))?(?: +([+-]\d{4}|[A-Z]{3,4}))? +(\d{4})(?: +([+-]\d{4}))?/.exec(envelope);
  if (!m) return undefined;
  const zone = [m[6], m[8]].find((z) => z !== undefined && /^[+-]\d{4}$/.test(z));
  const offsetMinutes = zone ? (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3))) : 0;
  const utc = Date.UTC(Number(m[7]), MONTHS.indexOf(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? 0));
  return new Date(utc - offsetMinutes * 60_000);
}

/** Header fields mbox servers (Dovecot, UW-IMAP, mutt) keep their state in, which are not part of the message. */
const STATE_FIELDS = /^(status|x-status|x-keywords|x-uid|x-imapbase|x-imap|content-length):/i;

/**
 * A message of an mbox with its state fields taken out of the header, and the flags those
 * fields held: Status R (\Seen), X-Status A (\Answered), F (\Flagged), T (\Draft), D
 * (\Deleted), and X-Keywords (keywords, separated by spaces or commas).
 */
export function mboxMessageState(raw: Buffer): { message: Buffer; flags: string[] } {
  let headerEnd = raw.indexOf('\n\n');
  const crlfEnd = raw.indexOf('\r\n\r\n');
  if (crlfEnd >= 0 && (headerEnd < 0 || crlfEnd < headerEnd)) headerEnd = crlfEnd + 2;
  const headerLength = headerEnd < 0 ? raw.length : headerEnd + 1;
  const header = raw.toString('latin1', 0, headerLength);
  const kept: string[] = [];
  const flags: string[] = [];
  let dropping: string | undefined;
  for (const line of header.split(/(?<=\n)/)) {
    if (/^[ \t]/.test(line) && line.trim() !== '') {
      if (dropping === undefined) kept.push(line);
      else if (dropping === 'x-keywords') flags.push(...line.split(/[\s,]+/).filter(Boolean));
      continue;
    }
    dropping = STATE_FIELDS.test(line) ? line.slice(0, line.indexOf(':')).toLowerCase() : undefined;
    if (dropping === undefined) {
      kept.push(line);
      continue;
    }
    const [name, ...value] = line.split(':');
    const v = value.join(':').trim();
    switch (name.toLowerCase()) {
      case 'status':
        if (v.includes('R')) flags.push('\\Seen');
        break;
      case 'x-status':
        if (v.includes('A')) flags.push('\\Answered');
        if (v.includes('F')) flags.push('\\Flagged');
        if (v.includes('T')) flags.push('\\Draft');
        if (v.includes('D')) flags.push('\\Deleted');
        break;
      case 'x-keywords':
        flags.push(...v.split(/[\s,]+/).filter(Boolean));
        break;
    }
  }
  if (kept.length === header.split(/(?<=\n)/).length) return { message: raw, flags };
  return { message: Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(headerLength)]), flags };
}

/**
 * One message as an mboxrd entry: the "From sender asctime-date" separator (UTC), the message
 * with every line that starts with ">*From " quoted by one more ">", and the blank line that
 * ends an entry. readMbox reads it back byte for byte.
 */
export function mboxEntry(sender: string, receivedAt: Date, message: Buffer): Buffer {
  const utc = receivedAt.toUTCString(); // "Mon, 07 Dec 2026 15:04:05 GMT"
  const date = `${utc.slice(0, 3)} ${utc.slice(8, 11)} ${String(receivedAt.getUTCDate()).padStart(2, ' ')} ${receivedAt.toISOString().slice(11, 19)} ${receivedAt.getUTCFullYear()}`;
  const quoted = Buffer.from(message.toString('latin1').replace(/^(>*From )/gm, '>$1'), 'latin1');
  const ending = quoted.subarray(-1).toString('latin1') === '\n' ? '' : '\r\n';
  return Buffer.concat([Buffer.from(`From ${sender || 'MAILER-DAEMON'} ${date}\r\n`, 'latin1'), quoted, Buffer.from(`${ending}\r\n`, 'latin1')]);
}
