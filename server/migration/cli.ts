import fs from 'node:fs';
import type { Directory } from '../directory/directory';
import { sum, type MigrationService } from './migration-service';
import type { ImapSource, MigrationRun, TlsMode } from './types';
import { type DirectoryImportContext, type ImportReport, importUsersCsv, importVirtualMap } from './user-import';

export const MIGRATE_USAGE = `usage:
  pillarbox migrate imap --user USER --host HOST [--port N] [--tls implicit|starttls|none]
                         --username NAME [--authorize-as NAME] [--no-verify-certificate]
                         [--folder NAME]... [--reconnect-attempts N]
                                                 (the password from PILLARBOX_MIGRATE_PASSWORD or --password-file FILE)
  pillarbox migrate disk --user USER PATH        (a Maildir, a directory of mbox files, an mbox file, a Cyrus spool)
  pillarbox migrate users FILE.csv [--dry-run]   (columns: address,name,password,passwordHash,quotaMb,aliases,forwardTo)
  pillarbox migrate virtual FILE [--dry-run]     (a Postfix virtual map)
  (and the engine's flags: --data-dir DIR ...)
`;

export interface MigrateCliContext extends DirectoryImportContext {
  directory: Directory;
  migrations: MigrationService;
}

/** The flags `pillarbox migrate` reads itself; the rest go to the engine's bootstrap. */
const OWN_FLAGS = new Set(['--user', '--host', '--port', '--tls', '--username', '--authorize-as', '--password-file', '--folder', '--reconnect-attempts']);
const OWN_SWITCHES = new Set(['--dry-run', '--no-verify-certificate']);

export function splitMigrateArgs(argv: string[]): { own: string[]; engine: string[] } {
  const own: string[] = [];
  const engine: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const flag = a.split('=')[0];
    if (OWN_SWITCHES.has(a)) own.push(a);
    else if (OWN_FLAGS.has(flag)) {
      own.push(a);
      if (!a.includes('=') && i + 1 < argv.length) own.push(argv[++i]);
    } else if (a.startsWith('--')) {
      engine.push(a);
      if (!a.includes('=') && i + 1 < argv.length && !argv[i + 1].startsWith('--')) engine.push(argv[++i]);
    } else own.push(a);
  }
  return { own, engine };
}

/** Runs `pillarbox migrate …` on the engine's services (the engine itself may be running: SQLite is shared safely). Returns the exit code. */
export async function migrateCommand(ctx: MigrateCliContext, args: string[], out: (line: string) => void): Promise<number> {
  const [what, ...rest] = args;
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (OWN_SWITCHES.has(a)) flags.set(a, ['']);
    else if (a.startsWith('--')) {
      const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, rest[++i]];
      if (inline === undefined) throw new Error(`${name} needs a value`);
      flags.set(name, [...(flags.get(name) ?? []), inline]);
    } else positional.push(a);
  }
  const one = (name: string) => flags.get(name)?.at(-1);
  const userId = () => {
    const name = one('--user');
    if (!name) throw new Error('--user is missing');
    const user = ctx.directory.userByName(name);
    if (!user) throw new Error(`no user "${name}"`);
    return user.id;
  };
  switch (what) {
    case 'imap': {
      const password = process.env.PILLARBOX_MIGRATE_PASSWORD ?? (one('--password-file') ? fs.readFileSync(one('--password-file')!, 'utf8').replace(/\r?\n$/, '') : undefined);
      if (password === undefined) throw new Error('the remote password comes from PILLARBOX_MIGRATE_PASSWORD or --password-file (never a flag: others can read the command line)');
      const source: ImapSource = {
        host: one('--host') ?? '',
        port: one('--port') === undefined ? undefined : Number(one('--port')),
        tls: (one('--tls') ?? 'implicit') as TlsMode,
        username: one('--username') ?? '',
        password,
        authorizeAs: one('--authorize-as'),
        verifyCertificate: !flags.has('--no-verify-certificate'),
        folders: flags.get('--folder'),
        reconnectAttempts: one('--reconnect-attempts') === undefined ? undefined : Number(one('--reconnect-attempts')),
      };
      if (!['implicit', 'starttls', 'none'].includes(source.tls)) throw new Error('--tls is implicit, starttls or none');
      return follow(ctx.migrations, ctx.migrations.startImap(userId(), source), out);
    }
    case 'disk': {
      if (positional.length !== 1) throw new Error('migrate disk needs one PATH');
      return follow(ctx.migrations, ctx.migrations.startDisk(userId(), positional[0]), out);
    }
    case 'users':
    case 'virtual': {
      if (positional.length !== 1) throw new Error(`migrate ${what} needs one FILE`);
      const text = fs.readFileSync(positional[0], 'utf8');
      const dryRun = flags.has('--dry-run');
      const report = what === 'users' ? await importUsersCsv(ctx, text, dryRun) : importVirtualMap(ctx, text, dryRun);
      printReport(report, out);
      return report.errors.length ? 1 : 0;
    }
    default:
      throw new Error(`unknown migration "${what ?? ''}"\n${MIGRATE_USAGE}`);
  }
}

/** Prints the run's progress as it moves (a line per folder when it changes), then its outcome. */
async function follow(migrations: MigrationService, started: MigrationRun, out: (line: string) => void): Promise<number> {
  const last = new Map<string, string>();
  const onProgress = (run: MigrationRun) => {
    if (run.id !== started.id) return;
    for (const f of run.folders) {
      const line = `${f.source} -> ${f.target}: ${f.copied + f.skipped}/${f.total}${f.skipped ? ` (${f.skipped} already there)` : ''}`;
      if (last.get(f.source) === line) continue;
      last.set(f.source, line);
      if (f.total === 0 || f.copied + f.skipped === f.total || (f.copied % 1000) < 200) out(line);
    }
  };
  migrations.on('progress', onProgress);
  const run = await migrations.finished(started.id);
  migrations.off('progress', onProgress);
  const t = sum(run.folders);
  const seconds = ((run.finishedAt ?? new Date()).getTime() - run.startedAt.getTime()) / 1000;
  out(`migration ${run.id} ${run.state}: ${t.copied} copied, ${t.skipped} already there, ${t.bytes} bytes in ${seconds.toFixed(1)} s${seconds > 0 ? ` (${Math.round(t.copied / seconds)} messages/s)` : ''}`);
  if (run.error) out(`error: ${run.error}`);
  return run.state === 'succeeded' ? 0 : 1;
}

function printReport(report: ImportReport, out: (line: string) => void): void {
  for (const c of report.changes) out(`line ${c.line}: ${c.action} ${c.kind} ${c.name}${c.detail ? ` (${c.detail})` : ''}`);
  for (const e of report.errors) out(`line ${e.line}: error: ${e.message}`);
  out(report.applied ? `applied: ${report.changes.length} lines` : report.dryRun ? 'dry run: nothing changed' : 'nothing changed (fix the lines in error and run again)');
}
