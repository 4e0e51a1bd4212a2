import path from 'node:path';
import type { Logger } from '../logs/logger';
import type { Backups } from './backups';
import { BackupError, readManifest } from './manifest';
import { knownSchemaVersion } from './restore';
import { readRestoreStatus, type RestoreStatus, restoreOverDataDir, verifyBackup, writeRestoreStatus } from './restore-in-place';

export interface RestoreHooks {
  /** Stops listeners, jobs and the queue and closes the database. */
  stopEngine(): Promise<void>;
  /** Called once the engine is stopped and the restore done or given up: the process should end for its supervisor to start it again. */
  restart(outcome: RestoreStatus): void;
}

/** The restoreBackup mutation's work (the steps are in restore-in-place.ts); one at a time. */
export class RestoreService {
  private current?: RestoreStatus;
  /** Settles when the run started last is over (for tests and shutdown). */
  finished: Promise<void> = Promise.resolve();

  constructor(
    private readonly dataDir: string,
    private readonly backups: Backups,
    private readonly log: Logger,
    private readonly hooks: RestoreHooks,
  ) {}

  /** The run in progress, or the outcome of the last one (kept across the restart it ends with). */
  status(): RestoreStatus {
    if (this.current) return this.current;
    const last = readRestoreStatus(this.dataDir);
    // Written before the engine stopped, and never finished: it died before the restore was decided.
    if (last.state === 'RESTORING') return { ...last, state: 'FAILED', message: 'the engine stopped before the restore was complete; nothing was changed' };
    return last;
  }

  /**
   * Starts restoring the backup `name` of the backup set. A backup that cannot be restored
   * (missing, half-written, of a newer version) is refused here; its files are checked next,
   * while the engine still serves, and only then does the engine stop.
   */
  start(name: string): RestoreStatus {
    if (this.current && (this.current.state === 'VERIFYING' || this.current.state === 'RESTORING')) {
      throw new BackupError('BUSY', `a restore of ${this.current.backup} is already running`);
    }
    const backupDir = this.backups.set().dir(name);
    const manifest = readManifest(backupDir, knownSchemaVersion());
    const inside = manifest.locations.find((l) => path.resolve(l.path).startsWith(path.resolve(this.dataDir) + path.sep));
    if (inside) throw new BackupError('INVALID', `the store location ${inside.name} (${inside.path}) lies inside the data directory: restore it with pillarbox restore into a new directory`);
    this.current = { state: 'VERIFYING', backup: name, startedAt: new Date().toISOString(), filesChecked: 0, filesTotal: manifest.files.length, message: 'checking every file of the backup' };
    this.log.message('restore requested: checking the backup', { backup: name, files: manifest.files.length });
    this.finished = this.run(backupDir, this.current);
    return this.current;
  }

  private async run(backupDir: string, status: RestoreStatus): Promise<void> {
    try {
      await verifyBackup(backupDir, (checked, total) => Object.assign(status, { filesChecked: checked, filesTotal: total }));
    } catch (err) {
      Object.assign(status, { state: 'FAILED', finishedAt: new Date().toISOString(), message: `${(err as Error).message}; nothing was changed` });
      this.log.error('restore refused', { backup: status.backup, error: (err as Error).message });
      writeRestoreStatus(this.dataDir, status);
      return;
    }
    Object.assign(status, { state: 'RESTORING', message: 'the engine stopped to restore the backup; it starts again on the restored store' });
    writeRestoreStatus(this.dataDir, status);
    this.log.message('restore: the backup is whole; stopping the engine to restore it', { backup: status.backup });
    await this.hooks.stopEngine();
    try {
      await restoreOverDataDir(backupDir, this.dataDir);
      Object.assign(status, { state: 'DONE', message: `restored backup ${status.backup}` });
    } catch (err) {
      Object.assign(status, { state: 'FAILED', message: `${(err as Error).message}; nothing was changed` });
    }
    status.finishedAt = new Date().toISOString();
    writeRestoreStatus(this.dataDir, status);
    this.hooks.restart(status);
  }
}
