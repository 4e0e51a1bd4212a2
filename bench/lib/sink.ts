import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { canConnect } from './free-port';
import { sleep } from './poll';

export const SMTP_SINK = '/usr/sbin/smtp-sink';

/**
 * Postfix's smtp-sink as the remote server: accepts everything on 127.0.0.1:port and
 * writes each message to its own file, so "delivered" is a count of files.
 */
export class SinkServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly dumpDir: string,
  ) {}

  static async start(port: number, dumpDir: string): Promise<SinkServer> {
    if (!fs.existsSync(SMTP_SINK)) throw new Error(`${SMTP_SINK} is missing: apt-get install postfix`);
    fs.mkdirSync(dumpDir, { recursive: true });
    fs.chmodSync(dumpDir, 0o777);
    const asRoot = process.getuid?.() === 0;
    const child = spawn(SMTP_SINK, [...(asRoot ? ['-u', 'nobody'] : []), '-h', 'sink.remote.test', '-d', `${dumpDir}/`, `127.0.0.1:${port}`, '256'], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    let exited = false;
    child.once('exit', () => (exited = true));
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (exited) throw new Error('smtp-sink exited at start');
      if (Date.now() > deadline) throw new Error(`smtp-sink did not listen on port ${port} within 10 s`);
      await sleep(20);
    }
    return new SinkServer(child, port, dumpDir);
  }

  /** Messages received so far. */
  count(): number {
    try {
      return fs.readdirSync(this.dumpDir).length;
    } catch {
      return 0;
    }
  }

  /**
   * Recipients of the messages received so far whose content includes `marker` (smtp-sink
   * writes a transaction's RCPT lines before its content, so a file with the marker lists
   * every recipient). Files already complete are remembered, so polling reads each once.
   */
  recipientCount(marker: string): number {
    let names: string[];
    try {
      names = fs.readdirSync(this.dumpDir);
    } catch {
      return 0;
    }
    for (const name of names) {
      if (this.counted.has(name)) continue;
      const text = fs.readFileSync(path.join(this.dumpDir, name), 'latin1');
      if (!text.includes(marker)) continue;
      this.counted.set(name, text.split('\nX-Rcpt-Args: ').length - 1);
    }
    let total = 0;
    for (const n of this.counted.values()) total += n;
    return total;
  }

  private readonly counted = new Map<string, number>();

  /** One received message, for checking what the sides sent. */
  sample(): string | undefined {
    const [name] = fs.readdirSync(this.dumpDir);
    return name ? fs.readFileSync(path.join(this.dumpDir, name), 'latin1') : undefined;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}
