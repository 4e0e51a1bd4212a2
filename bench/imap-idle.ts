import fs from 'node:fs';
import net from 'node:net';
import type { Benchmark, BenchContext, BenchResult, Column, SideResult } from './types';
import { intFlag } from './lib/args';
import { registerCleanup } from './lib/cleanup';
import { DOVECOT } from './lib/dovecot-instance';
import { DovecotImapInstance } from './lib/dovecot-imap-instance';
import { freePort } from './lib/free-port';
import { TreeMemorySampler } from './lib/memory';
import { raiseOpenFiles } from './lib/open-files';
import { PillarboxEngine } from './lib/pillarbox-engine';
import { sleep } from './lib/poll';
import { makeWorkDir, removeDir } from './lib/workdir';
import { hashPassword } from '../server/directory/passwords';
import { RFC5321_TIMEOUTS, SmtpClient } from '../server/outbound/smtp-client';

const USER = 'alice';
const PASSWORD = 'idle-bench-password-1';

const COLUMNS: Column[] = [
  { key: 'pssKbPerConnection', label: 'PSS KB/conn', decimals: 1 },
  { key: 'rssKbPerConnection', label: 'RSS KB/conn', decimals: 1 },
  { key: 'pssBeforeMb', label: 'PSS MiB before', decimals: 1 },
  { key: 'pssAfterMb', label: 'PSS MiB idle', decimals: 1 },
  { key: 'processes', label: 'processes', decimals: 0 },
  { key: 'openSeconds', label: 'open s', decimals: 1 },
  { key: 'aliveChecked', label: 'alive checked', decimals: 0 },
  { key: 'announceP50Ms', label: 'EXISTS p50 ms', decimals: 1 },
  { key: 'announceMaxMs', label: 'EXISTS max ms', decimals: 1 },
];

/** Descriptors beyond the connections: the engine's files, listeners and database. */
const SPARE_FILES = 1000;

/**
 * Memory per idle IMAP connection: N clients log in, SELECT INBOX and IDLE; the server's
 * memory (the whole process tree) before and after, divided by N. Pillarbox (one process)
 * against Dovecot (imap-login in high-performance mode, one imap process per session).
 */
export const imapIdleBenchmark: Benchmark = {
  name: 'imap-idle',
  description: 'memory per idle IMAP IDLE connection, 5,000 connections: Pillarbox vs Dovecot',
  flags: [
    '--connections N  idle connections to open (default 5000)',
    '--announce N     Pillarbox: users of their own among the connections who each get one message by SMTP, timed from the 250 to IDLE\'s EXISTS (default 20)',
    '--only SIDE      pillarbox or peer',
    '--keep           keep the data directories',
  ],
  async run(ctx: BenchContext): Promise<BenchResult> {
    const connections = intFlag(ctx.flags, 'connections', 5000);
    const announce = intFlag(ctx.flags, 'announce', 20);
    // This process holds one descriptor per connection too.
    raiseOpenFiles(process.pid, connections + SPARE_FILES);
    const only = ctx.flags.get('only');
    if (only !== undefined && only !== 'pillarbox' && only !== 'peer') throw new Error('--only takes "pillarbox" or "peer"');
    const keep = ctx.flags.has('keep');
    const sides: SideResult[] = [];
    if (only !== 'peer') sides.push(await side('pillarbox', () => pillarboxSide(ctx, connections, announce, keep)));
    if (only !== 'pillarbox') sides.push(await side('dovecot', () => dovecotSide(ctx, connections, keep)));
    return {
      benchmark: 'imap-idle',
      workload: { summary: `${connections} IMAP connections logged in, INBOX selected, in IDLE`, params: { connections, announce } },
      columns: COLUMNS,
      sides,
      notes: [
        'per connection = (memory with every connection idle − memory with one) / (connections − 1); PSS counts shared pages once',
        'alive checked: connections answering DONE with OK after the measurement (a sample of 20)',
        `EXISTS p50/max: ${announce} users of their own, their idle connections spread over the set, each sent one message by SMTP in turn; from the 250 after DATA to "* N EXISTS" on that user's connection (Pillarbox only: the Dovecot side has no SMTP)`,
      ],
    };
  },
};

async function side(system: string, fn: () => Promise<Record<string, number>>): Promise<SideResult> {
  try {
    return { system, ok: true, metrics: await fn() };
  } catch (err) {
    return { system, ok: false, error: err instanceof Error ? err.message : String(err), metrics: {} };
  }
}

