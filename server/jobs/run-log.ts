import type { Db } from '../db/database';

export type RunOutcome = 'running' | 'ok' | 'failed';
export type RunTrigger = 'schedule' | 'manual' | 'retry';

export interface JobRun {
  id: number;
  job: string;
  trigger: RunTrigger;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: RunOutcome;
  /** What the job reported (its summary, or the error), at most MAX_OUTPUT characters. */
  output: string;
}

interface RunRow {
  id: number;
  job: string;
  trigger: RunTrigger;
  started_at: number;
  finished_at: number | null;
  outcome: RunOutcome;
  output: string;
}

/** Enough for freshclam's or a training job's report; the rest goes to the log. */
export const MAX_OUTPUT = 16_000;
/** Runs kept per job; older ones are dropped as new ones finish. */
export const RUNS_KEPT = 500;

/** The job_runs table: one row per run, written when it starts and again when it ends. */
export class RunLog {
  constructor(private readonly db: Db) {}

  begin(job: string, trigger: RunTrigger, at = new Date()): number {
    return Number(this.db.prepare(`INSERT INTO job_runs (job, trigger, started_at, outcome) VALUES (?, ?, ?, 'running')`).run(job, trigger, at.getTime()).lastInsertRowid);
  }

  finish(id: number, outcome: 'ok' | 'failed', output: string, at = new Date()): void {
    const text = output.length > MAX_OUTPUT ? output.slice(0, MAX_OUTPUT - 20) + '\n… (output cut)' : output;
    this.db.prepare('UPDATE job_runs SET finished_at = ?, outcome = ?, output = ? WHERE id = ?').run(at.getTime(), outcome, text, id);
    const row = this.db.prepare('SELECT job FROM job_runs WHERE id = ?').get(id) as { job: string } | undefined;
    if (row) {
      this.db
        .prepare('DELETE FROM job_runs WHERE job = ? AND id <= (SELECT id FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT 1 OFFSET ?)')
        .run(row.job, row.job, RUNS_KEPT);
    }
  }

  /** A run left 'running' by an engine that stopped or crashed mid-run. */
  abandonUnfinished(): void {
    this.db.prepare(`UPDATE job_runs SET outcome = 'failed', finished_at = started_at, output = output || 'the engine stopped before the run finished' WHERE outcome = 'running'`).run();
  }

  /** The last `n` runs of a job, newest first. */
  recent(job: string, n: number): JobRun[] {
    return (this.db.prepare('SELECT * FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT ?').all(job, n) as RunRow[]).map(toRun);
  }

  /** Runs newest first, of one job or of all. */
  runs(job?: string): JobRun[] {
    const rows = (job
      ? this.db.prepare('SELECT * FROM job_runs WHERE job = ? ORDER BY id DESC').all(job)
      : this.db.prepare('SELECT * FROM job_runs ORDER BY id DESC').all()) as RunRow[];
    return rows.map(toRun);
  }

  run(id: number): JobRun | undefined {
    const row = this.db.prepare('SELECT * FROM job_runs WHERE id = ?').get(id) as RunRow | undefined;
    return row && toRun(row);
  }

  last(job: string): JobRun | undefined {
    const row = this.db.prepare('SELECT * FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT 1').get(job) as RunRow | undefined;
    return row && toRun(row);
  }

  /** The last run that finished with `outcome`. */
  lastWith(job: string, outcome: 'ok' | 'failed'): JobRun | undefined {
    const row = this.db.prepare('SELECT * FROM job_runs WHERE job = ? AND outcome = ? ORDER BY id DESC LIMIT 1').get(job, outcome) as RunRow | undefined;
    return row && toRun(row);
  }
}

function toRun(r: RunRow): JobRun {
  return {
    id: r.id,
    job: r.job,
    trigger: r.trigger,
    startedAt: new Date(r.started_at),
    finishedAt: r.finished_at === null ? null : new Date(r.finished_at),
    outcome: r.outcome,
    output: r.output,
  };
}
