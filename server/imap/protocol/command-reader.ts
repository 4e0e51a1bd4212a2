import type { InputReader } from './input-reader';

/**
 * One client command as it arrived: its lines (without CRLF) and, between them, the
 * literals announced at the end of each line but the last (`literals[i]` follows `lines[i]`).
 */
export interface RawCommand {
  lines: Buffer[];
  literals: Buffer[];
}

export type CommandReadResult =
  | { kind: 'command'; command: RawCommand }
  | { kind: 'too-long'; tag?: string }
  | { kind: 'literal-too-big'; tag?: string; verb?: string; size: number }
  /** A non-synchronising literal over `maxNonSyncLiteral`: its bytes were not read, so the session must end. */
  | { kind: 'non-sync-too-big'; tag?: string; size: number }
  | { kind: 'closed' };

export interface CommandReaderLimits {
  maxLineLength: number;
  /** Largest literal the named command may carry ("APPEND" gets the message size limit). */
  maxLiteral: (verb: string) => number;
  /** Sum of all lines and literals of one command. */
  maxCommandBytes: (verb: string) => number;
  /**
   * Largest non-synchronising literal (`{n+}`) accepted; larger ones are not read at all
   * (RFC 7888 LITERAL-, 4096 bytes, before login). Absent: only `maxLiteral` applies.
   */
  maxNonSyncLiteral?: number;
}

const LITERAL_AT_END = /\{(\d{1,20})(\+)?\}$/;
const TAG_AND_VERB = /^([^\s(){%*"\\\]+]+) (?:UID )?([A-Za-z]+)/i;

/**
 * Reads a whole command: the first line, and for every line ending in a literal
 * announcement, the literal (after "+ " for synchronising ones) and the next line.
 */
export async function readCommand(
  reader: InputReader,
  limits: CommandReaderLimits,
  sendContinuation: () => Promise<void>,
): Promise<CommandReadResult> {
  const lines: Buffer[] = [];
  const literals: Buffer[] = [];
  let tag: string | undefined;
  let verb = '';
  // Lines count too: otherwise endless "{0+}" literals would grow a command without bound.
  let commandBytes = 0;
  for (;;) {
    // Thousands of tiny lines ("{0+}" after "{0+}") arrive 256 KB at a time and would be
    // worked through in one turn of the event loop (over 100 ms): let other sessions in.
    if (lines.length > 0 && lines.length % YIELD_EVERY_LINES === 0) await yieldToEventLoop();
    const got = await reader.readLine(limits.maxLineLength);
    if (got.kind === 'closed') return got;
    if (got.kind === 'too-long') {
      return { kind: 'too-long', tag: tag ?? TAG_AND_VERB.exec(got.head.toString('latin1'))?.[1] };
    }
    lines.push(got.line);
    commandBytes += got.line.length + 2;
    if (lines.length === 1) {
      const m = TAG_AND_VERB.exec(got.line.toString('latin1'));
      tag = m?.[1];
      verb = (m?.[2] ?? '').toUpperCase();
    }
    // Only the tail can announce a literal; latin1 keeps byte offsets intact.
    const tail = got.line.subarray(Math.max(0, got.line.length - 24)).toString('latin1');
    const m = LITERAL_AT_END.exec(tail);
    if (!m) return { kind: 'command', command: { lines, literals } };
    const size = Number(m[1]);
    const nonSync = m[2] === '+';
    // Not read and discarded: a client could make the server swallow any amount of input.
    if (nonSync && limits.maxNonSyncLiteral !== undefined && size > limits.maxNonSyncLiteral) return { kind: 'non-sync-too-big', tag, size };
    commandBytes += size;
    if (!Number.isSafeInteger(size) || size > limits.maxLiteral(verb) || commandBytes > limits.maxCommandBytes(verb)) {
      if (nonSync) {
        // The client sends it regardless: read past it and the rest of the command.
        if (!(await reader.skip(size)) || !(await skipRestOfCommand(reader, limits.maxLineLength))) return { kind: 'closed' };
      }
      return { kind: 'literal-too-big', tag, verb, size };
    }
    if (!nonSync) await sendContinuation();
    const literal = await reader.readExact(size);
    if (!literal) return { kind: 'closed' };
    literals.push(literal);
  }
}

/** Lines of one command read in a row before the reader lets the event loop turn. */
const YIELD_EVERY_LINES = 500;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** After a refused non-synchronising literal: drop lines (and further non-synchronising literals) to the command's end. */
async function skipRestOfCommand(reader: InputReader, maxLineLength: number): Promise<boolean> {
  for (let n = 1; ; n++) {
    if (n % YIELD_EVERY_LINES === 0) await yieldToEventLoop();
    const got = await reader.readLine(maxLineLength);
    if (got.kind === 'closed') return false;
    if (got.kind === 'too-long') return true;
    const m = LITERAL_AT_END.exec(got.line.subarray(Math.max(0, got.line.length - 24)).toString('latin1'));
    if (!m || m[2] !== '+') return true;
    if (!(await reader.skip(Number(m[1])))) return false;
  }
}
