import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { intFlag } from './lib/args';
import { registerCleanup } from './lib/cleanup';
import { freePort } from './lib/free-port';
import { engineEnvironment, ENGINE_CLI, stopChild } from './lib/pillarbox-engine';
import { sleep } from './lib/poll';
import { readKbFields } from './lib/procs';
import { largeDataDir } from './lib/startup-data';
import { fileSystemType, makeWorkDir, removeDir } from './lib/workdir';
import type { Benchmark, BenchContext, BenchResult, Column, SideResult } from './types';

/**
 * Issue 16 target 7: how long `pillarbox start` (the built engine, spawned as the other
 * benchmarks do) takes to greet on SMTP, with an empty data directory (the first start, which
 * makes the database, the admin account and the self-signed certificate, and a second start on
 * it) and with a large one (1,000 users and 1,000,000 stored messages, built once and cached).
 * The clock runs from spawn until a connection to the SMTP port reads its 220 (connecting again
 * every 2 ms until one does); "ready" is when run/ports.json appears (every listener up).
 */

interface Start {
  bannerMs: number;
  readyMs: number;
  cpuMs: number;
  rssMb: number;
}

const COLUMNS: Column[] = [
  { key: 'bannerMs', label: 'to 220 ms', decimals: 0 },
  { key: 'readyMs', label: 'all ready ms', decimals: 0 },
  { key: 'cpuMs', label: 'CPU ms to 220', decimals: 0 },
  { key: 'rssMb', label: 'RSS MiB ready', decimals: 1 },
  { key: 'slowestBannerMs', label: 'slowest 220 ms', decimals: 0 },
];

/** User + system CPU of a process so far, in ms (from /proc/PID/stat, in clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resolves with the moment a connection to the port read a 220 line; connects again while refused. */
async function firstBanner(port: number, exited: () => string | undefined): Promise<number> {
  for (;;) {
    const got = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
        if (/^220[ -]/m.test(text)) {
          socket.destroy();
          resolve(true);
        }
      });
      socket.on('error', () => resolve(false));
      socket.on('close', () => resolve(false));
    });
    if (got) return performance.now();
    const why = exited();
    if (why) throw new Error(why);
    await sleep(2);
  }
}

