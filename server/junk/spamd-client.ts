import { connectSocketAddress } from '../net/socket-address';

/** What SpamAssassin's spamd said about a message (SYMBOLS command). */
export interface SpamdResult {
  isSpam: boolean;
  score: number;
  /** spamd's own required score (its required_score setting). */
  threshold: number;
  /** The rules that fired: GTUBE, MISSING_DATE, … */
  symbols: string[];
}

/** spamd answers a 4 KB message in about 50 ms; a stuck one must not hold delivery up for long. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Largest answer read (the symbol list of a message is a few hundred bytes). */
const MAX_REPLY = 64 * 1024;

/**
 * Asks spamd (SPAMC/SPAMD protocol 1.5, as spamc speaks it) which rules a message hits.
 * One connection per message; `address` is a Unix socket path or host:port (Debian's
 * spamd listens on 127.0.0.1:783).
 */
export function checkWithSpamd(address: string, message: Buffer, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<SpamdResult> {
  return new Promise((resolve, reject) => {
    const socket = connectSocketAddress(address);
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: Error | undefined, result?: SpamdResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(result as SpamdResult);
    };
    const timer = setTimeout(() => finish(new Error(`spamd at ${address} did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
    socket.on('error', (err) => finish(new Error(`spamd at ${address}: ${err.message}`)));
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPLY) finish(new Error(`spamd at ${address} sent an answer over ${MAX_REPLY} bytes`));
      else chunks.push(chunk);
    });
    socket.on('end', () => {
      try {
        finish(undefined, parseSpamdReply(Buffer.concat(chunks).toString('latin1')));
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.on('connect', () => {
      socket.write(`SYMBOLS SPAMC/1.5\r\nContent-length: ${message.length}\r\n\r\n`);
      // spamd reads Content-length bytes; the half-close tells it nothing more comes.
      socket.end(message);
    });
  });
}

/** "SPAMD/1.1 0 EX_OK", "Spam: True ; 1004.2 / 5.0", a blank line, then the symbols. */
export function parseSpamdReply(text: string): SpamdResult {
  const end = text.indexOf('\r\n\r\n');
  const head = (end >= 0 ? text.slice(0, end) : text).split('\r\n');
  const body = end >= 0 ? text.slice(end + 4) : '';
  const status = /^SPAMD\/\d+\.\d+ (\d+) (.*)$/.exec(head[0] ?? '');
  if (!status) throw new Error(`spamd answered something that is not SPAMD: ${JSON.stringify((head[0] ?? '').slice(0, 80))}`);
  if (status[1] !== '0') throw new Error(`spamd refused the message: ${status[1]} ${status[2]}`);
  const spam = head.map((l) => /^Spam:\s*(True|False|Yes|No)\s*;\s*(-?[\d.]+)\s*\/\s*(-?[\d.]+)\s*$/i.exec(l)).find((m) => m);
  if (!spam) throw new Error('spamd gave no Spam: line');
  return {
    isSpam: /^(true|yes)$/i.test(spam[1]),
    score: Number(spam[2]),
    threshold: Number(spam[3]),
    symbols: body
      .split(',')
      .map((s) => s.trim())
      .filter((s) => /^[A-Z0-9_]+$/i.test(s)),
  };
}
