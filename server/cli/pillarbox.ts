import { BootstrapError, parseBootstrap } from '../config/bootstrap';
import { isDiskFull } from '../db/storage-faults';
import { firstStartBanner } from './first-start-banner';
import { describeReconstruct } from '../store/reconstruct';

// Each command loads only what it needs: `pillarbox classify` should not pay for
// starting up the whole engine's modules.
const engineModule = () => import('../main');
const junkModule = () => import('../junk/cli');
const backupModule = () => import('../backup/cli');

const USAGE = `usage: pillarbox <command> [options]

commands:
  start                       run the engine (flags: --data-dir, --hostname, --bind, --smtp-port, ...
                              or PILLARBOX_* variables)
  reconstruct USER [MAILBOX]  rebuild a user's mailbox index from the message files (all mailboxes
                              when none is named) while the engine is stopped (running: use the
                              reconstructMailboxes mutation); messages whose file is gone are
                              reported, and removed only with --expunge-missing
  learn --spam|--ham|--forget [--showdots] PATH...
                              teach the junk filter (files, mbox files, directories)
  classify FILE...            print the junk score and verdict of each message
  backup DIR [--keep N]       take a backup of the data directory (--data-dir) into the backup set DIR
                              (incremental on its newest backup); safe while the engine runs
  restore BACKUP DATA_DIR [--location NAME=PATH]...
                              restore a backup (or a set's newest) into an empty data directory
  migrate imap|disk|users|virtual ...
                              import mail from an IMAP server or a Maildir/mbox/Cyrus tree, users
                              from CSV, aliases from a Postfix virtual map (pillarbox migrate help)
  lists import --domain DOMAIN --config FILE [--members [KIND:]FILE]...
                              create a list from a Mailman 2.1 list's config_list -o and
                              list_members output (pillarbox lists help)
  sieve test SCRIPT MESSAGE   run a Sieve script on a message and print the actions as JSON lines
                              (--from ADDR, --to ADDR; changes nothing)
  help                        show this text
`;

async function reconstruct(args: string[]): Promise<void> {
  const expungeMissing = args.includes('--expunge-missing');
  const argv = args.filter((a) => a !== '--expunge-missing');
  const positional = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--') && !argv[i - 1].includes('=')));
  const [username, mailbox] = positional;
  if (!username) throw new BootstrapError('reconstruct needs a user name');
  const { Engine } = await engineModule();
  const engine = new Engine(parseBootstrap(argv.filter((a) => !positional.includes(a))));
  try {
    const { directory, store } = engine.ctx;
    const user = directory.loginUser(username);
    if (!user) throw new BootstrapError(`no user "${username}"`);
    const boxes = mailbox ? [mailbox] : store.mailboxes(user.id).map((m) => m.name);
    for (const name of boxes) {
      const r = await store.reconstruct(user.id, name, { expungeMissing });
      process.stdout.write(`${user.shortName}/${name}: ${describeReconstruct(r)}\n`);
      for (const m of r.missingMessages) process.stdout.write(`  UID ${m.uid}: ${m.file} is gone${expungeMissing ? ' (expunged)' : ''}\n`);
    }
  } finally {
    await engine.close();
  }
}

async function migrate(argv: string[]): Promise<void> {
  const { MIGRATE_USAGE, migrateCommand, splitMigrateArgs } = await import('../migration/cli');
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help') {
    process.stdout.write(MIGRATE_USAGE);
    return;
  }
  const { own, engine: engineArgs } = splitMigrateArgs(argv);
  const { Engine } = await engineModule();
  const engine = new Engine(parseBootstrap(engineArgs));
  try {
    process.exitCode = await migrateCommand(engine.ctx, own, (line) => process.stdout.write(line + '\n'));
  } catch (err) {
    throw new BootstrapError(err instanceof Error ? err.message : String(err));
  } finally {
    await engine.ctx.migrations.stop();
    await engine.close();
  }
}

