import net from 'node:net';
import tls from 'node:tls';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DotStuffer } from './dot-stuffing';

/** One SMTP reply: the code and the text of each line (without the code). */
export interface SmtpReply {
  code: number;
  lines: string[];
}

/** "550 5.1.1 text / more text": a reply as one line, for diagnostics and logs. */
export function replyText(reply: SmtpReply): string {
  return `${reply.code} ${reply.lines.filter((l) => l !== '').join(' / ')}`.trim();
}

/** The connection broke, timed out or spoke nonsense; `phase` says when. */
export class SmtpConnectionError extends Error {
  constructor(
    message: string,
    readonly phase: string,
  ) {
    super(message);
  }
}

/**
 * How long to wait for each step, in milliseconds. The defaults are RFC 5321
 * 4.5.3.2's minimums, except connecting (30 s, as Postfix) and QUIT (10 s: the
 * message is already delivered, nothing depends on the answer).
 */
export interface SmtpTimeouts {
  connect: number;
  greeting: number;
  /** EHLO, HELO, STARTTLS and RSET. */
  command: number;
  mail: number;
  rcpt: number;
  dataStart: number;
  /** Each block of the message body: the time the peer may take to accept more. */
  dataBlock: number;
  dataEnd: number;
  tlsHandshake: number;
  quit: number;
}

export const RFC5321_TIMEOUTS: SmtpTimeouts = {
  connect: 30_000,
  greeting: 300_000,
  command: 300_000,
  mail: 300_000,
  rcpt: 300_000,
  dataStart: 120_000,
  dataBlock: 180_000,
  dataEnd: 600_000,
  tlsHandshake: 60_000,
  quit: 10_000,
};

const MAX_LINE = 8192;
/** Body chunks are joined up to this size before they are written. */
const COALESCE_LIMIT = 64 * 1024;
const MAX_REPLY_LINES = 200;

/**
 * A small SMTP client over one TCP connection: reads (multi-line) replies, sends
 * commands, upgrades with STARTTLS and streams a message with dot-stuffing. It knows
 * nothing of queues or outcomes; the caller decides what each reply means.
 */
export class SmtpClient {
  /** EHLO keywords (upper case) → their parameters; empty after HELO. */
  readonly extensions = new Map<string, string>();
  secure = false;
  private socket: net.Socket;
  private buffer = '';
  private partial: string[] = [];
  private readonly replies: SmtpReply[] = [];
  private waiter?: { resolve: (r: SmtpReply) => void; reject: (e: Error) => void };
  private failure?: Error;
  private rejectFailed!: (e: Error) => void;
  private readonly failed: Promise<never>;
  private readonly detach: (() => void)[] = [];

  private constructor(
    socket: net.Socket,
    readonly timeouts: SmtpTimeouts,
  ) {
    this.failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
    this.failed.catch(() => undefined);
    this.socket = socket;
    this.attach(socket);
  }

