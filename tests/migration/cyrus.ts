import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/free-port';
import { untilListening } from './dovecot';

const CYRUS_BIN = '/usr/lib/cyrus/bin';

/** Why a real Cyrus cannot run here (Debian's cyrus-imapd and sasl2-bin missing), or undefined when it can. */
export function cyrusMissing(): string | undefined {
  if (!fs.existsSync(path.join(CYRUS_BIN, 'master'))) return 'Cyrus is not installed (Debian package cyrus-imapd; tests/run.sh installs it)';
  if (!fs.existsSync('/usr/sbin/saslpasswd2')) return 'saslpasswd2 is not installed (Debian package sasl2-bin; tests/run.sh installs it)';
  return undefined;
}

/**
 * A real Cyrus IMAP (Debian's cyrus-imapd 3.6) for the migration tests: its own imapd.conf
 * and cyrus.conf, configuration directory and partition in a temporary directory, IMAP on an
 * ephemeral loopback port, users in a private sasldb, each user's INBOX created at their first
 * login (Cyrus's autocreate; an administrator's session dies at ENABLE in 3.6). The spool is laid out by name, without
 * hashing (`mailbox_legacy_dirs`), as the seed's Cyrus 2.2 had it: partition/user/NAME/….
 */
export interface TestCyrus {
  port: number;
  dir: string;
  /** A user's spool directory (INBOX; subfolders are subdirectories). */
  spool(user: string): string;
  /** Runs one of Cyrus's tools (cvt_cyrusdb, …) with this instance's imapd.conf, as Cyrus's user. */
  tool(name: string, args: string[]): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  remove(): Promise<void>;
}

export async function createCyrus(users: Record<string, string>): Promise<TestCyrus> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-cyrus-'));
  const port = await freePort();
  const root = process.getuid?.() === 0;
  // Cyrus drops root for its own user; run as someone else, it stays that user.
  const cyrusUser = root ? 'cyrus' : os.userInfo().username;
  for (const sub of ['conf', 'spool', 'run']) fs.mkdirSync(path.join(dir, sub));
  const conf = path.join(dir, 'imapd.conf');
  fs.writeFileSync(
    conf,
    `configdirectory: ${dir}/conf
defaultpartition: default
partition-default: ${dir}/spool
proc_path: ${dir}/run/proc
mboxname_lockpath: ${dir}/run/lock
lmtpsocket: ${dir}/run/lmtp
idlesocket: ${dir}/run/idle
notifysocket: ${dir}/run/notify
mailbox_legacy_dirs: yes
hashimapspool: false
unixhierarchysep: yes
altnamespace: no
allowplaintext: yes
autocreate_quota: 0
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: ${dir}/sasldb2
sasl_mech_list: PLAIN LOGIN
cyrus_user: ${cyrusUser}
syslog_prefix: pillarbox-test-cyrus
`,
  );
  fs.writeFileSync(
    path.join(dir, 'cyrus.conf'),
    `START {
  recover cmd="ctl_cyrusdb -C ${conf} -r"
}
SERVICES {
  imap cmd="imapd -C ${conf}" listen="127.0.0.1:${port}" prefork=0
}
EVENTS {
}
`,
  );
  for (const [user, password] of Object.entries(users)) {
    execFileSync('/usr/sbin/saslpasswd2', ['-p', '-c', '-f', path.join(dir, 'sasldb2'), user], { input: password });
  }
  const chown = () => {
    if (!root) return;
    const { uid, gid } = cyrusIds();
    const walk = (p: string) => {
      fs.chownSync(p, uid, gid);
      if (fs.statSync(p).isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
    };
    walk(dir);
  };
  // A test engine started earlier in this process set umask 077: Cyrus's processes, as the cyrus user, must read these.
  fs.chmodSync(dir, 0o755);
  chown();
  let child: ChildProcess | undefined;
  const cyrus: TestCyrus = {
    port,
    dir,
    spool: (user) => path.join(dir, 'spool', 'user', user),
    tool(name, args) {
      // Cyrus's databases open even their source read-write (to lock it): the files must be Cyrus's.
      chown();
      const asCyrus = root ? cyrusIds() : undefined;
      const out = spawnSync(path.join(CYRUS_BIN, name), ['-C', conf, ...args], { uid: asCyrus?.uid, gid: asCyrus?.gid, encoding: 'utf8' });
      // cvt_cyrusdb exits 0 even when the conversion failed: its output says so.
      if (out.status !== 0 || /DBERROR|fatal/i.test(out.stdout + out.stderr)) throw new Error(`${name} failed (${out.status}): ${out.stdout}${out.stderr}`);
    },
    async start() {
      let output = '';
      child = spawn(path.join(CYRUS_BIN, 'master'), ['-C', conf, '-M', path.join(dir, 'cyrus.conf'), '-p', path.join(dir, 'run', 'master.pid'), '-D'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`Cyrus's master exited (${code}): ${output}`))));
      exited.catch(() => undefined);
      await Promise.race([untilListening(port), exited]);
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child!.once('exit', resolve));
      // SIGTERM to the group: the master and its imapd processes finish and exit.
      process.kill(-child.pid!, 'SIGTERM');
      await gone;
      child = undefined;
    },
    async remove() {
      await cyrus.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return cyrus;
}

function cyrusIds(): { uid: number; gid: number } {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('cyrus:'));
  if (!line) throw new Error('the cyrus user is missing (Debian\'s cyrus-common creates it)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
