import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { LogSearch } from './log-search';

/** A service's detail level, as the seed's Logs pane sets it (SHOWN below: what each keeps). */
export type LogLevel = 'low' | 'medium' | 'high' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['low', 'medium', 'high', 'debug'];

/**
 * Services with their own log, as in the seed's Logs pane, plus the scheduled jobs (`jobs`)
 * and the management API's audit trail (`audit`: every mutation, whatever the levels say).
 */
export const LOG_SERVICES = ['server', 'smtp', 'imap', 'pop', 'junk', 'sieve', 'web', 'jobs', 'audit', 'lists'] as const;
export type LogService = (typeof LOG_SERVICES)[number];

/**
 * Severity of one entry. The seed's detail levels select them: low = errors, medium =
 * errors and messages, high = all events, debug = events and what only a developer or a
 * support case needs (protocol detail, every API request, each step of a job).
 */
export type Severity = 'error' | 'message' | 'event' | 'debug';
/** Most severe first: a filter by severity keeps this rank and lower. */
export const SEVERITY_RANK: Record<Severity, number> = { error: 0, message: 1, event: 2, debug: 3 };

export interface LogEntry {
  time: string;
  service: LogService;
  severity: Severity;
  text: string;
  [field: string]: unknown;
}

const LOG_RETRY_MS = 5_000;

const SHOWN: Record<LogLevel, Set<Severity>> = {
  low: new Set(['error']),
  medium: new Set(['error', 'message']),
  high: new Set(['error', 'message', 'event']),
  debug: new Set(['error', 'message', 'event', 'debug']),
};

/**
 * Writes JSON lines to <data>/logs/<service>.log, keeps a short in-memory tail for
 * the management API, and emits `entry` for live subscribers.
 */
export class LogHub extends EventEmitter {
  private readonly streams = new Map<LogService, fs.WriteStream>();
  /** Per service: lines that could not be written (a full disk), reported once writing works again. */
  private readonly lost = new Map<LogService, { lines: number; since: number }>();
  private readonly levels = new Map<LogService, LogLevel>();
  readonly tail: LogEntry[] = [];
  private readonly tailSize = 2000;
  /** Every entry, searchable across restarts (`<logs>/index.db`); none without a log directory. */
  readonly search: LogSearch | undefined;

  constructor(
    private readonly dir: string | undefined,
    private readonly echo: ((line: string) => void) | undefined = undefined,
  ) {
    super();
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      this.search = new LogSearch(path.join(dir, 'index.db'), (problem) => echo?.(`log index: ${problem}`));
    }
  }

  setLevel(service: LogService, level: LogLevel): void {
    this.levels.set(service, level);
  }

  /** Whether entries of this severity are written now: lets a caller skip building a costly debug entry. */
  writes(service: LogService, severity: Severity): boolean {
    return SHOWN[this.levels.get(service) ?? 'medium'].has(severity);
  }

  logger(service: LogService): Logger {
    return new Logger(this, service);
  }

  write(entry: LogEntry): void {
    if (!this.writes(entry.service, entry.severity)) return;
    const line = JSON.stringify(entry);
    if (this.dir) this.writeLine(entry.service, line);
    this.echo?.(`${entry.time} ${entry.service} ${entry.severity}: ${entry.text}${formatFields(entry)}`);
    this.search?.add(line);
    this.tail.push(entry);
    if (this.tail.length > this.tailSize) this.tail.splice(0, this.tail.length - this.tailSize);
    this.emit('entry', entry);
  }

  /**
   * Moves a service's log file to `target` and lets the next entry begin a new one; resolves
   * once every entry written before is in the moved file.
   */
  async rotate(service: LogService, target: string): Promise<void> {
    if (!this.dir) return;
    const stream = this.streams.get(service);
    this.streams.delete(service);
    fs.renameSync(path.join(this.dir, `${service}.log`), target);
    if (stream) await new Promise<void>((resolve) => stream.end(() => resolve()));
  }

  async close(): Promise<void> {
    await this.search?.close();
    await Promise.all(
      [...this.streams.values()].map((s) => new Promise<void>((resolve) => s.end(() => resolve()))),
    );
    this.streams.clear();
  }

  /**
   * A log file that cannot be written (the disk is full) must never stop the engine: the
   * stream is dropped, its lines are counted as lost, and after a pause a new stream tries
   * again and first says how many lines are missing.
   */
  private writeLine(service: LogService, line: string): void {
    const lost = this.lost.get(service);
    if (lost && Date.now() - lost.since < LOG_RETRY_MS) {
      lost.lines++;
      return;
    }
    let stream = this.streams.get(service);
    if (!stream) {
      stream = fs.createWriteStream(path.join(this.dir as string, `${service}.log`), { flags: 'a' });
      const opened = stream;
      opened.on('error', (err: NodeJS.ErrnoException) => {
        if (this.streams.get(service) === opened) this.streams.delete(service);
        const entry = this.lost.get(service) ?? { lines: 0, since: 0 };
        entry.lines++;
        entry.since = Date.now();
        this.lost.set(service, entry);
        opened.destroy();
        this.echo?.(`log ${service}: cannot write (${err.code ?? err.message}); lines are dropped until it can`);
      });
      this.streams.set(service, stream);
      if (lost) {
        this.lost.delete(service);
        const note = { time: new Date().toISOString(), service, severity: 'error', text: 'log lines were lost: the log could not be written', lines: lost.lines };
        stream.write(JSON.stringify(note) + '\n');
      }
    }
    stream.write(line + '\n');
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

  /** Written only at the debug level: detail for tracking a problem down. */
  debug(text: string, fields: Record<string, unknown> = {}): void {
    this.hub.write({ time: new Date().toISOString(), service: this.service, severity: 'debug', text, ...fields });
  }

  /** Whether debug entries are written now (to skip building costly ones). */
  get debugging(): boolean {
    return this.hub.writes(this.service, 'debug');
  }
}

/** A logger that drops everything, for unit tests of components. */
export function silentLogger(service: LogService = 'server'): Logger {
  return new LogHub(undefined).logger(service);
}