async function lists(argv: string[]): Promise<void> {
  const { LISTS_USAGE, listsImportCommand, splitListsArgs } = await import('../lists/cli');
  const { own, engine: engineArgs, rest } = splitListsArgs(argv);
  if (rest[0] !== 'import') {
    process.stdout.write(LISTS_USAGE);
    if (rest[0] !== 'help' && !argv.includes('--help')) process.exitCode = 2;
    return;
  }
  const { Engine } = await engineModule();
  const engine = new Engine(parseBootstrap(engineArgs));
  try {
    process.exitCode = await listsImportCommand(engine.ctx.lists, own, (line) => process.stdout.write(line + '\n'));
  } catch (err) {
    throw new BootstrapError(err instanceof Error ? err.message : String(err));
  } finally {
    await engine.close();
  }
}

/** The exit status that asks the supervisor for a restart (EX_TEMPFAIL; pillarbox.service restarts on it). */
const RESTART_EXIT_CODE = 75;

async function start(argv: string[]): Promise<void> {
  const options = parseBootstrap(argv);
  // A first start makes the key of its certificate on the other core while the engine loads
  // (of the default type: a data directory with settings and no certificate makes its own).
  const { CertStore } = await import('../certs/cert-store');
  const { SETTINGS } = await import('../config/settings-schema');
  CertStore.makeFirstKeyEarly(`${options.dataDir}/certs`, SETTINGS.selfSignedKeyType.default);
  const { Engine } = await engineModule();
  let firstStart: { username: string; password: string } | undefined;
  const engine = new Engine(options, {
    echoLogs: true,
    onFirstStart: ({ username, password, generated }) => {
      if (generated) firstStart = { username, password };
    },
    // The engine has stopped for a restore (restoreBackup): its supervisor starts it again on
    // the restored store (systemd: RestartForceExitStatus); started by hand, start it again.
    onRestoreFinished: (outcome) => {
      process.stdout.write(`pillarbox: restore ${outcome.state === 'DONE' ? 'done' : 'failed'} (${outcome.message}); exiting for a restart\n`);
      process.exit(RESTART_EXIT_CODE);
    },
  });
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    engine.stop().then(() => process.exit(0), () => process.exit(1));
  });
  process.on('SIGINT', () => process.emit('SIGTERM'));
  process.on('SIGHUP', () => void engine.reload());
  // The last line of defence: a write that failed for want of space somewhere nobody
  // listened must not stop the mail service. Anything else is a bug: log it and exit, so
  // that the service manager starts a clean process.
  process.on('uncaughtException', (err) => {
    const server = engine.ctx.logs.logger('server');
    if (isDiskFull(err)) {
      server.error('a write failed: the disk is full (the engine carries on)', { error: String(err) });
      return;
    }
    server.error('uncaught exception; exiting', { error: err.stack ?? String(err) });
    process.stderr.write(`pillarbox: uncaught exception: ${err.stack ?? String(err)}\n`);
    process.exit(1);
  });
  const ports = await engine.start();
  // Printed once the listeners are up, so the address names the port really in use.
  if (firstStart) {
    process.stdout.write(firstStartBanner(firstStart, options, ports));
  }
  process.stdout.write(`pillarbox ready: ${JSON.stringify(ports)}\n`);
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'start':
      return start(rest);
    case 'reconstruct':
      return reconstruct(rest);
    case 'backup':
      process.exitCode = await (await backupModule()).backupCommand(rest, (flags) => parseBootstrap(flags).dataDir);
      return;
    case 'restore':
      process.exitCode = await (await backupModule()).restoreCommand(rest);
      return;
    case 'lists':
      return lists(rest);
    case 'migrate':
      return migrate(rest);
    case 'sieve':
      process.exitCode = await (await import('../sieve/cli-test')).sieveTestCommand(rest);
      return;
    case 'learn':
      process.exitCode = await (await junkModule()).learnCommand(rest);
      return;
    case 'classify':
      process.exitCode = await (await junkModule()).classifyCommand(rest);
      return;
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`pillarbox: unknown command "${command}"\n${USAGE}`);
      process.exitCode = 2;
  }
}

main().catch(async (err) => {
  if (err instanceof (await import('../backup/manifest')).BackupError) {
    process.stderr.write(`pillarbox: ${err.message}\n`);
    process.exit(1);
  }
  if (err instanceof BootstrapError) {
    process.stderr.write(`pillarbox: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`pillarbox: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
