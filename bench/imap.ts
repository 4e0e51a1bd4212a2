import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { intFlag, onlyFlag } from './lib/args';
import { withDovecotImap } from './lib/dovecot-imap-instance';
import { withImapEngine } from './lib/pillarbox-engine';
import { makeWorkDir, removeDir } from './lib/workdir';
import type { Benchmark, BenchContext, BenchResult, Column, SideResult } from './types';

/**
 * imaptest's stress mode (its default command mix: LOGIN, LIST, STATUS, SELECT, FETCH,
 * FETCH BODY, STORE, EXPUNGE, APPEND, LOGOUT, each client looping through them) against
 * Pillarbox and against a private Dovecot, same clients, same time, same messages. The
 * figures are imaptest's own per-command totals. imaptest is not shipped: the benchmark
 * runs when an `imaptest` binary is on PATH or IMAPTEST names one (docs/benchmarks.md).
 */

const USER = 'bench';
const PASSWORD = 'bench-imap-password';

/** imaptest's column names for its default commands, and ours. */
const COMMANDS: [string, string][] = [
  ['Logi', 'LOGIN'],
  ['List', 'LIST'],
  ['Stat', 'STATUS'],
  ['Sele', 'SELECT'],
  ['Fetc', 'FETCH'],
  ['Fet2', 'FETCH body'],
  ['Stor', 'STORE'],
  ['Dele', 'STORE \\Deleted'],
  ['Expu', 'EXPUNGE'],
  ['Appe', 'APPEND'],
  ['Logo', 'LOGOUT'],
];
const COLUMNS: Column[] = COMMANDS.map(([key, label]) => ({ key, label, decimals: 0 }));

function findImaptest(): string | undefined {
  if (process.env.IMAPTEST) return fs.existsSync(process.env.IMAPTEST) ? process.env.IMAPTEST : undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, 'imaptest'))) return path.join(dir, 'imaptest');
  }
  return undefined;
}

