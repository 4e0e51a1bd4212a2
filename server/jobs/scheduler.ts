import { EventEmitter } from 'node:events';
import cron, { type ScheduledTask } from 'node-cron';
import type { Settings, SettingKey } from '../config/settings-schema';
import type { Logger } from '../logs/logger';
import type { ActivityTracker } from '../metrics/activity';
import { RunLog, type JobRun, type RunTrigger } from './run-log';

/** A maintenance job: what it does, and which setting holds its cron schedule. */
export interface JobDefinition {
  name: string;
  description: string;
  /** The setting with the job's cron expression; an empty value means "never on its own". */
  scheduleSetting: SettingKey;
  /** Scheduled runs are skipped (and not recorded) while this says no; "run now" still runs. */
  enabled?: () => boolean;
  /**
   * Does the work; resolves with a short summary, rejects with what went wrong. `signal`
   * aborts when the engine stops: end early, leaving nothing half done. `control` reports
   * progress and carries the options of a run started by hand.
   */
  run(signal: AbortSignal, control: JobRunControl): Promise<string>;
  /**
   * After a failed run, run again after `firstDelayMs`, doubling after each further failure up
   * to `maxDelayMs`, until a run succeeds (the cron schedule goes on meanwhile).
   */
  retry?: { firstDelayMs: number; maxDelayMs: number };
}

/** How far a run has come: `done` of `total` units (mailboxes, files…) in its current step. */
export interface JobProgress {
  done: number;
  total: number;
  step: string;
}

export interface JobRunControl {
  /** Reports progress (shown by the jobs query and the jobUpdates subscription; a debug line in the jobs log). */
  progress(p: JobProgress): void;
  /** Options given to this run ("run now" with options); empty for scheduled runs. */
  options: Readonly<Record<string, unknown>>;
  /** What started this run: a retry need not tell anyone again what the failed run told. */
  trigger: RunTrigger;
}

export interface JobInfo {
  name: string;
  description: string;
  schedule: string;
  scheduleSetting: SettingKey;
  enabled: boolean;
  running: boolean;
  nextRun: Date | null;
  lastRun: JobRun | undefined;
  /** While it runs: how far it has come (undefined before its first report). */
  progress: JobProgress | undefined;
}

