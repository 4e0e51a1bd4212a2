import type { Settings } from '../config/settings-schema';
import type { Logger } from '../logs/logger';
import { type BackupInfo, BackupSet } from './backup-set';
import { BackupError } from './manifest';
import type { TarEntry } from './tar';

/** GET BACKUP_DOWNLOAD_PATH + NAME.tar: one complete backup as a tar stream (admins). */
export const BACKUP_DOWNLOAD_PATH = '/backups/';

/** The engine's backups: the set named by the backupDirectory setting, written by the backup job. */
export class Backups {
  constructor(
    private readonly dataDir: string,
    private readonly settings: () => Readonly<Pick<Settings, 'backupDirectory' | 'backupKeep'>>,
    private readonly log: Logger,
  ) {}

  /** The backup set now configured; a NOT_CONFIGURED error while backupDirectory is empty. */
  set(): BackupSet {
    const dir = this.settings().backupDirectory;
    if (!dir) throw new BackupError('NOT_CONFIGURED', 'no backup directory is set: set backupDirectory (updateSettings) to an absolute directory outside the data directory');
    return new BackupSet(dir);
  }

  /** Takes a backup, then keeps the newest backupKeep; resolves with a summary for the job's run record. */
  async run(signal?: AbortSignal): Promise<string> {
    const set = this.set();
    const started = Date.now();
    try {
      const { name, manifest } = await set.create(this.dataDir, { signal });
      const removed = await set.prune(this.settings().backupKeep);
      const total = manifest.files.reduce((sum, f) => sum + f.size, 0);
      const fields = { name, directory: set.root, files: manifest.files.length, bytes: total, copiedFiles: manifest.copiedFiles, copiedBytes: manifest.copiedBytes, linkedFiles: manifest.linkedFiles, missingFiles: manifest.missing.length, removed, ms: Date.now() - started };
      this.log.message('backup written', fields);
      if (manifest.missing.length) this.log.error('the backup found messages whose file is missing from the store (run the repair)', { name, missing: manifest.missing.slice(0, 20) });
      return (
        `backup ${name} in ${set.root}: ${manifest.files.length} files (${humanBytes(total)}), ${manifest.copiedFiles} copied (${humanBytes(manifest.copiedBytes)}), ${manifest.linkedFiles} unchanged (linked)` +
        (manifest.missing.length ? `; ${manifest.missing.length} message files were missing from the store` : '') +
        (removed.length ? `; removed ${removed.join(', ')}` : '')
      );
    } catch (err) {
      this.log.error('backup failed', { directory: set.root, error: (err as Error).message });
      throw err;
    }
  }

  async list(): Promise<BackupInfo[]> {
    return this.set().list();
  }

  async remove(name: string): Promise<void> {
    await this.set().remove(name);
    this.log.message('backup removed', { name, directory: this.set().root });
  }

  tarEntries(name: string): TarEntry[] {
    return this.set().tarEntries(name);
  }
}

function humanBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${n.toFixed(1)} ${units[i]}`;
}
