const LF = 0x0a;
const CR = 0x0d;

export interface HeaderField {
  /** Lower-case field name. */
  name: string;
  /** The field exactly as stored, folding and line ends included. */
  raw: Buffer;
  /** Unfolded value as a wire (latin1) string, trimmed. */
  value: string;
}

/** Where a header block ends: `headerEnd` before the blank line, `bodyStart` after it (both = end when there is none). */
export function splitHeader(buf: Buffer, start: number, end: number): { headerEnd: number; bodyStart: number } {
  let pos = start;
  while (pos < end) {
    const nl = buf.indexOf(LF, pos);
    const lineEnd = nl < 0 || nl >= end ? end : nl + 1;
    const len = lineEnd - pos;
    if ((len === 1 && buf[pos] === LF) || (len === 2 && buf[pos] === CR && buf[pos + 1] === LF)) {
      return { headerEnd: pos, bodyStart: lineEnd };
    }
    if (nl < 0 || nl >= end) break;
    pos = lineEnd;
  }
  return { headerEnd: end, bodyStart: end };
}

/**
 * Index of the first byte after the first empty line that follows a line from `start` on, or -1
 * when there is none: where a header ends for readers that take a leading empty line for an
 * empty first field (the junk filter's quick header edits, Sieve).
 */
export function blankLineEnd(buf: Buffer, start = 0): number {
  // Line by line: searching for "\n\n" and "\n\r\n" separately reads a whole CRLF (or LF) message for the other.
  for (let nl = buf.indexOf(LF, start); nl >= 0; nl = buf.indexOf(LF, nl + 1)) {
    const next = buf[nl + 1];
    if (next === LF) return nl + 2;
    if (next === CR && buf[nl + 2] === LF) return nl + 3;
  }
  return -1;
}

/**
 * The fields of a header block (lines without a colon are skipped, as most parsers do); with
 * `wanted`, only the fields whose lower-case name it accepts (the others cost a name read).
 */
export function parseHeaderFields(buf: Buffer, start: number, end: number, wanted?: (name: string) => boolean): HeaderField[] {
  const fields: HeaderField[] = [];
  let pos = start;
  let current: { start: number; end: number } | undefined;
  const finish = () => {
    if (!current) return;
    const { start: from, end: to } = current;
    current = undefined;
    const colon = buf.indexOf(0x3a, from);
    if (colon <= from || colon >= to) return;
    const name = buf.toString('latin1', from, colon).trim().toLowerCase();
    if (!name || /[\s]/.test(name) || (wanted && !wanted(name))) return;
    const raw = buf.subarray(from, to);
    const value = buf.toString('latin1', colon + 1, to);
    fields.push({ name, raw, value: value.replace(/\r?\n(?=[ \t])/g, '').replace(/\r?\n$/, '').trim() });
  };
  while (pos < end) {
    const nl = buf.indexOf(LF, pos);
    const lineEnd = nl < 0 || nl >= end ? end : nl + 1;
    const first = buf[pos];
    if ((first === 0x20 || first === 0x09) && current) current.end = lineEnd;
    else {
      finish();
      current = { start: pos, end: lineEnd };
    }
    pos = lineEnd;
  }
  finish();
  return fields;
}

/** One field of a header block as text: its lower-case name and its lines (line feeds removed, carriage returns kept). */
export interface HeaderFieldLines {
  name: string;
  lines: string[];
}

/**
 * The fields of a header block given as latin1 text, by the same rules as parseHeaderFields,
 * without copying bytes: for readers such as the junk filter that only want the text.
 */
export function headerFieldLines(text: string): HeaderFieldLines[] {
  const fields: HeaderFieldLines[] = [];
  let current: string[] | undefined;
  const finish = () => {
    if (!current) return;
    const first = current[0];
    const colon = first.indexOf(':');
    if (colon > 0) {
      const name = first.slice(0, colon).trim().toLowerCase();
      if (name && !/[\s]/.test(name)) fields.push({ name, lines: current });
    }
  };
  const lines = text.split('\n');
  // The piece after the last line feed is not a line.
  const count = lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
  for (let i = 0; i < count; i++) {
    const line = lines[i];
    const c = line.charCodeAt(0);
    if ((c === 0x20 || c === 0x09) && current) current.push(line);
    else {
      finish();
      current = [line];
    }
  }
  finish();
  return fields;
}

export function headerValue(fields: HeaderField[], name: string): string | undefined {
  return fields.find((f) => f.name === name)?.value;
}

/** Tokens of a structured header value: type/subtype; key=value params (RFC 2045), quotes removed. */
export function parseParameterized(value: string): { value: string; params: [string, string][] } {
  const parts: string[] = [];
  let cur = '';
  let inQuote = false;
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuote) {
      if (c === '\\' && i + 1 < value.length) cur += value[++i];
      else if (c === '"') inQuote = false;
      else cur += c;
      continue;
    }
    if (depth > 0) {
      if (c === '(') depth++;
      else if (c === ')') depth--;
      continue;
    }
    if (c === '"') {
      inQuote = true;
      // Mark quoted content so "a=b" inside quotes does not split.
      cur += '\uE000';
    } else if (c === '(') depth++;
    else if (c === ';') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  const main = parts[0].replace(/\uE000/g, '').trim();
  const params: [string, string][] = [];
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    const key = p.slice(0, eq).replace(/\uE000/g, '').trim();
    const val = p.slice(eq + 1).trim().replace(/\uE000/g, '');
    if (key) params.push([key, val]);
  }
  return { value: main, params };
}
