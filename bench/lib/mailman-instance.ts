import fs from 'node:fs';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { canConnect } from './free-port';
import { systemUser } from './system-user';
import { sleep, waitFor } from './poll';
import { processTree, signal, waitForExit } from './procs';

const run = promisify(execFile);
export const MAILMAN = '/usr/bin/mailman';

export interface MailmanOptions {
  /** The instance's own directory: configuration, queue, database and logs. */
  dir: string;
  /** Where Mailman's LMTP runner listens (Postfix hands list mail to it). */
  lmtpPort: number;
  /** Its REST API (unused by the benchmark, but every instance binds one). */
  restPort: number;
  /** The MTA Mailman sends through (Postfix's smtpd). */
  smtpPort: number;
}

/**
 * A private, throw-away GNU Mailman 3 (Debian's mailman3), run as Debian runs it: as the
 * `list` user, its master starting the runners. Its own configuration file and var
 * directory, so a system Mailman is neither used nor disturbed. Archivers off, since the
 * Pillarbox side of the list benchmark does not archive either.
 */
export class MailmanInstance {
  readonly configFile: string;
  readonly varDir: string;
  private masterPid?: number;

  constructor(private readonly opts: MailmanOptions) {
    this.configFile = path.join(opts.dir, 'mailman.cfg');
    this.varDir = path.join(opts.dir, 'var');
  }

  get pid(): number | undefined {
    return this.masterPid;
  }

  async start(): Promise<void> {
    if (!fs.existsSync(MAILMAN)) throw new Error(`${MAILMAN} is missing: apt-get install mailman3`);
    const { uid, gid } = await systemUser('list', 'mailman3');
    fs.mkdirSync(this.varDir, { recursive: true });
    fs.writeFileSync(this.configFile, this.config());
    fs.chownSync(this.opts.dir, uid, gid);
    fs.chownSync(this.varDir, uid, gid);
    await this.startMaster();
    const pidFile = path.join(this.varDir, 'master.pid');
    this.masterPid = await waitFor(
      () => {
        const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '';
        return /^\d+$/.test(text) ? Number(text) : undefined;
      },
      60_000,
      'the Mailman master to write its pid file',
    );
    const deadline = Date.now() + 120_000;
    while (!(await canConnect(this.opts.lmtpPort))) {
      if (Date.now() > deadline) throw new Error(`Mailman's LMTP runner did not listen on ${this.opts.lmtpPort} within 120 s: ${this.logTail()}`);
      await sleep(200);
    }
  }

  /** Creates a list with the given members (regular delivery, no welcome messages, no notice to the owner). */
  async createList(address: string, owner: string, members: string[]): Promise<void> {
    await this.mailman(['create', '--quiet', '-N', '--owner', owner, address]);
    const file = path.join(this.opts.dir, 'members.txt');
    fs.writeFileSync(file, members.join('\n') + '\n');
    fs.chmodSync(file, 0o644);
    await this.mailman(['addmembers', '--no-welcome-msg', file, address], 30 * 60_000);
  }

  /** `mailman stop`, then SIGKILL whatever of it is still there after 20 s. */
  async stop(): Promise<void> {
    if (!this.masterPid) return;
    const tree = processTree([this.masterPid]);
    await this.mailman(['stop']).catch(() => signal([this.masterPid as number], 'SIGTERM'));
    const left = await waitForExit(tree, 20_000);
    if (left.length) signal(left, 'SIGKILL');
    await waitForExit(left, 5_000);
    this.masterPid = undefined;
  }

  logTail(lines = 3): string {
    try {
      return fs.readFileSync(path.join(this.varDir, 'logs', 'mailman.log'), 'utf8').trim().split('\n').slice(-lines).join(' | ');
    } catch {
      return '';
    }
  }

  static async version(): Promise<string> {
    return run(MAILMAN, ['--version']).then(
      (r) => r.stdout.trim().replace(/^GNU Mailman /, '').split(' ')[0],
      () => '?',
    );
  }

  /**
   * `mailman start` forks the master, which keeps the command's output open: wait for the
   * command's exit, not for its output to close (the master's own log says what it does).
   */
  private startMaster(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn('runuser', ['-u', 'list', '--', MAILMAN, '-C', this.configFile, 'start'], { stdio: 'ignore' });
      child.once('error', (err) => reject(new Error(`cannot run mailman start: ${err.message}`)));
      child.once('exit', (code, sig) => (code === 0 ? resolve() : reject(new Error(`mailman start failed (${sig ?? `exit ${code}`}): ${this.logTail()}`))));
    });
  }

  private async mailman(args: string[], timeout = 120_000): Promise<void> {
    try {
      await run('runuser', ['-u', 'list', '--', MAILMAN, '-C', this.configFile, ...args], { timeout, maxBuffer: 16 << 20 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`mailman ${args[0]} failed: ${(e.stderr || e.message).trim().slice(-500)} ${this.logTail()}`);
    }
  }

  private config(): string {
    const o = this.opts;
    return `# Generated by the Pillarbox benchmark for a private, throw-away instance.
[mailman]
site_owner: postmaster@example.test
layout: bench

[paths.bench]
var_dir: ${this.varDir}
queue_dir: $var_dir/queue
bin_dir: /usr/lib/mailman3/bin
list_data_dir: $var_dir/lists
log_dir: $var_dir/logs
lock_dir: $var_dir/locks
data_dir: $var_dir/data
cache_dir: $var_dir/cache
etc_dir: ${o.dir}
ext_dir: $var_dir/ext
messages_dir: $var_dir/messages
archive_dir: $var_dir/archives
template_dir: $var_dir/templates
pid_file: $var_dir/master.pid
lock_file: $lock_dir/master.lck

[database]
class: mailman.database.sqlite.SQLiteDatabase
url: sqlite:///$DATA_DIR/mailman.db

[webservice]
hostname: 127.0.0.1
port: ${o.restPort}
admin_user: restadmin
admin_pass: bench-rest-password

[mta]
incoming: mailman.mta.null.NullMTA
outgoing: mailman.mta.deliver.deliver
smtp_host: 127.0.0.1
smtp_port: ${o.smtpPort}
lmtp_host: 127.0.0.1
lmtp_port: ${o.lmtpPort}

[archiver.prototype]
enable: no

[archiver.mhonarc]
enable: no

[archiver.mail_archive]
enable: no
`;
  }
}
