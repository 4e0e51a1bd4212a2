import fs from 'node:fs';
import path from 'node:path';
import { BackupSet } from './backup-set';
import { BackupError, MANIFEST_FILE } from './manifest';
import { restoreBackup } from './restore';

/** "--keep 7", "--location archive=/srv/mail2" … and the positional arguments, in order. */
function split(argv: string[], valued: string[]): { positional: string[]; flags: Map<string, string[]> } {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!valued.includes(name)) throw new BackupError('INVALID', `unknown option ${arg}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new BackupError('INVALID', `${arg} needs a value`);
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { positional, flags };
}

/**
 * `pillarbox backup DIR [--data-dir DATA] [--keep N]`: a backup into the set DIR, safe while
 * the engine runs on DATA (a second SQLite connection reads a snapshot; files are copied after).
 */
export async function backupCommand(argv: string[], dataDirDefault: (flags: string[]) => string): Promise<number> {
  const { positional, flags } = split(argv, ['data-dir', 'keep']);
  if (positional.length !== 1) throw new BackupError('INVALID', 'usage: pillarbox backup DIR [--data-dir DATA] [--keep N]');
  const dataDir = dataDirDefault(flags.has('data-dir') ? ['--data-dir', flags.get('data-dir')!.at(-1)!] : []);
  const keep = flags.has('keep') ? Number(flags.get('keep')!.at(-1)) : undefined;
  if (keep !== undefined && !(Number.isInteger(keep) && keep >= 1)) throw new BackupError('INVALID', '--keep needs a whole number of backups, 1 or more');
  const set = new BackupSet(positional[0]);
  const { name, manifest } = await set.create(dataDir);
  const total = manifest.files.reduce((sum, f) => sum + f.size, 0);
  process.stdout.write(
    `backup ${path.join(set.root, name)}: ${manifest.files.length} files, ${total} bytes; ${manifest.copiedFiles} copied (${manifest.copiedBytes} bytes), ${manifest.linkedFiles} unchanged since the previous backup (hard links)\n`,
  );
  if (manifest.missing.length) process.stderr.write(`pillarbox: ${manifest.missing.length} message files were already missing from the store (their rows are in the backup); run the repair\n`);
  if (keep !== undefined) {
    const removed = await set.prune(keep);
    if (removed.length) process.stdout.write(`removed ${removed.join(', ')}\n`);
  }
  return 0;
}

/**
 * `pillarbox restore BACKUP DATA_DIR [--location NAME=PATH]…`: BACKUP is one backup (a numbered
 * folder) or a backup set (its newest complete backup); DATA_DIR must be empty or new.
 */
export async function restoreCommand(argv: string[]): Promise<number> {
  const { positional, flags } = split(argv, ['location']);
  if (positional.length !== 2) throw new BackupError('INVALID', 'usage: pillarbox restore BACKUP DATA_DIR [--location NAME=PATH]...');
  const locationPaths: Record<string, string> = {};
  for (const l of flags.get('location') ?? []) {
    const eq = l.indexOf('=');
    if (eq <= 0 || !path.isAbsolute(l.slice(eq + 1))) throw new BackupError('INVALID', `--location needs NAME=/absolute/path, not "${l}"`);
    locationPaths[l.slice(0, eq)] = l.slice(eq + 1);
  }
  const backupDir = chooseBackup(path.resolve(positional[0]));
  const result = await restoreBackup({ backupDir, dataDir: positional[1], locationPaths });
  process.stdout.write(`restored ${backupDir} (taken ${result.manifest.finishedAt} by Pillarbox ${result.manifest.engineVersion}) into ${path.resolve(positional[1])}: ${result.files} files, ${result.bytes} bytes, every checksum verified\n`);
  return 0;
}

/** A backup folder as given; or, for a backup set, its newest complete backup. */
function chooseBackup(dir: string): string {
  if (fs.existsSync(path.join(dir, MANIFEST_FILE)) || /^\d{6}$/.test(path.basename(dir)) || !fs.existsSync(dir)) return dir;
  const newest = [...fs.readdirSync(dir)].filter((n) => /^\d{6}$/.test(n) && fs.existsSync(path.join(dir, n, MANIFEST_FILE))).sort().at(-1);
  if (!newest) throw new BackupError('NOT_FOUND', `${dir} holds no complete backup`);
  return path.join(dir, newest);
}
