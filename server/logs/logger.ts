import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { LogLevel } from '../config/settings-schema';

/** Services with their own log, as in the seed's Logs pane. */
export type LogService = 'server' | 'smtp' | 'imap' | 'pop' | 'junk' | 'sieve' | 'web';

/**
 * Severity of one entry. The seed's detail levels select them:
 * low = errors, medium = errors and messages, high = all events.
 */
export type Severity = 'error' | 'message' | 'event';

export interface LogEntry {
  time: string;
  service: LogService;
  severity: Severity;
  text: string;
  [field: string]: unknown;
}

const SHOWN: Record<LogLevel, Set<Severity>> = {
  low: new Set(['error']),
  medium: new Set(['error', 'message']),
  high: new Set(['error', 'message', 'event']),
};

/**
 * Writes JSON lines to <data>/logs/<service>.log, keeps a short in-memory tail for
 * the management API, and emits `entry` for live subscribers.
 */
export class LogHub extends EventEmitter {
  private readonly streams = new Map<LogService, fs.WriteStream>();
  private readonly levels = new Map<LogService, LogLevel>();
  readonly tail: LogEntry[] = [];
  private readonly tailSize = 2000;

  constructor(
    private readonly dir: string | undefined,
    private readonly echo: ((line: string) => void) | undefined = undefined,
  ) {
    super();
    if (dir) fs.mkdirSync(dir, { recursive: true });
  }

  setLevel(service: LogService, level: LogLevel): void {
    this.levels.set(service, level);
  }

  logger(service: LogService): Logger {
    return new Logger(this, service);
  }

  write(entry: LogEntry): void {
    const level = this.levels.get(entry.service) ?? 'medium';
    if (!SHOWN[level].has(entry.severity)) return;
    const line = JSON.stringify(entry);
    if (this.dir) this.stream(entry.service).write(line + '\n');
    this.echo?.(`${entry.time} ${entry.service} ${entry.severity}: ${entry.text}${formatFields(entry)}`);
    this.tail.push(entry);
    if (this.tail.length > this.tailSize) this.tail.splice(0, this.tail.length - this.tailSize);
    this.emit('entry', entry);
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.streams.values()].map((s) => new Promise<void>((resolve) => s.end(() => resolve()))),
    );
    this.streams.clear();
  }

  private stream(service: LogService): fs.WriteStream {
    let stream = this.streams.get(service);
    if (!stream) {
      stream = fs.createWriteStream(path.join(this.dir as string, `${service}.log`), { flags: 'a' });
      this.streams.set(service, stream);
    }
    return stream;
  }
}

function formatFields(entry: LogEntry): string {
  const extra = Object.entries(entry).filter(([k, v]) => v !== undefined && !['time', 'service', 'severity', 'text'].includes(k));
  return extra.length ? ' ' + extra.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ') : '';
}

export class Logger {
  constructor(
    private readonly hub: LogHub,
    readonly service: LogService,
  ) {}

  error(text: string, fields: Record<string, unknown> = {}): void {
    this.hub.write({ time: new Date().toISOString(), service: this.service, severity: 'error', text, ...fields });
  }

  /** A message-level entry: a message accepted, delivered, a login. */
  message(text: string, fields: Record<string, unknown> = {}): void {
    this.hub.write({ time: new Date().toISOString(), service: this.service, severity: 'message', text, ...fields });
  }

  /** Everything else: commands, connections, protocol detail. */
  event(text: string, fields: Record<string, unknown> = {}): void {
    this.hub.write({ time: new Date().toISOString(), service: this.service, severity: 'event', text, ...fields });
  }
}

/** A logger that drops everything, for unit tests of components. */
export function silentLogger(service: LogService = 'server'): Logger {
  return new LogHub(undefined).logger(service);
}
