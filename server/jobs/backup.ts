import type { Backups } from '../backup/backups';
import type { Settings } from '../config/settings-schema';
import type { JobDefinition } from './scheduler';

export const BACKUP_JOB = 'backup';

/** Scheduled backups into backupDirectory, keeping backupKeep of them. */
export function backupJob(backups: Backups, settings: () => Readonly<Settings>): JobDefinition {
  return {
    name: BACKUP_JOB,
    description: 'Takes a consistent backup of the mail, databases, keys and certificates into backupDirectory (incremental: unchanged files are hard links into the previous backup), then keeps the newest backupKeep.',
    scheduleSetting: 'backupSchedule',
    enabled: () => settings().backupDirectory !== '',
    run: (signal) => backups.run(signal),
  };
}
