import { EventEmitter } from 'node:events';
import { detectDiskSource, diskSourceName, importDisk } from './disk-import';
import { importImap, imapSourceName } from './imap-import';
import type { RunHandle } from './run-handle';
import { type FolderProgress, type ImapSource, type MigrationContext, MigrationError, type MigrationKind, type MigrationRun, type MigrationState } from './types';

interface RunRow {
  id: number;
  kind: MigrationKind;
  user_id: number | null;
  source: string;
  state: MigrationState;
  started_at: string;
  finished_at: string | null;
  error: string | null;
  progress: string;
}

interface LiveRun {
  run: MigrationRun;
  controller: AbortController;
  done: Promise<MigrationRun>;
}

/**
 * Migration runs: each import runs in the background, one at a time per user, with its
 * progress (messages per folder) in memory while it runs and in migration_runs once it
 * has ended. Emits 'progress' (a MigrationRun) when it starts, as it moves and when it ends
 * (its state then no longer 'running'), and 'finished' when it ends.
 * Passwords for remote servers are held only by the running import, never stored or logged.
 */
export class MigrationService extends EventEmitter {
  private readonly live = new Map<number, LiveRun>();
  private stopping = false;

  constructor(private readonly ctx: MigrationContext) {
    super();
  }

  /** At engine start: runs the engine was stopped in the middle of. What they committed stays; a new run resumes. */
  markInterrupted(): void {
    this.ctx.db.prepare("UPDATE migration_runs SET state = 'interrupted', finished_at = ?, error = 'the engine stopped during the run; start it again to resume' WHERE state = 'running'").run(new Date().toISOString());
  }

  /** Starts copying a user's mail from a remote IMAP server. */
  startImap(userId: number, source: ImapSource): MigrationRun {
    if (!source.host?.trim()) throw new MigrationError('BAD_SOURCE', 'the IMAP server\'s host name is missing');
    if (source.port !== undefined && (!Number.isInteger(source.port) || source.port < 1 || source.port > 65535)) throw new MigrationError('BAD_SOURCE', `port ${source.port} is not a TCP port`);
    if (!source.username) throw new MigrationError('BAD_SOURCE', 'the user name at the IMAP server is missing');
    if (source.reconnectAttempts !== undefined && (!Number.isInteger(source.reconnectAttempts) || source.reconnectAttempts < 0 || source.reconnectAttempts > 10)) {
      throw new MigrationError('BAD_SOURCE', 'reconnectAttempts is a whole number from 0 to 10');
    }
    return this.begin('imap', userId, imapSourceName(source), (run) => importImap(this.ctx, userId, source, run));
  }

  /** Starts copying a Maildir tree, a Cyrus spool or mbox files (a path on the server) into a user's mailboxes. */
  startDisk(userId: number, root: string): MigrationRun {
    const { kind } = detectDiskSource(root);
    return this.begin(kind, userId, diskSourceName(kind, root), (run) => importDisk(this.ctx, userId, root, run));
  }

  /** Asks a running migration to stop after the batch it is copying. */
  cancel(id: number): MigrationRun {
    const live = this.live.get(id);
    if (!live) {
      const run = this.run(id);
      if (!run) throw new MigrationError('MIGRATION_NOT_FOUND', `no migration ${id}`);
      return run;
    }
    live.controller.abort();
    return live.run;
  }

  /** A run, live or ended. */
  run(id: number): MigrationRun | undefined {
    const live = this.live.get(id);
    if (live) return snapshot(live.run);
    const row = this.ctx.db.prepare('SELECT * FROM migration_runs WHERE id = ?').get(id) as RunRow | undefined;
    return row && toRun(row);
  }

  /** Every run, newest first. */
  runs(): MigrationRun[] {
    const rows = this.ctx.db.prepare('SELECT * FROM migration_runs ORDER BY id DESC').all() as RunRow[];
    return rows.map((r) => (this.live.has(r.id) ? snapshot(this.live.get(r.id)!.run) : toRun(r)));
  }

