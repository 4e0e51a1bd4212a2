import os from 'node:os';
import path from 'node:path';
import { parseFlags } from './lib/args';
import { formatReport } from './lib/report';
import { BENCHMARKS, findBenchmark } from './registry';
import type { BenchContext } from './types';

/**
 * `npm run bench` lists the benchmarks; `npm run bench -- <name> [flags]` runs one and prints a
 * table (Pillarbox next to its peer) and one JSON line. Progress goes to stderr.
 * Exit code: 0 all sides ran, 1 a side failed, 2 bad usage.
 */
function usage(): string {
  const lines = ['usage: npm run bench -- <benchmark> [--dir DIR] [flags]', '', 'benchmarks:'];
  const width = Math.max(...BENCHMARKS.map((b) => b.name.length));
  for (const b of BENCHMARKS) {
    lines.push(`  ${b.name.padEnd(width)}  ${b.description}`);
    for (const flag of b.flags ?? []) lines.push(`  ${' '.repeat(width)}    ${flag}`);
  }
  lines.push('', 'common flags:', '  --dir DIR  where temporary data directories go (default: the OS temp dir; must be a real disk)');
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  if (name === undefined || name === 'list' || name === 'help' || name === '--help') {
    process.stdout.write(usage());
    return;
  }
  const benchmark = findBenchmark(name);
  if (!benchmark) {
    process.stderr.write(`unknown benchmark "${name}"\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  let flags: Map<string, string | true>;
  try {
    flags = parseFlags(rest);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  const dir = flags.get('dir');
  const ctx: BenchContext = {
    flags,
    workDir: typeof dir === 'string' ? path.resolve(dir) : os.tmpdir(),
    log: (message) => process.stderr.write(`[bench ${benchmark.name}] ${message}\n`),
  };
  const loadAverageBefore = os.loadavg()[0];
  const result = await benchmark.run(ctx);
  result.machine = { cpus: os.cpus().length, loadAverageBefore, loadAverageAfter: os.loadavg()[0] };
  process.stdout.write(formatReport(result));
  if (result.sides.some((s) => !s.ok)) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
