import { EventEmitter } from 'node:events';
import type { Logger } from '../logs/logger';
import type { ActivityTracker } from './activity';
import { ThreadCpuClock } from './thread-cpu';

/** One time the event loop did not turn for longer than the threshold. */
export interface Stall {
  /** When it ended (ISO time). */
  at: string;
  /** How late a timer due in that time ran: the delay every client of the engine saw. */
  ms: number;
  /** Of that time, the main thread's CPU time (undefined where the system does not tell). */
  cpuMs?: number;
  /** ... and its time waiting for a CPU while the machine was busy with other processes. */
  waitMs?: number;
  /** What the engine was running through the stall; empty when nothing was labelled. */
  running: string[];
  /** The time between the two timer runs that saw it, as performance.now() values (for profilers). */
  from: number;
  to: number;
}

export interface StallStats {
  stalls: number;
  /** Stalls during which the engine was running something labelled. */
  engineStalls: number;
  longestMs: number;
  /** The main thread's CPU time in the longest engine stall. */
  longestCpuMs: number;
  lastStall?: Stall;
}

export const DEFAULT_STALL_MS = 100;
/** The timer's period. A stall is reported up to this much shorter than the blocking that caused it. */
const TICK_MS = 20;
const KEEP = 100;

/**
 * Notices when the event loop stops turning (a long synchronous computation, a blocking
 * system call, a long GC pause, a starved machine): a timer that should run every 20 ms is
 * late by `thresholdMs` or more, or the main thread used as much CPU between two of its
 * runs. Each stall is logged with what the engine was running then (the activity labels)
 * and counted. The timer is unref'd; a tick costs a clock read and one pread.
 */
export class EventLoopWatchdog extends EventEmitter {
  thresholdMs: number;
  readonly stats: StallStats = { stalls: 0, engineStalls: 0, longestMs: 0, longestCpuMs: 0 };
  /** The latest stalls, newest last. */
  readonly recent: Stall[] = [];
  private timer?: NodeJS.Timeout;
  /** Opened by start() (on the main thread, which /proc/thread-self then names), closed by stop(). */
  private cpu?: ThreadCpuClock;
  private last = 0;
  private lastCpu = 0;
  private lastWait = 0;
  /** Per minute: stalls logged, so a starved machine does not fill the log. */
  private logged = 0;
  private suppressed = 0;
  private minute = 0;

  constructor(
    private readonly activities: ActivityTracker,
    private readonly log: Logger,
    thresholdMs = DEFAULT_STALL_MS,
  ) {
    super();
    this.thresholdMs = thresholdMs;
  }

  start(): void {
    if (this.timer) return;
    this.cpu = new ThreadCpuClock();
    this.activities.longMs = Math.min(this.activities.longMs, this.thresholdMs * 0.9);
    this.mark(performance.now());
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    // A stall in the last moments before stop() is still seen.
    this.tick();
    this.cpu?.close();
    this.cpu = undefined;
  }

  /** Whether stalls carry the main thread's CPU time (Linux, while started). */
  get measuresCpu(): boolean {
    return this.cpu?.available ?? false;
  }

  private mark(now: number): void {
    this.last = now;
    if (this.cpu?.read()) {
      this.lastCpu = this.cpu.cpuMs;
      this.lastWait = this.cpu.waitMs;
    }
  }

  private tick(): void {
    const now = performance.now();
    const since = this.last;
    const late = now - since - TICK_MS;
    const prevCpu = this.lastCpu;
    const prevWait = this.lastWait;
    this.mark(now);
    const cpu = this.cpu?.available ? this.cpu : undefined;
    const cpuMs = cpu ? cpu.cpuMs - prevCpu : undefined;
    if (late >= this.thresholdMs || (cpuMs !== undefined && cpuMs >= this.thresholdMs)) {
      this.record({
        at: new Date().toISOString(),
        ms: Math.round(Math.max(late, 0)),
        cpuMs: cpuMs === undefined ? undefined : Math.round(cpuMs),
        waitMs: cpu ? Math.round(cpu.waitMs - prevWait) : undefined,
        // What ran without a break for (nearly) the threshold: a block that long lies inside such a stretch.
        running: this.activities.runningWithin(since, now, this.thresholdMs * 0.9),
        from: since,
        to: now,
      });
    }
    this.activities.forgetEnded();
  }

  private record(stall: Stall): void {
    const s = this.stats;
    s.stalls++;
    s.lastStall = stall;
    if (stall.running.length) {
      s.engineStalls++;
      s.longestCpuMs = Math.max(s.longestCpuMs, stall.cpuMs ?? 0);
    }
    s.longestMs = Math.max(s.longestMs, stall.ms);
    this.recent.push(stall);
    if (this.recent.length > KEEP) this.recent.shift();
    this.emit('stall', stall);
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.minute) {
      if (this.suppressed) this.log.message('event loop stalls not logged in the last minute', { count: this.suppressed });
      this.minute = minute;
      this.logged = 0;
      this.suppressed = 0;
    }
    if (++this.logged > 20) {
      this.suppressed++;
      return;
    }
    this.log.message('event loop stalled', {
      ms: stall.ms,
      cpuMs: stall.cpuMs,
      waitMs: stall.waitMs,
      running: stall.running.length ? stall.running.join('; ') : 'nothing labelled (start-up, GC, or code outside a command)',
    });
  }
}
