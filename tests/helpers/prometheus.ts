import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

/**
 * A throw-away Prometheus (Debian's package) on a free loopback port, scraping the given
 * targets every second, its storage in a temporary directory.
 */
export class TestPrometheus {
  private child?: ChildProcess;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-prometheus-'));
  port = 0;

  constructor(private readonly scrape: { job: string; target: string; bearerToken?: string }[]) {}

  async start(): Promise<this> {
    this.port = await freePort();
    const jobs = this.scrape.map((s) =>
      [
        `  - job_name: ${s.job}`,
        `    scrape_interval: 1s`,
        `    static_configs:`,
        `      - targets: ['${s.target}']`,
        ...(s.bearerToken ? [`    authorization:`, `      credentials: '${s.bearerToken}'`] : []),
      ].join('\n'),
    );
    const config = path.join(this.dir, 'prometheus.yml');
    fs.writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${jobs.join('\n')}\n`);
    const log = fs.openSync(path.join(this.dir, 'prometheus.log'), 'a');
    this.child = spawn(
      'prometheus',
      [`--config.file=${config}`, `--storage.tsdb.path=${path.join(this.dir, 'data')}`, `--web.listen-address=127.0.0.1:${this.port}`, '--log.level=warn'],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    let exited: string | undefined;
    this.child.once('exit', (code, sig) => (exited = `prometheus exited (${sig ?? code})`));
    this.child.once('error', (err) => (exited = `prometheus could not be started (${err.message}; tests/run.sh installs Debian's prometheus)`));
    await this.until(async () => {
      if (exited) throw new Error(`${exited}: ${this.logTail()}`);
      const r = await fetch(`http://127.0.0.1:${this.port}/-/ready`).catch(() => undefined);
      return r?.ok;
    }, 'Prometheus did not become ready');
    return this;
  }

  logTail(): string {
    return fs.readFileSync(path.join(this.dir, 'prometheus.log'), 'utf8').slice(-1000);
  }

  /** An instant query through the HTTP API: each series' labels and value. */
  async query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const r = await fetch(`http://127.0.0.1:${this.port}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await r.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}`);
    return body.data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
  }

  /** Polls `check` until it is truthy (then returns its value) or the deadline passes. */
  async until<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s; log: ${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async remove(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
