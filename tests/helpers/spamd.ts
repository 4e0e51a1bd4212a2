import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

export const SPAMD = ['/usr/sbin/spamd', '/usr/bin/spamd'].find((p) => fs.existsSync(p));

/** SpamAssassin's test string: every spamd scores a message holding it as spam. */
export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

/**
 * A throw-away spamd on a free loopback port: Debian's rules, no network tests (-L: no
 * DNS blocklists from here), no per-user configuration. Ready when it answers PING.
 */
export class TestSpamd {
  private child?: ChildProcess;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-spamd-'));
  address = '';

  async start(): Promise<this> {
    const port = await freePort();
    this.address = `127.0.0.1:${port}`;
    const log = fs.openSync(path.join(this.dir, 'spamd.log'), 'a');
    this.child = spawn(
      SPAMD as string,
      ['--listen', this.address, '--pidfile', path.join(this.dir, 'spamd.pid'), '--nouser-config', '--max-children', '2', '-L', '-s', 'stderr'],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    let exited: string | undefined;
    this.child.once('exit', (code, sig) => (exited = `spamd exited (${sig ?? code})`));
    const deadline = Date.now() + 60_000;
    while (!(await ping(port))) {
      if (exited) throw new Error(`${exited}: ${fs.readFileSync(path.join(this.dir, 'spamd.log'), 'utf8').slice(-500)}`);
      if (Date.now() > deadline) throw new Error('spamd did not answer PING within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
  }

  async remove(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let reply = '';
    s.on('connect', () => s.end('PING SPAMC/1.5\r\n\r\n'));
    s.on('data', (d) => (reply += d.toString()));
    s.on('close', () => resolve(/PONG/.test(reply)));
    s.on('error', () => resolve(false));
  });
}

