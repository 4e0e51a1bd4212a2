/**
 * For the fuzz targets that talk to a real listener: one engine per target file, on loopback,
 * with the delays that protect a real server (early-talker wait, auth back-off, lockout) off so
 * thousands of hostile sessions run quickly, and a record of every error the engine logs.
 */
import net from 'node:net';
import type { LogEntry } from '../../server/logs/logger';
import type { Settings } from '../../server/config/settings-schema';
import { type TestEngine, startEngine } from '../helpers/engine';

export const USER = { shortName: 'alice', password: 'alice-password-1', fullName: 'Alice' };

/** How long a session may sit without hanging up before the tail is sent again (see converse). */
export const TAIL_AGAIN_MS = 50;

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
 * Connects, waits for the greeting (a line), sends `input` as given (all at once, as a
 * pipelining client would, or in the chunks given), then `tail` (which should make the server
 * hang up, e.g. QUIT), and reads until the server closes or `limitMs` passes. A server still
 * waiting after `tailAgainAfterMs` (in DATA, for literal bytes, for a SASL answer) gets the tail
 * again, and again every `tailAgainAfterMs` after that: most sessions end within a few
 * milliseconds, and one that swallowed its tail should not cost the run a long wait.
 */
export function converse(port: number, input: Buffer[], tail: Buffer, limitMs: number, tailAgainAfterMs = limitMs / 2): Promise<Conversation> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
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
