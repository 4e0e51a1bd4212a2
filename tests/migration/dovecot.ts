import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/free-port';

/**
 * A real Dovecot (Debian's dovecot-imapd) for the migration tests: its own configuration,
 * state and Maildirs in a temporary directory, IMAP on an ephemeral loopback port, users
 * from a passwd-file, plus a master user for logins on behalf of others ("admin").
 */
export interface TestDovecot {
  port: number;
  /** IMAP over TLS from the start, when created with a certificate. */
  imapsPort: number;
  dir: string;
  /** A user's Maildir (INBOX); subfolders are Maildir++ ".a.b" beside cur/new. */
  maildir(user: string): string;
  start(): Promise<void>;
  /** SIGKILL to the whole process group: the master and every imap process, mid-command. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export const MASTER_USER = 'admin';
export const MASTER_PASSWORD = 'master-secret-1';

export async function createDovecot(users: Record<string, string>, tls?: { certPem: string; keyPem: string }): Promise<TestDovecot> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-dovecot-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const imapsPort = tls ? await freePort() : 0;
  if (tls) {
    fs.writeFileSync(path.join(dir, 'cert.pem'), tls.certPem, { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'key.pem'), tls.keyPem, { mode: 0o600 });
  }
  const root = process.getuid?.() === 0;
  // Dovecot will not give mail access to uid 0: as root, mail belongs to nobody.
  const mailUid = root ? 65534 : process.getuid!();
  const mailGid = root ? 65534 : process.getgid!();
  const me = os.userInfo().username;
  fs.writeFileSync(path.join(dir, 'passwd'), Object.entries(users).map(([u, p]) => `${u}:{PLAIN}${p}\n`).join(''), { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'master-users'), `${MASTER_USER}:{PLAIN}${MASTER_PASSWORD}\n`, { mode: 0o644 });
  fs.mkdirSync(path.join(dir, 'mail'), { mode: 0o755 });
  fs.writeFileSync(
    path.join(dir, 'dovecot.conf'),
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = /dev/stderr
protocols = imap
listen = 127.0.0.1
${tls ? `ssl = yes\nssl_cert = <${dir}/cert.pem\nssl_key = <${dir}/key.pem` : 'ssl = no'}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_master_user_separator = *
first_valid_uid = 1
${root ? '' : `default_login_user = ${me}\ndefault_internal_user = ${me}\n`}mail_location = maildir:${dir}/mail/%u/Maildir
passdb {
  driver = passwd-file
  args = ${dir}/master-users
  master = yes
}
passdb {
  driver = passwd-file
  args = ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${mailUid} gid=${mailGid} home=${dir}/mail/%u
}
namespace inbox {
  inbox = yes
  separator = .
  mailbox "Sent Messages" {
    special_use = \\Sent
  }
  mailbox Trash {
    special_use = \\Trash
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${imapsPort}
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`,
  );
  // A test engine started earlier in this process set umask 077: Dovecot's unprivileged processes must read these.
  for (const f of ['passwd', 'master-users', 'dovecot.conf', 'cert.pem']) if (fs.existsSync(path.join(dir, f))) fs.chmodSync(path.join(dir, f), 0o644);
  fs.chmodSync(path.join(dir, 'mail'), 0o755);
  let child: ChildProcess | undefined;
  const chownMail = () => {
    if (!root) return;
    const walk = (p: string) => {
      fs.chownSync(p, mailUid, mailGid);
      if (fs.statSync(p).isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
    };
    walk(path.join(dir, 'mail'));
  };
  const dovecot: TestDovecot = {
    port,
    imapsPort,
    dir,
    maildir: (user) => path.join(dir, 'mail', user, 'Maildir'),
    async start() {
      chownMail();
      let output = '';
      child = spawn('/usr/sbin/dovecot', ['-F', '-c', path.join(dir, 'dovecot.conf')], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`dovecot exited (${code}): ${output}`))));
      await Promise.race([untilListening(port), exited]);
    },
    async kill() {
      if (!child || child.exitCode !== null) return;
      const gone = new Promise((resolve) => child!.once('exit', resolve));
      process.kill(-child.pid!, 'SIGKILL');
      await gone;
      child = undefined;
    },
    async stop() {
      await dovecot.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return dovecot;
}

/** Resolves once the port answers with an IMAP greeting (Dovecot binds before its processes are ready). */
export async function untilListening(port: number): Promise<void> {
  for (;;) {
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('* OK'));
      });
      socket.once('error', () => resolve(false));
    });
    if (greeted) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