  /** Connects and returns the client; the greeting is read with `readReply`. */
  static connect(host: string, port: number, timeouts: SmtpTimeouts = RFC5321_TIMEOUTS): Promise<SmtpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new SmtpConnectionError(`connection timed out after ${timeouts.connect / 1000} s`, 'connect'));
      }, timeouts.connect);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new SmtpClient(socket, timeouts));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new SmtpConnectionError(err.code ?? err.message, 'connect'));
      });
    });
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  /** Reads the next reply (replies to pipelined commands queue up in order). */
  readReply(timeoutMs: number, phase: string): Promise<SmtpReply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new SmtpConnectionError(`timed out after ${Math.round(timeoutMs / 1000)} s`, phase));
        this.socket.destroy();
      }, timeoutMs);
      this.waiter = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e instanceof SmtpConnectionError && e.phase === 'session' ? new SmtpConnectionError(e.message, phase) : e);
        },
      };
    });
  }

  /** Writes raw command lines (each without CRLF); used alone for pipelining. */
  write(...lines: string[]): void {
    if (this.failure) return;
    this.socket.write(lines.map((l) => `${l}\r\n`).join(''));
  }

  command(line: string, timeoutMs: number, phase: string): Promise<SmtpReply> {
    this.write(line);
    return this.readReply(timeoutMs, phase);
  }

  /** EHLO, falling back to HELO when the server does not know it; fills `extensions`. */
  async hello(name: string): Promise<SmtpReply> {
    this.extensions.clear();
    const ehlo = await this.command(`EHLO ${name}`, this.timeouts.command, 'EHLO');
    if (ehlo.code >= 200 && ehlo.code < 300) {
      for (const line of ehlo.lines.slice(1)) {
        const [keyword, ...params] = line.trim().split(/\s+/);
        if (keyword) this.extensions.set(keyword.toUpperCase(), params.join(' '));
      }
      return ehlo;
    }
    // 421 means the server is closing; anything else 5xx means "no ESMTP here".
    if (ehlo.code === 421 || ehlo.code < 500) return ehlo;
    return this.command(`HELO ${name}`, this.timeouts.command, 'HELO');
  }

  /**
   * STARTTLS (RFC 3207). Resolves with the server's refusal when it will not start
   * TLS, or with undefined once the session is encrypted (EHLO must then be sent
   * again). Throws when the handshake fails: the connection is then unusable.
   */
  async startTls(servername: string | undefined, rejectUnauthorized: boolean): Promise<SmtpReply | undefined> {
    const reply = await this.command('STARTTLS', this.timeouts.command, 'STARTTLS');
    if (reply.code !== 220) return reply;
    for (const off of this.detach.splice(0)) off();
    const raw = this.socket;
    raw.on('error', () => undefined);
    const secure = tls.connect({ socket: raw, servername, rejectUnauthorized });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        secure.destroy();
        reject(new SmtpConnectionError(`TLS handshake timed out`, 'STARTTLS'));
      }, this.timeouts.tlsHandshake);
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        resolve();
      });
      secure.once('error', (err) => {
        clearTimeout(timer);
        secure.destroy();
        reject(new SmtpConnectionError(`TLS handshake failed: ${err.message}`, 'STARTTLS'));
      });
    });
    secure.removeAllListeners('error');
    this.socket = secure;
    this.secure = true;
    this.buffer = '';
    this.partial = [];
    this.extensions.clear();
    this.attach(secure);
    return undefined;
  }

  /** TLS details for the log once STARTTLS succeeded. */
  tlsInfo(): string | undefined {
    if (!(this.socket instanceof tls.TLSSocket)) return undefined;
    const cipher = this.socket.getCipher();
    return `${this.socket.getProtocol() ?? 'TLS'} ${cipher?.name ?? ''}`.trim();
  }

  /**
   * Sends the message body (after a 354), dot-stuffed and terminated, honouring
   * back-pressure, then returns the reply to the final ".".
   */
  async sendData(body: Readable): Promise<SmtpReply> {
    await pipeline(body, new DotStuffer(), async (source: AsyncIterable<Buffer>) => {
      // Small chunks (a short message and its final ".") are joined: one write, one packet.
      let held: Buffer | undefined;
      for await (const chunk of source) {
        if (this.failure) throw this.failure;
        if (held && held.length + chunk.length <= COALESCE_LIMIT) {
          held = Buffer.concat([held, chunk]);
          continue;
        }
        if (held && !this.socket.write(held)) await this.drained();
        held = chunk;
      }
      if (this.failure) throw this.failure;
      if (held && !this.socket.write(held)) await this.drained();
    });
    return this.readReply(this.timeouts.dataEnd, 'end of DATA');
  }

  /** QUIT politely, then close; never throws. */
  async quit(): Promise<void> {
    try {
      if (!this.failure) await this.command('QUIT', this.timeouts.quit, 'QUIT');
    } catch {
      // The delivery is settled; a peer that hangs up without 221 changes nothing.
    } finally {
      this.close();
    }
  }

  close(): void {
    this.fail(new SmtpConnectionError('connection closed by us', 'session'));
    this.socket.destroy();
  }

  /**
   * QUIT without waiting for the 221 (an idle cached session at shutdown: the process may
   * exit right after), then close our side; the socket is destroyed if the peer lingers.
   */
  hangUp(): void {
    if (!this.failure) this.socket.end('QUIT\r\n');
    this.fail(new SmtpConnectionError('connection closed by us', 'session'));
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** False once the connection broke, timed out, spoke nonsense or was closed. */
  get usable(): boolean {
    return !this.failure;
  }

  /** Calls `listener` once the connection is no longer usable (e.g. the server hung up on an idle session). */
  onFailure(listener: () => void): void {
    this.failed.catch(listener);
  }

  private drained(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      new Promise<void>((resolve) => this.socket.once('drain', () => resolve())),
      this.failed,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new SmtpConnectionError(`timed out after ${Math.round(this.timeouts.dataBlock / 1000)} s`, 'sending the message');
          this.fail(err);
          this.socket.destroy();
          reject(err);
        }, this.timeouts.dataBlock);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  private attach(socket: net.Socket): void {
    const onData = (chunk: Buffer) => this.onData(chunk);
    const onError = (err: Error) => this.fail(new SmtpConnectionError(`connection error: ${err.message}`, 'session'));
    const onClose = () => this.fail(new SmtpConnectionError('connection closed by the server', 'session'));
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    this.detach.push(
      () => socket.off('data', onData),
      () => socket.off('error', onError),
      () => socket.off('close', onClose),
    );
  }

  private onData(chunk: Buffer): void {
    this.buffer += chunk.toString('utf8');
    let i: number;
    while ((i = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, i).replace(/\r$/, '');
      this.buffer = this.buffer.slice(i + 1);
      this.onLine(line);
      if (this.failure) return;
    }
    if (this.buffer.length > MAX_LINE) this.protocolError('reply line too long');
  }

  private onLine(line: string): void {
    const m = /^(\d{3})([ -]|$)(.*)$/.exec(line);
    if (!m) return this.protocolError(`unexpected reply "${line.slice(0, 100)}"`);
    this.partial.push(m[3]);
    if (this.partial.length > MAX_REPLY_LINES) return this.protocolError('reply has too many lines');
    if (m[2] === '-') return;
    const reply = { code: Number(m[1]), lines: this.partial };
    this.partial = [];
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter.resolve(reply);
    else this.replies.push(reply);
  }

  private protocolError(message: string): void {
    this.fail(new SmtpConnectionError(`protocol error: ${message}`, 'session'));
    this.socket.destroy();
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.rejectFailed(err);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(err);
  }
}
