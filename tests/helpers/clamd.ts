import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';
import { ClamdClient } from '../../server/virus/clamd-client';

export const CLAMD = ['/usr/sbin/clamd', '/usr/bin/clamd'].find((p) => fs.existsSync(p));
export const FRESHCLAM = ['/usr/bin/freshclam', '/usr/sbin/freshclam'].find((p) => fs.existsSync(p));

/**
 * The EICAR test file (https://www.eicar.org/download-anti-malware-testfile/), built from
 * two halves so this source file is not itself flagged by a scanner on the build machine.
 */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$' + 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
/** What clamd reports for it with the test database below. */
export const EICAR_NAME = 'Pillarbox.Test.EICAR.UNOFFICIAL';

export function missingClamd(): string | undefined {
  return CLAMD ? undefined : 'clamd is not installed (apt-get install clamav-daemon)';
}


/**
 * A throw-away clamd: its own config, socket (Unix, or TCP on loopback) and database
 * directory, with one signature the test writes (the public databases cannot be
 * downloaded here). Started in the foreground; ready when it answers PING.
 */
export class TestClamd {
  private child?: ChildProcess;
  readonly dir: string;
  readonly dbDir: string;
  readonly config: string;
  address = '';

  constructor(private readonly opts: { tcp?: boolean; streamMaxLength?: string } = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-clamd-'));
    this.dbDir = path.join(this.dir, 'db');
    this.config = path.join(this.dir, 'clamd.conf');
    fs.mkdirSync(this.dbDir);
    // An extended signature (.ndb: name:target:offset:hex) matching EICAR anywhere in any file:
    // clamd decodes MIME, so it finds the string in a text part or a base64 attachment.
    fs.writeFileSync(path.join(this.dbDir, 'pillarbox-test.ndb'), `Pillarbox.Test.EICAR:0:*:${Buffer.from(EICAR).toString('hex')}\n`);
  }

  async start(): Promise<this> {
    if (!this.address) this.address = this.opts.tcp ? `127.0.0.1:${await freePort()}` : path.join(this.dir, 'clamd.sock');
    const socket = this.opts.tcp ? [`TCPSocket ${this.address.split(':')[1]}`, 'TCPAddr 127.0.0.1'] : [`LocalSocket ${this.address}`];
    fs.writeFileSync(
      this.config,
      [
        ...socket,
        `DatabaseDirectory ${this.dbDir}`,
        'Foreground yes',
        // Run as whoever starts it (root in CI): with no User line clamd keeps its user.
        `LogFile ${path.join(this.dir, 'clamd.log')}`,
        `StreamMaxLength ${this.opts.streamMaxLength ?? '25M'}`,
        'SelfCheck 0',
        '',
      ].join('\n'),
    );
    fs.rmSync(path.join(this.dir, 'clamd.sock'), { force: true });
    const child = spawn(CLAMD as string, ['-c', this.config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    this.child = child;
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`clamd exited (${code}): ${stderr}${this.logTail()}`))));
    const client = new ClamdClient(this.address);
    // clamd loads its database before it listens: poll PING (the socket appears only then).
    const ready = (async () => {
      for (let i = 0; i < 600; i++) {
        if (await client.ping()) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`clamd did not answer PING within 30 s: ${this.logTail()}`);
    })();
    await Promise.race([ready, exited]);
    exited.catch(() => undefined);
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private logTail(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'clamd.log'), 'utf8').slice(-2000);
    } catch {
      return '';
    }
  }
}