/** The messages imaptest APPENDs: a small mbox of plain and MIME mails of a few sizes, the same for both sides. */
function writeMbox(file: string): void {
  const out: string[] = [];
  for (let i = 0; i < 40; i++) {
    const body = `Line ${i} of a message body used by the IMAP benchmark.\n`.repeat(1 + ((i * 7) % 60));
    out.push(
      `From bench@example.org  Mon Jan  1 00:00:${String(i % 60).padStart(2, '0')} 2024`,
      `From: Sender ${i} <sender${i}@example.org>`,
      `To: ${USER}@example.test`,
      `Subject: benchmark message ${i}`,
      `Date: Mon, 1 Jan 2024 00:${String(i % 60).padStart(2, '0')}:00 +0000`,
      `Message-ID: <bench-${i}@example.org>`,
      ...(i % 3 === 0
        ? ['MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', body, '--b', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', Buffer.alloc(300 + i * 20, i).toString('base64'), '--b--']
        : ['', body]),
      '',
    );
  }
  fs.writeFileSync(file, out.join('\n'));
}

/** The numbers under "Totals:" in imaptest's output, by column name. */
export function parseTotals(output: string): Record<string, number> {
  const at = output.lastIndexOf('Totals:');
  if (at < 0) throw new Error(`imaptest printed no totals: ${output.trim().split('\n').slice(-3).join(' | ')}`);
  const lines = output.slice(at).split('\n').slice(1);
  const names = lines[0].trim().split(/\s+/);
  const numbers = lines.find((l, i) => i > 0 && /^\s*\d+(\s+\d+)+\s*$/.test(l));
  if (!numbers) throw new Error('imaptest totals without figures');
  const values = numbers.trim().split(/\s+/).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

function runImaptest(binary: string, port: number, mbox: string, clients: number, secs: number): Promise<string> {
  const env = { ...process.env, LD_LIBRARY_PATH: [process.env.LD_LIBRARY_PATH, '/usr/lib/dovecot'].filter(Boolean).join(':') };
  const args = ['host=127.0.0.1', `port=${port}`, `user=${USER}`, `pass=${PASSWORD}`, `mbox=${mbox}`, `clients=${clients}`, `secs=${secs}`];
  return new Promise((resolve, reject) => {
    execFile(binary, args, { env, maxBuffer: 64 * 1024 * 1024, timeout: (secs + 60) * 1000 }, (err, stdout, stderr) => {
      const text = stdout + stderr;
      if (text.includes('Totals:')) resolve(text);
      else reject(new Error(`imaptest failed: ${err?.message ?? ''} ${text.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

function runPillarbox(ctx: BenchContext, binary: string, mbox: string, clients: number, secs: number, keep: boolean): Promise<Record<string, number>> {
  // Room for imaptest's clients.
  const settings = { imapMaxConnections: Math.max(32, clients * 2), maxConnectionsPerIp: Math.max(50, clients * 2) };
  return withImapEngine(ctx, { prefix: 'pillarbox-bench-imap', user: USER, password: PASSWORD, keep, settings }, async (engine) =>
    parseTotals(await runImaptest(binary, engine.ports.imap, mbox, clients, secs)),
  );
}

function runDovecot(ctx: BenchContext, binary: string, mbox: string, clients: number, secs: number, keep: boolean): Promise<Record<string, number>> {
  return withDovecotImap(ctx, { prefix: 'dovecot-bench-imap', password: PASSWORD, keep }, async (dovecot) => parseTotals(await runImaptest(binary, dovecot.port, mbox, clients, secs)));
}

export const imapBenchmark: Benchmark = {
  name: 'imap',
  description: "IMAP: imaptest's stress mode (default command mix) with 20 clients for 30 s: Pillarbox vs Dovecot",
  flags: ['--clients N      imaptest clients (default 20)', '--secs N         seconds per side (default 30)', '--only SIDE      pillarbox or peer', '--keep           keep the temporary data directories'],
  async run(ctx: BenchContext): Promise<BenchResult> {
    const clients = intFlag(ctx.flags, 'clients', 20);
    const secs = intFlag(ctx.flags, 'secs', 30);
    const only = onlyFlag(ctx.flags);
    const keep = ctx.flags.has('keep');
    const workload = {
      summary: `imaptest stress, default command mix, ${clients} clients, ${secs} s per side; figures are commands completed`,
      params: { clients, secs },
    };
    const binary = findImaptest();
    if (!binary) {
      ctx.log('imaptest not found: put it on PATH or set IMAPTEST (see docs/benchmarks.md); skipping');
      return { benchmark: 'imap', workload, columns: COLUMNS, sides: [], notes: ['skipped: no imaptest binary (PATH or IMAPTEST); see docs/benchmarks.md for building it'] };
    }
    const mboxDir = makeWorkDir(ctx.workDir, 'imap-bench-mbox');
    const mbox = path.join(mboxDir, 'bench.mbox');
    writeMbox(mbox);
    const sides: SideResult[] = [];
    try {
      const plan: [string, () => Promise<Record<string, number>>][] = [];
      if (only !== 'peer') plan.push(['pillarbox', () => runPillarbox(ctx, binary, mbox, clients, secs, keep)]);
      if (only !== 'pillarbox') plan.push(['dovecot', () => runDovecot(ctx, binary, mbox, clients, secs, keep)]);
      for (const [system, work] of plan) {
        ctx.log(`--- ${system}`);
        try {
          const totals = await work();
          ctx.log(`${system}: ${COMMANDS.map(([k]) => `${k} ${totals[k] ?? '?'}`).join(', ')}`);
          sides.push({ system, ok: true, metrics: totals });
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          ctx.log(`${system} FAILED: ${error}`);
          sides.push({ system, ok: false, error, metrics: {} });
        }
      }
    } finally {
      removeDir(mboxDir);
    }
    return {
      benchmark: 'imap',
      workload,
      columns: COLUMNS,
      sides,
      notes: [
        `load: imaptest host=127.0.0.1 port=PORT user=${USER} pass=… mbox=<40 generated messages> clients=${clients} secs=${secs}`,
        'every client logs in as the same user and works on its INBOX, as imaptest does by default',
      ],
    };
  },
};