export class JobError extends Error {
  constructor(
    readonly code: 'JOB_NOT_FOUND' | 'JOB_RUNNING',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs jobs on node-cron schedules kept in settings, records every run in SQLite, never
 * runs two of the same job at once (a scheduled tick during a run is skipped, "run now"
 * is refused), and follows schedule changes live. Emits 'started' and 'finished' (JobRun),
 * and 'progress' ({ run: JobRun, progress: JobProgress }) as a run reports it.
 */
export class Scheduler extends EventEmitter {
  private readonly jobs = new Map<string, JobDefinition>();
  private readonly tasks = new Map<string, ScheduledTask>();
  /** Each task's next run as last worked out (see nextRunOf); a new schedule is a new task. */
  private readonly nextRuns = new WeakMap<ScheduledTask, Date>();
  private readonly running = new Map<string, Promise<JobRun>>();
  private readonly aborts = new Map<string, AbortController>();
  private readonly progress = new Map<string, { runId: number; progress: JobProgress }>();
  /** Failed runs in a row, and the timer of the next retry, per job with a retry. */
  private readonly failures = new Map<string, number>();
  private readonly retries = new Map<string, { timer: NodeJS.Timeout; at: Date }>();
  private started = false;
  readonly log: RunLog;

  constructor(
    runLog: RunLog,
    private readonly settings: () => Readonly<Settings>,
    private readonly logger: Logger,
    /** Labels job runs for the event-loop watchdog ("job junk-training"). */
    private readonly activities?: ActivityTracker,
  ) {
    super();
    this.log = runLog;
  }

  register(job: JobDefinition): void {
    if (this.jobs.has(job.name)) throw new Error(`job ${job.name} is registered twice`);
    this.jobs.set(job.name, job);
    if (this.started) this.schedule(job);
  }

  start(): void {
    this.started = true;
    this.log.abandonUnfinished();
    for (const job of this.jobs.values()) this.schedule(job);
  }

  /** Stops the timers, asks runs in progress to end, and waits for them. */
  async stop(): Promise<void> {
    this.started = false;
    for (const r of this.retries.values()) clearTimeout(r.timer);
    this.retries.clear();
    for (const task of this.tasks.values()) await task.destroy();
    this.tasks.clear();
    for (const a of this.aborts.values()) a.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  /** Re-reads the schedules of jobs whose setting changed. */
  reconfigure(changed: ReadonlySet<SettingKey>): void {
    if (!this.started) return;
    for (const job of this.jobs.values()) if (changed.has(job.scheduleSetting)) this.schedule(job);
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => this.info(j));
  }

  /** The last `n` runs of a job, newest first. */
  recentRuns(name: string, n: number): JobRun[] {
    return this.log.recent(name, n);
  }

  job(name: string): JobInfo | undefined {
    const j = this.jobs.get(name);
    return j && this.info(j);
  }

  /** "Run now" (with the job's own options, if any): starts the job and resolves with the finished run. */
  runNow(name: string, options: Readonly<Record<string, unknown>> = {}): Promise<JobRun> {
    const job = this.jobs.get(name);
    if (!job) throw new JobError('JOB_NOT_FOUND', `there is no job called "${name}"`);
    if (this.running.has(name)) throw new JobError('JOB_RUNNING', `${name} is running already; wait for it to finish`);
    return this.execute(job, 'manual', options);
  }

  /** The progress last reported by a run in progress (of this run id, when given). */
  progressOf(name: string, runId?: number): JobProgress | undefined {
    const p = this.progress.get(name);
    return p && (runId === undefined || p.runId === runId) ? p.progress : undefined;
  }

  /** Resolves when the job's current run (if any) is over. */
  async idle(name: string): Promise<void> {
    await this.running.get(name)?.catch(() => undefined);
  }

  /** node-cron's own complaints go to the server log, not to the console. */
  private readonly cronLogger = {
    info: () => undefined,
    debug: () => undefined,
    warn: (text: string) => this.logger.message(`scheduler: ${text}`),
    error: (text: string | Error) => this.logger.error(`scheduler: ${String(text)}`),
  };

  private info(j: JobDefinition): JobInfo {
    return {
      name: j.name,
      description: j.description,
      schedule: String(this.settings()[j.scheduleSetting]),
      scheduleSetting: j.scheduleSetting,
      enabled: j.enabled?.() ?? true,
      running: this.running.has(j.name),
      nextRun: earliest(this.nextRunOf(j.name), this.retries.get(j.name)?.at ?? null),
      lastRun: this.log.last(j.name),
      progress: this.progressOf(j.name),
    };
  }

  /**
   * node-cron works a next run out minute by minute at every call (2 % of the engine's busy
   * samples under the dashboard bench, docs/benchmarks.md). A time still ahead stays right until
   * it passes: only a new schedule, which is a new task, moves it.
   */
  private nextRunOf(name: string): Date | null {
    const task = this.tasks.get(name);
    if (!task) return null;
    let next = this.nextRuns.get(task);
    if (!next || next.getTime() <= Date.now()) {
      const fresh = task.getNextRun();
      if (!fresh) return null;
      this.nextRuns.set(task, (next = fresh));
    }
    return new Date(next);
  }

  private schedule(job: JobDefinition): void {
    const old = this.tasks.get(job.name);
    if (old) void old.destroy();
    this.tasks.delete(job.name);
    const expression = String(this.settings()[job.scheduleSetting]);
    if (!expression) return;
    if (!cron.validate(expression)) {
      this.logger.error('job schedule is not a cron expression; job not scheduled', { job: job.name, schedule: expression });
      return;
    }
    const task = cron.schedule(
      expression,
      () => {
        if (this.running.has(job.name)) {
          this.logger.message('scheduled run skipped: the previous run is still going', { job: job.name });
          return;
        }
        if (job.enabled && !job.enabled()) return;
        void this.execute(job, 'schedule');
      },
      { name: `pillarbox:${job.name}`, unref: true, suppressMissedWarning: true, logger: this.cronLogger },
    );
    this.tasks.set(job.name, task);
  }

  private execute(job: JobDefinition, trigger: RunTrigger, options: Readonly<Record<string, unknown>> = {}): Promise<JobRun> {
    const id = this.log.begin(job.name, trigger);
    this.logger.message('job started', { job: job.name, trigger, run: id, ...(Object.keys(options).length ? { options } : {}) });
    const started = this.log.run(id) as JobRun;
    this.emit('started', started);
    const abort = new AbortController();
    this.aborts.set(job.name, abort);
    const control: JobRunControl = {
      options,
      trigger,
      progress: (progress) => {
        const copy = { ...progress };
        this.progress.set(job.name, { runId: id, progress: copy });
        this.logger.debug('job progress', { job: job.name, run: id, ...copy });
        this.emit('progress', { run: started, progress: copy });
      },
    };
    const p = (async () => {
      let outcome: 'ok' | 'failed' = 'ok';
      let output: string;
      const activity = this.activities?.start(`job ${job.name}`);
      try {
        output = await job.run(abort.signal, control);
      } catch (err) {
        outcome = 'failed';
        output = err instanceof Error ? err.message : String(err);
      } finally {
        activity?.close();
      }
      this.log.finish(id, outcome, output);
      this.progress.delete(job.name);
      // The jobs log keeps the whole output (the run log keeps at most MAX_OUTPUT characters).
      if (outcome === 'ok') this.logger.message('job finished', { job: job.name, run: id, output });
      else this.logger.error('job failed', { job: job.name, run: id, output });
      if (job.retry) this.planRetry(job, outcome === 'failed');
      const run = this.log.run(id) as JobRun;
      this.emit('finished', run);
      return run;
    })().finally(() => {
      this.running.delete(job.name);
      this.aborts.delete(job.name);
    });
    this.running.set(job.name, p);
    return p;
  }

  /** After a run of a job with a retry: a failure plans the next try (back-off doubling), a success ends the streak. */
  private planRetry(job: JobDefinition, failed: boolean): void {
    const retry = job.retry;
    if (!retry) return;
    const pending = this.retries.get(job.name);
    if (pending) clearTimeout(pending.timer);
    this.retries.delete(job.name);
    if (!failed) {
      this.failures.delete(job.name);
      return;
    }
    const streak = (this.failures.get(job.name) ?? 0) + 1;
    this.failures.set(job.name, streak);
    if (!this.started) return;
    const delay = Math.min(retry.firstDelayMs * 2 ** Math.min(streak - 1, 30), retry.maxDelayMs);
    const timer = setTimeout(() => {
      this.retries.delete(job.name);
      if (this.started && !this.running.has(job.name)) void this.execute(job, 'retry');
    }, delay);
    timer.unref();
    this.retries.set(job.name, { timer, at: new Date(Date.now() + delay) });
    this.logger.message('job will be tried again', { job: job.name, failedRuns: streak, inSeconds: Math.round(delay / 1000) });
  }
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}
