import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { canConnect, freePort } from './free-port';
import { waitFor } from './poll';
import { signal, waitForExit } from './procs';
import { systemUser } from './system-user';
import { fileTail } from './workdir';

export const RSPAMD = '/usr/bin/rspamd';
export const REDIS = '/usr/bin/redis-server';

/**
 * Modules that look things up on the network (DNS lists, fuzzy servers, SPF/DKIM/DMARC keys,
 * remote maps) or keep state in Redis besides Bayes: off, so the bench is offline and the
 * verdict is rspamd's content rules plus its Bayes, as bogofilter's and Pillarbox's are.
 */
const OFFLINE_DISABLED = [
  'rbl', 'surbl', 'emails', 'fuzzy_check', 'dkim', 'dmarc', 'spf', 'arc', 'asn', 'hfilter', 'mx_check', 'dcc',
  'rspamd_update', 'reputation', 'neural', 'url_redirector', 'p0f', 'antivirus', 'external_services', 'bimi',
  'replies', 'ratelimit', 'greylist', 'history_redis', 'clickhouse', 'elastic', 'metadata_exporter',
  'dkim_signing', 'multimap', 'whitelist', 'spamassassin',
];

/**
 * A private rspamd (Debian's package, its shipped /etc/rspamd as CONFDIR) with its own
 * LOCAL_CONFDIR, database, run and log directories, and a private redis-server on a unix
 * socket holding only the Bayes tokens (no persistence: nothing is written to disk).
 * Ports are free loopback ports; the system's rspamd and redis are neither needed nor touched.
 */
export class RspamdInstance {
  readonly logFile: string;
  private rspamd?: ChildProcess;
  private redis?: ChildProcess;
  normalPort = 0;
  controllerPort = 0;
  readonly password = 'pillarbox-bench';

  constructor(private readonly dir: string) {
    this.logFile = path.join(dir, 'log', 'rspamd.log');
  }

  /** rspamd's main process and redis: the roots of the process tree whose CPU and memory count. */
  get pids(): number[] {
    return [this.rspamd?.pid, this.redis?.pid].filter((p): p is number => p !== undefined);
  }

