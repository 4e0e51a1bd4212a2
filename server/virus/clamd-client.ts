import fs from 'node:fs';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { connectSocketAddress } from '../net/socket-address';

export type ScanResult = { infected: false } | { infected: true; virus: string };

/**
 * Why clamd gave no verdict. `unreachable` and `error` are temporary (the mail waits);
 * `too-large` means the message is bigger than clamd's StreamMaxLength and never will be scanned.
 */
export class ClamdError extends Error {
  constructor(
    readonly code: 'unreachable' | 'error' | 'too-large',
    message: string,
    /** The connection broke while the data was still being sent (EPIPE, ECONNRESET). */
    readonly brokenWhileSending = false,
  ) {
    super(message);
  }
}

/** clamd's INSTREAM takes the data in chunks, each with a 4-byte big-endian length. */
const CHUNK = 64 * 1024;

/**
 * A client for clamd's socket protocol ("z" commands: NUL-terminated, one command per
 * connection). `address` is a Unix socket path or host:port.
 */
export class ClamdClient {
  constructor(
    readonly address: string,
    readonly timeoutMs = 60_000,
  ) {}

  async ping(): Promise<boolean> {
    try {
      return (await this.command('PING', 5_000)) === 'PONG';
    } catch {
      return false;
    }
  }

  /** "ClamAV 1.4.6/27480/Tue Dec  1 08:35:01 2026": engine/daily database version/its date. */
  version(): Promise<string> {
    return this.command('VERSION', 5_000);
  }

  /** Asks clamd to reload its databases (after freshclam). */
  async reload(): Promise<void> {
    const reply = await this.command('RELOAD', 5_000);
    if (reply !== 'RELOADING') throw new ClamdError('error', `clamd answered RELOAD with "${reply}"`);
  }

  /** Scans a file from `start` (the bytes after the spool's Return-Path line). */
  scanFile(file: string, start = 0): Promise<ScanResult> {
    return this.scan(fs.createReadStream(file, { start, highWaterMark: CHUNK }));
  }

  scanBuffer(data: Buffer): Promise<ScanResult> {
    return this.scan([data]);
  }

  /** INSTREAM: streams the data, then reads "stream: OK", "stream: NAME FOUND" or an error. */
  async scan(source: Readable | Buffer[]): Promise<ScanResult> {
    let reply: string;
    let sent = 0;
    try {
      reply = await this.exchange(async (socket, answered) => {
        socket.write('zINSTREAM\0');
        for await (const piece of source as AsyncIterable<Buffer>) {
          for (let at = 0; at < piece.length; at += CHUNK) {
            // clamd answers early when the stream passes StreamMaxLength: stop sending then.
            if (answered()) return;
            const chunk = piece.subarray(at, at + CHUNK);
            const head = Buffer.alloc(4);
            head.writeUInt32BE(chunk.length);
            sent += chunk.length;
            if (!socket.write(Buffer.concat([head, chunk]))) await drained(socket, answered);
          }
        }
        if (!answered()) socket.write(Buffer.alloc(4));
      }, this.timeoutMs);
    } catch (err) {
      // Over StreamMaxLength clamd answers and closes at once; our next write then breaks the
      // connection (EPIPE, or a TCP reset), often before its answer could be read. A clamd
      // that dropped a stream mid-way and still answers PING did exactly that.
      if (err instanceof ClamdError && err.brokenWhileSending && (await this.ping())) {
        throw new ClamdError('too-large', `clamd stopped reading after ${sent} bytes: INSTREAM size limit exceeded (clamd StreamMaxLength)`);
      }
      throw err;
    } finally {
      if (!Array.isArray(source)) source.destroy();
    }
    if (/size limit exceeded/i.test(reply)) throw new ClamdError('too-large', `clamd: ${reply}`);
    const found = /^stream: (.+) FOUND$/.exec(reply);
    if (found) return { infected: true, virus: found[1] };
    if (reply === 'stream: OK') return { infected: false };
    throw new ClamdError('error', `clamd: ${reply}`);
  }

  private command(name: string, timeoutMs: number): Promise<string> {
    return this.exchange(async (socket) => {
      socket.write(`z${name}\0`);
    }, timeoutMs);
  }

  /** One connection: `send` writes, the reply is everything up to the first NUL. */
  private exchange(send: (socket: net.Socket, answered: () => boolean) => Promise<void>, timeoutMs: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const socket = connectSocketAddress(this.address);
      let connected = false;
      let reply: string | undefined;
      let received = Buffer.alloc(0);
      const timer = setTimeout(() => fail(new ClamdError(connected ? 'error' : 'unreachable', `clamd at ${this.address} did not answer within ${timeoutMs} ms`)), timeoutMs);
      const done = (text: string) => {
        if (reply !== undefined) return;
        reply = text;
        clearTimeout(timer);
        socket.destroy();
        resolve(text);
      };
      const fail = (err: Error) => {
        if (reply !== undefined) return;
        reply = '';
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      socket.on('connect', () => {
        connected = true;
        send(socket, () => reply !== undefined || received.length > 0).catch((err) => fail(new ClamdError('error', `reading the message to scan: ${String(err)}`)));
      });
      socket.on('data', (d: Buffer) => {
        received = Buffer.concat([received, d]);
        const nul = received.indexOf(0);
        if (nul >= 0) done(received.subarray(0, nul).toString('utf8').trim());
      });
      socket.on('end', () => {
        if (received.length) done(received.toString('utf8').trim());
        else fail(new ClamdError('error', `clamd at ${this.address} closed the connection without answering`));
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        // clamd may close while we are still sending (size limit): its answer counts.
        if (received.length) return done(received.toString('utf8').replace(/\0.*$/s, '').trim());
        const broken = connected && (err.code === 'EPIPE' || err.code === 'ECONNRESET');
        fail(new ClamdError(connected ? 'error' : 'unreachable', `clamd at ${this.address}: ${err.code ?? err.message}`, broken));
      });
    });
  }
}

function drained(socket: net.Socket, answered: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (answered() || socket.destroyed) return resolve();
    const go = () => {
      socket.off('drain', go);
      socket.off('close', go);
      socket.off('data', go);
      resolve();
    };
    socket.on('drain', go);
    socket.on('close', go);
    socket.on('data', go);
  });
}