  /** Resolves when the run has ended (whatever its outcome). */
  async finished(id: number): Promise<MigrationRun> {
    const live = this.live.get(id);
    if (live) return live.done;
    const run = this.run(id);
    if (!run) throw new MigrationError('MIGRATION_NOT_FOUND', `no migration ${id}`);
    return run;
  }

  /** Cancels every running migration and waits for them (engine stop). */
  async stop(): Promise<void> {
    this.stopping = true;
    const running = [...this.live.values()];
    for (const l of running) l.controller.abort();
    await Promise.all(running.map((l) => l.done));
  }

  private begin(kind: MigrationKind, userId: number, source: string, work: (run: RunHandle) => Promise<void>): MigrationRun {
    if (!this.ctx.directory.user(userId)) throw new MigrationError('USER_NOT_FOUND', `no user with id ${userId}`);
    const busy = [...this.live.values()].find((l) => l.run.userId === userId);
    if (busy) throw new MigrationError('MIGRATION_RUNNING', `migration ${busy.run.id} into this user's mailboxes is still running; wait for it or cancel it`);
    const startedAt = new Date();
    const id = Number(
      this.ctx.db
        .prepare("INSERT INTO migration_runs (kind, user_id, source, state, started_at) VALUES (?, ?, ?, 'running', ?)")
        .run(kind, userId, source, startedAt.toISOString()).lastInsertRowid,
    );
    const run: MigrationRun = { id, kind, userId, source, state: 'running', startedAt, folders: [] };
    const controller = new AbortController();
    const handle: RunHandle = { folders: run.folders, signal: controller.signal, changed: () => this.emit('progress', snapshot(run)) };
    this.ctx.log.message('migration started', { migration: id, kind, user: userId, source });
    const done = work(handle).then(
      () => this.end(run, 'succeeded'),
      (err: unknown) => this.end(run, err instanceof MigrationError && err.code === 'CANCELLED' ? (this.stopping ? 'interrupted' : 'cancelled') : 'failed', err),
    );
    this.live.set(id, { run, controller, done });
    this.emit('progress', snapshot(run));
    return snapshot(run);
  }

  private end(run: MigrationRun, state: MigrationState, err?: unknown): MigrationRun {
    run.state = state;
    run.finishedAt = new Date();
    if (state === 'interrupted') run.error = 'the engine stopped during the run; start it again to resume';
    else if (err !== undefined) run.error = err instanceof Error ? err.message : String(err);
    this.ctx.db
      .prepare('UPDATE migration_runs SET state = ?, finished_at = ?, error = ?, progress = ? WHERE id = ?')
      .run(state, run.finishedAt.toISOString(), run.error ?? null, JSON.stringify(run.folders), run.id);
    this.live.delete(run.id);
    const totals = sum(run.folders);
    const fields = { migration: run.id, state, copied: totals.copied, skipped: totals.skipped, bytes: totals.bytes, seconds: (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000 };
    if (state === 'failed') this.ctx.log.error('migration failed', { ...fields, error: run.error });
    else this.ctx.log.message(`migration ${state}`, fields);
    const final = snapshot(run);
    this.emit('progress', final);
    this.emit('finished', final);
    return final;
  }
}

/** Totals over a run's folders. */
export function sum(folders: FolderProgress[]): { total: number; copied: number; skipped: number; bytes: number } {
  return folders.reduce((t, f) => ({ total: t.total + f.total, copied: t.copied + f.copied, skipped: t.skipped + f.skipped, bytes: t.bytes + f.bytes }), { total: 0, copied: 0, skipped: 0, bytes: 0 });
}

function snapshot(run: MigrationRun): MigrationRun {
  return { ...run, folders: run.folders.map((f) => ({ ...f })) };
}

function toRun(row: RunRow): MigrationRun {
  return {
    id: row.id,
    kind: row.kind,
    userId: row.user_id ?? 0,
    source: row.source,
    state: row.state,
    startedAt: new Date(row.started_at),
    finishedAt: row.finished_at ? new Date(row.finished_at) : undefined,
    error: row.error ?? undefined,
    folders: JSON.parse(row.progress) as FolderProgress[],
  };
}