async function pillarboxSide(ctx: BenchContext, n: number, announce: number, keep: boolean): Promise<Record<string, number>> {
  const dir = makeWorkDir(ctx.workDir, 'pillarbox-idle');
  let engine: PillarboxEngine | undefined;
  const cleanup = registerCleanup(async () => {
    await engine?.stop();
    if (!keep) removeDir(dir);
  });
  try {
    ctx.log(`pillarbox: starting the engine in ${dir}`);
    engine = await PillarboxEngine.start(dir);
    raiseOpenFiles(engine.pid, n + SPARE_FILES);
    await engine.login();
    await engine.createUser(USER, PASSWORD, 'Alice');
    const watchers = await createWatchers(engine, announce);
    const limit = n + 100;
    await engine.graphql('mutation ($input: UpdateSettingsInput!) { updateSettings(input: $input) { imapMaxConnections } }', {
      // One address stands for 10,000 clients, 50 of them logging in at a time; no SPF/DKIM/DMARC
      // checks of the timed messages (this machine's DNS would time them out).
      input: { imapMaxConnections: limit, maxConnectionsPerIp: limit, maxUnauthenticatedPerIp: 100, allowPlaintextAuthWithoutTls: true, inboundAuthChecks: false },
    });
    const pid = engine.pid;
    const e = engine;
    return await measure(ctx, 'pillarbox', engine.ports.imap, n, () => [pid], { users: watchers, announced: (conns) => timeAnnouncements(ctx, e.ports.smtp, conns) });
  } finally {
    await cleanup();
  }
}

async function dovecotSide(ctx: BenchContext, n: number, keep: boolean): Promise<Record<string, number>> {
  if (!fs.existsSync(DOVECOT) || !fs.existsSync('/usr/lib/dovecot/imap')) throw new Error('Dovecot IMAP is missing: apt-get install dovecot-imapd');
  const dir = makeWorkDir(ctx.workDir, 'dovecot-idle');
  const port = await freePort();
  const dovecot = new DovecotImapInstance(dir, port, PASSWORD, n + 100);
  const cleanup = registerCleanup(async () => {
    await dovecot.stop();
    if (!keep) removeDir(dir);
  });
  try {
    ctx.log(`dovecot: starting a private instance in ${dir}`);
    await dovecot.start();
    return await measure(ctx, 'dovecot', port, n, () => (dovecot.pid ? [dovecot.pid] : []));
  } finally {
    await cleanup();
  }
}

/** Users of their own whose idle connections are told of a delivery (`--announce`), and how that is timed. */
interface Announcements {
  users: string[];
  announced(connections: { user: string; connection: IdleConnection }[]): Promise<Record<string, number>>;
}

/** `n` users (watch001…) made in one importUsers, with one hash, so the import runs scrypt once. */
async function createWatchers(engine: PillarboxEngine, n: number): Promise<string[]> {
  const users = Array.from({ length: n }, (_, i) => `watch${String(i + 1).padStart(3, '0')}`);
  const hash = await hashPassword(PASSWORD);
  const csv = ['address,name,passwordHash', ...users.map((u) => `${u}@example.test,${u},"${hash}"`)].join('\n');
  await engine.graphql('mutation ($input: ImportDirectoryInput!) { importUsers(input: $input) { applied } }', { input: { text: csv } });
  return users;
}

/**
 * One message by SMTP to each watching user in turn (one session), timed from the 250 after
 * DATA (the message is queued and on disk) to the "* N EXISTS" on that user's idle connection.
 */
async function timeAnnouncements(ctx: BenchContext, smtpPort: number, watching: { user: string; connection: IdleConnection }[]): Promise<Record<string, number>> {
  const smtp = await SmtpClient.connect('127.0.0.1', smtpPort, RFC5321_TIMEOUTS);
  const expectCode = async (reply: Promise<{ code: number; lines: string[] }>, code: number, what: string): Promise<void> => {
    const r = await reply;
    if (r.code !== code) throw new Error(`SMTP ${what}: ${r.code} ${r.lines.join(' ')}`);
  };
  const times: number[] = [];
  try {
    await expectCode(smtp.readReply(60_000, 'greeting'), 220, 'greeting');
    await expectCode(smtp.hello('bench.example.org'), 250, 'EHLO');
    for (const { user, connection } of watching) {
      const exists = connection.nextExists();
      await expectCode(smtp.command('MAIL FROM:<bench@example.org>', 60_000, 'MAIL'), 250, 'MAIL');
      await expectCode(smtp.command(`RCPT TO:<${user}@example.test>`, 60_000, 'RCPT'), 250, 'RCPT');
      await expectCode(smtp.command('DATA', 60_000, 'DATA'), 354, 'DATA');
      smtp.write(`From: bench@example.org`, `To: ${user}@example.test`, `Subject: for ${user}`, `Message-ID: <${user}.${Date.now()}@example.org>`, '', 'Announce me.', '.');
      await expectCode(smtp.readReply(60_000, 'end of DATA'), 250, 'end of DATA');
      const accepted = performance.now();
      times.push((await exists) - accepted);
    }
    smtp.write('QUIT');
  } finally {
    smtp.close();
  }
  ctx.log(`announcements (ms, in delivery order): ${times.map((t) => t.toFixed(1)).join(' ')}`);
  times.sort((a, b) => a - b);
  return { announceP50Ms: times[Math.floor((times.length - 1) / 2)], announceMaxMs: times[times.length - 1] };
}