  async start(): Promise<void> {
    for (const bin of [RSPAMD, REDIS]) if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: apt-get install rspamd redis-server`);
    const user = await systemUser('_rspamd', 'rspamd');
    for (const d of ['local.d', 'override.d', 'db', 'run', 'log']) fs.mkdirSync(path.join(this.dir, d), { recursive: true });
    const socket = path.join(this.dir, 'redis.sock');
    this.normalPort = await freePort();
    this.controllerPort = await freePort();
    this.writeConfig(socket);
    for (const d of ['', 'local.d', 'override.d', 'db', 'run', 'log']) fs.chownSync(path.join(this.dir, d), user.uid, user.gid);
    this.redis = spawn(REDIS, ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '777', '--save', '', '--appendonly', 'no', '--dir', this.dir], { stdio: 'ignore' });
    await waitFor(() => (fs.existsSync(socket) ? true : undefined), 30_000, 'redis-server to open its socket');
    const vars = ['LOCAL_CONFDIR', this.dir, 'DBDIR', path.join(this.dir, 'db'), 'RUNDIR', path.join(this.dir, 'run'), 'LOGDIR', path.join(this.dir, 'log')];
    const varArgs: string[] = [];
    for (let i = 0; i < vars.length; i += 2) varArgs.push('--var', `${vars[i]}=${vars[i + 1]}`);
    this.rspamd = spawn(RSPAMD, ['-f', '-u', '_rspamd', '-g', '_rspamd', '-c', path.join(this.dir, 'rspamd.conf'), ...varArgs], { stdio: 'ignore' });
    const exited = new Promise<never>((_, reject) => this.rspamd?.once('exit', (code) => reject(new Error(`rspamd exited (${code}) while starting: ${this.logTail()}`))));
    // Scanning before the hyperscan database is loaded falls back to PCRE: wait for every scanner to have it.
    await Promise.race([exited, waitFor(() => (this.ready() ? true : undefined), 600_000, 'rspamd to start and load its hyperscan database', 200)]);
    if (!(await canConnect(this.normalPort)) || !(await canConnect(this.controllerPort))) throw new Error(`rspamd is not listening: ${this.logTail()}`);
  }

  /** Scanners started and each reported the full hyperscan database loaded (log level info, Debian's default). */
  private ready(): boolean {
    let log: string;
    try {
      log = fs.readFileSync(this.logFile, 'utf8');
    } catch {
      return false;
    }
    const scanners = (log.match(/\(normal\).*starting normal process/g) ?? []).length;
    const loaded = (log.match(/\(normal\).*full hyperscan database of \d+ regexps has been loaded/g) ?? []).length;
    return scanners > 0 && loaded >= scanners;
  }

  async stop(): Promise<void> {
    const pids = this.pids;
    signal(pids, 'SIGTERM');
    const left = await waitForExit(pids, 15_000);
    signal(left, 'SIGKILL');
    this.rspamd = this.redis = undefined;
  }

  logTail(lines = 3): string {
    return fileTail(this.logFile, lines);
  }

  private writeConfig(redisSocket: string): void {
    const file = (rel: string, text: string): void => fs.writeFileSync(path.join(this.dir, rel), text);
    // Debian's rspamd.conf with our ports and without the proxy and fuzzy workers; every shipped include kept.
    file('rspamd.conf', `# Generated by the Pillarbox benchmark for a private, throw-away instance.
.include "$CONFDIR/common.conf"
options {
  pidfile = "$RUNDIR/rspamd.pid";
  .include "$CONFDIR/options.inc"
}
logging {
  type = "file";
  filename = "$LOGDIR/rspamd.log";
  .include "$CONFDIR/logging.inc"
}
worker "normal" {
  bind_socket = "127.0.0.1:${this.normalPort}";
  .include "$CONFDIR/worker-normal.inc"
}
# Debian's worker-controller.inc trusts 127.0.0.1 without a password (secure_ip): here every request needs it.
worker "controller" {
  bind_socket = "127.0.0.1:${this.controllerPort}";
  count = 1;
  password = "${this.password}";
}
`);
    // min_learns: rspamd's default of 200 is met by the training half anyway; low so a --sample run still classifies.
    file('local.d/classifier-bayes.conf', `servers = "${redisSocket}";\nmin_learns = 10;\n`);
    for (const m of OFFLINE_DISABLED) file(`local.d/${m}.conf`, 'enabled = false;\n');
    // Phishing's checks are content rules and stay; its DNS lookups (phishtank) and remote maps go.
    file('override.d/phishing.conf', 'phishtank_enabled = false;\nopenphish_enabled = false;\nexceptions = {\n  REDIRECTOR_FALSE = ["${CONFDIR}/maps.d/redirectors.inc"];\n};\n');
  }
}

/**
 * POST one message to rspamd over HTTP/1.0 on a connection of its own (as rspamc does) and
 * parse the JSON reply. A raw socket, not node:http: rspamd puts its error text in the status
 * line (message ids and all), which Node's strict parser rejects for some messages.
 */
export function postMessage(port: number, route: string, body: Buffer, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const head = [`POST ${route} HTTP/1.0`, `Content-Length: ${body.length}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
    const chunks: Buffer[] = [];
    // No half-close after the request: rspamd's scanner takes the end of input for a client gone and drops the task.
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body])));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    // A reply that never comes fails the side instead of hanging the bench.
    socket.setTimeout(120_000, () => socket.destroy(new Error(`${route}: no reply in 120 s`)));
    socket.on('end', () => {
      const reply = Buffer.concat(chunks);
      const split = reply.indexOf('\r\n\r\n');
      const status = reply.toString('latin1', 0, Math.max(0, reply.indexOf('\r\n')));
      try {
        resolve(JSON.parse(reply.toString('utf8', split + 4)) as Record<string, unknown>);
      } catch {
        reject(new Error(`${route}: "${status}", not JSON`));
      }
    });
  });
}
