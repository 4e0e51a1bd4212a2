/**
 * For the fuzz targets that talk to a real listener: one engine per target file, on loopback,
 * with the delays that protect a real server (early-talker wait, auth back-off, lockout) off so
 * thousands of hostile sessions run quickly, and a record of every error the engine logs.
 * Sessions reach a listener over TCP or, several times faster, through an in-memory connection
 * the listener adopts (memory-socket.ts): the same sessions, without the kernel.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { LogEntry } from '../../server/logs/logger';
import type { Settings } from '../../server/config/settings-schema';
import { type TestEngine, startEngine } from '../helpers/engine';
import { memoryConnection } from './memory-socket';

export const USER = { shortName: 'alice', password: 'alice-password-1', fullName: 'Alice' };

/**
 * How long a session may sit without hanging up before the tail is sent again (see converse):
 * over TCP long enough that a session ending normally rarely gets it twice; in memory a reply
 * takes microseconds, so a session still open after a few milliseconds is waiting for bytes.
 */
export function tailAgainMs(via: Via): number {
  return via === 'socket' ? 50 : 5;
}

/** How a session target reaches its listener: over loopback TCP, or in memory (Listener.adopt). */
export type Via = 'socket' | 'memory';
export const VIAS: Via[] = ['socket', 'memory'];

/** A session target's name: the socket one keeps the name it always had. */
export function viaName(name: string, via: Via): string {
  return via === 'socket' ? name : `${name}-memory`;
}

/** Opens one connection to a listener. */
export type Dial = () => Duplex;

export class FuzzEngine {
  t?: TestEngine;
  /** Error entries logged since the last `takeErrors()`. */
  private errors: LogEntry[] = [];

  constructor(private readonly settings: Partial<Settings> = {}) {}

  async start(): Promise<TestEngine> {
    this.t = await startEngine({
      users: [USER],
      settings: {
        smtpEarlyTalkerWaitMs: 0,
        authFailureDelayMs: 0,
        authLockoutFailures: 0,
        allowPlaintextAuthWithoutTls: true,
        imapMaxCommandsPerSecond: 0,
        maxConnectionsPerIp: 1000,
        ...this.settings,
      },
    });
    this.t.engine.ctx.logs.on('entry', (e: LogEntry) => {
      if (e.severity === 'error') this.errors.push(e);
    });
    return this.t;
  }

  get ports(): TestEngine['ports'] {
    return (this.t as TestEngine).ports;
  }

  /** A way to connect to the listener `name` (smtp, imap, pop3, sieve…). */
  dial(name: keyof TestEngine['ports'], via: Via): Dial {
    const t = this.t as TestEngine;
    if (via === 'socket') return () => net.connect({ port: t.ports[name], host: '127.0.0.1' });
    return () => {
      const listener = t.engine.ctx.listeners.get(name);
      if (!listener) throw new Error(`no open listener ${name}`);
      const { client, server } = memoryConnection(t.ports[name]);
      listener.adopt(server);
      return client;
    };
  }

  takeErrors(): LogEntry[] {
    return this.errors.splice(0);
  }

  async stop(): Promise<void> {
    await this.t?.stop();
  }
}

export interface Conversation {
  /** Everything the server sent, as latin1 text. */
  output: string;
  /** The server closed the connection (rather than us, after the time limit). */
  closedByServer: boolean;
  ms: number;
}

/**
 * Connects (to a port on loopback, or by `to()`), waits for the greeting (a line), sends `input` as given (all at once, as a
 * pipelining client would, or in the chunks given), then `tail` (which should make the server
 * hang up, e.g. QUIT), and reads until the server closes or `limitMs` passes. A server still
 * waiting after `tailAgainAfterMs` (in DATA, for literal bytes, for a SASL answer) gets the tail
 * again, and again every `tailAgainAfterMs` after that: most sessions end within a few
 * milliseconds, and one that swallowed its tail should not cost the run a long wait.
 */
export function converse(to: number | Dial, input: Buffer[], tail: Buffer, limitMs: number, tailAgainAfterMs = limitMs / 2): Promise<Conversation> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = typeof to === 'number' ? net.connect({ port: to, host: '127.0.0.1' }) : to();
    const received: Buffer[] = [];
    let greeted = false;
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(limit);
      clearInterval(again);
      socket.destroy();
      const output = Buffer.concat(received).toString('latin1');
      if (process.env.PILLARBOX_FUZZ_TRANSCRIPTS === '1' || (process.env.PILLARBOX_FUZZ_TRANSCRIPTS === 'slow' && performance.now() - started > 1000)) console.log(`--- sent:\n${Buffer.concat([...input, tail]).toString('latin1').slice(0, 2000)}\n--- received:\n${output.slice(0, 4000)}`);
      resolve({ output, closedByServer, ms: performance.now() - started });
    };
    const limit = setTimeout(() => finish(false), limitMs);
    const again = setInterval(() => {
      if (greeted && !socket.destroyed) socket.write(tail);
    }, tailAgainAfterMs);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (!greeted && chunk.includes(0x0a)) {
        greeted = true;
        for (const c of input) socket.write(c);
        socket.write(tail);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
  });
}

/** The lines of a transcript (CRLF or LF ends), without the last, unterminated, piece. */
export function lines(output: string): string[] {
  const all = output.split(/\r?\n/);
  all.pop();
  return all;
}