/**
 * Opens one idle connection (warm-up and baseline), then the rest, and measures the
 * difference. With `announcements`, that many of the connections, spread evenly over the set,
 * are the watching users' own, and their announcements are timed after the measurement.
 */
async function measure(ctx: BenchContext, system: string, port: number, n: number, roots: () => number[], announcements?: Announcements): Promise<Record<string, number>> {
  const sockets: IdleConnection[] = [];
  const watching: { user: string; connection: IdleConnection }[] = [];
  const watchers = announcements?.users ?? [];
  const every = Math.max(1, Math.floor(n / (watchers.length + 1)));
  try {
    sockets.push(await IdleConnection.open(port));
    await sleep(1000);
    const before = await settledMemory(roots);
    ctx.log(`${system}: ${before.pss.toFixed(1)} MiB PSS with one idle connection; opening ${n - 1} more`);
    const t0 = Date.now();
    let next = 1;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        const user = i % every === 0 ? watchers[i / every - 1] : undefined;
        const connection = await IdleConnection.open(port, user);
        sockets.push(connection);
        if (user) watching.push({ user, connection });
        if (sockets.length % 1000 === 0) ctx.log(`${system}: ${sockets.length} idle`);
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    const openSeconds = (Date.now() - t0) / 1000;
    await sleep(2000);
    const after = await settledMemory(roots);
    ctx.log(`${system}: ${after.pss.toFixed(1)} MiB PSS with ${sockets.length} idle connections`);
    const announced = announcements ? await announcements.announced(watching) : {};
    let alive = 0;
    for (const s of sockets.filter((_, i) => i % Math.max(1, Math.floor(sockets.length / 20)) === 0).slice(0, 20)) if (await s.done()) alive++;
    const extra = sockets.length - 1;
    return {
      pssKbPerConnection: ((after.pss - before.pss) * 1024) / extra,
      rssKbPerConnection: ((after.rss - before.rss) * 1024) / extra,
      pssBeforeMb: before.pss,
      pssAfterMb: after.pss,
      processes: after.processes,
      openSeconds,
      aliveChecked: alive,
      ...announced,
    };
  } finally {
    for (const s of sockets) s.destroy();
  }
}

/** Median of five samples a moment apart: one sample can catch a garbage collection half done. */
async function settledMemory(roots: () => number[]): Promise<{ pss: number; rss: number; processes: number }> {
  const samples: { pss: number; rss: number; processes: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const sampler = new TreeMemorySampler(roots);
    sampler.sample();
    const peak = sampler.stop();
    samples.push({ pss: peak.peakPssMb, rss: peak.peakRssMb, processes: peak.peakProcesses });
    await sleep(200);
  }
  samples.sort((a, b) => a.pss - b.pss);
  return samples[2];
}

/** A client that logs in, selects INBOX and sits in IDLE. */
class IdleConnection {
  private buffer = '';
  private waiter?: { match: (line: string) => boolean; resolve: (line: string) => void; reject: (err: Error) => void };
  /** When the line last matched by a waiter arrived (performance.now()), before any promise continuation ran. */
  private matchedAt = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let i: number;
      while ((i = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 2);
        if (this.waiter?.match(line)) {
          this.matchedAt = performance.now();
          const w = this.waiter;
          this.waiter = undefined;
          w.resolve(line);
        }
      }
    });
    const fail = (err: Error) => {
      const w = this.waiter;
      this.waiter = undefined;
      w?.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static async open(port: number, user = USER): Promise<IdleConnection> {
    const socket = net.connect({ host: '127.0.0.1', port });
    const c = new IdleConnection(socket);
    await c.expect((l) => l.startsWith('* OK'), 'greeting');
    await c.command(`a LOGIN ${user} "${PASSWORD}"`, 'a ');
    await c.command('b SELECT INBOX', 'b ');
    socket.write('c IDLE\r\n');
    await c.expect((l) => l.startsWith('+'), 'IDLE continuation');
    return c;
  }

  /** Resolves with the time (performance.now()) the next "* N EXISTS" arrives; call it before the delivery. */
  async nextExists(): Promise<number> {
    await this.expect((l) => /^\* \d+ EXISTS$/i.test(l), 'EXISTS while idling');
    return this.matchedAt;
  }

  /** Ends IDLE; true when the server answers OK. */
  async done(): Promise<boolean> {
    try {
      this.socket.write('DONE\r\n');
      return /^c OK/i.test(await this.expect((l) => l.startsWith('c '), 'IDLE end'));
    } catch {
      return false;
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async command(line: string, tag: string): Promise<void> {
    this.socket.write(line + '\r\n');
    const answer = await this.expect((l) => l.startsWith(tag), line);
    if (!answer.slice(tag.length).toUpperCase().startsWith('OK')) throw new Error(`${line.split(' ')[1]}: ${answer}`);
  }

  private expect(match: (line: string) => boolean, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${what} within 60 s`)), 60_000);
      this.waiter = {
        match,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(new Error(`${e.message} (waiting for ${what})`));
        },
      };
    });
  }
}
