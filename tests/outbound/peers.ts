import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Real peers for outbound tests: Debian's dnsmasq as the DNS server and Postfix's
 * smtp-sink as remote SMTP servers, each on its own 127.x.y.z address (Linux routes
 * all of 127/8 to the loopback interface).
 */

export const DNSMASQ = ['/usr/sbin/dnsmasq', '/usr/bin/dnsmasq'].find((p) => fs.existsSync(p));
export const SMTP_SINK = ['/usr/sbin/smtp-sink', '/usr/bin/smtp-sink'].find((p) => fs.existsSync(p));
/** MX delivery goes to port 25, which only root may bind. */
export const IS_ROOT = process.getuid?.() === 0;

/** Why the tests that need real peers cannot run here, or undefined when they can. */
export function missingPeers(): string | undefined {
  if (!DNSMASQ) return 'dnsmasq is not installed (apt-get install dnsmasq-base)';
  if (!SMTP_SINK) return 'smtp-sink is not installed (apt-get install postfix)';
  if (!IS_ROOT) return 'smtp-sink must bind port 25: run the outbound tests as root';
  return undefined;
}

/** A /24 of loopback addresses for one test file, unlikely to collide with another file's. */
export function loopbackNet(): (host: number) => string {
  const a = 1 + crypto.randomInt(250);
  const b = crypto.randomInt(256);
  return (host) => `127.${a}.${b}.${host}`;
}

/**
 * A loopback address of its own for each DNS server (127.a.b.53): every test file runs its
 * own dnsmasq, and two on 127.0.0.1 could share a port (a restart frees the port for a moment,
 * and UDP sockets with SO_REUSEADDR bind the same port twice), so one test's lookup would get
 * another's answer (two DKIM keys of example.test under the same selector: "bad signature").
 */
function dnsHost(): string {
  return `127.${1 + crypto.randomInt(250)}.${crypto.randomInt(256)}.53`;
}

async function freeDnsPort(host: string): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer().listen(0, host, () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
      srv.on('error', reject);
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const sock = dgram.createSocket('udp4');
      sock.once('error', () => resolve(false));
      sock.bind(port, host, () => sock.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
}

/** dnsmasq answering only from its command line: `records` are dnsmasq options (--mx-host=…, --host-record=…). */
export class DnsServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
  ) {}

  /** `at`: the address of a server stopped before, to serve new records there. */
  static async start(records: string[], at?: { host: string; port: number }): Promise<DnsServer> {
    const host = at?.host ?? dnsHost();
    const port = at?.port ?? (await freeDnsPort(host));
    const child = spawn(
      DNSMASQ as string,
      [
        '--no-daemon',
        `--port=${port}`,
        `--listen-address=${host}`,
        '--bind-interfaces',
        '--no-resolv',
        '--no-hosts',
        '--conf-file=/dev/null',
        '--pid-file=',
        '--log-facility=-',
        // Names under .test that are not configured get NXDOMAIN, as a real authority would answer.
        '--local=/test/',
        ...records,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d.toString();
        if (/started, version/.test(output)) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`dnsmasq exited (${code}): ${output}`)));
      child.once('error', reject);
    });
    return new DnsServer(child, `${host}:${port}`);
  }

  get port(): number {
    return Number(this.address.split(':')[1]);
  }

  get host(): string {
    return this.address.split(':')[0];
  }

  /** Stops this server and starts one with `records` on the same address (dnsmasq cannot add records while running). */
  async restart(records: string[]): Promise<DnsServer> {
    await this.stop();
    return DnsServer.start(records, { host: this.host, port: this.port });
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
  }
}

/**
 * A dnsmasq TXT record option. dnsmasq cuts long text into strings of 255 itself and
 * keeps quotes literally; a comma would start a new string, so the text must have none.
 */
export function txtRecord(name: string, text: string): string {
  if (text.includes(',')) throw new Error(`dnsmasq cannot serve a TXT text with a comma: ${text}`);
  return `--txt-record=${name},${text}`;
}

export interface SinkOptions {
  /** smtp-sink flags that shape its replies, e.g. ['-r', 'RCPT'] for 450 to every RCPT. */
  flags?: string[];
  hostname?: string;
}

/** Postfix's smtp-sink on address:port, keeping each message it accepts in a directory. */
export class SmtpSink {
  private constructor(
    private readonly child: ChildProcess,
    readonly dumpDir: string,
    readonly address: string,
    readonly port: number,
  ) {}

  static async start(address: string, port = 25, options: SinkOptions = {}): Promise<SmtpSink> {
    const dumpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pillarbox-sink-'));
    fs.chmodSync(dumpDir, 0o777);
    const args = [
      ...(IS_ROOT ? ['-u', 'nobody'] : []),
      '-h',
      options.hostname ?? 'sink.remote.test',
      '-d',
      `${dumpDir}/`,
      ...(options.flags ?? []),
      `${address}:${port}`,
      '64',
    ];
    const child = spawn(SMTP_SINK as string, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let exited = false;
    child.once('exit', () => (exited = true));
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(address, port))) {
      if (exited || Date.now() > deadline) throw new Error(`smtp-sink did not start on ${address}:${port}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return new SmtpSink(child, dumpDir, address, port);
  }

  /** The messages received so far, without smtp-sink's own X- and Received lines, CRLF line ends. */
  messages(): SinkMessage[] {
    return fs
      .readdirSync(this.dumpDir)
      .map((name) => parseDump(fs.readFileSync(path.join(this.dumpDir, name), 'latin1')))
      .filter((m): m is SinkMessage => m !== undefined);
  }

  /** Waits until `count` messages have been written (smtp-sink writes them as DATA ends). */
  async waitForMessages(count: number, timeoutMs = 10_000): Promise<SinkMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.messages();
      if (got.length >= count) return got;
      if (Date.now() > deadline) throw new Error(`smtp-sink got ${got.length} of ${count} messages`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    fs.rmSync(this.dumpDir, { recursive: true, force: true });
  }
}

export interface SinkMessage {
  mailFrom: string;
  rcptTo: string[];
  helo: string;
  /** SMTP when the client used HELO, ESMTP after EHLO. */
  proto: string;
  /** The message as the client sent it, dot-stuffing undone, with CRLF line ends. */
  content: string;
}

function parseDump(text: string): SinkMessage | undefined {
  const lines = text.split('\n');
  const received = lines.findIndex((l) => l.startsWith('Received: from '));
  if (received < 0 || lines.length < received + 3) return undefined;
  const field = (name: string) => lines.slice(0, received).filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
  // smtp-sink ends each dump with one empty line of its own.
  const body = lines.slice(received + 3);
  if (body.at(-1) === '') body.pop();
  return { mailFrom: field('X-Mail-Args')[0] ?? '', rcptTo: field('X-Rcpt-Args'), helo: field('X-Helo-Args')[0] ?? '', proto: field('X-Client-Proto')[0] ?? '', content: body.join('\r\n') };
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