/** One start: spawn, wait for the banner and run/ports.json, read the figures, stop (SIGTERM). */
async function timeStart(dataDir: string, nodeArgs: string[]): Promise<Start> {
  const smtpPort = await freePort();
  const env = { ...engineEnvironment(dataDir), PILLARBOX_SMTP_PORT: String(smtpPort) };
  const portsFile = path.join(dataDir, 'run', 'ports.json');
  fs.rmSync(portsFile, { force: true });
  const out = fs.openSync(path.join(dataDir, 'engine-output.log'), 'a');
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, ENGINE_CLI, 'start'], { env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited: string | undefined;
  child.once('exit', (code, sig) => (exited = `the engine exited (${sig ?? `code ${code}`}) before it was ready`));
  const cleanup = registerCleanup(() => stopChild(child));
  try {
    const banner = await firstBanner(smtpPort, () => exited);
    const cpuMs = cpuMsOf(child.pid as number);
    while (!fs.existsSync(portsFile)) {
      if (exited) throw new Error(exited);
      await sleep(2);
    }
    const ready = performance.now();
    const rssKb = readKbFields(`/proc/${child.pid}/status`, ['VmRSS'])?.VmRSS ?? 0;
    return { bannerMs: banner - t0, readyMs: ready - t0, cpuMs, rssMb: rssKb / 1024 };
  } finally {
    await cleanup();
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function side(system: string, starts: Start[]): SideResult {
  const metric = (k: keyof Start) => median(starts.map((s) => s[k]));
  return {
    system,
    ok: true,
    metrics: { bannerMs: metric('bannerMs'), readyMs: metric('readyMs'), cpuMs: metric('cpuMs'), rssMb: metric('rssMb'), slowestBannerMs: Math.max(...starts.map((s) => s.bannerMs)) },
  };
}

async function measure(ctx: BenchContext, system: string, runs: number, start: (i: number) => Promise<Start>): Promise<SideResult> {
  const starts: Start[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const s = await start(i);
      ctx.log(`${system} run ${i + 1}: 220 after ${s.bannerMs.toFixed(0)} ms, ready ${s.readyMs.toFixed(0)} ms, CPU ${s.cpuMs} ms, RSS ${s.rssMb.toFixed(1)} MiB`);
      starts.push(s);
    }
    return side(system, starts);
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    ctx.log(`${system} FAILED: ${error}`);
    return { system, ok: false, error, metrics: {} };
  }
}

export const startupBenchmark: Benchmark = {
  name: 'startup',
  description: 'engine start to SMTP banner: empty data directory (first and second start) and 1,000 users with 1,000,000 messages',
  flags: [
    '--runs N         starts of each kind; medians reported (default 5)',
    '--users N        users of the large data directory (default 1000)',
    '--messages N     messages of the large data directory (default 1000000)',
    '--only KIND      empty or large',
    '--cache DIR      where the large data directory is built once and kept (default /var/tmp/pillarbox-bench-startup)',
    '--profile DIR    write a --cpu-prof profile of each start into DIR',
  ],
  async run(ctx: BenchContext): Promise<BenchResult> {
    const runs = intFlag(ctx.flags, 'runs', 5);
    const users = intFlag(ctx.flags, 'users', 1000);
    const messages = intFlag(ctx.flags, 'messages', 1_000_000);
    const only = ctx.flags.get('only');
    if (only !== undefined && only !== 'empty' && only !== 'large') throw new Error('--only takes "empty" or "large"');
    const cache = ctx.flags.get('cache');
    const cacheRoot = typeof cache === 'string' ? path.resolve(cache) : '/var/tmp/pillarbox-bench-startup';
    const profile = ctx.flags.get('profile');
    const nodeArgs = typeof profile === 'string' ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profile)}`] : [];
    const sides: SideResult[] = [];
    if (only !== 'large') {
      const first: Start[] = [];
      const second: Start[] = [];
      const fresh = await measure(ctx, 'empty, first start', runs, async () => {
        const dir = makeWorkDir(ctx.workDir, 'pillarbox-bench-startup');
        try {
          const s = await timeStart(dir, nodeArgs);
          first.push(s);
          second.push(await timeStart(dir, nodeArgs));
          return s;
        } finally {
          removeDir(dir);
        }
      });
      sides.push(fresh, fresh.ok ? side('empty, second start', second) : { system: 'empty, second start', ok: false, error: fresh.error, metrics: {} });
    }
    if (only !== 'empty') {
      let data: string | undefined;
      try {
        data = await largeDataDir(ctx.log, cacheRoot, users, messages);
      } catch (err) {
        sides.push({ system: 'large', ok: false, error: `building the data directory: ${err instanceof Error ? err.message : String(err)}`, metrics: {} });
      }
      if (data) {
        const where = data;
        sides.push(await measure(ctx, `${users} users, ${messages.toLocaleString('en')} msgs`, runs, () => timeStart(where, nodeArgs)));
      }
    }
    const notes = [
      'clock: from spawning `node dist/server/cli/pillarbox.js start` to the first 220 read on the SMTP port (connecting again every 2 ms); "all ready": run/ports.json written (every listener up)',
      `CPU: the engine's user + system time when the 220 arrived (10 ms ticks); RSS: its resident memory when run/ports.json appeared`,
      `large data directory: built once through importUsers and direct inserts, kept in ${cacheRoot} (the engine runs on it in place)`,
    ];
    if (fileSystemType(ctx.workDir) === 'tmpfs') notes.push(`${ctx.workDir} is tmpfs: the first start's fsyncs cost nothing there (use --dir)`);
    return {
      benchmark: 'startup',
      workload: { summary: `engine start to SMTP banner, ${runs} starts of each kind`, params: { runs, users, messages } },
      columns: COLUMNS,
      sides,
      notes,
    };
  },
};
